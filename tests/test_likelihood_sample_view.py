"""GUI tests of the Likelihood panel's Sample and Complete tabs, with tiny random models.

Nothing depends on sample quality: what the tabs draw is compared with the model's own
sample / complete / conditionals / log_prob on the same seed and the same pixels, keys and
clicks are real, and the waits are on conditions, never on the clock.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from gui_helpers import drag_move
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from models.likelihood.api import NADEModel, PixelCNNModel
from models.likelihood.nade import NADEConfig
from models.likelihood.pixelcnn import PixelCNNConfig

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _quiet(tmp_path, monkeypatch, one_torch_thread):
    """No shipped checkpoints (they may or may not exist yet); jobs on one thread."""
    monkeypatch.setattr("playground.panels.likelihood.source.CHECKPOINTS", tmp_path / "none")
    monkeypatch.setattr("playground.torch_threads._job_threads", 1)


def nade(size=28, seed=0) -> NADEModel:
    torch.manual_seed(seed)
    m = NADEModel(NADEConfig(size=size, hidden=16))
    with torch.no_grad():       # large weights: conditionals far from ½ and from each other
        for p in m.module.parameters():
            p.normal_(0, 1.0)
        m.module.b.sub_(1.5)    # mostly background, as digits are
    return m


def pixelcnn(size=12, seed=0) -> PixelCNNModel:
    torch.manual_seed(seed)
    return PixelCNNModel(PixelCNNConfig(size=size, channels=8, layers=1))


class Host(QWidget):
    """The model bar above one view, as the panel stacks them."""

    def __init__(self, view_class):
        super().__init__()
        from playground.panels.likelihood.source import ModelBar
        self.source = ModelBar()
        self.view = view_class(self.source, device="cpu")
        lay = QVBoxLayout(self)
        lay.addWidget(self.source)
        lay.addWidget(self.view, 1)


def _host(qtbot, view_class):
    h = Host(view_class)
    qtbot.addWidget(h)
    h.resize(1300, 800)
    h.show()
    qtbot.waitExposed(h)
    return h


@pytest.fixture
def sample_host(qtbot, messages):
    from playground.panels.likelihood.sample_view import SampleView
    h = _host(qtbot, SampleView)
    yield h
    assert h.view.shutdown()


@pytest.fixture
def complete_host(qtbot, messages):
    from playground.panels.likelihood.complete_view import CompleteView
    h = _host(qtbot, CompleteView)
    yield h
    assert h.view.shutdown()


def _focus(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def _speed(view, value) -> None:
    from playground.panels.likelihood.sample_view import SPEEDS
    view.speed.setValue(SPEEDS.index(value))


# ====================================================================== Sample
def test_no_model_is_said_plainly_and_disables_the_buttons(qtbot, sample_host):
    v = sample_host.view
    assert v.model is None and v.sampler is None
    assert "No model" in v.readout.text()
    for b in (v.play_btn, v.step_btn, v.finish_btn, v.restart_btn, v.sample_btn,
              v.export_btn, v.save_grid_btn):
        assert not b.isEnabled()
    _focus(qtbot, v)
    qtbot.keyClick(v, Qt.Key.Key_Space)
    qtbot.keyClick(v, Qt.Key.Key_Right)
    assert not v.playing and v.sampler is None
    assert not v.sample_grid()


def test_playing_to_the_end_draws_model_sample_for_the_seed(qtbot, sample_host):
    v, model = sample_host.view, nade()
    sample_host.source.add_model("test", "Test", model)
    v.seed.setValue(7)
    _speed(v, 784)
    _focus(qtbot, v)
    qtbot.keyClick(v, Qt.Key.Key_Space)              # Space plays, for real
    assert v.playing
    qtbot.waitUntil(lambda: v.sampler.done and not v.playing)
    drawn = v.drawing.image()
    expected = model.sample(1, generator=7)[0]
    assert np.array_equal(drawn, expected)
    assert expected.sum() > 0                         # a digit with some ink: the check can fail
    log_p = float(model.log_prob(drawn)[0])
    assert v.log_p == pytest.approx(log_p, abs=1e-6)
    assert f"{log_p:.2f}" in v.log_label.text()
    assert "whole image" in v.log_label.text()
    assert v.play_btn.text() == "▶ Play" and not v.step_btn.isEnabled()


def test_step_draws_exactly_one_pixel_and_the_heat_map_is_the_models_conditionals(
        qtbot, sample_host):
    from playground.panels.likelihood.sampling_widgets import heat_rgba
    v, model = sample_host.view, nade()
    sample_host.source.add_model("test", "Test", model)
    v.seed.setValue(3)
    _focus(qtbot, v.drawing)                          # a click on the drawing gives the tab focus
    for i in range(1, 41):
        qtbot.keyClick(v.drawing, Qt.Key.Key_Right)   # Right: one pixel
        assert v.sampler.position == i
    qtbot.mouseClick(v.step_btn, Qt.MouseButton.LeftButton)
    assert v.sampler.position == 41
    partial = v.drawing.image()
    # only the first 41 pixels can be ink, and they are model.sample's first 41
    full = model.sample(1, generator=3)[0]
    assert np.array_equal(partial.reshape(-1)[:41], full.reshape(-1)[:41])
    assert not partial.reshape(-1)[41:].any()
    cond = model.conditionals(partial)[0]
    assert np.allclose(v.conditionals, cond, atol=1e-6)
    assert np.array_equal(v.heat._overlay, heat_rgba(cond))
    r, c = divmod(40, 28)
    assert v.drawing._marker == (r, c) and v.heat._marker == (r, c)
    text = v.readout.text()
    assert f"Pixel ({r}, {c}), number 41 of 784" in text
    assert f"drew <b>{int(partial[r, c])}</b>" in text
    # the log p so far is the sum of the drawn pixels' log conditionals
    bern = np.where(partial.reshape(-1)[:41] == 1, cond.reshape(-1)[:41],
                    1 - cond.reshape(-1)[:41])
    assert v.log_p == pytest.approx(float(np.log(bern.astype(np.float64)).sum()), abs=1e-4)


def test_keys_only_act_while_the_tab_has_the_focus(qtbot, sample_host):
    v = sample_host.view
    sample_host.source.add_model("test", "Test", nade())
    _focus(qtbot, sample_host.source.model_box)       # the focus in the model bar
    qtbot.keyClick(sample_host.source.model_box, Qt.Key.Key_Right)
    assert v.sampler.position == 0
    # on the speed slider, the arrows move the slider, not the drawing
    _focus(qtbot, v.speed)
    before = v.speed.value()
    qtbot.keyClick(v.speed, Qt.Key.Key_Right)
    assert v.speed.value() == before + 1 and v.sampler.position == 0
    _focus(qtbot, v)
    qtbot.keyClick(v, Qt.Key.Key_Right)
    assert v.sampler.position == 1
    # on a focused button Space presses that button, as everywhere; elsewhere it plays
    _focus(qtbot, v.restart_btn)
    qtbot.keyClick(v.restart_btn, Qt.Key.Key_Space)
    assert v.sampler.position == 0 and not v.playing
    _focus(qtbot, v.heat)
    qtbot.keyClick(v.heat, Qt.Key.Key_Space)
    assert v.playing
    qtbot.keyClick(v.heat, Qt.Key.Key_Space)
    assert not v.playing


def test_finish_instant_restart_and_seeds(qtbot, sample_host):
    v, model = sample_host.view, nade()
    sample_host.source.add_model("test", "Test", model)
    v.seed.setValue(11)
    qtbot.mouseClick(v.finish_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: v.sampler.done)
    first = v.drawing.image()
    assert np.array_equal(first, model.sample(1, generator=11)[0])
    qtbot.mouseClick(v.restart_btn, Qt.MouseButton.LeftButton)
    assert v.sampler.position == 0 and not v.drawing.image().any()
    _speed(v, 0)                                      # "instant": Play finishes at once
    assert v.speed_label.text() == "instant"
    qtbot.mouseClick(v.play_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: v.sampler.done and not v.playing)
    assert np.array_equal(v.drawing.image(), first)   # the same seed, the same digit
    v.seed.setValue(12)                               # a new seed starts over
    assert v.sampler.position == 0
    v.finish()
    qtbot.waitUntil(lambda: v.sampler.done)
    assert not np.array_equal(v.drawing.image(), first)
    assert np.array_equal(v.drawing.image(), model.sample(1, generator=12)[0])


def test_a_model_of_another_size_and_a_model_change(qtbot, sample_host):
    v = sample_host.view
    small = pixelcnn(size=12)
    sample_host.source.add_model("small", "Small", small)
    assert v.drawing.size_px == 12 and v.heat.size_px == 12
    v.seed.setValue(5)
    v.finish()
    qtbot.waitUntil(lambda: v.sampler.done)
    assert np.array_equal(v.drawing.image(), small.sample(1, generator=5)[0])
    assert v.log_p == pytest.approx(float(small.log_prob(v.drawing.image())[0]), abs=1e-6)
    assert "number 144 of 144" in v.readout.text()
    # another model: the drawing starts over at its size
    sample_host.source.add_model("big", "Big", nade())
    assert v.drawing.size_px == 28 and v.sampler.position == 0
    assert v.sampler.model is v.model


def test_sample_16_is_model_sample_and_exports(qtbot, sample_host, tmp_path):
    v, model = sample_host.view, nade()
    sample_host.source.add_model("test", "Test", model)
    v.seed.setValue(4)
    _focus(qtbot, v)
    qtbot.keyClick(v, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not v.runner.busy and v.grid_images is not None)
    assert np.array_equal(v.grid_images, model.sample(16, generator=4))
    assert "16 samples in" in v.grid_caption.text()
    mean = float(np.mean(model.log_prob(v.grid_images)))
    assert f"{mean:.1f}" in v.grid_caption.text()
    assert v.export_grid(str(tmp_path / "grid.png"))
    grid = np.asarray(Image.open(tmp_path / "grid.png"))
    assert grid.shape == (4 * (4 * 28 + 3), 4 * (4 * 28 + 3))
    v.step()
    assert v.export_png(str(tmp_path / "drawing.png"))
    pic = np.asarray(Image.open(tmp_path / "drawing.png"))
    assert pic.shape == (224, 2 * 224 + 8, 3)
    # a model change clears the grid
    sample_host.source.add_model("other", "Other", nade(seed=1))
    assert v.grid_images is None and not v.save_grid_btn.isEnabled()


# ====================================================================== Complete
def test_presets_hide_the_right_regions():
    from playground.panels.likelihood.complete_view import preset_mask
    m = preset_mask("bottom", 28)
    assert m[14:].all() and not m[:14].any()
    m = preset_mask("right", 28)
    assert m[:, 14:].all() and not m[:, :14].any()
    m = preset_mask("top", 7)
    assert m[:3].all() and not m[3:].any()
    m = preset_mask("left", 7)
    assert m[:, :3].all() and not m[:, 3:].any()
    m = preset_mask("centre", 28)
    assert m[7:21, 7:21].all() and m.sum() == 14 * 14
    assert not preset_mask("none", 28).any() and not preset_mask("brushed", 28).any()


def test_preset_combo_sets_the_canvas_mask(qtbot, complete_host):
    from playground.panels.likelihood.complete_view import PRESETS, preset_mask
    v = complete_host.view
    complete_host.source.add_model("test", "Test", nade())
    for key in ("bottom", "right", "top", "left", "centre", "none"):
        v.preset.setCurrentIndex(v.preset.findData(key))
        assert np.array_equal(v.hidden(), preset_mask(key, 28))
        assert v.note.text() == PRESETS[key][1]


def test_completions_keep_the_known_pixels_and_are_model_complete(qtbot, complete_host,
                                                                   tmp_path):
    from playground.panels.likelihood.complete_view import COUNT
    from playground.panels.likelihood.digits import held_out_digits
    v, model = complete_host.view, nade()
    complete_host.source.add_model("test", "Test", model)
    v.index.setValue(3)
    v.preset.setCurrentIndex(v.preset.findData("right"))
    v.seed.setValue(9)
    x = held_out_digits()[0][3]
    assert np.array_equal(v.image(), x)
    _focus(qtbot, v.canvas)
    qtbot.keyClick(v.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not v.runner.busy and v.completions is not None)
    known = ~v.hidden()
    out = v.completions
    assert out.shape == (COUNT, 28, 28)
    assert np.array_equal(out[:, known], np.broadcast_to(x[known], (COUNT, int(known.sum()))))
    expected = model.complete(np.repeat(x[None], COUNT, 0), np.repeat(known[None], COUNT, 0),
                              generator=9)
    assert np.array_equal(out, expected)
    assert len({o.tobytes() for o in out}) > 1        # 8 different completions
    logp = model.log_prob(out)
    assert [c.caption() for c in v.outputs] == [f"log p = {lp:.1f} nats" for lp in logp]
    assert v.outputs[0]._overlay is not None and v.outputs[0]._overlay[~known, 3].all()
    assert not v.outputs[0]._overlay[known, 3].any()  # known pixels are not tinted
    qtbot.mouseClick(v.tint, Qt.MouseButton.LeftButton)
    assert v.outputs[0]._overlay is None
    assert v.export_png(str(tmp_path / "c.png"))
    pic = Image.open(tmp_path / "c.png")
    assert pic.width > (COUNT + 1) * 112 and pic.height > 112


def test_brushed_mask_and_a_drawing_of_your_own(qtbot, complete_host):
    from playground.panels.likelihood.complete_view import COUNT
    v, model = complete_host.view, nade()
    complete_host.source.add_model("test", "Test", model)
    v.preset.setCurrentIndex(v.preset.findData("none"))
    qtbot.mouseClick(v.complete_btn, Qt.MouseButton.LeftButton)
    assert v.completions is None and "Nothing is hidden" in v.status.text()
    # paint a hidden region with the mouse
    qtbot.mouseClick(v.mask_mode, Qt.MouseButton.LeftButton)
    v.brush.setValue(3)
    r = v.canvas.picture_rect()
    cell = r.width() / 28
    at = lambda row, col: QPoint(int(r.left() + (col + 0.5) * cell),   # noqa: E731
                                 int(r.top() + (row + 0.5) * cell))
    qtbot.mousePress(v.canvas, Qt.MouseButton.LeftButton, pos=at(10, 5))
    for col in range(6, 21):            # a drag delivers a move per pixel or so
        drag_move(v.canvas, at(10, col))
    qtbot.mouseRelease(v.canvas, Qt.MouseButton.LeftButton, pos=at(10, 20))
    hidden = v.hidden()
    assert hidden[9:12, 5:21].all() and hidden.sum() < 3 * 20
    assert v.preset.currentData() == "brushed"
    # clear and draw ink of your own
    qtbot.mouseClick(v.clear_btn, Qt.MouseButton.LeftButton)
    assert not v.image().any() and v.ink_mode.isChecked()
    qtbot.mousePress(v.canvas, Qt.MouseButton.LeftButton, pos=at(4, 4))
    for col in range(5, 13):
        drag_move(v.canvas, at(4, col))
    qtbot.mouseRelease(v.canvas, Qt.MouseButton.LeftButton, pos=at(4, 12))
    mine = v.image()
    assert mine[4, 4:13].all() and "Your drawing" in v.source_label.text()
    assert np.array_equal(v.hidden(), hidden)            # the mask stays
    assert v.complete()
    qtbot.waitUntil(lambda: not v.runner.busy and v.completions is not None)
    assert np.array_equal(v.completions[:, ~hidden],
                          np.broadcast_to(mine[~hidden], (COUNT, int((~hidden).sum()))))


def test_an_edit_during_a_completion_discards_its_result(qtbot, complete_host):
    v = complete_host.view
    complete_host.source.add_model("test", "Test", nade())
    assert v.complete()
    v.preset.setCurrentIndex(v.preset.findData("top"))    # before the job's result arrives
    qtbot.waitUntil(lambda: not v.runner.busy)
    assert v.completions is None and "changed" in v.status.text()


def test_complete_with_no_model_and_with_a_small_model(qtbot, complete_host):
    from playground.panels.likelihood.complete_view import COUNT, fit
    from playground.panels.likelihood.digits import held_out_digits
    v = complete_host.view
    assert v.model is None and "No model" in v.status.text()
    assert not v.complete_btn.isEnabled() and not v.complete()
    small = pixelcnn(size=12)
    complete_host.source.add_model("small", "Small", small)
    assert v.canvas.size_px == 12 and all(c.size_px == 12 for c in v.outputs)
    assert "resized to 12×12" in v.source_label.text()
    x = fit(held_out_digits()[0][v.index.value()], 12)
    assert np.array_equal(v.image(), x) and set(np.unique(x)) <= {0.0, 1.0}
    v.preset.setCurrentIndex(v.preset.findData("bottom"))
    v.seed.setValue(2)
    assert v.complete()
    qtbot.waitUntil(lambda: not v.runner.busy and v.completions is not None)
    known = ~v.hidden()
    assert known[:6].all() and not known[6:].any()
    expected = small.complete(np.repeat(x[None], COUNT, 0), known, generator=2)
    assert np.array_equal(v.completions, expected)


def test_help_pages_cover_both_tabs():
    from playground.help.likelihood_sample import PAGES
    keys = {p.key: p for p in PAGES}
    assert set(keys) == {"likelihood-sample", "likelihood-complete"}
    assert "∏" in keys["likelihood-sample"].body and "raster" in keys["likelihood-sample"].body
    assert "Right half" in keys["likelihood-complete"].body


def test_settings_persist(qtbot, messages):
    from playground.panels.likelihood.complete_view import CompleteView
    from playground.panels.likelihood.sample_view import SampleView
    first = [_host(qtbot, SampleView), _host(qtbot, CompleteView)]
    _speed(first[0].view, 200)
    first[0].view.seed.setValue(123)
    c = first[1].view
    c.preset.setCurrentIndex(c.preset.findData("centre"))
    c.index.setValue(42)
    c.brush.setValue(5)
    c.tint.setChecked(False)
    again = [_host(qtbot, SampleView), _host(qtbot, CompleteView)]
    s2, c2 = again[0].view, again[1].view
    assert s2.speed_label.text() == "200 pixels/s" and s2.seed.value() == 123
    assert c2.preset.currentData() == "centre" and c2.index.value() == 42
    assert c2.brush.value() == 5 and c2.canvas.brush == 5 and not c2.tint.isChecked()
    for h in first + again:
        assert h.view.shutdown()
