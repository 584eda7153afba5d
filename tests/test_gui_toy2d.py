"""GUI tests of the 2-D particle view, through its real buttons, JobRunners and mouse events."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui_helpers import drag_move, view_to_viewport

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("one_torch_thread")]


@pytest.fixture
def make_view(qtbot, messages):
    from playground.panels.diffusion.toy2d_view import Toy2DView
    views = []

    def make():
        view = Toy2DView(device="cpu")
        qtbot.addWidget(view)
        view.resize(1400, 860)
        view.show()
        qtbot.waitExposed(view)
        views.append(view)
        return view

    yield make
    for view in views:
        assert view.shutdown()          # both jobs ended in time
        qtbot.waitUntil(lambda: not view.runner.busy and not view.path_runner.busy, timeout=5000)


@pytest.fixture
def view(make_view):
    return make_view()


def _small(view, **extra) -> None:
    """A short run: T = 20, 100 training steps, 300 particles."""
    values = {"timesteps": 20, "train_steps": 100, "particles": 300, "seed": 0}
    values.update(extra)
    view.controls.set_values(values)
    view.controls.modelSettingsChanged.emit()


def _press(qtbot, button) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _train_and_sample(qtbot, view) -> None:
    _press(qtbot, view.controls.train_btn)
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=30_000)
    qtbot.waitUntil(lambda: view.paths is not None and not view.path_runner.busy, timeout=30_000)


def test_the_view_trains_for_a_few_steps_and_moves_its_particles(qtbot, view):
    _small(view)
    assert not view.controls.generate_btn.isEnabled()         # nothing to sample from yet
    _train_and_sample(qtbot, view)
    assert view.loss.point_count() == 100 and view.controls.progress.value() == 1000
    assert "Trained after 100 steps" in view.controls.status.text()
    assert view.controls.generate_btn.isEnabled()
    assert view.playback.count() == 21
    view.playback.pause()

    frames = {}
    for k in (0, 10, 20):
        view.playback.set_index(k)
        frames[k] = (view.sde.particle_positions(), view.ode.particle_positions())
        for xy in frames[k]:
            assert xy.shape == (300, 2) and np.isfinite(xy).all()
    # both clouds start at the same x_T and move, step by step
    start_sde, start_ode = frames[0]
    np.testing.assert_allclose(np.sort(start_sde, 0), np.sort(start_ode, 0))
    for k in (10, 20):
        for before, after in zip(frames[0], frames[k]):
            assert np.abs(np.sort(after, 0) - np.sort(before, 0)).mean() > 0.05
    # … and the two samplers end in different places from the same start
    assert np.abs(view.paths["ddpm"][-1] - view.paths["ddim"][-1]).mean() > 0.05
    # the drawn particles are the paths' frame, whichever way they are coloured
    view.controls.colour_by_start.setChecked(False)
    view.playback.set_index(7)
    np.testing.assert_allclose(np.sort(view.ode.particle_positions(), 0),
                               np.sort(view.paths["ddim"][7], 0), atol=1e-6)


def test_generate_is_reproducible_and_new_noise_is_not(qtbot, view):
    _small(view)
    _train_and_sample(qtbot, view)
    first = {k: v.copy() for k, v in view.paths.items()}
    x_T = view.x_T.copy()

    view.paths = None
    _press(qtbot, view.controls.generate_btn)
    qtbot.waitUntil(lambda: view.paths is not None, timeout=10_000)
    np.testing.assert_array_equal(view.x_T, x_T)
    np.testing.assert_array_equal(view.paths["ddim"], first["ddim"])   # the ODE is deterministic
    np.testing.assert_array_equal(view.paths["ddpm"], first["ddpm"])   # and the SDE is seeded

    view.paths = None
    _press(qtbot, view.controls.new_noise_btn)
    qtbot.waitUntil(lambda: view.paths is not None, timeout=10_000)
    assert view.controls.seed.value() == 1
    assert np.abs(view.x_T - x_T).mean() > 0.3
    # the distance chart was measured on these paths: it starts at noise and ends nearer
    y = view.distance.ode.getData()[1]
    assert len(y) == 21 and y[-1] < y[0]


def test_time_slider_noises_the_data_and_shows_the_learned_field(qtbot, view):
    _small(view)
    view.controls.link_time.setChecked(False)
    clean = view.points[:1500]
    view.t_slider.setValue(0)
    x, y = view.forward.data.getData()
    np.testing.assert_allclose(np.stack([x, y], 1), clean)
    assert len(view.forward.arrows.getData()[0]) == 0           # no model, no field

    view.t_slider.setValue(20)                                   # t = T: pure noise
    noisy = np.stack(view.forward.data.getData(), 1)
    assert 0.85 < noisy.std(0).mean() < 1.15 and np.abs(noisy - clean).mean() > 0.5
    assert "t = 20/20" in view.t_label.text()

    _train_and_sample(qtbot, view)
    view.playback.pause()
    view.t_slider.setValue(1)
    segs = np.stack(view.forward.arrows.getData(), 1)
    assert len(segs) == 21 * 21 * 6
    # a score arrow at the grid's corner (far from the data) points back towards the middle
    start, tip = segs[0], segs[1]
    assert np.dot(tip - start, -start) > 0
    view.controls.arrows.setCurrentIndex(view.controls.arrows.findData("eps"))
    start, tip = np.stack(view.forward.arrows.getData(), 1)[:2]
    assert np.dot(tip - start, -start) < 0                       # ε̂ points the other way
    view.controls.arrows.setCurrentIndex(view.controls.arrows.findData("off"))
    assert len(view.forward.arrows.getData()[0]) == 0


def test_linked_time_follows_the_playback(qtbot, view):
    _small(view)
    _train_and_sample(qtbot, view)
    view.playback.pause()
    view.playback.set_index(5)
    assert view.t_slider.value() == 15
    view.t_slider.setValue(18)
    assert view.playback.index() == 2


def test_drawing_a_distribution_with_the_mouse(qtbot, view, messages):
    combo = view.controls.dataset
    combo.setCurrentIndex(combo.findData("draw"))
    assert view.forward.draw_enabled and view.points is None
    _press(qtbot, view.controls.train_btn)                       # nothing drawn: a clear refusal
    assert messages and messages[-1][1] == "Nothing to learn" and not view.runner.busy

    viewport = view.forward.plot.viewport()
    path = [(-1.5, 1.0), (-0.5, 1.0), (0.5, 1.0), (1.5, 1.0)]
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.forward, *path[0]))
    for x, y in path[1:]:
        drag_move(viewport, view_to_viewport(view.forward, x, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.forward, *path[-1]))
    assert len(view.strokes) == 1 and len(view.strokes[0]) >= 3
    drawn = np.asarray(view.strokes[0])
    assert np.abs(drawn[:, 1] - 1.0).max() < 0.05 and drawn[0, 0] < -1.4 and drawn[-1, 0] > 1.4
    # the training points are jittered along the stroke
    pts = view.points
    assert pts is not None and len(pts) == 8000
    assert np.abs(pts[:, 1] - 1.0).mean() < 0.1 and -1.7 < pts[:, 0].min() and pts[:, 0].max() < 1.7
    x, _ = view.forward.stroke.getData()
    assert np.isfinite(x).sum() >= 3                            # the stroke is drawn on the plot

    # the drawing is remembered across sessions; Clear erases it
    from playground import settings as app_settings
    assert len(app_settings.get_json("diffusion/toy2d_strokes", [])) == 1
    _press(qtbot, view.controls.clear_btn)
    assert view.strokes == [] and view.points is None
    assert app_settings.get_json("diffusion/toy2d_strokes", None) == []


def test_stop_keeps_the_weights_so_far(qtbot, view):
    _small(view, train_steps=50_000)
    _press(qtbot, view.controls.train_btn)
    qtbot.waitUntil(lambda: view.loss.point_count() >= 20, timeout=20_000)
    _press(qtbot, view.controls.stop_btn)
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=10_000)
    assert "Stopped after" in view.controls.status.text()
    assert view.model is not None and view.controls.train_btn.isEnabled()
    qtbot.waitUntil(lambda: view.paths is not None, timeout=10_000)   # it still samples


def test_choices_persist_and_bad_settings_are_ignored(qtbot, make_view, settings_file):
    view = make_view()
    c = view.controls
    c.dataset.setCurrentIndex(c.dataset.findData("8-gaussians"))
    c.particles.setValue(700)
    c.trails.setCurrentIndex(c.trails.findData("off"))
    c.colour_by_start.setChecked(False)
    again = make_view()
    v = again.controls.values()
    assert (v["dataset"], v["particles"], v["trails"], v["colour_by_start"]) == \
        ("8-gaussians", 700, "off", False)
    assert np.abs(np.hypot(*again.points.T) - 1.4).mean() < 0.15     # the 8 Gaussians' ring

    from playground import settings as app_settings
    app_settings.set_json("diffusion/toy2d", {"dataset": "nope", "particles": "many",
                                              "timesteps": 10**9})
    app_settings.set_json("diffusion/toy2d_strokes", [["not", "a", "stroke"]])
    third = make_view()
    assert third.controls.values()["dataset"] == "moons" and third.strokes == []
    assert third.controls.timesteps.value() == third.controls.timesteps.maximum()


def test_save_image_and_paths(qtbot, view, tmp_path, messages):
    _small(view)
    _train_and_sample(qtbot, view)
    png, npz = tmp_path / "plots.png", tmp_path / "paths.npz"
    assert view.save_image(str(png)) and png.stat().st_size > 10_000
    assert view.save_paths(str(npz))
    with np.load(npz) as f:
        np.testing.assert_array_equal(f["ddim"], view.paths["ddim"])
        np.testing.assert_array_equal(f["x_T"], view.x_T)
        assert f["timesteps"].tolist() == list(range(19, -1, -1))
    assert not view.save_paths(str(tmp_path / "missing" / "x.npz"))
    assert messages[-1][1] == "Could not save"
