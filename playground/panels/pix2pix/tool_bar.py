"""The painter's tool bar (tools, brush size, undo / redo / clear) and `bind`, which wires it,
the class palette and the canvas together with keyboard shortcuts.

Shortcuts live on a scope widget with WidgetWithChildrenShortcut context, so "B" or "1" only
act while the focus is inside the painter, never on another tab that uses the same keys.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap,
                           QPolygonF, QShortcut)
from PySide6.QtWidgets import (QButtonGroup, QFrame, QHBoxLayout, QLabel, QSlider, QSpinBox,
                               QToolButton, QWidget)

from models.pix2pix.landscapes import CLASSES

from ... import keys
from ... import settings as app_settings
from .canvas import MAX_BRUSH, TOOLS, LabelCanvas
from .palette import ClassPalette

TOOL_ACTIONS = {"brush": keys.BRUSH, "rectangle": keys.RECTANGLE, "fill": keys.FILL,
                "eraser": keys.ERASER, "eyedropper": keys.PICK}
KEYS = {name: action.native() for name, action in TOOL_ACTIONS.items()}
NAMES = {"brush": "Brush", "rectangle": "Rectangle", "fill": "Fill", "eraser": "Eraser",
         "eyedropper": "Pick"}
TIPS = {"brush": "Paint the current class with a round brush; the right button paints sky",
        "rectangle": "Drag to fill a rectangle with the current class",
        "fill": "Flood-fill the connected region under the pointer with the current class",
        "eraser": "Paint sky, the background class",
        "eyedropper": "Click the map to pick its class, then go back to the previous tool "
                      "(Alt+click does the same with any tool)"}
SETTINGS_KEY = "pix2pix/painter"
SAVED = app_settings.Setting(SETTINGS_KEY, {}, app_settings.record(
    tool=app_settings.name, size=app_settings.integer(), **{"class": app_settings.integer()}))
ICON = 22


def tool_icon(name: str, side: int = ICON) -> QIcon:
    """Small line drawings in the text colour of a light theme; no image files to ship."""
    pix = QPixmap(side, side)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(side / 22, side / 22)
    ink = QColor("#303030")
    p.setPen(QPen(ink, 1.6))
    if name == "brush":
        p.setPen(QPen(ink, 2.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(19, 3), QPointF(10, 12))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#6b8e23"))
        path = QPainterPath(QPointF(10.5, 11))
        path.cubicTo(QPointF(4, 10), QPointF(4, 17), QPointF(2, 20))
        path.cubicTo(QPointF(8, 20), QPointF(13, 18), QPointF(11.5, 12.5))
        p.drawPath(path)
    elif name == "rectangle":
        p.setBrush(QColor(139, 90, 60, 150))
        p.drawRect(QRectF(3, 5, 16, 12))
    elif name == "fill":
        p.setBrush(QColor("#f0f0f0"))
        p.drawPolygon(QPolygonF([QPointF(3, 10), QPointF(10, 3), QPointF(17, 10),
                                 QPointF(10, 17)]))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#1e46c8"))
        p.drawPolygon(QPolygonF([QPointF(3, 10), QPointF(17, 10), QPointF(10, 17)]))
        drop = QPainterPath(QPointF(18, 11))
        drop.cubicTo(QPointF(21, 16), QPointF(21, 19), QPointF(18, 19))
        drop.cubicTo(QPointF(15, 19), QPointF(15, 16), QPointF(18, 11))
        p.drawPath(drop)
    elif name == "eraser":
        p.translate(11, 11)
        p.rotate(-40)
        p.setBrush(QColor("#f4a6b8"))
        p.drawRect(QRectF(-8, -4.5, 9, 9))
        p.setBrush(QColor("#fafafa"))
        p.drawRect(QRectF(1, -4.5, 7, 9))
    elif name == "eyedropper":
        p.setPen(QPen(ink, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(4, 18), QPointF(13, 9))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ink)
        p.drawEllipse(QPointF(16, 6), 4, 4)
        p.setBrush(QColor(135, 206, 235))
        p.drawEllipse(QPointF(4, 18), 1.8, 1.8)
    p.end()
    return QIcon(pix)


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class PaintToolBar(QWidget):
    toolRequested = Signal(str)
    sizeChanged = Signal(int)
    undoRequested = Signal()
    redoRequested = Signal()
    clearRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.tool_buttons: dict[str, QToolButton] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for i, name in enumerate(TOOLS):
            b = QToolButton()
            b.setIcon(tool_icon(name))
            b.setIconSize(QSize(ICON, ICON))
            b.setText(NAMES[name])
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            b.setCheckable(True)
            b.setAutoRaise(True)
            b.setToolTip(f"{NAMES[name]} ({KEYS[name]}): {TIPS[name]}")
            self.group.addButton(b, i)
            self.tool_buttons[name] = b
            row.addWidget(b)
        self.tool_buttons["brush"].setChecked(True)
        self.group.idClicked.connect(lambda i: self.toolRequested.emit(TOOLS[i]))

        row.addSpacing(6)
        row.addWidget(_separator())
        size_tip = "Brush and eraser diameter in map pixels ([ smaller, ] larger)"
        size_label = QLabel("Size")
        size_label.setToolTip(size_tip)
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(1, MAX_BRUSH)
        self.size_slider.setMinimumWidth(90)
        self.size_slider.setMaximumWidth(240)
        self.size_slider.setToolTip(size_tip)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(1, MAX_BRUSH)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip(size_tip)
        self.size_slider.valueChanged.connect(self.size_spin.setValue)
        self.size_spin.valueChanged.connect(self.size_slider.setValue)
        self.size_spin.valueChanged.connect(self.sizeChanged)
        row.addWidget(size_label)
        row.addWidget(self.size_slider)
        row.addWidget(self.size_spin)
        row.addWidget(_separator())

        self.undo_btn = self._action_button("Undo", "Undo the last edit", keys.UNDO)
        self.redo_btn = self._action_button("Redo", "Redo what was undone", keys.REDO)
        self.clear_btn = self._action_button("Clear", "Fill the whole map with sky (undoable)",
                                             keys.CLEAR)
        self.undo_btn.clicked.connect(self.undoRequested)
        self.redo_btn.clicked.connect(self.redoRequested)
        self.clear_btn.clicked.connect(self.clearRequested)
        for b in (self.undo_btn, self.redo_btn, self.clear_btn):
            row.addWidget(b)
        row.addStretch(1)
        self.set_history(False, False)

    def _action_button(self, text: str, tip: str, action: keys.Action) -> QToolButton:
        # the keys are the painter's scoped shortcuts (see bind), not the button's own
        b = QToolButton()
        b.setText(text)
        b.setToolTip(keys.tip(tip, action))
        return b

    def set_tool(self, name: str) -> None:
        self.tool_buttons[name].setChecked(True)

    def tool(self) -> str:
        return TOOLS[self.group.checkedId()]

    def set_brush_size(self, px: int) -> None:
        self.size_spin.setValue(int(px))

    def brush_size(self) -> int:
        return self.size_spin.value()

    def step_size(self, direction: int) -> None:
        """[ and ]: about 20 % per press, so 1 → 64 takes a dozen presses, not 63."""
        s = self.size_spin.value()
        step = max(1, round(s * 0.2))
        self.size_spin.setValue(s + step if direction > 0 else s - step)

    def set_history(self, can_undo: bool, can_redo: bool) -> None:
        self.undo_btn.setEnabled(bool(can_undo))
        self.redo_btn.setEnabled(bool(can_redo))


def _shortcut(scope: QWidget, action: keys.Action, slot, what: str) -> list[QShortcut]:
    return keys.shortcut(action, scope, slot, what, Qt.ShortcutContext.WidgetWithChildrenShortcut)


def bind(toolbar: PaintToolBar, palette: ClassPalette, canvas: LabelCanvas,
         scope: QWidget | None = None, remember: bool = True) -> list[QShortcut]:
    """Wire the three widgets together, restore the last tool, size and class, and install the
    shortcuts on `scope` (the painter's enclosing widget; the canvas if None)."""
    saved = SAVED.get() if remember else {}
    tool = saved.get("tool", canvas.tool())
    canvas.set_tool(tool if tool in TOOLS and tool != "eyedropper" else "brush")
    size = saved.get("size", canvas.brush_size())
    canvas.set_brush_size(size if isinstance(size, int) else canvas.brush_size())
    cls = saved.get("class", canvas.current_class())
    canvas.set_class(cls if isinstance(cls, int) and 0 <= cls < len(CLASSES)
                     else canvas.current_class())
    toolbar.set_tool(canvas.tool())
    toolbar.set_brush_size(canvas.brush_size())
    palette.set_class(canvas.current_class())
    palette.set_coverage(canvas.label_map())
    toolbar.set_history(canvas.can_undo(), canvas.can_redo())

    def save() -> None:
        if remember:
            SAVED.set({"tool": canvas.tool(), "size": canvas.brush_size(),
                       "class": canvas.current_class()})

    toolbar.toolRequested.connect(canvas.set_tool)
    toolbar.sizeChanged.connect(canvas.set_brush_size)
    toolbar.undoRequested.connect(canvas.undo)
    toolbar.redoRequested.connect(canvas.redo)
    toolbar.clearRequested.connect(lambda: canvas.clear())
    palette.classChanged.connect(canvas.set_class)
    canvas.classChanged.connect(palette.set_class)
    canvas.toolChanged.connect(toolbar.set_tool)
    canvas.historyChanged.connect(toolbar.set_history)
    canvas.strokeFinished.connect(lambda: palette.set_coverage(canvas.label_map()))
    for signal in (canvas.toolChanged, canvas.classChanged, toolbar.sizeChanged):
        signal.connect(save)

    scope = scope if scope is not None else canvas
    shortcuts = []
    for name, action in TOOL_ACTIONS.items():
        shortcuts += _shortcut(scope, action, lambda name=name: canvas.set_tool(name),
                               f"{NAMES[name]} tool")
    for i in range(min(9, len(CLASSES))):
        shortcuts += _shortcut(scope, keys.CHOOSE[i + 1], lambda i=i: palette.set_class(i),
                               f"Paint {CLASSES[i].name}")
    for action, slot, what in ((keys.SMALLER, lambda: toolbar.step_size(-1), "Smaller brush"),
                               (keys.LARGER, lambda: toolbar.step_size(+1), "Larger brush"),
                               (keys.CLEAR, lambda: canvas.clear(), "Clear the map to sky"),
                               (keys.UNDO, canvas.undo, "Undo"), (keys.REDO, canvas.redo, "Redo")):
        shortcuts += _shortcut(scope, action, slot, what)
    return shortcuts
