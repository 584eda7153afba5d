"""The "Samples & latent" tab: a grid of G's samples (seed, resample, truncation) whose
cells pick the ends A and B of an interpolation (drawn by digits_interp.InterpolationBox).

Sampling runs on the GUI thread: a DCGAN forward pass of a grid takes tens of milliseconds
on one core, on the view's own GANModel (a copy of the weights, never the training one).
"""
from __future__ import annotations

import random

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from ... import keys
from .digits_grid import CellGrid
from .digits_interp import InterpolationBox

MAX_SEED = 2**31 - 1
SIZES = (4, 6, 8, 10)
TRUNC_MIN, TRUNC_MAX, TRUNC_STEP = 0.2, 2.0, 0.05
TRUNCATION_TIP = ("Sample z from a truncated normal: every coordinate beyond ±t is redrawn "
                  "(BigGAN's truncation trick). A small t keeps z near the centre, where G was "
                  "trained most: cleaner, more typical images but less variety. Off (or a large "
                  "t) gives the full variety, including G's odd corners.")
HELP = ("<b>Click</b> a sample to make it end <b>A</b> of the interpolation, <b>right-click</b> "
        "(or Shift+click) for end <b>B</b>. <b>Ctrl+N</b> resamples, <b>X</b> swaps A and B, "
        "<b>Space</b> on the t slider plays the morph. For a conditional model, keys "
        "<b>0–9</b> pick the class and <b>*</b> asks for every class.<br><br>"
        "Everything here is G's forward pass on noise z: the same seed and settings always "
        "give the same images.")


