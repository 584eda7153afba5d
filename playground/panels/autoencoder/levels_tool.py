"""The Levels tool (hierarchical VAE only): what does each level of z₂ → z₁ → x hold?

For one held-out image, z₂ and z₁ sit at their posterior means and ε₁ = (z₁ − μ_p(z₂)) / σ_p(z₂)
is the bottom level's own noise. Then
  * "new top z₂, same bottom ε₁": z₁ = μ_p(z₂') + σ_p(z₂') ε₁ with z₂' ~ N(0, I);
  * "same top z₂, new bottom ε₁": z₁ = μ_p(z₂) + σ_p(z₂) ε₁' with ε₁' ~ N(0, I).
If the top holds the global content (class, shape), the first row changes it and the second
keeps it while varying details (see AutoencoderModel.resample_levels).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from models.imaging import tile

from ...widgets import ImageView
from .space import LatentSpace
from .tools import _Tool, _export_png

COLUMNS = 6


class LevelsTool(_Tool):
    """Resample the top or the bottom level of a hierarchical VAE for one held-out image."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.seed = 0
        self.result: dict[str, np.ndarray] | None = None
        self.index = QSpinBox(minimum=0, maximum=0)
        self.index.setToolTip("Which held-out image (click a point on the plot to pick the "
                              "image nearest to it)")
        self.resample_btn = QPushButton("Resample")
        self.resample_btn.setToolTip("New draws of z₂ and of ε₁ for both rows")
        self.export_btn = QPushButton("Export PNG…")
        self.export_btn.setToolTip("Save the input, its reconstruction and both rows as a PNG")
        self.input_view = ImageView(min_side=90, caption="input x")
        self.recon_view = ImageView(min_side=90, caption="reconstruction")
        self.top_view = ImageView(min_side=70)
        self.top_view.setToolTip("z₂ drawn anew from N(0, I), the bottom's ε₁ kept")
        self.bottom_view = ImageView(min_side=70)
        self.bottom_view.setToolTip("z₂ kept at its posterior mean, ε₁ drawn anew")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.index.valueChanged.connect(lambda _: self.update_images())
        self.resample_btn.clicked.connect(self.resample)
        self.export_btn.clicked.connect(lambda: _export_png(self, self.mosaic(), "levels.png"))

        top = QHBoxLayout()
        top.addWidget(QLabel("held-out image #"))
        top.addWidget(self.index)
        top.addWidget(self.resample_btn, 1)
        top.addWidget(self.export_btn)
        pair = QHBoxLayout()
        pair.addWidget(self.input_view)
        pair.addWidget(self.recon_view)
        rows = QGridLayout()
        rows.addWidget(QLabel("new top z₂,\nsame bottom ε₁"), 0, 0)
        rows.addWidget(self.top_view, 0, 1)
        rows.addWidget(QLabel("same top z₂,\nnew bottom ε₁"), 1, 0)
        rows.addWidget(self.bottom_view, 1, 1)
        rows.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(pair, 2)
        lay.addLayout(rows, 2)
        lay.addWidget(self.note)

    @staticmethod
    def applies(space: LatentSpace | None) -> bool:
        return space is not None and space.model.kind == "hvae"

    def set_space(self, space: LatentSpace | None) -> None:
        super().set_space(space)
        ok = self.applies(space)
        for w in (self.index, self.resample_btn, self.export_btn):
            w.setEnabled(ok)
        if not ok:
            self.result = None
            for v in (self.input_view, self.recon_view, self.top_view, self.bottom_view):
                v.set_image(None)
            self.note.setText("Only the hierarchical VAE (z₂ → z₁ → x) has two levels to "
                              "resample. Train one with kind = hvae.")
            return
        self.index.blockSignals(True)
        self.index.setMaximum(max(0, len(space.images) - 1))
        self.index.blockSignals(False)
        self.note.setText("Top row: the top level z₂ drawn anew, the bottom's own noise ε₁ "
                          "kept; bottom row: z₂ kept, ε₁ drawn anew. What stays the same in a "
                          "row is what the level that was kept holds.")
        if self.isVisible():
            self.update_images()

    def pick_near(self, x: float, y: float) -> None:
        """Select the held-out image whose code is nearest the plane point (x, y)."""
        if not self.applies(self.space) or not len(self.space.latents):
            return
        d = np.sum((self.space.plane - np.array([x, y], np.float32)) ** 2, 1)
        self.index.setValue(int(np.argmin(d)))     # updates the images if shown

    def resample(self) -> None:
        self.seed += 1
        self.update_images()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.update_images()

    def update_images(self) -> None:
        if not self.isVisible() or not self.applies(self.space) or not len(self.space.images):
            return
        i = min(self.index.value(), len(self.space.images) - 1)
        x = self.space.images[i:i + 1]
        out = self.space.model.resample_levels(x, COLUMNS, seed=self.seed)
        self.result = {"input": np.asarray(x[0], np.float32) / (255.0 if x.dtype == np.uint8
                                                                 else 1.0),
                       "recon": out["input"][0], "top": out["top"][0], "bottom": out["bottom"][0]}
        self.input_view.set_image(self.result["input"])
        self.recon_view.set_image(self.result["recon"])
        self.top_view.set_image(tile(self.result["top"], ncols=COLUMNS, pad=2))
        self.bottom_view.set_image(tile(self.result["bottom"], ncols=COLUMNS, pad=2))

    def mosaic(self) -> np.ndarray | None:
        """Input, reconstruction (first row), then the two resampled rows, for export."""
        r = self.result
        if r is None:
            return None
        blank = np.ones((COLUMNS - 2, 28, 28), np.float32)
        first = np.concatenate([r["input"][None], r["recon"][None], blank])
        return tile(np.concatenate([first, r["top"], r["bottom"]]), ncols=COLUMNS, pad=2)
