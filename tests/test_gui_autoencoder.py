"""GUI tests of the autoencoder panel, driven through real widgets and real mouse events.

Everything runs offscreen (conftest sets QT_QPA_PLATFORM), on the CPU, with settings in a
temporary ini file and training on a 600-image IDX folder written into a temporary folder.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QPushButton

from gui_helpers import drag_move, view_to_viewport, viewport_to_view

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[1]
VAE_NAME = "VAE · pretrained (MNIST, 2-D)"
AE_NAME = "AE · pretrained (MNIST, 2-D)"
FASHION_VAE_NAME = "VAE · pretrained (Fashion-MNIST, 2-D)"
FASHION_AE_NAME = "AE · pretrained (Fashion-MNIST, 2-D)"
# the shipped list, with issue 15's AAE, WAE and PixelCNN-decoder VAEs (a missing folder
# shows as "not available")
SHIPPED = {VAE_NAME: "mnist-vae-2d", AE_NAME: "mnist-ae-2d", FASHION_VAE_NAME: "fashion-vae-2d",
           FASHION_AE_NAME: "fashion-ae-2d",
           "AAE · pretrained (Fashion-MNIST, 2-D)": "fashion-aae-2d",
           "WAE · pretrained (Fashion-MNIST, 2-D)": "fashion-wae-2d",
           "VAE + PixelCNN decoder · pretrained (MNIST, no remedy)": "mnist-pixelvae",
           "VAE + PixelCNN decoder · pretrained (MNIST, free bits)": "mnist-pixelvae-freebits"}
BASE_NAMES = list(SHIPPED)
PRETRAINED_NAMES = [n + ("" if (ROOT / "checkpoints" / folder).is_dir() else " (not available)")
                    for n, folder in SHIPPED.items()]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def make_window(qtbot, messages):
    """Create shown MainWindows; every one is closed (which stops its job) when the test ends."""
    from playground.main_window import MainWindow
    windows = []

    def make():
        window = MainWindow(device="cpu")
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        # close() waited for the job's thread; its queued "finished" still has to arrive
        qtbot.waitUntil(lambda: not window.autoencoder.runner.busy, timeout=5000)


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def panel(window):
    return window.autoencoder


def _button(parent, text: str) -> QPushButton:
    found = [b for b in parent.findChildren(QPushButton) if b.text().startswith(text)]
    assert len(found) == 1, f"expected one button '{text}…', found {[b.text() for b in found]}"
    return found[0]


def _left():
    from PySide6.QtCore import Qt
    return Qt.MouseButton.LeftButton


def _frame(view) -> np.ndarray:
    img = view.image()
    assert img is not None
    return np.array(img, copy=True)


def _weights_differ(a: dict, b: dict) -> bool:
    if set(a) != set(b):
        return True
    return any(a[k].shape != b[k].shape or not np.allclose(a[k], b[k]) for k in a)


def _train_values(folder: Path, **extra) -> dict:
    return {"kind": "vae", "arch": "conv", "latent_dim": 2, "dataset": str(folder), "epochs": 1,
            "batch_size": 64, "lr": 1e-3, "beta": 1.0, **extra}


# --------------------------------------------------------------------------- 1. start-up

def test_panel_opens_with_the_pretrained_vae(panel):
    assert "VAE" in panel.model_box.currentText()
    assert "pretrained" in panel.model_box.currentText()
    assert [panel.model_box.itemText(i) for i in range(panel.model_box.count())] == PRETRAINED_NAMES
    assert panel.space.model.variational is True
    points = panel.plot.points()
    assert points.shape[1] == 2
    assert 1900 <= len(points) <= 2100
    assert np.isfinite(points).all()
    shown = panel.image.image()
    assert shown is not None and shown.shape == (28, 28)
    assert float(shown.max() - shown.min()) > 0.1


def _legend(panel) -> list[str]:
    return [label.text for _, label in panel.plot.legend.items]


def test_the_fashion_models_show_clothes_named_in_the_legend_with_no_dataset_here(
        qtbot, tmp_path, monkeypatch, messages):
    """The shipped Fashion-MNIST pair is offered beside the MNIST one; picking it scatters
    the bundled held-out clothes (no ../shared, no data folder, no download) with the class
    names in the legend, and the MNIST models go back to digits."""
    from playground.panels.autoencoder.panel import AutoencoderPanel
    monkeypatch.setenv("PLAYGROUND_DATA", str(tmp_path / "empty"))   # what a fresh clone has
    panel = AutoencoderPanel(device="cpu")
    qtbot.addWidget(panel)
    panel.resize(1400, 860)
    panel.show()
    qtbot.waitExposed(panel)
    assert [panel.model_box.itemText(i) for i in range(panel.model_box.count())] == PRETRAINED_NAMES
    assert _legend(panel) == [str(d) for d in range(10)]
    for name, variational in ((FASHION_VAE_NAME, True), (FASHION_AE_NAME, False)):
        panel.model_box.setCurrentText(name)
        assert panel.space.model.variational is variational
        assert panel.space.model.meta["dataset"]["name"] == "fashion-mnist"
        assert _legend(panel) == FASHION_CLASSES
        points = panel.plot.points()
        assert len(points) == 2000 and np.isfinite(points).all()
        # all ten kinds of clothes, as the plot's per-class scatter items hold them
        counts = [len(item.getData()[0]) for item in panel.plot._class_items]
        assert sum(counts) == 2000 and min(counts) > 100
        # clothes, not digits: Fashion-MNIST's pixel mean is about twice MNIST's
        assert panel.space.images.mean() > 55
        # Train would make a fresh model of the same data
        assert panel.training.dataset.currentText() == "fashion-mnist"
    panel.model_box.setCurrentText(AE_NAME)
    assert _legend(panel) == [str(d) for d in range(10)] and panel.space.images.mean() < 45
    assert panel.training.dataset.currentText() == "mnist"
    assert messages == []
    assert panel.shutdown()


def test_compare_pairs_the_models_of_the_selected_ones_dataset(panel, qtbot):
    panel.model_box.setCurrentText(FASHION_VAE_NAME)
    qtbot.mouseClick(panel.compare_btn, _left())
    assert panel.compare.sides["ae"].space.model is panel.models[FASHION_AE_NAME]
    assert panel.compare.sides["vae"].space.model is panel.models[FASHION_VAE_NAME]
    qtbot.mouseClick(panel.compare_btn, _left())
    panel.model_box.setCurrentText(AE_NAME)
    qtbot.mouseClick(panel.compare_btn, _left())
    assert panel.compare.sides["ae"].space.model is panel.models[AE_NAME]
    assert panel.compare.sides["vae"].space.model is panel.models[VAE_NAME]


# --------------------------------------------------------------------------- 2. mouse on the plot

def test_clicks_and_drags_on_the_plot_decode_where_the_mouse_is(panel, qtbot):
    plot, viewport = panel.plot, panel.plot.plot.viewport()
    before = _frame(panel.image)
    shown = [before]
    for x, y in ((-2.0, 1.0), (2.0, -1.0)):
        pos = view_to_viewport(plot, x, y)
        assert viewport.rect().contains(pos), f"({x}, {y}) is outside the visible plot"
        with qtbot.waitSignal(plot.pointPicked, timeout=1000) as picked:
            qtbot.mousePress(viewport, _left(), pos=pos)
        qtbot.mouseRelease(viewport, _left(), pos=pos)
        px, py = picked.args
        # the click decodes the point under the mouse (within a pixel or two of the target)
        assert abs(px - x) < 0.1 and abs(py - y) < 0.1
        image = _frame(panel.image)
        assert image.shape == (28, 28)
        assert not np.allclose(image, shown[-1], atol=1e-3)
        np.testing.assert_allclose(image, panel.space.model.decode([[px, py]])[0], atol=1e-5)
        assert panel.image._caption == f"z = ({px:.2f}, {py:.2f})"
        cx, cy = plot._cursor.getData()
        assert len(cx) == 1 and cx[0] == pytest.approx(px) and cy[0] == pytest.approx(py)
        shown.append(image)

    # a drag decodes continuously: every move shows a new image
    start = view_to_viewport(plot, -2.0, -2.0)
    qtbot.mousePress(viewport, _left(), pos=start)
    last = _frame(panel.image)
    seen = [last]
    for x in (-1.0, 0.0, 1.0, 2.0):
        pos = view_to_viewport(plot, x, x / 2)
        drag_move(viewport, pos)
        now = _frame(panel.image)
        assert not np.allclose(now, last, atol=1e-3), f"the image did not change when dragging to x={x}"
        cx, _ = plot._cursor.getData()
        assert cx[0] == pytest.approx(viewport_to_view(plot, pos)[0], abs=1e-3)
        last = now
        seen.append(now)
    qtbot.mouseRelease(viewport, _left(), pos=view_to_viewport(plot, 2.0, 1.0))
    assert len({a.tobytes() for a in seen}) == len(seen)


# --------------------------------------------------------------------------- 3. attributes

def test_class_attribute_slider_moves_the_code(panel, qtbot):
    tool = panel.attr_tool
    panel.tools.setCurrentWidget(tool)
    tool.cls.setCurrentIndex(7)
    qtbot.mouseClick(_button(tool, "Add class attribute"), _left())
    assert len(tool.rows) == 1
    row = tool.rows[0]
    base = tool.base_z.copy()
    at_zero = _frame(tool.result_view)
    np.testing.assert_allclose(at_zero, panel.space.model.decode(base[None])[0], atol=1e-5)

    row.slider.setValue(300)
    assert row.alpha == pytest.approx(3.0)
    moved = _frame(tool.result_view)
    assert not np.allclose(moved, at_zero, atol=1e-3)

    z, labels = panel.space.latents, panel.space.labels
    v = z[labels == 7].mean(0) - z[labels != 7].mean(0)
    assert np.linalg.norm(v) > 0.1
    expected = panel.space.model.decode((base + 3.0 * v)[None])[0]
    np.testing.assert_allclose(moved, expected, atol=1e-4)
    # the base image stays the base
    np.testing.assert_allclose(_frame(tool.base_view), at_zero, atol=1e-6)


# --------------------------------------------------------------------------- 4. morph

def test_morph_slider_play_and_export(panel, qtbot, tmp_path):
    from models.latent import slerp
    tool, space = panel.morph_tool, panel.space
    model = space.model
    i = int(np.flatnonzero(space.labels == 0)[0])
    j = int(np.flatnonzero(space.labels == 1)[0])
    tool.set_index("a", i)
    tool.set_index("b", j)
    za, zb = space.latents[i], space.latents[j]

    tool.slider.setValue(0)
    at_a = _frame(tool.frame)
    np.testing.assert_allclose(at_a, model.decode(za[None])[0], atol=1e-5)
    tool.slider.setValue(1000)
    at_b = _frame(tool.frame)
    np.testing.assert_allclose(at_b, model.decode(zb[None])[0], atol=1e-5)
    assert not np.allclose(at_a, at_b, atol=1e-2)
    tool.slider.setValue(500)
    middle = _frame(tool.frame)
    np.testing.assert_allclose(middle, model.decode((0.5 * za + 0.5 * zb)[None])[0], atol=1e-5)
    assert not np.allclose(middle, at_a, atol=1e-3) and not np.allclose(middle, at_b, atol=1e-3)

    tool.spherical.setChecked(True)
    spherical = _frame(tool.frame)
    np.testing.assert_allclose(spherical, model.decode(slerp(za, zb, 0.5)[None])[0], atol=1e-5)

    # Play moves the slider on a timer; pressing it again stops it
    start = tool.slider.value()
    qtbot.mouseClick(tool.play_btn, _left())
    assert tool.play_btn.isChecked() and tool.bar.playing
    qtbot.waitUntil(lambda: tool.slider.value() != start, timeout=3000)
    qtbot.mouseClick(tool.play_btn, _left())
    assert not tool.play_btn.isChecked() and not tool.bar.playing
    np.testing.assert_allclose(_frame(tool.frame),
                               model.decode(slerp(za, zb, tool.slider.value() / 1000)[None])[0], atol=1e-5)

    strip, gif = tmp_path / "morph.png", tmp_path / "morph.gif"
    tool.export_strip(str(strip))
    tool.export_gif(str(gif))
    with Image.open(strip) as im:
        im.load()
        assert im.format == "PNG"
        assert im.width > 5 * im.height      # ten frames side by side
    with Image.open(gif) as im:
        assert im.format == "GIF"
        assert getattr(im, "n_frames", 1) > 1


# --------------------------------------------------------------------------- 5. box selection

def test_box_selection_with_the_mouse_feeds_the_attribute_tool(panel, qtbot):
    plot, viewport = panel.plot, panel.plot.plot.viewport()
    box_btn = [b for b in panel.modes.buttons() if b.property("mode") == "box"][0]
    qtbot.mouseClick(box_btn, _left())
    assert plot.mode == "box"
    assert not panel.attr_tool.add_sel.isEnabled()

    corners = [view_to_viewport(plot, -1.0, -1.0), view_to_viewport(plot, 1.0, 1.0)]
    with qtbot.waitSignal(plot.selectionMade, timeout=2000) as made:
        qtbot.mousePress(viewport, _left(), pos=corners[0])
        for t in (0.25, 0.5, 0.75):
            drag_move(viewport, corners[0] + (corners[1] - corners[0]) * t)
        drag_move(viewport, corners[1])
        qtbot.mouseRelease(viewport, _left(), pos=corners[1])
    mask = np.asarray(made.args[0])
    xy = plot.points()
    assert mask.dtype == bool and mask.shape == (len(xy),)
    assert 0 < mask.sum() < len(xy)
    # points clearly inside the box are selected, points clearly outside are not
    inside = (np.abs(xy) < 0.95).all(1)
    outside = (np.abs(xy) > 1.05).any(1)
    assert inside.any() and outside.any()
    assert mask[inside].all() and not mask[outside].any()

    add = panel.attr_tool.add_sel
    assert add.isEnabled()
    assert f"({int(mask.sum())} points)" in add.text()
    assert panel.tools.currentWidget() is panel.attr_tool
    qtbot.mouseClick(add, _left())
    assert len(panel.attr_tool.rows) == 1
    z = panel.space.latents
    np.testing.assert_allclose(panel.attr_tool.rows[0].vector, z[mask].mean(0) - z[~mask].mean(0), atol=1e-5)


# --------------------------------------------------------------------------- 6. prior samples

def test_prior_sampling_for_the_vae_and_the_ae(panel, qtbot):
    from models.latent import latent_box
    tool = panel.sample_tool
    n = tool.count.value()
    with qtbot.waitSignal(tool.pointsDrawn, timeout=1000) as drawn:
        qtbot.mouseClick(tool.draw_btn, _left())
    mosaic = _frame(tool.view)
    side = math.ceil(math.sqrt(n))
    assert mosaic.shape == (side * 28 + (side - 1) * 2, side * 28 + (side - 1) * 2)
    assert mosaic.std() > 0.05
    xy = np.asarray(drawn.args[0])
    assert xy.shape == (n, 2)
    px, py = panel.plot._prior.getData()
    assert len(px) == n and len(panel.plot._prior_labels) == n
    np.testing.assert_allclose(np.c_[px, py], xy, atol=1e-6)

    panel.model_box.setCurrentText(AE_NAME)
    assert panel.space.model.variational is False
    assert len(panel.plot._prior.getData()[0]) == 0     # old marks go with the old model
    assert tool.view.image() is None and tool.note.text() == ""     # and so do their tiles
    with qtbot.waitSignal(tool.pointsDrawn, timeout=1000) as drawn:
        tool.draw()
    xy = np.asarray(drawn.args[0])
    assert xy.shape == (n, 2)
    lo, hi = latent_box(panel.space.latents, 0.0)
    assert ((xy >= lo - 1e-5) & (xy <= hi + 1e-5)).all()
    assert len(panel.plot._prior.getData()[0]) == n


def test_prior_tiles_are_numbered_like_their_crosses(panel, qtbot):
    tool = panel.sample_tool
    tool.count.setValue(9)
    qtbot.mouseClick(tool.draw_btn, _left())
    labels = [t.toPlainText() for t in panel.plot._prior_labels]
    assert labels == [str(i) for i in range(1, 10)] and tool.view.n == 9
    img = tool.view.grab().toImage()
    t = tool.view.image_rect()
    scale = t.width() / tool.view.image().shape[1]

    def mean_lightness(x, y):                   # over a 9×9 patch
        return np.mean([img.pixelColor(int(x) + i, int(y) + j).lightness()
                        for i in range(9) for j in range(9)])
    for i in range(9):           # a light tag in the top-left corner of every (black) tile
        r, c = divmod(i, 3)
        x, y = t.x() + c * 30 * scale, t.y() + r * 30 * scale
        assert mean_lightness(x + 1, y + 1) > 110, i        # white, less the dark numeral
        # while the tile's other top corner is the digit's black background
        assert mean_lightness(x + 28 * scale - 10, y + 1) < 60, i


def test_training_and_switching_models_leave_no_stale_draws_or_curves(panel, qtbot,
                                                                       small_folder):
    tool = panel.sample_tool
    qtbot.mouseClick(tool.draw_btn, _left())
    assert tool.view.image() is not None
    assert panel.training.curves.point_count() == 0
    assert "not trained here" in panel.training.curves.caption.text()
    panel.training.set_values(_train_values(small_folder))
    with qtbot.waitSignal(panel.runner.finished, timeout=60000):
        qtbot.mouseClick(panel.training.train_btn, _left())
    trained = panel.active_name()
    assert "trained" in trained and "pretrained" not in trained
    # the pretrained VAE's draws went with it: no old tiles, no old crosses
    assert tool.view.image() is None and len(panel.plot._prior.getData()[0]) == 0
    steps = panel.training.curves.point_count()
    assert steps > 0 and trained in panel.training.curves.caption.text()
    panel.model_box.setCurrentText(AE_NAME)           # another model: not the run's curves
    assert panel.training.curves.point_count() == 0
    assert len(panel.training.curves.curves["recon"].getData()[0] or []) == 0
    assert "not trained here" in panel.training.curves.caption.text()
    panel.model_box.setCurrentText(trained)           # back: its run's curves again
    assert panel.training.curves.point_count() == steps


def test_prior_draws_follow_the_training_model(panel, qtbot, small_folder):
    """While a model trains, its draws are decoded again from the same codes with each
    snapshot's weights: tiles and crosses stay the training model's, not a stale picture."""
    _start_long_run(panel, qtbot, small_folder)
    tool = panel.sample_tool
    qtbot.waitUntil(lambda: tool.space is not None and tool.space.model is
                    panel.models[panel._training_name], timeout=30000)
    qtbot.mouseClick(tool.draw_btn, _left())
    codes, first = tool.z.copy(), _frame(tool.view)
    qtbot.waitUntil(lambda: not np.array_equal(_frame(tool.view), first), timeout=30000)
    np.testing.assert_array_equal(tool.z, codes)                  # same codes, new weights
    np.testing.assert_allclose(np.c_[panel.plot._prior.getData()],
                               panel.space.to_plane(codes), atol=1e-5)
    with qtbot.waitSignal(panel.runner.finished, timeout=5000):
        qtbot.mouseClick(panel.training.stop_btn, _left())


def test_the_plot_marks_the_morph_frame_and_the_moved_code(panel, qtbot):
    from models.latent import interpolate
    panel.tools.setCurrentWidget(panel.morph_tool)
    morph = panel.morph_tool
    morph.slider.setValue(300)
    za, zb = morph.z["a"], morph.z["b"]
    want = panel.space.to_plane(interpolate(za, zb, 0.3, False))[0]
    x, y = panel.plot._morph_at.getData()
    np.testing.assert_allclose([x[0], y[0]], want, atol=1e-5)
    assert panel.plot._morph_label.isVisible()
    assert panel.plot._morph_label.toPlainText() == "α = 0.30"

    panel.tools.setCurrentWidget(panel.attr_tool)           # the morph's marks go
    assert len(panel.plot._morph_at.getData()[0]) == 0 and not panel.plot._morph_label.isVisible()
    attr = panel.attr_tool
    attr.cls.setCurrentIndex(1)
    attr.add_class_attribute()
    attr.rows[0].slider.setValue(150)                         # α = 1.5
    base = attr.base_z
    moved = panel.space.to_plane(base + 1.5 * attr.rows[0].vector)[0]
    x, y = panel.plot._attr_at.getData()
    np.testing.assert_allclose([x[0], y[0]], moved, atol=1e-5)
    lx, ly = panel.plot._attr_line.getData()                  # the arrow starts at the base
    np.testing.assert_allclose([lx[0], ly[0]], panel.space.to_plane(base)[0], atol=1e-5)
    assert panel.plot._attr_label.isVisible()

    panel.tools.setCurrentWidget(panel.sample_tool)          # and so do the attribute's
    assert len(panel.plot._attr_at.getData()[0]) == 0 and not panel.plot._attr_label.isVisible()


def test_a_collapsed_dimension_is_named_on_its_axis(panel):
    from models.latent import PlaneProjection
    from playground.panels.autoencoder.space import LatentSpace
    assert panel.plot.axis_label("left") == "z₂"             # the pretrained VAE uses both
    s = panel.space
    z = s.latents.copy()
    z[:, 1] *= 0.002                                          # posterior collapse in z₂
    panel.space = LatentSpace(s.model, s.images, s.labels, s.classes, z, PlaneProjection.fit(z))
    panel._space_changed(autorange=True)
    left = panel.plot.axis_label("left")
    assert left.startswith("z₂ (×0.001)") and "collapsed: the encoder ignores it" in left
    assert panel.plot.plot.getAxis("left").scale == pytest.approx(1000)
    assert panel.plot.axis_label("bottom") == "z₁"
    assert panel.plot.plot.getAxis("bottom").scale == 1.0


# --------------------------------------------------------------------------- 7. manifold grid

def test_manifold_grid_decodes_the_visible_region(panel, qtbot):
    from models.latent import grid_points
    tool = panel.grid_tool
    tool.n.setValue(7)
    tool.rangeWanted.emit()
    mosaic = _frame(tool.view)
    assert mosaic.shape == (7 * 28, 7 * 28)
    xr, yr = panel.plot.visible_range()
    top_left = panel.space.model.decode(grid_points(xr, yr, 7)[:1])[0]
    np.testing.assert_allclose(mosaic[:28, :28], top_left, atol=1e-5)
    tool.n.setValue(4)
    qtbot.mouseClick(tool.btn, _left())
    assert _frame(tool.view).shape == (4 * 28, 4 * 28)


# --------------------------------------------------------------------------- 8. training

def test_a_short_training_run_adds_a_trained_model(panel, qtbot, small_folder):
    import torch
    from models.autoencoder.nets import AEConfig, build_model
    from models.trainer import state_to_numpy
    pretrained = panel.models[VAE_NAME].state_numpy()
    panel.training.set_values(_train_values(small_folder))
    assert panel.training.curves.point_count() == 0
    with qtbot.waitSignal(panel.runner.finished, timeout=60000) as done:
        qtbot.mouseClick(panel.training.train_btn, _left())
    assert done.args[0] is not None
    assert panel.training.curves.point_count() > 0
    names = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    trained = [n for n in names if "trained" in n and "pretrained" not in n]
    assert len(trained) == 1 and trained[0].startswith("VAE"), names
    assert not any("training" in n for n in names)
    assert panel.model_box.currentText() == trained[0]
    assert panel.space.model is panel.models[trained[0]]
    weights = panel.models[trained[0]].state_numpy()
    assert _weights_differ(weights, pretrained)
    torch.manual_seed(0)          # the trainer's seed: the weights it started from
    initial = state_to_numpy(build_model(AEConfig(kind="vae", arch="conv", latent_dim=2)))
    assert _weights_differ(weights, initial)
    assert all(np.isfinite(w).all() for w in weights.values())
    assert panel.training.train_btn.isEnabled()
    # the per-epoch dots are on a subset of the held-out images, and the legend says how many
    # (480 train: 100 of the 120 held out); the model's recorded figure says the same
    from models.autoencoder.training import TrainConfig, epoch_test_size
    n = epoch_test_size(TrainConfig(), 480, 120)
    curves = panel.training.curves

    def test_labels():
        return [label.text for chart in curves.charts for _s, label in chart.legend.items
                if label.text.startswith("test")]
    assert n < 120 and test_labels() == [f"test ({n:,})"] * 2
    assert curves.caption.text().endswith(f"dots: test loss on {n:,} held-out images")
    assert f"first {n:,} held-out images" in curves.top.toolTip()
    assert panel.models[trained[0]].meta["metrics_scope"] == f"per-epoch test loss on {n:,} held-out images"
    panel.model_box.setCurrentText(AE_NAME)           # a shipped model: no run, no count
    assert test_labels() == ["test"] * 2 and "dots" not in curves.caption.text()
    panel.model_box.setCurrentText(trained[0])         # its run again, with its count
    assert test_labels() == [f"test ({n:,})"] * 2
    assert curves.caption.text() == f"Training curves of {trained[0]} · dots: test loss on " \
        f"{n:,} held-out images"


def _start_long_run(panel, qtbot, folder, min_points: int = 3):
    panel.training.set_values(_train_values(folder, epochs=50))
    qtbot.mouseClick(panel.training.train_btn, _left())
    assert panel.runner.busy
    qtbot.waitUntil(lambda: panel.training.curves.point_count() > min_points, timeout=30000)


def test_stop_ends_the_job_quickly_and_keeps_the_weights(panel, qtbot, small_folder):
    _start_long_run(panel, qtbot, small_folder)
    assert not panel.training.train_btn.isEnabled() and panel.training.stop_btn.isEnabled()
    with qtbot.waitSignal(panel.runner.finished, timeout=2000) as done:
        qtbot.mouseClick(panel.training.stop_btn, _left())
    assert done.args[0] is None
    names = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    stopped = [n for n in names if "stopped" in n]
    assert len(stopped) == 1 and stopped[0].startswith("VAE"), names
    assert panel.active_name() == stopped[0]
    assert not any("training" in n for n in names)
    weights = panel.models[stopped[0]].state_numpy()
    assert all(np.isfinite(w).all() for w in weights.values())
    assert panel.models[stopped[0]].meta["stopped_early"] is True
    assert panel.training.train_btn.isEnabled()
    assert not panel.training.stop_btn.isEnabled()


def test_latent_codes_redraw_the_scatter_under_their_snapshots_weights(panel, qtbot, small_folder):
    """The job yields a Snapshot (weights) and then LatentCodes (the held-out codes under
    them); the runner may deliver the two in separate batches. The weights go into the
    training model at once, the scatter is redrawn when the codes come."""
    from models.events import LatentCodes, Snapshot
    _start_long_run(panel, qtbot, small_folder)
    with qtbot.waitSignal(panel.runner.stateChanged, timeout=5000,
                          check_params_cb=lambda s: s == "paused"):
        qtbot.mouseClick(panel.training.pause_btn, _left())
    model = panel.models[panel._training_name]
    qtbot.waitUntil(lambda: panel.space is not None and panel.space.model is model, timeout=5000)
    before = panel.space.latents.copy()
    weights = {k: v + 0.01 for k, v in model.state_numpy().items()}
    panel._on_events([Snapshot(10**6, weights)])
    assert all(np.array_equal(model.state_numpy()[k], v) for k, v in weights.items())
    np.testing.assert_array_equal(panel.space.latents, before)       # no codes yet
    codes = before[::-1] + 1.0
    panel._on_events([LatentCodes(10**6, codes, panel._job_data.labels[:len(codes)])])
    assert panel.space.model is model
    np.testing.assert_array_equal(panel.space.latents, codes)
    np.testing.assert_allclose(panel.plot.points(), panel.space.plane, atol=1e-6)   # redrawn
    with qtbot.waitSignal(panel.runner.finished, timeout=5000):
        qtbot.mouseClick(panel.training.stop_btn, _left())


def test_pause_and_resume(panel, qtbot, small_folder):
    _start_long_run(panel, qtbot, small_folder)
    states = []
    panel.runner.stateChanged.connect(states.append)
    with qtbot.waitSignal(panel.runner.stateChanged, timeout=5000,
                          check_params_cb=lambda s: s == "paused"):
        qtbot.mouseClick(panel.training.pause_btn, _left())
    assert panel.runner.paused
    assert panel.training.pause_btn.text() == "Resume"
    # the job is parked at a yield: wait until every step it finished has reached the curve
    trainer = panel._trainer
    qtbot.waitUntil(lambda: panel.training.curves.last_step() == trainer.steps_done, timeout=2000)
    paused_at, steps_at = panel.training.curves.point_count(), trainer.steps_done
    qtbot.wait(300)
    assert panel.training.curves.point_count() == paused_at
    assert trainer.steps_done == steps_at
    with qtbot.waitSignal(panel.runner.stateChanged, timeout=5000,
                          check_params_cb=lambda s: s == "running"):
        qtbot.mouseClick(panel.training.pause_btn, _left())
    assert panel.training.pause_btn.text() == "Pause"
    qtbot.waitUntil(lambda: panel.training.curves.point_count() > paused_at, timeout=10000)
    with qtbot.waitSignal(panel.runner.finished, timeout=2000) as done:
        qtbot.mouseClick(panel.training.stop_btn, _left())
    assert done.args[0] is None
    # the click says "pausing" at once; the job reports "paused" when it parks at a yield
    assert states[:3] == ["pausing", "paused", "running"] and states[-1] == "idle"


@pytest.fixture
def slow_loading(monkeypatch):
    """Loading the dataset takes a second (as a first load from disk can), on the job's thread."""
    import threading
    import time

    import models.trainer
    real, threads = models.trainer.load_dataset, []

    def slow(*args, **kwargs):
        threads.append(threading.current_thread())
        time.sleep(1.0)
        return real(*args, **kwargs)
    monkeypatch.setattr(models.trainer, "load_dataset", slow)
    return threads


