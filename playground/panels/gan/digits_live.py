"""What the Train tab shows while a GAN learns: the diagnoses, G's samples from fixed noise,
one thumbnail per epoch, and the charts.

It only draws what it is given (the job's events, forwarded by the view).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from models.imaging import tile

from ...widgets import ImageView
from .diagnosis_banner import DiagnosisBanner
from .digits_charts import ClassHistogram, HealthChart, LossChart, OutputsChart

THUMB = 92            # px, one epoch's thumbnail
THUMB_IMAGES = 16     # the first 16 of the fixed-noise samples, 4×4
PLACEHOLDER = "G's samples from fixed noise appear here"


def grid_columns(n: int) -> int:
    return max(1, int(np.ceil(np.sqrt(n))))


class _Thumb(ImageView):
    clicked = Signal(int)

    def __init__(self, epoch: int):
        super().__init__(min_side=THUMB, caption=f"epoch {epoch}")
        self.epoch = epoch
        self.setFixedSize(THUMB, THUMB + 16)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.epoch)


class EpochStrip(QScrollArea):
    """One thumbnail per finished epoch, oldest first; a click shows that epoch's full grid."""

    epochClicked = Signal(int)

    def __init__(self):
        super().__init__()
        self.setWidgetResizable(True)
        self.setFixedHeight(THUMB + 16 + 22)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip("G's samples at the end of each epoch, from the same noise: watch them "
                        "sharpen epoch by epoch. Click one to see its full grid.")
        inner = QWidget()
        self.row = QHBoxLayout(inner)
        self.row.setContentsMargins(2, 2, 2, 2)
        self.row.setSpacing(4)
        self.hint = QLabel("One thumbnail per epoch appears here.")
        self.hint.setStyleSheet("color: #777;")
        self.row.addWidget(self.hint)
        self.row.addStretch(1)
        self.setWidget(inner)
        self.thumbs: list[_Thumb] = []
        self._follow = False
        self.horizontalScrollBar().rangeChanged.connect(self._range_changed)

    def clear(self) -> None:
        for t in self.thumbs:
            self.row.removeWidget(t)
            t.hide()            # deleteLater waits for the event loop; gone from view now
            t.deleteLater()
        self.thumbs = []
        self.hint.show()

    def add(self, epoch: int, images: np.ndarray, step: int) -> None:
        self.hint.hide()
        t = _Thumb(epoch)
        first = images[:THUMB_IMAGES]
        t.set_image(tile(first, grid_columns(len(first)), pad=1))
        t.setToolTip(f"Epoch {epoch} (step {step:,}); click to show all of its samples")
        t.clicked.connect(self.epochClicked)
        self.row.insertWidget(self.row.count() - 1, t)
        self.thumbs.append(t)
        self._follow = True

    def _range_changed(self, lo: int, hi: int) -> None:
        # the newest thumbnail widens the strip only once laid out: follow it then
        if self._follow:
            self._follow = False
            self.horizontalScrollBar().setValue(hi)


class LiveView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.banner = DiagnosisBanner()
        self.samples = ImageView(min_side=260, caption=PLACEHOLDER)
        self.samples.setToolTip("G's images for the job's fixed noise, refreshed every few "
                                "seconds: the same z each time, so you watch the same digits form")
        self.strip = EpochStrip()
        self.strip.epochClicked.connect(self.show_epoch)
        self.losses, self.outputs = LossChart(), OutputsChart()
        self.health, self.classes = HealthChart(), ClassHistogram()
        # one step axis for every chart over steps: a health point lines up with the losses
        for chart in (self.outputs, self.health):
            chart.widget.setXLink(self.losses.widget)
        charts = QWidget()
        g = QGridLayout(charts)
        g.setContentsMargins(0, 0, 0, 0)
        g.setSpacing(4)
        for i, chart in enumerate((self.losses, self.outputs, self.health, self.classes)):
            g.addWidget(chart.widget, i // 2, i % 2)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.samples, 1)
        ll.addWidget(self.strip)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(charts)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([430, 620])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        self.epoch_images: dict[int, tuple[int, np.ndarray]] = {}
        self.latest: tuple[int, np.ndarray] | None = None
        self._labels = None

    def begin(self, wasserstein: bool, classes=None) -> None:
        self.banner.clear_all()
        self.samples.set_image(None)
        self.samples.set_caption(PLACEHOLDER)
        self.strip.clear()
        self.epoch_images.clear()
        self.latest = None
        for chart in (self.losses, self.outputs, self.health):
            chart.clear_data()
        self.outputs.set_wasserstein(wasserstein)
        self.losses.set_wasserstein(wasserstein)
        self.classes.clear("the class histogram appears with the first health check")
        if classes:
            self.classes.set_classes(classes)

    def show_samples(self, step: int, images: np.ndarray, labels, epoch: int | None) -> None:
        self.latest = (step, images)
        self._labels = labels
        self._show(step, images, labels, "")
        if epoch is not None:
            self.epoch_images[epoch] = (step, images)
            self.strip.add(epoch, images, step)

    def _show(self, step: int, images: np.ndarray, labels, what: str) -> None:
        # a conditional job's labels cycle through the classes: one column per class
        cols = len(np.unique(labels)) if labels is not None else grid_columns(len(images))
        if len(images) > cols:                  # whole rows only: no blank cells at the end
            images = images[:len(images) // cols * cols]
        self.samples.set_image(tile(images, cols, pad=2))
        text = f"{what}step {step:,} · fixed noise"
        if labels is not None:
            text += " · one class per column"
        self.samples.set_caption(text)

    def show_epoch(self, epoch: int) -> None:
        if epoch in self.epoch_images:
            step, images = self.epoch_images[epoch]
            self._show(step, images, self._labels, f"end of epoch {epoch} · ")

    def show_health(self, h) -> None:
        self.health.add(h.step, h.diversity, h.entropy)
        if h.class_hist is not None:
            self.classes.set_hist(h.class_hist, h.entropy, h.covered)
        elif self.classes.hist is None:
            self.classes.clear("no classifier for this dataset")

    def redraw(self) -> None:
        self.losses.redraw()
        self.outputs.redraw()
