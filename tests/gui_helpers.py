"""Helpers for the GUI tests: a small IDX dataset folder, isolated settings, real mouse input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from idx_files import idx_bytes
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

SMALL_FOLDER_IMAGES = 600


def write_idx_folder(folder: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    """train-* IDX files only: the app splits them 80 / 20 into train and held-out."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train-images-idx3-ubyte").write_bytes(idx_bytes(images))
    (folder / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    return folder


def view_to_viewport(plot, x: float, y: float) -> QPoint:
    """Data coordinates of a LatentPlot → pixel coordinates in its PlotWidget's viewport."""
    scene = plot.view.mapViewToScene(QPointF(x, y))
    return plot.plot.mapFromScene(scene)


def viewport_to_view(plot, pos: QPoint) -> tuple[float, float]:
    p = plot.view.mapSceneToView(plot.plot.mapToScene(pos))
    return p.x(), p.y()


def drag_move(widget, pos: QPoint) -> None:
    """A mouse move with the left button held, as a real drag delivers it."""
    local = QPointF(pos)
    ev = QMouseEvent(QEvent.Type.MouseMove, local, QPointF(widget.mapToGlobal(pos)),
                     Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)
