"""The latent plane: a class-coloured scatter you can click, drag, lasso and box-select.

Items are created once; updates only call setData, so refreshing 2,000 points while a model
trains costs a few milliseconds.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath, QPolygonF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .widgets import CLASS_COLOURS

MODES = ("explore", "lasso", "box", "pick-a", "pick-b")
# transparent → pale red: a density under coloured points must stay light enough to read them
_t = np.linspace(0.0, 1.0, 256)
_DENSITY_LUT = np.stack([255 - 20 * _t, 255 - 115 * _t, 255 - 125 * _t, 200 * _t ** 0.7],
                        1).astype(np.uint8)


class _LatentViewBox(pg.ViewBox):
    """Left button: the panel's tools. Middle drag pans, right drag and wheel zoom."""

    def __init__(self, owner: "LatentPlot"):
        super().__init__()
        self._owner = owner
        self._dragging = False

    def mousePressEvent(self, ev):  # noqa: N802
        if ev.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(ev)
        ev.accept()
        self._dragging = True
        self._owner._press(self.mapToView(ev.pos()))

    def mouseMoveEvent(self, ev):  # noqa: N802
        if self._dragging:
            ev.accept()
            self._owner._move(self.mapToView(ev.pos()))
        else:
            super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev):  # noqa: N802
        if self._dragging and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._dragging = False
            self._owner._release(self.mapToView(ev.pos()))
        else:
            super().mouseReleaseEvent(ev)


