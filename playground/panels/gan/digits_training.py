"""The Train tab's control column: data, model, the tips, Start / Pause / Stop and progress
(the last three in `footer`, which the view shows under the scrolling form).

The model kind and the loss switch are two views of one choice: "WGAN-GP" is the
unconditional DCGAN with the Wasserstein loss, so picking it sets the loss (and the paper's
k = 5, lr = 1e-4 if the rates were still DCGAN's), and picking the Wasserstein loss on a
plain DCGAN makes it a WGAN-GP. A conditional DCGAN may take any loss.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSpinBox, QVBoxLayout, QWidget

from models.events import Step

from ...train_block import TrainBlock
from ...widgets import ask_idx_folder, format_duration
from .digits_tips import DEFAULTS, KIND_TIPS, KINDS, WGAN_PRESET, TipsBox

CHOOSE_FOLDER = "Choose folder…"
DATASETS = {"mnist": "Handwritten digits (MNIST)", "fashion-mnist": "Clothing (Fashion-MNIST)"}


class TrainControls(QWidget):
    trainRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, *, data_dir: Callable[[], str | None] = lambda: None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        # data_dir() is the panel's data folder now (the Data folder menu changes it)
        self._data_dir = data_dir
        box = QGroupBox("Train a GAN here")
        form = QFormLayout(box)
        self.dataset = QComboBox()
        for name, tip in DATASETS.items():
            self.dataset.addItem(name)
            self.dataset.setItemData(self.dataset.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.dataset.addItem(CHOOSE_FOLDER)
        self.dataset.setToolTip("A named dataset (found in the data folder, downloaded if "
                                "missing), or a folder with train-images-idx3-ubyte etc.")
        self.dataset.activated.connect(self._maybe_choose_folder)
        self.kind = QComboBox()
        for key, text in KINDS.items():
            self.kind.addItem(text, key)
            self.kind.setItemData(self.kind.count() - 1, KIND_TIPS[key],
                                  Qt.ItemDataRole.ToolTipRole)
        self.kind.setToolTip("Which GAN to train. " + " · ".join(f"{KINDS[k]}: {t}"
                                                                for k, t in KIND_TIPS.items()))
        self.epochs = QSpinBox(minimum=1, maximum=1000)
        self.epochs.setToolTip("Passes over the training images; the strip under the samples "
                               "gets one thumbnail per epoch")
        self.batch = QSpinBox(minimum=8, maximum=1024, singleStep=32)
        self.batch.setToolTip("Images per D step (64 as in DCGAN)")
        self.noise_dim = QSpinBox(minimum=2, maximum=256, singleStep=8)
        self.noise_dim.setToolTip("Dimensions of the noise z that G turns into an image")
        self.g_width = QSpinBox(minimum=4, maximum=256, singleStep=8)
        self.g_width.setToolTip("Channels of G's last hidden layer (the one before it has twice "
                                "as many). Narrow is fast but draws rougher digits.")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed.setToolTip("Seeds the initial weights, the data order and the fixed noise of "
                             "the live samples: the same settings and seed train the same way")
        for label, w in (("Dataset", self.dataset), ("Model", self.kind), ("Epochs", self.epochs),
                         ("Batch size", self.batch), ("Noise dimension", self.noise_dim),
                         ("G's width", self.g_width), ("Seed", self.seed)):
            form.addRow(label, w)
        self.tips = TipsBox()

        self.block = TrainBlock("Train a fresh GAN with these settings. Its generator "
                                "appears as “Trained here” in the model list while it learns.",
                                "Stop after the current step and keep the generator",
                                train_text="Start")
        self.block.lend_to(self)      # train_btn, pause_btn, stop_btn, progress, status
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)
        lay.addWidget(self.tips)
        lay.addStretch(1)
        # Start / Pause / Stop and the progress live in a footer the view keeps under the
        # scrolling form: the tips make the form taller than a 1400×860 window, and the
        # controls and progress of a run must never be scrolled out of sight.
        self.footer = QWidget()
        fl = QVBoxLayout(self.footer)
        fl.setContentsMargins(0, 4, 0, 0)
        fl.addWidget(self.block)
        self._inputs = (self.dataset, self.kind, self.epochs, self.batch, self.noise_dim,
                        self.g_width, self.seed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.tips.lossChanged.connect(self._loss_changed)
        self._syncing = False
        self.set_values(DEFAULTS)
        self.set_state("idle")

    # ------------------------------------------------------------------ values
    def values(self) -> dict:
        v = {"dataset": self.dataset.currentText(), "kind": self.kind.currentData(),
             "epochs": self.epochs.value(), "batch_size": self.batch.value(),
             "noise_dim": self.noise_dim.value(), "g_width": self.g_width.value(),
             "seed": self.seed.value()}
        v.update(self.tips.values())
        return v

    def set_values(self, v: dict) -> None:
        if not isinstance(v, dict):
            return
        self._syncing = True
        ds = v.get("dataset")
        if isinstance(ds, str) and ds and ds != CHOOSE_FOLDER:
            if self.dataset.findText(ds) < 0:
                self.dataset.insertItem(self.dataset.count() - 1, ds)
            self.dataset.setCurrentText(ds)
        i = self.kind.findData(v.get("kind"))
        if i >= 0:
            self.kind.setCurrentIndex(i)
        for w, key in ((self.epochs, "epochs"), (self.batch, "batch_size"),
                       (self.noise_dim, "noise_dim"), (self.g_width, "g_width"),
                       (self.seed, "seed")):
            try:
                w.setValue(int(v[key]))
            except (KeyError, TypeError, ValueError, OverflowError):
                pass
        self.tips.set_values(v)
        self._syncing = False

    def _kind_changed(self) -> None:
        if self._syncing:
            return
        kind, loss = self.kind.currentData(), self.tips.loss()
        self._syncing = True
        if kind == "wgan-gp" and loss != "wgan-gp":
            self.tips.set_loss("wgan-gp")
            t = self.tips
            if t.k_d.value() == 1 and t.lr.value() == t.lr_d.value() == t.lr_g.value() == 2e-4:
                t.set_values(WGAN_PRESET)
        elif kind == "dcgan" and loss == "wgan-gp":
            self.tips.set_loss("non-saturating")
        self._syncing = False

    def _loss_changed(self, loss: str) -> None:
        if self._syncing:
            return
        kind = self.kind.currentData()
        self._syncing = True
        if loss == "wgan-gp" and kind == "dcgan":
            self.kind.setCurrentIndex(self.kind.findData("wgan-gp"))
        elif loss != "wgan-gp" and kind == "wgan-gp":
            self.kind.setCurrentIndex(self.kind.findData("dcgan"))
        self._syncing = False

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
        for w in self._inputs:
            w.setEnabled(not busy)
        self.tips.set_inputs_enabled(not busy)

    def begin(self) -> None:
        self.block.begin()

    def show_step(self, ev: Step) -> None:
        d, g = ev.losses.get("D", float("nan")), ev.losses.get("G", float("nan"))
        self.block.show_step(ev, f"{ev.images_per_s:,.0f} img/s · D {d:.3f} · G {g:.3f} · "
                                 f"{format_duration(ev.elapsed_s)} elapsed")

    def set_status(self, text: str, fraction: float | None = None) -> None:
        self.block.set_status(text, fraction)
