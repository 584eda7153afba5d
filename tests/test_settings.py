"""Settings fuzz: no stored value can stop the app from starting (issue 11 §6).

Every declared key (playground.settings.REGISTRY) is poisoned with a bounded set of hostile
values written straight into the ini: per key through its reader (cheap), and all keys at once
through the real MainWindow, one window per class of hostile value.
"""
from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

import playground
from playground import settings as app_settings
from playground.settings import Invalid, decode_json

ROOT = Path(playground.__file__).parent
DEEP = "[" * 100_000 + "]" * 100_000


def _import_everything() -> dict[str, app_settings.Setting]:
    # Keys are declared where they are used; importing every module declares them all (a view
    # built lazily must not escape the fuzz).
    for mod in pkgutil.walk_packages([str(ROOT)], "playground."):
        if not mod.name.endswith("__main__"):
            importlib.import_module(mod.name)
    return dict(app_settings.REGISTRY)


REGISTRY = _import_everything()


def free_text(s) -> bool:
    """Keys where any short string is a valid value (a folder, a model key)."""
    return s.kind == "str" and s.check in (app_settings.path, app_settings.name)


def everything(s) -> bool:
    return True


# name → (value as written through QSettings, the keys for which it must be refused)
HOSTILE = {
    "a Qt string list": (["a", "b"], everything),
    "raw bytes": (QByteArray(b"\x00\xff\x01junk"), lambda s: s.kind != "bytes"),
    "JSON nested 100,000 deep": (DEEP, everything),
    "an integer of 10**30": (str(10 ** 30), lambda s: not free_text(s)),
    "NaN": ("NaN", lambda s: not free_text(s)),
    "-Infinity": ("-Infinity", lambda s: not free_text(s)),
    "a list where a dict belongs": ("[1, 2]", lambda s: not free_text(s)),
    "a JSON string": ('"x"', lambda s: not free_text(s)),
    "a NUL character": ("a\0b", everything),
    "text with 4,100 digits": ("9" * 4100, everything),
}


def _write(settings_file: Path, values: dict) -> None:
    s = QSettings(str(settings_file), QSettings.Format.IniFormat)
    for key, value in values.items():
        s.setValue(key, value)
    s.sync()


def _ignored_keys(caplog) -> set[str]:
    keys = set()
    for r in caplog.records:
        m = re.match(r"settings: ignored (\S+) \(.*\); using the default$", r.getMessage())
        assert m, r.getMessage()                   # one line, in the one format
        keys.add(m.group(1))
    return keys


# ------------------------------------------------------------------ the registry
def test_every_key_the_app_reads_is_declared():
    # the keys the app has always kept are all there ...
    for key in ("device", "data_dir", "window/tab", "window/geometry", "diffusion/view",
                "autoencoder/hyperparameters", "pix2pix/paint/map", "pix2pix/painter",
                "gan/digits/model", "diffusion/reverse/open_dir", "gan/lab_strokes"):
        assert key in REGISTRY
    # ... and nothing in playground/ reads settings except through a declared Setting
    bypass = re.compile(r"\bget_json\(|\bget_str\(|settings\(\)\.value\(|QSettings\(")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in ROOT.rglob("*.py") if p.name != "settings.py"
                 for i, line in enumerate(p.read_text().splitlines(), 1) if bypass.search(line)]
    assert offenders == []


# ------------------------------------------------------------------ the reader, key by key
@pytest.mark.parametrize("case", list(HOSTILE))
def test_each_key_refuses_each_hostile_value(case, settings_file, caplog):
    value, refused_by = HOSTILE[case]
    _write(settings_file, {key: value for key in REGISTRY})
    for key, s in REGISTRY.items():
        caplog.clear()
        with caplog.at_level(logging.WARNING, "playground.settings"):
            got = s.get()
        if refused_by(s):
            assert got is s.default or got == s.default, (key, case)
            assert _ignored_keys(caplog) == {key}, (key, case)
        else:
            assert got == value and not caplog.records, (key, case)


def test_a_bad_field_loses_only_that_field(settings_file, caplog):
    from playground.panels.autoencoder.live_training import HYPERPARAMETERS
    HYPERPARAMETERS.set({"kind": "vae", "latent_dim": 3e9, "beta": "lots", "epochs": 7,
                         "lr": [1e-3], "unknown": 1})
    with caplog.at_level(logging.WARNING, "playground.settings"):
        assert HYPERPARAMETERS.get() == {"kind": "vae", "epochs": 7}
    assert _ignored_keys(caplog) == {"autoencoder/hyperparameters.latent_dim",
                                     "autoencoder/hyperparameters.beta",
                                     "autoencoder/hyperparameters.lr"}


