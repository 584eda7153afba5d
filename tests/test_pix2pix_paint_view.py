"""The painter view: strokes ask for new pictures, files in and out, noise, and models of
both kinds. Real mouse events, the real translation thread and a tiny real generator."""
from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drag_move
from PIL import Image
from PySide6.QtCore import Qt

from models.pix2pix.label_files import load_label_png, save_label_png
from models.pix2pix.landscapes import CLASSES, GRASS, SKY, WATER, render_label_map
from models.pix2pix.api import Pix2PixConfig, Pix2PixModel
from playground.panels.model_source import TRAINED
from playground.panels.pix2pix.paint_view import PaintView

pytestmark = pytest.mark.gui
WAIT_MS = 10_000
LEFT = Qt.MouseButton.LeftButton


def two_bands(size=64):
    m = np.full((size, size), SKY, np.uint8)
    m[size // 2:] = GRASS
    return m


@pytest.fixture
def tiny():
    # depth 6 at 64 px has one dropout level, so noise matters
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return Pix2PixModel(Pix2PixConfig(size=64, depth=6, width=4))


@pytest.fixture
def view(qtbot, tiny, one_torch_thread):
    v = PaintView()
    qtbot.addWidget(v)
    v.resize(1200, 700)
    v.show()
    qtbot.waitExposed(v)
    v.set_trained(tiny, live=False)
    assert v.current_key() == TRAINED
    v.canvas.set_map(two_bands(), record=False)
    qtbot.waitUntil(lambda: not v.translator.busy, timeout=WAIT_MS)
    yield v
    v.shutdown()


def settle(qtbot, view):
    """Wait until every requested picture has been shown."""
    qtbot.waitUntil(lambda: not view.translator.busy and not view._asked, timeout=WAIT_MS)


def stroke(qtbot, view, points):
    c = view.canvas
    at = [c.widget_pos(x, y).toPoint() for x, y in points]
    qtbot.mousePress(c, LEFT, Qt.KeyboardModifier.NoModifier, at[0])
    for p in at[1:]:
        drag_move(c, p)
    qtbot.mouseRelease(c, LEFT, Qt.KeyboardModifier.NoModifier, at[-1])


def test_a_stroke_triggers_a_new_picture_of_the_new_map(qtbot, view, tiny):
    view.noise_box.setChecked(False)
    settle(qtbot, view)
    before = view.output_image.copy()
    np.testing.assert_array_equal(before, tiny.translate(two_bands(), noise=False))
    view.canvas.set_tool("brush")
    view.canvas.set_class(WATER)
    view.canvas.set_brush_size(10)
    with qtbot.waitSignal(view.outputShown, timeout=WAIT_MS):
        stroke(qtbot, view, [(5, 10), (30, 12), (58, 14)])
    settle(qtbot, view)
    painted = view.label_map()
    assert (painted == WATER).sum() > 200
    np.testing.assert_array_equal(view.output_image, tiny.translate(painted, noise=False))
    assert not np.array_equal(view.output_image, before)
    assert "ms" in view.status.text()


def test_a_long_drag_updates_the_picture_before_the_release(qtbot, view):
    settle(qtbot, view)
    shown = []
    view.outputShown.connect(lambda rid, s: shown.append(rid))
    c = view.canvas
    c.set_class(WATER)
    qtbot.mousePress(c, LEFT, Qt.KeyboardModifier.NoModifier, c.widget_pos(5, 5).toPoint())
    drag_move(c, c.widget_pos(40, 20).toPoint())
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)      # no release yet
    assert (view.output_image is not None) and (view.label_map() == WATER).any()
    qtbot.mouseRelease(c, LEFT, Qt.KeyboardModifier.NoModifier, c.widget_pos(40, 20).toPoint())


