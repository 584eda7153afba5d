"""The live charts of the digits trainer: losses, D's outputs, the spread of G's samples, and
the class histogram of G's samples under the MNIST classifier.

The curves are the app's shared CurveChart (bounded series, made once and fed with setData);
the class histogram is bars fed with setOpts.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from models.gan.diagnostics import Monitor

from ...curve_chart import MARKERS, Curve, CurveChart
from ...widgets import CLASS_COLOURS

D_COLOUR, G_COLOUR, GP_COLOUR = "#1f77b4", "#d95f02", "#7f7f7f"
REAL_COLOUR, FAKE_COLOUR = "#1b7837", "#762a83"
DIV_COLOUR, ENT_COLOUR = "#d62728", "#1f77b4"
THRESHOLDS = Monitor()       # the diagnostics' default thresholds, drawn as dashed lines


class LossChart(CurveChart):
    def __init__(self):
        super().__init__("D and G losses", "loss", {"D": D_COLOUR, "G": G_COLOUR, "GP": GP_COLOUR})
        self.set_wasserstein(False)

    def set_wasserstein(self, on: bool) -> None:
        self.show_series("GP", on)
        self.widget.setToolTip(
            "The critic's loss E f(G(z)) − E f(x) + λ·GP and G's loss −E f(G(z)) per step, "
            "faint, with their running means; GP is the gradient penalty before λ." if on else
            "D's loss (real + fake) and G's loss per step, faint, with their running means. "
            "D's loss pinned near its floor means D is winning outright; wild swings mean an "
            "unstable game.")


class OutputsChart(CurveChart):
    def __init__(self):
        # bottom left: both curves start at 0.5 and part from there
        super().__init__("D's verdict", "D(·)", {"D(x)": REAL_COLOUR, "D(G(z))": FAKE_COLOUR},
                         legend_at=(5, -5))
        self.half = pg.InfiniteLine(0.5, angle=0, pen=pg.mkPen("#999", width=1,
                                                               style=Qt.PenStyle.DashLine))
        self.widget.addItem(self.half, ignoreBounds=True)
        self.set_wasserstein(False)

    def set_wasserstein(self, on: bool) -> None:
        """The critic's scores are unbounded: there is no 0.5 to meet at."""
        self.half.setVisible(not on)
        self.widget.setLabel("left", "critic f(·)" if on else "D(·)")
        self.widget.setToolTip(
            "The critic's mean score on real images, f(x), and on generated ones, f(G(z)). "
            "Their gap estimates the Wasserstein distance, which should shrink as G improves."
            if on else "D's mean probability that real images are real, D(x), and that G's "
            "images are, D(G(z)). At the game's equilibrium both sit at 0.5 (dashed); D(x) → 1 "
            "with D(G(z)) → 0 means D is overpowering G.")


class HealthChart(CurveChart):
    """The spread of G's samples relative to real data's, and the normalised entropy of their
    classes, with the thresholds below which the diagnostics call mode collapse."""

    def __init__(self):
        marks = dict(kind=MARKERS, symbol_size=5)
        super().__init__("Health of G's samples", "ratio",
                         {"diversity": Curve(DIV_COLOUR, symbol="o", **marks),
                          "class entropy": Curve(ENT_COLOUR, symbol="s", **marks)},
                         legend_opts={"colCount": 2})
        # the legend in one row top right, over 1.0, where few points go
        dash = Qt.PenStyle.DashLine
        for value, colour in ((THRESHOLDS.diversity, DIV_COLOUR), (THRESHOLDS.entropy, ENT_COLOUR)):
            self.addItem(pg.InfiniteLine(value, angle=0, pen=pg.mkPen(colour, width=1, style=dash)),
                         ignoreBounds=True)
        self.setToolTip("Diversity: the mean distance between G's samples for a fixed batch of z, "
                        "over that between real images (≈ 1 is healthy). Class entropy: how evenly "
                        "the classifier spreads G's samples over the classes (1 = all equally). "
                        "Below the dashed lines the diagnostics call mode collapse.")

    def clear_data(self) -> None:
        super().clear_data()
        self.setYRange(0, 1.25)     # ratios: the thresholds and 1 always in view

    def add(self, step: int, diversity: float, entropy: float) -> None:
        super().add(step, {"diversity": diversity, "class entropy": entropy})
        self.redraw()               # a point per health check: few, and each worth showing


class ClassHistogram:
    """The share of G's samples per class under the classifier, with the fair share dashed."""

    def __init__(self):
        w = self.widget = pg.PlotWidget(background="w")
        w.setTitle("Classes of G's samples", size="9pt", color="#333")
        w.setLabel("left", "share")
        w.getAxis("left").enableAutoSIPrefix(False)
        w.setMenuEnabled(False)
        w.setMouseEnabled(False, False)
        w.setMinimumSize(200, 150)
        w.showGrid(y=True, alpha=0.2)
        self.k = 10
        self.bars = pg.BarGraphItem(x=np.arange(self.k), height=np.zeros(self.k), width=0.8,
                                    brushes=[pg.mkBrush(c) for c in CLASS_COLOURS], pen=None)
        w.addItem(self.bars)
        self.fair = pg.InfiniteLine(1 / self.k, angle=0,
                                    pen=pg.mkPen("#555", width=1, style=Qt.PenStyle.DashLine))
        w.addItem(self.fair, ignoreBounds=True)
        self.note = pg.TextItem("", color="#666", anchor=(0.5, 0.5))
        w.addItem(self.note, ignoreBounds=True)
        w.setXRange(-0.6, self.k - 0.4, padding=0)
        w.setYRange(0, 0.5, padding=0)
        w.getViewBox().disableAutoRange()
        w.setToolTip("What the project's MNIST classifier sees in 500 of G's samples. A healthy "
                     "G spreads over all ten digits (dashed: a fair share each); a collapsing "
                     "one piles onto a few.")
        self.hist: np.ndarray | None = None
        self.set_classes([str(i) for i in range(self.k)])
        self.clear("no classes yet")

    def set_classes(self, names) -> None:
        names = list(names)[:self.k]
        self.widget.getAxis("bottom").setTicks([[(i, n[:6]) for i, n in enumerate(names)]])

    def clear(self, note: str = "") -> None:
        self.hist = None
        self.bars.setOpts(height=np.zeros(self.k))
        self.note.setText(note)
        self.note.setPos((self.k - 1) / 2, 0.25)
        self.widget.setTitle("Classes of G's samples", size="9pt", color="#333")

    def set_hist(self, hist: np.ndarray, entropy: float, covered: int) -> None:
        h = np.zeros(self.k)
        h[:min(self.k, len(hist))] = np.asarray(hist, float)[:self.k]
        self.hist = h
        self.bars.setOpts(height=h)
        self.note.setText("")
        self.widget.setYRange(0, max(0.5, float(h.max()) * 1.1), padding=0)
        # short: a title wider than the chart widens the scene past the widget
        self.widget.setTitle(f"Classes · {covered}/{self.k} covered · entropy {entropy:.2f}",
                             size="9pt", color="#333")
