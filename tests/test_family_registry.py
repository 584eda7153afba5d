"""The family registry: a family declared in one place reaches the command line, File → Open
and the tab bar with no edit to a central file.

The toy family lives entirely in this module, as a plugin would live in its own: its
inference class (ToyModel), its trainer (ToyTrainer), its CLI functions (COMMANDS,
add_arguments, make_trainer, at module level: the Family's `cli` is this module) and its Qt
panel (ToyPanel). Its model learns one number w by gradient descent on (w − target)², so
after n steps of rate η, w = target·(1 − (1 − 2η)ⁿ): the checkpoint is checked against that.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.checkpoint import CheckpointError, check_state, load_checkpoint, read_tensors
from models.events import Step, TrainResult
from models.family import (Family, FamilyError, Recipe, checkpoint_families, families, load,
                           register, registered, unregister)
from playground.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
ME = __name__          # the module path the toy family's strings point at


# ------------------------------------------------------------------ the toy family's model

class ToyModel:
    """What load_checkpoint needs of an inference class: from_checkpoint, and for
    inspect_checkpoint (File → Open asks it first) config_from_meta, check_meta, expected_for."""
    family = "toy"

    def __init__(self, w: float, meta: dict):
        self.w, self.meta = w, meta

    @classmethod
    def config_from_meta(cls, meta, source):
        target = meta["config"].get("target")
        if not isinstance(target, (int, float)):
            raise CheckpointError(f"{source}: a toy checkpoint needs a numeric target")
        return meta["config"]

    @classmethod
    def check_meta(cls, meta, config, source):
        pass

    @classmethod
    def expected_for(cls, config, source="<memory>"):
        return {"w": ((1,), np.dtype("float32"))}

    @classmethod
    def from_checkpoint(cls, weights, tensors, meta, source, device="cpu"):
        config = cls.config_from_meta(meta, source)
        check_state(tensors, cls.expected_for(config, source), source)
        return cls(float(read_tensors(weights, tensors)["w"][0]), meta)


class ToyTrainer:
    """run() yields a Step per step and returns a TrainResult; checkpoint() is what is saved."""

    def __init__(self, target: float, steps: int, lr: float):
        self.target, self.steps, self.lr = target, steps, lr
        self.w, self.steps_done, self.device = 0.0, 0, "cpu"

    def run(self):
        for i in range(1, self.steps + 1):
            self.w -= self.lr * 2 * (self.w - self.target)          # d/dw (w − target)²
            self.steps_done = i
            yield Step(i, self.steps, 1, 1, {"loss": (self.w - self.target) ** 2}, 0.0, 0.0)
        return TrainResult(self.steps_done, 1.0)

    def checkpoint(self, result=None):
        meta = {"family": "toy", "config": {"target": self.target}, "steps": self.steps_done,
                "metrics": {"w": self.w}}
        return {"w": np.array([self.w], np.float32)}, meta


# ------------------------------------------------------------------ its CLI (this module is it)

COMMANDS = ("toy",)
HELP = {"toy": "a one-number model, for the registry test"}


def add_arguments(parser, command):
    parser.add_argument("--target", type=float, default=3.0, help="the number w learns")
    parser.add_argument("--steps", type=int, default=20)


def make_trainer(args, command, load):
    return ToyTrainer(args.target, args.steps, 0.1 if args.lr is None else args.lr), "a toy"


# ------------------------------------------------------------------ its panel

def _panel_class():
    """Defined on first use, so importing this module for the CLI test needs no Qt."""
    from PySide6.QtCore import Signal
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    class ToyPanel(QWidget):
        """The interface the main window uses of a panel, and nothing else."""
        message = Signal(str)

        def __init__(self, device="cpu", data_dir=None):
            super().__init__()
            self.device, self.data_dir, self.opened, self.stopped = device, data_dir, [], False
            self.label = QLabel("no toy model yet")
            QVBoxLayout(self).addWidget(self.label)

        def open_checkpoint(self, path) -> bool:
            model = load_checkpoint(path)
            self.opened.append(model)
            self.label.setText(f"w = {model.w:.4f}")
            self.message.emit(f"Opened {path}")
            return True

        def save_checkpoint(self) -> bool:
            return False

        def set_device(self, device):
            self.device = device

        def set_data_dir(self, folder):
            self.data_dir = folder

        def shutdown(self):
            self.stopped = True

        def help_topic(self) -> str:
            from playground.help import INDEX
            return INDEX
    return ToyPanel


def __getattr__(name):                       # "test_family_registry:ToyPanel" imports this
    if name == "ToyPanel":
        globals()[name] = cls = _panel_class()
        return cls
    raise AttributeError(name)


TOY = Family(name="toy", title="Toy", order=95, checkpoints={"toy": f"{ME}:ToyModel"},
             cli=ME, panel=f"{ME}:ToyPanel", help="a one-number model")


@pytest.fixture
def toy():
    with register(TOY) as family:
        yield family
    assert TOY not in families()


def _train(out, *extra) -> int:
    return main(["train", "toy", "--target", "3", "--steps", "20", "--out", str(out), *extra])


# ------------------------------------------------------------------ the command line

def test_the_toy_is_listed_in_train_help_and_trains(toy, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    listing = capsys.readouterr().out
    assert re.search(r"^\s+toy\s+a one-number model", listing, re.M)
    for command in ("vae", "ddpm", "dcgan", "gan2d", "pix2pix"):      # and every built-in one
        assert re.search(rf"^\s+{re.escape(command)}\s", listing, re.M), command

    out = tmp_path / "toy-ckpt"
    assert _train(out) == 0
    assert f"Saved {out} (20 steps; w " in capsys.readouterr().out
    model = load_checkpoint(out)
    assert isinstance(model, ToyModel)
    assert model.w == pytest.approx(3 * (1 - (1 - 2 * 0.1) ** 20), rel=1e-6)
    assert json.loads((out / "config.json").read_text())["config"] == {"target": 3.0}


def test_the_toy_takes_the_common_options_and_refuses_bad_ones(toy, tmp_path, capsys):
    out = tmp_path / "half"
    assert _train(out, "--lr", "0.25", "--steps", "1") == 0
    assert load_checkpoint(out).w == pytest.approx(1.5)               # one step of η = 0.25
    with pytest.raises(SystemExit) as info:
        _train(tmp_path / "x", "--epochs", "zero")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "playground train toy: error: argument --epochs: must be a whole number" in err


def test_unregistering_removes_the_toy_everywhere(tmp_path, capsys):
    with register(TOY):
        assert _train(tmp_path / "t") == 0
        assert "toy" in checkpoint_families()
    assert TOY not in families() and "toy" not in checkpoint_families()
    with pytest.raises(SystemExit):
        _train(tmp_path / "again")
    assert "invalid choice: 'toy'" in capsys.readouterr().err
    with pytest.raises(CheckpointError, match="family 'toy' is not one this version can load"):
        load_checkpoint(tmp_path / "t")
    with pytest.raises(FamilyError, match="not registered"):
        unregister(TOY)


# ------------------------------------------------------------------ clear refusals

@pytest.mark.parametrize("clash,words", [
    (dict(name="gan"), "claim the name 'gan'"),
    (dict(checkpoints={"diffusion": f"{ME}:ToyModel"}), "checkpoint family 'diffusion'"),
])
def test_a_family_claiming_anothers_name_is_refused(clash, words):
    fields = dict(name="toy2", title="Toy 2", order=96, checkpoints={"toy2": f"{ME}:ToyModel"})
    with pytest.raises(FamilyError, match=words):
        register(Family(**{**fields, **clash}))
    assert [f.name for f in families()].count("toy2") == 0


def test_a_family_claiming_anothers_command_is_refused(tmp_path):
    # a CLI module declaring "ddpm", which the diffusion family's already does
    (tmp_path / "clashing_cli.py").write_text(
        "COMMANDS = ('ddpm',)\nadd_arguments = make_trainer = print\n")
    (tmp_path / "half_cli.py").write_text("COMMANDS = ('half',)\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(FamilyError, match="`playground train` command 'ddpm'"):
            register(Family(name="clash", title="Clash", order=97, cli="clashing_cli"))
        with pytest.raises(FamilyError, match="lacks add_arguments, make_trainer"):
            register(Family(name="half", title="Half", order=97, cli="half_cli"))
    finally:
        sys.path.remove(str(tmp_path))
    assert not {"clash", "half"} & {f.name for f in families()}


def test_registered_is_a_context_for_several_and_register_takes_only_families():
    other = Family(name="toy3", title="Toy 3", order=98)
    with registered(TOY, other):
        assert {"toy", "toy3"} <= {f.name for f in families()}
    assert not {"toy", "toy3"} & {f.name for f in families()}
    with pytest.raises(TypeError):
        register("toy")


# ------------------------------------------------------------------ the window

@pytest.mark.gui
def test_file_open_routes_the_toys_checkpoint_to_its_tab(toy, make_window, tmp_path):
    out = tmp_path / "toy-ckpt"
    assert _train(out) == 0
    w = make_window()
    titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert titles[-1] == "Toy" and titles.index("Toy") > titles.index("pix2pix")  # by order
    assert "toy" not in w.panels                                   # built lazily, like any tab
    assert w.open_checkpoint(str(out)) is True
    panel = w.panels["toy"]
    assert w.tabs.currentWidget() is panel
    assert panel.opened[0].w == pytest.approx(3 * (1 - 0.8 ** 20), rel=1e-6)
    w.set_device("cpu")
    assert panel.device == "cpu"
    w.close()
    assert panel.stopped


@pytest.mark.gui
def test_without_the_toy_the_window_has_no_toy_tab(make_window):
    w = make_window()
    assert "Toy" not in [w.tabs.tabText(i) for i in range(w.tabs.count())]


# ------------------------------------------------------------------ the central files

CENTRAL = ["models/checkpoint.py", "models/family.py", "playground/cli.py",
           "playground/cli_train.py", "playground/main_window.py", "playground/panels/__init__.py"]


@pytest.mark.parametrize("path", CENTRAL)
def test_the_central_files_name_no_family(path):
    """Adding a family edits none of these: they iterate over the registry."""
    source = (ROOT / path).read_text()
    code = re.sub(r'"""(?:.|\n)*?"""|#.*', "", source)             # the words, not the prose
    words = set()
    for family in families():
        words |= {family.name, family.title, *family.checkpoints, *family.commands()}
    for word in sorted(words):
        # a keyword argument spelled like a family (tqdm's unit="step", UNIT's command)
        # is not a use of it: `word=` is skipped, `word ==` and "word" are not
        assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-]|=(?!=))", code), \
            f"{path} names {word!r}"


def test_every_built_in_family_is_complete():
    """Each folder's declaration points at things that exist (imported here, Qt-free but the
    panels, which are only checked to be named)."""
    import importlib
    names = [f.name for f in families()]
    # the classifier has no tab; it comes before the GANs, which measure with it
    assert names == ["autoencoder", "classifier", "diffusion", "gan", "pix2pix", "translation",
                     "likelihood"]
    for family in families():
        for checkpoint, spec in family.checkpoints.items():
            module, cls = spec.split(":")
            assert getattr(importlib.import_module(module), cls).family == checkpoint
        for recipe in family.recipes():
            assert isinstance(recipe, Recipe) and (recipe.argv or recipe.build)
            if recipe.build:
                assert callable(load(recipe.build))
            else:                 # what scripts/train_checkpoints.py will run parses
                assert recipe.argv[0] in family.commands()
                argv = [a.replace("{data}", "folder").replace("{datasets}", "root")
                        for a in recipe.argv]
                assert build_parser().parse_args(["train", *argv, "--out", "x"]).model == argv[0]
        if family.panel:
            assert (ROOT / (family.panel.split(":")[0].replace(".", "/") + ".py")).is_file()


def test_listing_the_families_imports_no_qt_and_no_training_code():
    code = ("import sys; from models.family import families; families(); "
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'models.'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded = eval(proc.stdout)                                     # a list of names we printed
    assert not [m for m in loaded if m.startswith("PySide6")]
    assert not [m for m in loaded if m.endswith((".training", ".cli", ".api"))], loaded
