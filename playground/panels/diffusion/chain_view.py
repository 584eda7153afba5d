"""The chain animation: x_t and the model's guess of x_0, side by side, step by step.

Frames are recorded as the sampling job yields them and are played back from memory, so
scrubbing and playing never wait on the network.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from models.imaging import tile

from ... import keys
from ...widgets import ImageView, format_duration
from .jobs import ChainBegin, ChainDone, ChainFrame8, SampleParams
from ...playback_bar import PlaybackBar

GREY = 128


def grid_columns(n: int) -> int:
    return max(1, math.ceil(math.sqrt(n)))


@dataclass
class ChainRecord:
    """Every frame of one chain: frame 0 is x_T, frame i the state after step i."""
    params: SampleParams
    steps: int
    T: int
    timesteps: tuple[int, ...] = ()    # the t each step denoises, T first (paper's 1-based t)
    x_t: list[np.ndarray] = field(default_factory=list)    # uint8 N×28×28 per frame
    x0: list[np.ndarray] = field(default_factory=list)
    wall_s: float = math.nan
    complete: bool = False

    @property
    def n(self) -> int:
        return len(self.x_t[0]) if self.x_t else 0

    def __len__(self) -> int:
        return len(self.x_t)

    def t_of(self, i: int) -> int:
        """The timestep of the sample in frame i: T for x_T, 0 once the chain reaches x_0."""
        return self.timesteps[i] if i < len(self.timesteps) else 0


class ChainView(QWidget):
    exportGifRequested = Signal()
    exportPngRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.record: ChainRecord | None = None
        self._focus: int | None = None      # None: the whole grid; else one image, large
        self.title = QLabel(f"Press “Sample chain” ({keys.SAMPLE.native()}) to run the reverse process "
                            "from pure noise; every step is recorded and can be replayed.")
        self.title.setWordWrap(True)
        self.x_view = ImageView(min_side=260, caption="x_t")
        self.x0_view = ImageView(min_side=260, caption="predicted x₀")
        self.x_view.setToolTip("x_t, the sample itself: noise that condenses into an image")
        self.x0_view.setToolTip("x̂₀ = (x_t − √(1−ᾱ_t) ε̂)/√ᾱ_t, the model's current guess of "
                                "the final image, clipped to [−1, 1]")
        self.bar = PlaybackBar(fps=30, label="step")
        self.bar.set_formatter(self._position_text, widest="x_T · t = 1000 (pure noise)")
        self.bar.frameChanged.connect(self.show_frame)
        self.show_box = QComboBox()
        self.show_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.show_box.setToolTip("Show every image of the chain as a grid, or one of them large")
        self.show_box.currentIndexChanged.connect(self._focus_changed)
        self.gif_btn = QPushButton("Export GIF…")
        self.gif_btn.setToolTip("Save the chain as an animated GIF: x_t left, x̂₀ right")
        self.png_btn = QPushButton("Export PNG…")
        self.png_btn.setToolTip("Save the grid of final samples as a PNG")
        self.gif_btn.clicked.connect(self.exportGifRequested)
        self.png_btn.clicked.connect(self.exportPngRequested)
        # Space / Left / Right work wherever the focus is inside this view: they go to the slider
        for w in (self.x_view, self.x0_view):
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            w.setFocusProxy(self.bar.slider)
        self.setFocusProxy(self.bar.slider)

        images = QHBoxLayout()
        images.addWidget(self.x_view, 1)
        images.addWidget(self.x0_view, 1)
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Show"))
        tools.addWidget(self.show_box)
        tools.addStretch(1)
        tools.addWidget(self.gif_btn)
        tools.addWidget(self.png_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addLayout(images, 1)
        lay.addWidget(self.bar)
        lay.addLayout(tools)
        self._fill_show_box(0)
        self._update_buttons()

    # ------------------------------------------------------------------ recording
    def reset(self, text: str) -> None:
        """Forget the recorded chain (a new one is on its way)."""
        self.bar.pause()
        self.record = None
        self.title.setText(text)
        self.bar.set_count(0)
        self._update_buttons()

    def begin(self, ev: ChainBegin) -> None:
        self.bar.pause()
        rec = ChainRecord(ev.params, len(ev.timesteps), ev.T, ev.timesteps)
        rec.x_t.append(ev.x_T)
        rec.x0.append(np.full_like(ev.x_T, GREY))
        self.record = rec
        self._fill_show_box(rec.n)
        self.title.setText(f"{ev.params.describe(ev.T)} · {rec.n} images · seed "
                           f"{ev.params.seed} — sampling…")
        self.bar.set_count(1)
        self._update_buttons()

    def add_frames(self, frames: list[ChainFrame8]) -> None:
        rec = self.record
        if rec is None or not frames:
            return
        following = self.bar.index() == len(rec) - 1 and not self.bar.playing
        for f in frames:
            rec.x_t.append(f.x_t)
            rec.x0.append(f.x0)
        self.bar.set_count(len(rec), keep=True)
        if following:   # stay on the newest frame unless the user went elsewhere
            self.bar.set_index(len(rec) - 1)

    def finish(self, done: ChainDone | None) -> None:
        rec = self.record
        if rec is None:
            self.title.setText("Stopped before the first step.")
            return
        rec.complete = done is not None
        if done is not None:
            rec.wall_s = s = done.wall_s
            took = f"{s:.2f} s" if s < 10 else f"{s:.1f} s" if s < 60 else format_duration(s)
            self.title.setText(f"{rec.params.describe(rec.T)} · {rec.n} images · seed "
                               f"{rec.params.seed} · {rec.steps} steps in {took} — press ▶ "
                               "(or Space) to replay")
        else:
            self.title.setText(f"{rec.params.describe(rec.T)} · stopped after {len(rec) - 1} of "
                               f"{rec.steps} steps; the frames so far can be replayed")
        self._update_buttons()

    # ------------------------------------------------------------------ display
    def _position_text(self, i: int) -> str:
        rec = self.record
        if rec is None or not 0 <= i < len(rec):
            return "no chain"
        if i == 0:
            return f"x_T · t = {rec.T} (pure noise)"
        return f"step {i} / {rec.steps} · t = {rec.t_of(i)}"

    def grid(self, frames: np.ndarray) -> np.ndarray:
        if self._focus is not None and self._focus < len(frames):
            return frames[self._focus]
        return tile(frames, grid_columns(len(frames)), pad=1, fill=255)

    def show_frame(self, i: int) -> None:
        rec = self.record
        if rec is None or not 0 <= i < len(rec):
            self.x_view.set_image(None)
            self.x0_view.set_image(None)
            return
        self.x_view.set_image(self.grid(rec.x_t[i]))
        self.x0_view.set_image(self.grid(rec.x0[i]))
        if i == 0:
            self.x_view.set_caption(f"x_T, pure noise (t = {rec.T})")
            self.x0_view.set_caption("predicted x₀: no guess before the first step")
        else:
            t = rec.t_of(i)
            self.x_view.set_caption(f"x_t at t = {t}" if t else "x₀, the finished sample")
            self.x0_view.set_caption(f"predicted x₀, from x_t at t = {rec.timesteps[i - 1]}")

    def _fill_show_box(self, n: int) -> None:
        keep = self._focus
        self.show_box.blockSignals(True)
        self.show_box.clear()
        self.show_box.addItem(f"All {n} images" if n else "All images", None)
        for i in range(n):
            self.show_box.addItem(f"Image {i + 1}", i)
        j = self.show_box.findData(keep) if keep is not None and keep < n else 0
        self.show_box.setCurrentIndex(max(0, j))
        self._focus = self.show_box.currentData()
        self.show_box.blockSignals(False)

    def _focus_changed(self) -> None:
        self._focus = self.show_box.currentData()
        self.show_frame(self.bar.index())

    def _update_buttons(self) -> None:
        have = self.record is not None and len(self.record) > 0
        self.gif_btn.setEnabled(have)
        self.png_btn.setEnabled(have)

    # ------------------------------------------------------------------ export data
    def columns(self) -> int:
        return grid_columns(self.record.n) if self.record else 1

    def final_grid(self) -> np.ndarray | None:
        """The last recorded x_t as one grid, float [0, 1]."""
        if self.record is None or not len(self.record):
            return None
        return tile(self.record.x_t[-1], self.columns(), pad=1, fill=255).astype(np.float32) / 255
