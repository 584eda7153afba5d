"""The Translation panel's Translate view: the picker (shipped, missing, opened, trained here),
x / G(x) / F(G(x)) against the API's own output, the cycle error map against |x − F(G(x))|,
the direction switch, pictures from files (odd sizes and modes, corrupt files) and from other
panels, export, shortcuts. Tiny untrained models in a temporary checkpoints folder."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PIL import Image  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog  # noqa: E402

from models.translation.api import CycleGANModel, UNITModel  # noqa: E402
from models.translation.cyclegan import CycleGANConfig  # noqa: E402
from models.translation.domains import square_rgb  # noqa: E402
from models.translation.unit import UNITConfig  # noqa: E402
from models.translation.unpaired import UnpairedLandscapes  # noqa: E402

pytestmark = pytest.mark.gui

LANDSCAPES = {"dataset": {"name": "landscapes-unpaired"}, "training": {"cycle": 10.0}, "steps": 7}
DIGITS = {"dataset": {"name": "digits-textured"}, "training": {"cycle": 10.0}, "steps": 3}


def tiny_cyclegan(size=64, meta=LANDSCAPES, seed=0):
    import torch
    torch.manual_seed(seed)
    return CycleGANModel(CycleGANConfig(size=size, width=4, blocks=1, critic_width=4,
                                        patch=16), dict(meta))


def tiny_unit(seed=0):
    import torch
    torch.manual_seed(seed)
    return UNITModel(UNITConfig(width=4, latent=2), dict(DIGITS))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A checkpoints folder with three of the four shipped translators (no-cycle missing)."""
    root = tmp_path_factory.mktemp("checkpoints")
    tiny_cyclegan().save(root / "landscapes-cyclegan")
    tiny_cyclegan(28, DIGITS, seed=1).save(root / "digits-cyclegan")
    tiny_unit().save(root / "digits-unit")
    return root


@pytest.fixture
def make_view(qtbot, monkeypatch, shipped, one_torch_thread):
    from playground.panels.translation import translate_source
    from playground.panels.translation.translate_view import TranslateView
    views = []

    def make(root=shipped):
        monkeypatch.setattr(translate_source.TranslatorSource, "checkpoints_root", root)
        v = TranslateView()
        qtbot.addWidget(v)
        v.resize(1200, 520)
        v.show()
        qtbot.waitExposed(v)
        views.append(v)
        settle(qtbot, v)
        return v
    yield make
    for v in views:
        assert v.shutdown()


def settle(qtbot, v):
    qtbot.waitUntil(v.settled)


def focus(qtbot, v):
    v.activateWindow()
    v.random_btn.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is v.random_btn, timeout=2000)


def shown(v):
    return {"x": v.x_view.image(), "y": v.y_view.image(), "back": v.back_view.image(),
            "truth": v.truth_view.image() if v.truth_view.isVisibleTo(v) else None}


def test_the_picker_lists_the_shipped_and_says_why_one_is_missing(make_view):
    v = make_view()
    names = [v.model_box.itemText(i) for i in range(v.model_box.count())]
    assert names[0].startswith("Shipped · CycleGAN landscapes") and "not available" not in names[0]
    assert [n for n in names if "not available" in n] == \
        ["Shipped · CycleGAN landscapes, no cycle loss (not available)"]
    assert any("UNIT digits" in n for n in names) and any("CycleGAN digits" in n for n in names)
    tips = {v.model_box.itemData(i): v.model_box.itemData(i, Qt.ItemDataRole.ToolTipRole)
            for i in range(v.model_box.count())}
    assert "summer ↔ winter" in tips["landscapes"] and "λ = 10" in tips["landscapes"]
    assert "7 steps" in tips["landscapes"]
    assert "MNIST ↔ textured" in tips["digits-unit"]
    assert tips["landscapes-nocycle"].startswith("Not available:")
    v.model_box.setCurrentIndex(v.model_box.findData("landscapes-nocycle"))
    assert v.banner.isVisibleTo(v) and "landscapes-cyclegan-nocycle" in v.banner.text()
    assert v.x_view.image() is None                     # nothing of the old model stays


