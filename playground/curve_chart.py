"""The one live-curve chart of the app: every training curve in every panel is a CurveChart.

A chart holds named series of three kinds (see `Curve`): "smoothed", a faint per-step curve
under its solid running mean (a loss); "plain", the values as they come in one solid line (a
divergence, a loss drawn without smoothing); "markers", dots (a held-out loss per epoch).

Plot items are made once and fed with setData; pyqtgraph downsamples and clips them, and a
series keeps at most MAX_POINTS points (thinning itself as the run grows) and always its
latest one, so a run of a million steps costs what one of ten thousand does to redraw and its
curve still spans the whole run.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QScrollArea

SMOOTH = 0.95
MAX_POINTS = 5000       # per series; when it fills, every other point is dropped

SMOOTHED, PLAIN, MARKERS = "smoothed", "plain", "markers"


class _WheelScrollsPage(QObject):
    """Event filter for a chart's viewport: inside a scroll area, the wheel scrolls the page
    unless the chart has keyboard focus (a click on it), so scrolling down a form never
    zooms a chart that happens to pass under the mouse."""

    def eventFilter(self, viewport, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() != QEvent.Type.Wheel:
            return False
        view = viewport.parentWidget()
        if view is None or view.hasFocus():
            return False
        area = view.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is None:
            return False            # not in a scrolling column: the wheel zooms as usual
        QApplication.sendEvent(area.verticalScrollBar(), event)
        return True


_WHEEL_FILTER: _WheelScrollsPage | None = None


def wheel_scrolls_page(view: pg.GraphicsView) -> None:
    """Make the wheel over `view` (a PlotWidget or GraphicsLayoutWidget) scroll the scroll
    area around it, unless the chart was clicked first."""
    global _WHEEL_FILTER
    if _WHEEL_FILTER is None:
        _WHEEL_FILTER = _WheelScrollsPage(QApplication.instance())
    view.viewport().installEventFilter(_WHEEL_FILTER)


class LogAxis(pg.AxisItem):
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


def style(w: pg.PlotWidget, title: str | None, left: str, min_size: tuple[int, int] = (200, 150),
          grid: bool = True, bottom: str = "step") -> pg.PlotWidget:
    """The look every chart of the app shares: white, labelled, no context menu, and a wheel
    that scrolls the page around it."""
    w.setBackground("w")
    if title:
        w.setTitle(title, size="9pt", color="#333")
    w.setLabel("left", left)
    w.setLabel("bottom", bottom)
    for side in ("left", "bottom"):
        w.getAxis(side).setTextPen("#333")
        w.getAxis(side).enableAutoSIPrefix(False)     # D = 0.5, not "500 (×0.001)"
    if grid:
        w.showGrid(x=True, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMinimumSize(*min_size)
    wheel_scrolls_page(w)
    return w


def chart(title: str, left: str, min_size: tuple[int, int] = (200, 150)) -> pg.PlotWidget:
    """A bare chart in the shared look, for plots that are not curves over steps."""
    return style(pg.PlotWidget(), title, left, min_size)


@dataclass(frozen=True)
class Curve:
    """How one series is drawn. A plain colour string in CurveChart's `series` means
    Curve(colour): a faint per-step curve under its solid running mean."""
    colour: str
    kind: str = SMOOTHED            # SMOOTHED, PLAIN or MARKERS
    width: float = 2.0
    raw_colour: str | None = None   # the faint curve's pen; default: `colour`, mostly transparent
    raw_label: str | None = None    # a legend entry for the faint curve too ("per step")
    line: bool = True               # MARKERS: join the dots
    symbol: str = "o"
    symbol_size: int = 7
    legend: bool = True             # an entry in the legend under the series' name


class Series:
    """A bounded series of (step, value), with a running mean for SMOOTHED series.

    The running mean's weight grows with the run, β_k = min(smooth, 1 − w/(k + w − 1)) at the
    k-th value: with warmup w = 1 the first 1/(1 − smooth) values are plainly averaged, so the
    first steps are not dragged towards zero. Points are kept at every `stride`-th value
    (stride doubles whenever MAX_POINTS fill up), plus always the latest value, so the curve
    spans the first to the last step however long the run."""

    def __init__(self, smooth: float | None = SMOOTH, warmup: int = 1, positive: bool = False,
                 max_points: int = MAX_POINTS):
        self.smooth, self.warmup, self.positive = smooth, warmup, positive
        self.max_points = max(4, max_points - max_points % 2)
        self.clear()

    def clear(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []
        self.s: list[float] = []
        self.stride, self.seen, self._ema = 1, 0, math.nan
        self._tail = False          # the last point is the latest value, off the stride grid

    def add(self, x: float, y: float) -> None:
        if not math.isfinite(y) or (self.positive and y <= 0):
            return                  # a NaN loss, or a value a log axis cannot show
        self.seen += 1
        if self.smooth is None or self.seen == 1:
            self._ema = y
        else:
            beta = min(self.smooth, 1 - self.warmup / (self.seen + self.warmup - 1))
            self._ema = beta * self._ema + (1 - beta) * y
        if self._tail:
            self.x.pop(), self.y.pop(), self.s.pop()
        self.x.append(x)
        self.y.append(y)
        self.s.append(self._ema)
        self._tail = bool((self.seen - 1) % self.stride)
        if not self._tail and len(self.x) >= self.max_points:
            last = self.x[-1], self.y[-1], self.s[-1]
            self.x, self.y, self.s = self.x[::2], self.y[::2], self.s[::2]
            self.stride *= 2
            if (self.seen - 1) % self.stride:       # the newest fell off the grid: keep it
                self.x.append(last[0])
                self.y.append(last[1])
                self.s.append(last[2])
                self._tail = True

    def __len__(self) -> int:
        return len(self.x)

    def last(self) -> float:
        """The latest running mean (the latest value for an unsmoothed series); NaN if empty."""
        return self.s[-1] if self.s else math.nan


class CurveChart(pg.PlotWidget):
    """Named series on one chart, fed with `add(step, {name: value})` from the GUI thread and
    drawn by `redraw()` (call it on a timer: adding costs no drawing).

    Options a panel may need: `log_y` (a log value axis labelled in plain numbers; values ≤ 0
    are left out), `warmup` (see Series), `steady_range` (ranges set by hand in round steps
    instead of auto-range, so the axes do not regenerate their tick labels on every redraw:
    for charts redrawn several times a second), `grid`, `legend_at` (None: no legend)."""

    def __init__(self, title: str | None, left: str, series: dict[str, str | Curve],
                 legend_at: tuple[int, int] | None = (-5, 5), smooth: float = SMOOTH,
                 min_size: tuple[int, int] = (200, 150), *, warmup: int = 1, log_y: bool = False,
                 grid: bool = True, steady_range: bool = False, bottom: str = "step",
                 legend_opts: dict | None = None, parent=None):
        super().__init__(parent, axisItems={"left": LogAxis("left")} if log_y else None)
        style(self, title, left, min_size, grid, bottom)
        self.log_y, self.steady_range = log_y, steady_range
        if log_y:
            self.setLogMode(y=True)
        self.legend = None
        if legend_at is not None:
            self.legend = self.addLegend(offset=legend_at, labelTextColor="#222",
                                         **(legend_opts or {}))
        self.specs = {name: spec if isinstance(spec, Curve) else Curve(spec)
                      for name, spec in series.items()}
        self.labels = {name: name for name in self.specs}
        self.series = {name: Series(smooth if spec.kind == SMOOTHED else None, warmup, log_y)
                       for name, spec in self.specs.items()}
        self.curves: dict[str, tuple[pg.PlotDataItem | None, pg.PlotDataItem]] = {}
        for name, spec in self.specs.items():
            self.curves[name] = self._items(name, spec)
        self._xmax, self._yrange = 0.0, (math.inf, -math.inf)
        self.clear_data()

    def _items(self, name: str, spec: Curve) -> tuple[pg.PlotDataItem | None, pg.PlotDataItem]:
        label = name if spec.legend and self.legend is not None else None
        raw = None
        if spec.kind == SMOOTHED:
            c = pg.mkColor(spec.raw_colour or spec.colour)
            if spec.raw_colour is None:
                c.setAlpha(60)
            raw = self.plot(pen=pg.mkPen(c, width=1), name=spec.raw_label)
        if spec.kind == MARKERS:
            main = self.plot(pen=pg.mkPen(spec.colour, width=spec.width) if spec.line else None,
                             symbol=spec.symbol, symbolSize=spec.symbol_size,
                             symbolBrush=spec.colour, symbolPen=None, name=label)
        else:
            main = self.plot(pen=pg.mkPen(spec.colour, width=spec.width), name=label)
            for item in (raw, main):
                if item is not None:
                    item.setDownsampling(auto=True, method="peak")
                    item.setClipToView(True)
        return raw, main

    @property
    def widget(self) -> CurveChart:
        """The chart itself (the panels that hold a CurveChart address its widget)."""
        return self

    # ------------------------------------------------------------------ data
    def clear_data(self) -> None:
        """Forget every point (a new run). Not `clear`: on a PlotWidget that removes the
        plot items themselves."""
        for s in self.series.values():
            s.clear()
        self._dirty = True
        self.redraw()
        self._xmax, self._yrange = 0.0, (math.inf, -math.inf)
        if self.steady_range:
            self.disableAutoRange()
        else:
            self.enableAutoRange()       # a zoom of the last run does not carry over

    def add(self, step: float, values: dict[str, float]) -> None:
        """One step's values; names this chart does not show are ignored."""
        for name, s in self.series.items():
            if name in values:
                s.add(float(step), float(values[name]))
                self._dirty = True

    def state(self) -> dict[str, Series]:
        """A copy of the curves, to show again later with `restore`."""
        return copy.deepcopy(self.series)

    def restore(self, state: dict[str, Series] | None) -> None:
        """Show saved curves (None: none)."""
        self.clear_data()
        for name, s in (state or {}).items():
            if name in self.series:
                self.series[name] = copy.deepcopy(s)
        self._dirty = True
        self.redraw()

    def point_count(self, name: str | None = None) -> int:
        """Points stored for `name` (default: the first series): the steps so far, up to
        MAX_POINTS."""
        return len(self.series[name if name is not None else next(iter(self.series))])

    def has_points(self) -> bool:
        return any(len(s) for s in self.series.values())

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        xmax, lo, hi = 0.0, math.inf, -math.inf
        for name, (raw, main) in self.curves.items():
            s = self.series[name]
            x = np.asarray(s.x, float)
            y = np.asarray(s.y, float)
            if raw is not None:
                raw.setData(x, y)
                main.setData(x, np.asarray(s.s, float))
            else:
                main.setData(x, y)
            if len(x) and main.isVisible():
                xmax, lo, hi = max(xmax, float(x[-1])), min(lo, float(y.min())), max(hi, float(y.max()))
        if self.steady_range and xmax > 0:
            self._fit(xmax, lo, hi)

    def _fit(self, xmax: float, lo: float, hi: float) -> None:
        """Widen the ranges in round steps only when the curves leave them, so most redraws
        keep the axes (and their tick labels, the costliest part of a redraw) as they are."""
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

    # ------------------------------------------------------------------ legend
    def show_series(self, name: str, on: bool) -> None:
        """Show or hide a series and its legend entry."""
        raw, main = self.curves[name]
        for item in (raw, main):
            if item is not None:
                item.setVisible(on)
        if self.legend is not None and self.specs[name].legend:
            self.legend.removeItem(main)
            if on:
                self.legend.addItem(main, self.labels[name])

    def rename_series(self, name: str, label: str) -> None:
        """Relabel a series in the legend (e.g. D → critic for WGAN-GP); `name` stays its key."""
        self.labels[name] = label
        main = self.curves[name][1]
        main.opts["name"] = label
        if self.legend is not None:
            item = self.legend.getLabel(main)
            if item is not None:
                item.setText(label)

    def legend_labels(self) -> list[str]:
        return [] if self.legend is None else [label.text for _, label in self.legend.items]


def _nice(v: float) -> float:
    """The next round number (1, 1.5, 2, 3, 4, 5, 6, 8 × 10ᵏ) at or above v."""
    p = 10.0 ** math.floor(math.log10(v))
    return next(m * p for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10) if m * p >= v)
