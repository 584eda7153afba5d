"""The pix2pix trainer's form: data, objective, model and run length, Start / Pause / Stop and
progress. Every choice is saved as soon as it is made, under "pix2pix/train/form".

`configs_from(values)` turns the form's values into the model layer's configs, so the job and
the tests build exactly what the form shows.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QSpinBox, QVBoxLayout, QWidget)

from models.events import Step
from models.pix2pix.networks import PATCHES, patch_fits
from models.pix2pix.training import Pix2PixConfig, Pix2PixTrainConfig

from ... import settings as app_settings
from ...train_block import TrainBlock
from ...widgets import existing_folder, format_duration

SETTINGS_KEY = "pix2pix/train/form"
LANDSCAPES, FOLDER = "landscapes", "folder"
DATASETS = {LANDSCAPES: "Procedural landscapes", FOLDER: "Folder of A|B pairs…"}
DIRECTIONS = {"AtoB": "A → B", "BtoA": "B → A"}
LOSSES = {"l1": "L1", "cgan": "cGAN", "l1+cgan": "L1 + cGAN"}
LOSS_TIPS = {"l1": "L1 alone: G is pulled to the average of plausible pictures, so results "
                   "are blurry (paper, Fig. 4)",
             "cgan": "The conditional GAN alone: sharp, but free to ignore the input in places "
                     "and prone to artefacts",
             "l1+cgan": "The paper's choice: L1 gets the low frequencies right, the PatchGAN "
                        "makes the details sharp"}
DEPTHS = {64: 6, 128: 7, 256: 8}
DEFAULTS = {"dataset": LANDSCAPES, "folder": "", "direction": "AtoB", "size": 64,
            "objective": "l1+cgan", "patch": 70, "lam": 100.0, "width": 32, "pairs": 2000,
            "epochs": 5, "batch_size": 8, "seed": 0}
SAVED = app_settings.Setting(SETTINGS_KEY, {}, app_settings.record(
    dataset=app_settings.name, folder=app_settings.path, direction=app_settings.name,
    size=app_settings.integer(), objective=app_settings.name, patch=app_settings.integer(),
    lam=app_settings.number, width=app_settings.integer(), pairs=app_settings.integer(),
    epochs=app_settings.integer(), batch_size=app_settings.integer(),
    seed=app_settings.integer()))


def configs_from(v: dict) -> tuple[Pix2PixConfig, Pix2PixTrainConfig]:
    """The model and training configs for the form's values; ValueError says what is wrong."""
    size = int(v["size"])
    if size not in DEPTHS:
        raise ValueError(f"size must be one of {', '.join(map(str, DEPTHS))}, not {size}")
    objective, patch = v["objective"], int(v["patch"])
    if "cgan" in objective and patch in PATCHES and not patch_fits(patch, size):
        raise ValueError(f"a {patch}×{patch} PatchGAN does not fit {size}×{size} images: "
                         "pick a smaller patch or a larger size")
    kind = "rgb" if v["dataset"] == FOLDER else "classes"
    model = Pix2PixConfig(kind, size=size, depth=DEPTHS[size], width=int(v["width"]))
    train = Pix2PixTrainConfig(objective=objective, lam=float(v["lam"]), patch=patch,
                               epochs=int(v["epochs"]), batch_size=int(v["batch_size"]),
                               seed=int(v["seed"]))
    return model, train


def _combo(items: dict, tip: str) -> QComboBox:
    box = QComboBox()
    for key, text in items.items():
        box.addItem(text, key)
    box.setToolTip(tip)
    return box


