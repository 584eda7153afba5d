"""The "Conditional" tab: pick the class G draws, and a grid with one row per class where each
column shares its noise z, so one column is one "style" written as every class."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from .digits_grid import RowGrid

UNCONDITIONAL_NOTE = ("<b>This model is unconditional</b>: its generator never saw a label, so "
                      "there is no class to ask for. Pick the shipped conditional DCGAN above, "
                      "or train one in the Train tab with Model = “Conditional DCGAN”, where G "
                      "and D are both given the label (Mirza &amp; Osindero 2014).")
NOTE = ("G and D both see the label: G learns p(x | y), so the label picks the class and the "
        "noise z carries everything else (slant, thickness, style). The class you pick here is "
        "the one the Samples tab draws. Below, every row is a class and every column one z: read "
        "a column to see one style written as each class. Keys 0–9 pick a class, * every class.")
NOTE_STYLE = ("QLabel { background: #fff4ce; border: 1px solid #e0c060; border-radius: 4px; "
              "padding: 6px; color: #4a3b00; }")
EVERY_ID = 1000     # the "every class" button's id (-1 would ask Qt for an automatic one)


class ConditionalPane(QWidget):
    labelChanged = Signal(object)     # int, or None for every class in turn
    exportRequested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = None
        self.label: int | None = None
        self.rows: np.ndarray | None = None
        self.note = QLabel(NOTE)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.picker_box = QGroupBox("Class")
        self.picker_layout = QGridLayout(self.picker_box)
        self.picker_layout.setSpacing(4)
        self.picker_box.setStyleSheet("QToolButton { padding: 3px 8px; } QToolButton:checked { "
                                      "background: #1f77b4; color: white; border: 1px solid "
                                      "#1f5f94; border-radius: 3px; }")
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.group.idClicked.connect(self._clicked)
        self.buttons: list[QToolButton] = []
        self.columns = QSpinBox(minimum=2, maximum=16, value=8)
        self.columns.setToolTip("Columns of the per-class grid: one noise vector z each, shared "
                                "by every row")
        self.columns.valueChanged.connect(lambda _: self.refresh())
        self.export_btn = QPushButton("Export PNG…")
        self.export_btn.setToolTip("Save the per-class grid as a PNG")
        self.export_btn.clicked.connect(self.exportRequested)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("One row per class, same z down each column · columns"))
        bar.addWidget(self.columns)
        bar.addStretch(1)
        bar.addWidget(self.export_btn)
        self.grid = RowGrid()
        self.grid.setToolTip("Each row asks G for one class; each column keeps the same z")
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.picker_box)
        lay.addLayout(bar)
        lay.addWidget(self.grid, 1)
        self._seed, self._truncation = 0, None
        self.set_model(None)

    # ------------------------------------------------------------------ the picker
    def _fill_picker(self, classes: list[str]) -> None:
        for b in self.buttons:
            self.group.removeButton(b)
            self.picker_layout.removeWidget(b)
            b.deleteLater()
        self.buttons = []
        entries = [("Every class", EVERY_ID, "Every class in turn (*)")]
        entries += [(f"{i} · {n}" if n != str(i) else n, i,
                     f"Ask G for class {i} ({n}) (key {i})" if i < 10 else f"Class {n}")
                    for i, n in enumerate(classes)]
        per_row = 6 if any(len(n) > 3 for n in classes) else 11
        for j, (text, ident, tip) in enumerate(entries):
            b = QToolButton()
            b.setText(text)
            b.setCheckable(True)
            b.setToolTip(tip)
            b.setMinimumWidth(40)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.group.addButton(b, ident)
            self.picker_layout.addWidget(b, j // per_row, j % per_row)
            self.buttons.append(b)
        for c in range(per_row + 1):
            self.picker_layout.setColumnStretch(c, 1 if c == per_row else 0)
        self._check()

    def _check(self) -> None:
        b = self.group.button(EVERY_ID if self.label is None else self.label)
        if b is not None:
            b.setChecked(True)

    def _clicked(self, ident: int) -> None:
        self.pick(None if ident == EVERY_ID else ident)

    def pick(self, label: int | None) -> None:
        """Ask for class `label` (None: every class in turn); ignored for unconditional models."""
        m = self.model
        if m is None or not m.conditional:
            return
        if label is not None and not 0 <= label < m.config.num_classes:
            return
        self.label = label
        self._check()
        self.labelChanged.emit(label)

    # ------------------------------------------------------------------ model and grid
    def set_model(self, model, label: int | None = None) -> None:
        old = self.model
        self.model = model
        conditional = model is not None and model.conditional
        if conditional and (old is None or not old.conditional or old.classes != model.classes):
            self._fill_picker(model.classes)
        self.label = label if conditional else None
        self._check()
        for w in (self.picker_box, self.columns, self.export_btn):
            w.setEnabled(conditional)
        self.picker_box.setVisible(conditional)
        self.note.setText(NOTE if conditional or model is None else UNCONDITIONAL_NOTE)
        self.note.setStyleSheet("" if conditional or model is None else NOTE_STYLE)
        if not conditional:
            self.rows = None
            self.grid.set_rows(None, [])
            self.grid.set_text("Needs a class-conditional model." if model is not None
                               else "No model.")

    def set_noise(self, seed: int, truncation: float | None) -> None:
        self._seed, self._truncation = seed, truncation

    def refresh(self) -> None:
        m = self.model
        if m is None or not m.conditional:
            return
        k, n = m.config.num_classes, self.columns.value()
        z = m.latent(n, truncation=self._truncation, generator=self._seed)
        images = m.generate(np.tile(z, (k, 1)), np.repeat(np.arange(k), n))
        self.rows = images.reshape(k, n, *images.shape[1:])
        self.grid.set_rows(self.rows, m.classes)

    def export_image(self) -> np.ndarray | None:
        return self.grid.image()
