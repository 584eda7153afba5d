"""The Flows 2-D tab's picture: the flow's exact density as a heat map, the data over it, and
the Gaussian's samples and a grid of lines pushed through the first k couplings.

Every item is made once and fed with setData / setImage. With editing on (the "My points"
data), the left button adds points where it clicks and drags, and the right button (or the
left with Shift) removes the points near the cursor; otherwise the plot pans and zooms.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QVBoxLayout, QWidget

DATA_COLOUR = "#252525"
U_LINE_COLOUR = (217, 95, 2, 200)      # lines of constant z₁ (orange)
V_LINE_COLOUR = (27, 120, 55, 200)     # lines of constant z₂ (green)
SAMPLE_HUES = 12                       # samples coloured by the direction of their z
# white where the model puts no mass, deepening blue where it puts much: the dark data dots
# and the coloured samples stay readable on every part of it
DENSITY_MAP = pg.ColorMap([0.0, 0.15, 0.4, 0.7, 1.0],
                          [(255, 255, 255), (222, 235, 247), (158, 202, 225), (66, 146, 198),
                           (8, 69, 148)])


def sample_brushes(z: np.ndarray) -> list:
    """One brush per sample, its hue the angle of its Gaussian draw z: neighbours in z share a
    colour, so the picture shows where each part of the Gaussian ends up."""
    angle = np.arctan2(z[:, 1], z[:, 0])
    sector = np.floor((angle + np.pi) / (2 * np.pi) * SAMPLE_HUES).astype(int) % SAMPLE_HUES
    palette = [pg.mkBrush(pg.hsvColor(i / SAMPLE_HUES, sat=0.75, val=0.9, alpha=0.85))
               for i in range(SAMPLE_HUES)]
    return [palette[s] for s in sector]


class _EditViewBox(pg.ViewBox):
    """Left press and drag: "add"; right press and drag, or Shift + left: "remove" (while
    editing is on). Otherwise the usual pan (left drag) and zoom (wheel, right drag)."""

    def __init__(self, owner: "FlowPlot"):
        super().__init__()
        self._owner = owner
        self._mode: str | None = None
        self._button = None

    def _editing(self, ev) -> bool:
        return self._owner.edit_enabled and ev.button() in (Qt.MouseButton.LeftButton,
                                                            Qt.MouseButton.RightButton)

    def mousePressEvent(self, ev):  # noqa: N802
        if self._editing(ev):
            ev.accept()
            shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._mode = "remove" if ev.button() == Qt.MouseButton.RightButton or shift else "add"
            self._button = ev.button()
            self._owner._edit(self.mapToView(ev.pos()), self._mode, True)
        else:
            super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev):  # noqa: N802
        if self._mode is not None:
            ev.accept()
            self._owner._edit(self.mapToView(ev.pos()), self._mode, False)
        else:
            super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev):  # noqa: N802
        if self._mode is not None and ev.button() == self._button:
            ev.accept()
            self._mode = None
            self._owner.editFinished.emit()
        else:
            super().mouseReleaseEvent(ev)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802
        if self._editing(ev):
            ev.accept()             # editing owns both buttons: no pan or zoom underneath
        else:
            super().mouseDragEvent(ev, axis)

    def mouseClickEvent(self, ev):  # noqa: N802
        if self._editing(ev):
            ev.accept()             # no context menu, no auto-range on a right click
        else:
            super().mouseClickEvent(ev)


class FlowPlot(QWidget):
    editPoint = Signal(float, float, str, bool)   # x, y, "add" or "remove", a new press
    editFinished = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit_enabled = False
        self.log_density = False
        self.view = _EditViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.view)
        self.plot.setBackground("w")
        self.plot.setMenuEnabled(False)
        # the density grid is scaled up bilinearly: a smooth surface, not a mosaic
        self.plot.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.plot.setLabel("bottom", "x₁")
        self.plot.setLabel("left", "x₂")
        for side in ("bottom", "left"):
            self.plot.getAxis(side).setTextPen("#333")
        self.view.setAspectLocked(True)

        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setZValue(-10)
        self.view.addItem(self.heat, ignoreBounds=True)
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=DENSITY_MAP, label="p(x)",
                                   interactive=False, width=14)
        self.bar.setImageItem(self.heat, insert_in=self.plot.getPlotItem())
        for side in ("left", "right"):
            self.bar.getAxis(side).setTextPen("#333")

        # whole-pixel pens: fractional widths make Qt's stroker many times slower
        self.u_lines = pg.PlotCurveItem(connect="finite", pen=pg.mkPen(U_LINE_COLOUR, width=1))
        self.v_lines = pg.PlotCurveItem(connect="finite", pen=pg.mkPen(V_LINE_COLOUR, width=1))
        self.data = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(DATA_COLOUR + "90"))
        rim = pg.mkPen(255, 255, 255, 150, width=0.6)
        self.samples = pg.ScatterPlotItem(size=5.5, pen=rim)
        # the data on top: it is what you click on, and the samples are meant to cover it
        for z, item in enumerate((self.u_lines, self.v_lines, self.samples, self.data), 1):
            item.setZValue(z)
            self.view.addItem(item, ignoreBounds=True)
        self.caption = pg.TextItem("", color="#111", anchor=(0, 0),
                                   fill=pg.mkBrush(255, 255, 255, 210))
        self.caption.setZValue(20)
        self.caption.setParentItem(self.view)
        self.caption.setPos(6, 4)

        # one entry per item that has something to show (see _update_legend)
        self.legend = pg.LegendItem(offset=(-4, -4), labelTextColor="#222", labelTextSize="8pt",
                                    verSpacing=-6)
        self.legend.setParentItem(self.view)
        self._legend_entries = [
            (self.data, pg.ScatterPlotItem(size=7, pen=None, brush=pg.mkBrush(DATA_COLOUR)),
             "data"),
            (self.samples, pg.ScatterPlotItem(size=7, pen=None, brush=pg.mkBrush("#d95f02")),
             "z ~ N(0, I) after k couplings (hue: direction of z)"),
            (self.u_lines, pg.PlotDataItem(pen=pg.mkPen(U_LINE_COLOUR, width=2)), "z₁ = const"),
            (self.v_lines, pg.PlotDataItem(pen=pg.mkPen(V_LINE_COLOUR, width=2)), "z₂ = const")]
        self._legend_shown: list | None = None
        self._update_legend()

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    # ---------------------------------------------------------------- geometry
    def show_square(self, half: float, centre: tuple[float, float] = (0.0, 0.0)) -> None:
        cx, cy = centre
        self.view.setRange(xRange=(cx - half, cx + half), yRange=(cy - half, cy + half),
                           padding=0)

    def visible_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.view.viewRange()
        return (float(x0), float(x1)), (float(y0), float(y1))

    def pixel_size(self) -> float:
        """Data units per screen pixel (the axes are aspect-locked, so one number)."""
        (x0, x1), _ = self.visible_range()
        return (x1 - x0) / max(1.0, float(self.view.width()))

    # ---------------------------------------------------------------- content
    def set_density(self, grid: np.ndarray | None, xlim=None, ylim=None,
                    log: bool = False) -> None:
        """`grid` is n×n p(x, y) at the points of density_grid(xlim, ylim, n); shown as is, or
        as log p over the ten nats below its peak."""
        self.log_density = log
        if grid is None:
            self.heat.clear()
            self.heat.setVisible(False)
            self.bar.setVisible(False)
            return
        grid = np.asarray(grid, np.float64)
        if log:
            with np.errstate(divide="ignore"):
                image = np.log(grid)
            finite = image[np.isfinite(image)]
            top = float(finite.max()) if finite.size else 0.0
            levels = (top - 10.0, top)
            image = np.nan_to_num(np.maximum(image, levels[0]), nan=levels[0])
        else:
            image = np.nan_to_num(grid, nan=0.0, posinf=0.0)
            top = float(image.max(initial=0.0))
            levels = (0.0, top if top > 0 else 1.0)
        self.heat.setImage(image.astype(np.float32), autoLevels=False, levels=levels)
        # density_grid samples the corners of its square: each pixel is centred on a sample
        n = grid.shape[0]
        (x0, x1), (y0, y1) = xlim, ylim
        dx, dy = (x1 - x0) / (n - 1), (y1 - y0) / (n - 1)
        self.heat.setRect(QRectF(x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy))
        self.bar.setLevels(levels)
        self.bar.getAxis("left").setLabel("log p(x), nats" if log else "p(x)")
        self.heat.setVisible(True)
        self.bar.setVisible(True)

    def set_data(self, points: np.ndarray | None) -> None:
        _scatter(self.data, points)
        self._update_legend()

    def set_samples(self, points: np.ndarray | None, brushes: list | None = None) -> None:
        if points is None or len(points) == 0:
            self.samples.setData([], [])
        else:
            self.samples.setData(points[:, 0], points[:, 1], brush=brushes)
        self._update_legend()

    def set_grid(self, u_lines: np.ndarray | None, v_lines: np.ndarray | None) -> None:
        """Polylines (lines × points × 2) of constant z₁ and of constant z₂."""
        for item, lines in ((self.u_lines, u_lines), (self.v_lines, v_lines)):
            if lines is None or len(lines) == 0:
                item.setData([], [])
                continue
            gaps = np.full((lines.shape[0], 1, 2), np.nan, np.float32)
            xy = np.concatenate([np.asarray(lines, np.float32), gaps], 1).reshape(-1, 2)
            item.setData(xy[:, 0], xy[:, 1])
        self._update_legend()

    def _update_legend(self) -> None:
        shown = [label for item, _, label in self._legend_entries if _has_data(item)]
        if shown == self._legend_shown:
            return
        self._legend_shown = shown
        self.legend.clear()
        for item, sample, label in self._legend_entries:
            if label in shown:
                self.legend.addItem(sample, label)
        self.legend.setVisible(bool(shown))

    def legend_labels(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)

    def data_positions(self) -> np.ndarray:
        return _positions(self.data)

    def sample_positions(self) -> np.ndarray:
        return _positions(self.samples)

    def density_image(self) -> np.ndarray | None:
        return None if self.heat.image is None or not self.heat.isVisible() \
            else np.array(self.heat.image)

    # ---------------------------------------------------------------- editing
    def set_edit_enabled(self, on: bool) -> None:
        self.edit_enabled = on
        self.plot.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def _edit(self, p: QPointF, mode: str, new: bool) -> None:    # from _EditViewBox
        self.editPoint.emit(p.x(), p.y(), mode, new)


def _scatter(item: pg.ScatterPlotItem, points: np.ndarray | None) -> None:
    if points is None or len(points) == 0:
        item.setData([], [])
    else:
        item.setData(points[:, 0], points[:, 1])


def _has_data(item) -> bool:
    x = item.getData()[0]
    return x is not None and len(x) > 0


def _positions(item: pg.ScatterPlotItem) -> np.ndarray:
    x, y = item.getData()
    if x is None or len(x) == 0:
        return np.zeros((0, 2))
    return np.stack([np.asarray(x, float), np.asarray(y, float)], 1)
