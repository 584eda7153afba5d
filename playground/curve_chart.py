"""Live training curves shared by the panels: each named series a faint per-step curve under
its solid running mean.

Plot items are made once and fed with setData; pyqtgraph downsamples and clips them, and a
series keeps at most MAX_POINTS points (thinning itself as the run grows), so a long run
costs little to redraw and its curve still spans the whole run.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QScrollArea

SMOOTH = 0.95
MAX_POINTS = 5000       # per series; beyond it every other point is dropped


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


def chart(title: str, left: str, min_size: tuple[int, int] = (200, 150)) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    w.setTitle(title, size="9pt", color="#333")
    w.setLabel("left", left)
    w.getAxis("left").enableAutoSIPrefix(False)     # no "(x0.001)" on probabilities
    w.setLabel("bottom", "step")
    w.showGrid(x=True, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMinimumSize(*min_size)
    wheel_scrolls_page(w)
    return w


class Series:
    """A bounded series with a running mean whose weight grows with the run (so the first
    steps are not dragged towards zero); past MAX_POINTS it keeps every other point and from
    then on records only every `stride`-th value."""

    def __init__(self, smooth: float = SMOOTH):
        self.x: list[float] = []
        self.y: list[float] = []
        self.s: list[float] = []
        self.smooth = smooth
        self.stride, self._seen, self._ema = 1, 0, math.nan

    def add(self, x: float, y: float) -> None:
        if not math.isfinite(y):
            return
        self._seen += 1
        beta = min(self.smooth, 1 - 1 / self._seen)
        self._ema = y if math.isnan(self._ema) else beta * self._ema + (1 - beta) * y
        if (self._seen - 1) % self.stride:
            return
        self.x.append(x)
        self.y.append(y)
        self.s.append(self._ema)
        if len(self.x) > MAX_POINTS:
            self.x, self.y, self.s = self.x[::2], self.y[::2], self.s[::2]
            self.stride *= 2


class CurveChart:
    """Named series on one chart (`widget`), each a faint per-step curve under a solid
    running mean."""

    def __init__(self, title: str, left: str, series: dict[str, str],
                 legend_at: tuple[int, int] = (-5, 5), smooth: float = SMOOTH,
                 min_size: tuple[int, int] = (200, 150)):
        self.widget = chart(title, left, min_size)
        self.legend = self.widget.addLegend(offset=legend_at, labelTextColor="#222")
        self.smooth = smooth
        self.items: dict[str, tuple] = {}
        for name, colour in series.items():
            c = pg.mkColor(colour)
            c.setAlpha(60)
            raw = self.widget.plot(pen=pg.mkPen(c, width=1))
            smooth_item = self.widget.plot(pen=pg.mkPen(colour, width=2), name=name)
            for item in (raw, smooth_item):
                item.setDownsampling(auto=True, method="peak")
                item.setClipToView(True)
            self.items[name] = (raw, smooth_item)
        self.clear()

    def clear(self) -> None:
        self.series = {name: Series(self.smooth) for name in self.items}
        self._dirty = True
        self.redraw()
        self.widget.enableAutoRange()       # a zoom of the last run does not carry over

    def add(self, step: int, values: dict[str, float]) -> None:
        for name, s in self.series.items():
            if name in values:
                s.add(float(step), float(values[name]))
                self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        for name, (raw, smooth) in self.items.items():
            s = self.series[name]
            x = np.asarray(s.x, float)
            raw.setData(x, np.asarray(s.y, float))
            smooth.setData(x, np.asarray(s.s, float))

    def point_count(self, name: str) -> int:
        return len(self.series[name].x)

    def show_series(self, name: str, on: bool) -> None:
        raw, smooth = self.items[name]
        raw.setVisible(on)
        smooth.setVisible(on)
        self.legend.removeItem(smooth)
        if on:
            self.legend.addItem(smooth, name)
