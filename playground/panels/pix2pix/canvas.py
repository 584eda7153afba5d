"""The label-map canvas: paint class indices with a brush, rectangle, bucket, eraser or
eyedropper, with undo and redo.

The colourised map lives in a 32-bit numpy array that a QImage wraps without copying; an edit
recolours only its dirty box and repaints only that part of the widget, so a drag on a
256×256 map costs well under a millisecond per mouse move. The maths is in `painting`.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from models.pix2pix.landscapes import (BACKGROUND, CLASSES, MOUNTAIN, class_colours,
                                       render_label_map, validate_label_map)

from .painting import (EMPTY, History, brush_centre, brush_radius, fill_rect, flood_fill,
                       paint_segment)

TOOLS = ("brush", "rectangle", "fill", "eraser", "eyedropper")
MAX_BRUSH = 64
MARGIN = 2           # as ImageView, so the canvas lines up with the pictures beside it
_RGB = class_colours().astype(np.uint32)
# Format_RGB32 is 0xffRRGGBB per pixel: one table lookup colourises a whole box
_LUT = (0xFF000000 | (_RGB[:, 0] << 16) | (_RGB[:, 1] << 8) | _RGB[:, 2]).astype(np.uint32)


class _Stroke:
    """One press-to-release gesture; `before` is the map at the press, for undo."""

    def __init__(self, tool: str, cls: int, button, before: np.ndarray, at):
        self.tool, self.cls, self.button, self.before = tool, cls, button, before
        self.start = self.last = at


class LabelCanvas(QWidget):
    edited = Signal()                       # pixels changed while a stroke is in progress
    strokeFinished = Signal()               # one finished edit: stroke, fill, undo, load…
    classPicked = Signal(int)               # by the eyedropper
    classChanged = Signal(int)              # by any means (eyedropper or set_class)
    toolChanged = Signal(str)
    historyChanged = Signal(bool, bool)     # can undo, can redo
    hovered = Signal(int, int, int)         # x, y, class under the pointer; x = −1 outside

    def __init__(self, parent: QWidget | None = None, size: int = 64, history: int = 100):
        super().__init__(parent)
        self._tool, self._return_tool = "brush", "brush"
        self._class, self._size = MOUNTAIN, 6
        self._history = History(history)
        self._stroke: _Stroke | None = None
        self._pointer: QPointF | None = None     # widget position while hovering
        self._hover_pixel = (-1, -1)
        self._outline = QRect()                  # last drawn brush outline / rubber band
        self._install(render_label_map(seed=0, size=size))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Left button paints the current class, right button paints sky.\n"
                        "Alt+click picks the class under the pointer. Esc cancels a stroke.")

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def minimumSizeHint(self) -> QSize:
        return QSize(128, 128)

    # ------------------------------------------------------------------ API
    def label_map(self) -> np.ndarray:
        return self._map.copy()

    def map_size(self) -> tuple[int, int]:
        """(height, width) of the map in pixels."""
        return self._map.shape

    def set_map(self, array, record: bool = True) -> None:
        """Show `array` (H×W class indices, any size); ValueError leaves the canvas as it was.
        With `record` the replaced map can be brought back with undo. A map of another size
        starts a new history: undo must never bring back a size the model cannot take."""
        new = np.array(validate_label_map(array), dtype=np.uint8, copy=True, order="C")
        self._finish_stroke()
        if new.shape != self._map.shape:
            self._history.clear()
        elif record and not np.array_equal(new, self._map):
            self._history.push(self._map)
        self._install(new)
        self._announce()

    def clear(self, cls: int = BACKGROUND) -> None:
        self.set_map(np.full_like(self._map, self._valid_class(cls)))

    def undo(self) -> bool:
        return self._travel(self._history.undo)

    def redo(self) -> bool:
        return self._travel(self._history.redo)

    def can_undo(self) -> bool:
        return self._history.can_undo

    def can_redo(self) -> bool:
        return self._history.can_redo

    def tool(self) -> str:
        return self._tool

    def set_tool(self, name: str) -> None:
        if name not in TOOLS:
            raise ValueError(f"unknown tool {name!r}: choose one of {', '.join(TOOLS)}")
        if name != "eyedropper":
            self._return_tool = name
        if name != self._tool:
            self._tool = name
            self._update_outline()
            self.toolChanged.emit(name)

    def current_class(self) -> int:
        return self._class

    def set_class(self, i: int) -> None:
        i = self._valid_class(i)
        if i != self._class:
            self._class = i
            self._update_outline()
            self.classChanged.emit(i)

    def brush_size(self) -> int:
        return self._size

    def set_brush_size(self, px: int) -> None:
        self._size = int(min(MAX_BRUSH, max(1, int(px))))
        self._update_outline()

    # ---------------------------------------------------------- geometry
    def _target(self) -> QRectF:
        """Where the map is drawn: scaled to fit, aspect kept, centred."""
        h, w = self._map.shape
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        scale = max(1e-6, min(area.width() / w, area.height() / h))
        return QRectF(area.center().x() - w * scale / 2, area.center().y() - h * scale / 2,
                      w * scale, h * scale)

    def map_pos(self, pos: QPointF) -> tuple[float, float]:
        """Continuous map coordinates of a widget position: pixel i spans [i, i + 1)."""
        t = self._target()
        scale = t.width() / self._map.shape[1]
        return (pos.x() - t.x()) / scale, (pos.y() - t.y()) / scale

    def widget_pos(self, x: float, y: float) -> QPointF:
        """Widget position of the centre of map pixel (x, y)."""
        t = self._target()
        scale = t.width() / self._map.shape[1]
        return QPointF(t.x() + (x + 0.5) * scale, t.y() + (y + 0.5) * scale)

    def _widget_rect(self, y0: float, y1: float, x0: float, x1: float) -> QRectF:
        """Widget rectangle of the map box [x0, x1) × [y0, y1) in pixel-edge coordinates."""
        t = self._target()
        scale = t.width() / self._map.shape[1]
        return QRectF(t.x() + x0 * scale, t.y() + y0 * scale, (x1 - x0) * scale,
                      (y1 - y0) * scale)

    def _pixel(self, fx: float, fy: float) -> tuple[int, int] | None:
        h, w = self._map.shape
        if not (math.isfinite(fx) and math.isfinite(fy)):
            return None
        x, y = math.floor(fx), math.floor(fy)
        return (x, y) if 0 <= x < w and 0 <= y < h else None

    # ---------------------------------------------------------- internals
    def _valid_class(self, i) -> int:
        i = int(i)
        if not 0 <= i < len(CLASSES):
            raise ValueError(f"class {i} is out of range 0–{len(CLASSES) - 1}")
        return i

    def _install(self, new: np.ndarray) -> None:
        self._map = new
        self._argb = np.ascontiguousarray(_LUT[new])
        h, w = new.shape
        # wraps the array: in-place recolouring shows up without building a new image
        self._image = QImage(self._argb.data, w, h, 4 * w, QImage.Format.Format_RGB32)
        self.update()

    def _refresh(self, box) -> None:
        """Recolour a dirty box of the map and schedule a repaint of just that region."""
        if box == EMPTY:
            return
        y0, y1, x0, x1 = box
        self._argb[y0:y1, x0:x1] = _LUT[self._map[y0:y1, x0:x1]]
        self.update(self._widget_rect(y0, y1, x0, x1).toAlignedRect().adjusted(-2, -2, 2, 2))

    def _announce(self) -> None:
        self.historyChanged.emit(self._history.can_undo, self._history.can_redo)
        self.strokeFinished.emit()

    def _travel(self, step) -> bool:
        self._finish_stroke()
        restored = step(self._map)
        if restored is None:
            return False
        self._install(restored)
        self._announce()
        return True

    def _finish_stroke(self, cancel: bool = False) -> bool:
        """End the stroke in progress, keeping or undoing it; True if the map changed."""
        stroke, self._stroke = self._stroke, None
        if stroke is None:
            return False
        if cancel:
            painted = not np.array_equal(stroke.before, self._map)
            self._map[...] = stroke.before
            self._refresh((0, self._map.shape[0], 0, self._map.shape[1]))
            self._update_outline()
            return painted
        elif stroke.tool == "rectangle":
            x0, y0 = stroke.start
            x1, y1 = stroke.last
            fill_rect(self._map, x0, y0, x1, y1, stroke.cls)
            self._refresh((0, self._map.shape[0], 0, self._map.shape[1]))
        self._update_outline()
        # a click that changed nothing (same class, outside the map) is no undo step
        if np.array_equal(stroke.before, self._map):
            return False
        self._history.push(stroke.before)
        self._announce()
        return True

    def _paint_to(self, centre) -> None:
        s = self._stroke
        box = paint_segment(self._map, *s.last, *centre, brush_radius(self._size), s.cls)
        s.last = centre
        if box == EMPTY:
            return
        y0, y1, x0, x1 = box
        changed = not np.array_equal(self._map[y0:y1, x0:x1], s.before[y0:y1, x0:x1])
        self._refresh(box)
        if changed:
            self.edited.emit()

    # ---------------------------------------------------------- mouse
    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        button = event.button()
        if self._stroke is not None or button not in (Qt.MouseButton.LeftButton,
                                                      Qt.MouseButton.RightButton):
            return
        fx, fy = self.map_pos(event.position())
        tool = self._tool
        if event.modifiers() & Qt.KeyboardModifier.AltModifier:
            tool = "eyedropper"
        if tool == "eyedropper":
            self._pick(fx, fy, revert=self._tool == "eyedropper")
            return
        right = button == Qt.MouseButton.RightButton
        cls = BACKGROUND if right or tool == "eraser" else self._class
        if tool == "fill":
            at = self._pixel(fx, fy)
            before = self._map.copy()
            if at is not None and flood_fill(self._map, *at, cls):
                self._refresh((0, self._map.shape[0], 0, self._map.shape[1]))
                self._history.push(before)
                self.edited.emit()
                self._announce()
            return
        if tool == "rectangle":
            at = (math.floor(fx), math.floor(fy)) if math.isfinite(fx + fy) else (0, 0)
            self._stroke = _Stroke(tool, cls, button, self._map.copy(), at)
            self._update_outline()
            return
        centre = brush_centre(fx, fy, self._size)
        self._stroke = _Stroke(tool, cls, button, self._map.copy(), centre)
        self._paint_to(centre)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt name)
        pos = event.position()
        self._pointer = pos
        fx, fy = self.map_pos(pos)
        s = self._stroke
        if s is not None and s.tool == "rectangle":
            if math.isfinite(fx + fy):
                s.last = (math.floor(fx), math.floor(fy))
        elif s is not None:
            self._paint_to(brush_centre(fx, fy, self._size))
        self._update_outline()
        self._emit_hover(self._pixel(fx, fy))

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self._stroke is not None and event.button() == self._stroke.button:
            self._finish_stroke()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self._pointer = None
        self._update_outline()
        self._emit_hover(None)
        super().leaveEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.key() == Qt.Key.Key_Escape and self._stroke is not None:
            if self._finish_stroke(cancel=True):
                self.strokeFinished.emit()  # the map is back to how it was before the press
            return
        super().keyPressEvent(event)

    def _emit_hover(self, at) -> None:
        if at is None:
            if self._hover_pixel != (-1, -1):
                self._hover_pixel = (-1, -1)
                self.hovered.emit(-1, -1, -1)
            return
        if at != self._hover_pixel:
            self._hover_pixel = at
            self.hovered.emit(at[0], at[1], int(self._map[at[1], at[0]]))

    def _pick(self, fx: float, fy: float, revert: bool) -> None:
        at = self._pixel(fx, fy)
        if at is None:
            return
        cls = int(self._map[at[1], at[0]])
        self.set_class(cls)
        self.classPicked.emit(cls)
        if revert:
            # the eyedropper is a detour: go back to painting with the class just picked
            self.set_tool(self._return_tool)

    # ---------------------------------------------------------- drawing
    def _overlay_rect(self) -> QRect:
        """Widget area of the brush outline or rubber band as it should be drawn now."""
        s = self._stroke
        if s is not None and s.tool == "rectangle":
            (x0, y0), (x1, y1) = s.start, s.last
            r = self._widget_rect(min(y0, y1), max(y0, y1) + 1, min(x0, x1), max(x0, x1) + 1)
            return r.toAlignedRect().adjusted(-3, -3, 3, 3) & self.rect()
        if self._pointer is None:
            return QRect()
        t = self._target()
        scale = t.width() / self._map.shape[1]
        radius = (brush_radius(self._size) + 1) * scale + 3
        c = self._pointer
        return QRectF(c.x() - radius, c.y() - radius, 2 * radius, 2 * radius).toAlignedRect()

    def _update_outline(self) -> None:
        new = self._overlay_rect()
        self.update(self._outline | new)
        self._outline = new

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.fillRect(event.rect(), self.palette().window())
        t = self._target()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(t, self._image)
        p.setPen(QPen(QColor("#555"), 1))
        p.drawRect(t.adjusted(-1, -1, 0, 0))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        s = self._stroke
        if s is not None and s.tool == "rectangle":
            self._draw_rubber_band(p, s)
        elif self._pointer is not None:
            self._draw_brush(p)
        p.end()

    def _draw_rubber_band(self, p: QPainter, s: _Stroke) -> None:
        h, w = self._map.shape
        (x0, y0), (x1, y1) = s.start, s.last
        xa, xb = max(0, min(x0, x1)), min(w, max(x0, x1) + 1)
        ya, yb = max(0, min(y0, y1)), min(h, max(y0, y1) + 1)
        if xa >= xb or ya >= yb:
            return
        r = self._widget_rect(ya, yb, xa, xb)
        fill = QColor(*CLASSES[s.cls].colour)
        fill.setAlpha(150)
        p.fillRect(r, fill)
        p.setPen(QPen(QColor("black"), 1))
        p.drawRect(r)
        p.setPen(QPen(QColor("white"), 1, Qt.PenStyle.DashLine))
        p.drawRect(r)

    def _draw_brush(self, p: QPainter) -> None:
        tool = self._stroke.tool if self._stroke is not None else self._tool
        fx, fy = self.map_pos(self._pointer)
        t = self._target()
        scale = t.width() / self._map.shape[1]
        if tool in ("brush", "eraser"):
            cx, cy = brush_centre(fx, fy, self._size)
            centre = QPointF(t.x() + (cx + 0.5) * scale, t.y() + (cy + 0.5) * scale)
            radius = max(2.0, self._size / 2 * scale)
            for colour, extra in (("black", 0.0), ("white", 1.0)):
                p.setPen(QPen(QColor(colour), 1))
                p.drawEllipse(centre, radius + extra, radius + extra)
        elif self._pixel(fx, fy) is not None:
            # fill and eyedropper act on one pixel: outline it
            x, y = math.floor(fx), math.floor(fy)
            p.setPen(QPen(QColor("white"), 1))
            p.drawRect(self._widget_rect(y, y + 1, x, x + 1))
