"""A small binary image you can see large and paint on: the likelihood views' digit.

It shows an S×S image (values in [0, 1], white ink on black like MNIST) scaled up with square
pixels, optionally tinted by a mask (the hidden region of the Complete tab) or overlaid with a
heat map (per-pixel surprise), and a marker on one pixel (the one being drawn).

Painting, when enabled: in "ink" mode the left button draws ink (1) and the right button
erases (0); in "mask" mode the left button hides pixels and the right button reveals them.
`changed` fires once per finished stroke (mouse release), so a view recomputes once per
stroke, not per mouse move; `stroking` fires during the stroke for cheap live updates.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...widgets import gray_qimage

INK, MASK = "ink", "mask"
HIDDEN_TINT = QColor(255, 150, 0, 120)     # hidden pixels: orange, see-through


def rgba_image(a: np.ndarray) -> QImage:
    """S×S×4 uint8 RGBA → a QImage (copied)."""
    a = np.ascontiguousarray(a, dtype=np.uint8)
    h, w, _ = a.shape
    return QImage(a.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


class PixelCanvas(QWidget):
    changed = Signal()        # a stroke ended (image or mask edited)
    stroking = Signal()       # the image or mask changed during a stroke

    def __init__(self, size: int = 28, paintable: bool = False, mode: str = INK,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.size_px = size
        self._image = np.zeros((size, size), np.float32)
        self._mask = np.zeros((size, size), bool)       # True = hidden
        self._overlay: np.ndarray | None = None         # S×S×4 RGBA, drawn over the image
        self._marker: tuple[int, int] | None = None
        self.paintable = paintable
        self.mode = mode
        self.brush = 2                                   # a square of brush × brush pixels
        self._stroke_value: bool | None = None
        self.setMinimumSize(QSize(4 * size, 4 * size))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)

    # ------------------------------------------------------------- state
    def image(self) -> np.ndarray:
        return self._image.copy()

    def set_image(self, image: np.ndarray) -> None:
        a = np.asarray(image, np.float32)
        if a.shape != self._image.shape:
            raise ValueError(f"the canvas is {self.size_px}×{self.size_px}, got {a.shape}")
        self._image = np.clip(np.nan_to_num(a), 0, 1).copy()
        self.update()

    def mask(self) -> np.ndarray:
        return self._mask.copy()

    def set_mask(self, mask: np.ndarray) -> None:
        m = np.asarray(mask, bool)
        if m.shape != self._mask.shape:
            raise ValueError(f"the mask must be {self.size_px}×{self.size_px}, got {m.shape}")
        self._mask = m.copy()
        self.update()

    def set_overlay(self, rgba: np.ndarray | None) -> None:
        self._overlay = None if rgba is None else np.asarray(rgba, np.uint8).copy()
        self.update()

    def set_marker(self, pixel: tuple[int, int] | None) -> None:
        """Outline pixel (row, col), or nothing."""
        self._marker = pixel
        self.update()

    def set_grid(self, size: int) -> None:
        """An empty size×size grid (a model of another image size); the image, mask, overlay
        and marker of the old size go."""
        self.size_px = size
        self._image = np.zeros((size, size), np.float32)
        self._mask = np.zeros((size, size), bool)
        self._overlay = None
        self._marker = None
        self.setMinimumSize(QSize(4 * size, 4 * size))
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self._image[:] = 0
        self.update()
        self.changed.emit()

    # ------------------------------------------------------------- geometry
    def picture_rect(self) -> QRect:
        """Where the image is drawn: the largest square of whole-pixel cells, centred.
        Subclasses move it (a caption under it, a title above)."""
        side = min(self.width(), self.height())
        side -= side % self.size_px or 0
        side = max(side, self.size_px)
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def pixel_at(self, pos: QPoint) -> tuple[int, int] | None:
        r = self.picture_rect()
        if not r.contains(pos):
            return None
        cell = r.width() / self.size_px
        return (min(self.size_px - 1, int((pos.y() - r.top()) / cell)),
                min(self.size_px - 1, int((pos.x() - r.left()) / cell)))

    def sizeHint(self) -> QSize:
        return QSize(10 * self.size_px, 10 * self.size_px)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, w: int) -> int:
        return w

    # ------------------------------------------------------------- painting
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        r = self.picture_rect()
        p.fillRect(self.rect(), self.palette().window())
        p.drawImage(r, gray_qimage(self._image))
        if self._mask.any():
            tint = np.zeros((self.size_px, self.size_px, 4), np.uint8)
            tint[self._mask] = HIDDEN_TINT.red(), HIDDEN_TINT.green(), HIDDEN_TINT.blue(), \
                HIDDEN_TINT.alpha()
            p.drawImage(r, rgba_image(tint))
        if self._overlay is not None:
            p.drawImage(r, rgba_image(self._overlay))
        if self._marker is not None:
            cell = r.width() / self.size_px
            row, col = self._marker
            p.setPen(QPen(QColor(255, 40, 40), 2))
            p.drawRect(int(r.left() + col * cell), int(r.top() + row * cell),
                       int(cell), int(cell))
        p.setPen(QPen(QColor(120, 120, 120), 1))
        p.drawRect(r.adjusted(0, 0, -1, -1))
        p.end()

    # ------------------------------------------------------------- mouse
    def _cells(self, pixel: tuple[int, int]) -> tuple[slice, slice]:
        row, col = pixel
        lo = self.brush // 2
        return (slice(max(0, row - lo), row - lo + self.brush),
                slice(max(0, col - lo), col - lo + self.brush))

    def _apply(self, pos: QPoint) -> None:
        pixel = self.pixel_at(pos)
        if pixel is None or self._stroke_value is None:
            return
        rows, cols = self._cells(pixel)
        if self.mode == MASK:
            self._mask[rows, cols] = self._stroke_value
        else:
            self._image[rows, cols] = float(self._stroke_value)
        self.update()
        self.stroking.emit()

    def mousePressEvent(self, event) -> None:
        if not self.paintable or event.button() not in (Qt.MouseButton.LeftButton,
                                                        Qt.MouseButton.RightButton):
            return super().mousePressEvent(event)
        self._stroke_value = event.button() == Qt.MouseButton.LeftButton
        self._apply(event.position().toPoint())

    def mouseMoveEvent(self, event) -> None:
        if self._stroke_value is not None:
            self._apply(event.position().toPoint())

    def mouseReleaseEvent(self, event) -> None:
        if self._stroke_value is not None:
            self._stroke_value = None
            self.changed.emit()
