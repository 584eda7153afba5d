"""The small charts under the 2-D particle plots: the training loss and the distance to the data."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt


class LossPlot(pg.PlotWidget):
    """The loss of every step (faint) and its running mean, so the trend shows through the noise."""

    def __init__(self):
        super().__init__()
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("left", "loss")
        self.setLabel("bottom", "step")
        self.setMenuEnabled(False)
        self.raw = self.plot(pen=pg.mkPen(150, 150, 150, 120, width=1))
        self.smooth = self.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.clear_curve()

    def clear_curve(self) -> None:
        self.steps: list[int] = []
        self.values: list[float] = []
        self.raw.setData([], [])
        self.smooth.setData([], [])
        self.enableAutoRange()      # a zoom of the last run does not carry over

    def add(self, step: int, loss: float) -> None:
        self.steps.append(step)
        self.values.append(loss)

    def redraw(self) -> None:
        if not self.steps:
            return
        x, y = np.asarray(self.steps, float), np.asarray(self.values, float)
        self.raw.setData(x, y)
        w = min(50, len(y))
        self.smooth.setData(x[w - 1:], np.convolve(y, np.ones(w) / w, mode="valid"))


class DistancePlot(pg.PlotWidget):
    """How far the particles are from the data, step by step, for both samplers."""

    def __init__(self, sde_colour: str, ode_colour: str):
        super().__init__()
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setTitle("mean distance to the nearest data point", size="9pt")
        self.setLabel("bottom", "reverse step")
        self.setMenuEnabled(False)
        self.addLegend(offset=(5, -5), labelTextColor="#222")     # bottom left: the curves start high
        self.sde = self.plot(pen=pg.mkPen(sde_colour, width=2), name="SDE (DDPM)")
        self.ode = self.plot(pen=pg.mkPen(ode_colour, width=2), name="ODE (DDIM η = 0)")
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#555", width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self.cursor, ignoreBounds=True)
        self.set_curves(None, None)

    def set_curves(self, sde: np.ndarray | None, ode: np.ndarray | None) -> None:
        for item, y in ((self.sde, sde), (self.ode, ode)):
            if y is None:
                item.setData([], [])
            else:
                item.setData(np.arange(len(y)), y)
        self.cursor.setVisible(sde is not None)
        self.enableAutoRange()      # new samples: frame them, whatever the last zoom

    def set_step(self, k: int) -> None:
        self.cursor.setValue(k)