def test_pause_clicks_while_the_dataset_loads_are_not_lost(panel, qtbot, small_folder, slow_loading):
    """Reported: clicks made while the job loaded its data left it silently paused at
    "Loading …": Pause then Resume both paused it, as neither had taken effect yet."""
    import threading
    panel.training.set_values(_train_values(small_folder, epochs=50))
    qtbot.mouseClick(panel.training.train_btn, _left())
    qtbot.waitUntil(lambda: bool(slow_loading), timeout=10000)      # the job is loading now
    assert slow_loading[0] is not threading.main_thread()
    qtbot.mouseClick(panel.training.pause_btn, _left())             # Pause …
    assert panel.training.pause_btn.text() == "Resume"              # … shows at once
    qtbot.mouseClick(panel.training.pause_btn, _left())             # … and is taken back
    assert panel.training.pause_btn.text() == "Pause"
    qtbot.waitUntil(lambda: panel.training.curves.point_count() > 3, timeout=30000)
    assert not panel.runner.paused
    with qtbot.waitSignal(panel.runner.finished, timeout=5000) as done:
        qtbot.mouseClick(panel.training.stop_btn, _left())
    assert done.args[0] is None


def test_pause_and_stop_while_the_dataset_loads_act(panel, qtbot, small_folder, slow_loading):
    panel.training.set_values(_train_values(small_folder, epochs=50))
    qtbot.mouseClick(panel.training.train_btn, _left())
    qtbot.waitUntil(lambda: bool(slow_loading), timeout=10000)
    with qtbot.waitSignal(panel.runner.stateChanged, timeout=10000,
                          check_params_cb=lambda s: s == "paused"):
        qtbot.mouseClick(panel.training.pause_btn, _left())          # takes effect once loaded
    assert panel.training.pause_btn.text() == "Resume"
    assert panel.training.curves.point_count() == 0                  # parked before any step
    with qtbot.waitSignal(panel.runner.finished, timeout=5000) as done:
        qtbot.mouseClick(panel.training.stop_btn, _left())
    assert done.args[0] is None
    assert panel.training.train_btn.isEnabled()
    names = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    assert names == PRETRAINED_NAMES                                  # no untrained entry left
    # Stop while loading: the job ends as soon as the data is in, without training
    slow_loading.clear()
    qtbot.mouseClick(panel.training.train_btn, _left())
    qtbot.waitUntil(lambda: bool(slow_loading), timeout=10000)
    with qtbot.waitSignal(panel.runner.finished, timeout=10000) as done:
        qtbot.mouseClick(panel.training.stop_btn, _left())
    assert done.args[0] is None and panel.training.curves.point_count() == 0