def test_a_declared_range_refuses_what_lies_outside(settings_file, caplog):
    from playground.panels.gan.digits_view import SAMPLES
    SAMPLES.set({"truncation": 0.5, "label": 7})
    assert SAMPLES.get() == {"truncation": 0.5, "label": 7}
    SAMPLES.set({"truncation": 5.0, "label": 1000})
    with caplog.at_level(logging.WARNING, "playground.settings"):
        assert SAMPLES.get() == {}
    assert _ignored_keys(caplog) == {"gan/digits/samples.truncation", "gan/digits/samples.label"}


def test_unset_keys_give_their_defaults_silently(settings_file, caplog):
    with caplog.at_level(logging.WARNING, "playground.settings"):
        assert all(s.get() == s.default for s in REGISTRY.values())
    assert not caplog.records


def test_an_undeclared_key_read_by_name_still_gets_the_generic_checks(settings_file, caplog):
    _write(settings_file, {"scripts/x": DEEP, "scripts/y": '{"a": [1, 2]}', "scripts/z": ["a"]})
    with caplog.at_level(logging.WARNING, "playground.settings"):
        assert app_settings.get_json("scripts/x", "fallback") == "fallback"
        assert app_settings.get_json("scripts/y") == {"a": [1, 2]}
        assert app_settings.get_str("scripts/z", "fallback") == "fallback"
        assert app_settings.get_json("scripts/unset", 5) == 5
    assert _ignored_keys(caplog) == {"scripts/x", "scripts/z"}
    assert "scripts/x" not in app_settings.REGISTRY


def test_a_saved_window_geometry_reads_back(qtbot, settings_file, caplog):
    from PySide6.QtWidgets import QMainWindow

    from playground.main_window import GEOMETRY
    w = QMainWindow()
    qtbot.addWidget(w)
    w.resize(640, 480)
    GEOMETRY.set(w.saveGeometry())
    with caplog.at_level(logging.WARNING, "playground.settings"):
        assert GEOMETRY.get() == w.saveGeometry()
    assert not caplog.records


# ------------------------------------------------------------------ safe JSON
@pytest.mark.parametrize("text", ["1e400", "-1e309", "NaN", "Infinity", "2147483648",
                                  "-2147483648", "1" * 5000, "[" * 9 + "]" * 9, DEEP,
                                  '{"a": [1, 2', "", "x" * 20_001])
def test_decode_json_refuses(text):
    with pytest.raises(Invalid):
        decode_json(text)


@pytest.mark.parametrize("text, value", [
    ("2147483647", 2147483647), ("-2147483647", -2147483647), ("1e-300", 1e-300),
    ("[" * 8 + "]" * 8, [[[[[[[[]]]]]]]]),
    ('"[[[[[[[[[[[[{{{{{"', "[[[[[[[[[[[[{{{{{"),              # brackets in strings don't nest
    (r'["\"[[[[[[[[[[", "\\"]', ['"[[[[[[[[[[', "\\"]),        # nor do escaped quotes end them
    ('{"a": [1, 2.5, true, null, "s"]}', {"a": [1, 2.5, True, None, "s"]})])
def test_decode_json_accepts(text, value):
    assert decode_json(text) == value


