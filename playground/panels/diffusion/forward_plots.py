"""The forward view's right-hand plots: x_t's pixel histogram, and stepping vs jumping."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from models.diffusion.forward import (ChainMoments, expected_histogram, iter_chain_vs_closed_form,
                                      normal_pdf)

from ...worker import JobRunner

# Bins 0.2 wide centred on −1 and +1, where a clean image's pixels pile up.
EDGES = np.linspace(-4.1, 4.1, 42)
HIST_TOP = 1.0
VALUE_COLOURS = ("#ff7f0e", "#1f77b4")   # brightest, darkest starting pixel


def _still(plot: pg.PlotItem) -> None:
    plot.setMenuEnabled(False)
    plot.getViewBox().setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    cache_axes(plot)


def cache_axes(plot: pg.PlotItem) -> None:
    """Keep each axis (its grid spans the whole plot) as a pixmap, so a marker moving over the
    plot costs a blit instead of replaying every tick, label and grid line."""
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def cache_curve(item: pg.PlotDataItem) -> pg.PlotDataItem:
    """Likewise for a curve that changes only when its data does."""
    item.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return item


class HistogramPlot(QWidget):
    """A histogram of x_t's 784 pixel values on fixed axes, against N(0, 1)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        item = self.plot.getPlotItem()
        _still(item)
        item.setTitle("Pixel values of x_t", color="#222", size="10pt")
        item.setXRange(EDGES[0], EDGES[-1], padding=0)
        item.setYRange(0, HIST_TOP, padding=0)
        item.setLabel("bottom", "pixel value (−1 black, +1 white)")
        item.setLabel("left", "density")
        item.showGrid(x=True, y=True, alpha=0.15)
        item.addLegend(offset=(-6, 6), labelTextColor="#222", brush=pg.mkBrush(255, 255, 255, 210),
                       pen=pg.mkPen("#bbb"))
        self.bars = item.plot(stepMode="center", fillLevel=0, brush=pg.mkBrush(31, 119, 180, 90),
                              pen=pg.mkPen("#1f77b4", width=1), name="x_t")
        self.expected = item.plot(stepMode="center", name="expected",
                                  pen=pg.mkPen("#222", width=1.4, style=Qt.PenStyle.DashLine))
        grid = np.linspace(EDGES[0], EDGES[-1], 241)
        self.normal = cache_curve(item.plot(grid, normal_pdf(grid), pen=pg.mkPen("#d62728", width=2),
                                            name="N(0, 1)"))
        self.stats = pg.TextItem(color="#222", anchor=(0, 0))
        self.stats.setPos(EDGES[0] + 0.1, HIST_TOP * 0.98)
        item.addItem(self.stats, ignoreBounds=True)
        self.plot.setToolTip("Bars: the pixels of the x_t shown. Dashed: the histogram they would "
                             "have on average over ε (each pixel is N(√ᾱ_t x_0, 1 − ᾱ_t)). "
                             "Peaks taller than the plot are cut off.")
        self._levels = (np.zeros(1), np.ones(1))
        self._density = np.zeros(len(EDGES) - 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    def set_levels(self, levels: np.ndarray, weights: np.ndarray) -> None:
        """The clean image's pixel values and their shares, for the expected histogram."""
        self._levels = (levels, weights)

    def update_values(self, x: np.ndarray, alpha_bar: float) -> None:
        counts, _ = np.histogram(x, EDGES)
        np.multiply(counts, 1.0 / (x.size * (EDGES[1] - EDGES[0])), out=self._density)
        self.bars.setData(EDGES, self._density)
        self.expected.setData(EDGES, expected_histogram(*self._levels, alpha_bar, EDGES))
        self.stats.setText(f"mean {x.mean():+.2f}   std {x.std():.2f}")

    def density(self) -> np.ndarray:
        return self._density.copy()


class MomentsPlot(QWidget):
    """Empirical mean and variance of x_t from stepping and from jumping, against the formula.

    Stepping is T sequential updates of thousands of chains, so it runs as a job: `request`
    debounces, stops a job whose inputs are stale and starts the newest request after it.
    """
    samples = 4000   # chains per starting value: the gap from the formula is ~ 1/√n
    seed = 0

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.runner = JobRunner(self)
        self._request: tuple | None = None
        self._generation = 0
        self._pending = False
        self._deferred = False
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._start)
        self.runner.events.connect(lambda fractions: self.set_status(
            f"{self._running_text} {100 * fractions[-1]:.0f} %"))
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(self._failed)
        self._running_text = ""
        self.layout_ = pg.GraphicsLayoutWidget()
        self.layout_.setBackground("w")
        self.mean_plot = self.layout_.addPlot(row=0, col=0)
        self.var_plot = self.layout_.addPlot(row=1, col=0)
        self.var_plot.setXLink(self.mean_plot)
        self.mean_plot.setTitle("Stepping t times vs one jump", color="#222", size="10pt")
        self.mean_plot.setLabel("left", "mean of x_t")
        self.var_plot.setLabel("left", "variance of x_t")
        self.var_plot.setLabel("bottom", "t")
        self.mean_plot.setYRange(-1.05, 1.05, padding=0)
        self.var_plot.setYRange(0, 1.15, padding=0)
        self.curves: dict[tuple[str, str, int], pg.PlotDataItem] = {}
        self.lines = []
        for name, plot in (("mean", self.mean_plot), ("var", self.var_plot)):
            _still(plot)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.getAxis("left").setWidth(48)
            for i, colour in enumerate(VALUE_COLOURS):
                band = QColor(colour)
                band.setAlpha(70)
                self.curves[name, "formula", i] = cache_curve(plot.plot(pen=pg.mkPen(band, width=8)))
                self.curves[name, "stepped", i] = cache_curve(plot.plot(pen=pg.mkPen(colour, width=1.3)))
                self.curves[name, "jumped", i] = cache_curve(plot.plot(
                    pen=pg.mkPen(colour, width=1.3, style=Qt.PenStyle.DashLine)))
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#333", width=1, style=Qt.PenStyle.DashLine))
            plot.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.layout_, 1)
        lay.addWidget(self.caption)
        self.moments: ChainMoments | None = None

    def set_moments(self, m: ChainMoments | None, names: list[str] | None = None) -> None:
        self.moments = m
        for curve in self.curves.values():
            curve.setData([], [])
        if m is None:
            return
        t = np.arange(m.T + 1, dtype=np.float64)
        self.mean_plot.setXRange(0, m.T, padding=0.01)
        for i in range(min(len(m.x0), len(VALUE_COLOURS))):
            self.curves["mean", "formula", i].setData(t, m.formula_mean[:, i])
            self.curves["mean", "stepped", i].setData(t, m.stepped_mean[:, i])
            self.curves["mean", "jumped", i].setData(t, m.closed_mean[:, i])
            if i == 0:  # 1 − ᾱ_t does not depend on x_0: one band serves every start
                self.curves["var", "formula", i].setData(t, m.formula_var)
            self.curves["var", "stepped", i].setData(t, m.stepped_var[:, i])
            self.curves["var", "jumped", i].setData(t, m.closed_var[:, i])
        err = m.max_errors()
        starts = " and ".join(f"<span style='color:{VALUE_COLOURS[i]}'>■</span> {name}"
                              for i, name in enumerate((names or [])[:len(VALUE_COLOURS)]))
        self.caption.setText(
            "Band: the formula √ᾱ<sub>t</sub> x₀ and 1 − ᾱ<sub>t</sub>. Solid: stepping "
            "q(x<sub>t</sub> | x<sub>t−1</sub>) t times. Dashed: one jump with "
            f"q(x<sub>t</sub> | x<sub>0</sub>). {m.n_samples} of each from {starts}. "
            "Largest gap from the formula over all t: "
            f"mean {max(err['stepped mean'], err['closed mean']):.3f}, variance "
            f"{max(err['stepped var'], err['closed var']):.3f} (sampling error ~ 1/√n = "
            f"{1 / np.sqrt(m.n_samples):.3f} per point).")

    def set_status(self, text: str) -> None:
        self.caption.setText(text)

    # ------------------------------------------------------------------ the job
    def request(self, starts: list[float], names: list[str], betas: np.ndarray) -> None:
        """Compare stepping with jumping for these starting values and this schedule, soon."""
        self._generation += 1
        self._request = (self._generation, list(starts), list(names), np.array(betas))
        self.set_status("Waiting to compute…")
        self._timer.start()

    def busy(self) -> bool:
        return self.runner.busy or self._timer.isActive() or self._pending

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self._deferred:
            self._timer.start()

    def _start(self) -> None:
        if not self.isVisible():   # nobody is looking: wait until the plot is shown
            self._deferred = True
            return
        self._deferred = False
        if self.runner.busy:
            self._pending = True
            self.runner.stop()
            return
        self._pending = False
        generation, starts, names, betas = self._request
        n, seed = self.samples, self.seed

        def job():
            result = yield from iter_chain_vs_closed_form(starts, betas, n, seed)
            return generation, result, names
        self._running_text = f"Running {n} chains per start for T = {len(betas)}…"
        self.set_status(self._running_text)
        self.runner.start(job)

    def _done(self, result) -> None:
        if result is not None and result[0] == self._generation:
            self.set_moments(result[1], result[2])
        if self._pending:
            self._start()

    def _failed(self, msg: str) -> None:
        self.set_status(f"Could not compare stepping with jumping: {msg}")
        if self._pending:
            self._start()

    def shutdown(self) -> bool:
        self._timer.stop()
        self._pending = self._deferred = False
        return self.runner.shutdown()

    def set_t(self, t: int) -> None:
        for line in self.lines:
            line.setValue(t)