def test_a_bad_png_is_refused_and_the_canvas_is_kept(qtbot, view, tmp_path, messages):
    view.canvas.set_class(WATER)
    stroke(qtbot, view, [(10, 10), (20, 20)])
    kept = view.label_map()
    undo_before = view.canvas.can_undo()
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    wrong_size = tmp_path / "big.png"
    save_label_png(render_label_map(1, 128), wrong_size)
    out_of_range = tmp_path / "range.png"
    bad = two_bands()
    bad[0, 0] = len(CLASSES) + 3
    Image.fromarray(bad, mode="L").save(out_of_range)
    for path, reason in ((junk, "cannot be read"), (wrong_size, "128×128"),
                         (out_of_range, f"class index {len(CLASSES) + 3}")):
        assert view.load_map(str(path)) is False
        kind, title, text = messages[-1]
        assert kind == "warning" and reason in text and "unchanged" in text
        np.testing.assert_array_equal(view.label_map(), kept)
    assert view.canvas.can_undo() == undo_before
    assert len(messages) == 3


def test_maps_save_and_load_and_a_load_can_be_undone(qtbot, view, tmp_path):
    mine = view.label_map()
    other = render_label_map(7, 64)
    save_label_png(other, tmp_path / "other.png")
    assert view.load_map(str(tmp_path / "other.png")) is True
    np.testing.assert_array_equal(view.label_map(), other)
    assert view.save_map(str(tmp_path / "again.png")) is True
    np.testing.assert_array_equal(load_label_png(tmp_path / "again.png", 64), other)
    view.canvas.undo()
    np.testing.assert_array_equal(view.label_map(), mine)


def test_export_writes_the_picture_shown(qtbot, view, tmp_path):
    settle(qtbot, view)
    assert view.export_output(str(tmp_path / "out.png")) is True
    with Image.open(tmp_path / "out.png") as im:
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), view.output_image)


def test_new_noise_draws_a_new_dropout_mask(qtbot, view):
    view.noise_box.setChecked(True)
    settle(qtbot, view)
    first, seed = view.output_image.copy(), view.seed
    view.new_noise()
    settle(qtbot, view)
    assert view.seed != seed
    assert not np.array_equal(view.output_image, first)
    view.noise_box.setChecked(False)        # off: the deterministic picture, whatever the seed
    settle(qtbot, view)
    plain = view.output_image.copy()
    view.seed += 1
    view.generate()
    settle(qtbot, view)
    np.testing.assert_array_equal(view.output_image, plain)


def test_batch_stats_switch_translates_with_the_maps_own_statistics_and_persists(qtbot, view,
                                                                                 tiny):
    from playground import settings
    from playground.panels.pix2pix.paint_source import KEY
    box = view.batch_stats_box
    assert not box.isChecked()                               # off by default
    assert "instance norm" in box.toolTip() and "Off by default" in box.toolTip()
    view.noise_box.setChecked(False)
    settle(qtbot, view)
    np.testing.assert_array_equal(view.output_image, tiny.translate(two_bands(), noise=False))
    qtbot.mouseClick(box, LEFT)                              # a real click on the switch
    assert box.isChecked() and settings.get_json(KEY + "batch_stats", None) is True
    settle(qtbot, view)
    on = tiny.translate(two_bands(), noise=False, batch_stats=True)
    np.testing.assert_array_equal(view.output_image, on)
    assert not np.array_equal(on, tiny.translate(two_bands(), noise=False))
    assert "batch stats" in view.status.text()
    again = PaintView()                                      # remembered across sessions
    qtbot.addWidget(again)
    assert again.batch_stats_box.isChecked()
    again.shutdown()
    qtbot.mouseClick(box, LEFT)
    assert settings.get_json(KEY + "batch_stats", None) is False


def test_random_example_replaces_the_map_and_undo_brings_it_back(qtbot, view):
    mine = view.label_map()
    view.random_example()
    assert not np.array_equal(view.label_map(), mine)
    assert view.label_map().max() < len(CLASSES)
    view.canvas.undo()
    np.testing.assert_array_equal(view.label_map(), mine)


def test_a_failing_model_is_reported_not_fatal(qtbot, view):
    class Broken(Pix2PixModel):
        def translate(self, x, noise=True, seed=None, batch_stats=False):
            raise RuntimeError("out of memory")
    broken = Broken(Pix2PixConfig(size=64, depth=6, width=4))
    view.set_trained(broken, live=False)
    with qtbot.waitSignal(view.translator.failed, timeout=WAIT_MS):
        view.generate()
    qtbot.waitUntil(lambda: "out of memory" in view.status.text(), timeout=WAIT_MS)


