"""The control column of the Flows 2-D tab: the data, what the picture shows, and training."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QVBoxLayout, QWidget)

from models.events import Step
from models.likelihood.flow_data import DATASET_NAMES, MIN_POINTS

from ... import keys
from ...curve_chart import Curve, CurveChart
from ...train_block import TrainBlock
from ..gan.lab_inputs import RateSpinBox, button, combo, spin

MINE = "mine"
DATA_CHOICES = {**DATASET_NAMES, MINE: "My points"}
DEFAULTS = {"data": "moons", "points": 5000, "seed": 0, "density": True, "log_density": False,
            "samples": True, "sample_count": 1000, "grid": True, "couplings": 8, "hidden": 64,
            "steps": 3000, "lr": 1e-3, "batch": 256}
NLL_COLOUR = "#1f77b4"


class FlowControls(QWidget):
    dataChanged = Signal()              # the data choice, its point count or its seed
    loadPointsRequested = Signal()
    clearPointsRequested = Signal()
    displayChanged = Signal()
    newSamplesRequested = Signal()
    saveImageRequested = Signal()
    trainSettingsChanged = Signal()
    trainRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._build_data())
        lay.addWidget(self._build_show())
        lay.addWidget(self._build_train())
        lay.addStretch(1)
        self._connect()
        self.set_values(DEFAULTS)
        self.set_state("idle")

    # ---------------------------------------------------------------- layout
    def _build_data(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.data = combo(DATA_CHOICES, "The points the flow learns: two moons, two concentric "
                          "rings, or your own (click on the plot, or load a file)")
        self.points = spin(100, 50_000, "How many points of the chosen shape to draw (the "
                           "plot shows at most 2,000 of them)", 500)
        self.seed = spin(0, 1_000_000, "Seed of the points, and of the training batches")
        self.hint = QLabel(f"Click or drag on the plot to add points; right-click (or "
                           f"Shift-click) removes those nearby. At least {MIN_POINTS}.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        self.load_btn = button("Load points…", keys.LOAD_INPUT,
                               "Your own points from a .csv / .txt file (two numbers a row, "
                               "x and y) or a .npy N×2 array; they become “My points”")
        self.clear_btn = button("Clear", keys.CLEAR, "Remove all of “My points”")
        row = QHBoxLayout()
        row.addWidget(self.load_btn)
        row.addWidget(self.clear_btn)
        form.addRow("Shape", self.data)
        form.addRow("Points", self.points)
        form.addRow("Seed", self.seed)
        form.addRow(self.hint)
        form.addRow(row)
        self._data_form = form
        return box

    def _build_show(self) -> QGroupBox:
        box = QGroupBox("Show")
        form = QFormLayout(box)
        self.density = QCheckBox("Exact density p(x) as a heat map")
        self.density.setToolTip("The flow's density, computed exactly at every pixel by the "
                                "change of variables (no sampling)")
        self.log_density = QCheckBox("as log p(x)")
        self.log_density.setToolTip("The log-density over the 10 nats below its peak: shows "
                                    "where the model puts little but not zero mass")
        self.samples = QCheckBox("Samples")
        self.samples.setToolTip("Draws z ~ N(0, I) pushed through the first k couplings (the "
                                "slider under the plot); at k = L they are samples of the model")
        self.sample_count = spin(50, 5000, "How many Gaussian draws z to push through the flow",
                                 50)
        self.new_samples_btn = button("New samples", keys.NEW_NOISE,
                                      "Fresh Gaussian draws z (a new seed)")
        self.grid = QCheckBox("Warped grid lines")
        self.grid.setToolTip("A square grid of lines in z-space (z₁, z₂ from −3 to 3) pushed "
                             "through the first k couplings: how the flow bends the plane")
        self.save_image_btn = button("Save image…", keys.EXPORT, "Save the plot as a PNG")
        row = QHBoxLayout()
        row.addWidget(self.samples)
        row.addWidget(self.sample_count, 1)
        form.addRow(self.density)
        form.addRow(self.log_density)
        form.addRow(row)
        form.addRow(self.new_samples_btn)
        form.addRow(self.grid)
        form.addRow(self.save_image_btn)
        return box

    def _build_train(self) -> QGroupBox:
        box = QGroupBox("Train a RealNVP here")
        # the block and chart below the form, in a plain column: as rows of the form, the
        # status line's wrapped second line was drawn under the chart
        column = QVBoxLayout(box)
        form = QFormLayout()
        column.addLayout(form)
        self.couplings = spin(2, 16, "Affine coupling layers L; they alternate which "
                              "coordinate they change (x₁, then x₂, …)")
        self.hidden = spin(8, 256, "Units in each of the two hidden layers of every "
                           "coupling's network s, t", 8)
        self.steps = spin(100, 200_000, "Adam steps; each one a batch drawn from the points",
                          500)
        self.lr = RateSpinBox()
        self.lr.setToolTip("Adam's learning rate; too large and the log-likelihood explodes "
                           "(training stops and keeps the last good weights)")
        self.batch = spin(16, 4096, "Points per step", 16)
        form.addRow("Couplings", self.couplings)
        form.addRow("Hidden width", self.hidden)
        form.addRow("Steps", self.steps)
        form.addRow("Learning rate", self.lr)
        form.addRow("Batch", self.batch)
        self.block = TrainBlock("Train a fresh flow on the data shown",
                                "Stop training and keep the weights so far",
                                ready="Press Train: the default run takes about half a "
                                      "minute on a CPU.")
        self.block.lend_to(self)      # train_btn, pause_btn, stop_btn, progress, status
        column.addWidget(self.block)
        self.chart = CurveChart("−log p(x) of the training batches", "nats",
                                {"NLL": Curve(NLL_COLOUR, raw_label="per step")},
                                legend_at=None, min_size=(200, 170), steady_range=True)
        self.chart.setToolTip("The loss: the mean negative log-likelihood of each batch (faint), "
                              "and its running mean")
        column.addWidget(self.chart)
        return box

    def _connect(self) -> None:
        self.data.currentIndexChanged.connect(lambda _: self._data_choice_changed())
        for s in (self.points, self.seed):
            s.valueChanged.connect(lambda _: self.dataChanged.emit())
        self.load_btn.clicked.connect(self.loadPointsRequested)
        self.clear_btn.clicked.connect(self.clearPointsRequested)
        for b in (self.density, self.log_density, self.samples, self.grid):
            b.toggled.connect(lambda _: self._display_changed())
        self.sample_count.valueChanged.connect(lambda _: self.displayChanged.emit())
        self.new_samples_btn.clicked.connect(self.newSamplesRequested)
        self.save_image_btn.clicked.connect(self.saveImageRequested)
        for s in (self.couplings, self.hidden, self.steps, self.lr, self.batch):
            s.valueChanged.connect(lambda _: self.trainSettingsChanged.emit())

    def _data_choice_changed(self) -> None:
        self._show_data_widgets()
        self.dataChanged.emit()

    def _display_changed(self) -> None:
        self._show_data_widgets()
        self.displayChanged.emit()

    def _show_data_widgets(self) -> None:
        mine = self.data.currentData() == MINE
        for w in (self.points, self.seed):
            self._data_form.setRowVisible(w, not mine)
        self.hint.setVisible(mine)
        self.clear_btn.setEnabled(mine and self.block.state == "idle")
        self.log_density.setEnabled(self.density.isChecked())
        self.sample_count.setEnabled(self.samples.isChecked())
        self.new_samples_btn.setEnabled(self.samples.isChecked())

    # ---------------------------------------------------------------- values
    def values(self) -> dict:
        return {"data": self.data.currentData(), "points": self.points.value(),
                "seed": self.seed.value(), "density": self.density.isChecked(),
                "log_density": self.log_density.isChecked(), "samples": self.samples.isChecked(),
                "sample_count": self.sample_count.value(), "grid": self.grid.isChecked(),
                "couplings": self.couplings.value(), "hidden": self.hidden.value(),
                "steps": self.steps.value(), "lr": self.lr.value(), "batch": self.batch.value()}

    def set_values(self, v: dict) -> None:
        """Apply saved values, skipping any that are missing or of the wrong type, quietly
        (spin boxes clamp what is out of range)."""
        spins = {"points": self.points, "seed": self.seed, "sample_count": self.sample_count,
                 "couplings": self.couplings, "hidden": self.hidden, "steps": self.steps,
                 "batch": self.batch}
        boxes = {"density": self.density, "log_density": self.log_density,
                 "samples": self.samples, "grid": self.grid}
        widgets = [self.data, self.lr, *spins.values(), *boxes.values()]
        for w in widgets:
            w.blockSignals(True)
        try:
            i = self.data.findData(v.get("data"))
            if i >= 0:
                self.data.setCurrentIndex(i)
            for key, s in spins.items():
                if isinstance(v.get(key), int) and not isinstance(v.get(key), bool):
                    s.setValue(v[key])
            for key, b in boxes.items():
                if isinstance(v.get(key), bool):
                    b.setChecked(v[key])
            lr = v.get("lr")
            if isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr > 0:
                self.lr.setValue(float(lr))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._show_data_widgets()

    # ---------------------------------------------------------------- state
    def set_state(self, state: str) -> None:
        """"idle", "running", "pausing" or "paused", as the training runner says: the data
        and the flow's settings are fixed while a run uses them."""
        self.block.set_state(state)
        busy = state != "idle"
        for w in (self.data, self.points, self.seed, self.load_btn, self.couplings,
                  self.hidden, self.steps, self.lr, self.batch):
            w.setEnabled(not busy)
        self._show_data_widgets()

    def show_step(self, ev: Step) -> None:
        self.block.show_step(ev, f"NLL {ev.losses['nll']:.3f} nats · "
                                 f"{ev.images_per_s / 1000:,.0f}k points/s")

