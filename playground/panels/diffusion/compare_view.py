"""DDPM with all T steps beside DDIM with S steps, both from the same x_T.

The headline is the number of ε̂-network evaluations each sampler made (counted in the
sampler loop): that is the cost that S controls, and its ratio is T/S for the same network.
Wall times stand beside it with the time per evaluation; they are noisy (a first run warms
caches, other programs share the CPU), so dividing them would overstate or understate the gain.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from models.imaging import tile

from ... import keys
from ...widgets import ImageView, format_duration
from .chain_view import grid_columns
from .jobs import CompareResult


def seconds(s: float) -> str:
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s" if s < 60 else format_duration(s)


def evaluations(n: int) -> str:
    return f"{n} evaluation" + ("" if n == 1 else "s")


def summary_text(r: CompareResult, diff: float) -> str:
    """The evaluation ratio first, then wall times and time per evaluation beside it."""
    ratio = r.ddpm_evals / max(1, r.ddim_evals)
    fewer = (f"{ratio:.0f}× fewer" if ratio >= 10 else f"{ratio:.1f}× fewer" if ratio > 1
             else "as many" if ratio == 1 else f"{1 / ratio:.1f}× more")
    guided = r.ddim_evals == 2 * r.ddim_steps
    why = (" (guided: ε̂(x, y) and ε̂(x, ∅) each step, one pass on a doubled batch)"
           if guided else "")
    return (f"DDIM used {r.ddim_evals} network evaluations vs DDPM's {r.ddpm_evals}: "
            f"{fewer}{why}.\nWall time {seconds(r.ddim_s)} vs {seconds(r.ddpm_s)}; per "
            f"evaluation {r.ddim_ms_per_eval:.1f} vs {r.ddpm_ms_per_eval:.1f} ms (wall times "
            f"are noisy: other programs, warm-up) · mean |DDPM − DDIM| = {diff:.3f} per pixel")


class CompareView(QWidget):
    exportRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: CompareResult | None = None
        note = QLabel("DDPM needs every one of the T steps: each removes a little noise and adds "
                      "some back. DDIM takes S big deterministic (η = 0) steps along the same "
                      "learned ε̂. Both start here from the very same x_T, so the images can be "
                      "compared one for one. The cost that counts is the number of network "
                      "evaluations (T against S, doubled under guidance); wall times are "
                      f"beside it. Press “DDPM vs DDIM” ({keys.COMPARE.native()}).")
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
        self.ddpm_label.setToolTip("Ancestral sampling, the lectures' Algorithm 2, all T steps: "
                                  "one ε̂ evaluation per step (two under guidance)")
        self.ddim_label.setToolTip("DDIM with the S and η of the sampling controls: one ε̂ "
                                  "evaluation per step (two under guidance)")
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
        self.ddpm_label.setText(f"DDPM · {r.ddpm_steps} steps · {evaluations(r.ddpm_evals)} · "
                                f"{seconds(r.ddpm_s)}")
        self.ddim_label.setText(f"DDIM · S = {r.ddim_steps} · η = {r.params.eta:g} · "
                                f"{evaluations(r.ddim_evals)} · {seconds(r.ddim_s)}")
        self.ddpm_view.set_caption(f"{r.ddpm_ms_per_eval:.1f} ms per evaluation")
        self.ddim_view.set_caption(f"{r.ddim_ms_per_eval:.1f} ms per evaluation")
        self.summary.setText(summary_text(r, float(np.abs(r.ddpm - r.ddim).mean())))
        self.export_btn.setEnabled(True)

    def export_image(self) -> np.ndarray | None:
        r = self.result
        if r is None:
            return None
        cols = grid_columns(len(r.ddpm))
        grids = [tile(x, cols, pad=1) for x in (r.x_T, r.ddpm, r.ddim)]
        gap = np.ones((grids[0].shape[0], 8), np.float32)
        return np.concatenate([grids[0], gap, grids[1], gap, grids[2]], axis=1)
