"""GUI tests of the GAN panel's 2-D lab, through its buttons, JobRunner and mouse events."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui_helpers import drag_move, view_to_viewport

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("one_torch_thread")]

SMALL = {"dataset": "8gaussians", "g_width": 32, "d_width": 32, "g_layers": 2, "d_layers": 2,
         "batch_size": 64, "loss": "non-saturating", "seed": 0,
         "layers": ["real", "fake", "field", "arrows", "manifold"]}


@pytest.fixture
def view(qtbot, messages):
    from playground import settings
    from playground.panels.gan.lab_view import SETTINGS_KEY, Lab2DView
    settings.set_json(SETTINGS_KEY, SMALL)          # small networks, every layer on
    v = Lab2DView(device="cpu")
    qtbot.addWidget(v)
    v.resize(1400, 860)
    v.show()
    qtbot.waitExposed(v)
    assert v.trainer.model_config.g_width == 32 and v.lab_controls.layers == set(SMALL["layers"])
    yield v
    assert v.shutdown()
    assert not v.runner.busy


def _click(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _play_for(qtbot, view, steps: int) -> None:
    start = view.trainer.steps_done
    _click(qtbot, view.controls.play_btn)
    qtbot.waitUntil(lambda: view.steps_done >= start + steps, timeout=20_000)
    _click(qtbot, view.controls.play_btn)          # pause
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=5000)


def _step(qtbot, view, button) -> None:
    before = view.trainer.steps_done
    _click(qtbot, button)
    qtbot.waitUntil(lambda: not view.runner.busy and view.trainer.steps_done == before + 1,
                    timeout=5000)


def test_playing_trains_and_moves_the_generated_points(qtbot, view):
    before = view.plot.fake_positions()
    assert before.shape == (512, 2)
    np.testing.assert_allclose(before, view.trainer.fake(), atol=1e-6)   # the initial picture
    assert not view.controls.step_btn.isEnabled() or not view.runner.busy
    _play_for(qtbot, view, 40)
    after = view.plot.fake_positions()
    assert np.abs(after - before).mean() > 0.02
    # paused: the picture shows the state training stopped in, and the charts every step
    np.testing.assert_allclose(after, view.trainer.fake(), atol=1e-6)
    assert view.picture.step == view.trainer.steps_done >= 40
    assert view.charts.loss.point_count("D") == view.trainer.steps_done
    assert f"step {view.trainer.steps_done:,}" in view.controls.step_label.text()
    assert view.controls.step_btn.isEnabled() and view.controls.play_btn.text().endswith("Play")


def test_each_layer_toggle_hides_its_item_and_stops_computing_it(qtbot, view):
    plot, boxes = view.plot, view.controls.layer_boxes
    for name in ("real", "fake", "field", "arrows", "manifold"):
        assert plot.items[name].isVisible() and name in view.lab_controls.layers
        boxes[name].setChecked(False)
        assert not plot.items[name].isVisible()
        assert name not in view.lab_controls.layers
        assert name not in view.controls.values()["layers"]
        boxes[name].setChecked(True)
        assert plot.items[name].isVisible() and name in view.lab_controls.layers
    assert plot.bar.isVisible()
    boxes["field"].setChecked(False)
    assert not plot.bar.isVisible()                 # the colour bar goes with the heat map
    # a hidden layer is not computed: the picture made after the toggle lacks it
    boxes["arrows"].setChecked(False)
    assert view.picture.arrows is None and view.picture.field is None
    boxes["arrows"].setChecked(True)
    assert view.picture.arrows is not None and view.picture.arrows.shape == (512, 2)
    x, _ = plot.arrows.getData()
    assert len(x) == 512 * 6                        # a shaft and two head strokes per point


def test_the_legend_lists_only_the_visible_layers(qtbot, view):
    plot, boxes = view.plot, view.controls.layer_boxes
    full = ["real data", "generated G(z)", "−∂L_G/∂x", "G(z-grid)"]
    assert plot.legend_labels() == full
    boxes["arrows"].setChecked(False)
    boxes["manifold"].setChecked(False)
    assert plot.legend_labels() == ["real data", "generated G(z)"]
    boxes["field"].setChecked(False)                 # the heat map has its colour bar instead
    assert plot.legend_labels() == ["real data", "generated G(z)"]
    for name in ("real", "fake"):
        boxes[name].setChecked(False)
    assert plot.legend_labels() == [] and not plot.legend.isVisible()
    boxes["manifold"].setChecked(True)
    assert plot.legend_labels() == ["G(z-grid)"] and plot.legend.isVisible()


def test_button_glyphs_exist_in_the_font_and_pause_uses_the_style_icon(qtbot, view):
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QPushButton
    btn = view.controls.play_btn
    assert btn.text() == "Play" and not btn.icon().isNull()
    _click(qtbot, btn)
    qtbot.waitUntil(lambda: btn.text() == "Pause", timeout=5000)
    assert not btn.icon().isNull()
    # every character on every button of the lab is in the button's font (no tofu boxes)
    seen = set()
    for b in view.findChildren(QPushButton) + [btn]:
        fm = QFontMetrics(b.font())
        for ch in b.text().replace("&", ""):
            seen.add(ch)
            assert fm.inFontUcs4(ord(ch)), f"{ch!r} (U+{ord(ch):04X}) on {b.text()!r}"
    assert "⏸" not in seen and "▶" not in seen
    _click(qtbot, btn)
    qtbot.waitUntil(lambda: not view.runner.busy and btn.text() == "Play", timeout=5000)


def test_wgan_mode_speaks_of_a_critic_score_not_a_probability(qtbot, view):
    charts, plot = view.charts, view.plot
    assert "½" in view.help.text() and "½" in charts.loss.toolTip()
    assert charts.outputs.legend_labels() == ["D(x), real", "D(G(z)), generated"]
    view.controls.loss.setCurrentIndex(view.controls.loss.findData("wgan-gp"))
    qtbot.waitUntil(lambda: plot.critic, timeout=5000)
    help_text = view.help.text()
    assert "critic" in help_text and "not a probability" in help_text
    assert "D says ½" not in help_text
    assert "no ½ equilibrium" in charts.loss.toolTip() and "D(x) = ½" not in charts.loss.toolTip()
    assert charts.outputs.legend_labels() == ["f(x), real", "f(G(z)), generated"]
    assert charts.loss.legend_labels()[0] == "critic"
    assert not charts.outputs.half.isVisible() and not charts.loss.equilibrium.isVisible()
    assert "P(real)" not in plot.bar.getAxis("left").labelText
    view.controls.loss.setCurrentIndex(view.controls.loss.findData("non-saturating"))
    qtbot.waitUntil(lambda: not plot.critic, timeout=5000)
    assert "D says ½" in view.help.text() and charts.loss.legend_labels()[0] == "D"


def test_training_d_alone_changes_its_field_but_not_the_points(qtbot, view):
    fake0, field0 = view.plot.fake_positions(), view.plot.field_image()
    assert field0.shape == (48, 48) and 0 <= field0.min() and field0.max() <= 1
    # the heat map covers the data square exactly, under everything else
    item = view.plot.field
    rect = item.mapRectToParent(item.boundingRect())
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == pytest.approx((-2.5, -2.5, 5, 5))
    assert item.zValue() < min(view.plot.items[n].zValue() for n in ("real", "fake", "arrows"))
    _step(qtbot, view, view.controls.d_step_btn)
    fake1, field1 = view.plot.fake_positions(), view.plot.field_image()
    np.testing.assert_array_equal(fake1, fake0)
    assert np.abs(field1 - field0).max() > 1e-3
    _step(qtbot, view, view.controls.g_step_btn)
    fake2, field2 = view.plot.fake_positions(), view.plot.field_image()
    assert np.abs(fake2 - fake1).max() > 1e-4
    np.testing.assert_array_equal(field2, field1)     # G's step leaves D alone
    assert view.charts.loss.point_count("D") == 2


def test_a_loss_change_applies_live_without_a_reset(qtbot, view):
    _click(qtbot, view.controls.play_btn)
    qtbot.waitUntil(lambda: view.steps_done >= 10, timeout=20_000)
    trainer = view.trainer
    said = []
    view.message.connect(said.append)
    view.controls.loss.setCurrentIndex(view.controls.loss.findData("wgan-gp"))
    # the status line names the loss as the Loss box does, not by its key 'wgan-gp'
    assert any(m.startswith("Loss: Wasserstein + gradient penalty, from the next step")
               for m in said)
    qtbot.waitUntil(lambda: view.charts.loss.point_count("gradient penalty") >= 5, timeout=20_000)   # the critic's penalty
    _click(qtbot, view.controls.play_btn)
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=5000)
    assert view.trainer is trainer and trainer.config.loss == "wgan-gp"
    assert view.charts.loss.point_count("D") == trainer.steps_done > view.charts.loss.point_count("gradient penalty")   # not cleared
    assert view.plot.critic and "rescaled" in view.plot.bar.getAxis("left").labelText
    lo, hi = view.plot.field_levels
    field = view.plot.field_image()
    assert lo == pytest.approx(field.min()) and hi == pytest.approx(field.max())


def test_drawing_a_distribution_replaces_the_real_points(qtbot, view):
    view.controls.dataset.setCurrentIndex(view.controls.dataset.findData("draw"))
    assert view.points is None and len(view.plot.real_positions()) == 0
    assert view.plot.draw_enabled
    port = view.plot.plot.viewport()
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.plot, -1.0, 1.0))
    for x in np.linspace(-1.0, 1.0, 12)[1:]:
        drag_move(port, view_to_viewport(view.plot, x, 1.0))
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.plot, 1.0, 1.0))
    real = view.plot.real_positions()
    assert len(real) == 1000
    assert abs(real[:, 1].mean() - 1.0) < 0.05 and real[:, 1].std() < 0.15
    assert -1.3 < real[:, 0].min() < -0.7 and 0.7 < real[:, 0].max() < 1.3
    np.testing.assert_array_equal(view.trainer.points, view.points)   # G and D now chase it


def test_a_bad_points_file_gives_a_dialog_and_keeps_the_data(qtbot, view, messages, tmp_path):
    before = view.points.copy()
    bad = tmp_path / "three_columns.npy"
    np.save(bad, np.zeros((10, 3), np.float32))
    assert not view.load_points(str(bad))
    assert messages and messages[-1][1] == "Cannot load points" and "N×2" in messages[-1][2]
    np.testing.assert_array_equal(view.points, before)
    assert view.controls.values()["dataset"] == "8gaussians"
    good = tmp_path / "line.npy"
    pts = np.stack([np.linspace(-1, 1, 50), np.zeros(50)], 1)
    np.save(good, pts)
    assert view.load_points(str(good))
    assert view.controls.dataset.currentText() == "File: line.npy"
    np.testing.assert_allclose(np.sort(view.plot.real_positions()[:, 0]), pts[:, 0], atol=1e-6)
    np.testing.assert_array_equal(view.trainer.points, pts.astype(np.float32))


def test_diagnoses_show_a_banner_with_the_remedy(qtbot, view):
    from models.gan.diagnostics import REMEDIES, Diagnosis
    from models.gan.toy2d_train import Picture, Progress, StepStats
    banner = view.banner
    assert not banner.isVisible()
    banner.show_diagnosis(Diagnosis("collapse", True, 500, "G's samples sit in one spot"))
    assert banner.isVisible() and "Mode collapse" in banner.text()
    assert REMEDIES["collapse"] in banner.text() and "one spot" in banner.text()
    assert "conditional" not in banner.text()              # the lab's points have no labels
    banner.show_diagnosis(Diagnosis("collapse", False, 600, ""))
    assert not banner.isVisible()
    # through the view: a D loss pinned at 0 for longer than the window, as the job reports it
    stats = [StepStats(s, {"D": 1e-4, "G": 9.0}, 0.999, 0.001) for s in range(1, 151)]
    view._on_events([Progress(150, stats, None, 100.0)])
    assert banner.isVisible() and banner.active_kinds() == ["overpowered"]
    assert "D is overpowering G" in banner.text() and REMEDIES["overpowered"] in banner.text()
    # … and all of G's points on one mode of the ring: collapse, in the lab's own words
    pic = view.picture
    one_mode = np.tile([[2.0, 0.0]], (512, 1)).astype(np.float32)
    view._on_events([Picture(900, pic.real, one_mode, None, pic.extent, None, None)])
    assert banner.active_kinds() == ["overpowered"]         # G is still warming up
    view._last_health = -np.inf                             # (the health test is rate-limited)
    view._on_events([Picture(1500, pic.real, one_mode, None, pic.extent, None, None)])
    assert sorted(banner.active_kinds()) == ["collapse", "overpowered"]
    assert "only 1 of the 8 modes receive G's samples" in banner.text()


def test_a_checkpoint_saves_and_opens_with_the_same_networks(qtbot, view, messages, tmp_path):
    for _ in range(3):
        _step(qtbot, view, view.controls.step_btn)
    fake, field = view.trainer.fake(), view.trainer.d_field()
    assert view.save_checkpoint(str(tmp_path / "ring"))
    view.controls.g_width.setValue(48)                 # architecture change: a new random GAN
    assert view.trainer.model_config.g_width == 48 and view.trainer.steps_done == 0
    assert view.open_checkpoint(str(tmp_path / "ring"))
    assert view.controls.g_width.value() == 32 and view.trainer.steps_done == 3
    np.testing.assert_allclose(view.trainer.fake(), fake, atol=1e-6)
    np.testing.assert_allclose(view.trainer.d_field(), field, atol=1e-6)
    np.testing.assert_allclose(view.plot.fake_positions(), fake, atol=1e-6)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "model.safetensors").write_bytes(b"not a checkpoint")
    assert not view.open_checkpoint(str(tmp_path / "junk"))
    assert messages[-1][1] == "Cannot open checkpoint"
    assert view.trainer.steps_done == 3                # the lab kept what it had


def test_shutdown_while_playing_stops_the_job(qtbot, view):
    _click(qtbot, view.controls.play_btn)
    qtbot.waitUntil(lambda: view.steps_done >= 5, timeout=20_000)
    assert view.runner.busy
    assert view.shutdown()
    assert not view.runner.busy


def test_the_learning_rate_box_steps_along_one_two_five(qtbot):
    from playground.panels.gan.lab_inputs import RateSpinBox
    box = RateSpinBox()
    qtbot.addWidget(box)
    box.setValue(1e-3)
    seen = []
    for steps in (1, 1, 1, -3, -1):
        box.stepBy(steps)
        seen.append(box.value())
    assert seen == pytest.approx([2e-3, 5e-3, 1e-2, 1e-3, 5e-4])
    box.setValue(3e-4)                    # typed, off the ladder: one step reaches a rung
    box.stepBy(-1)
    assert box.value() == pytest.approx(2e-4)
    box.setValue(3e-4)
    box.stepBy(1)
    assert box.value() == pytest.approx(5e-4) and box.text() == "0.0005"


def test_keyboard_space_plays_and_pauses_s_steps_and_digits_toggle_layers(qtbot, view):
    view.activateWindow()
    target = view.plot.plot
    qtbot.keyClick(target, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: not view.runner.busy and view.trainer.steps_done == 1, timeout=5000)
    qtbot.keyClick(target, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: not view.runner.busy and view.trainer.steps_done == 2, timeout=5000)
    qtbot.keyClick(target, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: view.steps_done >= 6, timeout=20_000)
    assert view.runner.busy and not view.controls.step_btn.isEnabled()
    qtbot.keyClick(target, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=5000)
    qtbot.keyClick(target, Qt.Key.Key_3)                   # D's heat map off (an animated click)
    qtbot.waitUntil(lambda: not view.plot.field.isVisible(), timeout=2000)
    assert "field" not in view.lab_controls.layers


def test_a_hidden_lab_trains_on_but_draws_only_when_shown(qtbot, view):
    before = view.plot.fake_positions()
    view.hide()                                     # another tab in front
    view.play()
    qtbot.waitUntil(lambda: view.steps_done >= 30 and view._hidden_picture is not None,
                    timeout=20_000)
    np.testing.assert_array_equal(view.plot.fake_positions(), before)
    view.show()
    qtbot.waitExposed(view)
    assert np.abs(view.plot.fake_positions() - before).mean() > 0.01
    view.pause()
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=5000)


def test_the_divergence_axis_labels_its_log_ticks_as_plain_numbers(qtbot):
    """pyqtgraph wrote 10 and 20 as "10¹" and "2·10¹" beside a plain 5 and 2."""
    import re

    from PySide6.QtGui import QImage, QPainter

    from playground.panels.gan.lab_charts import DivergenceChart
    chart = DivergenceChart()
    qtbot.addWidget(chart)
    chart.resize(420, 220)
    chart.show()
    qtbot.waitExposed(chart)
    for s in range(1, 200):                          # KL from 30 down to 1.5: ticks 1, 2, 5, 10, 20
        chart.add(10 * s, {"JS": 0.9, "KL": 30 * 0.985 ** s})
    chart.redraw()
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    _, _, texts = chart.getAxis("left").generateDrawSpecs(painter)   # what the axis draws
    painter.end()
    labels = [t[2] for t in texts]
    assert {"1", "2", "5", "10", "20"} <= set(labels), labels
    assert all(re.fullmatch(r"[0-9.,]+", label) for label in labels), labels    # no 10¹, no ·
