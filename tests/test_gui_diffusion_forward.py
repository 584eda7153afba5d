"""GUI tests of the forward-process view, driven through its widgets, offscreen."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog

from models.diffusion.schedules import alphas_cumprod_for, betas_for

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("one_torch_thread")]



@pytest.fixture
def make_view(qtbot, messages, monkeypatch):
    from playground.panels.diffusion.forward_view import ForwardView
    from playground.panels.diffusion.forward_plots import MomentsPlot
    monkeypatch.setattr(MomentsPlot, "samples", 200)   # the statistics are tested headless
    views = []

    def make(**kwargs):
        view = ForwardView(**kwargs)
        qtbot.addWidget(view)
        view.resize(1400, 860)
        view.show()
        qtbot.waitExposed(view)
        views.append(view)
        return view

    yield make
    for view in views:
        assert view.shutdown()


def expected_xt(view, t: int) -> np.ndarray:
    """x_t from the formula, independently of the view's code path."""
    acp = alphas_cumprod_for(betas_for(view.schedule, view.T))
    a = 1.0 if t == 0 else acp[t - 1]
    eps = np.random.default_rng(view.seed.value()).standard_normal((28, 28)).astype(np.float32)
    x0 = view.x0_pixels * 2 - 1
    return np.clip((math.sqrt(a) * x0 + math.sqrt(1 - a) * eps + 1) / 2, 0, 1)


def test_the_forward_slider_changes_the_image(make_view, qtbot):
    view = make_view()
    slider = view.playback.slider
    slider.setValue(0)
    clean = view.current_image()
    np.testing.assert_allclose(clean, view.x0_pixels, atol=1e-6)   # t = 0 is x_0 itself
    assert view.x0_pixels.max() > 0.9                              # a real digit, not a blank
    hist_clean = view.histogram.density()
    slider.setValue(300)
    noisy = view.current_image()
    assert view.t() == 300
    assert np.abs(noisy - clean).mean() > 0.1
    np.testing.assert_allclose(noisy, expected_xt(view, 300), atol=1e-5)
    assert not np.allclose(view.histogram.density(), hist_clean)
    assert "t = <b>300</b>" in view.info.text()
    # the keyboard moves it too, one step at a time
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert view.t() == 301
    np.testing.assert_allclose(view.current_image(), expected_xt(view, 301), atol=1e-5)
    # and the schedule plots' markers follow
    assert all(line.value() == 301 for line in view.schedules.lines)


def test_changing_the_schedule_changes_x_t_at_the_same_t(make_view):
    view = make_view()
    view.set_t(400)
    linear = view.current_image()
    view.schedule_box.setCurrentIndex(view.schedule_box.findData("cosine"))
    assert view.schedule == "cosine" and view.t() == 400
    cosine = view.current_image()
    assert np.abs(cosine - linear).mean() > 0.02
    np.testing.assert_allclose(cosine, expected_xt(view, 400), atol=1e-5)
    # the bold curve is the chosen schedule
    assert view.schedules.curves["abar", "cosine"].opts["pen"].widthF() > \
        view.schedules.curves["abar", "linear"].opts["pen"].widthF()


def test_changing_T_keeps_the_fraction_and_rescales_the_strip(make_view):
    view = make_view()
    view.set_t(300)
    view.strip.set_times("0, 100, 1000")
    view.t_max.setValue(500)
    assert view.T == 500 and view.t() == 150 and view.playback.count() == 501
    assert view.strip.times == [0, 50, 500]
    np.testing.assert_allclose(view.current_image(), expected_xt(view, 150), atol=1e-5)
    assert len(view.schedules.curves["beta", "linear"].getData()[0]) == 500


def test_new_noise_changes_x_t_but_not_x0(make_view):
    view = make_view()
    view.set_t(200)
    before = view.current_image()
    view.new_noise_btn.click()
    assert view.seed.value() == 1
    assert np.abs(view.current_image() - before).mean() > 0.05
    view.set_t(0)
    np.testing.assert_allclose(view.current_image(), view.x0_pixels, atol=1e-6)


def test_a_bad_file_shows_an_error_and_keeps_the_image(make_view, messages, tmp_path, monkeypatch):
    view = make_view()
    view.set_t(100)
    x0, shown = view.x0_pixels.copy(), view.current_image()
    bad = tmp_path / "scan.png"
    bad.write_text("not an image at all")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    view.open_btn.click()
    assert messages and messages[-1][0] == "warning" and "scan.png" in messages[-1][2]
    assert np.array_equal(view.x0_pixels, x0)
    assert np.array_equal(view.current_image(), shown)


def test_opening_an_image_uses_it_as_x0(make_view, tmp_path, monkeypatch):
    view = make_view()
    arr = np.full((90, 60), 240, np.uint8)     # dark ink on paper: becomes white on black
    arr[15:75, 27:33] = 10
    good = tmp_path / "my one.png"
    Image.fromarray(arr).save(good)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    view.open_btn.click()
    assert "my one.png" in view.source.text()
    assert view.x0_pixels[0, 0] == 0.0 and view.x0_pixels[14, 13:15].max() > 0.9
    view.set_t(0)
    np.testing.assert_allclose(view.current_image(), view.x0_pixels, atol=1e-6)
    # choosing a digit number goes back to the test set
    view.index.setValue(5)
    np.testing.assert_allclose(view.x0_pixels, view.images[5] / 255.0, atol=1e-6)