class SamplesPane(QWidget):
    changed = Signal()            # seed or truncation changed: the per-class grid redraws
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = None
        self.label: int | None = None
        self.z: np.ndarray | None = None
        self.grid_labels: np.ndarray | None = None
        self.ends: dict[str, dict] = {}
        self._build()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        box = QGroupBox("Samples")
        form = QFormLayout(box)
        self.size = QComboBox()
        for s in SIZES:
            self.size.addItem(f"{s} × {s}", s)
        self.size.setCurrentIndex(SIZES.index(8))
        self.size.setToolTip("How many samples the grid shows (a conditional model with every "
                             "class shows one class per column)")
        self.seed = QSpinBox(minimum=0, maximum=MAX_SEED)
        self.seed.setToolTip("The seed fixes the noise z of every cell: the same seed gives the "
                             "same grid, so you can change one setting and compare")
        self.resample_btn = QPushButton("Resample")
        self.resample_btn.setToolTip(keys.tip("New random noise: pick a new seed",
                                               keys.NEW_NOISE))
        self.resample_btn.clicked.connect(self.resample)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.resample_btn)
        self.trunc_on = QCheckBox("Truncate z")
        self.trunc_on.setToolTip(TRUNCATION_TIP)
        self.trunc = QSlider(Qt.Orientation.Horizontal)
        self.trunc.setRange(round(TRUNC_MIN / TRUNC_STEP), round(TRUNC_MAX / TRUNC_STEP))
        self.trunc.setValue(round(1.0 / TRUNC_STEP))
        self.trunc.setToolTip(TRUNCATION_TIP)
        self.trunc_label = QLabel()
        self.trunc_label.setMinimumWidth(46)
        trow = QHBoxLayout()
        trow.addWidget(self.trunc_on)
        trow.addWidget(self.trunc, 1)
        trow.addWidget(self.trunc_label)
        form.addRow("Grid", self.size)
        form.addRow("Seed", seed_row)
        form.addRow("Truncation", trow)
        self.grid = CellGrid(min_side=320)
        self.grid.setToolTip("Click a sample to make it interpolation end A, right-click (or "
                             "Shift+click) for end B")
        self.grid.cellClicked.connect(self._cell_clicked)

        ibox = self.interp = InterpolationBox()
        ibox.randomRequested.connect(self.random_end)
        ibox.swapRequested.connect(self.swap)
        ibox.message.connect(self.message)
        # the box's parts, for callers and tests
        self.t_bar, self.big, self.strip, self.mode, self.k = (ibox.t_bar, ibox.big, ibox.strip,
                                                               ibox.mode, ibox.k)

        self.class_label = QLabel()
        self.class_label.setWordWrap(True)
        form.addRow("Class", self.class_label)
        self.help = QLabel(HELP)
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        self.help.setStyleSheet("color: #444;")
        left = QWidget()
        left.setMaximumWidth(300)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(box)
        ll.addWidget(self.help)
        ll.addStretch(1)
        ibox.setMinimumWidth(440)
        lay = QHBoxLayout(self)
        lay.addWidget(left, 0)
        lay.addWidget(self.grid, 5)
        lay.addWidget(ibox, 4)
        for action, slot, what in (
                (keys.NEW_NOISE, self.resample, "Resample: a new seed"),
                (keys.SWAP, self.swap, "Swap the interpolation's ends A and B"),
                (keys.EXPORT, ibox.export_png, "Export the interpolation as a PNG strip"),
                (keys.EXPORT_MORE, ibox.export_gif, "Export the interpolation as a GIF")):
            keys.shortcut(action, self, lambda s=slot: s(), what,
                          Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.size.currentIndexChanged.connect(self.refresh_grid)
        self.seed.valueChanged.connect(self._noise_changed)
        self.trunc_on.toggled.connect(self._noise_changed)
        self.trunc.valueChanged.connect(self._noise_changed)
        self._update_trunc_label()
        self.set_model(None)

    # ------------------------------------------------------------------ settings
    def truncation(self) -> float | None:
        return round(self.trunc.value() * TRUNC_STEP, 4) if self.trunc_on.isChecked() else None

    def set_truncation(self, value: float | None) -> None:
        if value is not None:
            self.trunc.setValue(round(float(value) / TRUNC_STEP))
        self.trunc_on.setChecked(value is not None)

    def values(self) -> dict:
        return {"size": self.size.currentData(), "seed": self.seed.value(),
                "truncation_on": self.trunc_on.isChecked(),
                "truncation": self.trunc.value() * TRUNC_STEP, "mode": self.mode.currentData(),
                "frames": self.k.value(), "fps": self.t_bar.fps.value()}

    def set_values(self, v: dict) -> None:
        if not isinstance(v, dict):
            return
        for combo, key in ((self.size, "size"), (self.mode, "mode")):
            i = combo.findData(v.get(key))
            if i >= 0:
                combo.setCurrentIndex(i)
        for w, key, cast in ((self.seed, "seed", int), (self.k, "frames", int),
                             (self.t_bar.fps, "fps", int),
                             (self.trunc, "truncation", lambda x: round(float(x) / TRUNC_STEP))):
            try:
                w.setValue(cast(v[key]))
            except (KeyError, TypeError, ValueError, OverflowError):
                pass
        if isinstance(v.get("truncation_on"), bool):
            self.trunc_on.setChecked(v["truncation_on"])

    # ------------------------------------------------------------------ model
    def set_model(self, model) -> None:
        """Show `model` (a GANModel, or None). A model with the same noise size keeps A and B."""
        same_space = (model is not None and self.model is not None
                      and model.noise_dim == self.model.noise_dim)
        self.model = model
        self.resample_btn.setEnabled(model is not None)
        if model is None:
            self.z, self.ends = None, {}
            self.grid.set_image(None)
            self.grid.set_caption("no model: pick one above, train one, or open a checkpoint")
            self.interp.set_path(None, None, None, None)
            self._update_class_label()
            return
        if not model.conditional:
            self.label = None
        self.refresh_grid()
        if not same_space or not self.ends:
            # a conditional grid of every class: B under A, the same class in another style
            n, cols = self.grid_shape()
            self.ends = {}
            self._pick("A", 0)
            self._pick("B", cols if model.conditional and self.label is None and n > cols
                       else min(1, n - 1))
        self.refresh_path()

    def set_label(self, label: int | None) -> None:
        """The class the grid and the path ask for (None: every class in turn)."""
        self.label = label
        if self.model is not None:
            self.refresh_grid()
            self.refresh_path()

    def _class_name(self, i: int) -> str:
        names = self.model.classes
        name = names[i] if i < len(names) else str(i)
        return name if name == str(i) else f"{i} · {name}"

    def _update_class_label(self) -> None:
        m = self.model
        if m is None or not m.conditional:
            self.class_label.setText("— (unconditional model)" if m is not None else "—")
        elif self.label is None:
            self.class_label.setText("every class in turn (one per column); pick one in the "
                                     "Conditional tab or press 0–9")
        else:
            self.class_label.setText(f"{self._class_name(self.label)} (0–9 to change, * for all)")

    def _noise_changed(self) -> None:
        self._update_trunc_label()
        self.refresh_grid()
        self.changed.emit()

    def _update_trunc_label(self) -> None:
        t = self.trunc.value() * TRUNC_STEP
        self.trunc_label.setText(f"{t:.2f}" if self.trunc_on.isChecked() else "off")
        self.trunc.setEnabled(self.trunc_on.isChecked())

    # ------------------------------------------------------------------ the grid
    def grid_shape(self) -> tuple[int, int]:
        side, m = self.size.currentData(), self.model
        if m is not None and m.conditional and self.label is None:
            k = m.config.num_classes
            return side * k, k
        return side * side, side

    def refresh_grid(self) -> None:
        m = self.model
        if m is None:
            return
        n, cols = self.grid_shape()
        self.z = m.latent(n, truncation=self.truncation(), generator=self.seed.value())
        if m.conditional:
            k = m.config.num_classes
            self.grid_labels = np.arange(n) % k if self.label is None else np.full(n, self.label)
        else:
            self.grid_labels = None
        images = m.generate(self.z, self.grid_labels)
        self.grid.set_images(images, cols)
        self._update_class_label()
        self._mark_ends()
        t = self.truncation()
        what = ("one class per column" if m.conditional and self.label is None else
                f"class {self._class_name(self.label)}" if m.conditional else "")
        self.grid.set_caption(" · ".join(x for x in (f"seed {self.seed.value()}",
                                                     f"truncation {t:g}" if t else "no truncation",
                                                     what) if x))

    def resample(self) -> None:
        if self.model is not None:
            self.seed.setValue(random.randint(0, MAX_SEED))

    def _cell_clicked(self, i: int, secondary: bool) -> None:
        self._pick("B" if secondary else "A", i)
        self.refresh_path()

    def _pick(self, name: str, i: int) -> None:
        label = None if self.grid_labels is None else int(self.grid_labels[i])
        self.ends[name] = {"z": self.z[i].copy(), "label": label, "cell": i}
        self._mark_ends()

    def _mark_ends(self) -> None:
        """Frame the cells that still hold A's and B's noise (a new seed moves them away)."""
        z, marks = self.z, {}
        for name, e in self.ends.items():
            i = e["cell"]
            if z is not None and i is not None and i < len(z) and np.array_equal(z[i], e["z"]):
                marks[name] = i
        self.grid.set_marks(marks)

    def pick(self, name: str, i: int) -> None:
        """Make grid cell i end `name` ("A" or "B")."""
        self._pick(name, i)
        self.refresh_path()

    def random_end(self, name: str) -> None:
        m = self.model
        if m is None:
            return
        z = m.latent(1, truncation=self.truncation(), generator=random.randint(0, MAX_SEED))[0]
        label = self.label if self.label is not None or not m.conditional else \
            random.randrange(m.config.num_classes)
        self.ends[name] = {"z": z, "label": label, "cell": None}
        self._mark_ends()
        self.refresh_path()

    def swap(self) -> None:
        if "A" in self.ends and "B" in self.ends:
            self.ends["A"], self.ends["B"] = self.ends["B"], self.ends["A"]
            self._mark_ends()
            self.refresh_path()

    # ------------------------------------------------------------------ the path
    def path_label(self) -> int | None:
        """The class the path is drawn in: the picked class, else A's."""
        m = self.model
        if m is None or not m.conditional:
            return None
        if self.label is not None:
            return self.label
        a = self.ends.get("A", {}).get("label")
        return 0 if a is None else a

    def refresh_path(self) -> None:
        if self.model is not None and "A" in self.ends and "B" in self.ends:
            self.interp.set_path(self.model, self.ends["A"]["z"], self.ends["B"]["z"],
                                 self.path_label())

    @property
    def frames(self) -> np.ndarray | None:
        return self.interp.frames

    def export_png(self, path: str | None = None) -> bool:
        return self.interp.export_png(path)

    def export_gif(self, path: str | None = None) -> bool:
        return self.interp.export_gif(path)
