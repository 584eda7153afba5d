"""The Likelihood panel's Train tab: NADE or PixelCNN trained live by maximum likelihood.

Form on the left (model, size, data, optimiser); on the right the NLL curve (per step, and the
held-out NLL per epoch as dots) and a preview: four held-out digits and the map of how much
each pixel surprised the latest snapshot. Every weight snapshot becomes the "Trained here"
entry of the shared model bar, so Sample, Complete and Score use the model while it learns.
The module lives on the job's thread; what leaves it is numpy (Snapshot events). After a
failure (a NaN loss) the last snapshot before it is what stays.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QMessageBox, QSpinBox, QVBoxLayout, QWidget)

from models.events import EpochEnd, Snapshot, Status, Step
from models.imaging import tile
from models.likelihood.api import NADEModel, PixelCNNModel
from models.likelihood.nade import NADEConfig
from models.likelihood.pixelcnn import PixelCNNConfig
from models.likelihood.training import LikelihoodTrainConfig, NADETrainer, PixelCNNTrainer

from ... import settings as app_settings
from ...curve_chart import MARKERS, Curve, CurveChart
from ...train_block import TrainBlock
from ...widgets import ImageView, ask_idx_folder
from ...worker import JobRunner
from ..model_source import TRAINED
from .digits import held_out_digits

CHOOSE_FOLDER = "Choose folder…"
MODELS = {"nade": "NADE", "pixelcnn": "PixelCNN", "gated": "PixelCNN, gated blocks"}
FORM = app_settings.Setting("likelihood/train/form", {}, app_settings.record(
    model=app_settings.one_of(*MODELS), dataset=app_settings.text(1000),
    hidden=app_settings.integer(1, 4096), channels=app_settings.integer(1, 512),
    layers=app_settings.integer(0, 64), lr=app_settings.number_in(1e-5, 1.0),
    batch_size=app_settings.integer(1, 4096), epochs=app_settings.integer(1, 1000),
    seed=app_settings.integer(0, 2**31 - 1)))
PREVIEW_DIGITS = 4


def configs_from(v: dict):
    """The form's values → (model config, train config, trainer class); ValueError if bad."""
    if v["model"] == "nade":
        model = NADEConfig(hidden=v["hidden"])
        trainer = NADETrainer
    else:
        model = PixelCNNConfig(channels=v["channels"], layers=v["layers"],
                               gated=v["model"] == "gated")
        trainer = PixelCNNTrainer
    train = LikelihoodTrainConfig(epochs=v["epochs"], batch_size=v["batch_size"], lr=v["lr"],
                                  seed=v["seed"], snapshot_every_s=5.0)
    return model, train, trainer


class _JobBox:
    """What a stopped job leaves: its last finished step's weights, read once it has ended."""

    def __init__(self):
        self.final: Snapshot | None = None


def training_job(values: dict, device: str, data_dir: str | None, box: _JobBox):
    """The generator the JobRunner drives: the trainer is built and run on the job's thread.
    Stopped (closed at a yield), it keeps the weights of its last finished step in `box`."""
    model_config, train_config, trainer_class = configs_from(values)
    trainer = trainer_class(model_config, train_config, values["dataset"], device, data_dir)
    yield Status(f"Training {MODELS[values['model']]} on {trainer.device}…")
    try:
        result = yield from trainer.run()
    except GeneratorExit:
        if trainer.steps_done:
            box.final = Snapshot(trainer.steps_done, trainer.state_numpy())
        raise
    return result


