"""Morphing between two codes: a live slider, Play, and PNG-strip / GIF export."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QMessageBox, QPushButton, QSlider, QSpinBox, QVBoxLayout)

from models.imaging import save_gif, save_png, tile
from models.latent import interpolate

from ...widgets import ImageView, set_button_text
from .tools import _Tool

STRIP_FRAMES = 10
GIF_FRAMES = 40


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
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=1000, value=500)
        self.slider.setToolTip("α: 0 shows A, 1 shows B")
        self.slider.valueChanged.connect(self.update_frame)
        self.alpha_label = QLabel("α = 0.50")
        self.spherical = QCheckBox("Spherical (slerp)")
        self.spherical.setToolTip("Interpolate along the great circle between z_A and z_B")
        self.spherical.toggled.connect(self.refresh)
        self.play_btn = QPushButton("▶ Play")
        self.play_btn.setCheckable(True)
        self.play_btn.setShortcut("Ctrl+Shift+P")
        self.play_btn.setToolTip("Play the morph from A to B and back (Ctrl+Shift+P)")
        self.play_btn.toggled.connect(self._play)
        self.png_btn = QPushButton("Export strip…")
        self.gif_btn = QPushButton("Export GIF…")
        self.png_btn.clicked.connect(self.export_strip)
        self.gif_btn.clicked.connect(self.export_gif)
        self.frame = ImageView(min_side=150)
        self.strip = ImageView(min_side=40, caption="A → B")
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)
        self._direction = 1

        grid = QGridLayout()
        grid.addWidget(self.pick_a, 0, 0)
        grid.addWidget(self.pick_b, 0, 1)
        grid.addWidget(self.idx_a, 1, 0)
        grid.addWidget(use_a, 1, 1)
        grid.addWidget(self.idx_b, 2, 0)
        grid.addWidget(use_b, 2, 1)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.alpha_label)
        controls = QHBoxLayout()
        for w in (self.play_btn, self.spherical):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.png_btn)
        controls.addWidget(self.gif_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addLayout(row)
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
        for w in (self.slider, self.play_btn, self.png_btn, self.gif_btn, self.spherical):
            w.setEnabled(ok)

    # ------------------------------------------------------------------ frames
    @property
    def alpha(self) -> float:
        return self.slider.value() / 1000.0

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
        self.alpha_label.setText(f"α = {self.alpha:.2f}")
        if self.slider.isEnabled():
            z = self.codes([self.alpha])
            self.frame.set_image(self.space.model.decode(z)[0])
            self.frameMoved.emit(self.space.to_plane(z)[0], self.alpha)

    def _play(self, on: bool) -> None:
        set_button_text(self.play_btn, "❚❚ Pause" if on else "▶ Play")   # keeps Ctrl+Shift+P
        (self._timer.start if on else self._timer.stop)()

    def _tick(self) -> None:
        v = self.slider.value() + self._direction * 20
        if v >= 1000 or v <= 0:
            self._direction *= -1
        self.slider.setValue(int(np.clip(v, 0, 1000)))

    def stop(self) -> None:
        self.play_btn.setChecked(False)

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
