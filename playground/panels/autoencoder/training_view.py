"""The training side of the autoencoder panel: hyperparameters, controls, progress, curves."""
from __future__ import annotations

from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel,
                               QSpinBox, QVBoxLayout, QWidget)

from models.autoencoder.training import TrainConfig
from models.events import EpochEnd, Preview, Step
from models.imaging import tile

from ...curve_chart import MARKERS, PLAIN, Curve, CurveChart
from ...train_block import TrainBlock
from ...widgets import ImageView, ask_idx_folder

CHOOSE_FOLDER = "Choose folder…"


class LossCurves(QWidget):
    """Reconstruction (and total) on top, KL below, per step; test losses as dots per epoch.
    Two shared CurveCharts with one step axis."""

    def __init__(self, parent=None):
        super().__init__(parent)
        # one row across the top: stacked, the legend would hide most of a short chart
        legend = {"colCount": 3, "brush": pg.mkBrush(255, 255, 255, 200)}
        dots = dict(kind=MARKERS, line=False, legend=False)
        self.top = CurveChart(None, "recon / image", {
            "loss": Curve("#999", kind=PLAIN, width=1), "recon": Curve("#1f77b4", kind=PLAIN, width=1.5),
            "test recon": Curve("#1f77b4", **dots)}, legend_at=(-5, 2), legend_opts=legend,
            min_size=(150, 80), bottom="")
        self.bottom = CurveChart(None, "KL / image", {
            "kl": Curve("#d62728", kind=PLAIN, width=1.5), "test kl": Curve("#d62728", **dots)},
            legend_at=(-5, 2), legend_opts=legend, min_size=(150, 80))
        self.top.rename_series("loss", "total")
        self.top.rename_series("recon", "reconstruction")
        self.bottom.rename_series("kl", "KL")
        for chart, colour in ((self.top, "#1f77b4"), (self.bottom, "#d62728")):
            # one "test" entry for the dots (markers have none of their own: two would read
            # "test recon", "test kl")
            chart.legend.addItem(chart.curves[f"test {'recon' if chart is self.top else 'kl'}"][1],
                                 "test")
            chart.getAxis("left").setWidth(52)        # the two plots' x axes line up
        self.top.getAxis("bottom").setStyle(showValues=False)
        self.top.getAxis("bottom").setHeight(6)
        self.bottom.setXLink(self.top)
        self.charts = (self.top, self.bottom)
        self.curves = {"loss": self.top.curves["loss"][1], "recon": self.top.curves["recon"][1],
                       "kl": self.bottom.curves["kl"][1]}      # the plot items, by loss name
        self.caption = QLabel()
        self.caption.setStyleSheet("color: #555;")
        self.caption.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.caption)
        lay.addWidget(self.top, 1)
        lay.addWidget(self.bottom, 1)
        self.clear()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        # The column lays out at its preferred height for its width (the status label wraps),
        # so pyqtgraph's 600×500 hint would push the column past a 1400×860 window and clip
        # the Stop button and this chart; the chart still stretches into any room left.
        return QSize(300, 240)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return False        # else the wrapping caption makes the column ask for 500 px again

    def clear(self, caption: str = "") -> None:
        for chart in self.charts:
            chart.clear_data()              # a zoom of the last run does not carry over
        self._caption = caption
        self.label_test(0)
        self.bottom.setVisible(True)

    def state(self) -> dict:
        """A copy of the curves, to show again when their model is selected."""
        return {"top": self.top.state(), "bottom": self.bottom.state(),
                "test_images": self.test_images}

    def restore(self, state: dict | None, caption: str = "") -> None:
        """Show a saved run (None: no curves, e.g. for a model loaded from disk)."""
        self.clear(caption)
        if state:
            self.top.restore(state["top"])
            self.bottom.restore(state["bottom"])
            self.label_test(state.get("test_images", 0))
            self.redraw()

    def add_step(self, step: int, losses: dict[str, float]) -> None:
        self.top.add(step, losses)
        self.bottom.add(step, losses)

    def label_test(self, images: int) -> None:
        """Say what the per-epoch dots measure: the loss on `images` held-out images (the
        trainer's subset; the saved model's figure is on all of them), or just "test"."""
        self.test_images = images
        # short, so the one-row legend still fits a narrow column; the caption says it in full
        text = f"test ({images:,})" if images else "test"
        self.caption.setText(self._caption + (f" · dots: test loss on {images:,} held-out "
                                              "images" if images else ""))
        self.caption.setVisible(bool(self.caption.text()))
        for chart in self.charts:
            for _sample, label in chart.legend.items:
                if label.text.startswith("test"):
                    label.setText(text)
            chart.setToolTip("Loss per step; dots: held-out loss per epoch"
                             + (f", on the first {images:,} held-out images (a saved model's "
                                "figure is on all of them)" if images else "")
                             + ". The wheel scrolls the column; click the chart first to zoom it.")

    def add_test(self, step: int, losses: dict[str, float]) -> None:
        tests = {f"test {k}": v for k, v in losses.items()}
        self.top.add(step, tests)
        self.bottom.add(step, tests)

    def redraw(self) -> None:
        for chart in self.charts:
            chart.redraw()
        # an AE has no KL: its chart goes, unless there is nothing to show yet
        self.bottom.setVisible(self.bottom.has_points() or not self.top.has_points())

    def point_count(self) -> int:
        """Points of the total loss: one per step, up to curve_chart.MAX_POINTS."""
        return self.top.point_count("loss")

    def last_step(self) -> float | None:
        x = self.top.series["loss"].x
        return x[-1] if x else None


