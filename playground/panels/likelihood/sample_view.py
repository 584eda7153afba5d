"""The Sample tab: watch the model draw an image pixel by pixel, in raster order.

Left, the image being drawn, with a red square on the pixel drawn last; beside it, the heat
map of p(x_i = 1 | x_<i) at every position given what is drawn so far (one forward pass of
the masked network, `model.conditionals`). The readout names the pixel, its probability, what
was drawn and the exact log p of the pixels so far. Right, 16 complete samples at once, on a
worker thread (a PixelCNN needs one network pass per pixel: seconds on a CPU).

The drawing runs on the GUI thread from a QTimer: each tick draws the pixels that are due at
the chosen speed, at most as many as fit in a short tick (the model sets the top speed; the
view measures and shows it). Draws come from a RasterSampler seeded from the seed box, so a
seed always draws the same digit: the one `model.sample(1, generator=seed)` gives.
"""
from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractButton, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSlider, QSpinBox, QVBoxLayout,
                               QWidget)

from models.imaging import save_png, tile
from models.likelihood.stepwise import RasterSampler, fill_job

from ... import keys
from ... import settings as app_settings
from ...widgets import ImageView, set_button_text
from ...worker import JobRunner
from .sampling_widgets import (MAX_SEED, NO_MODEL, TopCanvas, ask_save_path, colour_bar,
                               grey_rgb, heat_rgba, save_rgb, upscale,
                               write_or_warn)

INSTANT = 0
SPEEDS = (1, 2, 5, 10, 25, 50, 100, 200, 400, 784, INSTANT)     # pixels per second
DEFAULT_SPEED = SPEEDS.index(25)
SETTINGS = app_settings.Setting("likelihood/sample", {}, app_settings.record(
    speed=app_settings.integer(0, len(SPEEDS) - 1), seed=app_settings.integer(0, MAX_SEED)))
TICK_MS = 33          # the timer while playing (~30 pictures a second)
TICK_S = 0.06         # a playing tick draws at most what fits in this (heat map included)
FINISH_S = 0.1        # a finishing tick: longer pieces, the window still answers between them
GRID = 16
ARROWS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
          Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End}


def fmt_p(p: float) -> str:
    """A probability with the digits that matter: 0.83, 0.9973, 3.2e-05."""
    if not math.isfinite(p):
        return "nan"
    if 0.01 <= p <= 0.99:
        return f"{p:.2f}"
    if p >= 1e-4:
        return f"{p:.4f}"
    return f"{p:.1e}"


class SpeedSlider(QSlider):
    """Keeps its arrow keys while it has the focus (elsewhere in the tab Right draws a pixel)."""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in ARROWS:
            event.accept()
            return True
        return super().event(event)


