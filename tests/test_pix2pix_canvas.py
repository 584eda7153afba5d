"""GUI tests of the label-map painter: canvas, palette and tool bar, driven by real mouse and
key events."""
from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drag_move
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from models.pix2pix.landscapes import BACKGROUND, GRASS, ROCK, SKY, TREE, WATER
from playground.panels.pix2pix.canvas import LabelCanvas
from playground.panels.pix2pix.palette import ClassPalette
from playground.panels.pix2pix.tool_bar import PaintToolBar, bind

pytestmark = pytest.mark.gui
LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton


def two_bands(size=64):
    m = np.full((size, size), SKY, np.uint8)
    m[size // 2:] = GRASS
    return m


@pytest.fixture
def canvas(qtbot):
    c = LabelCanvas()
    qtbot.addWidget(c)
    c.resize(400, 400)
    c.show()
    qtbot.waitExposed(c)
    c.set_map(two_bands(), record=False)
    return c


def _at(c, x, y):
    return c.widget_pos(x, y).toPoint()


def stroke(qtbot, c, points, button=LEFT, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.mousePress(c, button, modifier, _at(c, *points[0]))
    for p in points[1:]:
        drag_move(c, _at(c, *p))
    qtbot.mouseRelease(c, button, modifier, _at(c, *points[-1]))


class Recorder:
    def __init__(self, *signals):
        self.calls = {s: [] for s in signals}
        for s in signals:
            s.connect(lambda *a, s=s: self.calls[s].append(a))

    def __getitem__(self, signal):
        return self.calls[signal]


def test_brush_stroke_paints_under_it_and_undo_redo_restore(canvas, qtbot):
    before = canvas.label_map()
    canvas.set_class(WATER)
    canvas.set_brush_size(3)
    rec = Recorder(canvas.strokeFinished, canvas.edited, canvas.historyChanged)
    stroke(qtbot, canvas, [(5, 10), (50, 10)])       # one fast move: no dotted line
    painted = canvas.label_map()
    assert (painted[9:12, 5:51] == WATER).all()
    changed = painted != before
    assert changed.sum() == (painted == WATER).sum()
    assert not changed[:8].any() and not changed[13:].any()
    assert len(rec[canvas.strokeFinished]) == 1 and rec[canvas.edited]
    assert rec[canvas.historyChanged][-1] == (True, False)

    assert canvas.undo()
    np.testing.assert_array_equal(canvas.label_map(), before)
    assert rec[canvas.historyChanged][-1] == (False, True)
    assert canvas.redo()
    np.testing.assert_array_equal(canvas.label_map(), painted)
    assert len(rec[canvas.strokeFinished]) == 3
    assert not canvas.redo()


def test_a_click_that_changes_nothing_is_no_undo_step(canvas, qtbot):
    canvas.set_class(GRASS)
    rec = Recorder(canvas.strokeFinished)
    stroke(qtbot, canvas, [(10, 50)])                # grass on grass
    assert not canvas.can_undo() and rec[canvas.strokeFinished] == []


def test_right_button_and_eraser_paint_sky(canvas, qtbot):
    canvas.set_class(TREE)
    canvas.set_brush_size(5)
    stroke(qtbot, canvas, [(20, 50), (30, 50)], button=RIGHT)
    m = canvas.label_map()
    assert (m[49:52, 20:31] == BACKGROUND).all() and (m == TREE).sum() == 0
    canvas.set_tool("eraser")
    stroke(qtbot, canvas, [(40, 60)])
    assert canvas.label_map()[60, 40] == BACKGROUND


def test_flood_fill_fills_a_region(canvas, qtbot):
    canvas.set_tool("fill")
    canvas.set_class(WATER)
    rec = Recorder(canvas.strokeFinished)
    stroke(qtbot, canvas, [(10, 40)])
    m = canvas.label_map()
    assert (m[32:] == WATER).all() and (m[:32] == SKY).all()
    assert len(rec[canvas.strokeFinished]) == 1
    canvas.undo()
    np.testing.assert_array_equal(canvas.label_map(), two_bands())


def test_rectangle_drag_fills_the_box_on_release(canvas, qtbot):
    canvas.set_tool("rectangle")
    canvas.set_class(ROCK)
    qtbot.mousePress(canvas, LEFT, pos=_at(canvas, 12, 8))
    drag_move(canvas, _at(canvas, 4, 20))
    assert (canvas.label_map() == ROCK).sum() == 0       # only a rubber band while dragging
    qtbot.mouseRelease(canvas, LEFT, pos=_at(canvas, 4, 20))
    m = canvas.label_map()
    assert (m[8:21, 4:13] == ROCK).all() and (m == ROCK).sum() == 13 * 9


def test_escape_cancels_a_stroke(canvas, qtbot):
    canvas.set_class(TREE)
    qtbot.mousePress(canvas, LEFT, pos=_at(canvas, 10, 10))
    drag_move(canvas, _at(canvas, 30, 10))
    assert (canvas.label_map() == TREE).any()
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    qtbot.mouseRelease(canvas, LEFT, pos=_at(canvas, 30, 10))
    np.testing.assert_array_equal(canvas.label_map(), two_bands())
    assert not canvas.can_undo()


def test_eyedropper_picks_the_class_and_returns_to_the_brush(canvas, qtbot):
    canvas.set_tool("eyedropper")
    rec = Recorder(canvas.classPicked, canvas.toolChanged)
    stroke(qtbot, canvas, [(10, 50)])
    assert rec[canvas.classPicked] == [(GRASS,)] and canvas.current_class() == GRASS
    assert canvas.tool() == "brush" and rec[canvas.toolChanged] == [("brush",)]
    stroke(qtbot, canvas, [(10, 5)], modifier=Qt.KeyboardModifier.AltModifier)
    assert canvas.current_class() == SKY and canvas.tool() == "brush"
    np.testing.assert_array_equal(canvas.label_map(), two_bands())


def test_set_map_validates_and_is_undoable(canvas):
    rec = Recorder(canvas.strokeFinished)
    for bad in (np.full((64, 64), 99), np.zeros((64, 64, 3), np.uint8),
                np.zeros((64, 64), np.float32), np.zeros((0, 5), np.uint8)):
        with pytest.raises(ValueError):
            canvas.set_map(bad)
    np.testing.assert_array_equal(canvas.label_map(), two_bands())
    assert rec[canvas.strokeFinished] == [] and not canvas.can_undo()

    canvas.set_map(two_bands(128))
    assert canvas.map_size() == (128, 128) and len(rec[canvas.strokeFinished]) == 1
    canvas.clear()
    assert (canvas.label_map() == BACKGROUND).all()
    canvas.undo()
    np.testing.assert_array_equal(canvas.label_map(), two_bands(128))
    # a map of another size starts a new history: undo never brings back the 64-px map,
    # which the model that asked for 128 px could not use
    assert not canvas.undo()
    assert canvas.map_size() == (128, 128)


def test_hover_reports_pixel_and_class(canvas, qtbot):
    rec = Recorder(canvas.hovered)
    drag_move(canvas, _at(canvas, 7, 40))
    assert rec[canvas.hovered][-1] == (7, 40, GRASS)
    drag_move(canvas, canvas.rect().topLeft())           # the margin, off the map
    assert rec[canvas.hovered][-1] == (-1, -1, -1)


def painter(qtbot):
    root = QWidget()
    qtbot.addWidget(root)
    canvas, palette, bar = LabelCanvas(), ClassPalette(), PaintToolBar()
    lay = QHBoxLayout(root)
    lay.addWidget(palette)
    col = QVBoxLayout()
    col.addWidget(bar)
    col.addWidget(canvas, 1)
    lay.addLayout(col, 1)
    bind(bar, palette, canvas, root)
    root.resize(700, 500)
    root.show()
    qtbot.waitExposed(root)
    root.activateWindow()
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus, timeout=2000)
    return root, canvas, palette, bar


def test_shortcuts_switch_tools_classes_size_and_undo(qtbot):
    root, canvas, palette, bar = painter(qtbot)
    canvas.set_map(two_bands(), record=False)
    for key, tool in ((Qt.Key.Key_R, "rectangle"), (Qt.Key.Key_F, "fill"),
                      (Qt.Key.Key_E, "eraser"), (Qt.Key.Key_I, "eyedropper"),
                      (Qt.Key.Key_B, "brush")):
        qtbot.keyClick(canvas, key)
        assert canvas.tool() == tool and bar.tool() == tool
    qtbot.keyClick(canvas, Qt.Key.Key_5)
    assert canvas.current_class() == WATER and palette.current_class() == WATER
    size = canvas.brush_size()
    qtbot.keyClick(canvas, Qt.Key.Key_BracketRight)
    assert canvas.brush_size() > size and bar.brush_size() == canvas.brush_size()
    qtbot.keyClick(canvas, Qt.Key.Key_BracketLeft)
    assert canvas.brush_size() == size

    assert not bar.undo_btn.isEnabled()
    stroke(qtbot, canvas, [(10, 10), (20, 12)])
    assert bar.undo_btn.isEnabled() and (canvas.label_map() == WATER).any()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(canvas.label_map(), two_bands())
    assert bar.redo_btn.isEnabled() and not bar.undo_btn.isEnabled()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert (canvas.label_map() == WATER).any()


def test_palette_and_eyedropper_stay_in_step_and_choices_are_remembered(qtbot):
    root, canvas, palette, bar = painter(qtbot)
    canvas.set_map(two_bands(), record=False)
    qtbot.mouseClick(palette.buttons[TREE], LEFT)
    assert canvas.current_class() == TREE
    qtbot.mouseClick(bar.tool_buttons["eyedropper"], LEFT)
    stroke(qtbot, canvas, [(3, 60)])
    assert palette.current_class() == GRASS and bar.tool() == "brush"
    assert "(50%)" in palette.buttons[GRASS].text()
    bar.size_spin.setValue(17)
    canvas.set_tool("fill")

    _, canvas2, palette2, bar2 = painter(qtbot)
    assert (canvas2.brush_size(), canvas2.tool(), canvas2.current_class()) == (17, "fill", GRASS)
    assert bar2.brush_size() == 17 and bar2.tool() == "fill" and palette2.current_class() == GRASS
