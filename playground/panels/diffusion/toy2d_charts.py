"""The small charts under the 2-D particle plots: the training loss and the distance to the data,
both the app's shared CurveChart."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from ...curve_chart import PLAIN, Curve, CurveChart

SMOOTH = 0.98       # about the last 50 steps, the moving average this chart used to draw
SDE, ODE = "SDE (DDPM)", "ODE (DDIM η = 0)"


class LossPlot(CurveChart):
    """The loss of every step (faint) and its running mean, so the trend shows through the noise."""

    def __init__(self):
        super().__init__(None, "loss", {"loss": Curve("#1f77b4", raw_colour="#96969678")},
                         legend_at=None, smooth=SMOOTH)


class DistancePlot(CurveChart):
    """How far the particles are from the data, step by step, for both samplers."""

    def __init__(self, sde_colour: str, ode_colour: str):
        # legend bottom left: the curves start high
        super().__init__("mean distance to the nearest data point", "",
                         {SDE: Curve(sde_colour, kind=PLAIN), ODE: Curve(ode_colour, kind=PLAIN)},
                         legend_at=(5, -5), bottom="reverse step")
        self.sde, self.ode = self.curves[SDE][1], self.curves[ODE][1]
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#555", width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self.cursor, ignoreBounds=True)
        self.set_curves(None, None)

    def set_curves(self, sde: np.ndarray | None, ode: np.ndarray | None) -> None:
        """Whole curves, one value per reverse step (None: none); a new sampling run."""
        self.clear_data()           # new samples: frame them, whatever the last zoom
        for name, y in ((SDE, sde), (ODE, ode)):
            for k, v in enumerate(() if y is None else np.asarray(y, float)):
                self.series[name].add(k, float(v))
        self._dirty = True
        self.redraw()
        self.cursor.setVisible(sde is not None)

    def set_step(self, k: int) -> None:
        self.cursor.setValue(k)
