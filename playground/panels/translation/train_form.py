"""The unpaired trainer's form: which model (CycleGAN or UNIT), which two domains, the model's
size and objective, the run's length; Start / Pause / Stop with progress. Every choice is
saved as soon as it is made, under "translation/train/form".

`configs_from(values)` turns the form's values into the model layer's configs, so the job and
the tests build exactly what the form shows.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QSpinBox, QVBoxLayout, QWidget)

from models.events import Step
from models.translation.cyclegan import CycleGANConfig
from models.translation.cyclegan_training import CycleTrainConfig
from models.translation.domains import MAX_IMAGES, MAX_SIDE, MIN_IMAGES
from models.translation.unit import UNITConfig
from models.translation.unit_training import UnitTrainConfig

from ... import keys
from ... import settings as app_settings
from ...train_block import TrainBlock
from ...widgets import existing_folder, format_duration

SETTINGS_KEY = "translation/train/form"
CYCLEGAN, UNIT = "cyclegan", "unit"
LANDSCAPES, DIGITS, FOLDER = "landscapes", "digits", "folder"
MODELS = {CYCLEGAN: "CycleGAN", UNIT: "UNIT"}
DOMAINS = {LANDSCAPES: "Landscapes: summer ↔ winter", DIGITS: "Digits: MNIST ↔ textured",
           FOLDER: "Your folders: A ↔ B…"}
SIZES = {LANDSCAPES: (32, 64), DIGITS: (28,), FOLDER: (32, 64)}
PREVIEW_EVERY_S = 2.0
FOLDER_RULE = (
    f"Pick a folder holding two folders of images, A/ and B/ (or pick the two folders "
    f"apart). Every readable image is taken in name order (at most {MAX_IMAGES:,} a side) and "
    f"becomes RGB (grey and palette images are expanded, transparency laid on white); its "
    f"largest centred square is cut out and resized to the chosen size (bicubic), so mixed "
    f"sizes and shapes are fine. Unreadable files are skipped and reported; an image over "
    f"{MAX_SIDE:,} px a side is skipped; a side with fewer than {MIN_IMAGES} usable images "
    f"is refused. The files are only read.")

DEFAULTS = {"model": CYCLEGAN, "domains": LANDSCAPES, "folder": "", "folder_a": "",
            "folder_b": "", "size": 64, "width": 16, "blocks": 4, "steps": 300,
            "batch_size": 4, "cycle_on": True, "cycle": 10.0, "identity": 0.5,
            "train_images": 200, "unit_width": 16, "unit_latent": 16, "unit_steps": 300,
            "unit_batch": 16, "seed": 0}
_int = app_settings.integer()
SAVED = app_settings.Setting(SETTINGS_KEY, {}, app_settings.record(
    model=app_settings.name, domains=app_settings.name, folder=app_settings.path,
    folder_a=app_settings.path, folder_b=app_settings.path, size=_int, width=_int, blocks=_int,
    steps=_int, batch_size=_int, cycle_on=app_settings.boolean, cycle=app_settings.number,
    identity=app_settings.number, train_images=_int, unit_width=_int, unit_latent=_int,
    unit_steps=_int, unit_batch=_int, seed=_int))


def patch_for(size: int) -> int:
    """The discriminators' receptive field for a size: the paper's 70 × 70 from 64 px up,
    34 at 32 px (70 would see the whole picture: one verdict, not a patch map), 16 below (the
    digits, as the command line)."""
    return 70 if size >= 64 else 34 if size >= 32 else 16


def configs_from(v: dict) -> tuple[str, object, object]:
    """(model kind, model config, training config) for the form's values; ValueError says what
    is wrong (the configs check their own ranges)."""
    model, domains = v["model"], v["domains"]
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}")
    if domains not in DOMAINS:
        raise ValueError(f"unknown domains {domains!r}")
    if model == UNIT:
        if domains != DIGITS:
            raise ValueError("UNIT is built here for 28×28 digits: choose Digits: MNIST ↔ "
                             "textured")
        return UNIT, UNITConfig(width=int(v["unit_width"]), latent=int(v["unit_latent"])), \
            UnitTrainConfig(steps=int(v["unit_steps"]), batch_size=int(v["unit_batch"]),
                            seed=int(v["seed"]), preview_every_s=PREVIEW_EVERY_S)
    size = int(v["size"])
    if domains == DIGITS and size != 28:
        raise ValueError(f"the digits are 28×28 pixels, not {size}×{size}")
    if domains == FOLDER and not (v.get("folder") or (v.get("folder_a") and v.get("folder_b"))):
        raise ValueError("choose your folders first: one holding A/ and B/, or the two folders")
    width = int(v["width"])
    cycle = float(v["cycle"]) if v["cycle_on"] else 0.0
    return CYCLEGAN, CycleGANConfig(size=size, width=width, blocks=int(v["blocks"]),
                                    critic_width=max(8, 2 * width), patch=patch_for(size)), \
        CycleTrainConfig(steps=int(v["steps"]), batch_size=int(v["batch_size"]), cycle=cycle,
                         identity=float(v["identity"]), train_images=int(v["train_images"]),
                         seed=int(v["seed"]), preview_every_s=PREVIEW_EVERY_S)


def _combo(items: dict, tip: str) -> QComboBox:
    box = QComboBox()
    for key, text in items.items():
        box.addItem(text, key)
    box.setToolTip(tip)
    return box


def _spin(low: int, high: int, tip: str, step: int = 1) -> QSpinBox:
    s = QSpinBox(minimum=low, maximum=high, singleStep=step)
    s.setToolTip(tip)
    return s


class TrainForm(QWidget):
    startRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()
    foldersChosen = Signal()          # the view checks them on a worker
    saveRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = self.folder_a = self.folder_b = ""
        self.model = _combo(MODELS, "CycleGAN (Zhu et al. 2017): two generators G: A → B and "
                            "F: B → A, two PatchGANs, least-squares GAN plus the cycle loss. "
                            "UNIT (Liu et al. 2017): two VAE-GANs whose encoders meet in one "
                            "shared latent space (digits only here).")
        self.domains = _combo(DOMAINS, "The two unpaired domains A and B: procedural landscapes "
                              "in summer (A) and winter (B), each drawn from its own maps; "
                              "MNIST digits (A) and textured digits (B), different digits on "
                              "each side; or two folders of your own images")
        self.domains.activated.connect(self._domains_picked)
        self.domain_note = QLabel()
        self.domain_note.setWordWrap(True)
        self.domain_note.setStyleSheet("color: #555")
        self.folder_label = QLabel()
        self.folder_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.folder_label.setToolTip(FOLDER_RULE)
        self.folder_btn = QPushButton("Folder…")
        self.folder_btn.setToolTip("Pick one folder holding A/ and B/.\n\n" + FOLDER_RULE)
        self.folder_btn.clicked.connect(lambda: self.choose_folder())
        self.two_btn = QPushButton("Two…")
        self.two_btn.setToolTip("Pick the A folder, then the B folder, wherever they are")
        self.two_btn.clicked.connect(lambda: self.choose_two_folders())
        self.folder_check = QLabel()          # the worker's verdict on the folders
        self.folder_check.setWordWrap(True)
        self.folder_check.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_check.setToolTip(FOLDER_RULE)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_btn)
        folder_row.addWidget(self.two_btn)
        self.train_images = _spin(8, 100_000, "Images per domain: landscapes rendered before "
                                  "training (about 0.1 s each), or how many MNIST training "
                                  "digits each side gets at most. Your folders: every usable "
                                  f"image, up to {MAX_IMAGES:,}.", 50)
        self.size = QComboBox()
        self.size.setToolTip("Image side in pixels. Landscapes 64 (32 trains about 4× faster), "
                             "digits 28, your folders 32 or 64. The discriminators judge "
                             "70 × 70 patches at 64 px, 34 × 34 at 32, 16 × 16 at 28.")

        # CycleGAN
        self.width = _spin(4, 128, "Channels of the generators' first layer (the paper's 64; "
                           "16 trains on a CPU). The PatchGANs get twice as many.", 4)
        self.blocks = _spin(0, 16, "Residual blocks in the middle of each generator (the paper: "
                            "6 at 128 px, 9 at 256). More: larger changes of texture and shape.")
        self.steps = _spin(1, 1_000_000, "Training steps. Each draws a batch of A and a batch "
                           "of B independently: the domains are unpaired. The learning rate "
                           "falls linearly to 0 over the second half.", 100)
        self.batch = _spin(1, 256, "Images per domain per step (the paper uses 1)")
        self.cycle_on = QCheckBox("Cycle loss (λ = 10)")
        self.cycle_on.setToolTip(
            "The cycle-consistency loss λ(‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁). Off (λ = 0): "
            "nothing ties G(a) to a, only D_B judges it, so G may map every a onto one "
            "plausible b (mode collapse) or change the content freely; F(G(a)) then no "
            "longer returns a. The identity loss is weighted relative to λ, so it goes too.")
        self.cycle_on.toggled.connect(self._cycle_toggled)
        self.cycle = QDoubleSpinBox(minimum=0.5, maximum=1000, decimals=1, singleStep=1)
        self.cycle.setToolTip("λ, the cycle loss's weight against the adversarial terms (the "
                              "paper's 10)")
        self.identity = QDoubleSpinBox(minimum=0, maximum=10, decimals=2, singleStep=0.1)
        self.identity.setToolTip("λ_id, the identity loss's weight relative to λ (the paper's "
                                 "0.5): λ_id·λ(‖G(b) − b‖₁ + ‖F(a) − a‖₁) asks G to leave "
                                 "pictures that are already B alone; it keeps colours. 0: off.")
        # UNIT
        self.unit_width = _spin(4, 128, "Channels of the encoders' and generators' first layer",
                                4)
        self.unit_latent = _spin(2, 256, "Channels of the shared 7×7 latent code z", 4)
        self.unit_steps = _spin(1, 1_000_000, "Training steps (a batch of each domain each)",
                                100)
        self.unit_batch = _spin(1, 256, "Digits per domain per step")
        self.seed = _spin(0, 2**31 - 1, "Seeds the weights, the data order and the landscapes: "
                          "the same settings and seed train the same way")

        data_box = QGroupBox("Data")
        # the wrapped notes sit in a box layout: a form layout's spanning rows do not grow
        # with their text's height for width, and long verdicts were cut off
        box = QVBoxLayout(data_box)
        f = QFormLayout()
        f.addRow("Model", self.model)
        f.addRow("Domains", self.domains)
        box.addLayout(f)
        box.addWidget(self.domain_note)
        f = QFormLayout()
        f.addRow("Folders", folder_row)
        box.addLayout(f)
        box.addWidget(self.folder_label)
        box.addWidget(self.folder_check)
        f = QFormLayout()
        f.addRow("Images / domain", self.train_images)
        box.addLayout(f)
        self.cyc_box = QGroupBox("CycleGAN")
        f = QFormLayout(self.cyc_box)
        f.addRow("Size", self.size)
        f.addRow("Width", self.width)
        f.addRow("Residual blocks", self.blocks)
        f.addRow(self.cycle_on)
        f.addRow("λ (cycle)", self.cycle)
        f.addRow("Identity λ_id", self.identity)
        f.addRow("Steps", self.steps)
        f.addRow("Batch size", self.batch)
        self.unit_box = QGroupBox("UNIT")
        f = QFormLayout(self.unit_box)
        f.addRow("Width", self.unit_width)
        f.addRow("Latent channels", self.unit_latent)
        f.addRow("Steps", self.unit_steps)
        f.addRow("Batch size", self.unit_batch)
        run_box = QGroupBox("Run")
        f = QFormLayout(run_box)
        f.addRow("Seed", self.seed)

        self.block = TrainBlock("Train a fresh model with these settings",
                                "Stop after the current step and keep the model",
                                train_text="Start")
        self.block.lend_to(self, "start_btn", "startRequested")
        self.save_btn = QPushButton("Save checkpoint…")
        # no key of its own: the window's Save checkpoint key (keys.SAVE) reaches save_checkpoint
        self.save_btn.setToolTip("Save the latest snapshot of the trained model as a "
                                 "checkpoint folder (File → Save checkpoint does the same)")
        self.save_btn.setEnabled(False)
        self.save_btn.clicked.connect(self.saveRequested)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (data_box, self.cyc_box, self.unit_box, run_box):
            lay.addWidget(w)
        lay.addWidget(self.block)
        lay.addWidget(self.save_btn)
        lay.addStretch(1)

        self._inputs = (self.model, self.domains, self.folder_btn, self.two_btn,
                        self.train_images, self.size, self.width, self.blocks, self.cycle_on,
                        self.cycle, self.identity, self.steps, self.batch, self.unit_width,
                        self.unit_latent, self.unit_steps, self.unit_batch, self.seed)
        self._spins = {"width": self.width, "blocks": self.blocks, "steps": self.steps,
                       "batch_size": self.batch, "cycle": self.cycle, "identity": self.identity,
                       "train_images": self.train_images, "unit_width": self.unit_width,
                       "unit_latent": self.unit_latent, "unit_steps": self.unit_steps,
                       "unit_batch": self.unit_batch, "seed": self.seed}
        self._busy = False
        self._loading = True
        self.set_values(DEFAULTS)
        self.set_values(SAVED.get())
        self._loading = False
        for box in (self.model, self.domains, self.size):
            box.currentIndexChanged.connect(self._changed)
        self.cycle_on.toggled.connect(self._changed)
        for spin in self._spins.values():
            spin.valueChanged.connect(self._changed)
        self.set_state("idle")

    # ------------------------------------------------------------------ values
    def values(self) -> dict:
        v = {"model": self.model.currentData(), "domains": self.domains.currentData(),
             "folder": self.folder, "folder_a": self.folder_a, "folder_b": self.folder_b,
             "size": self.size.currentData(), "cycle_on": self.cycle_on.isChecked()}
        for key, spin in self._spins.items():
            v[key] = spin.value()
        return v

    def set_values(self, v: dict) -> None:
        """Take what is valid of `v` (saved settings may be old or hand-edited)."""
        loading, self._loading = self._loading, True
        for key in ("folder", "folder_a", "folder_b"):
            if isinstance(v.get(key), str):
                setattr(self, key, v[key])
        for box, key in ((self.model, "model"), (self.domains, "domains")):
            i = box.findData(v.get(key)) if key in v else -1
            if i >= 0:
                box.setCurrentIndex(i)
        if isinstance(v.get("cycle_on"), bool):
            self.cycle_on.setChecked(v["cycle_on"])
        for key, spin in self._spins.items():
            try:
                value = float(v[key]) if isinstance(spin, QDoubleSpinBox) else int(v[key])
            except (KeyError, TypeError, ValueError, OverflowError):
                continue
            if value == value:            # NaN would land on the spin box's maximum
                spin.setValue(value)
        if self.domains.currentData() == FOLDER and not self.has_folders():
            self.domains.setCurrentIndex(0)
        self._fill_sizes(v.get("size"))
        self._loading = loading
        self._changed()

    def has_folders(self) -> bool:
        return bool(self.folder or (self.folder_a and self.folder_b))

    def folder_text(self, full: bool = False) -> str:
        """The chosen folders, by name (`full`: their paths, for the tooltip)."""
        name = (lambda p: p) if full else (lambda p: Path(p).name or p)
        if self.folder:
            return f"{name(self.folder)} (A/ and B/)"
        if self.folder_a and self.folder_b:
            return f"A: {name(self.folder_a)} · B: {name(self.folder_b)}"
        return ""

    def _fill_sizes(self, wanted=None) -> None:
        """The sizes the chosen domains allow; keep the current (or `wanted`) one if allowed."""
        sizes = SIZES[self.domains.currentData()]
        keep = wanted if wanted in sizes else self.size.currentData()
        if keep not in sizes:
            keep = sizes[-1]
        if [self.size.itemData(i) for i in range(self.size.count())] != list(sizes):
            blocked = self.size.blockSignals(True)
            self.size.clear()
            for s in sizes:
                self.size.addItem(f"{s} × {s}", s)
            self.size.blockSignals(blocked)
        self.size.setCurrentIndex(self.size.findData(keep))

    def _changed(self) -> None:
        unit = self.model.currentData() == UNIT
        if unit and self.domains.currentData() != DIGITS:
            blocked = self.domains.blockSignals(True)
            self.domains.setCurrentIndex(self.domains.findData(DIGITS))
            self.domains.blockSignals(blocked)
        domains = self.domains.currentData()
        self._fill_sizes()
        model = self.domains.model()
        for i, key in enumerate(DOMAINS):       # UNIT here knows the digits only
            model.item(i).setEnabled(not unit or key == DIGITS)
        folder = domains == FOLDER
        text = self.folder_text()
        metrics = self.folder_label.fontMetrics()
        width = max(120, self.folder_label.width() or 300)
        self.folder_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)
                                  if text else "No folders chosen")
        full = self.folder_text(full=True)
        self.folder_label.setToolTip((full + "\n\n" if full else "") + FOLDER_RULE)
        self.domain_note.setText({
            LANDSCAPES: "Rendered here from seeds; the previews show held-out scenes in both "
                        "styles (the same map on both rows, for comparison only).",
            DIGITS: "MNIST from the app's data folder, else the 2,000 digits bundled in "
                    "assets/datasets/mnist-sample; the status line says which. Even-numbered "
                    "digits stay plain (A), odd-numbered ones are textured (B).",
            FOLDER: f"A/ and B/ of your own images (the rule: hover here). At least "
                    f"{MIN_IMAGES} usable images a side; checked before training starts."}
            [domains])
        self.domain_note.setToolTip(FOLDER_RULE if folder else "")
        idle = not self._busy
        for w in (self.folder_label, self.folder_btn, self.two_btn):
            w.setEnabled(idle and (folder or w is not self.folder_label))
        self.folder_check.setVisible(folder)
        self.folder_label.setVisible(folder)
        self.train_images.setEnabled(idle and not folder)
        self.cyc_box.setVisible(not unit)
        self.unit_box.setVisible(unit)
        self.cycle.setEnabled(idle and self.cycle_on.isChecked())
        self.identity.setEnabled(idle and self.cycle_on.isChecked())
        self.cycle_on.setText(f"Cycle loss (λ = {self.cycle.value():g})")
        if not self._loading:
            SAVED.set(self.values())

    def _cycle_toggled(self, on: bool) -> None:
        self.cycle.setEnabled(on and not self._busy)
        self.identity.setEnabled(on and not self._busy)

    def _domains_picked(self) -> None:
        if self.domains.currentData() == FOLDER and not self.has_folders() \
                and not self.choose_folder():
            self.domains.setCurrentIndex(0)

    def choose_folder(self, folder: str | None = None) -> bool:
        """One folder holding A/ and B/ (asked for when None)."""
        if folder is None:
            start = existing_folder(self.folder, self.folder_a)
            folder = QFileDialog.getExistingDirectory(self, "Folder holding A/ and B/", start)
            if not folder:
                return False
        self.folder, self.folder_a, self.folder_b = folder, "", ""
        return self._folders_set()

    def choose_two_folders(self, a: str | None = None, b: str | None = None) -> bool:
        """The A folder and the B folder apart (asked for when None)."""
        if a is None:
            a = QFileDialog.getExistingDirectory(self, "Domain A: folder of images",
                                                 existing_folder(self.folder_a, self.folder))
            if not a:
                return False
        if b is None:
            b = QFileDialog.getExistingDirectory(self, "Domain B: folder of images",
                                                 existing_folder(self.folder_b,
                                                                 str(Path(a).parent)))
            if not b:
                return False
        self.folder, self.folder_a, self.folder_b = "", a, b
        return self._folders_set()

    def _folders_set(self) -> bool:
        self.domains.setCurrentIndex(self.domains.findData(FOLDER))
        self.set_folder_check("")
        self._changed()
        self.foldersChosen.emit()
        return True

    def set_folder_check(self, text: str, ok: bool | None = None) -> None:
        colour = {True: "#1b7837", False: "#b2182b", None: "#555"}[ok]
        self.folder_check.setStyleSheet(f"color: {colour}")
        self.folder_check.setText(text)

    # ------------------------------------------------------------------ state
    def set_state(self, state: str) -> None:
        """"idle", "running", "pausing" (asked for, not yet in effect) or "paused"."""
        self.block.set_state(state)
        self._busy = state != "idle"
        for w in self._inputs:
            w.setEnabled(not self._busy)
        if not self._busy:
            self._changed()     # re-apply which inputs the choices leave unused

    def begin(self) -> None:
        self.block.begin()

    def show_step(self, ev: Step) -> None:
        rate = ev.step / ev.elapsed_s if ev.elapsed_s > 0 else float("nan")
        losses = " · ".join(f"{k} {v:.3f}" for k, v in ev.losses.items() if k != "loss")
        self.block.show_step(ev, f"{rate:.2f} steps/s · {format_duration(ev.elapsed_s)} "
                                 f"elapsed\n{losses}")

    def set_status(self, text: str, fraction: float | None = None) -> None:
        self.block.set_status(text, fraction)