class TrainForm(QWidget):
    startRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = ""
        self.dataset = _combo(DATASETS, "What to learn from: the project's procedural "
                              "landscapes (label map → photo, made on the fly from a seed), or a "
                              "folder in the pix2pix layout: train/ of side-by-side A|B images")
        self.dataset.activated.connect(self._dataset_picked)
        self.folder_label = QLabel()
        # one line, the path's end kept (the folder's own name matters most); full path as tip
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_btn = QPushButton("Choose…")
        self.folder_btn.setToolTip("Pick the dataset folder (the one holding train/)")
        self.folder_btn.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(self.folder_btn)
        self.direction = _combo(DIRECTIONS, "Which half is the input: A → B turns the left "
                                "half into the right one, B → A the reverse (e.g. facades: "
                                "photo | labels, so labels → photo is B → A)")
        self.size = _combo({s: f"{s} × {s}" for s in DEPTHS},
                           "Image side. 64 shows results within minutes on a CPU; every "
                           "doubling costs about 4× per step. The U-Net gets one level per "
                           "halving (depth 6 / 7 / 8), down to 1×1 as in the paper.")
        self.objective = _combo(LOSSES, " · ".join(LOSS_TIPS.values()))
        for i, key in enumerate(LOSSES):
            self.objective.setItemData(i, LOSS_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        self.patch = _combo({p: f"{p} × {p}" for p in PATCHES},
                            "D's receptive field: the size of the patches it judges as real "
                            "or fake (70 × 70 in the paper). 1 × 1 only checks colours, "
                            "larger patches enforce structure but cost more and can add "
                            "artefacts. Unused with the L1 loss alone.")
        self.lam = QDoubleSpinBox(minimum=0, maximum=10_000, decimals=1, singleStep=10)
        self.lam.setToolTip("λ weighs the L1 term against the adversarial one: "
                            "G minimises G_GAN + λ·G_L1 (100 in the paper)")
        self.width = QSpinBox(minimum=4, maximum=128, singleStep=8)
        self.width.setToolTip("Channels of the U-Net's first level (doubling per level up to "
                              "8×). The paper uses 64; 32 trains about 4× faster.")
        self.pairs = QSpinBox(minimum=8, maximum=100_000, singleStep=500)
        self.pairs.setToolTip("How many landscapes to render for training (label map + photo "
                              "each, seeds seed … seed + pairs − 1)")
        self.epochs = QSpinBox(minimum=1, maximum=10_000)
        self.epochs.setToolTip("Passes over the training pairs")
        self.batch = QSpinBox(minimum=1, maximum=256)
        self.batch.setToolTip("Pairs per step. The paper uses 1 to 10; small batches suit the "
                              "batch norm of pix2pix.")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed.setToolTip("Seeds the weights, the data order and the landscapes: the same "
                             "settings and seed train the same way")

        data_box = QGroupBox("Data")
        f = QFormLayout(data_box)
        f.addRow("Dataset", self.dataset)
        f.addRow("Folder", folder_row)
        f.addRow("Direction", self.direction)
        f.addRow("Pairs", self.pairs)
        f.addRow("Size", self.size)
        model_box = QGroupBox("Objective and model")
        f = QFormLayout(model_box)
        f.addRow("Loss", self.objective)
        f.addRow("PatchGAN", self.patch)
        f.addRow("λ (L1 weight)", self.lam)
        f.addRow("U-Net width", self.width)
        run_box = QGroupBox("Run")
        f = QFormLayout(run_box)
        f.addRow("Epochs", self.epochs)
        f.addRow("Batch size", self.batch)
        f.addRow("Seed", self.seed)

        self.block = TrainBlock("Train a fresh generator and discriminator with these settings",
                                "Stop after the current step and keep the generator",
                                train_text="Start")
        self.block.lend_to(self, "start_btn", "startRequested")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (data_box, model_box, run_box):
            lay.addWidget(w)
        lay.addWidget(self.block)
        lay.addStretch(1)

        self._inputs = (self.dataset, self.folder_btn, self.direction, self.size, self.objective,
                        self.patch, self.lam, self.width, self.pairs, self.epochs, self.batch,
                        self.seed)
        self._loading = True
        self.set_values(DEFAULTS)
        self.set_values(SAVED.get())
        self._loading = False
        for box in (self.dataset, self.direction, self.size, self.objective, self.patch):
            box.currentIndexChanged.connect(self._changed)
        for spin in (self.lam, self.width, self.pairs, self.epochs, self.batch, self.seed):
            spin.valueChanged.connect(self._changed)
        self.set_state("idle")

    # ------------------------------------------------------------------ values
    def values(self) -> dict:
        return {"dataset": self.dataset.currentData(), "folder": self.folder,
                "direction": self.direction.currentData(), "size": self.size.currentData(),
                "objective": self.objective.currentData(), "patch": self.patch.currentData(),
                "lam": self.lam.value(), "width": self.width.value(),
                "pairs": self.pairs.value(), "epochs": self.epochs.value(),
                "batch_size": self.batch.value(), "seed": self.seed.value()}

    def set_values(self, v: dict) -> None:
        """Take what is valid of `v` (saved settings may be old or hand-edited)."""
        loading, self._loading = self._loading, True
        if isinstance(v.get("folder"), str):
            self.folder = v["folder"]
        for box, key in ((self.dataset, "dataset"), (self.direction, "direction"),
                         (self.size, "size"), (self.objective, "objective"),
                         (self.patch, "patch")):
            i = box.findData(v.get(key)) if key in v else -1
            if i >= 0:
                box.setCurrentIndex(i)
        for spin, key in ((self.lam, "lam"), (self.width, "width"), (self.pairs, "pairs"),
                          (self.epochs, "epochs"), (self.batch, "batch_size"),
                          (self.seed, "seed")):
            try:
                value = float(v[key]) if spin is self.lam else int(v[key])
            except (KeyError, TypeError, ValueError, OverflowError):
                continue
            if value == value:            # NaN would land on the spin box's maximum
                spin.setValue(value)
        if self.dataset.currentData() == FOLDER and not self.folder:
            self.dataset.setCurrentIndex(0)
        self._loading = loading
        self._changed()

    def _changed(self) -> None:
        folder = self.dataset.currentData() == FOLDER
        busy = not self.start_btn.isEnabled() if hasattr(self, "start_btn") else False
        metrics = self.folder_label.fontMetrics()
        width = max(60, self.folder_label.width() or 160)
        self.folder_label.setText(metrics.elidedText(self.folder, Qt.TextElideMode.ElideLeft, width)
                                  if self.folder else "(none chosen)")
        self.folder_label.setToolTip(self.folder)
        for w in (self.folder_label, self.folder_btn, self.direction):
            w.setEnabled(folder and not busy)
        self.pairs.setEnabled(not folder and not busy)
        self.patch.setEnabled(self.objective.currentData() != "l1" and not busy)
        size = self.size.currentData()
        model = self.patch.model()
        for i, p in enumerate(PATCHES):
            item = model.item(i)
            item.setEnabled(patch_fits(p, size))
            item.setToolTip("" if patch_fits(p, size) else f"too large for {size}×{size} images")
        if not self._loading:
            SAVED.set(self.values())

    def _dataset_picked(self) -> None:
        if self.dataset.currentData() == FOLDER and not self.choose_folder() and not self.folder:
            self.dataset.setCurrentIndex(0)

    def choose_folder(self) -> bool:
        start = existing_folder(self.folder)      # a saved folder may since have gone
        folder = QFileDialog.getExistingDirectory(self, "pix2pix dataset (the folder holding "
                                                  "train/)", start)
        if not folder:
            return False
        self.folder = folder
        self.dataset.setCurrentIndex(self.dataset.findData(FOLDER))
        self._changed()
        return True

    # ------------------------------------------------------------------ state
    def set_state(self, state: str) -> None:
        """"idle", "running", "pausing" (asked for, not yet in effect) or "paused"."""
        self.block.set_state(state)
        busy = state != "idle"
        for w in self._inputs:
            w.setEnabled(not busy)
        if not busy:
            self._changed()     # re-apply which inputs the choices leave unused

    def begin(self) -> None:
        self.block.begin()

    def show_step(self, ev: Step) -> None:
        rate = ev.step / ev.elapsed_s if ev.elapsed_s > 0 else float("nan")
        losses = " · ".join(f"{k} {v:.3f}" for k, v in ev.losses.items())
        self.block.show_step(ev, f"{rate:.2f} steps/s · {ev.images_per_s:.1f} pairs/s · "
                                 f"{format_duration(ev.elapsed_s)} elapsed\n{losses}")

    def set_status(self, text: str, fraction: float | None = None) -> None:
        self.block.set_status(text, fraction)