class TrainForm(QGroupBox):
    startRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, data_dir, parent: QWidget | None = None):
        super().__init__("Train by maximum likelihood", parent)
        self._data_dir = data_dir
        form = QFormLayout(self)
        self.model = QComboBox()
        for key, name in MODELS.items():
            self.model.addItem(name, key)
        self.model.setToolTip("NADE: one hidden layer shared by all 784 conditionals. PixelCNN: "
                              "masked convolutions, each output sees only the pixels above and "
                              "to the left. Gated blocks: tanh(W_f∗x) ⊙ σ(W_g∗x).")
        self.dataset = QComboBox()
        self.dataset.addItems(["mnist", "fashion-mnist", CHOOSE_FOLDER])
        self.dataset.setToolTip("Grey images, binarized afresh for every batch: each pixel is 1 "
                                "with probability intensity/255. A folder holds IDX files.")
        self.dataset.activated.connect(self._maybe_choose_folder)
        self.hidden = QSpinBox(minimum=1, maximum=4096, value=500)
        self.hidden.setToolTip("NADE's hidden units H (the paper's 500): 2nH + n + H weights")
        self.channels = QSpinBox(minimum=1, maximum=512, value=32)
        self.channels.setToolTip("PixelCNN feature maps per layer (the shipped model has 64)")
        self.layers = QSpinBox(minimum=0, maximum=64, value=5)
        self.layers.setToolTip("PixelCNN blocks after the first 7×7 mask-A layer (shipped: 7)")
        self.lr = QDoubleSpinBox(decimals=5, minimum=1e-5, maximum=1.0, singleStep=1e-4, value=1e-3)
        self.lr.setToolTip("Adam's learning rate")
        self.batch = QSpinBox(minimum=1, maximum=4096, value=64, singleStep=16)
        self.epochs = QSpinBox(minimum=1, maximum=1000, value=1)
        self.epochs.setToolTip("Passes over the 60,000 training digits (938 steps each at batch "
                               "64); one epoch of the small PixelCNN takes minutes on a CPU")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        for label, w in (("Model", self.model), ("Dataset", self.dataset),
                         ("Hidden units H", self.hidden), ("Channels", self.channels),
                         ("Blocks", self.layers), ("Learning rate", self.lr),
                         ("Batch size", self.batch), ("Epochs", self.epochs), ("Seed", self.seed)):
            form.addRow(label, w)
        self._rows = form
        self.block = TrainBlock("Train a fresh model with these settings",
                                "Stop after the current step and keep the weights")
        self.block.lend_to(self, train_signal="startRequested")
        form.addRow(self.block)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.set_values(FORM.get())
        self._model_changed()

    def values(self) -> dict:
        return {"model": self.model.currentData(), "dataset": self.dataset.currentText(),
                "hidden": self.hidden.value(), "channels": self.channels.value(),
                "layers": self.layers.value(), "lr": self.lr.value(),
                "batch_size": self.batch.value(), "epochs": self.epochs.value(),
                "seed": self.seed.value()}

    def set_values(self, v: dict) -> None:
        i = self.model.findData(v.get("model"))
        if i >= 0:
            self.model.setCurrentIndex(i)
        ds = v.get("dataset")
        if isinstance(ds, str) and ds and ds != CHOOSE_FOLDER:
            if self.dataset.findText(ds) < 0:
                self.dataset.insertItem(self.dataset.count() - 1, ds)
            self.dataset.setCurrentText(ds)
        for w, key, cast in ((self.hidden, "hidden", int), (self.channels, "channels", int),
                             (self.layers, "layers", int), (self.lr, "lr", float),
                             (self.batch, "batch_size", int), (self.epochs, "epochs", int),
                             (self.seed, "seed", int)):
            try:
                w.setValue(cast(v[key]))
            except (KeyError, TypeError, ValueError, OverflowError):
                pass

    def _model_changed(self) -> None:
        nade = self.model.currentData() == "nade"
        for w, show in ((self.hidden, nade), (self.channels, not nade), (self.layers, not nade)):
            w.setVisible(show)
            self._rows.labelForField(w).setVisible(show)

    def _maybe_choose_folder(self) -> None:
        if self.dataset.currentText() != CHOOSE_FOLDER:
            return
        folder = ask_idx_folder(self, self._data_dir())
        if folder:
            self.set_values({"dataset": folder})
        else:
            self.dataset.setCurrentIndex(0)

    def set_state(self, state: str) -> None:
        self.block.set_state(state)
        busy = state != "idle"
        for w in (self.model, self.dataset, self.hidden, self.channels, self.layers, self.lr,
                  self.batch, self.epochs, self.seed):
            w.setEnabled(not busy)


