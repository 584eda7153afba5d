"""Hand-off between panels: pix2pix's painted picture goes to whichever panel takes it
(the Translation panel here), named by kind, never by panel."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from playground.panels import PHOTO_TRANSLATE, PHOTO_UPSCALE, receivers  # noqa: E402

pytestmark = pytest.mark.gui


def test_the_translation_family_takes_both_kinds():
    assert [s.key for s in receivers(PHOTO_TRANSLATE)] == ["translation"]
    assert [s.key for s in receivers(PHOTO_UPSCALE)] == ["translation"]
    assert receivers("photo/nothing") == []


@pytest.mark.parametrize("kind, view", [(PHOTO_TRANSLATE, "translate"),
                                        (PHOTO_UPSCALE, "superres")])
def test_a_painted_picture_reaches_the_view_that_takes_it(make_window, qtbot, monkeypatch,
                                                           kind, view):
    w = make_window()
    w.tabs.setCurrentWidget(w.pix2pix)
    paint = w.pix2pix.paint
    got = []
    target = getattr(w.translation, view)
    monkeypatch.setattr(target, "receive", lambda image, caption: got.append((image, caption)))
    picture = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    paint.output_image = picture
    button = paint.send_buttons[kind]
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w.tabs.currentWidget() is w.translation
    assert w.translation.views.currentWidget() is target
    assert len(got) == 1 and np.array_equal(got[0][0], picture)
    assert got[0][0] is not picture                     # a copy: the painter keeps its own
    assert "pix2pix" in got[0][1]


def test_nothing_to_send_is_a_message_not_a_switch(make_window, qtbot):
    w = make_window()
    w.tabs.setCurrentWidget(w.pix2pix)
    paint = w.pix2pix.paint
    paint.output_image = None
    with qtbot.waitSignal(paint.message) as blocker:
        qtbot.mouseClick(paint.send_buttons[PHOTO_UPSCALE], Qt.MouseButton.LeftButton)
    assert "no generated picture" in blocker.args[0]
    assert w.tabs.currentWidget() is w.pix2pix


def test_a_kind_no_panel_takes_is_said_in_the_status_bar(make_window):
    w = make_window()
    assert w.deliver_image("photo/paint", np.zeros((8, 8, 3), np.uint8), "x") is False
    assert "No panel takes" in w.statusBar().currentMessage()


def test_file_open_routes_each_translation_family_to_its_view(make_window, tmp_path):
    from models.translation.api import CycleGANModel, SRModel
    from models.translation.cyclegan import CycleGANConfig
    from models.translation.srgan import SRConfig
    sr, cyc = tmp_path / "sr", tmp_path / "cyc"
    SRModel(SRConfig(channels=4, blocks=0)).save(sr)
    CycleGANModel(CycleGANConfig(width=4, blocks=0)).save(cyc)
    w = make_window()
    t = w.translation
    t.views.setCurrentWidget(t.train)
    assert w.open_checkpoint(str(sr)) is True
    assert t.views.currentWidget() is t.superres
    assert w.open_checkpoint(str(cyc)) is True
    assert t.views.currentWidget() is t.translate


def test_the_view_shown_takes_the_keyboard(make_window, qtbot):
    """A fresh window focuses the tab bar; switching views hands the keyboard to the view,
    so its shortcuts work before any click into it."""
    from PySide6.QtWidgets import QApplication
    w = make_window()
    w.tabs.setCurrentWidget(w.translation)
    p = w.translation
    p.views.setCurrentWidget(p.superres)
    p.views.setCurrentWidget(p.translate)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is p.translate)
