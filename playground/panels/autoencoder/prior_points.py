"""The "your points" prior of the AAE and WAE: load a point file or click points onto a
small canvas. Every change is checked (models.autoencoder.priors.check_user_points); a set
that fails the check is not used, and the last good one stays, with the reason on screen.

The canvas is its own square plot rather than a mode of the latent plot: the prior is chosen
before the model exists, and the plane it is drawn in is the prior's own (z ∈ [−4, 4]²).
"""
from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from models.autoencoder.priors import MAX_POINTS, MIN_POINTS, check_user_points, load_prior_points

from ... import settings as app_settings

HALF = 4.0            # the canvas shows [−4, 4]²: the mixture prior's circle (radius 4) fits
DRAG_SPACING = 0.15   # a drag adds a point every this much of the plane, not every mouse event
# the last good set, rounded: ~20 characters a point, so 5,000 points fit in the limit
PRIOR_POINTS = app_settings.Setting("autoencoder/prior_points", [], app_settings.list_of(
    app_settings.point, max_len=MAX_POINTS), max_chars=300_000)
OPEN_DIR = app_settings.Setting("autoencoder/prior_points_dir", "", app_settings.path, kind="str")


class _ClickViewBox(pg.ViewBox):
    """Left press adds a point, a left drag adds a trail of them; no panning or zooming (the
    prior's plane stays put)."""

    def __init__(self, canvas: "PointsCanvas"):
        super().__init__(enableMouse=False, enableMenu=False)
        self._canvas = canvas
        self._last = None

    def mousePressEvent(self, ev):  # noqa: N802 (Qt name)
        if ev.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(ev)
        ev.accept()
        p = self.mapToView(ev.pos())
        self._last = (p.x(), p.y())
        self._canvas.add_points([self._last])

    def mouseMoveEvent(self, ev):  # noqa: N802
        if self._last is None:
            return super().mouseMoveEvent(ev)
        ev.accept()
        p = self.mapToView(ev.pos())
        if np.hypot(p.x() - self._last[0], p.y() - self._last[1]) >= DRAG_SPACING:
            self._last = (p.x(), p.y())
            self._canvas.add_points([self._last], finished=False)

    def mouseReleaseEvent(self, ev):  # noqa: N802
        if self._last is None or ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(ev)
        ev.accept()
        self._last = None
        self._canvas.edited.emit()

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802
        ev.ignore() if ev.button() != Qt.MouseButton.LeftButton else ev.accept()


class PointsCanvas(pg.PlotWidget):
    """A square plot of the drawn points. `edited` fires when a click or a drag ends."""
    edited = Signal()

    def __init__(self, parent=None):
        self.box = _ClickViewBox(self)
        super().__init__(parent, viewBox=self.box)
        self.setBackground("w")
        self.box.setRange(xRange=(-HALF, HALF), yRange=(-HALF, HALF), padding=0)
        self.box.setAspectLocked(True)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.hideButtons()
        self.setFixedSize(200, 200)
        self.setToolTip("Click to add a point; drag to add a trail of them. The prior draws "
                        f"from these points (plus a little noise); at least {MIN_POINTS}.")
        self.scatter = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(31, 119, 180, 200))
        self.addItem(self.scatter)
        self.points = np.zeros((0, 2), np.float32)

    def set_points(self, pts) -> None:
        self.points = np.asarray(pts, np.float32).reshape(-1, 2).copy()
        self.scatter.setData(self.points[:, 0], self.points[:, 1])

    def add_points(self, pts, finished: bool = False) -> None:
        self.set_points(np.concatenate([self.points, np.asarray(pts, np.float32)]))
        if finished:
            self.edited.emit()


class PriorPointsBox(QWidget):
    """Load points…, Draw (shows the canvas), Clear; the count in use and, in red, why the
    last file or drawing was refused. `points()` is the last good set (or None)."""
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._points: np.ndarray | None = None
        self.load_btn = QPushButton("Load…")
        self.load_btn.setToolTip("Load the prior's points from a .csv / .txt file (x, y per row) "
                                 f"or a .npy N×2 array: {MIN_POINTS} to {MAX_POINTS:,} points")
        self.draw_btn = QPushButton("Draw")
        self.draw_btn.setCheckable(True)
        self.draw_btn.setToolTip("Show a canvas to click or drag points onto")
        self.clear_btn = QPushButton("Clear")
        self.clear_btn.setToolTip("Empty the canvas to draw afresh (training keeps the last "
                                  f"good set until {MIN_POINTS} new points are drawn)")
        self.count = QLabel()
        self.count.setToolTip("How many points the prior is drawn from now")
        self.count.setWordWrap(True)        # the column's width is the form's, not this line's
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.canvas = PointsCanvas()
        self.canvas.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for b in (self.load_btn, self.draw_btn, self.clear_btn):
            b.setMinimumWidth(64)       # narrower than Qt's 80 px: the column must not widen
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.count)
        lay.addWidget(self.error)
        lay.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        self.error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.load_btn.clicked.connect(lambda: self.load())
        self.draw_btn.toggled.connect(self.canvas.setVisible)
        self.clear_btn.clicked.connect(self.clear_drawing)
        self.canvas.edited.connect(self._drawn)
        saved = PRIOR_POINTS.get()
        try:
            self._accept(check_user_points(saved) if saved else None, save=False)
        except ValueError:          # a stored set the checks now refuse: start with none
            self._accept(None, save=False)

    def points(self) -> np.ndarray | None:
        return None if self._points is None else self._points.copy()

    def _accept(self, pts: np.ndarray | None, save: bool = True) -> None:
        self._points = pts
        self.canvas.set_points(pts if pts is not None else np.zeros((0, 2)))
        self.count.setText(f"{len(pts):,} points in use" if pts is not None else
                           f"No points yet: load a file or draw at least {MIN_POINTS}.")
        self._refuse(None)
        if save:
            PRIOR_POINTS.set(np.round(pts, 4).tolist() if pts is not None else [])
        self.changed.emit()

    def _refuse(self, reason: str | None) -> None:
        kept = (f" Training uses the last good set ({len(self._points):,} points)."
                if self._points is not None else "")
        self.error.setText(f"{reason}{kept}" if reason else "")
        self.error.setVisible(bool(reason))

    def load(self, path: str | None = None) -> bool:
        """Read a point file (asking for it when `path` is None); a bad one is a message box
        and the set in use stays."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Prior points", OPEN_DIR.get(),
                                                  "Points (*.csv *.txt *.npy);;All files (*)")
            if not path:
                return False
        try:
            pts = load_prior_points(path)
        except ValueError as exc:
            self._refuse(f"Not loaded: {exc}.")
            QMessageBox.warning(self, "Prior points", f"{exc}\n\nThe points in use are kept.")
            return False
        OPEN_DIR.set(os.path.dirname(os.path.abspath(path)))
        self._accept(pts)
        return True

    def clear_drawing(self) -> None:
        self.canvas.set_points(np.zeros((0, 2)))
        self.draw_btn.setChecked(True)
        self._refuse(f"The canvas is empty; draw at least {MIN_POINTS} points.")

    def _drawn(self) -> None:
        """A click or drag ended: the drawing is the prior if it passes the checks."""
        try:
            pts = check_user_points(self.canvas.points)
        except ValueError as exc:
            drawn = self.canvas.points
            self._refuse(f"Drawing not used yet ({len(drawn)} point(s)): {exc}.")
            return
        self._accept(pts)
