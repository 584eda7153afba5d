"""AE and VAE side by side on the same held-out images: where is the latent space empty?"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from models.imaging import tile
from models.latent import grid_points

from ...latent_plot import LatentPlot
from ...widgets import ImageView
from .space import LatentSpace

GRID_N = 12


class _Side:
    def __init__(self, title: str):
        self.space: LatentSpace | None = None
        self.plot = LatentPlot(title)
        self.image = ImageView(min_side=120)
        self.grid = ImageView(min_side=160, caption="visible region")
        self.plot.legend.hide()  # the main plot has the legend; here it would hide data
        self.plot.pointPicked.connect(self.decode_at)
        # auto-range settles after layout, so re-decode shortly after any range change
        self._timer = QTimer(singleShot=True, interval=60)
        self._timer.timeout.connect(self.render_grid)
        self.plot.view.sigRangeChanged.connect(lambda *_: self._timer.start())

    def set_space(self, space: LatentSpace | None) -> None:
        self.space = space
        if space is None:
            self.plot.set_points(np.zeros((0, 2)), np.zeros(0, int), ())
            self.image.set_image(None)
            self.grid.set_image(None)
            return
        self.plot.set_points(space.plane, space.labels, space.classes)
        self.plot.set_axes(space.axis_names(), space.axis_notes())
        self.plot.auto_range()
        self.decode_at(0.0, 0.0)

    def decode_at(self, x: float, y: float) -> None:
        if self.space is not None:
            self.plot.set_cursor(x, y)
            self.image.set_image(self.space.decode_plane([x, y])[0])
            self.image.set_caption(f"({x:.2f}, {y:.2f})")

    def render_grid(self) -> None:
        if self.space is not None:
            xr, yr = self.plot.visible_range()
            self.grid.set_image(tile(self.space.decode_plane(grid_points(xr, yr, GRID_N)), GRID_N))


class CompareView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.sides = {"ae": _Side("Autoencoder"), "vae": _Side("Variational autoencoder")}
        lay = QGridLayout(self)
        note = QLabel("Click or drag in either plane. The AE packs codes wherever it likes, leaving gaps "
                      "that decode to nonsense; the VAE's KL term pulls codes towards N(0, I), so the "
                      "plane around the origin is filled and every point decodes to something like the data (a digit, a garment). Colours are the classes, as in the main plot.")
        note.setWordWrap(True)
        lay.addWidget(note, 0, 0, 1, 4)
        for col, side in enumerate(self.sides.values()):
            lay.addWidget(side.plot, 1, 2 * col, 1, 2)
            lay.addWidget(side.image, 2, 2 * col)
            lay.addWidget(side.grid, 2, 2 * col + 1)
        lay.setRowStretch(1, 3)
        lay.setRowStretch(2, 2)

    def set_spaces(self, ae: LatentSpace | None, vae: LatentSpace | None) -> None:
        self.sides["ae"].set_space(ae)
        self.sides["vae"].set_space(vae)

    def render_grids(self) -> None:
        for side in self.sides.values():
            side.render_grid()
