"""DDPM with all T steps beside DDIM with S steps, both from the same x_T, with wall times."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from models.imaging import tile

from ...widgets import ImageView, format_duration
from .chain_view import grid_columns
from .jobs import CompareResult


def seconds(s: float) -> str:
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s" if s < 60 else format_duration(s)


class CompareView(QWidget):
    exportRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: CompareResult | None = None
        note = QLabel("DDPM needs every one of the T steps: each removes a little noise and adds "
                      "some back. DDIM takes S big deterministic (η = 0) steps along the same "
                      "learned ε̂. Both start here from the very same x_T, so the images can be "
                      "compared one for one. Press “DDPM vs DDIM” (Ctrl+D).")
        note.setWordWrap(True)
        self.noise_view = ImageView(min_side=160, caption="x_T (shared)")
        self.ddpm_view = ImageView(min_side=220, caption="DDPM")
        self.ddim_view = ImageView(min_side=220, caption="DDIM")
        big = QFont()
        big.setPointSizeF(big.pointSizeF() * 1.25)
        big.setBold(True)
        self.ddpm_label, self.ddim_label = QLabel("DDPM · –"), QLabel("DDIM · –")
        for lab in (self.ddpm_label, self.ddim_label):
            lab.setFont(big)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ddpm_label.setToolTip("Ancestral sampling, the lectures' Algorithm 2, all T steps")
        self.ddim_label.setToolTip("DDIM with the S and η of the sampling controls")
        self.summary = QLabel("")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.export_btn = QPushButton("Export PNG…")
        self.export_btn.setToolTip("Save x_T, DDPM and DDIM grids side by side as one PNG")
        self.export_btn.clicked.connect(self.exportRequested)
        self.export_btn.setEnabled(False)

        grid = QGridLayout()
        grid.addWidget(self.noise_view, 1, 0)
        grid.addWidget(self.ddpm_label, 0, 1)
        grid.addWidget(self.ddim_label, 0, 2)
        grid.addWidget(self.ddpm_view, 1, 1)
        grid.addWidget(self.ddim_view, 1, 2)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 3)
        grid.setRowStretch(1, 1)
        tools = QHBoxLayout()
        tools.addWidget(self.summary, 1)
        tools.addWidget(self.export_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(grid, 1)
        lay.addLayout(tools)

    def clear(self, text: str = "") -> None:
        self.result = None
        for v in (self.noise_view, self.ddpm_view, self.ddim_view):
            v.set_image(None)
        self.ddpm_label.setText("DDPM · –")
        self.ddim_label.setText("DDIM · –")
        self.summary.setText(text)
        self.export_btn.setEnabled(False)

    def show_noise(self, x_T: np.ndarray) -> None:
        self.noise_view.set_image(tile(x_T, grid_columns(len(x_T)), pad=1))

    def show_result(self, r: CompareResult) -> None:
        self.result = r
        cols = grid_columns(len(r.ddpm))
        self.noise_view.set_image(tile(r.x_T, cols, pad=1))
        self.ddpm_view.set_image(tile(r.ddpm, cols, pad=1))
        self.ddim_view.set_image(tile(r.ddim, cols, pad=1))
        self.ddpm_label.setText(f"DDPM · {r.ddpm_steps} steps · {seconds(r.ddpm_s)}")
        self.ddim_label.setText(f"DDIM · S = {r.ddim_steps} · η = {r.params.eta:g} · "
                                f"{seconds(r.ddim_s)}")
        self.ddpm_view.set_caption(f"{r.ddpm_s / r.ddpm_steps * 1e3:.0f} ms per step")
        self.ddim_view.set_caption(f"{r.ddim_s / r.ddim_steps * 1e3:.0f} ms per step")
        speedup = r.ddpm_s / max(r.ddim_s, 1e-9)
        diff = float(np.abs(r.ddpm - r.ddim).mean())
        pace = (f"DDIM was {speedup:.1f}× faster" if speedup >= 1
                else f"DDIM was {1 / speedup:.1f}× slower")
        self.summary.setText(f"{pace}, with {r.ddim_steps} steps to DDPM's {r.ddpm_steps} · "
                             f"mean |DDPM − DDIM| = {diff:.3f} per pixel")
        self.export_btn.setEnabled(True)

    def export_image(self) -> np.ndarray | None:
        r = self.result
        if r is None:
            return None
        cols = grid_columns(len(r.ddpm))
        grids = [tile(x, cols, pad=1) for x in (r.x_T, r.ddpm, r.ddim)]
        gap = np.ones((grids[0].shape[0], 8), np.float32)
        return np.concatenate([grids[0], gap, grids[1], gap, grids[2]], axis=1)
