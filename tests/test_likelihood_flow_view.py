"""GUI tests of the Likelihood panel's Flows 2-D tab, through its widgets, mouse, keys and a
real JobRunner thread: the shipped flow, the exact density on screen, the warp slider's ends,
your own points, bad files, live training (finished, stopped, diverged, shut down) and which
checkpoints the tab takes."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt

from gui_helpers import drag_move, view_to_viewport

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("one_torch_thread")]

SHIPPED = "Shipped · RealNVP (two moons)"
# a flow that trains in a second or two
SMALL = {"couplings": 2, "hidden": 8, "steps": 100, "batch": 64, "points": 1000}


@pytest.fixture
def make_view(qtbot, messages):
    from playground.panels.likelihood.flow_view import FlowView
    views = []

    def make():
        v = FlowView(None, device="cpu")
        qtbot.addWidget(v)
        v.resize(1200, 820)
        v.show()
        qtbot.waitExposed(v)
        views.append(v)
        return v
    yield make
    for v in views:
        assert v.shutdown()
        assert not v.runner.busy


@pytest.fixture
def view(make_view):
    return make_view()


def _click(qtbot, button, mods=Qt.KeyboardModifier.NoModifier) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, mods)


def _toggle(qtbot, box) -> None:
    """Click a check box on its indicator (the middle of a wide one may miss its text)."""
    assert box.isEnabled(), box.text()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def _train_small(view, **extra) -> None:
    view.controls.set_values({**SMALL, **extra})
    view.controls.dataChanged.emit()


def _reference_inverse(model, z: np.ndarray) -> np.ndarray:
    """x = f⁻¹(z), the couplings undone one by one straight from the module (not layers())."""
    flow = model.module
    with torch.no_grad():
        h = torch.from_numpy(z)
        for c in reversed(flow.couplings):
            h = c.inverse(h)
        return (h * flow.scale + flow.shift).numpy()


# ------------------------------------------------------------------ the shipped flow
def test_the_shipped_flow_is_shown_at_start(view):
    from models.likelihood.flow_api import RealNVPModel
    assert view.current_key() == "moons" and view.model_box.currentText() == SHIPPED
    assert isinstance(view.model, RealNVPModel) and view.model.kind == "2d"
    assert view.model.config.layers == 8
    assert view.layers_bar.count() == 9 and view.layers_bar.index() == 8     # starts at x
    assert "8 affine couplings" in view.info.text() and "two moons" in view.info.text().lower()
    assert not view.banner.isVisible()
    assert view.help_topic() == "likelihood-flows"
    # the moons it was trained on score about as well as its checkpoint says (0.85 nats)
    assert "mean −log p(x)" in view.data_info.text()
    nll = -view.model.log_prob(view.points).mean()
    assert 0.6 < nll < 1.1 and f"{nll:.3f} nats" in view.data_info.text()


def test_the_heat_map_is_the_exact_density(qtbot, view):
    from playground.panels.likelihood.flow_view import DENSITY_N
    xlim, ylim, grid = view.density
    assert (xlim, ylim) == view.plot.visible_range()
    np.testing.assert_allclose(grid, view.model.density_grid(xlim, ylim, DENSITY_N))
    np.testing.assert_allclose(view.plot.density_image(), grid.astype(np.float32), rtol=1e-6)
    # brute force: the density sums to one over the plane (the view holds nearly all of it)
    dx = (xlim[1] - xlim[0]) / (DENSITY_N - 1)
    dy = (ylim[1] - ylim[0]) / (DENSITY_N - 1)
    assert grid.sum() * dx * dy == pytest.approx(1.0, abs=0.03)
    # … and where the moons are the density is high, in the middle of their gap it is not
    cols = np.linspace(*xlim, DENSITY_N)
    rows = np.linspace(*ylim, DENSITY_N)
    at = lambda x, y: grid[np.abs(rows - y).argmin(), np.abs(cols - x).argmin()]  # noqa: E731
    assert at(-0.75, 1.0) > 20 * at(0.0, 0.25)
    # log p: ten nats below the peak, clipped there
    _toggle(qtbot, view.controls.log_density)
    image = view.plot.density_image()
    top = np.log(grid.max())
    with np.errstate(divide="ignore"):
        expected = np.maximum(np.log(grid), top - 10)
    np.testing.assert_allclose(image, expected.astype(np.float32),
                               rtol=1e-5, atol=1e-5)
    _toggle(qtbot, view.controls.density)                # off: no heat map, no colour bar
    assert view.plot.density_image() is None and view.density is None
    assert not view.plot.bar.isVisible()


def test_zooming_recomputes_the_density_for_the_new_view(qtbot, view):
    from playground.panels.likelihood.flow_view import DENSITY_N
    view.plot.show_square(0.5, (0.0, 1.0))
    qtbot.waitUntil(lambda: view.density[0] != (-2.5, 2.5) and view.density[0][1] < 1.0)
    xlim, ylim, grid = view.density
    np.testing.assert_allclose(grid, view.model.density_grid(xlim, ylim, DENSITY_N))


def test_the_slider_runs_from_the_gaussian_to_the_data_space(qtbot, view):
    model, flow = view.model, view.model.module
    z = view._z
    slider = view.layers_bar.slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert view.layers_bar.index() == 0
    base = (torch.from_numpy(z) * flow.scale + flow.shift).numpy()
    np.testing.assert_allclose(view.plot.sample_positions(), base, atol=1e-5)
    assert "Gaussian base" in view.plot.caption.textItem.toPlainText()
    # one coupling per step: the points move along one axis only, x₁ and x₂ in turn
    previous = view.plot.sample_positions()
    moved = []
    for k in range(1, 9):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
        assert view.layers_bar.index() == k
        now = view.plot.sample_positions()
        change = np.abs(now - previous).max(0)
        assert (change > 1e-4).sum() == 1, (k, change)
        moved.append(int(change.argmax()))
        previous = now
    assert moved == [1, 0] * 4            # the last coupling (index 7) changes x₂ first
    np.testing.assert_allclose(view.plot.sample_positions(), _reference_inverse(model, z),
                               atol=1e-4)
    assert "data space" in view.plot.caption.textItem.toPlainText()
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert view.layers_bar.index() == 8
    # the grid lines go through the same warp
    g = view._grid_layers
    assert len(g) == 9
    from playground.panels.likelihood.flow_view import grid_z
    np.testing.assert_allclose(g[-1].reshape(-1, 2), _reference_inverse(model, grid_z()),
                               atol=1e-4)


def test_play_animates_k_to_the_data_space(qtbot, view):
    bar = view.layers_bar
    bar.fps.setValue(60)
    bar.set_index(0)
    _click(qtbot, bar.play_button)
    qtbot.waitUntil(lambda: bar.index() == 8 and not bar.playing)
    assert "data space" in view.plot.caption.textItem.toPlainText()


# ------------------------------------------------------------------ your own points
def _choose(qtbot, view, key: str) -> None:
    combo = view.controls.data
    combo.setCurrentIndex(combo.findData(key))
    assert view.controls.values()["data"] == key


def test_clicking_and_dragging_adds_points_and_right_click_removes_them(qtbot, view, messages):
    from playground.panels.likelihood.flow_view import MY_POINTS
    _choose(qtbot, view, "mine")
    _click(qtbot, view.controls.clear_btn)
    assert len(view.my_points) == 0 and view.points is None and view.plot.edit_enabled
    assert "none yet" in view.data_info.text() and "at least 10" in view.data_info.text()
    port = view.plot.plot.viewport()
    qtbot.mouseClick(port, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.plot, -1.0, -1.0))
    assert len(view.my_points) == 1
    np.testing.assert_allclose(view.my_points[0], (-1.0, -1.0), atol=0.03)
    # a drag along y = 1 leaves a trail of points, a few pixels apart
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.plot, -1.0, 1.0))
    for x in np.linspace(-1.0, 1.0, 40)[1:]:
        drag_move(port, view_to_viewport(view.plot, x, 1.0))
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.plot, 1.0, 1.0))
    trail = view.my_points[1:]
    assert 10 <= len(trail) <= 40
    assert np.abs(trail[:, 1] - 1.0).max() < 0.03
    assert trail[:, 0].min() < -0.95 and trail[:, 0].max() > 0.9
    assert view.points is not None and len(view.points) == len(view.my_points)
    assert len(view.plot.data_positions()) == len(view.my_points)
    assert len(MY_POINTS.get()) == len(view.my_points)              # kept for next time
    # a right click removes the points near it, a Shift-click too; a far one removes nothing
    n = len(view.my_points)
    qtbot.mouseClick(port, Qt.MouseButton.RightButton, pos=view_to_viewport(view.plot, 0.0, 1.0))
    gone = n - len(view.my_points)
    assert gone >= 1 and not (np.hypot(view.my_points[:, 0], view.my_points[:, 1] - 1) < 0.05).any()
    qtbot.mouseClick(port, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pos=view_to_viewport(view.plot, -1.0, -1.0))
    assert not (np.hypot(view.my_points[:, 0] + 1, view.my_points[:, 1] + 1) < 0.05).any()
    m = len(view.my_points)
    qtbot.mouseClick(port, Qt.MouseButton.RightButton, pos=view_to_viewport(view.plot, 2.0, -2.0))
    assert len(view.my_points) == m
    # the built-in shapes are not edited by clicks
    _choose(qtbot, view, "rings")
    assert not view.plot.edit_enabled
    before = view.my_points.copy()
    qtbot.mouseClick(port, Qt.MouseButton.LeftButton, pos=view_to_viewport(view.plot, 0.3, 0.3))
    np.testing.assert_array_equal(view.my_points, before)


@pytest.mark.parametrize("name, content, words", [
    ("three.csv", "x,y\n0,0\n1,1\n2,0\n", "only 3 point(s)"),
    ("nan.csv", "".join(f"{i},{i % 3}\n" for i in range(20)) + "nan,1\n", "NaN"),
    ("columns.npy", np.zeros((20, 3), np.float32), "N×2"),
    ("words.txt", "1 2\nhello there\n3 4\n", "not two numbers"),
    ("flat.csv", "".join(f"{i},5\n" for i in range(20)), "same y"),
])
def test_a_bad_points_file_is_refused_with_the_reason(qtbot, view, messages, tmp_path, name,
                                                      content, words):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        np.save(path, content)
    before = view.points.copy()
    assert not view.load_points(str(path))
    kind, title, text = messages[-1]
    assert (kind, title) == ("warning", "Cannot load points") and words in text, text
    assert view.controls.values()["data"] == "moons"
    np.testing.assert_array_equal(view.points, before)


def test_a_good_points_file_becomes_my_points(qtbot, view, tmp_path):
    pts = np.random.default_rng(3).normal([10.0, -20.0], [2.0, 1.0], (300, 2))
    path = tmp_path / "cloud.csv"
    path.write_text("x,y\n" + "".join(f"{x},{y}\n" for x, y in pts))
    assert view.load_points(str(path))
    assert view.controls.values()["data"] == "mine"
    np.testing.assert_allclose(view.points, pts.astype(np.float32))
    # the view moves to where the points are
    (x0, x1), (y0, y1) = view.plot.visible_range()
    assert x0 < pts[:, 0].min() and pts[:, 0].max() < x1
    assert y0 < pts[:, 1].min() and pts[:, 1].max() < y1
    # far from the moons: the shipped flow gives them (next to) no density
    assert "zero density" in view.data_info.text() or "nats" in view.data_info.text()


# ------------------------------------------------------------------ training
def test_live_training_updates_the_curve_and_gives_a_trained_here_model(qtbot, view):
    from playground.panels.likelihood.flow_view import DENSITY_N
    _train_small(view)
    with qtbot.waitSignal(view.runner.finished, timeout=120_000):
        _click(qtbot, view.controls.train_btn)
        assert not view.controls.data.isEnabled() and not view.controls.couplings.isEnabled()
    assert view.controls.chart.point_count("NLL") >= 1
    assert view.current_key() == "trained" and view.model_box.currentText() == "Trained here"
    model = view.model
    assert model.config.layers == 2 and model.config.hidden == 8
    assert model.meta["steps"] == 100 and model.meta["data"] == "moons"
    assert "train_nll_nats" in model.meta["metrics"] and "test_nll_nats" in model.meta["metrics"]
    assert "Trained after 100 steps" in view.controls.status.text()
    assert view.layers_bar.count() == 3
    # the picture is the new flow's
    xlim, ylim, grid = view.density
    np.testing.assert_allclose(grid, model.density_grid(xlim, ylim, DENSITY_N))
    np.testing.assert_allclose(view._sample_layers[-1], _reference_inverse(model, view._z),
                               atol=1e-4)
    assert view.controls.data.isEnabled() and view.controls.train_btn.isEnabled()
    # the shipped flow is still there to go back to
    view.model_box.setCurrentIndex(view.model_box.findData("moons"))
    assert view.model.config.layers == 8 and view.layers_bar.count() == 9


def test_stopping_mid_training_keeps_the_weights_so_far(qtbot, view):
    _train_small(view, steps=200_000)
    _click(qtbot, view.controls.train_btn)
    # the first snapshot (before step 1) arrives while the run goes on: a live entry
    qtbot.waitUntil(lambda: view.names.get("trained") == "Trained here (training…)"
                    and view.controls.chart.point_count("NLL") >= 2, timeout=60_000)
    assert view.current_key() == "trained" and view.info.text().startswith("live snapshot")
    with qtbot.waitSignal(view.runner.finished, timeout=30_000):
        _click(qtbot, view.controls.stop_btn)
    steps = view.model.meta["steps"]
    assert 0 < steps < 200_000 and view.names["trained"] == "Trained here"
    assert "Stopped after" in view.controls.status.text()
    assert not view.info.text().startswith("live snapshot")


def test_shutdown_mid_training_is_clean(qtbot, view):
    _train_small(view, steps=200_000)
    _click(qtbot, view.controls.train_btn)
    qtbot.waitUntil(lambda: view.controls.chart.point_count("NLL") >= 1, timeout=60_000)
    assert view.runner.busy
    assert view.shutdown()
    assert not view.runner.busy
    view.close()


def test_a_diverging_run_stops_with_a_message_and_keeps_the_last_good_weights(
        qtbot, view, messages, monkeypatch):
    from models.likelihood.flow_training import Flow2DTrainer
    from playground.panels.likelihood import flow_jobs
    made = []

    def nan_after_five_steps(*args, **kwargs):
        trainer = Flow2DTrainer(*args, **kwargs)
        real, calls = trainer.flow.log_prob, [0]

        def log_prob(x):
            calls[0] += 1
            return real(x) if calls[0] <= 5 else torch.full((len(x),), math.nan)
        trainer.flow.log_prob = log_prob
        made.append(trainer)
        return trainer
    monkeypatch.setattr(flow_jobs, "Flow2DTrainer", nan_after_five_steps)
    _train_small(view, steps=1000)
    with qtbot.waitSignal(view.runner.failed, timeout=60_000):
        _click(qtbot, view.controls.train_btn)
    kind, title, text = messages[-1]
    assert (kind, title) == ("warning", "Training stopped")
    assert "loss became nan at step 6" in text and "weights of step 5" in text
    assert "loss became nan" in view.controls.status.text()
    trainer = made[0]
    assert trainer.steps_done == 5
    model = view.model
    assert view.current_key() == "trained" and view.names["trained"] == "Trained here"
    assert model.meta["steps"] == 5
    good = trainer.state_numpy()
    assert all(np.array_equal(model.state_numpy()[k], good[k]) for k in good)
    assert np.isfinite(view.density[2]).all()
    assert view.controls.train_btn.isEnabled()


def test_nothing_to_train_on_says_so(qtbot, view, messages):
    _choose(qtbot, view, "mine")
    _click(qtbot, view.controls.clear_btn)
    _click(qtbot, view.controls.train_btn)
    assert messages[-1][:2] == ("warning", "Nothing to learn") and not view.runner.busy


# ------------------------------------------------------------------ checkpoints
def test_which_checkpoints_the_tab_takes(qtbot, view, messages, tmp_path):
    from models.likelihood.api import NADEModel
    from models.likelihood.flow_api import RealNVPModel
    from models.likelihood.nade import NADEConfig
    from models.likelihood.realnvp import RealNVPConfig
    from playground.panels.likelihood.flow_view import CHECKPOINTS
    assert view.accepts(CHECKPOINTS / "moons-realnvp")
    # NADE: not ours, and the message says where it belongs
    NADEModel(NADEConfig(hidden=16, size=28), {}).save(tmp_path / "nade")
    assert not view.accepts(tmp_path / "nade")
    assert not view.open_checkpoint(str(tmp_path / "nade"))
    kind, title, text = messages[-1]
    assert title == "Cannot open checkpoint" and "NADE" in text
    assert "Sample, Complete, Score" in text
    # an image RealNVP: a RealNVP (the panel routes it here), but not a 2-D one
    RealNVPModel(RealNVPConfig(kind="image", layers=2, hidden=4, depth=0)).save(tmp_path / "img")
    assert view.accepts(tmp_path / "img")
    assert not view.open_checkpoint(str(tmp_path / "img"))
    assert "image RealNVP" in messages[-1][2] and "2-D" in messages[-1][2]
    # a folder of something else entirely, and one that does not exist
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("hello")
    (tmp_path / "foreign" / "config.json").write_text('{"family": "realnvp"')
    for path in (tmp_path / "foreign", tmp_path / "missing"):
        assert not view.accepts(path)
        assert not view.open_checkpoint(str(path))
        assert messages[-1][1] == "Cannot open checkpoint"
    assert view.current_key() == "moons"                   # what was shown stays
    # a 2-D flow opens, and saves back
    RealNVPModel(RealNVPConfig(layers=4, hidden=8)).save(tmp_path / "mine")
    assert view.accepts(tmp_path / "mine") and view.open_checkpoint(str(tmp_path / "mine"))
    assert view.model_box.currentText() == "Opened · mine" and view.layers_bar.count() == 5
    view.model_box.setCurrentIndex(view.model_box.findData("moons"))
    assert view.save_checkpoint(str(tmp_path / "copy"))
    from models import load_checkpoint
    again = load_checkpoint(tmp_path / "copy")
    some = view.points[:100]
    np.testing.assert_allclose(again.log_prob(some), view.model.log_prob(some))


def test_the_panel_routes_a_realnvp_to_the_flows_tab(qtbot, messages):
    from playground.panels.likelihood.panel import LikelihoodPanel
    from playground.panels.likelihood.flow_view import CHECKPOINTS
    panel = LikelihoodPanel(device="cpu")
    qtbot.addWidget(panel)
    panel.show()
    panel.views.setCurrentWidget(panel.sample)
    assert panel.open_checkpoint(str(CHECKPOINTS / "moons-realnvp"))
    assert panel.views.currentWidget() is panel.flows
    assert panel.flows.model_box.currentText() == "Opened · moons-realnvp"
    assert panel.help_topic() == "likelihood-flows"
    assert panel.shutdown()


def test_without_the_shipped_flow_the_tab_says_so_and_still_trains(qtbot, messages, monkeypatch,
                                                                   tmp_path, make_view):
    from playground.panels.likelihood import flow_view
    monkeypatch.setattr(flow_view, "CHECKPOINTS", tmp_path)
    view = make_view()
    assert view.model is None and view.banner.isVisible()
    assert "not available" in view.banner.text() and "Train one here" in view.banner.text()
    assert view.density is None and len(view.plot.sample_positions()) == 0
    assert "No flow" in view.plot.caption.textItem.toPlainText()
    assert not view.save_btn.isEnabled()
    _train_small(view)
    with qtbot.waitSignal(view.runner.finished, timeout=120_000):
        _click(qtbot, view.controls.train_btn)
    assert view.current_key() == "trained" and view.model is not None
    assert not view.banner.isVisible() and view.density is not None


# ------------------------------------------------------------------ settings and export
def test_settings_persist(qtbot, make_view):
    view = make_view()
    _choose(qtbot, view, "rings")
    view.controls.points.setValue(3000)
    _toggle(qtbot, view.controls.log_density)
    _toggle(qtbot, view.controls.grid)
    view.controls.couplings.setValue(4)
    view.layers_bar.set_index(3)
    assert view.shutdown()
    again = make_view()
    v = again.controls.values()
    assert v["data"] == "rings" and v["points"] == 3000 and v["log_density"] and not v["grid"]
    assert v["couplings"] == 4 and again.layers_bar.index() == 3
    assert len(again.points) == 3000


def test_save_image_writes_the_plot(qtbot, view, tmp_path):
    from PySide6.QtGui import QImage
    path = tmp_path / "flow.png"
    assert view.save_image(str(path))
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= 300 and image.height() >= 300


def test_what_the_form_saves_reads_back_whole(view, caplog):
    import json
    import logging

    from playground.panels.likelihood.flow_view import SAVED
    saved = {**view.controls.values(), "layer": view.layers_bar.index()}
    with caplog.at_level(logging.WARNING, "playground.settings"):
        assert SAVED.parse(json.dumps(saved)) == saved
    assert not caplog.records


def test_the_help_pages_change_of_variables_is_the_models(view):
    """log p(x) = log N(f(x); 0, I) + log |det ∂f/∂x| with the Jacobian by brute force
    (autograd, 2×2 per point) gives the flow's log_prob; the misprint's minus sign does not."""
    from playground.help.likelihood_flows import CHANGE_OF_VARIABLES, MISPRINT, PAGES
    assert PAGES[0].key == view.help_topic() and CHANGE_OF_VARIABLES in PAGES[0].body
    assert "+ log |det" in CHANGE_OF_VARIABLES and "− log |det" in MISPRINT
    import copy
    expected = view.model.log_prob(view.points[:20])
    flow = copy.deepcopy(view.model.module).double()
    x = torch.from_numpy(view.points[:20]).double()
    z = flow(x)[0]
    log_det = torch.stack([torch.linalg.slogdet(torch.autograd.functional.jacobian(
        lambda p: flow(p[None])[0][0], p))[1] for p in x])
    log_n = (-0.5 * (z ** 2).sum(1) - math.log(2 * math.pi)).detach().numpy()
    log_det = log_det.detach().numpy()
    np.testing.assert_allclose(log_n + log_det, expected, rtol=1e-4, atol=1e-4)
    assert np.abs(log_n - log_det - expected).min() > 0.5