def test_x_g_of_x_and_the_way_back_are_the_apis_own(make_view):
    v = make_view()
    model = v.current_model()
    assert v.current_key() == "landscapes" and v.direction == "AtoB"
    a, b, _ = UnpairedLandscapes(1, 64).paired(v.source.index % 10_000)
    got = shown(v)
    assert np.array_equal(got["x"], a) and np.array_equal(got["truth"], b)
    y, back = model.round_trip(a, "AtoB")
    assert np.array_equal(got["y"], y) and np.array_equal(got["back"], back)
    assert np.array_equal(y, model.translate(a, "AtoB"))
    assert v.a_to_b.text() == "summer → winter" and v.b_to_a.text() == "winter → summer"
    assert v.captions["y"].text().startswith("G(x)")


def test_the_error_map_is_the_mean_over_channels_of_the_absolute_difference(make_view, qtbot):
    from playground.panels.translation.translate_heat import SCALES, heat_rgb
    v = make_view()
    x, back = v.result["x"].astype(np.float64), v.result["back"].astype(np.float64)
    expected = np.abs(x - back).mean(axis=2) / 255
    assert np.allclose(v.error_map.error, expected, atol=1e-6)
    assert v.scale_box.currentText() == "0 – 0.5"
    # the picture is the error through the colour map (the view's own error, so a value on a
    # rounding edge of the 256 colours cannot flip between two equal computations)
    assert np.array_equal(v.error_map.heat(), heat_rgb(v.error_map.error, 0.5))
    import re
    shown_mean = float(re.search(r"<b>([0-9.]+)</b>", v.summary.text()).group(1))
    assert shown_mean == pytest.approx(expected.mean(), abs=0.6e-4)      # printed to 4 places
    # black where the round trip is exact, the top colour where it is off by the scale or more
    lut = heat_rgb(np.array([[0.0, 0.5, 0.9]]), 0.5)[0]
    assert tuple(lut[0]) != tuple(lut[1]) and tuple(lut[1]) == tuple(lut[2])
    v.scale_box.setCurrentIndex(len(SCALES) - 1)        # fit to this picture
    assert v.error_map.bar.top == pytest.approx(expected.max(), abs=1e-6)
    assert np.array_equal(v.error_map.heat(), heat_rgb(v.error_map.error, v.error_map.bar.top))


def test_the_direction_switch_translates_the_other_way_and_is_remembered(make_view, qtbot):
    from playground.panels.translation.translate_view import DIRECTION
    v = make_view()
    model = v.current_model()
    qtbot.mouseClick(v.b_to_a, Qt.MouseButton.LeftButton)
    settle(qtbot, v)
    a, b, _ = UnpairedLandscapes(1, 64).paired(v.source.index % 10_000)
    got = shown(v)
    assert np.array_equal(got["x"], b) and np.array_equal(got["truth"], a)
    assert np.array_equal(got["y"], model.translate(b, "BtoA"))
    assert np.array_equal(got["back"], model.round_trip(b, "BtoA")[1])
    assert v.b_to_a.isChecked() and not v.a_to_b.isChecked()
    assert v.captions["y"].text().startswith("F(x)") and DIRECTION.get() == "BtoA"
    assert make_view().direction == "BtoA"              # a new view starts where this one was
    focus(qtbot, v)
    qtbot.keyClick(v.random_btn, Qt.Key.Key_X)          # X swaps back
    settle(qtbot, v)
    assert v.direction == "AtoB" and np.array_equal(v.x_view.image(), a)


def test_unit_digits_both_ways_with_the_grey_side_grey(make_view, qtbot):
    from playground.panels.translation.translate_examples import held_digits
    v = make_view()
    v.select_model("digits-unit")
    settle(qtbot, v)
    model = v.current_model()
    d = held_digits()
    i = v.source.index % len(d.grey)
    got = shown(v)
    assert got["x"].shape == (28, 28) and np.array_equal(got["x"], d.grey[i])
    assert np.array_equal(got["truth"], d.textured[i])
    assert np.array_equal(got["y"], model.translate(d.grey[i], "AtoB"))
    assert v.a_to_b.text() == "MNIST → textured"
    v.set_direction("BtoA")
    settle(qtbot, v)
    got = shown(v)
    assert np.array_equal(got["x"], d.textured[i]) and got["y"].shape == (28, 28)
    assert np.array_equal(got["back"], model.round_trip(d.textured[i], "BtoA")[1])
    # the CycleGAN on digits takes MNIST as RGB
    v.select_model("digits")
    settle(qtbot, v)
    assert v.x_view.image().shape == (28, 28, 3)
    assert np.array_equal(v.x_view.image(), d.textured[i])      # still B → A, same digit