# --------------------------------------------------------------------------- 11. errors

def test_missing_shipped_models_are_listed_and_explained_like_every_panels(
        qtbot, tmp_path, monkeypatch, messages):
    """The one ModelSource: a shipped checkpoint that is missing stays in the list as
    "not available" and a banner says why and what to do, as in the other panels; nothing
    is raised, and a checkpoint opened from disk is shown."""
    from playground.panels.autoencoder import source
    from playground.panels.autoencoder.panel import AutoencoderPanel
    monkeypatch.setattr(source, "CHECKPOINTS", tmp_path / "none")
    panel = AutoencoderPanel(device="cpu")
    qtbot.addWidget(panel)
    panel.resize(1400, 860)
    panel.show()
    qtbot.waitExposed(panel)
    names = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    assert names == [n + " (not available)" for n in BASE_NAMES]
    assert panel.banner.isVisible() and "not available" in panel.banner.text()
    assert panel.space is None and not panel.save_btn.isEnabled()
    for button in (panel.sample_tool.draw_btn, panel.grid_tool.btn, panel.compare_btn,
                   panel.compare_btn):      # with no model they do nothing, and raise nothing
        qtbot.mouseClick(button, _left())
    assert panel.open_checkpoint(str(source.ROOT / "checkpoints" / "mnist-ae-2d")) is True
    assert not panel.banner.isVisible() and panel.save_btn.isEnabled()
    assert panel.space.model is panel.current_model() and "AE" in panel.info.text()
    assert messages == []
    assert panel.shutdown()