# ------------------------------------------------------------------ what the app writes reads back
def test_what_the_forms_save_reads_back_whole(qtbot, caplog):
    """A field the form saves but its declaration lacks would be dropped on every start."""
    from playground.panels.autoencoder.live_training import HYPERPARAMETERS
    from playground.panels.autoencoder.training_view import TrainingView
    from playground.panels.diffusion.reverse_live import TRAINING as DIFF_TRAINING
    from playground.panels.diffusion.reverse_training import TrainingPane
    from playground.panels.diffusion.reverse_view import SAMPLING
    from playground.panels.diffusion.sampling_controls import SamplingControls
    from playground.panels.diffusion.toy2d_controls import Toy2DControls
    from playground.panels.diffusion.toy2d_view import SAVED as TOY
    from playground.panels.gan.digits_jobs import TRAINING as GAN_TRAINING
    from playground.panels.gan.digits_latent import SamplesPane
    from playground.panels.gan.digits_training import TrainControls
    from playground.panels.gan.digits_view import SAMPLES
    from playground.panels.gan.lab_controls import LabControlPanel
    from playground.panels.gan.lab_view import SAVED as LAB
    from playground.panels.pix2pix.train_form import SAVED as FORM
    from playground.panels.pix2pix.train_form import TrainForm
    cases = [(HYPERPARAMETERS, TrainingView, {}), (DIFF_TRAINING, TrainingPane, {}),
             (SAMPLING, SamplingControls, {}), (TOY, Toy2DControls, {}),
             (GAN_TRAINING, TrainControls, {}), (SAMPLES, SamplesPane, {"label": 3}),
             (LAB, LabControlPanel, {}), (FORM, TrainForm, {})]
    from playground.panels.diffusion.forward_view import DEFAULTS as FORWARD_DEFAULTS
    from playground.panels.diffusion.forward_view import PREFS
    from playground.panels.diffusion.reverse_view import GUIDANCE
    from playground.panels.pix2pix.tool_bar import SAVED as PAINTER
    plain = [(PREFS, FORWARD_DEFAULTS), (GUIDANCE, {"scales": "0, 1, 3, 7", "columns": 8}),
             (PAINTER, {"tool": "brush", "size": 6, "class": 2})]
    with caplog.at_level(logging.WARNING, "playground.settings"):
        for setting, form_class, extra in cases:
            form = form_class()
            qtbot.addWidget(form)
            saved = {**form.values(), **extra}
            assert setting.parse(json.dumps(saved)) == saved, setting.key
        for setting, saved in plain:
            assert setting.parse(json.dumps(saved)) == saved, setting.key
    assert not caplog.records


# ------------------------------------------------------------------ the real window
def _fields() -> set[str]:
    return {f for s in REGISTRY.values() if isinstance(s.check, app_settings.record)
            for f in s.check.fields}


def _bad_fields():
    # every record gets every field name any form saves, each holding a dict (which no field is)
    bad = json.dumps({f: {"x": 1} for f in _fields()})
    return {k: bad if isinstance(s.check, app_settings.record) else '"x"'
            for k, s in REGISTRY.items()}


def _extreme(n: int):
    # every field a valid-looking number at the edge of what a spin box holds
    return {k: json.dumps({f: n for f in s.check.fields}) if isinstance(s.check, app_settings.record)
            else str(n) for k, s in REGISTRY.items()}


def _all(value):
    return lambda: {k: value for k in REGISTRY}


# name → (the values, the keys that must be refused; None: only that the app starts)
WINDOW_CASES = {
    "a Qt string list": (_all(["a", "b"]), everything),
    # Qt refuses the geometry when it restores it
    "raw bytes": (_all(QByteArray(b"\x00\xff\x01junk")), everything),
    "JSON nested 100,000 deep": (_all(DEEP), everything),
    "an integer of 10**30": (_all(str(10 ** 30)), lambda s: not free_text(s)),
    "fields of the wrong type": (_bad_fields, lambda s: not free_text(s)),
    "numbers at 2**31 - 1": (lambda: _extreme(2 ** 31 - 1), None),
    "numbers at -(2**31 - 1)": (lambda: _extreme(-(2 ** 31 - 1)), None),
    "an ini file of random bytes": (None, None),
}
# read only when a dialog opens, not at start; and the tests give the window its device
# (superres/input_file is read only when the last input was a file, which these cases do not say)
NOT_READ_AT_START = {k for k in REGISTRY if k.endswith("_dir") or k in ("gan/lab_file", "device",
                                                                    "superres/input_file")}


@pytest.mark.gui
@pytest.mark.parametrize("case", list(WINDOW_CASES))
def test_the_app_starts_whatever_the_settings_hold(case, qtbot, settings_file, caplog, messages):
    import numpy as np

    from playground.main_window import MainWindow
    make, refused_by = WINDOW_CASES[case]
    if make is None:
        settings_file.write_bytes(np.random.default_rng(0).integers(0, 256, 64_000, np.uint8)
                                  .tobytes() + b"\n[General]\ndevice=\x00\xff\n" + DEEP.encode())
    else:
        _write(settings_file, make())
    with caplog.at_level(logging.WARNING, "playground.settings"):
        w = MainWindow(device="cpu")
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
    try:
        assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == [
            "Autoencoders", "Diffusion", "GANs", "pix2pix", "Translation", "Likelihood"]
        for i in range(w.tabs.count()):
            w.tabs.setCurrentIndex(i)
            assert w.tabs.currentWidget().isVisible()
        assert not w.grab().isNull()
        if refused_by is not None:
            ignored = {k.split(".")[0] for k in _ignored_keys(caplog)}
            expected = {k for k, s in REGISTRY.items() if k not in NOT_READ_AT_START and refused_by(s)}
            assert expected - ignored == set()
    finally:
        w.close()
