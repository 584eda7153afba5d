"""The shared-latent plane: the codes of both domains in one scatter, a symbol per domain
(● MNIST, ▲ textured), coloured by domain or by class; a left click picks the nearest point
(within PICK_PX pixels) and the picked digit's two codes are joined by a line."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...widgets import CLASS_COLOURS

PICK_PX = 12
DOMAIN_COLOURS = {"A": "#3b5b92", "B": "#e07b00"}
SYMBOLS = {"A": "o", "B": "t1"}          # a circle and an upward triangle
SYMBOL_TEXT = {"A": "●", "B": "▲"}


class _ClickBox(pg.ViewBox):
    """Left button: pick a point. Middle drag pans; right drag and the wheel zoom."""

    def __init__(self, owner: "SharedScatter"):
        super().__init__()
        self._owner = owner

    def mousePressEvent(self, ev):  # noqa: N802 (Qt name)
        # the press picks, as in the other latent plots (a scatter item would otherwise take
        # pyqtgraph's click event for itself)
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._owner._clicked(self.mapToView(ev.pos()))
        else:
            super().mousePressEvent(ev)


class SharedScatter(QWidget):
    pointClicked = Signal(str, int)          # domain "A" or "B", digit index

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = _ClickBox(self)
        self.plot = pg.PlotWidget(viewBox=self.view)
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for side in ("bottom", "left"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextColor="#222",
                                          brush=pg.mkBrush(255, 255, 255, 210), pen=pg.mkPen("#bbb"))
        self.items = {d: pg.ScatterPlotItem(size=7, symbol=SYMBOLS[d], pen=None)
                      for d in ("A", "B")}
        for item in self.items.values():
            self.view.addItem(item)
        self._pair_line = pg.PlotCurveItem(pen=pg.mkPen("#000", width=2))
        self._pair_line.setZValue(10)
        self._pair_marks = pg.ScatterPlotItem(size=14, brush=None, pen=pg.mkPen("#000", width=2))
        self._pair_marks.setZValue(11)
        for item in (self._pair_line, self._pair_marks):
            self.view.addItem(item, ignoreBounds=True)
        self.xy = {"A": np.zeros((0, 2), np.float32), "B": np.zeros((0, 2), np.float32)}
        self.labels = np.zeros(0, np.int64)
        self.colour_by = "domain"
        self.names = {"A": "A", "B": "B"}
        self.selected: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_codes(self, xy_a: np.ndarray, xy_b: np.ndarray, labels: np.ndarray,
                  names: tuple[str, str], axes: tuple[str, str]) -> None:
        self.xy = {"A": np.asarray(xy_a, np.float32), "B": np.asarray(xy_b, np.float32)}
        self.labels = np.asarray(labels, np.int64)
        self.names = {"A": names[0], "B": names[1]}
        self.plot.setLabel("bottom", axes[0])
        self.plot.setLabel("left", axes[1])
        self.select(None)
        self._draw()
        self.view.autoRange()

    def clear(self) -> None:
        self.set_codes(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), ("A", "B"), ("", ""))

    def set_colour_by(self, mode: str) -> None:
        if mode not in ("domain", "class"):
            raise ValueError(f"colour by 'domain' or 'class', not {mode!r}")
        self.colour_by = mode
        self._draw()

    def brushes(self, domain: str) -> list:
        """The brush of every point of `domain` (what the plot draws; tests read it)."""
        n = len(self.xy[domain])
        if self.colour_by == "domain":
            colour = pg.mkColor(DOMAIN_COLOURS[domain])
            colour.setAlpha(170)
            return [pg.mkBrush(colour)] * n
        out = []
        for label in self.labels[:n]:
            c = pg.mkColor(CLASS_COLOURS[int(label) % len(CLASS_COLOURS)])
            c.setAlpha(190)
            out.append(pg.mkBrush(c))
        return out

    def _draw(self) -> None:
        self.legend.clear()
        for d, item in self.items.items():
            xy = self.xy[d]
            item.setData(pos=xy, brush=self.brushes(d),
                         pen=pg.mkPen(255, 255, 255, 120) if self.colour_by == "class" else None)
        if not len(self.labels):
            return
        # the legend: the two symbols (what each domain is), and the classes when coloured by them
        for d in ("A", "B"):
            colour = DOMAIN_COLOURS[d] if self.colour_by == "domain" else "#666"
            sample = pg.ScatterPlotItem(size=9, symbol=SYMBOLS[d], pen=None, brush=pg.mkBrush(colour))
            self.legend.addItem(sample, f"{d}: {self.names[d]}")
        if self.colour_by == "class":
            for k in sorted(set(int(v) for v in self.labels)):
                sample = pg.ScatterPlotItem(size=9, symbol="s", pen=None,
                                            brush=pg.mkBrush(CLASS_COLOURS[k % len(CLASS_COLOURS)]))
                self.legend.addItem(sample, str(k))

    def select(self, index: int | None) -> None:
        """Mark digit `index`'s two codes and join them (None: no mark)."""
        self.selected = index
        if index is None or not 0 <= index < len(self.xy["A"]):
            self.selected = None
            self._pair_line.setData([], [])
            self._pair_marks.setData([])
            return
        a, b = self.xy["A"][index], self.xy["B"][index]
        self._pair_line.setData([a[0], b[0]], [a[1], b[1]])
        self._pair_marks.setData(pos=np.stack([a, b]), symbol=[SYMBOLS["A"], SYMBOLS["B"]])

    def nearest(self, x: float, y: float) -> tuple[str, int] | None:
        """The point nearest to (x, y) in screen pixels, if within PICK_PX."""
        sx, sy = self.view.viewPixelSize()
        best, where = np.inf, None
        for d, xy in self.xy.items():
            if not len(xy):
                continue
            dist = np.hypot((xy[:, 0] - x) / sx, (xy[:, 1] - y) / sy)
            i = int(np.argmin(dist))
            if dist[i] < best:
                best, where = float(dist[i]), (d, i)
        return where if best <= PICK_PX else None

    def _clicked(self, p: QPointF) -> None:
        hit = self.nearest(p.x(), p.y())
        if hit is not None:
            self.select(hit[1])
            self.pointClicked.emit(*hit)

    def to_viewport(self, x: float, y: float):
        """Data coordinates → pixel coordinates in the plot's viewport (for clicks in tests)."""
        return self.plot.mapFromScene(self.view.mapViewToScene(QPointF(x, y)))