def test_errors_become_messages(panel, qtbot, tmp_path, messages):
    missing = tmp_path / "no-such-folder"
    panel.training.set_values(_train_values(missing))
    with qtbot.waitSignal(panel.runner.failed, timeout=10000):
        panel.start_training()
    assert len(messages) == 1
    kind, _, text = messages[0]
    assert kind == "warning" and str(missing) in text
    names = [panel.model_box.itemText(i) for i in range(panel.model_box.count())]
    assert names == PRETRAINED_NAMES
    assert panel.training.train_btn.isEnabled()

    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(os.urandom(300))
    messages.clear()
    assert panel.open_checkpoint(str(garbage)) is False
    assert len(messages) == 1 and messages[0][0] == "warning" and str(garbage) in messages[0][2]
    assert [panel.model_box.itemText(i) for i in range(panel.model_box.count())] == PRETRAINED_NAMES
    assert panel.active_name() == VAE_NAME

    messages.clear()
    ck = tmp_path / "ck"
    assert panel.save_checkpoint(str(ck)) is True
    assert (ck / "model.safetensors").is_file() and (ck / "config.json").is_file()
    assert panel.open_checkpoint(str(ck)) is True
    assert messages == []
    assert panel.model_box.currentText() == "Opened · ck"      # as every panel names it
    opened = panel.current_model()
    z = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    np.testing.assert_array_equal(opened.decode(z), panel.models[VAE_NAME].decode(z))
    assert panel.space.model is opened
    assert not list(tmp_path.rglob("*.tmp"))


