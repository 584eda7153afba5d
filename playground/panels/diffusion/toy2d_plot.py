"""One square 2-D plot of the particle view: data, particles, trails, an arrow field, a drawing.

Every item is created once; frames only call setData, so playing 1,000 particles with
trails at 30 fps costs a few milliseconds per frame.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

HUES = 12                  # particles coloured by the direction of their starting point
MAX_TRAILS = 40            # trails for this many particles: more turn the SDE into a scribble
VIEW_HALF = 3.2            # the default view is [−3.2, 3.2]², which holds x_T ~ N(0, I)


def hue_colours() -> list:
    return [pg.hsvColor(i / HUES, sat=0.8, val=0.85) for i in range(HUES)]


def hue_groups(x_T: np.ndarray) -> list[np.ndarray]:
    """Indices of the particles in each of the HUES angular sectors of their start x_T."""
    angle = np.arctan2(x_T[:, 1], x_T[:, 0])
    sector = np.floor((angle + np.pi) / (2 * np.pi) * HUES).astype(int) % HUES
    return [np.flatnonzero(sector == i) for i in range(HUES)]


def arrow_segments(grid: np.ndarray, vectors: np.ndarray, spacing: float) -> np.ndarray:
    """Line segments (pairs of points) for a quiver: shafts plus two head strokes each.

    Lengths grow with the square root of |v|, relative to the 90th percentile, and are capped
    at 0.9 grid cells. Far from the data the score is huge; linear lengths would shrink the
    arrows near the data, where the interesting structure is, to nothing.
    """
    v = np.nan_to_num(np.asarray(vectors, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    length = np.hypot(v[:, 0], v[:, 1])
    ref = np.percentile(length, 90) if len(length) else 0.0
    if ref <= 0:
        return np.zeros((0, 2), np.float32)
    shown = 0.9 * spacing * np.minimum(1.0, np.sqrt(length / ref))
    scaled = v * (shown / np.maximum(length, 1e-300))[:, None]
    tip = grid + scaled
    head = 0.3 * scaled
    cos, sin = np.cos(np.radians(150)), np.sin(np.radians(150))
    left = np.stack([head[:, 0] * cos - head[:, 1] * sin, head[:, 0] * sin + head[:, 1] * cos], 1)
    right = np.stack([head[:, 0] * cos + head[:, 1] * sin, -head[:, 0] * sin + head[:, 1] * cos], 1)
    segs = np.stack([grid, tip, tip, tip + left, tip, tip + right], 1)
    return segs.reshape(-1, 2).astype(np.float32)


class _DrawViewBox(pg.ViewBox):
    """Left drag draws while drawing is on; otherwise the usual pan (left) and zoom (wheel)."""

    def __init__(self, owner: "ParticlePlot"):
        super().__init__()
        self._owner = owner
        self._drawing = False

    def mousePressEvent(self, ev):  # noqa: N802
        if self._owner.draw_enabled and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._drawing = True
            self._owner._stroke_point(self.mapToView(ev.pos()), new=True)
        else:
            super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev):  # noqa: N802
        if self._drawing:
            ev.accept()
            self._owner._stroke_point(self.mapToView(ev.pos()), new=False)
        else:
            super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev):  # noqa: N802
        if self._drawing and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._drawing = False
            self._owner.strokeFinished.emit()
        else:
            super().mouseReleaseEvent(ev)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802
        if self._owner.draw_enabled and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()     # drawing owns the left button; no panning underneath it
        else:
            super().mouseDragEvent(ev, axis)


class ParticlePlot(QWidget):
    strokePoint = Signal(float, float, bool)   # x, y, starts a new stroke
    strokeFinished = Signal()

    def __init__(self, title: str, particle_colour: str = "#1f77b4", parent: QWidget | None = None):
        super().__init__(parent)
        self.draw_enabled = False
        self.view = _DrawViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.view, title=title)
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.12)
        self.plot.setMenuEnabled(False)
        self.view.setAspectLocked(True)
        self.reset_view()

        self.data = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(120, 120, 120, 110))
        self.view.addItem(self.data)
        self.arrows = pg.PlotCurveItem(connect="pairs", pen=pg.mkPen(40, 40, 40, 170, width=1))
        self.view.addItem(self.arrows, ignoreBounds=True)
        colours = hue_colours()
        self._trails = [pg.PlotCurveItem(connect="finite", pen=pg.mkPen(pg.mkColor(c).lighter(115), width=1))
                        for c in colours]
        self._trails.append(pg.PlotCurveItem(connect="finite", pen=pg.mkPen(particle_colour, width=1)))
        for item in self._trails:
            item.setOpacity(0.4)
            self.view.addItem(item, ignoreBounds=True)
        self._dots = [pg.ScatterPlotItem(size=4.5, pen=None, brush=pg.mkBrush(c)) for c in colours]
        self._dots.append(pg.ScatterPlotItem(size=4.5, pen=None, brush=pg.mkBrush(particle_colour)))
        for item in self._dots:
            item.setZValue(5)
            self.view.addItem(item, ignoreBounds=True)
        self.stroke = pg.PlotCurveItem(connect="finite", pen=pg.mkPen("#d62728", width=2.5))
        self.stroke.setZValue(8)
        self.view.addItem(self.stroke, ignoreBounds=True)
        self.caption = pg.TextItem("", color="#222", anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 200))
        self.caption.setZValue(9)
        self.caption.setParentItem(self.view)
        self.caption.setPos(6, 4)

        self._groups: list = [None] * (HUES + 1)         # particle indices per dot item
        self._trail_groups: list = [None] * (HUES + 1)   # the subset of those with trails
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    # ---------------------------------------------------------------- content
    def reset_view(self) -> None:
        self.view.setRange(xRange=(-VIEW_HALF, VIEW_HALF), yRange=(-VIEW_HALF, VIEW_HALF), padding=0)

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)

    def set_data(self, points: np.ndarray | None) -> None:
        if points is None or len(points) == 0:
            self.data.setData([], [])
        else:
            self.data.setData(points[:, 0], points[:, 1])

    def set_data_style(self, colour: tuple[int, int, int, int], size: float) -> None:
        self.data.setBrush(pg.mkBrush(*colour))
        self.data.setSize(size)

    def set_arrows(self, segments: np.ndarray | None) -> None:
        if segments is None or len(segments) == 0:
            self.arrows.setData([], [])
        else:
            self.arrows.setData(segments[:, 0], segments[:, 1])

    def set_strokes(self, strokes: list[list[tuple[float, float]]]) -> None:
        parts = []
        for s in strokes:
            a = np.asarray(s, np.float64).reshape(-1, 2)
            if len(a) == 1:                      # a click: draw a small cross
                a = np.array([[a[0, 0] - 0.05, a[0, 1]], [a[0, 0] + 0.05, a[0, 1]], [np.nan, np.nan],
                              [a[0, 0], a[0, 1] - 0.05], [a[0, 0], a[0, 1] + 0.05]])
            parts += [a, [[np.nan, np.nan]]]
        if not parts:
            self.stroke.setData([], [])
            return
        xy = np.concatenate(parts)
        self.stroke.setData(xy[:, 0], xy[:, 1])

    def set_groups(self, groups: list[np.ndarray] | None, n: int) -> None:
        """Colour n particles by hue sector (`groups` from hue_groups) or in one colour (None)."""
        trail_ids = np.unique(np.linspace(0, n - 1, min(n, MAX_TRAILS)).astype(int)) \
            if n else np.zeros(0, int)
        if groups is None:
            self._groups = [None] * HUES + [np.arange(n)]
            self._trail_groups = [None] * HUES + [trail_ids]
        else:
            self._groups = list(groups) + [None]
            self._trail_groups = [np.intersect1d(g, trail_ids) for g in groups] + [None]

    def show_frame(self, paths: np.ndarray | None, k: int, trail: int) -> None:
        """Particles at frame k of paths (F×N×2), with trails over the last `trail` frames."""
        for i, (dots, line) in enumerate(zip(self._dots, self._trails)):
            idx, ids = self._groups[i], self._trail_groups[i]
            if paths is None or idx is None or len(idx) == 0:
                dots.setData([], [])
            else:
                dots.setData(paths[k, idx, 0], paths[k, idx, 1])
            if paths is None or trail <= 0 or ids is None or len(ids) == 0 or k == 0:
                line.setData([], [])
                continue
            seg = np.transpose(paths[max(0, k - trail):k + 1, ids], (1, 0, 2))   # particles × frames × 2
            seg = np.concatenate([seg, np.full((len(ids), 1, 2), np.nan, np.float32)], 1).reshape(-1, 2)
            line.setData(seg[:, 0], seg[:, 1])

    def particle_positions(self) -> np.ndarray:
        """Where the particles are drawn now (for tests), in no particular order."""
        parts = [np.stack(item.getData(), 1) for item in self._dots if len(item.getData()[0])]
        return np.concatenate(parts) if parts else np.zeros((0, 2))

    def visible_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.view.viewRange()
        return (x0, x1), (y0, y1)

    # ---------------------------------------------------------------- drawing
    def set_draw_enabled(self, on: bool) -> None:
        self.draw_enabled = on
        self.plot.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def _stroke_point(self, p: QPointF, new: bool) -> None:
        self.strokePoint.emit(p.x(), p.y(), new)


class PlotRow(QWidget):
    """Three plots side by side, kept square (the axes have a locked aspect) while the
    window leaves room for the bars and charts below."""

    def __init__(self, plots: list[QWidget]):
        super().__init__()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for p in plots:
            lay.addWidget(p, 1)

    def fit(self, room: int) -> None:
        """Square plots, unless that leaves the row taller than `room`."""
        side = int((self.width() - 2 * self.layout().spacing()) / 3) + 30   # + the plot title
        height = max(200, min(side, room))
        if height != self.height():
            self.setFixedHeight(height)
