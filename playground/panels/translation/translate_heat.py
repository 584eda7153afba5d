"""The cycle error as a heat map with its colour bar: |x − F(G(x))| per pixel (the mean over
the channels), on a stated scale, so two models can be compared by eye."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

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
    """A vertical bar of the colour map, labelled with the scale's ends."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.top = 0.5
        self._bar = rgb_qimage(np.ascontiguousarray(_LUT[::-1][:, None, :].repeat(4, axis=1)))
        self.setFixedWidth(52)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setToolTip("The colour scale: black is no error, pale yellow is the top of the "
                        "scale (or more). 1 = a difference of 255 levels")

    def set_top(self, top: float) -> None:
        self.top = top
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(52, 120)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        h = self.height()
        bar = QRect(2, 8, 12, max(10, h - 16))
        p.drawImage(bar, self._bar)
        p.setPen(QColor("#888"))
        p.drawRect(bar.adjusted(0, 0, -1, -1))
        p.setPen(self.palette().windowText().color())
        top = f"{self.top:.3g}"
        p.drawText(QRect(18, 0, 34, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   ("≥" if self.top < 1 else "") + top)
        p.drawText(QRect(18, h - 18, 34, 18),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "0")
        p.end()


class ErrorMap(QWidget):
    """The heat map and its colour bar side by side; `set_error(None)` clears it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image = ImageView(min_side=96)
        self.bar = ColourBar()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.bar)
        self.error: np.ndarray | None = None
        self.top = 0.5

    def set_error(self, error: np.ndarray | None, top: float | None) -> None:
        self.error = error
        self.top = scale_top(error, top)
        self.bar.set_top(self.top)
        self.image.set_image(None if error is None else heat_rgb(error, self.top))

    def heat(self) -> np.ndarray | None:
        return self.image.image()

