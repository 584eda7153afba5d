"""The "Train" tab of the reverse-process view: hyperparameters, controls, loss, live samples."""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QScrollArea, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from models.diffusion.schedules import SCHEDULES
from models.events import EpochEnd, Step
from models.imaging import tile

from ...curve_chart import MARKERS, Curve, CurveChart
from ...train_block import TrainBlock
from ...widgets import ImageView, ask_idx_folder
from .chain_view import grid_columns

CHOOSE_FOLDER = "Choose folder…"
WIDTHS = {"8-8-8 (tiny: a first look in a minute)": (8, 8, 8),
          "16-32-32 (small: fast on a CPU)": (16, 32, 32),
          "32-64-64 (as the pretrained models)": (32, 64, 64)}
SMOOTHING = 0.98


class LossPlot(CurveChart):
    """The simple loss per step (raw, faint; smoothed, solid) and the held-out loss per epoch,
    on a log axis."""

    def __init__(self, parent=None):
        # the running mean's window grows with the run (about a fifth of the steps so far, at
        # most ~50), so the fast early fall is not smeared over the whole curve
        super().__init__(None, "simple loss ‖ε − ε̂‖²", {
            "smoothed": Curve("#1f77b4", raw_colour="#a9c1de", raw_label="per step"),
            "held-out (EMA)": Curve("#d62728", kind=MARKERS, width=1.5)},
            smooth=SMOOTHING, warmup=5, log_y=True, parent=parent)

    def add_step(self, step: int, loss: float) -> None:
        self.add(step, {"smoothed": loss})

    def add_test(self, step: int, loss: float) -> None:
        self.add(step, {"held-out (EMA)": loss})


