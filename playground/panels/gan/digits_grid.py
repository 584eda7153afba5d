"""Image grids for the digits view: one whose cells can be clicked (to pick interpolation
endpoints) and marked, and one with a name beside each row (the per-class grid)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from models.imaging import tile

from ...widgets import ImageView, gray_qimage

CELL = 28
MARK_COLOURS = {"A": "#1f77b4", "B": "#d95f02"}


def _fit(area, iw: int, ih: int) -> QRectF:
    scale = min(area.width() / iw, area.height() / ih)
    w, h = iw * scale, ih * scale
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


class CellGrid(ImageView):
    """A tiled grid of N images; a click on a cell emits (index, secondary), secondary for a
    right click or Shift+click (for one-button mice)."""

    cellClicked = Signal(int, bool)

    def __init__(self, pad: int = 2, min_side: int = 300, caption: str = ""):
        super().__init__(min_side=min_side, caption=caption)
        self.pad = pad
        self.n, self.cols = 0, 1
        self.marks: dict[str, int] = {}
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # focusable, so that the pane's keys (R, X, 0–9) work after a click on the grid
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def set_images(self, images: np.ndarray, cols: int) -> None:
        self.n, self.cols = len(images), max(1, min(cols, len(images)))
        self.set_image(tile(images, self.cols, pad=self.pad))

    def set_marks(self, marks: dict[str, int]) -> None:
        """{"A": cell index, "B": …}; indices outside the grid are not drawn."""
        self.marks = dict(marks)
        self.update()

    def _target(self) -> QRectF | None:
        if self._image is None:
            return None
        caption_h = 18 if self._caption else 0
        area = self.rect().adjusted(2, 2, -2, -2 - caption_h)
        if area.width() <= 0 or area.height() <= 0:
            return None
        return _fit(area, self._image.width(), self._image.height())

    def cell_at(self, x: float, y: float) -> int | None:
        t = self._target()
        if t is None or not t.contains(x, y):
            return None
        scale = t.width() / self._image.width()
        step = CELL + self.pad
        c, r = int((x - t.x()) / scale // step), int((y - t.y()) / scale // step)
        i = r * self.cols + c
        return i if 0 <= c < self.cols and 0 <= i < self.n else None

    def cell_rect(self, i: int) -> QRectF | None:
        t = self._target()
        if t is None or not 0 <= i < self.n:
            return None
        scale = t.width() / self._image.width()
        r, c = divmod(i, self.cols)
        step = (CELL + self.pad) * scale
        return QRectF(t.x() + c * step, t.y() + r * step, CELL * scale, CELL * scale)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        i = self.cell_at(event.position().x(), event.position().y())
        if i is not None:
            secondary = (event.button() == Qt.MouseButton.RightButton
                         or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            self.cellClicked.emit(i, secondary)

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self.marks:
            return
        p = QPainter(self)
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        for name, i in self.marks.items():
            rect = self.cell_rect(i)
            if rect is None:
                continue
            colour = QColor(MARK_COLOURS.get(name, "#2ca02c"))
            p.setPen(QPen(colour, 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect.adjusted(-1, -1, 1, 1))
            tag = QRectF(rect.x(), rect.y(), 16, 16)
            p.fillRect(tag, colour)
            p.setPen(QColor("white"))
            p.drawText(tag, Qt.AlignmentFlag.AlignCenter, name)
        p.end()


class RowGrid(QWidget):
    """Rows of images with a name at the left of each row."""

    def __init__(self, pad: int = 2):
        super().__init__()
        self.pad = pad
        self._image = None
        self._array: np.ndarray | None = None
        self._names: list[str] = []
        self.text = ""
        self.setMinimumSize(200, 200)

    def set_rows(self, rows: np.ndarray | None, names: list[str]) -> None:
        """rows: R×C×28×28; None clears the grid."""
        if rows is None:
            self._array, self._image, self._names = None, None, []
        else:
            self._array = tile(rows.reshape(-1, *rows.shape[2:]), rows.shape[1], pad=self.pad)
            self._image = gray_qimage(self._array)
            self._names = list(names)
        self.update()

    def image(self) -> np.ndarray | None:
        return self._array

    def set_text(self, text: str) -> None:
        self.text = text
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        if self._image is None:
            p.setPen(QColor("#777"))
            p.drawText(self.rect().adjusted(20, 20, -20, -20),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text or "—")
            p.end()
            return
        fm = p.fontMetrics()
        label_w = max([fm.horizontalAdvance(n) for n in self._names] + [20]) + 10
        area = self.rect().adjusted(label_w, 4, -4, -4)
        if area.width() > 0 and area.height() > 0:
            t = _fit(area, self._image.width(), self._image.height())
            p.drawImage(t, self._image)
            scale = t.height() / self._image.height()
            step = (CELL + self.pad) * scale
            p.setPen(self.palette().windowText().color())
            for r, name in enumerate(self._names):
                box = QRectF(t.x() - label_w, t.y() + r * step, label_w - 6, CELL * scale)
                p.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
        p.end()