def test_random_example_key_draws_a_new_pair(make_view, qtbot):
    v = make_view()
    focus(qtbot, v)
    before = v.source.index
    for _ in range(3):                                  # 1 in 10,000 to draw the same one
        qtbot.keyClick(v.random_btn, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot, v)
        if v.source.index != before:
            break
    assert v.source.index != before
    a, _, _ = UnpairedLandscapes(1, 64).paired(v.source.index % 10_000)
    assert np.array_equal(v.x_view.image(), a)


def _write(path, mode, size):
    rng = np.random.default_rng(3)
    w, h = size
    if mode == "RGBA":
        arr = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
        arr[: h // 2, :, 3] = 0                         # half transparent: laid on white
        Image.fromarray(arr, "RGBA").save(path)
    elif mode == "L":
        Image.fromarray(rng.integers(0, 256, (h, w), dtype=np.uint8), "L").save(path)
    elif mode == "P":
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).convert(
            "P", palette=Image.Palette.ADAPTIVE).save(path)
    else:
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)


@pytest.mark.parametrize("mode, size", [("RGBA", (64, 64)), ("L", (50, 50)), ("RGB", (300, 200)),
                                        ("P", (40, 90))])
def test_open_image_of_any_size_and_mode_by_the_stated_rule(make_view, qtbot, tmp_path, mode, size):
    v = make_view()
    path = tmp_path / f"pic-{mode}.png"
    _write(path, mode, size)
    assert v.open_image(str(path))
    settle(qtbot, v)
    expected = square_rgb(Image.open(path), 64)
    assert np.array_equal(v.x_view.image(), expected)
    assert np.array_equal(v.y_view.image(), v.current_model().translate(expected, "AtoB"))
    assert not v.truth_view.isVisibleTo(v)              # no held-out pair for a picture
    assert f"{size[0]}×{size[1]}" in v.status.text()
    if mode == "RGBA":
        assert (expected[:16] == 255).all()             # the transparent top half is white
    # UNIT's A side takes it grey, by luma, at 28 px
    v.select_model("digits-unit")
    settle(qtbot, v)
    grey = np.asarray(Image.fromarray(square_rgb(Image.open(path), 28)).convert("L"))
    assert np.array_equal(v.x_view.image(), grey)


