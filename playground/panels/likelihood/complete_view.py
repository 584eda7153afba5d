"""The Complete tab: hide part of a digit and let the model draw what is hidden, 8 times.

Left, the digit: a held-out one (index box or Random digit) or your own drawing, with the
hidden region tinted orange: a preset (bottom half, right half, …) or painted with the brush.
Right, 8 completions from the same known pixels (`model.complete`, on a worker thread: a
PixelCNN needs one network pass per hidden pixel), each with its log p(x) in nats, the drawn
region lightly tinted so you see what was given.

The model draws each hidden pixel from p(x_i | x_<i): it sees the known pixels *before* it in
raster order only. The note under the presets says what that means for each region.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QProgressBar, QPushButton, QRadioButton,
                               QSpinBox, QVBoxLayout, QWidget)

from models.likelihood.stepwise import RasterSampler, fill_job

from ... import keys
from ... import settings as app_settings
from ...widgets import gray_qimage
from ...worker import JobRunner
from .digits import held_out_digits
from .pixel_canvas import HIDDEN_TINT, INK, MASK, PixelCanvas, rgba_image
from .sampling_widgets import (MAX_SEED, NO_MODEL, CaptionedCanvas, ask_save_path,
                               write_or_warn)

COUNT = 8
DRAWN_TINT = (255, 150, 0, 70)      # the completions' drawn pixels: the source's orange, fainter

# key → (name in the list, what raster order means for it)
PRESETS = {
    "bottom": ("Bottom half",
               "Every known pixel comes before every hidden one in raster order: each hidden "
               "pixel is drawn knowing the whole top half. The case raster order suits best."),
    "right": ("Right half",
              "A hidden pixel sees the known left part of its own row and of the rows above it, "
              "but not the left parts of the rows below: row 10's right half is drawn without "
              "knowing how the left half goes on in rows 11 and down."),
    "top": ("Top half",
            "Every hidden pixel comes before every known one: the known bottom half cannot "
            "influence anything. The top is a plain sample from the model, drawn blind, and "
            "often does not fit the bottom it is pasted on."),
    "left": ("Left half",
             "A hidden pixel sees the known right halves of the rows above it only: not its own "
             "row's right half, nor anything below. The first rows are drawn almost blind."),
    "centre": ("Centre square",
               "The square sees every row above it and, in its own rows, the known pixels to "
               "its left; never the known pixels to its right or below it."),
    "none": ("None",
             "Nothing is hidden, so there is nothing to complete: pick a region, or paint one "
             "with the brush."),
    "brushed": ("Painted with the brush",
                "Each hidden pixel sees only the known pixels before it in raster order (the "
                "rows above it and the pixels left of it in its row); known pixels after it "
                "cannot influence it."),
}
SETTINGS = app_settings.Setting("likelihood/complete", {}, app_settings.record(
    index=app_settings.integer(0, 1_000_000), preset=app_settings.one_of(*PRESETS),
    seed=app_settings.integer(0, MAX_SEED), brush=app_settings.integer(1, 8),
    tint=app_settings.boolean))


def preset_mask(name: str, size: int) -> np.ndarray:
    """S×S bool, True where hidden, for a preset ("brushed" and "none": nothing hidden)."""
    m = np.zeros((size, size), bool)
    h = size // 2
    if name == "bottom":
        m[h:] = True
    elif name == "top":
        m[:h] = True
    elif name == "right":
        m[:, h:] = True
    elif name == "left":
        m[:, :h] = True
    elif name == "centre":
        q = size // 4
        m[q:size - q, q:size - q] = True
    return m


def fit(image: np.ndarray, size: int) -> np.ndarray:
    """A square binary image at another size, nearest pixel (stays binary)."""
    n = image.shape[0]
    if n == size:
        return image.astype(np.float32)
    idx = np.minimum(n - 1, ((np.arange(size) + 0.5) * n / size).astype(int))
    return image[np.ix_(idx, idx)].astype(np.float32)


class CompleteView(QWidget):
    message = Signal(str)

    def __init__(self, source, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source, self.device, self.data_dir = source, device, data_dir
        self.model = None
        self.size_px = 28
        self.digits, self.labels = held_out_digits()
        self.completions: np.ndarray | None = None     # COUNT×S×S uint8
        self.log_probs: np.ndarray | None = None
        self.runner = JobRunner(self)
        self._job = None              # (model, input version) of the running job
        self._version = 0             # bumped whenever the digit or the mask changes
        self._own_drawing = False
        self._fresh = True            # no digit shown yet
        self._build()
        saved = SETTINGS.get()
        self.index.setValue(min(saved.get("index", 0), len(self.digits) - 1))
        self.seed.setValue(saved.get("seed", 0))
        self.brush.setValue(saved.get("brush", 2))
        self.canvas.brush = self.brush.value()
        self.tint.setChecked(saved.get("tint", True))
        self._preset = saved.get("preset", "bottom")
        self.preset.setCurrentIndex(self.preset.findData(self._preset))
        self._connect()
        source.modelChanged.connect(self.set_model)
        self.set_model(source.current_model())

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.canvas = PixelCanvas(28, paintable=True, mode=INK)
        self.canvas.setToolTip("The digit. Ink mode: left button draws, right erases. Hidden "
                               "region mode: left hides (orange), right reveals")
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.source_label.setTextFormat(Qt.TextFormat.RichText)

        self.index = QSpinBox()
        self.index.setRange(0, len(self.digits) - 1)
        self.index.setToolTip(f"Which of the {len(self.digits):,} held-out MNIST digits (never "
                              "seen by the shipped models in training)")
        self.random_btn = QPushButton("Random digit")
        keys.bind_button(self.random_btn, keys.RANDOM, "A random held-out digit")
        self.clear_btn = QPushButton("Clear")
        keys.bind_button(self.clear_btn, keys.CLEAR, "A blank canvas, to draw your own digit")
        digit_row = QHBoxLayout()
        digit_row.addWidget(QLabel("Digit"))
        digit_row.addWidget(self.index)
        digit_row.addWidget(self.random_btn)
        digit_row.addWidget(self.clear_btn)
        digit_row.addStretch(1)

        self.ink_mode = QRadioButton("Draw ink")
        self.ink_mode.setToolTip("Paint the digit: left button draws ink, right button erases")
        self.mask_mode = QRadioButton("Paint hidden region")
        self.mask_mode.setToolTip("Paint what to hide: left button hides (orange), right button "
                                  "reveals")
        self.ink_mode.setChecked(True)
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.ink_mode)
        self.modes.addButton(self.mask_mode)
        self.brush = QSpinBox()
        self.brush.setRange(1, 8)
        self.brush.setSuffix(" px")
        self.brush.setToolTip("The brush: a square of this many pixels a side")
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.ink_mode)
        mode_row.addWidget(self.mask_mode)
        mode_row.addWidget(QLabel("Brush"))
        mode_row.addWidget(self.brush)
        mode_row.addStretch(1)

        self.preset = QComboBox()
        for key, (name, _note) in PRESETS.items():
            self.preset.addItem(name, key)
        self.preset.setToolTip("Which region to hide; painting with the brush makes your own")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.note.setToolTip("Raster order: each pixel is drawn given the pixels before it (rows "
                             "above, and the left of its own row) and nothing after it")
        hide_row = QHBoxLayout()
        hide_row.addWidget(QLabel("Hide"))
        hide_row.addWidget(self.preset, 1)

        left = QGroupBox("Known pixels")
        lv = QVBoxLayout(left)
        lv.addWidget(self.canvas, 1)
        lv.addWidget(self.source_label)
        lv.addLayout(digit_row)
        lv.addLayout(mode_row)
        lv.addLayout(hide_row)
        lv.addWidget(self.note)

        # the completions
        self.results = QWidget()
        grid = QGridLayout(self.results)
        self.outputs: list[CaptionedCanvas] = []
        for i in range(COUNT):
            c = CaptionedCanvas(28)
            c.setToolTip("A completion: the known pixels as given, the tinted ones drawn by the "
                         "model; under it, log p(x) of the completed image in nats")
            grid.addWidget(c, *divmod(i, 4))
            self.outputs.append(c)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()

        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setMinimumWidth(self.seed.fontMetrics().horizontalAdvance("2147483647") + 40)
        self.seed.setToolTip("The random seed of the draws: the same seed, digit and region give "
                             "the same 8 completions")
        self.new_seed_btn = QPushButton("New seed")
        keys.bind_button(self.new_seed_btn, keys.NEW_NOISE, "A random seed, then complete")
        self.complete_btn = QPushButton(f"Complete ×{COUNT}")
        keys.bind_button(self.complete_btn, keys.SAMPLE, f"Draw the hidden pixels {COUNT} "
                         "times from the same known pixels")
        self.stop_btn = QPushButton("Stop")
        keys.bind_button(self.stop_btn, keys.CANCEL, "Stop completing")
        self.tint = QCheckBox("Tint drawn pixels")
        self.tint.setToolTip("Tint the pixels the model drew, so you see which were given")
        self.export_btn = QPushButton("Save PNG…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save the completions, with their log p, "
                         "as a PNG")
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Seed"))
        buttons.addWidget(self.seed)
        buttons.addWidget(self.new_seed_btn)
        buttons.addWidget(self.complete_btn)
        buttons.addWidget(self.stop_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.tint)
        buttons.addWidget(self.export_btn)

        right = QGroupBox(f"{COUNT} completions")
        rv = QVBoxLayout(right)
        rv.addWidget(self.results, 1)
        rv.addWidget(self.progress)
        rv.addWidget(self.status)
        rv.addLayout(buttons)

        lay = QHBoxLayout(self)
        lay.addWidget(left, 4)
        lay.addWidget(right, 7)

    def _connect(self) -> None:
        self.index.valueChanged.connect(lambda _i: self.load_digit())
        self.random_btn.clicked.connect(self.random_digit)
        self.clear_btn.clicked.connect(self.clear)
        self.ink_mode.toggled.connect(self._mode_changed)
        self.brush.valueChanged.connect(self._brush_changed)
        self.preset.currentIndexChanged.connect(
            lambda _i: self.set_preset(self.preset.currentData()))
        self.canvas.changed.connect(self._canvas_edited)
        self.seed.valueChanged.connect(lambda _s: self._save_settings())
        self.new_seed_btn.clicked.connect(self.new_seed)
        self.complete_btn.clicked.connect(self.complete)
        self.stop_btn.clicked.connect(self.runner.stop)
        self.tint.toggled.connect(lambda _on: (self._save_settings(), self._show_completions()))
        self.export_btn.clicked.connect(lambda: self.export_png())
        self.runner.events.connect(self._on_events)
        self.runner.finished.connect(self._on_done)
        self.runner.failed.connect(self._on_failed)
        self.runner.stateChanged.connect(lambda _s: self._update_buttons())

    # ------------------------------------------------------------------ the model
    def set_model(self, model) -> None:
        """Show `model` (or the no-model state); the completions are cleared."""
        if model is self.model and self.model is not None:
            return
        if self.runner.busy:
            self.runner.stop()
        first, self._fresh = self._fresh, False
        self.model = model
        size = model.size if model is not None else self.size_px
        if size != self.size_px or first:
            # a new image size: the digit and the mask start over at that size
            if size != self.size_px:
                self.size_px = size
                self._new_canvases(size)
            self.load_digit(quiet=True)
            self.set_preset(self._preset if self._preset != "brushed" else "bottom")
        self._clear_completions()
        self._show_source()
        self._update_buttons()

    def _new_canvases(self, size: int) -> None:
        for canvas in (self.canvas, *self.outputs):
            canvas.set_grid(size)

    # ------------------------------------------------------------------ the digit and mask
    def image(self) -> np.ndarray:
        return self.canvas.image()

    def hidden(self) -> np.ndarray:
        return self.canvas.mask()

    def load_digit(self, quiet: bool = False) -> None:
        i = self.index.value()
        self.canvas.set_image(fit(self.digits[i], self.size_px))
        self._own_drawing = False
        self._input_changed()
        if not quiet:
            self._save_settings()

    def random_digit(self) -> None:
        i = int(np.random.default_rng().integers(len(self.digits)))
        if i == self.index.value():
            self.load_digit()
        self.index.setValue(i)

    def clear(self) -> None:
        self.canvas.set_image(np.zeros((self.size_px, self.size_px), np.float32))
        self._own_drawing = True
        self.ink_mode.setChecked(True)
        self._input_changed()

    def set_preset(self, key: str) -> None:
        """Hide a preset region ("brushed" keeps the painted mask)."""
        if key not in PRESETS:
            return
        self._preset = key
        if key != "brushed":
            self.canvas.set_mask(preset_mask(key, self.size_px))
        i = self.preset.findData(key)
        if self.preset.currentIndex() != i:
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(i)
            self.preset.blockSignals(False)
        self.note.setText(PRESETS[key][1])
        self._save_settings()
        self._input_changed()

    def _mode_changed(self, ink: bool) -> None:
        self.canvas.mode = INK if ink else MASK

    def _brush_changed(self, size: int) -> None:
        self.canvas.brush = size
        self._save_settings()

    def _canvas_edited(self) -> None:
        if self.canvas.mode == MASK:
            if self._preset != "brushed":
                self.set_preset("brushed")
                return
        else:
            self._own_drawing = True
        self._input_changed()

    def _input_changed(self) -> None:
        """The digit or the mask changed: the completions no longer belong to it."""
        self._version += 1
        self._clear_completions()
        self._show_source()
        self._update_buttons()

    def _show_source(self) -> None:
        n_hidden = int(self.hidden().sum())
        what = ("your drawing" if self._own_drawing else
                f"held-out digit #{self.index.value()} (a {int(self.labels[self.index.value()])})")
        if self.size_px != 28 and not self._own_drawing:
            what += f", resized to {self.size_px}×{self.size_px} for this model"
        text = f"<b>{what[0].upper() + what[1:]}</b>"
        text += f" · {n_hidden} of {self.size_px ** 2} pixels hidden"
        if self.model is not None:
            try:
                lp = float(self.model.log_prob(self.image())[0])
                text += f" · log p(x) = {lp:.1f} nats as it is"
            except (RuntimeError, ValueError):
                pass
        self.source_label.setText(text)

    # ------------------------------------------------------------------ completing
    def complete(self) -> bool:
        """COUNT completions on a worker thread: what model.complete(x, known, seed) gives for
        COUNT copies of the digit."""
        if self.model is None or self.runner.busy:
            return False
        hidden = self.hidden()
        if not hidden.any():
            self.status.setText("Nothing is hidden: choose a region to hide, or paint one.")
            return False
        model, seed = self.model, self.seed.value()
        x = np.repeat(self.image()[None], COUNT, axis=0)
        known = np.repeat(~hidden[None], COUNT, axis=0)
        self._job = (model, self._version)
        self._clear_completions()
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText("Completing…")
        self.runner.start(lambda: fill_job(RasterSampler(model, x, known, generator=seed),
                                           f"Completing {COUNT} times"))
        self._update_buttons()
        return True

    def new_seed(self) -> None:
        self.seed.setValue(int(np.random.default_rng().integers(0, MAX_SEED)))
        if not self.runner.busy:
            self.complete()

    def _on_events(self, events: list) -> None:
        last = events[-1]
        if getattr(last, "fraction", None) is not None:
            self.progress.setValue(int(1000 * last.fraction))
            self.status.setText(last.message)

    def _on_done(self, result) -> None:
        self.progress.hide()
        job, self._job = self._job, None
        if result is None:
            self.status.setText("Stopped." if self.model is not None else "")
        elif job is None or job[0] is not self.model:
            self.status.setText("")
        elif job[1] != self._version:
            self.status.setText("The digit or the region changed while completing: press "
                                f"Complete ×{COUNT} again.")
        else:
            self.completions, self.log_probs = result.images, result.log_probs
            self._show_completions()
            self.status.setText(f"{COUNT} completions in {result.seconds:.2f} s · seed "
                                f"{self.seed.value()} · tinted: drawn by the model")
        self._update_buttons()

    def _on_failed(self, text: str) -> None:
        self.progress.hide()
        self._job = None
        self.status.setText(f"Completion failed: {text}")
        self._update_buttons()

    def _clear_completions(self) -> None:
        self.completions = self.log_probs = None
        self._show_completions()
        if self.model is None:
            self.status.setText(NO_MODEL)
        elif not self.runner.busy:
            self.status.setText(f"Press Complete ×{COUNT} ({keys.SAMPLE.native()}).")

    def _show_completions(self) -> None:
        hidden = self.hidden()
        tint = np.zeros((*hidden.shape, 4), np.uint8)
        tint[hidden] = DRAWN_TINT
        for i, c in enumerate(self.outputs):
            if self.completions is None:
                c.set_image(np.zeros((self.size_px, self.size_px), np.float32))
                c.set_overlay(None)
                c.set_caption("")
            else:
                c.set_image(self.completions[i])
                c.set_overlay(tint if self.tint.isChecked() else None)
                c.set_caption(f"log p = {self.log_probs[i]:.1f} nats")

    def _update_buttons(self) -> None:
        has, busy = self.model is not None, self.runner.busy
        self.complete_btn.setEnabled(has and not busy)
        self.new_seed_btn.setEnabled(has and not busy)
        self.stop_btn.setEnabled(busy)
        self.export_btn.setEnabled(self.completions is not None)

    # ------------------------------------------------------------------ files and settings
    def export_png(self, path: str | None = None) -> bool:
        if self.completions is None:
            return False
        path = path or ask_save_path(self, "Save the completions", "completions.png")
        if not path:
            return False

        def save():
            if not self.picture().save(path, "PNG"):
                raise OSError("Qt could not write the file")
        if write_or_warn(self, save, path):
            self.message.emit(f"Saved {path}")
            return True
        return False

    def picture(self) -> QImage:
        """The export: the given digit (hidden region tinted) and the completions (drawn
        pixels tinted) in a row, each pixel 4×4 for 28×28, with captions under them."""
        n, k, gap = self.size_px, max(1, 112 // self.size_px), 8
        side = n * k
        line = self.fontMetrics().height() + 6
        hidden = self.hidden()
        given_tint = np.zeros((n, n, 4), np.uint8)
        given_tint[hidden] = HIDDEN_TINT.red(), HIDDEN_TINT.green(), HIDDEN_TINT.blue(), \
            HIDDEN_TINT.alpha()
        drawn_tint = np.zeros((n, n, 4), np.uint8)
        drawn_tint[hidden] = DRAWN_TINT
        tiles = [(self.image(), given_tint, "given")]
        tiles += [(c, drawn_tint, f"log p = {lp:.1f} nats")
                  for c, lp in zip(self.completions, self.log_probs)]
        out = QImage(len(tiles) * (side + gap) + gap, side + line + 2 * gap,
                     QImage.Format.Format_RGB32)
        out.fill(QColor("white"))
        p = QPainter(out)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.setFont(self.font())
        for i, (image, tint, caption) in enumerate(tiles):
            r = QRect(gap + i * (side + gap), gap, side, side)
            p.drawImage(r, gray_qimage(image))
            if self.tint.isChecked() or i == 0:
                p.drawImage(r, rgba_image(tint))
            p.setPen(QColor("black"))
            p.drawText(QRect(r.left() - gap // 2, r.bottom() + 4, side + gap, line),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, caption)
        p.end()
        return out

    def _save_settings(self) -> None:
        SETTINGS.set({"index": self.index.value(), "preset": self._preset,
                      "seed": self.seed.value(), "brush": self.brush.value(),
                      "tint": self.tint.isChecked()})

    # ------------------------------------------------------------------ the panel's calls
    def help_topic(self) -> str:
        return "likelihood-complete"

    def set_device(self, device: str) -> None:
        self.device = device      # the model bar's model runs where it was loaded

    def set_data_dir(self, data_dir: str | None) -> None:
        self.data_dir = data_dir

    def shutdown(self) -> bool:
        return self.runner.shutdown()