def test_an_rgb_model_translates_a_loaded_image(qtbot, view, tmp_path, messages):
    rgb = Pix2PixModel(Pix2PixConfig(input="rgb", size=64, depth=6, width=4))
    view.set_trained(rgb, live=False)
    assert view.input_stack.currentIndex() == 1
    assert not view.palette_list.isEnabled()
    photo = np.random.default_rng(0).integers(0, 256, (100, 80, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "a.png")
    with qtbot.waitSignal(view.outputShown, timeout=WAIT_MS):
        assert view.load_input_image(str(tmp_path / "a.png")) is True
    assert view.input_image.shape == (64, 64, 3)
    assert view.output_image.shape == (64, 64, 3)
    (tmp_path / "bad.png").write_bytes(b"nope")
    assert view.load_input_image(str(tmp_path / "bad.png")) is False
    assert messages and messages[-1][0] == "warning"
    assert view.input_image.shape == (64, 64, 3)


def test_the_painting_persists_across_sessions(qtbot, view):
    view.canvas.set_class(WATER)
    stroke(qtbot, view, [(30, 5), (35, 8)])
    painted = view.label_map()
    view.shutdown()
    again = PaintView()
    qtbot.addWidget(again)
    try:
        np.testing.assert_array_equal(again.label_map(), painted)
    finally:
        again.shutdown()


def test_a_model_of_another_size_gets_the_map_resized(qtbot, view):
    big = Pix2PixModel(Pix2PixConfig(size=128, depth=7, width=4))
    view.set_trained(big, live=False)
    assert view.canvas.map_size() == (128, 128)
    assert set(np.unique(view.label_map())) == {SKY, GRASS}
    settle(qtbot, view)
    assert view.output_image.shape == (128, 128, 3)


def test_undo_never_brings_back_a_map_of_another_size(qtbot, view, tmp_path):
    stroke(qtbot, view, [(10, 10), (20, 12)])
    assert view.canvas.can_undo()
    view.set_trained(Pix2PixModel(Pix2PixConfig(size=128, depth=7, width=4)), live=False)
    assert view.canvas.map_size() == (128, 128)
    view.canvas.undo()                      # nothing of the 64-px history may come back
    assert view.canvas.map_size() == (128, 128)
    settle(qtbot, view)
    assert view.output_image.shape == (128, 128, 3)
    # files are checked against the model's size
    save_label_png(render_label_map(2, 64), tmp_path / "small.png")
    save_label_png(render_label_map(2, 128), tmp_path / "big.png")
    import unittest.mock
    with unittest.mock.patch("PySide6.QtWidgets.QMessageBox.warning") as warn:
        assert view.load_map(str(tmp_path / "small.png")) is False
        assert "128×128" in warn.call_args[0][2]
    assert view.load_map(str(tmp_path / "big.png")) is True


def test_a_picture_of_the_previous_model_is_neither_kept_nor_shown_late(qtbot, view, messages):
    import threading

    class Slow(Pix2PixModel):
        gate = threading.Event()
        started = threading.Event()

        def translate(self, x, noise=True, seed=None, batch_stats=False):
            self.started.set()
            self.gate.wait(10)
            return super().translate(x, noise=noise, seed=seed, batch_stats=batch_stats)
    slow = Slow(Pix2PixConfig(size=64, depth=6, width=4))
    settle(qtbot, view)
    view.set_trained(slow, live=False)
    assert slow.started.wait(10)           # its picture is being made
    rgb = Pix2PixModel(Pix2PixConfig(input="rgb", size=64, depth=6, width=4))
    view.set_trained(rgb, live=False)      # the user switches before it arrives
    view.select_model(TRAINED)
    assert view.output_image is None
    slow.gate.set()
    qtbot.waitUntil(lambda: not view.translator.busy, timeout=WAIT_MS)
    qtbot.wait(50)
    assert view.output_image is None and view.output.image() is None
    assert view.export_output("/nonexistent/never.png") is False
    assert messages[-1][0] == "information"


def test_a_bad_seed_in_the_settings_does_not_stop_the_view(qtbot):
    from playground import settings as app_settings
    app_settings.set_json("pix2pix/paint/seed", "abc")
    v = PaintView()
    qtbot.addWidget(v)
    try:
        assert v.seed == 0
    finally:
        v.shutdown()