# --------------------------------------------------------------------------- 12. closing mid-run

CLOSE_SCRIPT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication
    from playground.main_window import MainWindow

    app = QApplication(sys.argv)
    window = MainWindow(device="cpu")
    window.show()
    panel = window.autoencoder
    panel.training.set_values({"dataset": sys.argv[1], "epochs": 50, "batch_size": 64})
    panel.start_training()
    assert panel.runner.busy

    def close():
        if panel.training.curves.point_count() == 0:   # still loading: close once it trains
            QTimer.singleShot(100, close)
            return
        print("steps shown:", panel.training.curves.point_count(), flush=True)
        print("busy at close:", panel.runner.busy, flush=True)
        window.close()
        # close() must have stopped the job and waited for its thread
        print("threads after close:", QThreadPool.globalInstance().activeThreadCount(), flush=True)
        app.quit()

    QTimer.singleShot(1500, close)
    sys.exit(app.exec())
""")


def test_closing_the_window_mid_training_exits_cleanly(tmp_path, small_folder, settings_file):
    script = tmp_path / "close_mid_training.py"
    script.write_text(CLOSE_SCRIPT)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PLAYGROUND_SETTINGS=str(settings_file),
               PLAYGROUND_DATA=os.environ["PLAYGROUND_DATA"])
    env.pop("PYTHONSTARTUP", None)
    proc = subprocess.run([sys.executable, str(script), str(small_folder)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    shown = [int(line.split(":")[1]) for line in proc.stdout.splitlines() if line.startswith("steps shown:")]
    assert shown and 0 < shown[0] < 50 * 8, proc.stdout       # closed while the job was training
    assert "busy at close: True" in proc.stdout
    assert "threads after close: 0" in proc.stdout, proc.stdout
    assert "QThread: Destroyed" not in proc.stderr and "QThread destroyed" not in proc.stderr
    for bad in ("Traceback", "RuntimeError", "RuntimeWarning", "Segmentation fault"):
        assert bad not in proc.stderr, proc.stderr
    assert not list(tmp_path.rglob("*.tmp"))
    assert settings_file.is_file()     # the window saved its geometry on the way out


EXIT_SCRIPT = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QTimer
    from playground.app import exec_and_exit, start_app

    app, window, collector = start_app("cpu")
    panel = window.autoencoder
    panel.training.set_values({"dataset": sys.argv[1], "epochs": 50, "batch_size": 64})
    panel.start_training()

    def close():
        if panel.training.curves.point_count() < 3:     # close once it really trains
            QTimer.singleShot(50, close)
            return
        print("busy at close:", panel.runner.busy, flush=True)
        print("CLOSING", flush=True)
        window.close()

    QTimer.singleShot(200, close)
    exec_and_exit(app, collector)
""")


