"""Morphing between two codes: α on the app's playback bar (scrub, Play A → B → A, speed), and
PNG-strip / GIF export."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QGridLayout, QHBoxLayout, QMessageBox,
                               QPushButton, QSpinBox, QVBoxLayout)

from models.imaging import save_gif, save_png, tile
from models.latent import interpolate

from ... import keys
from ...playback_bar import PlaybackBar
from ...widgets import ImageView
from .tools import _Tool

STRIP_FRAMES = 10
GIF_FRAMES = 40
STEPS = 1000            # α moves in steps of 1/STEPS on the slider
PLAY_STRIDE = 20        # and by 20 of them per frame when playing: A → B in 50 frames


class MorphTool(_Tool):
    """Decode (1−α)·z_A + α·z_B (or the slerp between them) as α moves from 0 to 1."""
    pickRequested = Signal(str)         # "a" or "b": the plot should take the next click
    endpointsChanged = Signal(object, object)   # plane coordinates of A and B (or None)
    frameMoved = Signal(object, float)  # plane coordinates of the frame at α, and α

    def __init__(self, parent=None):
        super().__init__(parent)
        self.z = {"a": None, "b": None}
        self.pick_a = QPushButton("Pick A on plot")
        self.pick_b = QPushButton("Pick B on plot")
        self.pick_a.setToolTip("Then click a point in the latent plot")
        self.pick_b.setToolTip("Then click a point in the latent plot")
        self.pick_a.clicked.connect(lambda: self.pickRequested.emit("a"))
        self.pick_b.clicked.connect(lambda: self.pickRequested.emit("b"))
        self.idx_a, self.idx_b = QSpinBox(maximum=0), QSpinBox(maximum=0, value=0)
        use_a, use_b = QPushButton("A = held-out #"), QPushButton("B = held-out #")
        use_a.clicked.connect(lambda: self.set_index("a", self.idx_a.value()))
        use_b.clicked.connect(lambda: self.set_index("b", self.idx_b.value()))
        self.bar = PlaybackBar(fps=30, label="α", bounce=True, stride=PLAY_STRIDE,
                               play_key=keys.PLAY.keys[1], words=True, two_rows=True)
        self.bar.set_count(STEPS + 1)
        self.bar.set_index(STEPS // 2)
        self.bar.set_formatter(lambda i: f"α = {i / STEPS:.2f}", "α = 0.00")
        self.slider, self.play_btn, self.alpha_label = \
            self.bar.slider, self.bar.play_button, self.bar.position
        self.slider.setToolTip("α: 0 shows A, 1 shows B (←/→ step, Space plays)")
        self.play_btn.setToolTip(keys.tip("Play the morph from A to B and back", keys.PLAY))
        self.bar.frameChanged.connect(lambda _: self.update_frame())
        self.spherical = QCheckBox("Spherical (slerp)")
        self.spherical.setToolTip("Interpolate along the great circle between z_A and z_B")
        self.spherical.toggled.connect(self.refresh)
        self.png_btn = QPushButton("Export strip…")
        keys.bind_button(self.png_btn, keys.EXPORT, "Save the strip A → B as a PNG")
        self.gif_btn = QPushButton("Export GIF…")
        keys.bind_button(self.gif_btn, keys.EXPORT_MORE, "Save the morph as an animated GIF")
        self.png_btn.clicked.connect(self.export_strip)
        self.gif_btn.clicked.connect(self.export_gif)
        self.frame = ImageView(min_side=150)
        self.strip = ImageView(min_side=40, caption="A → B")

        grid = QGridLayout()
        grid.addWidget(self.pick_a, 0, 0)
        grid.addWidget(self.pick_b, 0, 1)
        grid.addWidget(self.idx_a, 1, 0)
        grid.addWidget(use_a, 1, 1)
        grid.addWidget(self.idx_b, 2, 0)
        grid.addWidget(use_b, 2, 1)
        controls = QHBoxLayout()
        controls.addWidget(self.spherical)
        controls.addStretch(1)
        controls.addWidget(self.png_btn)
        controls.addWidget(self.gif_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addWidget(self.bar)
        lay.addLayout(controls)
        lay.addWidget(self.frame, 3)
        lay.addWidget(self.strip, 1)
        self._enable()

    # ------------------------------------------------------------------ endpoints
    def set_space(self, space) -> None:
        changed = space is None or self.space is None or space.model is not self.space.model
        super().set_space(space)
        if space is None:
            return
        top = max(0, len(space.images) - 1)
        self.idx_a.setMaximum(top)
        self.idx_b.setMaximum(top)
        if changed or any(z is None or len(z) != space.model.latent_dim for z in self.z.values()):
            # default: the first held-out images of two different classes
            first = {int(c): i for i, c in reversed(list(enumerate(space.labels)))}
            a, b = (sorted(first.values()) + [0, min(1, top)])[:2]
            self.idx_a.setValue(a)
            self.idx_b.setValue(b)
            self.z = {"a": space.latents[a].copy(), "b": space.latents[b].copy()} if len(space.latents) else {"a": None, "b": None}
        self.refresh()

    def set_endpoint(self, which: str, z: np.ndarray) -> None:
        self.z[which] = np.asarray(z, np.float32).reshape(-1)
        self.refresh()

    def set_index(self, which: str, i: int) -> None:
        if self.space is not None and len(self.space.latents):
            self.set_endpoint(which, self.space.latents[i])

    def _enable(self) -> None:
        ok = self.space is not None and all(z is not None for z in self.z.values())
        for w in (self.bar, self.png_btn, self.gif_btn, self.spherical):
            w.setEnabled(ok)
        if not ok:
            self.bar.pause()

    # ------------------------------------------------------------------ frames
    @property
    def alpha(self) -> float:
        return self.bar.index() / STEPS

    def codes(self, alphas) -> np.ndarray:
        sph = self.spherical.isChecked()
        return np.stack([interpolate(self.z["a"], self.z["b"], float(t), sph) for t in alphas])

    def refresh(self) -> None:
        self._enable()
        if not self.slider.isEnabled():
            return
        a, b = self.space.to_plane(self.z["a"])[0], self.space.to_plane(self.z["b"])[0]
        self.endpointsChanged.emit(a, b)
        frames = self.space.model.decode(self.codes(np.linspace(0, 1, STRIP_FRAMES)))
        self.strip.set_image(tile(frames, ncols=STRIP_FRAMES, pad=1))
        self.update_frame()

    def update_frame(self) -> None:
        if self.slider.isEnabled():
            z = self.codes([self.alpha])
            self.frame.set_image(self.space.model.decode(z)[0])
            self.frameMoved.emit(self.space.to_plane(z)[0], self.alpha)

    def stop(self) -> None:
        self.bar.pause()

    # ------------------------------------------------------------------ export
    def _ask(self, title: str, name: str, filt: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, name, filt)
        return path

    def export_strip(self, path: str | None = None) -> None:
        path = path or self._ask("Export morph strip", "morph.png", "PNG image (*.png)")
        if path:
            frames = self.space.model.decode(self.codes(np.linspace(0, 1, STRIP_FRAMES)))
            self._write(lambda: save_png(tile(frames, ncols=STRIP_FRAMES, pad=1), path, scale=3), path)

    def export_gif(self, path: str | None = None) -> None:
        path = path or self._ask("Export morph GIF", "morph.gif", "GIF animation (*.gif)")
        if path:
            t = np.linspace(0, 1, GIF_FRAMES // 2)
            frames = self.space.model.decode(self.codes(np.concatenate([t, t[::-1]])))
            self._write(lambda: save_gif(frames, path, fps=20, scale=4), path)

    def _write(self, action, path: str) -> None:
        try:
            action()
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")
