"""The Counting tab: how many parameters a distribution over n binary pixels needs.

The lectures' table, live for an image side from 2 to 64 (n = side²): the full joint table
(2ⁿ − 1), independent pixels (n), a Markov chain (2n − 1), the fully visible sigmoid belief
net (n(n + 1)/2), NADE (2nH + n + H) and PixelCNN (fixed: its kernels do not grow with n,
counted from the module itself). Counts are exact integers (models/likelihood/counting.py);
the huge ones are shown as powers of ten, and a bar chart of log₁₀(count) puts them on one
scale.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QSlider, QSpinBox, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from models.likelihood import counting
from models.likelihood.nade import DEFAULT_HIDDEN
from models.likelihood.pixelcnn import PixelCNNConfig

from ... import keys
from ... import settings as app_settings
from .sampling_widgets import ask_save_path, write_or_warn

SHIPPED = PixelCNNConfig()            # the recipe of checkpoints/mnist-pixelcnn: 64 × 7
DEFAULTS = {"side": 28, "hidden": DEFAULT_HIDDEN, "channels": SHIPPED.channels,
            "layers": SHIPPED.layers, "gated": SHIPPED.gated, "with_full": True}
PREFS = app_settings.Setting("likelihood/counting", {}, app_settings.record(
    side=app_settings.integer(2, 64), hidden=app_settings.integer(1, 4096),
    channels=app_settings.integer(1, 512), layers=app_settings.integer(0, 64),
    gated=app_settings.boolean))
COLOURS = ["#d62728", "#7f7f7f", "#8c564b", "#ff7f0e", "#1f77b4", "#2ca02c"]
SHORT = ["Full joint", "Independent", "Markov", "FVSBN", "NADE", "PixelCNN"]
ATOMS = 80                            # the observable universe has about 10^80 atoms
COLUMNS = ("Model", "Parameters", "Formula", "log₁₀")


def _exact_text(count: int) -> str:
    """A tooltip: every digit when that is readable, else the first and last ones."""
    digits = counting.digits(count)
    if digits <= 60:
        return f"{count:,} ({digits} digits)"
    text = str(count)
    return f"{text[:24]}…{text[-12:]} ({digits:,} digits)"


class CountingView(QWidget):
    message = Signal(str)

    def __init__(self, source, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source = source              # unused: the table needs no trained model
        self.prefs = {**DEFAULTS, **PREFS.get()}
        self.rows: list[counting.Row] = []
        self._build()
        self._set_values(self.prefs)
        for w in (self.side, self.side_spin, self.hidden, self.channels, self.layers):
            w.valueChanged.connect(lambda _v: self._changed())
        self.gated.toggled.connect(lambda _v: self._changed())
        self.with_full.toggled.connect(lambda _v: self._changed())
        self.side.valueChanged.connect(self.side_spin.setValue)
        self.side_spin.valueChanged.connect(self.side.setValue)
        self.defaults_btn.clicked.connect(lambda: self._set_values(DEFAULTS))
        self.export_btn.clicked.connect(lambda: self.export_png())
        self.refresh()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.side = QSlider(Qt.Orientation.Horizontal)
        self.side.setRange(2, 64)
        self.side.setPageStep(4)
        self.side.setToolTip("The image side: images are side × side binary pixels, "
                             "n = side²")
        self.side_spin = QSpinBox()
        self.side_spin.setRange(2, 64)
        self.side_spin.setToolTip(self.side.toolTip())
        self.n_label = QLabel()
        self.n_label.setMinimumWidth(230)
        self.hidden = QSpinBox()
        self.hidden.setRange(1, 4096)
        self.hidden.setToolTip("NADE's hidden units H (500 in the paper and the shipped model)")
        self.channels = QSpinBox()
        self.channels.setRange(1, 512)
        self.channels.setToolTip("PixelCNN's channels per layer (64 in the shipped model)")
        self.layers = QSpinBox()
        self.layers.setRange(0, 64)
        self.layers.setToolTip("PixelCNN's residual blocks after the first 7×7 layer "
                               "(7 in the shipped model)")
        self.gated = QCheckBox("gated")
        self.gated.setToolTip("Gated blocks, tanh(W_f ∗ x) ⊙ σ(W_g ∗ x): twice the masked "
                              "3×3 kernels")
        self.defaults_btn = QPushButton("Shipped settings")
        self.defaults_btn.setToolTip("Back to 28×28, H = 500 and the shipped PixelCNN's "
                                     "64 channels × 7 blocks")
        self.export_btn = QPushButton("Export PNG…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save the bar chart as a PNG")

        self.with_full = QCheckBox("Full joint in the chart")
        self.with_full.setChecked(True)
        self.with_full.setToolTip("Its bar dwarfs the rest; untick it to compare the models "
                                  "that are tractable")
        side_row = QHBoxLayout()
        side_row.addWidget(QLabel("Image side"))
        side_row.addWidget(self.side, 1)
        side_row.addWidget(self.side_spin)
        side_row.addWidget(self.n_label)
        model_row = QHBoxLayout()
        for label, w in (("NADE H", self.hidden), ("PixelCNN channels", self.channels),
                         ("blocks", self.layers)):
            model_row.addWidget(QLabel(label))
            model_row.addWidget(w)
            model_row.addSpacing(8)
        model_row.addWidget(self.gated)
        model_row.addStretch(1)
        model_row.addWidget(self.with_full)
        model_row.addWidget(self.defaults_btn)
        model_row.addWidget(self.export_btn)

        self.table = QTableWidget(6, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setToolTip("Free parameters of each model of n binary pixels; hover a count "
                              "for its digits")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.chart = pg.PlotWidget(background="w")
        self.chart.setMenuEnabled(False)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.hideButtons()
        self.chart.setLabel("left", "log₁₀(parameters)")
        self.chart.showGrid(y=True, alpha=0.25)
        self.chart.setToolTip("Bar height: log₁₀ of the count, so each step up is ×10")
        self.bars = pg.BarGraphItem(x=np.arange(6), height=np.zeros(6), width=0.6,
                                    brushes=COLOURS, pens=[pg.mkPen(None)] * 6)
        self.chart.addItem(self.bars)
        self.bar_labels = [pg.TextItem(anchor=(0.5, 1.0), color="#222") for _ in range(6)]
        for item in self.bar_labels:
            self.chart.addItem(item)
        self.chart.getAxis("bottom").setTicks([list(enumerate(SHORT))])

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #333;")

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addLayout(side_row)
        tl.addLayout(model_row)
        tl.addWidget(self.table)
        tl.addWidget(self.note)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.chart)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def _set_values(self, values: dict) -> None:
        for w in (self.side, self.side_spin, self.hidden, self.channels, self.layers,
                  self.gated):
            w.blockSignals(True)
        self.side.setValue(values["side"])
        self.side_spin.setValue(values["side"])
        self.hidden.setValue(values["hidden"])
        self.channels.setValue(values["channels"])
        self.layers.setValue(values["layers"])
        self.gated.setChecked(values["gated"])
        self.with_full.setChecked(values["with_full"])
        for w in (self.side, self.side_spin, self.hidden, self.channels, self.layers,
                  self.gated):
            w.blockSignals(False)
        self._changed()

    def values(self) -> dict:
        return {"side": self.side.value(), "hidden": self.hidden.value(),
                "channels": self.channels.value(), "layers": self.layers.value(),
                "gated": self.gated.isChecked(), "with_full": self.with_full.isChecked()}

    # ------------------------------------------------------------------ the numbers
    def _changed(self) -> None:
        self.prefs = self.values()
        PREFS.set(self.prefs)
        self.refresh()

    def refresh(self) -> None:
        v = self.values()
        side = v["side"]
        n = side * side
        self.n_label.setText(f"n = {side}² = {n:,} binary pixels")
        self.rows = counting.table(n, v["hidden"], v["channels"], v["layers"], v["gated"])
        heights = []
        for i, row in enumerate(self.rows):
            logc = counting.log10(row.count)
            heights.append(logc)
            cells = (row.name, counting.format_count(row.count, superscript=True),
                     row.formula, f"{logc:,.1f}")
            for j, text in enumerate(cells):
                item = self.table.item(i, j)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(i, j, item)
                item.setText(text)
                if j in (1, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
            self.table.item(i, 1).setToolTip(_exact_text(row.count))
        if v["gated"] or v["channels"] or v["layers"]:
            unmasked = counting.pixelcnn_unmasked(v["channels"], v["layers"], v["gated"])
            self.table.item(5, 1).setToolTip(
                f"{_exact_text(self.rows[5].count)}: every stored weight; {unmasked:,} of them "
                "can be non-zero (the masks zero the rest of each kernel)")
        self._fit_table_height()
        shown = list(heights)
        if not v["with_full"]:
            shown[0] = 0.0
        self.bars.setOpts(height=np.array(shown))
        for i, (item, row) in enumerate(zip(self.bar_labels, self.rows)):
            item.setText(counting.format_count(row.count, exact_below=10 ** 7, superscript=True)
                         if shown[i] or i else "")
            item.setPos(i, shown[i])
        self.chart.setYRange(0, max(shown) * 1.12 + 0.5, padding=0)
        self.chart.setXRange(-0.6, 5.6, padding=0)
        self._write_note(n, heights)

    def _fit_table_height(self) -> None:
        t = self.table
        t.setFixedHeight(t.horizontalHeader().height() + sum(t.rowHeight(i)
                                                             for i in range(t.rowCount())) + 4)

    def _write_note(self, n: int, heights: list[float]) -> None:
        full = self.rows[0].count
        k = counting.decimal_exponent(full)
        universe = (f" — more numbers than the universe has atoms (about 10<sup>{ATOMS}</sup>)"
                    if k > ATOMS else "")
        nade, pix = self.rows[4].count, self.rows[5].count
        small = (" At this size the full table, which can hold every distribution, needs fewer "
                 "numbers than NADE or PixelCNN: sharing weights pays off only when there are "
                 "many pixels." if full < min(nade, pix) else "")
        self.note.setText(
            f"A table of p(x) over all 2<sup>{n:,}</sup> images of {n:,} binary pixels needs "
            f"{counting.format_count(full, superscript=True)} numbers{universe}. Independent "
            f"pixels need only {n:,} but cannot draw a stroke. The autoregressive models keep "
            f"the chain rule exact and share weights: the FVSBN grows like n², NADE like n "
            f"({nade:,} at H = {self.hidden.value()}), and PixelCNN's {pix:,} do not grow at "
            "all: the same kernels slide over every image size." + small)

    # ------------------------------------------------------------------ export
    def export_png(self, path: str | None = None) -> bool:
        path = path or ask_save_path(self, "Export the parameter-count chart", "counting.png")
        if not path:
            return False
        if not write_or_warn(self, lambda: self._write_png(path), path):
            return False
        self.message.emit(f"Saved {path}")
        return True

    def _write_png(self, path: str) -> None:
        if not self.chart.grab().save(path, "PNG"):
            raise OSError("the picture could not be written")

    # ------------------------------------------------------------------ window
    def help_topic(self) -> str:
        return "likelihood-counting"

    def set_device(self, device: str) -> None:
        """Nothing runs here."""

    def set_data_dir(self, data_dir: str | None) -> None:
        """No data is read here."""

    def shutdown(self) -> bool:
        return True