def test_a_corrupt_file_is_refused_and_nothing_is_lost(make_view, qtbot, tmp_path, messages,
                                                      monkeypatch):
    v = make_view()
    before_source, before = v.source, shown(v)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\nthis is not a picture")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    focus(qtbot, v)
    qtbot.keyClick(v.random_btn, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert messages and messages[-1][0] == "warning" and "broken.png" in messages[-1][2]
    assert "unchanged" in messages[-1][2]
    assert v.source is before_source and v.settled()
    after = shown(v)
    assert all(np.array_equal(before[k], after[k]) for k in ("x", "y", "back"))
    assert not v.open_image(str(tmp_path / "missing.png"))
    assert "does not exist" in messages[-1][2]


def test_a_picture_handed_over_is_translated(make_view, qtbot):
    v = make_view()
    picture = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    v.receive(picture, "pix2pix's picture of your map (64 px)")
    settle(qtbot, v)
    assert np.array_equal(v.x_view.image(), picture)
    assert np.array_equal(v.back_view.image(), v.current_model().round_trip(picture, "AtoB")[1])
    assert "pix2pix" in v.status.text()
    with qtbot.waitSignal(v.message) as blocker:
        v.receive(np.zeros((64, 64, 3), np.float32), "bad")
    assert "Cannot translate" in blocker.args[0]
    assert np.array_equal(v.x_view.image(), picture)


def test_export_key_saves_the_row(make_view, qtbot, tmp_path, monkeypatch):
    v = make_view()
    target = tmp_path / "row.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    focus(qtbot, v)
    qtbot.keyClick(v.random_btn, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    im = Image.open(target)
    assert im.size == (v.export_area.width(), v.export_area.height())


def test_trained_here_snapshots_then_the_result(make_view, qtbot):
    v = make_view()
    trained = tiny_cyclegan(seed=5)
    meta = {**trained.meta, "family": "cyclegan", "config": trained.config.to_dict()}
    v.set_trained(trained.state_numpy(), meta, live=True)
    settle(qtbot, v)
    assert v.current_key() == "trained" and v.model_box.currentText() == "Trained here (training…)"
    assert v.info.text().startswith("live snapshot")
    x = v.result["x"]
    assert np.array_equal(v.y_view.image(), trained.translate(x, "AtoB"))
    v.set_trained(trained.state_numpy(), meta, live=False)
    settle(qtbot, v)
    assert v.model_box.currentText() == "Trained here" and not v.info.text().startswith("live")
    unit = tiny_unit(seed=2)
    v.set_trained(unit.state_numpy(), {**unit.meta, "family": "unit",
                                       "config": unit.config.to_dict()}, live=False)
    settle(qtbot, v)
    assert v.a_to_b.text() == "MNIST → textured" and v.x_view.image().shape == (28, 28)
    with qtbot.waitSignal(v.message) as blocker:
        v.set_trained({}, {"family": "pix2pix"}, live=False)
    assert "cannot be shown" in blocker.args[0] and v.current_model() is not None


def test_open_checkpoint_lists_it_and_refuses_other_families(make_view, qtbot, tmp_path, messages):
    from models.translation.api import SRModel
    from models.translation.srgan import SRConfig
    v = make_view()
    mine = tiny_cyclegan(seed=9)
    mine.save(tmp_path / "mine")
    assert v.open_checkpoint(str(tmp_path / "mine"))
    settle(qtbot, v)
    assert v.model_box.currentText() == "Opened · mine"
    assert np.array_equal(v.y_view.image(), mine.translate(v.result["x"], "AtoB"))
    SRModel(SRConfig(channels=8, blocks=1)).save(tmp_path / "sr")
    assert not v.open_checkpoint(str(tmp_path / "sr"))
    assert "not a CycleGAN or UNIT translator" in messages[-1][2]
    assert v.model_box.currentText() == "Opened · mine"


def test_folder_models_have_no_examples_but_take_pictures(make_view, qtbot, tmp_path):
    v = make_view()
    folders = tiny_cyclegan(meta={"dataset": {"name": "folders horses ↔ zebras"}}, seed=4)
    folders.save(tmp_path / "hz")
    assert v.open_checkpoint(str(tmp_path / "hz"))
    settle(qtbot, v)
    assert v.a_to_b.text() == "horses → zebras" and not v.random_btn.isEnabled()
    assert "no held-out examples" in v.status.text()
    picture = np.full((64, 64, 3), 90, np.uint8)
    v.receive(picture, "grey square")
    settle(qtbot, v)
    assert np.array_equal(v.y_view.image(), folders.translate(picture, "AtoB"))


def test_no_model_at_all_is_explained(make_view, qtbot, tmp_path, messages):
    empty = tmp_path / "none"
    empty.mkdir()
    v = make_view(empty)
    assert "(not available)" in v.model_box.currentText()
    assert v.banner.isVisibleTo(v) and "Open" in v.banner.text()
    assert v.request() is None and v.x_view.image() is None
    assert not v.export_png(str(tmp_path / "x.png"))
    assert messages[-1][0] == "information" and not (tmp_path / "x.png").exists()
    v.receive(np.zeros((64, 64, 3), np.uint8), "kept")       # kept for when a model comes
    assert v.source.caption == "kept"


def test_nothing_runs_until_the_view_is_shown(qtbot, monkeypatch, shipped):
    from playground.panels.translation import translate_source
    from playground.panels.translation.translate_view import TranslateView
    monkeypatch.setattr(translate_source.TranslatorSource, "checkpoints_root", shipped)
    v = TranslateView()
    qtbot.addWidget(v)
    v.select_model("digits-unit")
    v.set_direction("BtoA")
    assert v.worker.last_id == 0 and v.result is None     # an app start spends nothing here
    v.show()
    qtbot.waitUntil(lambda: v.settled() and v.result is not None)
    assert v.worker.last_id == 1 and v.result["x"].shape == (28, 28, 3)
    assert v.shutdown()
