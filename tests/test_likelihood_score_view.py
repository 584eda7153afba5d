"""The Score tab, driven with real mouse and keys: a drawn stroke's readout is the model's
log_prob, the heat map is its pixel_nll, loaded files follow the rule, and the VAE beside it
gives bounds in the right order (computed off the GUI thread), or says why it cannot.

Models here are tiny random NADEs (the shipped NADE and PixelCNN may not exist); the VAE is
the shipped checkpoints/mnist-vae-2d."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from gui_helpers import drag_move
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from models.likelihood.api import NADEModel, bits_per_dim
from models.likelihood.binarize import image_to_binary
from models.likelihood.nade import NADEConfig

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_shipped_models(tmp_path, monkeypatch):
    """Whether or not the shipped NADE and PixelCNN exist, these tests bring their own."""
    monkeypatch.setattr("playground.panels.likelihood.source.CHECKPOINTS",
                        tmp_path / "no-checkpoints")


def _nade(seed: int = 0, size: int = 28, hidden: int = 16) -> NADEModel:
    """A random NADE whose conditionals differ from pixel to pixel (not all ½)."""
    torch.manual_seed(seed)
    model = NADEModel(NADEConfig(size=size, hidden=hidden), {})
    with torch.no_grad():
        model.module.W.normal_(0, 0.5)
        model.module.V.normal_(0, 1.0)
        model.module.b.normal_(-1.0, 1.0)
    return model


def _make_view(qtbot, model=None):
    from playground.panels.likelihood.score_view import ScoreView
    from playground.panels.likelihood.source import ModelBar
    source = ModelBar()
    qtbot.addWidget(source)
    if model is not None:
        source.add_model("test", "Test", model)
    view = ScoreView(source, device="cpu")
    qtbot.addWidget(view)
    view.resize(1200, 650)
    view.show()
    qtbot.waitExposed(view)
    return view


def _close(qtbot, view):
    view.shutdown()
    qtbot.waitUntil(lambda: not view.vae.runner.busy, timeout=10_000)


@pytest.fixture
def view(qtbot, messages, one_torch_thread):
    v = _make_view(qtbot, _nade())
    yield v
    _close(qtbot, v)


def _centre(canvas, row: int, col: int) -> QPoint:
    r = canvas.picture_rect()
    cell = r.width() / canvas.size_px
    return QPoint(int(r.left() + (col + 0.5) * cell), int(r.top() + (row + 0.5) * cell))


def _stroke(qtbot, canvas, cells, button=Qt.MouseButton.LeftButton):
    """Press on the first cell, drag through the rest, release: one real stroke."""
    qtbot.mousePress(canvas, button, pos=_centre(canvas, *cells[0]))
    for cell in cells[1:]:
        drag_move(canvas, _centre(canvas, *cell))
    qtbot.mouseRelease(canvas, button, pos=_centre(canvas, *cells[-1]))


def _hover(widget, pos: QPoint) -> None:
    ev = QMouseEvent(QMouseEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                     Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


# ---------------------------------------------------------------------- the exact score
def test_a_drawn_stroke_is_scored_with_the_models_log_prob(qtbot, view):
    model = view.model
    view.clear()
    _stroke(qtbot, view.canvas, [(10, c) for c in range(6, 20)])
    image = view.image()
    assert image[10, 6:20].all() and image.sum() >= 14          # ink where the mouse went
    expected = float(model.log_prob(image)[0])
    assert view.log_p == pytest.approx(expected, rel=1e-9)
    assert f"{expected:.2f}" in view.logp_label.text()
    bpd = float(bits_per_dim(-expected, 784))
    assert bpd == pytest.approx(-expected / (784 * math.log(2)))
    assert f"{bpd:.4f} bits/dim" in view.bpd_label.text()
    # erasing with the right button is a stroke too
    _stroke(qtbot, view.canvas, [(10, 8), (10, 9)], Qt.MouseButton.RightButton)
    assert not view.image()[10, 8:10].any()
    assert view.log_p == pytest.approx(float(model.log_prob(view.image())[0]), rel=1e-9)


def test_the_heat_map_is_pixel_nll(qtbot, view):
    from playground.panels.likelihood.score_parts import heat_rgba
    view.set_digit(7)
    nll = view.model.pixel_nll(view.image())[0]
    np.testing.assert_allclose(view.surprise, nll, rtol=1e-6)
    assert -nll.astype(np.float64).sum() == pytest.approx(view.log_p)
    np.testing.assert_array_equal(view.heat._overlay, heat_rgba(nll, 5.0))
    # brighter = more surprised: the most surprising pixel has the brightest colour
    lum = view.heat._overlay[..., :3].astype(int).sum(-1)
    assert lum.flat[np.argmax(np.minimum(nll, 5))] == lum.max()
    view.scale.setCurrentIndex(view.scale.findData("auto"))
    np.testing.assert_array_equal(view.heat._overlay, heat_rgba(nll, float(nll.max())))


def test_scores_update_while_the_stroke_is_drawn(qtbot, view):
    view.clear()
    canvas = view.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=_centre(canvas, 5, 5))
    for c in range(6, 12):
        drag_move(canvas, _centre(canvas, 5, c))
    live = canvas.image()
    qtbot.waitUntil(lambda: view.log_p == pytest.approx(float(view.model.log_prob(live)[0])))
    assert not np.array_equal(live, view._committed)                 # the stroke is not over
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=_centre(canvas, 5, 11))
    np.testing.assert_array_equal(view._committed, live)


def test_hovering_a_pixel_shows_its_surprise(qtbot, view):
    view.set_digit(3)
    r, c = 14, 13
    _hover(view.heat, _centre(view.heat, r, c))
    nll = float(view.surprise[r, c])
    x = int(view.image()[r, c])
    text = view.hover_label.text()
    assert f"row {r}, column {c}" in text and f"{nll:.3f}" in text and f"x = {x}" in text
    assert f"{math.exp(-nll):.3g}" in text
    assert view.canvas._marker == (r, c)                  # the same pixel marked on the image
    _hover(view.canvas, _centre(view.canvas, 2, 20))
    assert "row 2, column 20" in view.heat.toolTip() and view.heat._marker == (2, 20)


def test_a_new_model_rescores_and_no_model_says_so(qtbot, messages, one_torch_thread):
    v = _make_view(qtbot)
    try:
        assert v.model is None and v.log_p is None
        assert "No model" in v.model_label.text() and "no model" in v.bpd_label.text()
        assert "No model" in v.heat.placeholder               # not a map of zero surprise
        other = _nade(seed=5)
        v.source.add_model("other", "Other", other)
        assert v.model is other and not v.heat.placeholder
        assert v.log_p == pytest.approx(float(other.log_prob(v.image())[0]))
    finally:
        _close(qtbot, v)


def test_a_model_of_another_size_gets_the_image_resized(qtbot, view):
    small = _nade(seed=2, size=14, hidden=8)
    view.set_digit(11)
    view.source.add_model("small", "Small", small)
    assert view.canvas.size_px == 14 and view.image().shape == (14, 14)
    assert view.log_p == pytest.approx(float(small.log_prob(view.image())[0]))
    assert "28×28" in view.vae.status.text()                       # the VAE cannot score it
    view.undo()                                                      # history came along
    assert view.image().shape == (14, 14)


# ---------------------------------------------------------------------- the image's sources
def test_buttons_and_keys_change_the_image(qtbot, view):
    from playground.panels.likelihood.digits import held_out_digits
    digits, labels = held_out_digits()
    view.index.setValue(5)
    np.testing.assert_array_equal(view.image(), digits[5])
    assert f"#5, a {int(labels[5])}" in view.origin_label.text()
    qtbot.mouseClick(view.random_btn, Qt.MouseButton.LeftButton)
    assert view.index.value() != 5
    np.testing.assert_array_equal(view.image(), digits[view.index.value()])
    before = view.image()
    qtbot.mouseClick(view.invert_btn, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(view.image(), 1 - before)
    assert view.log_p == pytest.approx(float(view.model.log_prob(1 - before)[0]))
    view.activateWindow()               # the keys are window shortcuts: the window must be active
    qtbot.waitUntil(view.isActiveWindow, timeout=2000)
    view.canvas.setFocus()
    # a button's shortcut clicks it the way animateClick does, after a short delay
    qtbot.keyClick(view.canvas, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not view.image().any())
    qtbot.keyClick(view.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: np.array_equal(view.image(), 1 - before))
    qtbot.mouseClick(view.undo_btn, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(view.image(), before)
    qtbot.mouseClick(view.redo_btn, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(view.image(), 1 - before)
    assert view.log_p == pytest.approx(float(view.model.log_prob(1 - before)[0]))
    qtbot.keyClick(view.canvas, Qt.Key.Key_BracketRight)
    assert view.brush.value() == 3 and view.canvas.brush == 3


def test_loading_a_file_follows_the_rule(qtbot, view, tmp_path, monkeypatch, messages):
    path = tmp_path / "mine.png"
    a = np.full((80, 100), 240, np.uint8)                 # dark ink on light paper, 100×80
    a[20:60, 45:55] = 10
    Image.fromarray(a).save(path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kw: (str(path), ""))
    qtbot.mouseClick(view.load_btn, Qt.MouseButton.LeftButton)
    expected = image_to_binary(path).pixels
    np.testing.assert_array_equal(view.image(), expected)
    assert "converted: 100×80 L → 28×28 binary, inverted" in view.origin_label.text()
    assert view.log_p == pytest.approx(float(view.model.log_prob(expected)[0]))
    # a file the rule refuses: a dialog says why, and the image stays
    bad = tmp_path / "broken.png"
    bad.write_bytes(path.read_bytes()[:50])
    assert not view.open_image(str(bad))
    assert messages and "corrupt" in messages[-1][2]
    np.testing.assert_array_equal(view.image(), expected)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert not view.open_image(str(empty))
    assert "empty" in messages[-1][2]


def test_export_writes_the_image_and_its_map(qtbot, view, tmp_path):
    from playground.panels.likelihood.score_parts import heat_rgba
    view.set_digit(2)
    path = tmp_path / "score.png"
    assert view.export_png(str(path))
    saved = np.asarray(Image.open(path).convert("RGB"))
    assert saved.shape == (280, 570, 3)
    small = saved[::10, ::10]
    np.testing.assert_array_equal(small[:, :28, 0] > 127, view.image() > 0.5)
    np.testing.assert_array_equal(small[:, 29:], heat_rgba(view.surprise, 5.0)[..., :3])


def test_choices_are_remembered(qtbot, messages, one_torch_thread):
    v = _make_view(qtbot, _nade())
    v.index.setValue(42)
    v.vae.k_box.setCurrentIndex(v.vae.k_box.findData(10))
    v.brush.setValue(4)
    v.scale.setCurrentIndex(v.scale.findData("2"))
    _close(qtbot, v)
    w = _make_view(qtbot, _nade())
    try:
        assert (w.index.value(), w.vae.k, w.brush.value(), w.canvas.brush,
                w.scale.currentData()) == (42, 10, 4, 4, "2")
    finally:
        _close(qtbot, w)


# ---------------------------------------------------------------------- the VAE
def test_the_vae_box_bounds_the_same_image(qtbot, view):
    from models.likelihood.vae_bounds import vae_bounds
    view.set_digit(9)
    qtbot.waitUntil(lambda: view.vae.result is not None and view.vae.result.k == view.vae.k)
    shown = view.vae.result
    again = vae_bounds(view.vae.model, view.image(), view.vae.k)   # seeded: the same figures
    assert float(shown.elbo[0]) == pytest.approx(float(again.elbo[0]))
    assert float(shown.iwae[0]) == pytest.approx(float(again.iwae[0]))
    assert f"{float(shown.elbo[0]):.2f}" in view.vae.elbo_label.text()
    assert f"{float(shown.iwae[0]):.2f}" in view.vae.iwae_label.text()
    # another k: recomputed, and both stay listed for this image
    view.vae.k_box.setCurrentIndex(view.vae.k_box.findData(10))
    qtbot.waitUntil(lambda: view.vae.result is not None and view.vae.result.k == 10)
    assert set(view.vae.done) == {10, shown.k} and "L<sub>10</sub>" in view.vae.table.text()
    # a stroke starts a new computation for the new image
    _stroke(qtbot, view.canvas, [(3, 3), (3, 4)])
    qtbot.waitUntil(lambda: view.vae.result is not None)
    assert float(view.vae.result.elbo[0]) == pytest.approx(
        float(vae_bounds(view.vae.model, view.image(), 10).elbo[0]))


def test_a_missing_or_broken_vae_is_said_and_the_rest_works(qtbot, messages, monkeypatch,
                                                           tmp_path, one_torch_thread):
    broken = tmp_path / "broken-vae"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    for folder in (tmp_path / "missing", broken):
        monkeypatch.setattr("playground.panels.likelihood.score_parts.VAE_DIR", folder)
        v = _make_view(qtbot, _nade())
        try:
            assert v.vae.model is None and "No VAE" in v.vae.status.text()
            assert not v.vae.k_box.isEnabled() and not v.vae.runner.busy
            v.set_digit(4)
            assert v.log_p == pytest.approx(float(v.model.log_prob(v.image())[0]))
        finally:
            _close(qtbot, v)


def test_the_shipped_vaes_bounds_are_ordered_on_average(held_out_digits):
    from models import load_checkpoint
    from models.likelihood.binarize import binarize_fixed
    from models.likelihood.vae_bounds import vae_bounds
    from playground.panels.likelihood.score_parts import VAE_DIR
    torch.set_num_threads(1)
    vae = load_checkpoint(VAE_DIR)
    x = binarize_fixed(held_out_digits.images[:4])
    means = {}
    for k in (1, 10, 100, 1000):
        b = vae_bounds(vae, x, k, draws=1000, elbo_samples=200)
        means[k] = float(b.iwae.mean())
        elbo = float(b.elbo.mean())
    assert elbo - 1.0 <= means[1] <= elbo + 1.0                  # L_1 is the ELBO, on average
    assert elbo <= means[10] <= means[100] <= means[1000] < 0
    # a binary 28×28 image: a log-probability below that of pure chance is not a bound at all
    assert means[1000] > -784 * math.log(2)


def test_the_vae_refuses_what_it_cannot_bound():
    from models.autoencoder.api import AutoencoderModel
    from models.autoencoder.nets import AEConfig
    from models.likelihood.vae_bounds import vae_bounds
    vae = AutoencoderModel(AEConfig(kind="vae", arch="mlp", latent_dim=2, hidden=8))
    with pytest.raises(ValueError, match="binary"):
        vae_bounds(vae, np.full((28, 28), 0.5), 1)
    with pytest.raises(ValueError, match="28×28"):
        vae_bounds(vae, np.zeros((14, 14)), 1)
    with pytest.raises(ValueError, match="k must be"):
        vae_bounds(vae, np.zeros((28, 28)), 0)
    ae = AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=8))
    with pytest.raises(ValueError, match="plain autoencoder"):
        vae_bounds(ae, np.zeros((28, 28)), 1)


# ---------------------------------------------------------------------- help
def test_the_help_pages_and_their_worked_example():
    from playground.help.likelihood_score import EXAMPLE_BITS, EXAMPLE_NATS, PAGES
    assert [p.key for p in PAGES] == ["likelihood-score", "likelihood-counting"]
    assert float(bits_per_dim(EXAMPLE_NATS, 784)) == pytest.approx(EXAMPLE_BITS, abs=5e-5)
    assert 784 * math.log(2) == pytest.approx(543.4, abs=0.05)
    score = PAGES[0].body
    for needed in ("bits/dim", "ELBO", "L<sub>k</sub>", "Threshold", "inverted"):
        assert needed in score
