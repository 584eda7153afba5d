"""The Translation panel's Super-resolution view, with tiny SR models saved to a temporary
checkpoints folder (channels 4, no residual blocks: milliseconds a picture)."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PIL import Image  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from models.translation import quality  # noqa: E402
from models.translation.api import SRModel, bicubic_upscale  # noqa: E402
from models.translation.srgan import SRConfig  # noqa: E402
from models.translation.superres import HELD_OUT_OFFSET, downscale, landscape_photos  # noqa: E402

pytestmark = pytest.mark.gui

OUTPUTS = ("Bicubic", "SRResNet", "SRGAN")


def tiny(folder, mode: str, seed: int) -> None:
    import torch
    torch.manual_seed(seed)
    SRModel(SRConfig(channels=4, blocks=0)).save(folder, training={"mode": mode})


@pytest.fixture
def checkpoints(tmp_path, monkeypatch):
    folder = tmp_path / "checkpoints"
    tiny(folder / "landscapes-srresnet", "mse", 1)
    tiny(folder / "landscapes-srgan", "gan", 2)
    monkeypatch.setattr("playground.panels.translation.superres_view.CHECKPOINTS", folder)
    return folder


def settle(qtbot, view, names=OUTPUTS) -> None:
    """Wait until the newest request has delivered every output it will."""
    qtbot.waitUntil(lambda: not view.busy and set(view.outputs) == set(names))


@pytest.fixture
def make_view(qtbot, messages):
    from playground.panels.translation.superres_view import SuperResView
    views = []

    def make(names=OUTPUTS):
        v = SuperResView(device="cpu")
        qtbot.addWidget(v)
        v.resize(1200, 520)
        v.show()
        qtbot.waitExposed(v)
        v.activateWindow()
        settle(qtbot, v, names)
        views.append(v)
        return v
    yield make
    for v in views:
        assert v.shutdown()


@pytest.fixture
def view(make_view, checkpoints):
    return make_view()


def wheel(widget, pos: QPointF, notches: float) -> None:
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                     QPoint(0, int(120 * notches)), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


# ---------------------------------------------------------------------- what is shown
def test_a_held_out_landscape_and_the_panes_show_upscales_outputs(view):
    truth = landscape_photos(1, 128, HELD_OUT_OFFSET + 0)
    low = downscale(truth, 4)[0]
    assert np.array_equal(view.low.image, low) and np.array_equal(view.low.truth, truth[0])
    assert np.array_equal(view.input_pane.array, low)
    assert np.array_equal(view.truth_pane.array, truth[0]) and view.truth_pane.isVisible()
    assert np.array_equal(view.panes["Bicubic"].array, bicubic_upscale(low, 4))
    for kind in ("SRResNet", "SRGAN"):
        want = view.models[kind].upscale(low)
        assert want.shape == (128, 128, 3)
        assert np.array_equal(view.panes[kind].array, want)
    # the two tiny models differ, so a swap of panes would show
    assert not np.array_equal(view.panes["SRResNet"].array, view.panes["SRGAN"].array)
    assert view.models["SRGAN"].kind == "SRGAN" and view.models["SRResNet"].kind == "SRResNet"


def test_the_figures_are_quality_pys(view):
    truth = view.low.truth
    for name in OUTPUTS:
        out = view.panes[name].array
        got = view.numbers[name]
        assert got["psnr"] == pytest.approx(quality.psnr(out, truth))
        assert got["ssim"] == pytest.approx(quality.ssim(out, truth))
        assert got["sharpness"] == pytest.approx(quality.sharpness(out))
        lines = view.panes[name].figures
        assert lines[0] == f"PSNR {got['psnr']:.2f} dB" and lines[1] == f"SSIM {got['ssim']:.3f}"
        assert lines[2].startswith(f"sharpness {got['sharpness']:,.0f} · ")
    assert view.panes["Bicubic"].busy is False


# ---------------------------------------------------------------------- zoom
def test_zooming_one_pane_zooms_all_of_them_the_same(view, qtbot):
    full = view.zoom.full
    assert full.width() == 128 and view.panes["SRGAN"].view_rect() == full
    pane = view.panes["SRGAN"]
    t = pane.target_rect()
    at = QPointF(t.x() + t.width() * 0.25, t.y() + t.height() * 0.75)
    before = pane.to_hr(at)
    wheel(pane, at, 2)
    rects = {name: p.view_rect() for name, p in view.panes.items()}
    rects["truth"], rects["input"] = view.truth_pane.view_rect(), view.input_pane.view_rect()
    first = rects["SRGAN"]
    assert first.width() == pytest.approx(128 / 1.25 ** 2)
    assert all(r == first for r in rects.values())
    # the point under the cursor stays under it
    after = pane.to_hr(at)
    assert (after.x(), after.y()) == pytest.approx((before.x(), before.y()))
    # the input pane shows the same region at its own scale (a quarter)
    src = view.input_pane.source_rect()
    assert (src.x(), src.y(), src.width()) == pytest.approx(
        (first.x() / 4, first.y() / 4, first.width() / 4))
    assert view.panes["Bicubic"].source_rect() == first
    # a drag on another pane pans every pane
    other = view.panes["Bicubic"]
    start = other.target_rect().center().toPoint()
    qtbot.mousePress(other, Qt.MouseButton.LeftButton, pos=start)
    from gui_helpers import drag_move
    drag_move(other, start + QPoint(-30, 0))
    qtbot.mouseRelease(other, Qt.MouseButton.LeftButton, pos=start + QPoint(-30, 0))
    moved = view.truth_pane.view_rect()
    assert moved.x() > first.x() and moved.width() == pytest.approx(first.width())
    assert all(p.view_rect() == moved for p in view.panes.values())
    assert view.zoom_label.text() == "1.6×"


def test_fit_and_the_zoom_keys(view, qtbot):
    full = view.zoom.full
    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom.rect.width() == pytest.approx(128 / 1.25)
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom.rect.width() == pytest.approx(128 / 1.25 ** 2)
    assert view.zoom.rect.center() == full.center()            # the keys zoom on the centre
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom.rect.width() == pytest.approx(128 / 1.25)
    qtbot.mouseClick(view.fit_btn, Qt.MouseButton.LeftButton)
    assert view.zoom.rect == full and not view.fit_btn.isEnabled()
    for _ in range(40):                                          # as close as it goes
        view.zoom_in_btn.click()
    assert view.zoom.rect.width() == pytest.approx(4)
    assert view.panes["SRGAN"].screen_scale() > 2                # pixels drawn as squares
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.panes["SRGAN"].view_rect() == full
    view.zoom.zoom_by(0.2)                                       # never further out than all
    assert view.zoom.rect == full


def test_a_new_input_of_another_size_starts_fitted(view, qtbot, tmp_path):
    view.zoom.zoom_by(3)
    path = tmp_path / "odd.png"
    Image.fromarray(np.full((9, 13, 3), 90, np.uint8)).save(path)
    assert view.open_image(str(path))
    settle(qtbot, view)
    assert view.zoom.full.width() == 52 and view.zoom.full.height() == 36
    assert view.zoom.rect == view.zoom.full
    assert view.panes["SRGAN"].array.shape == (36, 52, 3)


# ---------------------------------------------------------------------- inputs
def test_random_picks_a_held_out_seed_and_is_remembered(view, qtbot, monkeypatch, make_view):
    monkeypatch.setattr("random.randrange", lambda n: 7)
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "#7" in view.source.text())   # a button's key clicks it a beat later
    settle(qtbot, view)
    truth = landscape_photos(1, 128, HELD_OUT_OFFSET + 7)[0]
    assert np.array_equal(view.low.truth, truth)
    assert "#7" in view.source.text()
    again = make_view()
    assert np.array_equal(again.low.truth, truth)


def test_a_large_picture_is_shrunk_by_area_averaging_and_the_view_says_so(view, qtbot, tmp_path):
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, (100, 200, 3), dtype=np.uint8)
    path = tmp_path / "wide.png"
    Image.fromarray(big).save(path)
    assert view.open_image(str(path))
    settle(qtbot, view)
    assert view.low.image.shape == (32, 64, 3) and view.low.truth is None
    # area averaging: 200 → 64 is not a whole factor; compare with Pillow's box filter, and
    # check the mean colour is kept (what area averaging guarantees)
    want = np.asarray(Image.fromarray(big).resize((64, 32), Image.Resampling.BOX))
    assert np.array_equal(view.low.image, want)
    assert abs(view.low.image.mean() - big.mean()) < 1
    assert "shrunk from 200×100 to 64×32" in view.source.text()
    assert view.panes["SRGAN"].array.shape == (128, 256, 3)
    assert not view.truth_pane.isVisible()
    assert view.panes["SRGAN"].figures[:2] == ["no truth, so", "no PSNR or SSIM"]


def test_transparency_goes_on_white_and_grey_becomes_rgb(view, qtbot, tmp_path):
    rgba = np.zeros((16, 20, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:8, :, 3] = 255                 # top half opaque red-ish, bottom half transparent
    path = tmp_path / "clear.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert view.open_image(str(path))
    assert view.low.image.shape == (16, 20, 3)
    assert view.low.image[:8].tolist() == [[[200, 0, 0]] * 20] * 8
    assert (view.low.image[8:] == 255).all()
    assert "transparency laid on white" in view.source.text()
    grey = np.arange(24 * 10, dtype=np.uint8).reshape(10, 24)
    gpath = tmp_path / "grey.png"
    Image.fromarray(grey, "L").save(gpath)
    assert view.open_image(str(gpath))
    settle(qtbot, view)
    assert view.low.image.shape == (10, 24, 3)
    assert all(np.array_equal(view.low.image[..., c], grey) for c in range(3))
    assert "grey made RGB" in view.source.text()


@pytest.mark.parametrize("make, why", [
    (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20), "cannot be read"),
    (lambda p: Image.new("1", (9000, 10)).save(p), "9000×10"),
    (lambda p: Image.new("RGB", (7, 30)).save(p), "at least 8"),
    (lambda p: Image.new("RGB", (1000, 40)).save(p), "under 8"),
])
def test_refused_pictures_are_a_message_and_nothing_changes(view, qtbot, messages, tmp_path,
                                                             make, why):
    path = tmp_path / "bad.png"
    make(path)
    before = view.low
    outputs = {k: v.copy() for k, v in view.outputs.items()}
    assert view.open_image(str(path)) is False
    assert messages and messages[-1][0] == "warning" and why in messages[-1][2]
    assert view.low is before
    assert all(np.array_equal(view.panes[k].array, outputs[k]) for k in OUTPUTS)


def test_the_painters_picture_becomes_256_px(view, qtbot):
    picture = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    view.receive(picture, "pix2pix's picture of your map (64 px)")
    settle(qtbot, view)
    assert np.array_equal(view.low.image, picture) and view.low.truth is None
    for name in OUTPUTS:
        assert view.panes[name].array.shape == (256, 256, 3)
    assert np.array_equal(view.panes["SRGAN"].array, view.models["SRGAN"].upscale(picture))
    assert "paint → pix2pix 64 px → SRGAN 256 px" in view.source.text()
    assert not view.truth_pane.isVisible()


def test_the_panel_routes_an_upscale_hand_off_here(qtbot, checkpoints, messages):
    from playground.panels import PHOTO_UPSCALE
    from playground.panels.translation.panel import TranslationPanel
    panel = TranslationPanel(device="cpu")
    qtbot.addWidget(panel)
    try:
        picture = np.full((64, 64, 3), 120, np.uint8)
        panel.receive(PHOTO_UPSCALE, picture, "pix2pix's picture of your map (64 px)")
        assert panel.views.currentWidget() is panel.superres
        settle(qtbot, panel.superres)
        assert panel.superres.panes["SRGAN"].array.shape == (256, 256, 3)
    finally:
        assert panel.shutdown()


def test_a_bad_hand_off_is_a_message(view, qtbot):
    before = view.low
    with qtbot.waitSignal(view.message) as blocker:
        view.receive(np.zeros((64, 64, 3), np.float32), "x")
    assert "float32" in blocker.args[0] and view.low is before


# ---------------------------------------------------------------------- models
def test_missing_checkpoints_leave_bicubic_working(make_view, tmp_path, monkeypatch):
    monkeypatch.setattr("playground.panels.translation.superres_view.CHECKPOINTS",
                        tmp_path / "empty")
    v = make_view(names=("Bicubic",))
    assert v.models == {"SRResNet": None, "SRGAN": None}
    for kind in ("SRResNet", "SRGAN"):
        assert v.panes[kind].array is None
        assert "not here yet" in v.panes[kind].note and "Open model" in v.panes[kind].note
    assert v.panes["Bicubic"].array.shape == (128, 128, 3)
    assert "none" in v.model_info.text()


def test_one_missing_checkpoint_leaves_the_other(make_view, checkpoints):
    import shutil
    shutil.rmtree(checkpoints / "landscapes-srgan")
    v = make_view(names=("Bicubic", "SRResNet"))
    assert v.models["SRGAN"] is None and v.models["SRResNet"] is not None
    assert v.panes["SRResNet"].array.shape == (128, 128, 3)


def test_an_opened_checkpoint_replaces_the_pane_of_its_kind_and_is_remembered(
        view, qtbot, tmp_path, make_view):
    tiny(tmp_path / "mine", "gan", 3)
    srresnet_before = view.models["SRResNet"]
    assert view.open_checkpoint(str(tmp_path / "mine"))
    settle(qtbot, view)
    assert view.models["SRResNet"] is srresnet_before
    assert np.array_equal(view.panes["SRGAN"].array, view.models["SRGAN"].upscale(view.low.image))
    assert "mine (opened)" in view.model_info.text()
    again = make_view()
    assert "mine (opened)" in again.model_info.text()
    assert np.array_equal(again.panes["SRGAN"].array, view.panes["SRGAN"].array)
    again.use_shipped()
    settle(qtbot, again)
    assert "landscapes-srgan (shipped)" in again.model_info.text()


def test_a_checkpoint_of_another_family_is_refused(view, messages, tmp_path):
    from models.translation.api import CycleGANModel
    from models.translation.cyclegan import CycleGANConfig
    CycleGANModel(CycleGANConfig(width=4, blocks=1)).save(tmp_path / "cyc")
    before = dict(view.models)
    assert view.open_checkpoint(str(tmp_path / "cyc")) is False
    assert messages[-1][0] == "warning" and "not a super-resolution" in messages[-1][2]
    assert view.models == before
    assert view.open_checkpoint(str(tmp_path / "nothing-here")) is False
    assert view.models == before


def test_the_newest_request_wins(view, qtbot):
    for k in (3, 4, 5):
        view.show_held_out(k)
    settle(qtbot, view)
    truth = landscape_photos(1, 128, HELD_OUT_OFFSET + 5)[0]
    low = downscale(truth[None], 4)[0]
    assert np.array_equal(view.panes["SRGAN"].array, view.models["SRGAN"].upscale(low))
    assert view.numbers["Bicubic"]["psnr"] == pytest.approx(
        quality.psnr(bicubic_upscale(low, 4), truth))


# ---------------------------------------------------------------------- export
def test_exports(view, tmp_path):
    path = tmp_path / "panes.png"
    assert view.export_panes(str(path))
    shot = Image.open(path)
    assert shot.size == (view.pane_row.width(), view.pane_row.height())
    out = tmp_path / "srgan.png"
    assert view.save_output("SRGAN", str(out))
    assert np.array_equal(np.asarray(Image.open(out)), view.panes["SRGAN"].array)
    assert view.save_output("Bicubic", str(tmp_path / "no-such-dir" / "x.png")) is False


def test_every_control_has_a_tooltip(view):
    from PySide6.QtWidgets import QAbstractButton, QComboBox
    bare = [w.text() if isinstance(w, QAbstractButton) else type(w).__name__
            for w in view.findChildren(QAbstractButton) + view.findChildren(QComboBox)
            if not w.toolTip()]
    assert bare == []
    assert all(p.toolTip() for p in view.panes.values())


def test_the_help_page():
    from playground.help.superres import PAGES
    page = {p.key: p for p in PAGES}["superres"]
    for words in ("SRResNet", "10<sup>−3</sup>", "PSNR", "SSIM", "segmenter", "mean"):
        assert words in page.body, words


def test_poisoned_settings_start_on_the_defaults(checkpoints, make_view, tmp_path):
    from playground import settings as app_settings
    s = app_settings.settings()
    s.setValue("superres/held_out", "[1, 2")                 # not JSON
    s.setValue("superres/source", '"file"')
    s.setValue("superres/input_file", str(tmp_path))          # a folder, not a picture
    s.setValue("superres/model_srgan", str(tmp_path / "gone"))
    s.setValue("superres/model_srresnet", str(checkpoints / "landscapes-srgan"))  # wrong kind
    s.setValue("superres/export_pane", '"Nearest"')
    s.sync()
    v = make_view()
    truth = landscape_photos(1, 128, HELD_OUT_OFFSET + 0)[0]
    assert np.array_equal(v.low.truth, truth)
    assert "landscapes-srresnet (shipped)" in v.model_info.text()
    assert "landscapes-srgan (shipped)" in v.model_info.text()
    assert v.export_pick.currentText() == "SRGAN"


def test_the_model_line_says_what_each_model_is(view):
    tip = view.model_info.toolTip()
    assert "SRResNet: landscapes-srresnet (shipped): 4 channels, 0 residual blocks, 4×" in tip
    assert "SRGAN: landscapes-srgan (shipped)" in tip


def test_the_panes_are_busy_until_their_output_arrives(view, qtbot):
    view.show_held_out(9)
    assert all(p.busy and p.array is None for p in view.panes.values())
    assert "Upscaling" in view.status.text()
    settle(qtbot, view)
    assert not any(p.busy for p in view.panes.values())
    assert "128×128 px by Bicubic, SRResNet, SRGAN" in view.status.text()
