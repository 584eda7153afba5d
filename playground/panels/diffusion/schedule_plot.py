"""β_t, ᾱ_t and log-SNR of every schedule, overlaid, with a draggable marker at the current t."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from models.diffusion.schedules import SCHEDULES, alphas_cumprod_for, betas_for, log_snr

from .forward_plots import cache_axes, cache_curve

SCHEDULE_COLOURS = {"linear": "#1f77b4", "cosine": "#d62728", "quadratic": "#2ca02c"}
SCHEDULE_TIPS = {
    "linear": "β rises linearly from 1e-4 to 0.02 (Ho et al. 2020)",
    "cosine": "ᾱ_t follows a squared cosine, s = 0.008, β capped at 0.999 (Nichol & Dhariwal 2021)",
    "quadratic": "√β rises linearly from √1e-4 to √0.02",
}
ROWS = (("beta", "β_t", "The noise added at step t (log scale)"),
        ("abar", "ᾱ_t", "How much of x_0 survives in x_t: x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε"),
        ("lsnr", "log SNR", "log(ᾱ_t / (1 − ᾱ_t)): signal against noise, in nats"))


def schedule_curves(schedule: str, T: int) -> dict[str, np.ndarray]:
    betas = betas_for(schedule, T)
    acp = alphas_cumprod_for(betas)
    return {"beta": betas, "abar": acp, "lsnr": log_snr(acp)}


class SchedulePlots(QWidget):
    """Three stacked plots against t = 1..T; the chosen schedule is drawn bold."""
    tPicked = Signal(int)   # the user dragged the marker

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layout_ = pg.GraphicsLayoutWidget()
        self.layout_.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.lines: list[pg.InfiniteLine] = []
        self.dots: dict[str, pg.PlotDataItem] = {}
        self.data: dict[str, dict[str, np.ndarray]] = {}
        self.schedule, self.T, self.t = "linear", 1000, 0
        self._moving = False
        for row, (key, label, tip) in enumerate(ROWS):
            plot = self.layout_.addPlot(row=row, col=0)
            plot.setLabel("left", label)
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setMenuEnabled(False)
            plot.getViewBox().setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            cache_axes(plot)
            plot.getAxis("left").setToolTip(tip)
            plot.getAxis("left").setWidth(52)
            if key == "beta":
                plot.setLogMode(y=True)
            if row:
                plot.setXLink(self.plots["beta"])
            self.plots[key] = plot
            if key == "abar":  # before the curves, so that it lists them
                legend = plot.addLegend(offset=(-8, 8), labelTextColor="#222",
                                        brush=pg.mkBrush(255, 255, 255, 210), pen=pg.mkPen("#bbb"))
            for name in SCHEDULES:
                self.curves[key, name] = cache_curve(plot.plot(name=name if key == "abar" else None))
            line = pg.InfiniteLine(angle=90, movable=True, hoverPen=pg.mkPen("#000", width=3),
                                   pen=pg.mkPen("#333", width=1, style=Qt.PenStyle.DashLine))
            line.setToolTip("Drag to move t")
            line.sigPositionChanged.connect(self._line_moved)
            plot.addItem(line, ignoreBounds=True)
            self.lines.append(line)
            self.dots[key] = plot.plot(pen=None, symbol="o", symbolSize=8, symbolPen=pg.mkPen("#000"))
        self.plots["lsnr"].setLabel("bottom", "t")
        self.plots["abar"].setYRange(0, 1, padding=0.02)
        for _, label in legend.items:
            label.setToolTip(SCHEDULE_TIPS.get(label.text, ""))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.layout_)

    def set_schedules(self, schedule: str, T: int) -> None:
        """Recompute every schedule for this T and draw `schedule` on top."""
        if T != self.T or not self.data:
            self.data = {name: schedule_curves(name, T) for name in SCHEDULES}
        self.schedule, self.T = schedule, T
        t_axis = np.arange(1, T + 1, dtype=np.float64)
        for (key, name), curve in self.curves.items():
            current = name == schedule
            colour = pg.mkColor(SCHEDULE_COLOURS[name])
            if not current:
                colour.setAlpha(120)
            curve.setPen(pg.mkPen(colour, width=2.6 if current else 1.2))
            curve.setZValue(2 if current else 1)
            curve.setData(t_axis, self.data[name][key])
        for key, dot in self.dots.items():
            dot.setSymbolBrush(SCHEDULE_COLOURS[schedule])
        lsnr = self.data[schedule]["lsnr"]
        finite = lsnr[np.isfinite(lsnr)]
        lo = min(-12.0, float(finite.min())) if finite.size else -12.0
        self.plots["lsnr"].setYRange(max(lo, -25.0), float(finite.max()) if finite.size else 10.0)
        self.plots["beta"].setXRange(0, T, padding=0.01)
        for line in self.lines:
            line.setBounds((0, T))
        self.set_t(min(self.t, T))

    def set_t(self, t: int) -> None:
        """Move the markers; cheap, because the slider calls it on every move."""
        self.t = t
        self._moving = True
        for line in self.lines:
            line.setValue(t)
        self._moving = False
        data = self.data.get(self.schedule)
        for key, dot in self.dots.items():
            if t >= 1 and data is not None:
                dot.setData([t], [data[key][t - 1]])
            else:  # β_0 and log-SNR at t = 0 do not exist
                dot.setData([], [])

    def _line_moved(self, line: pg.InfiniteLine) -> None:
        if self._moving:
            return
        t = int(round(min(max(line.value(), 0), self.T)))
        self.tPicked.emit(t)
