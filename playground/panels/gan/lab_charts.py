"""The 2-D lab's charts: D and G losses, D's mean output on real and generated points, and the
divergence between the real and generated binned densities.

Curves are created once and redrawn with setData at most `REDRAW_HZ` times a second; each
series keeps at most `MAX_POINTS` points by halving its resolution when it fills, so an
hour of training costs the same to draw as a minute.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

MAX_POINTS = 50_000
REDRAW_HZ = 3
SMOOTH = 0.97                   # EMA weight of the solid curves over the faint per-step values
D_COLOUR, G_COLOUR, GP_COLOUR = "#1f77b4", "#d95f02", "#7f7f7f"
REAL_COLOUR, FAKE_COLOUR = "#1b7837", "#762a83"
JS_COLOUR, KL_COLOUR = "#d62728", "#1f77b4"


class Series:
    """A growing (x, y) series with an EMA; thinned 2:1 when it reaches MAX_POINTS."""

    def __init__(self, smooth: float | None = SMOOTH):
        self.smooth = smooth
        self.clear()

    def clear(self) -> None:
        self.x = np.zeros(1024)
        self.y = np.zeros(1024)
        self.s = np.zeros(1024)
        self.n = 0
        self._ema = math.nan
        self._seen = 0

    def add(self, x: float, y: float) -> None:
        if not math.isfinite(y):
            return
        if self.n == len(self.x):
            if self.n >= MAX_POINTS:
                keep = slice(0, self.n, 2)
                half = len(self.x[keep])
                self.x[:half], self.y[:half], self.s[:half] = self.x[keep], self.y[keep], self.s[keep]
                self.n = half
            else:
                for name in ("x", "y", "s"):
                    arr = getattr(self, name)
                    setattr(self, name, np.concatenate([arr, np.zeros_like(arr)]))
        self._seen += 1
        if self.smooth is not None:
            # the weight grows with the run so the first steps are not dragged towards zero
            beta = min(self.smooth, 1 - 1 / self._seen)
            self._ema = y if math.isnan(self._ema) else beta * self._ema + (1 - beta) * y
        self.x[self.n], self.y[self.n], self.s[self.n] = x, y, self._ema
        self.n += 1

    def last(self) -> float:
        return float(self.s[self.n - 1] if self.smooth is not None else self.y[self.n - 1]) \
            if self.n else math.nan


class _LogAxis(pg.AxisItem):
    """Log ticks at 1, 2 and 5 per decade only (pyqtgraph labels all of 1…9 on short ranges),
    labelled as plain numbers (pyqtgraph writes 10, 20 as "10¹", "2·10¹" beside a plain 5)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 (pyqtgraph name)
        lo, hi = math.floor(minVal), math.ceil(maxVal)
        major = [float(v) for v in range(lo, hi + 1) if minVal <= v <= maxVal]
        minor = [v + math.log10(m) for v in range(lo, hi) for m in (2, 5)
                 if minVal <= v + math.log10(m) <= maxVal]
        return [(None, major), (None, minor)]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph name)
        return [plain_number(10.0 ** v * scale) for v in values]


def plain_number(v: float) -> str:
    """A tick value of a log axis without exponents: 20, 1, 0.5, 0.002, 1,000."""
    if not (math.isfinite(v) and v > 0):
        return ""
    if v >= 1:
        return f"{v:,.0f}"
    # as many decimals as the leading digit needs (the 1e-9 absorbs 10 ** -3 = 0.000999…)
    return f"{v:.{-math.floor(math.log10(v) + 1e-9)}f}"


class _Chart(pg.PlotWidget):
    def __init__(self, title: str, left: str, log_y: bool = False):
        super().__init__(background="w", axisItems={"left": _LogAxis("left")} if log_y else None)
        self.setTitle(title, size="9pt", color="#222")
        self.setLabel("left", left)
        self.setLabel("bottom", "step")
        for side in ("left", "bottom"):
            self.getAxis(side).setTextPen("#333")
            self.getAxis(side).enableAutoSIPrefix(False)     # D = 0.5, not "500 × 0.001"
        # no grid: grid lines are drawn by the axes, so every new point would repaint the
        # axes' labels too, which costs more than the curves themselves
        self.setMenuEnabled(False)
        self.log_y = log_y
        if log_y:
            self.setLogMode(y=True)
        # ranges are set by hand, in steps: an axis whose range changes regenerates its tick
        # labels, the costliest part of a redraw, and auto-range would change it every time
        self.disableAutoRange()
        self._xmax, self._yrange = 0.0, (math.inf, -math.inf)
        self.legend = self.addLegend(offset=(-4, 4), labelTextColor="#222", labelTextSize="8pt",
                                     brush=pg.mkBrush(255, 255, 255, 200))
        self.series: list[tuple[Series, pg.PlotDataItem, pg.PlotDataItem | None]] = []

    def _curve(self, colour: str, name: str, raw: bool = True) -> Series:
        series = Series(SMOOTH if raw else None)
        faint = None
        if raw:
            c = pg.mkColor(colour)
            c.setAlpha(55)
            faint = self.plot(pen=pg.mkPen(c, width=1))
        solid = self.plot(pen=pg.mkPen(colour, width=2), name=name)
        for item in (faint, solid):
            if item is not None:
                item.setDownsampling(auto=True, method="peak")
                item.setClipToView(True)
        self.series.append((series, solid, faint))
        return series

    def _rename(self, series: Series, name: str) -> None:
        """Relabel a curve's legend entry (and the curve), e.g. D → critic for WGAN-GP."""
        solid = next(sol for ser, sol, _ in self.series if ser is series)
        solid.opts["name"] = name
        label = self.legend.getLabel(solid)
        if label is not None:
            label.setText(name)

    def legend_labels(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def clear_data(self) -> None:
        for series, solid, faint in self.series:
            series.clear()
            solid.setData([], [])
            if faint is not None:
                faint.setData([], [])
        self._xmax, self._yrange = 0.0, (math.inf, -math.inf)

    def redraw(self) -> None:
        xmax, lo, hi = 0.0, math.inf, -math.inf
        for series, solid, faint in self.series:
            n = series.n
            if not n:
                continue
            x, y = series.x[:n], series.y[:n]
            if faint is None:
                solid.setData(x, y)
            else:
                faint.setData(x, y)
                solid.setData(x, series.s[:n])
            xmax = max(xmax, float(x[-1]))
            lo, hi = min(lo, float(y.min())), max(hi, float(y.max()))
        if xmax > 0:
            self._fit(xmax, lo, hi)

    def _fit(self, xmax: float, lo: float, hi: float) -> None:
        if xmax > self._xmax:
            self._xmax = _nice(max(1.15 * xmax, 10.0))
            self.setXRange(0, self._xmax, padding=0)
        if self.log_y:
            lo, hi = math.log10(max(lo, 1e-6)), math.log10(max(hi, 1e-6))
        ylo, yhi = self._yrange
        if lo < ylo or hi > yhi or hi - lo < 0.4 * (yhi - ylo):
            pad = 0.08 * ((hi - lo) or 1.0)
            self._yrange = (lo - pad, hi + pad)
            self.setYRange(*self._yrange, padding=0)


def _nice(v: float) -> float:
    """The next round number (1, 1.5, 2, 3, 4, 5, 6, 8 × 10ᵏ) at or above v."""
    p = 10.0 ** math.floor(math.log10(v))
    return next(m * p for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10) if m * p >= v)