def test_the_app_exits_promptly_after_closing_mid_training(tmp_path, small_folder, settings_file):
    """Reported: closing the window after training took 7–15 s to exit (most of it the
    interpreter's teardown). The app's own start and exit path, in a subprocess; the time is
    printed, not asserted (benchmarks/close_time.py measures it against the 2 s target)."""
    import time
    script = tmp_path / "exit_after_training.py"
    script.write_text(EXIT_SCRIPT)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PLAYGROUND_SETTINGS=str(settings_file),
               PLAYGROUND_DATA=os.environ["PLAYGROUND_DATA"])
    env.pop("PYTHONSTARTUP", None)
    proc = subprocess.Popen([sys.executable, str(script), str(small_folder)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    closing, lines = None, []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("CLOSING"):
            closing = time.perf_counter()
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the app did not exit within 120 s of closing its window")
    err = proc.stderr.read()
    assert proc.returncode == 0, err
    assert closing is not None and "busy at close: True\n" in lines, "".join(lines) + err
    print(f"exited {time.perf_counter() - closing:.2f} s after the window was closed")
    for bad in ("Traceback", "QThread: Destroyed", "Segmentation fault"):
        assert bad not in err, err
    from PySide6.QtCore import QSettings
    assert QSettings(str(settings_file), QSettings.Format.IniFormat).value("window/geometry") is not None


# --------------------------------------------------------------------------- 13. settings

def test_hyperparameters_persist_when_train_is_pressed(make_window, qtbot, small_folder):
    from playground import settings as app_settings
    first = make_window()
    defaults = first.autoencoder.training.values()
    wanted = _train_values(small_folder, kind="ae", arch="mlp", latent_dim=3, lr=0.003,
                           batch_size=40, epochs=7, beta=1.0)
    assert all(defaults[k] != wanted[k] for k in ("kind", "arch", "latent_dim", "lr", "batch_size",
                                                   "epochs", "dataset"))
    first.autoencoder.training.set_values(wanted)
    assert {k: first.autoencoder.training.values()[k] for k in wanted} == wanted
    assert app_settings.get_json("autoencoder/hyperparameters", None) is None   # not saved yet
    qtbot.mouseClick(first.autoencoder.training.train_btn, _left())
    assert first.autoencoder.runner.busy
    first.close()
    qtbot.waitUntil(lambda: not first.autoencoder.runner.busy, timeout=5000)

    second = make_window()
    assert {k: second.autoencoder.training.values()[k] for k in wanted} == wanted
