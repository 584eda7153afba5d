"""The one transport bar of the app, for anything shown frame by frame: scrub, play / pause,
step, speed. The diffusion chain and forward process, the 2-D sampler, the GAN's and the
autoencoder's morphs all play through it.

It owns only an index and a timer; whoever holds the frames listens to `frameChanged` and
draws. Frames must be cheap to show (computed already, or one small decode), so playing
never waits on a model.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QSlider, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from . import keys
from .widgets import set_button_text


class PlaybackBar(QWidget):
    """At the last frame, playing stops, or starts over (`loop`), or turns back and forth
    (`bounce`, e.g. a morph A → B → A). `stride` frames go by per tick (a fine slider that
    plays at a coarser pace); `play_key` is a shortcut for Play / pause anywhere in the
    window (Space always works while the slider has focus); `words` labels the play button
    "▶ Play" / "❚❚ Pause" instead of the bare symbols; `two_rows` puts the slider above the
    buttons, for a narrow column."""

    frameChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None, fps: int = 30, label: str = "frame",
                 loop: bool = False, bounce: bool = False, stride: int = 1,
                 play_key: str | None = None, words: bool = False, two_rows: bool = False):
        super().__init__(parent)
        self._loop, self._bounce = loop, bounce
        self._stride, self._direction = max(1, int(stride)), 1
        self._words = words
        self._label_text = label
        self._format = lambda i: f"{label} {i}"
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.valueChanged.connect(self._on_value)
        self.play_button = QToolButton()
        self.play_button.setCheckable(True)
        if play_key:    # one of the table's keys for Play / pause (Ctrl+Shift+P)
            keys.bind_button(self.play_button, keys.PLAY, only=play_key)
        self.play_button.setToolTip(f"Play / pause ({play_key}); Space too while the slider has "
                                    "focus" if play_key else
                                    "Play / pause (Space when the slider has focus)")
        self._show_playing(False)
        self.play_button.toggled.connect(self._on_play)
        self.back_button = QToolButton(text="◀|")
        self.back_button.setToolTip("One frame back (Left)")
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QToolButton(text="|▶")
        self.next_button.setToolTip("One frame forward (Right)")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.fps = QSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(fps)
        self.fps.setSuffix(" fps")
        self.fps.setToolTip("Playback speed in frames per second")
        self.fps.valueChanged.connect(self._set_interval)
        self.position = QLabel()
        # fixed, so that the text changing on every frame never re-lays out the window
        self.position.setFixedSize(110, self.position.fontMetrics().height() + 4)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._set_interval(fps)
        if two_rows:
            # for a narrow column: the slider and its position get a row to themselves
            lay = QVBoxLayout(self)
            lay.setContentsMargins(0, 0, 0, 0)
            top, row = QHBoxLayout(), QHBoxLayout()
            lay.addLayout(top)
            lay.addLayout(row)
            top.addWidget(self.slider, 1)
            top.addWidget(self.position)
            for w in (self.play_button, self.back_button, self.next_button, self.fps):
                row.addWidget(w)
            row.addStretch(1)
        else:
            row = QHBoxLayout(self)
            row.setContentsMargins(0, 0, 0, 0)
            for w in (self.play_button, self.back_button, self.next_button):
                row.addWidget(w)
            row.addWidget(self.slider, 1)
            row.addWidget(self.position)
            row.addWidget(self.fps)
        keys.shortcut(keys.PLAY, self.slider, self.play_button.toggle,
                      "Play or pause the animation (while its slider has the focus)",
                      Qt.ShortcutContext.WidgetShortcut, only="Space")
        self._update_label()

    # ---------------------------------------------------------------- API
    def set_count(self, n: int, keep: bool = False) -> None:
        """There are `n` frames; go to the first one unless `keep`."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, n - 1))
        if not keep:
            self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._update_label()
        self.frameChanged.emit(self.slider.value())

    def set_formatter(self, fmt, widest: str | None = None) -> None:
        """`fmt(index) -> str` for the position label (e.g. "t = 731"); `widest` is the longest
        text it will show: the label takes just its width (the slider the rest)."""
        self._format = fmt
        if widest is not None:
            self.position.setFixedWidth(self._label_width(widest))
        self._update_label()

    def _label_width(self, text: str) -> int:
        return self.position.fontMetrics().horizontalAdvance(text) + 8

    def count(self) -> int:
        return self.slider.maximum() + 1

    def index(self) -> int:
        return self.slider.value()

    def set_index(self, i: int) -> None:
        self.slider.setValue(max(0, min(self.slider.maximum(), int(i))))

    def step(self, delta: int) -> None:
        self.set_index(self.index() + delta)

    def play(self) -> None:
        self.play_button.setChecked(True)

    def pause(self) -> None:
        self.play_button.setChecked(False)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    # ---------------------------------------------------------------- internals
    def _set_interval(self, fps: int) -> None:
        self._timer.setInterval(max(1, round(1000 / fps)))

    def _show_playing(self, on: bool) -> None:
        if self._words:
            text = "❚❚ Pause" if on else "▶ Play"
        else:
            text = "❚❚" if on else "▶"
        set_button_text(self.play_button, text)      # keeps `play_key`

    def _on_play(self, on: bool) -> None:
        self._show_playing(on)
        if on:
            if not self._bounce and self.index() >= self.slider.maximum() and self.count() > 1:
                self.set_index(0)
            self._timer.start()
        else:
            self._timer.stop()

    def _tick(self) -> None:
        i, last = self.index(), self.slider.maximum()
        if self._bounce:
            nxt = i + self._direction * self._stride
            if nxt >= last or nxt <= 0:
                self._direction *= -1
            self.set_index(nxt)             # set_index clamps to the ends
        elif i < last:
            self.set_index(min(last, i + self._stride))
        elif self._loop:
            self.set_index(0)
        else:
            self.pause()

    def _on_value(self, i: int) -> None:
        self._update_label()
        self.frameChanged.emit(i)

    def _update_label(self) -> None:
        self.position.setText(self._format(self.index()))