class LossChart(_Chart):
    """D's and G's losses per step (faint) and smoothed (solid)."""

    def __init__(self):
        super().__init__("Losses", "loss")
        self.d = self._curve(D_COLOUR, "D")
        self.g = self._curve(G_COLOUR, "G")
        self.gp = self._curve(GP_COLOUR, "gradient penalty")
        self.equilibrium = pg.InfiniteLine(
            pos=2 * math.log(2), angle=0, pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine),
            label="2 ln 2", labelOpts={"position": 0.05, "color": "#666", "anchors": [(0, 1), (0, 1)]})
        self.addItem(self.equilibrium, ignoreBounds=True)
        self.set_loss("non-saturating")

    def set_loss(self, loss: str) -> None:
        critic = loss == "wgan-gp"
        self.equilibrium.setVisible(not critic)
        self._rename(self.d, "critic" if critic else "D")
        self.setToolTip(
            "The critic's loss E f(G(z)) − E f(x) (its gradient penalty is the third curve) "
            "and G's loss −E f(G(z)), per step (faint) and smoothed. The critic's scores are "
            "unbounded, not probabilities, so there is no ½ equilibrium: minus the critic's "
            "loss estimates the Wasserstein distance, which falls as G improves." if critic else
            "D's loss −E log D(x) − E log(1 − D(G(z))) and G's loss, per step (faint) "
            "and smoothed. At the game's equilibrium D(x) = ½ everywhere and D's loss "
            "is 2 ln 2 ≈ 1.39; a D loss near 0 means D is winning outright.")
        # the penalty's legend entry only where there is a penalty
        solid = self.series[-1][1]
        self.legend.removeItem(solid)
        if critic:
            self.legend.addItem(solid, "gradient penalty")


class OutputChart(_Chart):
    """Mean D(x) on real and on generated points."""

    def __init__(self):
        super().__init__("D's mean output", "D")
        self.real = self._curve(REAL_COLOUR, "D(x), real")
        self.fake = self._curve(FAKE_COLOUR, "D(G(z)), generated")
        self.half = pg.InfiniteLine(pos=0.5, angle=0,
                                    pen=pg.mkPen("#888", width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self.half, ignoreBounds=True)
        self.set_loss("non-saturating")

    def set_loss(self, loss: str) -> None:
        critic = loss == "wgan-gp"
        self.half.setVisible(not critic)
        self._rename(self.real, "f(x), real" if critic else "D(x), real")
        self._rename(self.fake, "f(G(z)), generated" if critic else "D(G(z)), generated")
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
        super().__init__("Divergence, real vs generated (binned)", "divergence", log_y=True)
        self.js = self._curve(JS_COLOUR, "JS (bits)", raw=False)
        self.kl = self._curve(KL_COLOUR, "KL(real‖gen) (nats)", raw=False)
        self.setToolTip("Both densities histogrammed on a 64×64 grid over the plot: Jensen–Shannon "
                        "divergence in bits (0 = identical, 1 = disjoint) and KL(p_real ‖ p_G) in "
                        "nats, which is large when G misses a mode. Log scale.")

    def add(self, step: int, divergence: dict) -> None:
        # a log axis cannot show 0; both are ≥ 0 and the smoothing keeps them above 1e-6
        self.js.add(step, max(float(divergence.get("JS", math.nan)), 1e-6))
        self.kl.add(step, max(float(divergence.get("KL", math.nan)), 1e-6))


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
        self.loss.d.add(stats.step, stats.losses.get("D", math.nan))
        self.loss.g.add(stats.step, stats.losses.get("G", math.nan))
        if "GP" in stats.losses:
            self.loss.gp.add(stats.step, stats.losses["GP"])
        self.outputs.real.add(stats.step, stats.d_real)
        self.outputs.fake.add(stats.step, stats.d_fake)
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
