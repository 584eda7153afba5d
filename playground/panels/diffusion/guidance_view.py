"""Classifier-free guidance: one row per scale w, the same noise and classes in every row.

With one class a row is a line of its samples; with "each class in turn" a row is a small
grid with one column per class, so all ten digits show. The diversity figure beside each row
is the spread within each class, averaged over classes (models.metrics.within_class_spread):
a spread across different classes would rise with w, as guidance makes digits more distinct.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)


from ... import keys
from ...widgets import ImageView
from .jobs import GuidanceResult

DEFAULT_SCALES = "0, 1, 3, 7"
MAX_W = 10.0


def parse_scales(text: str) -> tuple[float, ...]:
    """"0, 1, 3, 7" → (0.0, 1.0, 3.0, 7.0); ValueError with a readable message otherwise."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts:
        raise ValueError("Give at least one guidance scale, e.g. 0, 1, 3, 7.")
    out = []
    for p in parts:
        try:
            w = float(p)
        except ValueError:
            raise ValueError(f"{p!r} is not a number; give scales like 0, 1, 3, 7.") from None
        if not (math.isfinite(w) and 0 <= w <= MAX_W):
            raise ValueError(f"Guidance scales must be in 0 … {MAX_W:g}, not {p}.")
        out.append(w)
    if len(out) > 8:
        raise ValueError("At most 8 guidance scales (rows).")
    return tuple(out)


class GuidanceView(QWidget):
    exportRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: GuidanceResult | None = None
        note = QLabel("Classifier-free guidance mixes the conditional and unconditional noise "
                      "estimates, ε̂ = (1 + w) ε̂(x, y) − w ε̂(x, ∅). Every row starts from the "
                      "same noise with the same classes; only w changes. Higher w: more "
                      "class-typical digits, less variety. The spread beside each row is the mean "
                      "pixel distance between two samples of the same class, averaged over the "
                      "classes (with “Each class in turn”, one column per class). "
                      f"Press “Guidance grid” ({keys.GRID.native()}).")
        note.setWordWrap(True)
        self.scales = QLineEdit(DEFAULT_SCALES)
        self.scales.setToolTip("Guidance scales, one row each, separated by commas (0 … 10)")
        self.columns = QSpinBox(minimum=2, maximum=16, value=4)
        self.columns.setToolTip(
            "Samples of each class in every row (the same noise in every row). With one class "
            "a row is a line of that many; with “Each class in turn” every class gets that "
            "many, as a grid with one column per class. At least 2, so that a spread within "
            "a class can be measured.")
        self.export_btn = QPushButton("Export PNG…")
        self.export_btn.setToolTip("Save the guidance grid as a PNG")
        self.export_btn.clicked.connect(self.exportRequested)
        self.export_btn.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Scales w"))
        bar.addWidget(self.scales, 1)
        bar.addWidget(QLabel("Samples per class"))
        bar.addWidget(self.columns)
        bar.addWidget(self.export_btn)
        self.info = QLabel("")
        self.rows = QGridLayout()
        self.rows.setColumnStretch(1, 1)
        self._row_widgets: list[tuple[QLabel, ImageView]] = []
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(bar)
        lay.addWidget(self.info)
        lay.addLayout(self.rows, 1)
        # Takes the space only while there are no rows (an empty layout has no stretch):
        # without it the labels above shared the blank height and floated apart.
        lay.addStretch(0)

    def scale_values(self) -> tuple[float, ...]:
        return parse_scales(self.scales.text())

    def clear(self, text: str = "") -> None:
        self.result = None
        self.info.setText(text)
        for label, view in self._row_widgets:
            label.setText("")
            view.set_image(None)
        self.export_btn.setEnabled(False)

    def _ensure_rows(self, n: int) -> None:
        while len(self._row_widgets) < n:
            label, view = QLabel(), ImageView(min_side=60)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setMinimumWidth(110)
            r = len(self._row_widgets)
            self.rows.addWidget(label, r, 0)
            self.rows.addWidget(view, r, 1)
            self.rows.setRowStretch(r, 1)
            self._row_widgets.append((label, view))
        for i, (label, view) in enumerate(self._row_widgets):
            label.setVisible(i < n)
            view.setVisible(i < n)
            self.rows.setRowStretch(i, 1 if i < n else 0)

    def show_result(self, r: GuidanceResult, classes: list[str], T: int) -> None:
        self.result = r
        self._ensure_rows(len(r.scales))
        for i, ((label, view), w, div) in enumerate(zip(self._row_widgets, r.scales,
                                                        r.diversity)):
            label.setText(f"w = {w:g}\nspread within\na class {div:.2f}")
            label.setToolTip("Mean pixel distance (L2, images in [0, 1]) between two samples "
                             "of the same class, averaged over the classes shown. Lower: the "
                             "samples of a class are more alike.")
            view.set_image(r.row_grid(i))
        order = list(dict.fromkeys(int(c) for c in r.labels))
        names = [classes[i] if i < len(classes) else str(i) for i in order]
        per = len(r.labels) // max(1, len(order))
        what = (f"class {names[0]} × {per}" if len(names) == 1 else
                f"one column per class ({' '.join(names)}) × {per} each")
        self.info.setText(f"{what} · {r.params.describe(T).split(' · w')[0]} · seed "
                          f"{r.params.seed} · {r.wall_s:.1f} s")
        self.export_btn.setEnabled(True)

    def export_image(self) -> np.ndarray | None:
        if self.result is None:
            return None
        r = self.result
        grids = [r.row_grid(i) for i in range(len(r.scales))]
        gap = np.ones((6, grids[0].shape[1]), np.float32)
        parts = [p for g in grids for p in (g, gap)][:-1]
        return np.concatenate(parts, axis=0)
