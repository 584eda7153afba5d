"""The cycle error as a heat map with its colour bar: |x − F(G(x))| per pixel (the mean over
the channels), on a stated scale, so two models can be compared by eye."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from ...widgets import ImageView, rgb_qimage

# (label, top of the scale in [0, 1]; None = the largest error of this picture)
SCALES = (("0 – 1", 1.0), ("0 – 0.5", 0.5), ("0 – 0.25", 0.25), ("0 – 0.1", 0.1),
          ("fit to this picture", None))
_LUT = pg.colormap.get("inferno").getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)


def scale_top(error: np.ndarray | None, top: float | None) -> float:
    if top is not None:
        return float(top)
    m = float(error.max()) if error is not None and error.size else 0.0
    return max(m, 1 / 255)               # a perfect cycle still gets a scale of one level


def heat_rgb(error: np.ndarray, top: float) -> np.ndarray:
    """H×W error in [0, 1] → H×W×3 uint8, 0 black … `top` (and above) pale yellow."""
    t = np.clip(np.asarray(error, np.float64) / top, 0.0, 1.0)
    return _LUT[np.round(t * 255).astype(np.int64)]


class ColourBar(QWidget):
    """A horizontal bar of the colour map, labelled with the scale's ends; it sits under the
    row of pictures, so the error map is as large as the pictures beside it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.top = 0.5
        self._bar = rgb_qimage(np.ascontiguousarray(_LUT[None, :, :].repeat(4, axis=0)))
        self.setFixedSize(230, 22)
        self.setToolTip("The colour scale of the cycle error map: black is no error, pale "
                        "yellow the top of the scale (or more); 1 = a difference of 255 levels")

    def set_top(self, top: float) -> None:
        self.top = top
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(230, 22)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        bar = QRect(22, 5, self.width() - 22 - 56, 12)
        p.drawImage(bar, self._bar)
        p.setPen(QColor("#888"))
        p.drawRect(bar.adjusted(0, 0, -1, -1))
        p.setPen(self.palette().windowText().color())
        p.drawText(QRect(0, 0, 18, self.height()),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "0")
        p.drawText(QRect(bar.right() + 5, 0, 52, self.height()),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   ("≥ " if self.top < 1 else "") + f"{self.top:.3g}")
        p.end()


class ErrorMap(ImageView):
    """The heat map; its colour bar (`bar`) is placed by the view. `set_error(None)` clears."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(min_side=128, parent=parent)
        self.bar = ColourBar()
        self.error: np.ndarray | None = None
        self.top = 0.5

    def set_error(self, error: np.ndarray | None, top: float | None) -> None:
        self.error = error
        self.top = scale_top(error, top)
        self.bar.set_top(self.top)
        self.set_image(None if error is None else heat_rgb(error, self.top))

    def heat(self) -> np.ndarray | None:
        return self.image()