class TrainingPane(QWidget):
    trainRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, *, data_dir: Callable[[], str | None] = lambda: None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        # data_dir() is the panel's data folder now (the Data folder menu changes it)
        self._data_dir = data_dir
        box = QGroupBox("Train a diffusion model here")
        form = QFormLayout(box)
        self.dataset = QComboBox()
        self.dataset.addItems(["mnist", "fashion-mnist", CHOOSE_FOLDER])
        self.dataset.setToolTip("A named dataset (found in the data folder, downloaded if "
                                "missing), or a folder with train-images-idx3-ubyte etc.")
        self.dataset.activated.connect(self._maybe_choose_folder)
        self.conditional = QCheckBox("Class-conditional (for guidance)")
        self.conditional.setToolTip("Learn ε̂(x_t, t, y) with the label dropped (replaced by ∅) "
                                    "at the rate below, so one network gives both the "
                                    "conditional and the unconditional estimate that "
                                    "classifier-free guidance mixes.")
        self.p_uncond = QDoubleSpinBox(decimals=2, minimum=0.0, maximum=0.9, singleStep=0.05,
                                       value=0.1)
        self.p_uncond.setToolTip("Label dropout: how often a training image's label is "
                                 "replaced by the 'no label' token ∅")
        self.schedule = QComboBox()
        self.schedule.addItems(list(SCHEDULES))
        self.schedule.setToolTip("The noise schedule β_t (see the Forward process tab)")
        self.timesteps = QSpinBox(minimum=10, maximum=1000, value=1000, singleStep=50)
        self.timesteps.setToolTip("T, the number of diffusion steps the network is trained for")
        self.width = QComboBox()
        for text, ch in WIDTHS.items():
            self.width.addItem(text, list(ch))
        self.width.setCurrentIndex(1)
        self.width.setToolTip("Channels of the U-Net at 28, 14 and 7 pixels")
        self.epochs = QSpinBox(minimum=1, maximum=1000, value=5)
        self.batch = QSpinBox(minimum=8, maximum=1024, value=128, singleStep=32)
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=0.1, singleStep=1e-4, value=1e-3)
        self.precision = QComboBox()
        self.precision.addItem("fp32", "fp32")
        self.precision.addItem("bf16 (autocast)", "bf16")
        self.precision.setToolTip("bf16 autocast is faster on recent CPUs and GPUs; the weights "
                                  "stay fp32")
        self.samples_every = QSpinBox(minimum=1, maximum=100_000, value=100, suffix=" steps")
        self.samples_every.setToolTip("Refresh the sample grid (DDIM-20 from fixed noise with the "
                                      "EMA weights) every N optimiser steps")
        for label, w in (("Dataset", self.dataset), ("", self.conditional),
                         ("Label dropout", self.p_uncond), ("Schedule", self.schedule),
                         ("Timesteps T", self.timesteps), ("U-Net width", self.width),
                         ("Epochs", self.epochs), ("Batch size", self.batch),
                         ("Learning rate", self.lr), ("Precision", self.precision),
                         ("Samples every", self.samples_every)):
            form.addRow(label, w)
        self.conditional.toggled.connect(self._update_enabled)

        self.block = TrainBlock("Train a fresh model with these settings. Its EMA weights "
                                "appear as “Trained here” in the model list.",
                                "Stop after the current step and keep the EMA weights")
        self.block.lend_to(self)      # train_btn, pause_btn, stop_btn, progress, status

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(box)
        ll.addWidget(self.block)
        ll.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(left.minimumSizeHint().width() + 24)

        self.curve = LossPlot()
        self.samples = ImageView(min_side=200, caption="samples from fixed noise appear here")
        self.samples.setToolTip("DDIM-20 samples from the EMA weights, from the same noise each "
                                "time, so you see the same images sharpen as training goes on")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.curve)
        right.addWidget(self.samples)
        right.setSizes([380, 320])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([scroll.minimumWidth(), 700])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self._inputs = (self.dataset, self.conditional, self.schedule, self.timesteps, self.width,
                        self.epochs, self.batch, self.lr, self.precision, self.samples_every)
        self._state = "idle"
        self.set_state("idle")

    # ------------------------------------------------------------------ settings
    def values(self) -> dict:
        return {"dataset": self.dataset.currentText(), "conditional": self.conditional.isChecked(),
                "p_uncond": self.p_uncond.value(), "schedule": self.schedule.currentText(),
                "timesteps": self.timesteps.value(), "channels": self.width.currentData(),
                "epochs": self.epochs.value(), "batch_size": self.batch.value(),
                "lr": self.lr.value(), "precision": self.precision.currentData(),
                "samples_every_steps": self.samples_every.value()}

    def set_values(self, v: dict) -> None:
        if not isinstance(v, dict):
            return
        ds = v.get("dataset")
        if isinstance(ds, str) and ds and ds != CHOOSE_FOLDER:
            if self.dataset.findText(ds) < 0:
                self.dataset.insertItem(self.dataset.count() - 1, ds)
            self.dataset.setCurrentText(ds)
        if isinstance(v.get("conditional"), bool):
            self.conditional.setChecked(v["conditional"])
        if v.get("schedule") in SCHEDULES:
            self.schedule.setCurrentText(v["schedule"])
        for combo, key in ((self.width, "channels"), (self.precision, "precision")):
            i = combo.findData(v.get(key))
            if i >= 0:
                combo.setCurrentIndex(i)
        for w, key, cast in ((self.p_uncond, "p_uncond", float), (self.timesteps, "timesteps", int),
                             (self.epochs, "epochs", int), (self.batch, "batch_size", int),
                             (self.lr, "lr", float), (self.samples_every, "samples_every_steps", int)):
            try:
                w.setValue(cast(v[key]))
            except (KeyError, TypeError, ValueError, OverflowError):
                pass
        self._update_enabled()

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
        self._state = state
        self.block.set_state(state)
        busy = state != "idle"
        for w in self._inputs:
            w.setEnabled(not busy)
        self._update_enabled()

    def _update_enabled(self) -> None:
        self.p_uncond.setEnabled(self._state == "idle" and self.conditional.isChecked())

    def begin(self) -> None:
        self.curve.clear_data()
        self.block.begin()
        self.samples.set_image(None)
        self.samples.set_caption("samples from fixed noise appear here")

    def show_step(self, ev: Step) -> None:
        self.curve.add_step(ev.step, ev.losses["loss"])
        self.block.show_step(ev, f"{ev.images_per_s:,.0f} img/s · loss {ev.losses['loss']:.4f}")

    def show_epoch(self, ev: EpochEnd, step: int) -> None:
        self.curve.add_test(step, ev.test_losses.get("loss", float("nan")))

    def show_samples(self, step: int, images: np.ndarray, labels, steps: int,
                     guidance: float) -> None:
        cols = grid_columns(len(images))
        self.samples.set_image(tile(images, cols, pad=1))
        text = f"EMA samples at step {step} (DDIM-{steps} from fixed noise"
        if labels is not None:
            text += f"; classes {', '.join(str(int(x)) for x in labels[:cols])}… along each row, " \
                    f"w = {guidance:g}"
        self.samples.set_caption(text + ")")

    def redraw(self) -> None:
        self.curve.redraw()

    def set_status(self, text: str) -> None:
        self.status.setText(text)
