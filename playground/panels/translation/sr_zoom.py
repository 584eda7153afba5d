"""Panes that zoom and pan together: the Super-resolution view's synchronized zoom.

One `ZoomGroup` holds the region on show as a rectangle in the coordinates of the
high-resolution pixels (the output's, 4× the input's). Every `ZoomPane` draws that region of
its own picture: an output at 1:1, the low-resolution input at its own scale (the rectangle
divided by 4). The wheel, a drag, or the keys on any pane change the group's rectangle, and
all panes repaint from it, so the same patch of landscape is always under the same spot of
every pane. The rectangle keeps the picture's aspect, so no pane stretches.

Pixels are drawn as squares (nearest neighbour) once a picture's pixel covers two or more
screen pixels, and always for the low-resolution input: the point of zooming is to see what
each method made of each pixel. Smaller than that, smooth scaling avoids the uneven pixel
widths of a 1.6× nearest-neighbour enlargement.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...widgets import rgb_qimage

WHEEL_STEP = 1.25          # one notch of the wheel, or one key press
MIN_VIEW = 4.0             # the closest zoom shows 4 high-resolution pixels across
PIXELS_FROM = 2.0          # screen pixels per image pixel from which pixels are drawn square


class ZoomGroup(QObject):
    """The shared view rectangle, in high-resolution pixel coordinates."""
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.full = QRectF()            # 0, 0, W, H of the high-resolution picture
        self.rect = QRectF()

    def set_size(self, width: float, height: float) -> None:
        """A new picture size; a different size starts from the whole picture."""
        full = QRectF(0, 0, width, height)
        if full != self.full:
            self.full = full
            self.fit()

    @property
    def zoom(self) -> float:
        """How many times closer than the whole picture (1 when fitted)."""
        return self.full.width() / self.rect.width() if self.rect.width() > 0 else 1.0

    def fit(self) -> None:
        self.set_rect(QRectF(self.full))

    def set_rect(self, r: QRectF) -> None:
        """Take r, kept inside the picture, at the picture's aspect and at most MIN_VIEW close."""
        if self.full.isEmpty():
            self.rect = QRectF()
            self.changed.emit()
            return
        fw, fh = self.full.width(), self.full.height()
        w = min(max(r.width(), min(MIN_VIEW, fw)), fw)
        h = w * fh / fw
        cx, cy = r.center().x(), r.center().y()
        x = min(max(cx - w / 2, 0.0), fw - w)
        y = min(max(cy - h / 2, 0.0), fh - h)
        new = QRectF(x, y, w, h)
        if new != self.rect:
            self.rect = new
            self.changed.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """factor > 1 zooms in, keeping `anchor` (high-resolution coordinates) where it is
        on screen; the centre when None."""
        r = self.rect
        if r.isEmpty():
            return
        a = anchor if anchor is not None else r.center()
        w, h = r.width() / factor, r.height() / factor
        # the anchor's fraction across the rectangle stays the same
        fx = (a.x() - r.x()) / r.width()
        fy = (a.y() - r.y()) / r.height()
        x, y = a.x() - fx * w, a.y() - fy * h
        self.set_rect(QRectF(x, y, w, h))

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) high-resolution pixels."""
        self.set_rect(self.rect.translated(dx, dy))


class ZoomPane(QWidget):
    """A titled picture that shows the group's region, with lines of figures under it, a
    note in place of the picture when there is none, and a busy veil."""

    clicked = Signal()
    TITLE_H = 20
    LINE_H = 16

    def __init__(self, title: str, group: ZoomGroup, pixelated: bool = False, lines: int = 2,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.title, self.group, self.pixelated, self._lines = title, group, pixelated, lines
        self.array: np.ndarray | None = None
        self._image: QImage | None = None
        self.note = ""                  # shown instead of the picture (e.g. a missing model)
        self.figures: list[str] = []    # lines under the picture
        self.busy = False
        self._drag: QPointF | None = None
        group.changed.connect(self.update)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(120, 120 + self.TITLE_H + lines * self.LINE_H)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(230, 230 + self.TITLE_H + self._lines * self.LINE_H)

    # ------------------------------------------------------------------ contents
    def set_image(self, image: np.ndarray | None) -> None:
        self.array = None if image is None else np.ascontiguousarray(image, dtype=np.uint8)
        self._image = None if image is None else rgb_qimage(self.array)
        if image is not None:
            self.note = ""
        self.update()

    def set_note(self, text: str) -> None:
        """Text shown where the picture would be (the picture is cleared)."""
        self.array, self._image, self.note = None, None, text
        self.update()

    def set_figures(self, lines: list[str]) -> None:
        self.figures = list(lines)
        self.update()

    def set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.update()

    # ------------------------------------------------------------------ geometry
    def view_rect(self) -> QRectF:
        """The region on show, in high-resolution pixels (the group's)."""
        return QRectF(self.group.rect)

    def source_rect(self) -> QRectF:
        """The region on show in this pane's own picture's pixels."""
        r, full = self.group.rect, self.group.full
        if self._image is None or full.isEmpty():
            return QRectF()
        f = self._image.width() / full.width()
        return QRectF(r.x() * f, r.y() * f, r.width() * f, r.height() * f)

    def area(self) -> QRectF:
        """Where the picture may be drawn: below the title, above the figures."""
        return QRectF(self.rect()).adjusted(3, self.TITLE_H, -3, -3 - self._lines * self.LINE_H)

    def target_rect(self) -> QRectF:
        """Where the region is drawn: the area, at the region's aspect, centred."""
        area, r = self.area(), self.group.rect
        if r.isEmpty() or area.width() <= 0 or area.height() <= 0:
            return QRectF()
        s = min(area.width() / r.width(), area.height() / r.height())
        w, h = r.width() * s, r.height() * s
        return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)

    def to_hr(self, pos: QPointF) -> QPointF | None:
        """A widget position → high-resolution picture coordinates (None off the picture)."""
        t, r = self.target_rect(), self.group.rect
        if t.isEmpty():
            return None
        return QPointF(r.x() + (pos.x() - t.x()) * r.width() / t.width(),
                       r.y() + (pos.y() - t.y()) * r.height() / t.height())

    def screen_scale(self) -> float:
        """Screen pixels per pixel of this pane's picture."""
        src, t = self.source_rect(), self.target_rect()
        return t.width() / src.width() if src.width() > 0 and t.width() > 0 else 1.0

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.window())
        area, target = self.area(), self.target_rect()
        # the title just above the picture and the figures just under it, wherever the
        # picture's aspect leaves it in a tall pane
        frame = target if not target.isEmpty() else area
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(pal.windowText().color())
        p.drawText(QRectF(0, frame.top() - self.TITLE_H, self.width(), self.TITLE_H),
                   Qt.AlignmentFlag.AlignCenter, self.title)
        p.setFont(self.font())
        if self._image is not None and not target.isEmpty():
            src = self.source_rect()
            s = target.width() / src.width()
            smooth = not self.pixelated and s < PIXELS_FROM
            p.save()
            p.setClipRect(target)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            p.translate(target.x() - src.x() * s, target.y() - src.y() * s)
            p.scale(s, s)
            p.drawImage(QPointF(0, 0), self._image)
            p.restore()
            p.setPen(QPen(QColor("#999")))
            p.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))
        else:                           # the note in a box the picture's size
            p.fillRect(frame, QColor("#eceff1"))
            p.setPen(QColor("#555"))
            p.drawText(frame.adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter
                       | Qt.TextFlag.TextWordWrap, self.note or "—")
        if self.busy:
            veil = frame
            p.fillRect(veil, QColor(255, 255, 255, 150))
            p.setPen(QColor("#1a4d8f"))
            p.drawText(veil, Qt.AlignmentFlag.AlignCenter, "working…")
        p.setPen(pal.windowText().color())
        y = frame.bottom() + 3
        metrics = p.fontMetrics()
        for line in self.figures[: self._lines]:        # a narrow pane cuts a line with "…"
            line = metrics.elidedText(line, Qt.TextElideMode.ElideRight, self.width() - 4)
            p.drawText(QRectF(0, y, self.width(), self.LINE_H), Qt.AlignmentFlag.AlignCenter, line)
            y += self.LINE_H
        p.end()

    # ------------------------------------------------------------------ mouse
    def wheelEvent(self, event) -> None:  # noqa: N802 (Qt name)
        steps = event.angleDelta().y() / 120
        if steps == 0 or self.group.rect.isEmpty():
            event.ignore()
            return
        self.group.zoom_by(WHEEL_STEP ** steps, self.to_hr(event.position()))
        event.accept()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.clicked.emit()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if self._drag is not None:
            t, r = self.target_rect(), self.group.rect
            if not t.isEmpty():
                d = event.position() - self._drag
                self.group.pan_by(-d.x() * r.width() / t.width(), -d.y() * r.height() / t.height())
            self._drag = event.position()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.group.fit()