class LatentPlot(QWidget):
    pointPicked = Signal(float, float)         # explore: press and every drag move
    endpointPicked = Signal(str, float, float)  # "a" or "b", in pick-a / pick-b mode
    selectionMade = Signal(object)              # bool mask over the points, lasso or box

    def __init__(self, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.mode = "explore"
        self._xy = np.zeros((0, 2), np.float32)
        self._labels = np.zeros(0, np.int64)
        self._classes: tuple[str, ...] = ()
        self._path: list[QPointF] = []

        self.view = _LatentViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.view, title=title or None)
        self.plot.setBackground("w")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for side, name in (("bottom", "z₁"), ("left", "z₂")):
            # set_axes writes any scale into the label itself, next to what it means
            self.plot.getAxis(side).enableAutoSIPrefix(False)
            self.plot.setLabel(side, name)
        self.view.setAspectLocked(False)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextColor="#222",
                                          brush=pg.mkBrush(255, 255, 255, 210), pen=pg.mkPen("#bbb"))
        self.legend.setColumnCount(2)
        # under the codes: q(z)'s density image and a light grey cloud of prior draws
        self._density = pg.ImageItem(axisOrder="row-major")
        self._density.setZValue(-20)
        self._density.setLookupTable(_DENSITY_LUT)
        self.view.addItem(self._density, ignoreBounds=True)
        self._prior_cloud = pg.ScatterPlotItem(size=3, pen=None,
                                               brush=pg.mkBrush(120, 120, 120, 90))
        self._prior_cloud.setZValue(-10)
        self.view.addItem(self._prior_cloud, ignoreBounds=True)
        self._cloud_xy: np.ndarray | None = None
        self._cloud_on = True
        self._class_items = []
        for i, colour in enumerate(CLASS_COLOURS):
            item = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(colour), name=str(i))
            self.view.addItem(item)
            self._class_items.append(item)

        def overlay(**kw):
            item = pg.ScatterPlotItem(**kw)
            item.setZValue(10)
            self.view.addItem(item, ignoreBounds=True)
            return item
        # the Codes tool: each q(z|x) as a 1-σ ellipse (red), the aggregate q(z)'s and the
        # prior's highest-density contours (red, green): the lectures' red balls and green ball
        self._ellipses = pg.PlotCurveItem(pen=pg.mkPen(214, 39, 40, 150, width=1), connect="finite")
        self._q_contours = pg.PlotCurveItem(pen=pg.mkPen("#c0392b", width=2), connect="finite")
        self._p_contours = pg.PlotCurveItem(
            pen=pg.mkPen("#1a9641", width=2.5, style=Qt.PenStyle.DashLine), connect="finite")
        for z, item in ((3, self._ellipses), (4, self._q_contours), (5, self._p_contours)):
            item.setZValue(z)
            self.view.addItem(item, ignoreBounds=True)
        self._selected = overlay(size=9, brush=None, pen=pg.mkPen("#000", width=1.2))
        self._prior = overlay(size=11, symbol="x", brush=pg.mkBrush("#111"), pen=pg.mkPen("#111"))
        self._prior_labels: list[pg.TextItem] = []
        self._morph_line = pg.PlotCurveItem(pen=pg.mkPen("#444", width=2, style=Qt.PenStyle.DashLine))
        self.view.addItem(self._morph_line, ignoreBounds=True)
        self._ends = overlay(size=14, symbol="s", brush=pg.mkBrush(255, 255, 255, 220),
                             pen=pg.mkPen("#000", width=2))
        self._end_labels = [pg.TextItem("A", color="#000", anchor=(0.5, 1.4)),
                            pg.TextItem("B", color="#000", anchor=(0.5, 1.4))]
        for t in self._end_labels:
            t.setZValue(11)
            self.view.addItem(t, ignoreBounds=True)
            t.hide()
        # the morph's current frame (1−α)·z_A + α·z_B, on the dashed line between A and B
        self._morph_at = overlay(size=12, symbol="o", brush=pg.mkBrush("#ff7f0e"),
                                 pen=pg.mkPen("#000", width=1.5))
        label_fill = pg.mkBrush(255, 255, 255, 210)      # readable over the points
        self._morph_label = pg.TextItem("α", color="#b35900", anchor=(-0.3, 1.2), fill=label_fill)
        # the attribute tool's move: an arrow from the base z to z + Σ αᵢ vᵢ
        self._attr_line = pg.PlotCurveItem(pen=pg.mkPen("#2ca02c", width=2.5))
        self.view.addItem(self._attr_line, ignoreBounds=True)
        self._attr_at = overlay(size=13, symbol="t1", brush=pg.mkBrush("#2ca02c"),
                                pen=pg.mkPen("#000", width=1))
        self._attr_label = pg.TextItem("z + Σαᵢvᵢ", color="#1a6e1a", anchor=(-0.1, 1.2),
                                       fill=label_fill)
        for t in (self._morph_label, self._attr_label):
            t.setZValue(11)
            self.view.addItem(t, ignoreBounds=True)
            t.hide()
        self._cursor = overlay(size=22, symbol="+", brush=pg.mkBrush("#000"), pen=pg.mkPen("#000", width=2.5))
        self._lasso = pg.PlotCurveItem(pen=pg.mkPen("#d62728", width=1.5))
        self._lasso.setZValue(12)
        self.view.addItem(self._lasso, ignoreBounds=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    # ------------------------------------------------------------------ data
    def set_points(self, xy: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> None:
        self._xy = np.asarray(xy, np.float32)
        self._labels = np.asarray(labels)
        if tuple(classes) != self._classes:
            self._classes = tuple(classes)
            self.legend.clear()
            for i, item in enumerate(self._class_items[:len(classes)]):
                self.legend.addItem(item, classes[i])
        for i, item in enumerate(self._class_items):
            mask = self._labels == i
            item.setData(self._xy[mask, 0], self._xy[mask, 1])

    def points(self) -> np.ndarray:
        return self._xy

    def set_cursor(self, x: float | None, y: float | None = None) -> None:
        self._cursor.setData([] if x is None else [x], [] if x is None else [y])

    def set_prior_points(self, xy: np.ndarray | None) -> None:
        for t in self._prior_labels:
            self.view.removeItem(t)
        self._prior_labels = []
        if xy is None or len(xy) == 0:
            self._prior.setData([], [])
            return
        self._prior.setData(xy[:, 0], xy[:, 1])
        for i, (x, y) in enumerate(xy):
            t = pg.TextItem(str(i + 1), color="#111", anchor=(-0.2, 1.0))
            t.setPos(float(x), float(y))
            t.setZValue(11)
            self.view.addItem(t, ignoreBounds=True)
            self._prior_labels.append(t)

    def set_prior_cloud(self, xy: np.ndarray | None) -> None:
        """Draws from the model's prior in plane coordinates (a light grey layer under the
        codes), or None for a model without one."""
        self._cloud_xy = None if xy is None or len(xy) == 0 else np.asarray(xy, np.float32)
        self._draw_cloud()

    def set_prior_cloud_visible(self, on: bool) -> None:
        self._cloud_on = bool(on)
        self._draw_cloud()

    def prior_cloud(self) -> np.ndarray | None:
        """What the cloud shows now (None when hidden or absent)."""
        return self._cloud_xy if self._cloud_on else None

    def _draw_cloud(self) -> None:
        xy = self.prior_cloud()
        self._prior_cloud.setData([] if xy is None else xy[:, 0], [] if xy is None else xy[:, 1])

    def set_codes_overlay(self, overlay: dict | None) -> None:
        """The Codes tool's marks: "ellipses" (x, y with NaN breaks), "density" (row-major
        image, y up) with "rect" (x0, y0, w, h), "q_contours" and "p_contours" (x, y with
        NaN breaks). Missing keys or None clear that part."""
        overlay = overlay or {}
        for key, item in (("ellipses", self._ellipses), ("q_contours", self._q_contours),
                          ("p_contours", self._p_contours)):
            xy = overlay.get(key)
            item.setData([], []) if xy is None else item.setData(xy[0], xy[1])
        density = overlay.get("density")
        if density is None:
            self._density.clear()
            self._density.hide()
        else:
            # a few codes with tiny σ make sharp peaks; scaled by the max they would leave the
            # rest white, so the shading saturates at the 99th percentile (contours are exact)
            top = float(np.quantile(density, 0.99)) or float(density.max()) or 1.0
            self._density.setImage(np.clip(density / top, 0.0, 1.0), levels=(0.0, 1.0))
            self._density.setRect(QRectF(*overlay["rect"]))
            self._density.show()

    def codes_overlay_shown(self) -> dict:
        """What the Codes overlay draws now, for tests: item → number of finite points."""
        def n(item):
            x = item.getData()[0]
            return 0 if x is None else int(np.isfinite(x).sum())
        return {"ellipses": n(self._ellipses), "q_contours": n(self._q_contours),
                "p_contours": n(self._p_contours), "density": self._density.isVisible()}

    def set_selection(self, mask: np.ndarray | None) -> None:
        if mask is None or not np.any(mask):
            self._selected.setData([], [])
        else:
            self._selected.setData(self._xy[mask, 0], self._xy[mask, 1])

    def set_endpoints(self, a: np.ndarray | None, b: np.ndarray | None) -> None:
        ends = [p for p in (a, b) if p is not None]
        self._ends.setData([p[0] for p in ends], [p[1] for p in ends])
        for label, p in zip(self._end_labels, (a, b)):
            label.setVisible(p is not None)
            if p is not None:
                label.setPos(float(p[0]), float(p[1]))
        if a is not None and b is not None:
            self._morph_line.setData([a[0], b[0]], [a[1], b[1]])
        else:
            self._morph_line.setData([], [])

    def set_morph_point(self, xy, alpha: float | None = None) -> None:
        """Mark the morph's current frame (at `alpha`), or nothing (None)."""
        self._morph_at.setData([] if xy is None else [xy[0]], [] if xy is None else [xy[1]])
        self._morph_label.setVisible(xy is not None)
        if xy is not None:
            self._morph_label.setText("α" if alpha is None else f"α = {alpha:.2f}")
            self._morph_label.setPos(float(xy[0]), float(xy[1]))

    def set_attribute_move(self, base, moved) -> None:
        """An arrow from the base code to z + Σ αᵢ vᵢ (plane coordinates), or nothing."""
        show = base is not None and moved is not None
        self._attr_line.setData([base[0], moved[0]] if show else [],
                                [base[1], moved[1]] if show else [])
        self._attr_at.setData([moved[0]] if show else [], [moved[1]] if show else [])
        self._attr_label.setVisible(show)
        if show:
            self._attr_label.setPos(float(moved[0]), float(moved[1]))

    def set_axes(self, names: tuple[str, str], notes: tuple[str, str] = ("", "")) -> None:
        """Axis labels, each with its note. An axis with a note whose values are all tiny
        (a collapsed dimension) gets readable ticks, and the label says by how much they
        are scaled, right beside why."""
        for i, side in enumerate(("bottom", "left")):
            text, scale = names[i], 1.0
            if notes[i]:
                big = float(np.abs(self._xy[:, i]).max()) if len(self._xy) else 0.0
                if 0.0 < big < 0.1:
                    k = int(np.floor(np.log10(big)))
                    scale = 10.0 ** -k
                    text += f" (×{10.0 ** k:g})"
                text += f" — {notes[i]}"
            self.plot.getAxis(side).setScale(scale)
            self.plot.setLabel(side, text)

    def axis_label(self, side: str) -> str:
        return self.plot.getAxis(side).labelText

    def visible_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        (x0, x1), (y0, y1) = self.view.viewRange()
        return (x0, x1), (y0, y1)

    def auto_range(self) -> None:
        self.view.enableAutoRange()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.plot.setCursor(Qt.CursorShape.CrossCursor if mode != "explore" else Qt.CursorShape.ArrowCursor)

    # ------------------------------------------------------------------ mouse
    def _press(self, p: QPointF) -> None:
        if self.mode == "explore":
            self.pointPicked.emit(p.x(), p.y())
        elif self.mode in ("pick-a", "pick-b"):
            self.endpointPicked.emit(self.mode[-1], p.x(), p.y())
        else:
            self._path = [p]

    def _move(self, p: QPointF) -> None:
        if self.mode == "explore":
            self.pointPicked.emit(p.x(), p.y())
        elif self.mode in ("lasso", "box") and self._path:
            if self.mode == "lasso":
                self._path.append(p)
            else:
                self._path = [self._path[0], p]
            self._draw_path()

    def _release(self, p: QPointF) -> None:
        if self.mode not in ("lasso", "box") or not self._path:
            return
        self._move(p)
        mask = self._inside(self._path)
        self._path = []
        self._lasso.setData([], [])
        self.selectionMade.emit(mask)

    def _outline(self, path: list[QPointF]) -> list[QPointF]:
        if self.mode == "box" and len(path) == 2:
            a, b = path
            return [a, QPointF(b.x(), a.y()), b, QPointF(a.x(), b.y())]
        return path

    def _draw_path(self) -> None:
        pts = self._outline(self._path)
        if pts:
            pts = pts + [pts[0]]
        self._lasso.setData([p.x() for p in pts], [p.y() for p in pts])

    def _inside(self, path: list[QPointF]) -> np.ndarray:
        pts = self._outline(path)
        if len(pts) < 3 or len(self._xy) == 0:
            return np.zeros(len(self._xy), bool)
        shape = QPainterPath()
        shape.addPolygon(QPolygonF(pts))
        shape.closeSubpath()
        return np.array([shape.contains(QPointF(float(x), float(y))) for x, y in self._xy], bool)