class TrainingView(QWidget):
    trainRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, *, data_dir: Callable[[], str | None] = lambda: None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        # data_dir() is the panel's data folder now (the Data folder menu changes it)
        self._data_dir = data_dir
        box = QGroupBox("Train a fresh model")
        form = QFormLayout(box)
        self.kind = QComboBox()
        self.kind.addItem("VAE (variational)", "vae")
        self.kind.addItem("AE (plain)", "ae")
        self.kind.setToolTip("A VAE encodes a distribution and is pulled towards the prior N(0, I) "
                             "by the KL term; a plain AE encodes a point and has no prior.")
        self.arch = QComboBox()
        self.arch.addItem("Small CNN", "conv")
        self.arch.addItem("MLP 784-400-d (pytorch/examples)", "mlp")
        self.dataset = QComboBox()
        self.dataset.addItems(["mnist", "fashion-mnist", CHOOSE_FOLDER])
        self.dataset.setToolTip("A named dataset, or a folder with train-images-idx3-ubyte etc.")
        self.dataset.activated.connect(self._maybe_choose_folder)
        self.latent = QSpinBox(minimum=1, maximum=64, value=2)
        self.latent.setToolTip("Latent dimension. Above 2 the plot shows a PCA projection.")
        self.beta = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=100.0, singleStep=0.1)
        self.beta.setValue(1.0)
        self.beta.setToolTip("β, the weight of the KL term (VAE only). β = 1 is the ELBO.")
        default = TrainConfig()     # the form starts at the trainer's own defaults
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-4)
        self.lr.setValue(default.lr)
        self.batch = QSpinBox(minimum=8, maximum=4096, value=default.batch_size, singleStep=32)
        self.epochs = QSpinBox(minimum=1, maximum=1000, value=default.epochs)
        for label, w in (("Model", self.kind), ("Architecture", self.arch), ("Dataset", self.dataset),
                         ("Latent dim", self.latent), ("β (KL weight)", self.beta),
                         ("Learning rate", self.lr), ("Batch size", self.batch), ("Epochs", self.epochs)):
            form.addRow(label, w)
        self.kind.currentIndexChanged.connect(self._kind_changed)

        self.block = TrainBlock("Train a fresh model with these settings",
                                "Stop after the current batch and keep the weights")
        self.block.lend_to(self)      # train_btn, pause_btn, stop_btn, progress, status
        self.curves = LossCurves()
        self.recon = ImageView(min_side=90, caption="held-out inputs (top) · reconstructions (bottom)")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)
        lay.addWidget(self.block)
        self.curves.setMinimumHeight(200)
        self.recon.setMinimumHeight(70)
        lay.addWidget(self.recon, 1)
        lay.addWidget(self.curves, 3)
        self.set_state("idle")

    # ------------------------------------------------------------------ settings
    def values(self) -> dict:
        return {"kind": self.kind.currentData(), "arch": self.arch.currentData(),
                "dataset": self.dataset.currentText(), "latent_dim": self.latent.value(),
                "beta": self.beta.value(), "lr": self.lr.value(), "batch_size": self.batch.value(),
                "epochs": self.epochs.value()}

    def set_values(self, v: dict) -> None:
        def pick(combo, data):
            i = combo.findData(data)
            if i >= 0:
                combo.setCurrentIndex(i)
        pick(self.kind, v.get("kind"))
        pick(self.arch, v.get("arch"))
        ds = v.get("dataset")
        if ds and ds != CHOOSE_FOLDER:
            if self.dataset.findText(ds) < 0:
                self.dataset.insertItem(self.dataset.count() - 1, ds)
            self.dataset.setCurrentText(ds)
        for w, key, cast in ((self.latent, "latent_dim", int), (self.beta, "beta", float),
                             (self.lr, "lr", float), (self.batch, "batch_size", int),
                             (self.epochs, "epochs", int)):
            try:
                w.setValue(cast(v[key]))
            except (KeyError, TypeError, ValueError):
                pass

    def _kind_changed(self) -> None:
        self.beta.setEnabled(self.kind.currentData() == "vae")

    def _maybe_choose_folder(self) -> None:
        if self.dataset.currentText() != CHOOSE_FOLDER:
            return
        folder = ask_idx_folder(self, self._data_dir())
        if folder:
            self.set_values({"dataset": folder})
        else:
            self.dataset.setCurrentIndex(0)

    # ------------------------------------------------------------------ state
    def set_state(self, state: str) -> None:
        """"idle", "running", "pausing" (asked for, not yet in effect) or "paused"."""
        self.block.set_state(state)
        busy = state != "idle"
        for w in (self.kind, self.arch, self.dataset, self.latent, self.lr, self.batch, self.epochs):
            w.setEnabled(not busy)
        self.beta.setEnabled(not busy and self.kind.currentData() == "vae")

    def begin(self, name: str = "") -> None:
        self.curves.clear(f"Training {name}" if name else "")
        self.block.begin()
        self.recon.set_image(None)

    def show_step(self, ev: Step) -> None:
        self.curves.add_step(ev.step, ev.losses)
        self.block.show_step(ev, f"{ev.images_per_s:,.0f} img/s · loss {ev.losses['loss']:.1f}")

    def show_epoch(self, ev: EpochEnd, step: int) -> None:
        if ev.test_images != self.curves.test_images:
            self.curves.label_test(ev.test_images)
        self.curves.add_test(step, ev.test_losses)

    def show_preview(self, ev: Preview) -> None:
        both = np.concatenate([ev.inputs, ev.outputs])
        self.recon.set_image(tile(both, ncols=len(ev.inputs), pad=1))

    def redraw(self) -> None:
        self.curves.redraw()

    def set_status(self, text: str) -> None:
        self.status.setText(text)
