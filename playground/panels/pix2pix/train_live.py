"""What the pix2pix trainer shows while it learns: input / G(x) / target for four fixed
examples, and the curves of G_GAN, G_L1, D_real and D_fake.

The pictures are QImages painted with nearest-neighbour scaling (a 64×64 output blown up to a
few hundred pixels should show its pixels, not a blur that hides G's artefacts). The charts'
items are made once and fed with setData; their history is bounded, so a run of 100k steps
redraws as fast as one of 100.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from ... import keys
from ...curve_chart import CurveChart, Series
from ...widgets import rgb_qimage

ROWS = ("Input (label map)", "Output G(x)", "Target")
ROW_TIPS = ("The label map G is given, shown in the classes' colours",
            "What G makes of it now (dropout on, as at test time: the paper's only noise)",
            "The real picture for that map: what the L1 term pulls G(x) towards, and what D "
            "must tell apart from G(x)")
EXAMPLES = 4
SMOOTH = 0.9
G_COLOURS = {"G_GAN": "#d95f02", "G_L1": "#1b9e77"}
D_COLOURS = {"D_real": "#1b7837", "D_fake": "#762a83"}


def preview_mosaic(inputs: np.ndarray, outputs: np.ndarray, targets: np.ndarray,
                   pad: int = 2) -> np.ndarray:
    """Three rows (input, output, target) of N pictures, white gaps between: one RGB image."""
    rows = [np.asarray(r, np.uint8) for r in (inputs, outputs, targets)]
    n, h, w, _ = rows[0].shape
    out = np.full((3 * (h + pad) - pad, n * (w + pad) - pad, 3), 255, np.uint8)
    for r, row in enumerate(rows):
        for c in range(n):
            out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = row[c]
    return out


class RGBView(QWidget):
    """One RGB picture, scaled by nearest-neighbour to fit, aspect kept."""

    def __init__(self, min_side: int = 72, parent: QWidget | None = None):
        super().__init__(parent)
        self._image: QImage | None = None
        self._array: np.ndarray | None = None
        self._min_side = min_side
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(2 * self._min_side, 2 * self._min_side)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._min_side, self._min_side)

    def set_image(self, image: np.ndarray | None) -> None:
        self._array = None if image is None else np.asarray(image, np.uint8).copy()
        self._image = None if image is None else rgb_qimage(self._array)
        self.update()

    def image(self) -> np.ndarray | None:
        return self._array

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        area = self.rect().adjusted(1, 1, -1, -1)
        if self._image is None:
            p.fillRect(area, QColor("#eeeeee"))
            p.setPen(QColor("#999"))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "—")
        else:
            iw, ih = self._image.width(), self._image.height()
            scale = min(area.width() / iw, area.height() / ih)
            w, h = iw * scale, ih * scale
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(QRectF(area.x() + (area.width() - w) / 2,
                               area.y() + (area.height() - h) / 2, w, h), self._image)
        p.end()


class PreviewGrid(QWidget):
    """Input, G(x) and target of the trainer's fixed examples, one labelled row each."""

    exportRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(f"Press Start ({keys.TRAIN.native()}): G's pictures for four fixed training "
                            "examples appear here as it learns.")
        self.title.setWordWrap(True)
        self.export_btn = QPushButton("Export preview PNG…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save the three rows as one PNG, at "
                         "the images' own resolution")
        self.export_btn.setEnabled(False)
        self.export_btn.clicked.connect(self.exportRequested)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.export_btn)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.views: list[list[RGBView]] = []
        for r, (name, tip) in enumerate(zip(ROWS, ROW_TIPS)):
            label = QLabel(name.replace(" (", "\n("))
            label.setToolTip(tip)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, r, 0)
            row = []
            for c in range(EXAMPLES):
                v = RGBView()
                v.setToolTip(f"{name}, example {c + 1}")
                grid.addWidget(v, r, c + 1)
                row.append(v)
            grid.setRowStretch(r, 1)
            self.views.append(row)
        for c in range(EXAMPLES):
            grid.setColumnStretch(c + 1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addLayout(grid, 1)
        self.step: int | None = None
        self.arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def clear(self, text: str) -> None:
        self.step, self.arrays = None, None
        for row in self.views:
            for v in row:
                v.set_image(None)
        self.title.setText(text)
        self.export_btn.setEnabled(False)

    def show_preview(self, step: int, inputs: np.ndarray, outputs: np.ndarray,
                     targets: np.ndarray) -> None:
        self.step, self.arrays = step, (inputs, outputs, targets)
        for row, images in zip(self.views, self.arrays):
            for c, v in enumerate(row):
                v.set_image(images[c] if c < len(images) else None)
        h, w = inputs.shape[1:3]
        self.title.setText(f"<b>Step {step:,}</b> · {w}×{h} px · dropout on, as at test time"
                           if step else f"<b>Step 0</b> · {w}×{h} px · the untrained G")
        self.export_btn.setEnabled(True)

    def mosaic(self) -> np.ndarray | None:
        return None if self.arrays is None else preview_mosaic(*self.arrays)

    def save_png(self, path: str | Path) -> Path:
        """The three rows as one RGB PNG. (models.imaging.save_png writes greyscale only.)"""
        from PIL import Image
        image = self.mosaic()
        if image is None:
            raise ValueError("there is no preview yet")
        path = Path(path)
        Image.fromarray(image, mode="RGB").save(path)
        return path


def _plot(title: str, colours: dict[str, str], tip: str) -> CurveChart:
    c = CurveChart(title, "loss", colours, smooth=SMOOTH, min_size=(220, 150))
    c.widget.setToolTip(tip)
    return c


class LossCharts(QWidget):
    """G's two terms apart (λ·G_L1 and G_GAN live on different scales) and D's two terms."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.gan = _plot("G_GAN: fooling D", {"G_GAN": G_COLOURS["G_GAN"]},
                         "G_GAN = −log D(x, G(x)): low when G fools D. It is 0 with the L1 "
                            "loss alone, which has no D. Faint: per step; solid: running mean.")
        self.l1 = _plot("G_L1: distance to the target", {"G_L1": G_COLOURS["G_L1"]},
                        "G_L1 = mean |y − G(x)| in [−1, 1] units: how far G's picture is "
                           "from the real one. G minimises G_GAN + λ·G_L1.")
        self.d = _plot("Discriminator", D_COLOURS,
                       "D_real = −log D(x, y) on real pairs; D_fake = −log(1 − D(x, G(x))) "
                          "on G's. D minimises their mean (the paper halves D's loss). Both "
                          "near log 2 ≈ 0.69 is a balanced game; both near 0 means D wins "
                          "outright.")
        self.plots = (self.gan, self.l1, self.d)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for plot in self.plots:
            lay.addWidget(plot.widget, 1)

    def clear(self) -> None:
        for plot in self.plots:
            plot.clear_data()

    def add(self, step: int, losses: dict[str, float]) -> None:
        for plot in self.plots:
            plot.add(step, losses)

    def redraw(self) -> None:
        for plot in self.plots:
            plot.redraw()

    def series(self, name: str) -> Series:
        return next(p.series[name] for p in self.plots if name in p.series)

    def point_count(self, name: str) -> int:
        return len(self.series(name).x)
