"""The 2-D lab's picture: D's belief as a heat map under real and generated points, G's
gradient arrows and the image of a z-grid under G, each a layer that can be hidden.

Every item is created once and then only fed with setData / setImage, so a frame costs a
few milliseconds. Left drag draws a distribution when drawing is on (the diffusion 2-D
view's view box, reused).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ..diffusion.toy2d_plot import _DrawViewBox, arrow_segments

LAYER_NAMES = {"real": "Real points", "fake": "G's points", "field": "D's heat map",
               "arrows": "G's arrows", "manifold": "z-grid under G"}
REAL_COLOUR = "#1b7837"        # green: what D should call real
FAKE_COLOUR = "#762a83"        # purple: what D should call fake
MANIFOLD_COLOUR = (153, 112, 171, 150)
ARROW_COLOUR = (25, 25, 25, 190)
ARROW_LENGTH = 0.28            # data units of the longest usual arrow (90th percentile)
VIEW_MARGIN = 1.13             # the view shows a little more than the data square
# light tints, so that both dot colours stay readable on every part of the map:
# purple where D says "fake", white where it cannot tell, green where it says "real"
FIELD_MAP = pg.ColorMap([0.0, 0.2, 0.5, 0.8, 1.0],
                        [(178, 148, 198), (214, 198, 227), (250, 250, 250), (190, 230, 185),
                         (118, 188, 118)])
BCE_BAR_LABEL = "D(x) = P(real)"
WGAN_BAR_LABEL = "critic f(x), rescaled per frame"
# the explanation under the picture: what the heat map means depends on the loss
HELP = ("<b>The minimax game.</b> D (heat map: green = “real”, purple = “fake”) learns to tell "
        "the <span style='color:#1b7837'><b>real points</b></span> from "
        "<span style='color:#762a83'><b>G's points</b></span>; G moves its points up D's "
        "landscape (the arrows). At the equilibrium G's points cover the data and D says ½ "
        "everywhere. Break it on purpose: a high D rate or large k, the minimax loss, SGD…")
# WGAN-GP has no probabilities and no ½: the critic scores points, G climbs the score
HELP_WGAN = ("<b>The Wasserstein game.</b> The critic f (heat map: green = higher score, purple "
             "= lower, rescaled each frame) scores the "
             "<span style='color:#1b7837'><b>real points</b></span> above "
             "<span style='color:#762a83'><b>G's points</b></span>; its score is unbounded, "
             "not a probability, and the gradient penalty keeps it 1-Lipschitz. G moves its "
             "points up the score (the arrows). The gap E f(x) − E f(G(z)) estimates the "
             "Wasserstein distance and shrinks as G covers the data; there is no ½ to reach.")


def help_text(loss: str) -> str:
    return HELP_WGAN if loss == "wgan-gp" else HELP


class LabPlot(QWidget):
    strokePoint = Signal(float, float, bool)   # x, y, starts a new stroke
    strokeFinished = Signal()

    def __init__(self, extent: float = 2.5, parent: QWidget | None = None):
        super().__init__(parent)
        self.extent = extent
        self.draw_enabled = False
        self.critic = False                    # the field is an unbounded WGAN critic
        self.field_levels = (0.0, 1.0)
        self.view = _DrawViewBox(self)
        self.plot = pg.PlotWidget(viewBox=self.view)
        self.plot.setBackground("w")
        self.plot.setMenuEnabled(False)
        # D's 64×64 map is scaled up bilinearly: a smooth landscape, not a mosaic
        self.plot.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        # no grid: grid lines belong to the axes, so every frame would repaint their labels
        # too (the most expensive part of a frame); the heat map shows the plane anyway
        self.plot.setLabel("bottom", "x₁")
        self.plot.setLabel("left", "x₂")
        for side in ("bottom", "left"):
            self.plot.getAxis(side).setTextPen("#333")
        self.view.setAspectLocked(True)

        self.field = pg.ImageItem(axisOrder="row-major")
        self.field.setZValue(-10)              # under every other item
        self.view.addItem(self.field, ignoreBounds=True)
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=FIELD_MAP, label=BCE_BAR_LABEL,
                                   interactive=False, width=14)
        self.bar.setImageItem(self.field, insert_in=self.plot.getPlotItem())
        for side in ("left", "right"):
            self.bar.getAxis(side).setTextPen("#333")
        self.set_extent(extent)

        # whole-pixel pens only: a 1.2 px pen made Qt's stroker take 20 ms a frame, 1 px 0.3 ms
        self.manifold = pg.PlotCurveItem(connect="finite", pen=pg.mkPen(MANIFOLD_COLOUR, width=1))
        self.manifold.setZValue(1)
        # a thin white rim keeps the dots readable on the darker ends of the heat map
        rim = pg.mkPen(255, 255, 255, 170, width=0.7)
        self.real = pg.ScatterPlotItem(size=5, pen=rim, brush=pg.mkBrush(REAL_COLOUR + "c0"))
        self.real.setZValue(2)
        self.arrows = pg.PlotDataItem(connect="pairs", pen=pg.mkPen(ARROW_COLOUR, width=1))
        self.arrows.setZValue(3)
        self.fake = pg.ScatterPlotItem(size=6, pen=rim, brush=pg.mkBrush(FAKE_COLOUR + "e0"))
        self.fake.setZValue(4)
        self.stroke = pg.PlotCurveItem(connect="finite", pen=pg.mkPen("#d62728", width=3))
        self.stroke.setZValue(8)
        for item in (self.manifold, self.real, self.arrows, self.fake, self.stroke):
            self.view.addItem(item, ignoreBounds=True)
        self.items = {"real": self.real, "fake": self.fake, "field": self.field,
                      "arrows": self.arrows, "manifold": self.manifold}

        # one row along the top margin, above the data square, so it never hides a mode
        legend = pg.LegendItem(offset=(4, 1), labelTextColor="#222", labelTextSize="8pt",
                               colCount=4, verSpacing=-6, horSpacing=12)
        legend.setParentItem(self.view)
        self.legend = legend
        # the legend's samples, by layer; only the visible layers are listed
        self._legend_entries = {
            "real": (_swatch(REAL_COLOUR), "real data"),
            "fake": (_swatch(FAKE_COLOUR), "generated G(z)"),
            "arrows": (pg.PlotDataItem(pen=pg.mkPen(ARROW_COLOUR, width=2)), "−∂L_G/∂x"),
            "manifold": (pg.PlotDataItem(pen=pg.mkPen(MANIFOLD_COLOUR, width=2)), "G(z-grid)")}
        self._update_legend()
        self.caption = pg.TextItem("", color="#222", anchor=(1, 1))
        self.caption.setZValue(9)
        self.caption.setParentItem(self.view)
        self.view.sigResized.connect(self._place_caption)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)

    # ---------------------------------------------------------------- geometry
    def set_extent(self, extent: float) -> None:
        self.extent = float(extent)
        if self.field.image is not None:
            self._place_field()
        self.reset_view()

    def _place_field(self) -> None:
        # ImageItem.setRect scales by the image's size, so it needs an image first
        e = self.extent
        self.field.setRect(QRectF(-e, -e, 2 * e, 2 * e))

    def reset_view(self) -> None:
        half = self.extent * VIEW_MARGIN
        self.view.setRange(xRange=(-half, half), yRange=(-half, half), padding=0)

    def _place_caption(self, *_) -> None:
        self.caption.setPos(self.view.width() - 4, self.view.height() + 2)

    # ---------------------------------------------------------------- layers
    def set_layer_visible(self, name: str, on: bool) -> None:
        self.items[name].setVisible(on)
        if name == "field":
            self.bar.setVisible(on)
        self._update_legend()

    def legend_labels(self) -> list[str]:
        """What the legend lists now, in order."""
        return [label.text for _, label in self.legend.items]

    def _update_legend(self) -> None:
        shown = [n for n in self._legend_entries if self.items[n].isVisible()]
        if shown == getattr(self, "_legend_shown", None):
            return
        self._legend_shown = shown
        self.legend.clear()
        for n in shown:
            self.legend.addItem(*self._legend_entries[n])
        self.legend.setVisible(bool(shown))

    def layer_visible(self, name: str) -> bool:
        return self.items[name].isVisible()

    def set_critic(self, critic: bool) -> None:
        """BCE losses: D(x) in [0, 1] on fixed levels. WGAN: an unbounded critic, rescaled."""
        if critic == self.critic:
            return
        self.critic = critic
        self.bar.getAxis("left").setLabel(WGAN_BAR_LABEL if critic else BCE_BAR_LABEL)
        if not critic:
            self._set_levels(0.0, 1.0)

    def _set_levels(self, lo: float, hi: float) -> None:
        if (lo, hi) != self.field_levels:
            self.field_levels = (lo, hi)
            self.bar.setLevels((lo, hi))
        self.field.setLevels((lo, hi))

    # ---------------------------------------------------------------- content
    def set_real(self, points: np.ndarray | None) -> None:
        _scatter(self.real, points)

    def set_fake(self, points: np.ndarray | None) -> None:
        _scatter(self.fake, points)

    def set_field(self, field: np.ndarray | None) -> None:
        if field is None:
            return                           # keep the last one; hidden layers are not computed
        field = np.asarray(field, np.float32)
        if self.critic:
            finite = field[np.isfinite(field)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            if hi - lo < 1e-6:
                lo, hi = lo - 0.5, hi + 0.5
            levels = (lo, hi)
        else:
            levels = (0.0, 1.0)
        first = self.field.image is None or self.field.image.shape != field.shape
        self.field.setImage(np.nan_to_num(field, nan=levels[0]), autoLevels=False, levels=levels)
        if first:
            self._place_field()
        self._set_levels(*levels)

    def set_arrows(self, points: np.ndarray | None, vectors: np.ndarray | None) -> None:
        if points is None or vectors is None or len(points) == 0:
            _clear(self.arrows)
            return
        segs = arrow_segments(np.asarray(points, np.float64), vectors, ARROW_LENGTH / 0.9)
        if len(segs) == 0:
            self.arrows.setData([], [])
        else:
            self.arrows.setData(segs[:, 0], segs[:, 1])

    def set_manifold(self, lines: np.ndarray | None) -> None:
        """L×M×2 polylines, drawn as one curve broken by NaN rows."""
        if lines is None or len(lines) == 0:
            _clear(self.manifold)
            return
        lines = np.asarray(lines, np.float32)
        gaps = np.full((lines.shape[0], 1, 2), np.nan, np.float32)
        xy = np.concatenate([lines, gaps], 1).reshape(-1, 2)
        self.manifold.setData(xy[:, 0], xy[:, 1])

    def set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self._place_caption()

    def fake_positions(self) -> np.ndarray:
        x, y = self.fake.getData()
        return np.stack([np.asarray(x, float), np.asarray(y, float)], 1)

    def real_positions(self) -> np.ndarray:
        x, y = self.real.getData()
        return np.stack([np.asarray(x, float), np.asarray(y, float)], 1)

    def field_image(self) -> np.ndarray | None:
        return None if self.field.image is None else np.array(self.field.image)

    # ---------------------------------------------------------------- drawing
    def set_strokes(self, strokes: list[list[tuple[float, float]]]) -> None:
        parts = []
        for s in strokes:
            a = np.asarray(s, np.float64).reshape(-1, 2)
            if len(a) == 1:                      # a click: a small cross
                a = np.array([[a[0, 0] - 0.05, a[0, 1]], [a[0, 0] + 0.05, a[0, 1]], [np.nan, np.nan],
                              [a[0, 0], a[0, 1] - 0.05], [a[0, 0], a[0, 1] + 0.05]])
            parts += [a, [[np.nan, np.nan]]]
        if not parts:
            self.stroke.setData([], [])
            return
        xy = np.concatenate(parts)
        self.stroke.setData(xy[:, 0], xy[:, 1])

    def set_draw_enabled(self, on: bool) -> None:
        self.draw_enabled = on
        self.plot.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def _stroke_point(self, p: QPointF, new: bool) -> None:    # called by _DrawViewBox
        self.strokePoint.emit(p.x(), p.y(), new)


def _scatter(item: pg.ScatterPlotItem, points: np.ndarray | None) -> None:
    if points is None or len(points) == 0:
        item.setData([], [])
    else:
        item.setData(points[:, 0], points[:, 1])


def _clear(item) -> None:
    """Empty a curve, unless it already is (hidden layers arrive as None every frame)."""
    x, _ = item.getData()
    if x is not None and len(x):
        item.setData([], [])


def _swatch(colour: str) -> pg.ScatterPlotItem:
    """A legend sample: one dot in the layer's colour."""
    return pg.ScatterPlotItem(size=7, pen=None, brush=pg.mkBrush(colour))
