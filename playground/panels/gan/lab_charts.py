"""The 2-D lab's charts: D and G losses, D's mean output on real and generated points, and the
divergence between the real and generated binned densities.

They are the app's shared CurveChart, redrawn at most `REDRAW_HZ` times a second; each series
is bounded (curve_chart.MAX_POINTS, halving its resolution when it fills), so an hour of
training costs the same to draw as a minute.
"""
from __future__ import annotations

import math
import time

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...curve_chart import PLAIN, Curve, CurveChart

REDRAW_HZ = 3
SMOOTH = 0.97                   # EMA weight of the solid curves over the faint per-step values
D_COLOUR, G_COLOUR, GP_COLOUR = "#1f77b4", "#d95f02", "#7f7f7f"
REAL_COLOUR, FAKE_COLOUR = "#1b7837", "#762a83"
JS_COLOUR, KL_COLOUR = "#d62728", "#1f77b4"


class _Chart(CurveChart):
    """The lab's look of the shared chart. No grid: grid lines are drawn by the axes, so every
    new point would repaint the axes' labels too, which costs more than the curves themselves;
    and steady ranges, for the same reason (these charts redraw three times a second)."""

    def __init__(self, title: str, left: str, series: dict, log_y: bool = False):
        super().__init__(title, left, series, legend_at=(-4, 4), smooth=SMOOTH, log_y=log_y,
                         grid=False, steady_range=True,
                         legend_opts={"labelTextSize": "8pt", "brush": pg.mkBrush(255, 255, 255, 200)})


class LossChart(_Chart):
    """D's and G's losses per step (faint) and smoothed (solid)."""

    def __init__(self):
        super().__init__("Losses", "loss", {"D": D_COLOUR, "G": G_COLOUR,
                                            "gradient penalty": GP_COLOUR})
        self.equilibrium = pg.InfiniteLine(
            pos=2 * math.log(2), angle=0, pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine),
            label="2 ln 2", labelOpts={"position": 0.05, "color": "#666", "anchors": [(0, 1), (0, 1)]})
        self.addItem(self.equilibrium, ignoreBounds=True)
        self.set_loss("non-saturating")

    def set_loss(self, loss: str) -> None:
        critic = loss == "wgan-gp"
        self.equilibrium.setVisible(not critic)
        self.rename_series("D", "critic" if critic else "D")
        self.setToolTip(
            "The critic's loss E f(G(z)) − E f(x) (its gradient penalty is the third curve) "
            "and G's loss −E f(G(z)), per step (faint) and smoothed. The critic's scores are "
            "unbounded, not probabilities, so there is no ½ equilibrium: minus the critic's "
            "loss estimates the Wasserstein distance, which falls as G improves." if critic else
            "D's loss −E log D(x) − E log(1 − D(G(z))) and G's loss, per step (faint) "
            "and smoothed. At the game's equilibrium D(x) = ½ everywhere and D's loss "
            "is 2 ln 2 ≈ 1.39; a D loss near 0 means D is winning outright.")
        # the penalty's legend entry only where there is a penalty
        self.show_series("gradient penalty", critic)


class OutputChart(_Chart):
    """Mean D(x) on real and on generated points."""

    def __init__(self):
        super().__init__("D's mean output", "D", {"real": REAL_COLOUR, "fake": FAKE_COLOUR})
        self.half = pg.InfiniteLine(pos=0.5, angle=0,
                                    pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self.half, ignoreBounds=True)
        self.set_loss("non-saturating")

    def set_loss(self, loss: str) -> None:
        critic = loss == "wgan-gp"
        self.half.setVisible(not critic)
        self.rename_series("real", "f(x), real" if critic else "D(x), real")
        self.rename_series("fake", "f(G(z)), generated" if critic else "D(G(z)), generated")
        self.setLabel("left", "critic f" if critic else "D")
        self.setTitle("the critic's mean value (unbounded)" if critic else "D's mean output",
                      size="9pt", color="#222")
        self.setToolTip(
            "The critic's mean value on real points and on G's points; their gap estimates the "
            "Wasserstein distance, so it shrinks as G improves." if critic else
            "Mean D(x) on real points and D(G(z)) on generated ones. When G matches the data, "
            "D cannot tell them apart and both go to ½ (dashed).")


class DivergenceChart(_Chart):
    """Jensen–Shannon (bits) and KL (nats) between binned real and generated densities."""

    def __init__(self):
        super().__init__("Divergence, real vs generated (binned)", "divergence",
                         {"JS (bits)": Curve(JS_COLOUR, kind=PLAIN),
                          "KL(real‖gen) (nats)": Curve(KL_COLOUR, kind=PLAIN)}, log_y=True)
        self.setToolTip("Both densities histogrammed on a 64×64 grid over the plot: Jensen–Shannon "
                        "divergence in bits (0 = identical, 1 = disjoint) and KL(p_real ‖ p_G) in "
                        "nats, which is large when G misses a mode. Log scale.")

    def add(self, step: int, divergence: dict) -> None:
        # a log axis cannot show 0; both are ≥ 0 and the smoothing keeps them above 1e-6
        super().add(step, {"JS (bits)": max(float(divergence.get("JS", math.nan)), 1e-6),
                           "KL(real‖gen) (nats)": max(float(divergence.get("KL", math.nan)), 1e-6)})


class LabCharts(QWidget):
    """The three charts in a column, redrawn at most REDRAW_HZ times a second."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.loss = LossChart()
        self.outputs = OutputChart()
        self.divergence = DivergenceChart()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for chart in (self.loss, self.outputs, self.divergence):
            chart.setMinimumHeight(150)
            lay.addWidget(chart, 1)
        for chart in (self.outputs, self.divergence):
            chart.setXLink(self.loss)
        self._last_redraw = 0.0
        self._dirty = False

    def charts(self) -> tuple[_Chart, ...]:
        return self.loss, self.outputs, self.divergence

    def add_stats(self, stats) -> None:
        """One StepStats: losses and D's mean outputs."""
        losses = stats.losses
        self.loss.add(stats.step, {"D": losses.get("D", math.nan), "G": losses.get("G", math.nan),
                                   "gradient penalty": losses.get("GP", math.nan)})
        self.outputs.add(stats.step, {"real": stats.d_real, "fake": stats.d_fake})
        self._dirty = True

    def add_divergence(self, step: int, divergence: dict | None) -> None:
        if divergence:
            self.divergence.add(step, divergence)
            self._dirty = True

    def set_loss(self, loss: str) -> None:
        self.loss.set_loss(loss)
        self.outputs.set_loss(loss)

    def clear_data(self) -> None:
        for chart in self.charts():
            chart.clear_data()
        self._dirty = False

    def redraw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not self._dirty or (not force and now - self._last_redraw < 1 / REDRAW_HZ):
            return
        self._last_redraw, self._dirty = now, False
        for chart in self.charts():
            chart.redraw()
