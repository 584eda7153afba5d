"""The interpolation between two noise vectors: G(z_A) and G(z_B), a slider t with the image
G(z(t)) large, a strip of K frames, and export of the strip (PNG) and the morph (GIF)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from models.gan.api import INTERPOLATIONS
from models.imaging import save_gif, save_png, tile

from ... import keys
from ...widgets import ImageView
from ...playback_bar import PlaybackBar
from .digits_export import ask_save_path, write_or_warn

T_STEPS = 100                 # the t slider's resolution
GIF_FRAMES = 32               # each way: the GIF goes A → B → A
MODE_TEXT = {"linear": "Linear", "slerp": "Spherical (slerp)"}
MODE_TIP = ("Linear: z(t) = (1 − t)·z_A + t·z_B. Spherical: along the great circle between them "
            "(White 2016). In many dimensions a Gaussian z lives near a sphere; the linear path "
            "cuts through the low-norm middle where G saw few samples, so its midpoints are "
            "often fainter or blurrier.")


class InterpolationBox(QGroupBox):
    randomRequested = Signal(str)     # "A" or "B"
    swapRequested = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Interpolation from A to B", parent)
        self.model = None
        self.za = self.zb = None
        self.label: int | None = None
        self.frames: np.ndarray | None = None
        ends = QHBoxLayout()
        self.end_views: dict[str, ImageView] = {}
        for name in ("A", "B"):
            col = QVBoxLayout()
            view = ImageView(min_side=84, caption=name)
            view.setToolTip(f"End {name} of the path ({'click' if name == 'A' else 'right-click'} "
                            "a sample in the grid to set it)")
            btn = QPushButton(f"Random {name}")
            btn.setToolTip(f"A fresh random z for end {name}")
            btn.clicked.connect(lambda _=False, n=name: self.randomRequested.emit(n))
            col.addWidget(view, 1)
            col.addWidget(btn)
            ends.addLayout(col)
            self.end_views[name] = view
        self.swap_btn = QPushButton("⇄")
        self.swap_btn.setToolTip(keys.tip("Swap A and B", keys.SWAP))
        self.swap_btn.clicked.connect(self.swapRequested)
        ends.insertWidget(1, self.swap_btn)
        self.mode = QComboBox()
        for key, text in MODE_TEXT.items():
            self.mode.addItem(text, key)
        self.mode.setToolTip(MODE_TIP)
        self.t_bar = PlaybackBar(label="t", fps=25)
        self.t_bar.set_count(T_STEPS + 1)
        self.t_bar.set_formatter(lambda i: f"t = {i / T_STEPS:.2f}", "t = 0.00")
        self.t_bar.setToolTip("t from 0 (A) to 1 (B); play it to watch the morph")
        self.big = ImageView(min_side=200, caption="G(z(t))")
        self.big.setToolTip("The image at the current point of the path")
        self.k = QSpinBox(minimum=3, maximum=16, value=8)
        self.k.setToolTip("Frames in the strip, from A to B inclusive")
        self.strip = ImageView(min_side=60, caption="")
        self.strip.setToolTip("K evenly spaced points of the path, A on the left")
        self.png_btn = QPushButton("Export strip PNG…")
        self.png_btn.setToolTip(keys.tip("Save the strip of frames as a PNG", keys.EXPORT))
        self.gif_btn = QPushButton("Export GIF…")
        self.gif_btn.setToolTip(keys.tip(f"Save the morph A → B → A ({2 * GIF_FRAMES} frames at "
                                         "the playback speed) as an animated GIF", keys.EXPORT_MORE))
        self.png_btn.clicked.connect(lambda: self.export_png())
        self.gif_btn.clicked.connect(lambda: self.export_gif())
        mrow = QHBoxLayout()
        mrow.addWidget(QLabel("Path"))
        mrow.addWidget(self.mode, 1)
        mrow.addWidget(QLabel("Frames"))
        mrow.addWidget(self.k)
        erow = QHBoxLayout()
        erow.addWidget(self.png_btn)
        erow.addWidget(self.gif_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(ends)
        lay.addLayout(mrow)
        lay.addWidget(self.t_bar)
        lay.addWidget(self.big, 3)
        lay.addWidget(self.strip, 1)
        lay.addLayout(erow)
        self.setMinimumWidth(440)
        self.mode.currentIndexChanged.connect(self.refresh_path)
        self.k.valueChanged.connect(self.refresh_path)
        self.t_bar.frameChanged.connect(lambda _: self.refresh_point())

    def set_path(self, model, za, zb, label: int | None) -> None:
        """Draw the path from za to zb under `model` in class `label`; model None clears."""
        self.model, self.za, self.zb, self.label = model, za, zb, label
        for w in (self.png_btn, self.gif_btn, self.swap_btn, self.mode, self.k):
            w.setEnabled(model is not None)
        if model is None:
            self.frames = None
            for v in (self.big, self.strip, *self.end_views.values()):
                v.set_image(None)
            return
        self.refresh_path()

    def refresh_path(self) -> None:
        m = self.model
        if m is None:
            return
        self.end_views["A"].set_image(m.generate(self.za, self.label)[0])
        self.end_views["B"].set_image(m.generate(self.zb, self.label)[0])
        self.frames = m.interpolate(self.za, self.zb, self.k.value(), self.mode.currentData(),
                                    self.label)
        self.strip.set_image(tile(self.frames, len(self.frames), pad=1))
        self.refresh_point()

    def point_z(self, t: float) -> np.ndarray:
        return INTERPOLATIONS[self.mode.currentData()](self.za, self.zb, t)

    def refresh_point(self) -> None:
        if self.model is None:
            return
        t = self.t_bar.index() / T_STEPS
        self.big.set_image(self.model.generate(self.point_z(t), self.label)[0])
        mode = MODE_TEXT[self.mode.currentData()].lower()
        self.big.set_caption(f"G(z(t)) at t = {t:.2f} · {mode}")

    # ------------------------------------------------------------------ export
    def export_png(self, path: str | None = None) -> bool:
        """Save the strip of frames (asking where if `path` is None)."""
        frames = self.frames
        if frames is None:
            return False
        path = path or ask_save_path(self, "Export interpolation strip", "interpolation.png",
                                     "PNG (*.png)")
        return bool(path) and self._write(
            lambda: save_png(tile(frames, len(frames), pad=1), path, scale=3), path)

    def export_gif(self, path: str | None = None) -> bool:
        """Save the morph A → B → A as an animated GIF (asking where if `path` is None)."""
        if self.model is None:
            return False
        path = path or ask_save_path(self, "Export interpolation GIF", "interpolation.gif",
                                     "GIF (*.gif)")
        if not path:
            return False
        way = self.model.interpolate(self.za, self.zb, GIF_FRAMES, self.mode.currentData(),
                                     self.label)
        frames = np.concatenate([way, way[-2:0:-1]])
        return self._write(lambda: save_gif(frames, path, fps=self.t_bar.fps.value(), scale=4),
                           path)

    def _write(self, save, path: str) -> bool:
        if not write_or_warn(self, save, path):
            return False
        self.message.emit(f"Saved {path}")
        return True