class TrainView(QWidget):
    message = Signal(str)

    def __init__(self, source, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source = source
        self.device, self.data_dir = device, data_dir
        self.runner = JobRunner(self)
        self._box: _JobBox | None = None
        self._values: dict | None = None
        self.last_step = 0
        self.form = TrainForm(lambda: self.data_dir)
        self.chart = CurveChart(None, "nats / image", {
            "nll": "#1f77b4", "test": Curve("#d62728", kind=MARKERS, line=False)})
        self.chart.setToolTip("Training NLL −log p(x) per image (faint: each batch, solid: "
                              "running mean); red dots: held-out NLL at each epoch's end. "
                              "Published: NADE 88.9, PixelCNN 81.3 nats after long training.")
        self.preview = ImageView(min_side=120, caption="held-out digits (top) · −log p(x_i | x_<i) "
                                                       "of the latest snapshot (bottom)")
        right = QVBoxLayout()
        right.addWidget(self.chart, 3)
        right.addWidget(self.preview, 2)
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(self.form)
        left.addStretch(1)
        lay.addLayout(left)
        lay.addLayout(right, 1)
        self.form.startRequested.connect(lambda: self.start())
        self.form.pauseRequested.connect(self.runner.toggle_pause)
        self.form.stopRequested.connect(self.runner.stop)
        self.runner.events.connect(self._on_events)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.stateChanged.connect(self._state)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # ------------------------------------------------------------------ the view contract
    def help_topic(self) -> str:
        return "likelihood-train"

    def set_device(self, device: str) -> None:
        """Used by the next run."""
        self.device = device

    def set_data_dir(self, data_dir: str | None) -> None:
        self.data_dir = data_dir

    def busy(self) -> bool:
        return self.runner.busy

    def shutdown(self) -> bool:
        return self.runner.shutdown()

    # ------------------------------------------------------------------ running
    def start(self) -> bool:
        if self.runner.busy:
            return False
        values = self.form.values()
        try:
            configs_from(values)
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        FORM.set(values)
        self._values = values
        self.last_step = 0
        self.chart.clear_data()
        self.preview.set_image(None)
        self.form.block.begin("Starting…")
        device, data_dir = self.device, self.data_dir
        self._box = box = _JobBox()
        self.runner.start(lambda: training_job(values, device, data_dir, box))
        self.message.emit(f"Training {MODELS[values['model']]}: the other tabs use each "
                          "new snapshot as “Trained here”")
        return True

    def _state(self, state: str) -> None:
        self.form.set_state(state)
        self.source.training = state != "idle"

    def _model(self, state: dict, step: int):
        v = self._values
        model_config = configs_from(v)[0]
        cls = NADEModel if v["model"] == "nade" else PixelCNNModel
        # a folder is recorded by its name, never its path (a checkpoint travels)
        meta = {"steps": step, "dataset": {"name": Path(v["dataset"]).name}}
        model = cls(model_config, meta)
        model.load_state(state, "the training run")
        return model

    def _on_events(self, events: list) -> None:
        snapshot = None
        for ev in events:
            if isinstance(ev, Step):
                self.last_step = ev.step
                self.chart.add(ev.step, {"nll": ev.losses["nll"]})
                self.form.block.show_step(
                    ev, f"{ev.images_per_s:,.0f} img/s · NLL {ev.losses['nll']:.1f} nats "
                        f"({ev.losses['bits_per_dim']:.3f} bits/dim)")
            elif isinstance(ev, EpochEnd):
                self.chart.add(self.last_step, {"test": ev.test_losses["nll"]})
                self.message.emit(f"Epoch {ev.epoch}/{ev.epochs}: held-out NLL "
                                  f"{ev.test_losses['nll']:.2f} nats on {ev.test_images:,} digits")
            elif isinstance(ev, Snapshot):
                snapshot = ev
            elif isinstance(ev, Status):
                self.form.block.set_status(ev.message, ev.fraction)
        self.chart.redraw()
        if snapshot is not None and snapshot.step > 0:
            self._adopt(snapshot.state, snapshot.step)

    def _adopt(self, state: dict, step: int) -> None:
        try:
            model = self._model(state, step)
        except Exception as exc:     # noqa: BLE001 — a bad snapshot must not end the run
            self.message.emit(f"Could not use the snapshot of step {step}: {exc}")
            return
        self.source.set_trained_model(model, live=self.runner.busy)
        self._show_preview(model)

    def _show_preview(self, model) -> None:
        digits = held_out_digits()[0][:PREVIEW_DIGITS]
        if model.size != digits.shape[1]:
            return
        nll = model.pixel_nll(digits)
        top = max(float(nll.max()), 1e-6)
        both = np.concatenate([digits, nll / top])
        self.preview.set_image(tile(both, ncols=PREVIEW_DIGITS, pad=1))
        total = nll.sum(axis=(1, 2))
        self.preview.set_caption("held-out digits (top) · −log p(x_i | x_<i), white = "
                                 f"{top:.1f} nats (bottom) · log p(x) = "
                                 + ", ".join(f"{-t:.0f}" for t in total) + " nats")

    def _on_finished(self, result) -> None:
        box, self._box = self._box, None
        if box is not None and box.final is not None:
            self._adopt(box.final.state, box.final.step)
        model = self.source.models.get(TRAINED)
        if model is not None:
            self.source.set_trained_model(model, live=False)
        if result is None:
            self.form.block.set_status(f"Stopped after {self.last_step:,} steps; the last "
                                       "snapshot is kept as “Trained here”.")
        else:
            nll = result.test_losses.get("nll", math.nan)
            self.form.block.set_status(f"Finished: {result.steps:,} steps, held-out NLL "
                                       f"{nll:.2f} nats. Try it in Sample, Complete or Score.", 1.0)
        self.message.emit("Likelihood training " + ("stopped" if result is None else "finished"))

    def _on_failed(self, message: str) -> None:
        self._box = None
        kept = ("\n\nThe last snapshot before the failure stays as “Trained here”."
                if TRAINED in self.source.models else "")
        self.form.block.set_status("Training failed.")
        QMessageBox.warning(self, "Training failed", message + kept)