class KeepSpace(QObject):
    """On a focused button, Space presses the button (as everywhere in Qt) rather than
    playing: the tab's Space shortcut would otherwise take the key first."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if (event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space
                and not event.modifiers()):
            event.accept()
            return True
        return False


class SampleView(QWidget):
    message = Signal(str)

    def __init__(self, source, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source, self.device, self.data_dir = source, device, data_dir
        self.model = None
        self.sampler: RasterSampler | None = None
        self.conditionals: np.ndarray | None = None    # S×S, given the pixels drawn so far
        self.log_p = 0.0                                # log p(x_<i) of the pixels drawn so far
        self.grid_images: np.ndarray | None = None      # the last 16 samples, 16×S×S uint8
        self._finishing = False
        self._chunk = 1            # the most positions a tick draws; adapts to the model's pace
        self._clock = QElapsedTimer()
        self._paid = 0             # pixels scheduled since Play (drawn, or dropped as too slow)
        self._drawn = 0            # pixels drawn since Play: the speed reached
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.runner = JobRunner(self)
        self._job_model = None
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)   # a click in the tab gives it the keys
        self._build()
        saved = SETTINGS.get()
        self.speed.setValue(saved.get("speed", DEFAULT_SPEED))
        self.seed.setValue(saved.get("seed", 0))
        self._show_speed()
        self._connect()
        source.modelChanged.connect(self.set_model)
        self.set_model(source.current_model())

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.drawing = TopCanvas(28)
        self.heat = TopCanvas(28)
        for c in (self.drawing, self.heat):
            c.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        drawing_tip = ("The image so far, drawn in raster order (row by row, left to right); "
                       "the red square is the pixel drawn last")
        heat_tip = ("One forward pass of the model on the image so far: at each position, the "
                    "probability that it is ink. Exact for the pixels already drawn (what they "
                    "were drawn from) and for the next one; further on, the pixels not yet "
                    "drawn count as black")
        pictures = QGridLayout()
        for col, (canvas, title, tip) in enumerate((
                (self.drawing, "Being drawn", drawing_tip),
                (self.heat, "p(x<sub>i</sub> = 1 | pixels drawn so far)", heat_tip))):
            label = QLabel(f"<b>{title}</b>")
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            label.setToolTip(tip)
            canvas.setToolTip(tip)
            pictures.addWidget(label, 0, col)
            pictures.addWidget(canvas, 2, col)
        legend = QLabel("white: drawn 1 (ink) · black: drawn 0, or not drawn yet")
        legend.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        legend.setStyleSheet("color: #666;")
        pictures.addWidget(legend, 1, 0)
        pictures.addWidget(colour_bar(), 1, 1)
        pictures.setRowStretch(2, 1)

        self.readout = QLabel()
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setMinimumHeight(3 * self.readout.fontMetrics().height())
        self.readout.setToolTip("The pixel drawn last: its probability of being ink given every "
                                "pixel before it, and what the Bernoulli draw gave")
        self.log_label = QLabel()
        self.log_label.setTextFormat(Qt.TextFormat.RichText)
        self.log_label.setToolTip("log p(x<sub>1</sub>, …, x<sub>i</sub>) = Σ<sub>j ≤ i</sub> "
                                  "log p(x<sub>j</sub> | x<sub>&lt;j</sub>): the exact "
                                  "log-probability of the pixels drawn so far, in nats. At the "
                                  "end it is log p(x) of the whole image")

        self.play_btn = QPushButton()
        self.play_btn.setCheckable(True)
        keys.bind_button(self.play_btn, keys.PLAY, only="Ctrl+Shift+P")
        self.play_btn.setToolTip(keys.tip("Draw pixel after pixel at the chosen speed; Space "
                                          "too while this tab has the focus", keys.PLAY))
        self.step_btn = QPushButton("Step ▸")
        self.step_btn.setToolTip("Draw one pixel (Right while this tab has the focus)")
        self.finish_btn = QPushButton("Finish")
        self.finish_btn.setToolTip("Draw the rest of the image as fast as the model can")
        self.restart_btn = QPushButton("Restart")
        self.restart_btn.setToolTip("Start again from a blank image with the same seed: the "
                                    "same digit is drawn again")
        transport = QHBoxLayout()
        for b in (self.play_btn, self.step_btn, self.finish_btn, self.restart_btn):
            transport.addWidget(b)
        transport.addStretch(1)

        set_button_text(self.play_btn, "▶ Play")
        self.speed = SpeedSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setPageStep(1)
        self.speed.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed.setToolTip("Pixels drawn per second; at the right end, instantly (as Finish)")
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(self.speed_label.fontMetrics().horizontalAdvance(
            "784 pixels/s") + 8)
        self.rate_label = QLabel()
        self.rate_label.setStyleSheet("color: #666;")
        self.rate_label.setToolTip("The speed reached: each pixel needs a pass of the network, "
                                   "so a large PixelCNN on a CPU cannot keep up with the fastest "
                                   "settings")
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setMinimumWidth(self.seed.fontMetrics().horizontalAdvance("2147483647") + 40)
        self.seed.setToolTip("The random seed of the Bernoulli draws: the same seed draws the "
                             "same digit (and the same 16 samples)")
        self.new_seed_btn = QPushButton("New seed")
        keys.bind_button(self.new_seed_btn, keys.NEW_NOISE, "A random seed; the drawing "
                         "starts over")
        self.export_btn = QPushButton("Save PNG…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save the drawing and its heat map, "
                         "side by side, as a PNG")
        settings_row = QGridLayout()
        settings_row.addWidget(QLabel("Speed"), 0, 0)
        settings_row.addWidget(self.speed, 0, 1, 1, 3)
        settings_row.addWidget(self.speed_label, 0, 4)
        settings_row.addWidget(self.rate_label, 1, 1, 1, 4)
        settings_row.addWidget(QLabel("Seed"), 2, 0)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed)
        seed_row.addWidget(self.new_seed_btn)
        seed_row.addStretch(1)
        seed_row.addWidget(self.export_btn)
        settings_row.addLayout(seed_row, 2, 1, 1, 4)
        settings_row.setColumnStretch(1, 1)

        left = QVBoxLayout()
        left.addLayout(pictures, 1)
        left.addWidget(self.readout)
        left.addWidget(self.log_label)
        left.addLayout(transport)
        left.addLayout(settings_row)

        self.grid_box = QGroupBox("16 at once")
        self.grid_view = ImageView(min_side=240)
        self.grid_view.setToolTip("16 complete samples from model.sample(16) with the seed above")
        self.grid_caption = QLabel("Press Sample 16 to draw 16 digits at once.")
        self.grid_caption.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        self.sample_btn = QPushButton("Sample 16")
        keys.bind_button(self.sample_btn, keys.SAMPLE, "Draw 16 complete samples at once, "
                         "with the seed above, and time them")
        self.stop_btn = QPushButton("Stop")
        keys.bind_button(self.stop_btn, keys.CANCEL, "Stop drawing the 16 samples")
        self.save_grid_btn = QPushButton("Save grid PNG…")
        self.save_grid_btn.setToolTip("Save the 16 samples as a 4×4 PNG")
        g = QVBoxLayout(self.grid_box)
        g.addWidget(self.grid_view, 1)
        g.addWidget(self.progress)
        g.addWidget(self.grid_caption)
        row = QHBoxLayout()
        for b in (self.sample_btn, self.stop_btn, self.save_grid_btn):
            row.addWidget(b)
        g.addLayout(row)

        lay = QHBoxLayout(self)
        lay.addLayout(left, 3)
        lay.addWidget(self.grid_box, 2)

    def _connect(self) -> None:
        self.play_btn.toggled.connect(self._on_play_toggled)
        self.step_btn.clicked.connect(self.step)
        self.finish_btn.clicked.connect(self.finish)
        self.restart_btn.clicked.connect(self.restart)
        self.speed.valueChanged.connect(self._speed_changed)
        self.seed.valueChanged.connect(self._seed_changed)
        self.new_seed_btn.clicked.connect(self.new_seed)
        self.export_btn.clicked.connect(lambda: self.export_png())
        self.sample_btn.clicked.connect(self.sample_grid)
        self.stop_btn.clicked.connect(self.runner.stop)
        self.save_grid_btn.clicked.connect(lambda: self.export_grid())
        self.runner.events.connect(self._on_events)
        self.runner.finished.connect(self._on_grid_done)
        self.runner.failed.connect(self._on_grid_failed)
        self.runner.stateChanged.connect(lambda _s: self._update_buttons())
        self._keep_space = KeepSpace(self)
        for b in self.findChildren(QAbstractButton):
            b.installEventFilter(self._keep_space)
        keys.shortcut(keys.PLAY, self, self.toggle_play, "Play or pause the pixel-by-pixel "
                      "drawing (while the Sample tab has the focus)",
                      Qt.ShortcutContext.WidgetWithChildrenShortcut, only="Space")
        keys.shortcut(keys.STEP, self, self.step, "Draw one pixel (while the Sample tab has "
                      "the focus)", Qt.ShortcutContext.WidgetWithChildrenShortcut, only="Right")

    # ------------------------------------------------------------------ the model
    def set_model(self, model) -> None:
        """Show `model` (or the no-model state): the drawing starts over, the grid is cleared."""
        if model is self.model and self.sampler is not None:
            return
        self.pause()
        if self.runner.busy:
            self.runner.stop()
        self.model = model
        if model is not None and model.size != self.drawing.size_px:
            self.drawing.set_grid(model.size)
            self.heat.set_grid(model.size)
        self.grid_images = None
        self.grid_view.set_image(None)
        self.grid_caption.setText("Press Sample 16 to draw 16 digits at once." if model else "")
        self.restart()

    def restart(self) -> None:
        """A blank image and a fresh generator from the seed; keeps playing if it was."""
        self._chunk = 1
        self._finishing = False
        if self.model is None:
            self.sampler = None
            self.conditionals = None
            self.log_p = 0.0
            self.drawing.set_image(np.zeros_like(self.drawing.image()))
            self.drawing.set_marker(None)
            self.heat.set_overlay(None)
            self.heat.set_marker(None)
            self.readout.setText(NO_MODEL)
            self.log_label.setText("")
            self.pause()
        else:
            self.sampler = RasterSampler(self.model, n=1, generator=self.seed.value())
            self._restart_clock()
            if self.playing:
                self._finishing = SPEEDS[self.speed.value()] == INSTANT
                self._timer.setInterval(0 if self._finishing else TICK_MS)
            self._draw(0)
        self._update_buttons()

    # ------------------------------------------------------------------ playing
    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        self.play_btn.setChecked(True)

    def pause(self) -> None:
        self.play_btn.setChecked(False)

    def toggle_play(self) -> None:
        if self.play_btn.isEnabled():
            self.play_btn.toggle()

    def _on_play_toggled(self, on: bool) -> None:
        set_button_text(self.play_btn, "❚❚ Pause" if on else "▶ Play")
        if not on:
            self._timer.stop()
            self._finishing = False
            self.rate_label.setText("")
            return
        if self.sampler is None:
            self.pause()
            return
        if self.sampler.done:          # Play at the end draws the digit again
            self.restart()
        if SPEEDS[self.speed.value()] == INSTANT:
            self._finishing = True
        self._restart_clock()
        self._timer.start(0 if self._finishing else TICK_MS)
        self._update_buttons()

    def finish(self) -> None:
        """Draw the rest of the image in long ticks (the window keeps answering)."""
        if self.sampler is None or self.sampler.done:
            return
        self._finishing = True
        if self.playing:
            self._timer.setInterval(0)
        else:
            self.play()

    def step(self) -> None:
        """Exactly one pixel, and stop playing."""
        self.pause()
        if self.sampler is None:
            return
        if self.sampler.done:
            self.message.emit("The image is complete: Restart, or pick a new seed, to draw "
                              "another.")
            return
        self._draw(1)

    def _restart_clock(self) -> None:
        self._clock.restart()
        self._paid = 0
        self._drawn = 0

    def _tick(self) -> None:
        s = self.sampler
        if s is None or s.done:
            self.pause()
            return
        if self._finishing:
            count, budget = self._chunk, FINISH_S
        else:
            # +1: the first pixel is due the moment Play is pressed
            due = int(SPEEDS[self.speed.value()] * self._clock.elapsed() / 1000) + 1 - self._paid
            if due <= 0:
                return
            count, budget = min(due, self._chunk), TICK_S
            self._paid += due          # what cannot be drawn in time is dropped, not owed
        t = time.perf_counter()
        drawn = self._draw(count)
        dt = time.perf_counter() - t
        # the piece size follows the model's pace: double while fast, halve when slow
        if dt < budget / 2 and count == self._chunk:
            self._chunk = min(s.pixels, 2 * self._chunk)
        elif dt > budget and self._chunk > 1:
            self._chunk //= 2
        self._drawn += drawn
        if self.playing and not self._finishing and self._clock.elapsed() > 500:
            rate = self._drawn / self._clock.elapsed() * 1000
            self.rate_label.setText(f"drawing at {rate:.0f} pixels/s")
        if s.done:
            self.pause()
            self.message.emit(f"Drawn: log p(x) = {self.log_p:.2f} nats")

    def _draw(self, count: int) -> int:
        """Draw `count` positions (0: none) and show them; a model that fails stops the
        drawing and says why."""
        try:
            drawn = self.sampler.step(count)
            self._show()
        except (RuntimeError, ValueError) as exc:      # a broken model must not take the tab down
            self.pause()
            self.readout.setText(f"<b>The model failed:</b> {exc}")
            return 0
        return drawn

    # ------------------------------------------------------------------ showing
    def _show(self) -> None:
        s, model = self.sampler, self.model
        image = s.images[0]
        i, n = s.position, s.pixels
        # one forward pass for both the heat map and log p: −log p(x_j | x_<j) of the pixel
        # values as they stand (0 where not drawn yet) gives p(x_j = 1 | x_<j) back
        nll = model.pixel_nll(s.images)[0].astype(np.float64)
        self.conditionals = np.where(image == 1, np.exp(-nll), -np.expm1(-nll)).astype(np.float32)
        self.log_p = float(-nll.reshape(-1)[:i].sum())
        self.drawing.set_image(image)
        self.heat.set_overlay(heat_rgba(self.conditionals))
        current = s.pixel(max(0, i - 1))
        self.drawing.set_marker(current if i > 0 else None)
        self.heat.set_marker(current)
        if i == 0:
            text = (f"Nothing drawn yet. Pixel (0, 0) comes first: p(x<sub>1</sub> = 1) = "
                    f"{fmt_p(self.conditionals[0, 0])}. Press Play ({keys.PLAY.native_all()}"
                    f" while this tab has the focus) or Step (Right).")
        else:
            r, c = current
            text = (f"Pixel ({r}, {c}), number {i} of {n}: p(x<sub>{i}</sub> = 1 | "
                    f"x<sub>&lt;{i}</sub>) = <b>{fmt_p(self.conditionals[r, c])}</b> → drew "
                    f"<b>{int(image[r, c])}</b>")
            if not s.done:
                nr, nc = s.pixel(i)
                text += (f"<br><span style='color:#666'>Next: pixel ({nr}, {nc}), p = "
                         f"{fmt_p(self.conditionals[nr, nc])}</span>")
        self.readout.setText(text)
        if s.done:
            bits = -self.log_p / (n * math.log(2))
            self.log_label.setText(f"log p(x) = <b>{self.log_p:.2f}</b> nats ({bits:.3f} bits per "
                                   "pixel): the whole image, exact")
        else:
            self.log_label.setText(f"log p(x<sub>1</sub>, …, x<sub>{i}</sub>) = "
                                   f"<b>{self.log_p:.2f}</b> nats so far")
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.sampler is not None
        more = has and not self.sampler.done
        busy = self.runner.busy
        self.play_btn.setEnabled(has)
        self.step_btn.setEnabled(more)
        self.finish_btn.setEnabled(more)
        for w in (self.restart_btn, self.seed, self.new_seed_btn, self.export_btn, self.speed):
            w.setEnabled(has)
        self.sample_btn.setEnabled(has and not busy)
        self.stop_btn.setEnabled(busy)
        self.save_grid_btn.setEnabled(self.grid_images is not None)

    # ------------------------------------------------------------------ settings
    def _show_speed(self) -> None:
        v = SPEEDS[self.speed.value()]
        self.speed_label.setText("instant" if v == INSTANT else f"{v} pixel{'s' * (v > 1)}/s")

    def _speed_changed(self, _index: int) -> None:
        self._show_speed()
        self._save_settings()
        if self.playing:
            if SPEEDS[self.speed.value()] == INSTANT:
                self.finish()
            else:
                self._restart_clock()

    def _seed_changed(self, _seed: int) -> None:
        self._save_settings()
        if self.model is not None:
            self.restart()

    def new_seed(self) -> None:
        self.seed.setValue(int(np.random.default_rng().integers(0, MAX_SEED)))

    def _save_settings(self) -> None:
        SETTINGS.set({"speed": self.speed.value(), "seed": self.seed.value()})

    # ------------------------------------------------------------------ 16 at once
    def sample_grid(self) -> bool:
        """16 complete samples on a worker thread: what model.sample(16, seed) gives."""
        if self.model is None or self.runner.busy:
            return False
        model, seed = self.model, self.seed.value()
        self._job_model = model
        self.progress.setValue(0)
        self.progress.show()
        self.grid_caption.setText("Sampling…")
        self.runner.start(lambda: fill_job(RasterSampler(model, n=GRID, generator=seed),
                                           f"Sampling {GRID} digits"))
        self._update_buttons()
        return True

    def _on_events(self, events: list) -> None:
        last = events[-1]
        if getattr(last, "fraction", None) is not None:
            self.progress.setValue(int(1000 * last.fraction))
            self.grid_caption.setText(last.message)

    def _on_grid_done(self, result) -> None:
        self.progress.hide()
        if result is None:
            self.grid_caption.setText("Stopped." if self.model is not None else "")
        elif self._job_model is self.model:
            self.grid_images = result.images
            self.grid_view.set_image(tile(result.images.astype(np.float32), 4, pad=1, fill=0.4))
            self.grid_caption.setText(
                f"{GRID} samples in {result.seconds:.2f} s: {self.model.pixels} pixels, each "
                f"drawn after the ones before it · mean log p(x) = "
                f"{float(np.mean(result.log_probs)):.1f} nats · seed {self.seed.value()}")
        self._update_buttons()

    def _on_grid_failed(self, text: str) -> None:
        self.progress.hide()
        self.grid_caption.setText(f"Sampling failed: {text}")
        self._update_buttons()

    # ------------------------------------------------------------------ export
    def export_picture(self) -> np.ndarray:
        """The drawing and its heat map side by side, RGB, each pixel 8×8 (for 28×28)."""
        k = max(1, 224 // self.drawing.size_px)
        left = upscale(grey_rgb(self.drawing.image()), k)
        heat = heat_rgba(self.conditionals)[..., :3] if self.conditionals is not None else \
            np.zeros_like(left[::k, ::k])
        gap = np.full((left.shape[0], k, 3), 255, np.uint8)
        return np.concatenate([left, gap, upscale(heat, k)], axis=1)

    def export_png(self, path: str | None = None) -> bool:
        if self.sampler is None:
            return False
        path = path or ask_save_path(self, "Save the drawing and its heat map", "sample.png")
        if not path:
            return False
        if write_or_warn(self, lambda: save_rgb(self.export_picture(), path), path):
            self.message.emit(f"Saved {path}")
            return True
        return False

    def export_grid(self, path: str | None = None) -> bool:
        if self.grid_images is None:
            return False
        path = path or ask_save_path(self, "Save the 16 samples", "samples-16.png")
        if not path:
            return False
        grid = tile(self.grid_images.astype(np.float32), 4, pad=1, fill=0.4)
        if write_or_warn(self, lambda: save_png(grid, path, scale=4), path):
            self.message.emit(f"Saved {path}")
            return True
        return False

    # ------------------------------------------------------------------ the panel's calls
    def hideEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.pause()           # no drawing nobody watches
        super().hideEvent(event)

    def help_topic(self) -> str:
        return "likelihood-sample"

    def set_device(self, device: str) -> None:
        self.device = device      # the model bar's model runs where it was loaded

    def set_data_dir(self, data_dir: str | None) -> None:
        self.data_dir = data_dir

    def shutdown(self) -> bool:
        self.pause()
        return self.runner.shutdown()