def test_play_advances_t(make_view, qtbot):
    view = make_view()
    view.set_t(10)
    view.playback.fps.setValue(120)
    view.playback.play_button.click()
    assert view.playback.playing
    qtbot.waitUntil(lambda: view.t() >= 20, timeout=5000)
    view.playback.pause()
    assert not view.playback.playing
    np.testing.assert_allclose(view.current_image(), expected_xt(view, view.t()), atol=1e-5)


def test_strip_export_writes_a_png_of_the_right_size(make_view, messages, tmp_path, monkeypatch):
    from playground.panels.diffusion.forward_strip import STRIP_PAD, STRIP_SCALE
    view = make_view()
    view.strip.set_times("0, 100, 1000")
    assert view.strip.view.times == [0, 100, 1000] and view.strip.view.frames.shape == (3, 28, 28)
    target = tmp_path / "strip"            # no suffix: the view adds .png
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    view.strip.export_btn.click()
    png = tmp_path / "strip.png"
    assert png.is_file()
    img = np.asarray(Image.open(png))
    assert img.shape == (28 * STRIP_SCALE, (3 * 28 + 2 * STRIP_PAD) * STRIP_SCALE)
    # the first frame is the clean digit, scaled up with nearest neighbour
    first = img[::STRIP_SCALE, :28 * STRIP_SCALE:STRIP_SCALE] / 255.0
    np.testing.assert_allclose(first, view.x0_pixels, atol=1 / 255 + 1e-6)
    # invalid times are reported in place and block the export
    view.strip.set_times("0, 5000")
    assert "outside 0..1000" in view.strip.error.text() and not view.strip.export_btn.isEnabled()
    assert not messages


def test_clicking_a_strip_frame_or_dragging_a_marker_moves_t(make_view, qtbot):
    view = make_view()
    view.strip.set_times("0, 250, 750")
    rect = view.strip.view._rects()[1]
    qtbot.mouseClick(view.strip.view, Qt.MouseButton.LeftButton, pos=QPoint(int(rect.center().x()),
                                                                       int(rect.center().y())))
    assert view.t() == 250
    view.schedules.lines[1].setValue(612.4)    # what a drag of the ᾱ plot's marker does
    assert view.t() == 612
    assert all(line.value() == 612 for line in view.schedules.lines)


def test_stepping_vs_jumping_follows_the_latest_schedule(make_view, qtbot):
    view = make_view()
    view.moments.samples = 50_000            # slow enough to be caught running
    view.schedule_box.setCurrentIndex(view.schedule_box.findData("quadratic"))
    qtbot.waitUntil(lambda: view.moments.runner.busy, timeout=5000)
    view.moments.samples = 200
    view.t_max.setValue(300)                # stops that job and runs this one instead
    qtbot.waitUntil(lambda: not view.moments.busy(), timeout=10_000)
    m = view.moments.moments
    acp = alphas_cumprod_for(betas_for("quadratic", 300))
    assert m is not None and m.T == 300
    np.testing.assert_allclose(m.formula_var[1:], 1 - acp)
    assert m.x0[0] == pytest.approx(view.x0.max()) and m.x0[1] == pytest.approx(view.x0.min())
    x, y = view.moments.curves["var", "stepped", 0].getData()
    assert len(x) == 301 and np.all(np.abs(y - (1 - np.concatenate([[1.0], acp]))) < 0.5)
    assert "Largest gap" in view.moments.caption.text()


def test_choices_persist(make_view):
    view = make_view()
    view.schedule_box.setCurrentIndex(view.schedule_box.findData("cosine"))
    view.t_max.setValue(400)
    view.seed.setValue(9)
    view.index.setValue(17)
    view.strip.set_times("0, 10, 400")
    again = make_view()
    assert (again.schedule, again.T, again.seed.value(), again.index.value()) == ("cosine", 400, 9, 17)
    assert again.strip.times == [0, 10, 400]
    np.testing.assert_allclose(again.x0_pixels, view.x0_pixels)


def test_random_picks_another_digit(make_view):
    view = make_view()
    before = view.index.value()
    view.random_btn.click()
    assert view.index.value() != before
    np.testing.assert_allclose(view.x0_pixels, view.images[view.index.value()] / 255.0, atol=1e-6)


def test_digits_come_from_the_data_folder_when_one_is_set(make_view, qtbot, mnist, data_root):
    view = make_view()
    assert "bundled" in view.source.text()
    view.set_data_dir(str(data_root))     # holds mnist/: the full set, or a copy of the sample
    qtbot.waitUntil(lambda: f"{len(mnist.test)} held-out MNIST" in view.source.text(),
                    timeout=10_000)
    view.index.setValue(3)
    np.testing.assert_allclose(view.x0_pixels, mnist.test.images[3] / 255.0, atol=1e-6)
    view.set_data_dir(None)
    assert "bundled" in view.source.text()


def test_a_hidden_view_computes_nothing_until_shown(qtbot, messages):
    from playground.panels.diffusion.forward_view import ForwardView
    view = ForwardView()
    qtbot.addWidget(view)
    qtbot.wait(300)                          # longer than the request's debounce
    assert view.moments.moments is None and not view.moments.runner.busy
    view.moments.samples = 200
    view.show()
    qtbot.waitUntil(lambda: view.moments.moments is not None, timeout=10_000)
    assert view.moments.moments.T == view.T
    assert view.shutdown()
