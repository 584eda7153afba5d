"""The Collapse tool: does the decoder read z at all?

Posterior collapse: with a decoder strong enough to model x on its own (the PixelCNN decoder
sees the pixels above and to the left), the VAE's cheapest optimum is q(z|x) = p(z) for
every x. Then each dimension's KL is 0 nats, the encoder's mean no longer moves with x
(Var_x E[z_j|x] ≈ 0: the unit is inactive), and the reconstruction does not change when z is
swapped for a random draw.

Shown: KL(q(z_j|x) ‖ N(0, 1)) per dimension (VAE; live from the training job's CodeStats),
Var_x E[z_j|x] per dimension on a log scale with the 0.01 threshold of "active", and a few
held-out images: input | decoder output at z = μ(x) | decoder output at a random prior z.
For the PixelCNN decoder the outputs are p(x_i = 1 | x_<i, z) teacher-forced on the image
(one pass); for plain decoders the Bernoulli means dec(z).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from models.autoencoder.stats import ACTIVE_THRESHOLD, code_stats
from models.events import CodeStats
from models.imaging import tile
from models.latent import prior_draws

from ...widgets import ImageView
from .space import LatentSpace
from .tools import _Tool, _export_png

SHOWN = 8          # held-out images in the reconstruction rows
FLOOR = 1e-6       # log scale: a variance of exactly 0 is drawn at 10⁻⁶


def _bar_plot(title: str, left: str) -> tuple[pg.PlotWidget, pg.BarGraphItem]:
    plot = pg.PlotWidget(title=title)
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    plot.setLabel("left", left)
    plot.setLabel("bottom", "dimension j")
    plot.setMinimumHeight(120)
    bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush="#4c72b0", pen=None)
    plot.addItem(bars)
    return plot, bars


class CollapseTool(_Tool):
    """KL per dimension, active units, and reconstructions with z swapped for a random z."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.stats: CodeStats | None = None
        self.live = False           # the figures came from the training job's CodeStats
        self.rows: dict[str, np.ndarray] | None = None
        self.difference: float | None = None
        self._seed = 0
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.kl_plot, self.kl_bars = _bar_plot("KL per dimension", "nats")
        self.kl_plot.setToolTip("KL(q(z_j|x) ‖ N(0, 1)) averaged over the held-out images, in "
                                "nats. ≈ 0: that dimension carries nothing about x")
        self.var_plot, self.var_bars = _bar_plot("Var<sub>x</sub> E[z<sub>j</sub>|x]",
                                                 "variance (log)")
        self.var_plot.setToolTip("How much each dimension's code moves between images. Above "
                                 "the red line (0.01) the unit is active (Burda et al. 2016)")
        self.threshold = pg.InfiniteLine(pos=np.log10(ACTIVE_THRESHOLD), angle=0,
                                         pen=pg.mkPen("#d62728", width=1.5,
                                                      style=pg.QtCore.Qt.PenStyle.DashLine),
                                         label="0.01", labelOpts={"color": "#d62728",
                                                                  "position": 0.08,
                                                                  "anchors": [(0, 1), (0, 1)]})
        self.var_plot.addItem(self.threshold)
        self.kl_note = QLabel()
        self.kl_note.setWordWrap(True)
        self.images = ImageView(min_side=150)
        self.images.setToolTip("Rows: the held-out input; the decoder at z = μ(x); the "
                               "decoder at a random z from the prior")
        self.new_z = QPushButton("New random z")
        self.new_z.setToolTip("Draw other random codes for the bottom row")
        self.new_z.clicked.connect(self.new_random_z)
        self.export_btn = QPushButton("Export PNG…")
        self.export_btn.setToolTip("Save the three rows of images as a PNG")
        self.export_btn.clicked.connect(
            lambda: _export_png(self, self.images.image(), "collapse.png"))
        self.diff_label = QLabel()
        self.diff_label.setToolTip("Mean over pixels and images of |p(x | μ(x)) − p(x | random z)|:"
                                   " 0 when the decoder ignores z")
        self.caption = QLabel(
            "<b>Collapse looks like</b>: KL bars at 0, no unit above the red line, and the "
            "bottom row (random z) identical to the middle one (difference ≈ 0): the decoder "
            "models x without z. A healthy model's bottom row shows other images. Read the KL "
            "first: a unit can pass the variance test while carrying almost nothing.")
        self.caption.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_z)
        buttons.addWidget(self.diff_label, 1)
        buttons.addWidget(self.export_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        plots = QHBoxLayout()
        plots.addWidget(self.kl_plot, 1)      # side by side, the same width
        plots.addWidget(self.var_plot, 1)
        lay.addLayout(plots, 2)
        lay.addWidget(self.kl_note)
        lay.addWidget(self.images, 2)
        lay.addLayout(buttons)
        lay.addWidget(self.caption)

    # ---------------------------------------------------------------- figures
    def set_space(self, space: LatentSpace | None) -> None:
        super().set_space(space)
        if space is None:
            return
        # the figures of the codes shown (the same numbers a training snapshot's CodeStats
        # carries: the training job computes them from the same μ and σ)
        sigma = space.scales if space.model.kind == "vae" else None
        self.show_stats(code_stats(0, space.latents, sigma), live=False)
        if self.isVisible():
            self.update_images()

    def show_stats(self, stats: CodeStats, live: bool = True) -> None:
        """Draw the bars and the summary; `live` when the figures are a training job's."""
        self.stats, self.live = stats, live
        v = np.asarray(stats.unit_variance, np.float64)
        d = len(v)
        x = np.arange(1, d + 1)
        self.var_bars.setOpts(x=x, y0=np.log10(FLOOR), height=np.log10(np.maximum(v, FLOOR))
                              - np.log10(FLOOR),
                              brushes=["#4c72b0" if a > ACTIVE_THRESHOLD else "#bbbbbb" for a in v])
        top = max(1.0, float(np.log10(max(v.max(initial=0.0), FLOOR))) + 0.5)
        self.var_plot.setYRange(np.log10(FLOOR), top, padding=0)
        self.var_plot.getAxis("left").setTicks([[(k, f"1e{k}") for k in range(-6, int(top) + 1)]])
        self.var_plot.setXRange(0.4, d + 0.6, padding=0)
        ticks = [[(j, str(j)) for j in x[::max(1, d // 8)]]]    # whole dimensions only
        for plot in (self.var_plot, self.kl_plot):
            plot.getAxis("bottom").setTicks(ticks)
        kl = stats.kl_per_dim
        self.kl_plot.setVisible(kl is not None)
        if kl is not None:
            self.kl_bars.setOpts(x=x, height=np.asarray(kl, np.float64))
            self.kl_plot.setXRange(0.4, d + 0.6, padding=0)
            self.kl_plot.enableAutoRange(axis="y")
            self.kl_note.setText("")
            total = f" · KL total {float(np.sum(kl)):.2f} nats"
        else:
            kind = self.space.model.kind if self.space is not None else ""
            self.kl_note.setText(
                "No KL bars: the hierarchical VAE's z₁ has the prior p(z₁|z₂), not N(0, 1), so "
                "a per-dimension KL to N(0, 1) is not its KL term." if kind == "hvae" else
                "No KL bars: only the VAE has a KL term per dimension; this model's encoder is "
                "judged by how much its codes vary (right).")
            total = ""
        when = f" · live, step {stats.step:,}" if live else ""
        self.summary.setText(f"<b>Active units: {stats.active_units} of {d}</b> "
                             f"(Var<sub>x</sub> E[z<sub>j</sub>|x] &gt; {ACTIVE_THRESHOLD:g})"
                             f"{total}{when}")

    def bar_heights(self) -> dict[str, np.ndarray | None]:
        """What the bars show now, for tests: KL in nats and variances (undoing the log)."""
        kl = self.kl_bars.opts.get("height") if self.kl_plot.isVisibleTo(self) else None
        v = self.var_bars.opts.get("height")
        return {"kl": None if kl is None else np.asarray(kl),
                "variance": None if v is None else 10.0 ** (np.asarray(v) + np.log10(FLOOR))}

    # ---------------------------------------------------------------- images
    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.update_images()

    def new_random_z(self) -> None:
        self._seed += 1
        self.update_images()

    def random_codes(self, n: int) -> np.ndarray:
        s = self.space
        return prior_draws(s.model, n, seed=1000 + self._seed, latents=s.latents)

    def update_images(self) -> None:
        """Input | output at μ(x) | output at a random z, for the first SHOWN held-out images."""
        s = self.space
        if s is None or not len(s.images):
            return
        x = s.images[:SHOWN]
        model = s.model
        z = self.random_codes(len(x))
        if model.autoregressive:
            # the teacher-forced probabilities: one pass, and exactly what would change if
            # the decoder used z (sampling pixel by pixel would take seconds and add noise)
            at_mu = model.recon_probabilities(x)
            at_random = model.recon_probabilities(x, z)
            what = "p(x_i | x_<i, z), teacher-forced"
        else:
            at_mu = model.decode(s.latents[:len(x)])
            at_random = model.decode(z)
            what = "dec(z)"
        inputs = np.asarray(x, np.float32) / (255.0 if x.dtype == np.uint8 else 1.0)
        self.rows = {"input": inputs, "mu": at_mu, "random": at_random}
        self.difference = float(np.abs(at_mu - at_random).mean())
        self.images.set_image(tile(np.concatenate([inputs, at_mu, at_random]), ncols=len(x),
                                   pad=2))
        self.images.set_caption(f"input · {what} at z = μ(x) · at a random prior z")
        self.diff_label.setText(f"difference mean |Δp| = {self.difference:.4f}")
