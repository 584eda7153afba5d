"""The Score tab: draw a digit (or load an image) and see its exact log-likelihood.

Left, the binary image: paint it (left button ink, right button erase), take a held-out digit,
load any image file (converted by the stated rule, models.likelihood.binarize.image_to_binary),
invert it, undo. Middle, the exact model's score from the shared bar: log p(x) in nats and in
bits/dim, and the map of each pixel's −log p(x_i | x_<i), the pixels that surprised the model;
hovering a pixel says its numbers. Right, the shipped VAE's ELBO and importance-weighted bound
for the same image, computed off the GUI thread (score_parts.VAEBox).

The exact score is one forward pass (a few milliseconds for NADE, under ten for the shipped
PixelCNN), done on the GUI thread after every stroke and, when it is that cheap, while the
stroke is being drawn.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QMessageBox, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from models.likelihood.api import bits_per_dim
from models.likelihood.binarize import ImageRuleError, image_to_binary

from ... import keys
from ... import settings as app_settings
from .digits import held_out_digits
from .sampling_widgets import ask_save_path, write_or_warn
from .score_parts import ColourBar, HoverCanvas, VAEBox, heat_rgba
from .source import describe

SCALES = (("5", "0 – 5 nats"), ("2", "0 – 2 nats"), ("10", "0 – 10 nats"),
          ("auto", "0 – this image's largest"))
PREFS = app_settings.Setting("likelihood/score", {}, app_settings.record(
    index=app_settings.integer(0, 1_000_000), k=app_settings.one_of(1, 10, 100, 1000),
    brush=app_settings.integer(1, 6), scale=app_settings.one_of(*(k for k, _ in SCALES)),
    open_dir=app_settings.path))
DEFAULTS = {"index": 0, "k": 100, "brush": 2, "scale": "5", "open_dir": ""}
IMAGE_FILTER = ("Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pgm *.ppm);;"
                "All files (*)")
LIVE_MS = 30          # score while drawing when one score takes less than this
HISTORY = 100         # undo steps kept


def resize_binary(image: np.ndarray, size: int) -> np.ndarray:
    """A binary square image → size×size by area (each new pixel the share of ink it covers,
    then > 0.5): for a model whose images are another size. Unlike the file rule it never
    inverts: a drawing stays a drawing."""
    from PIL import Image
    if image.shape[0] == size:
        return image.astype(np.float32)
    im = Image.fromarray(np.asarray(image, np.float32), "F")
    out = np.asarray(im.resize((size, size), Image.Resampling.BOX), np.float32)
    return (out > 0.5).astype(np.float32)


class ScoreView(QWidget):
    message = Signal(str)

    def __init__(self, source, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source = source
        self.prefs = {**DEFAULTS, **PREFS.get()}
        self.digits, self.labels = held_out_digits()
        self.model = None
        self.size = 28
        self.surprise: np.ndarray | None = None     # S×S −log p(x_i | x_<i) of the image shown
        self.log_p: float | None = None
        self.score_ms: float | None = None
        self.origin = ""                            # where the image came from, in words
        self._committed = np.zeros((28, 28), np.float32)
        self._undo: list[tuple[np.ndarray, str]] = []
        self._redo: list[tuple[np.ndarray, str]] = []
        self._stale = True                          # scores wait for the view to be shown
        self._live_pending = False
        self._build()
        self._connect()
        self._use_model(source.current_model())
        self.set_digit(min(self.prefs["index"], len(self.digits) - 1), remember=False)
        self._undo.clear()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        # the image
        self.canvas = HoverCanvas(28, paintable=True)
        self.canvas.brush = self.prefs["brush"]
        self.canvas.setToolTip("Paint the digit: left button draws ink, right button erases. "
                               "Its score updates as you draw")
        self.origin_label = QLabel()
        self.origin_label.setWordWrap(True)
        self.origin_label.setStyleSheet("color: #444;")
        self.clear_btn = QPushButton("Clear")
        keys.bind_button(self.clear_btn, keys.CLEAR, "Erase the image")
        self.undo_btn = QPushButton("Undo")
        keys.bind_button(self.undo_btn, keys.UNDO, "Undo the last change to the image")
        self.redo_btn = QPushButton("Redo")
        keys.bind_button(self.redo_btn, keys.REDO, "Redo what was undone")
        self.invert_btn = QPushButton("Invert")
        self.invert_btn.setToolTip("Swap ink and background (1 − x): see how unlikely a "
                                   "negative digit is")
        self.index = QSpinBox()
        self.index.setRange(0, len(self.digits) - 1)
        self.index.setToolTip(f"One of the {len(self.digits):,} held-out MNIST digits no shipped "
                              "model trained on, binarized once")
        self.random_btn = QPushButton("Random")
        keys.bind_button(self.random_btn, keys.RANDOM, "A random held-out digit")
        self.load_btn = QPushButton("Load image…")
        keys.bind_button(self.load_btn, keys.LOAD_INPUT, "Score an image file: made grey, "
                         "scaled to fit, inverted if its background is light, thresholded at 0.5")
        self.export_btn = QPushButton("Export PNG…")
        keys.bind_button(self.export_btn, keys.EXPORT, "Save the image and its surprise map "
                         "side by side as a PNG")
        self.brush = QSpinBox()
        self.brush.setRange(1, 6)
        self.brush.setValue(self.prefs["brush"])
        self.brush.setPrefix("Brush ")
        self.brush.setSuffix(" px")
        self.brush.setToolTip(f"Brush size: a square of this many pixels "
                              f"({keys.SMALLER.native()} smaller, {keys.LARGER.native()} larger)")
        grid = QGridLayout()
        grid.addWidget(self.clear_btn, 0, 0)
        grid.addWidget(self.undo_btn, 0, 1)
        grid.addWidget(self.redo_btn, 0, 2)
        grid.addWidget(self.invert_btn, 0, 3)
        grid.addWidget(QLabel("Held-out digit"), 1, 0)
        grid.addWidget(self.index, 1, 1)
        grid.addWidget(self.random_btn, 1, 2)
        grid.addWidget(self.brush, 1, 3)
        grid.addWidget(self.load_btn, 2, 0, 1, 2)
        grid.addWidget(self.export_btn, 2, 2, 1, 2)
        image_box = QGroupBox("The image (binary)")
        il = QVBoxLayout(image_box)
        il.addWidget(self.canvas, 1)
        il.addWidget(self.origin_label)
        il.addLayout(grid)

        # the exact score
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.model_label.setStyleSheet("color: #444;")
        self.logp_label = QLabel("–")
        self.logp_label.setStyleSheet("font-size: 15pt;")
        self.logp_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.logp_label.setToolTip("log p(x) = Σ_i log p(x_i | x_<i): exact, from one forward "
                                   "pass of the model")
        self.bpd_label = QLabel("–")
        self.bpd_label.setToolTip("bits per dimension = −log p(x) / (n ln 2): the same figure "
                                  "per pixel and in bits, comparable across image sizes")
        self.bpd_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.heat = HoverCanvas(28)
        self.heat.setToolTip("Each pixel's surprise −log p(x_i | x_<i); hover for its numbers")
        self.colour_bar = ColourBar()
        self.scale = QComboBox()
        for key, text in SCALES:
            self.scale.addItem(text, key)
        self.scale.setCurrentIndex(max(0, self.scale.findData(self.prefs["scale"])))
        self.scale.setToolTip("The colour scale: a fixed range compares images; 'largest' "
                              "stretches the colours over this image")
        self.hover_label = QLabel("Hover over a pixel for its conditional probability.")
        self.hover_label.setWordWrap(True)
        self.hover_label.setMinimumHeight(2 * self.hover_label.fontMetrics().height() + 4)
        self.timing_label = QLabel("")
        self.timing_label.setStyleSheet("color: #888;")
        heat_row = QHBoxLayout()
        heat_row.addWidget(self.heat, 1)
        heat_row.addWidget(self.colour_bar)
        scale_row = QHBoxLayout()
        scale_row.addWidget(QLabel("Colours"))
        scale_row.addWidget(self.scale, 1)
        self.exact_box = QGroupBox("Exact likelihood under the model")
        el = QVBoxLayout(self.exact_box)
        el.addWidget(self.model_label)
        el.addWidget(self.logp_label)
        el.addWidget(self.bpd_label)
        el.addWidget(QLabel("Surprise per pixel, −log p(x<sub>i</sub> | x<sub>&lt;i</sub>); "
                            "they sum to −log p(x):"))
        el.addLayout(heat_row, 1)
        el.addLayout(scale_row)
        el.addWidget(self.hover_label)
        el.addWidget(self.timing_label)

        self.vae = VAEBox(self.prefs["k"])
        layout = QHBoxLayout(self)
        layout.addWidget(image_box, 4)
        layout.addWidget(self.exact_box, 4)
        layout.addWidget(self.vae, 3)

    def _connect(self) -> None:
        self.canvas.changed.connect(self._stroke_done)
        self.canvas.stroking.connect(self._stroking)
        self.canvas.hovered.connect(lambda p: self._hover(p, self.heat))
        self.heat.hovered.connect(lambda p: self._hover(p, self.canvas))
        self.clear_btn.clicked.connect(self.clear)
        self.undo_btn.clicked.connect(self.undo)
        self.redo_btn.clicked.connect(self.redo)
        self.invert_btn.clicked.connect(self.invert)
        self.index.valueChanged.connect(lambda i: self.set_digit(i))
        self.random_btn.clicked.connect(self.random_digit)
        self.load_btn.clicked.connect(lambda: self.open_image())
        self.export_btn.clicked.connect(lambda: self.export_png())
        self.brush.valueChanged.connect(self._brush_changed)
        self.scale.currentIndexChanged.connect(lambda _i: self._scale_changed())
        self.vae.k_box.currentIndexChanged.connect(lambda _i: self._save(k=self.vae.k))
        self.vae.message.connect(self.message)
        self.source.modelChanged.connect(self._model_changed)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        keys.shortcut(keys.SMALLER, self, lambda: self.brush.setValue(self.brush.value() - 1),
                      "Smaller brush", context)
        keys.shortcut(keys.LARGER, self, lambda: self.brush.setValue(self.brush.value() + 1),
                      "Larger brush", context)
        # a button holds one key: Redo's second one (Ctrl+Y) is a shortcut of the view
        keys.shortcut(keys.REDO, self, self.redo, "Redo", context, only="Ctrl+Y")
        self._update_history_buttons()

    # ------------------------------------------------------------------ the image
    def image(self) -> np.ndarray:
        return self.canvas.image()

    def set_digit(self, i: int, remember: bool = True) -> None:
        """Use held-out digit i."""
        i = min(max(0, int(i)), len(self.digits) - 1)
        if self.index.value() != i:
            self.index.blockSignals(True)
            self.index.setValue(i)
            self.index.blockSignals(False)
        self._commit(resize_binary(self.digits[i], self.size),
                     f"Held-out digit #{i}, a {int(self.labels[i])}", remember)
        self._save(index=i)

    def random_digit(self) -> None:
        i = int(np.random.default_rng().integers(len(self.digits) - 1))
        self.set_digit(i + (i >= self.index.value()))        # never the same one

    def clear(self) -> None:
        self._commit(np.zeros((self.size, self.size), np.float32), "Your drawing")

    def invert(self) -> None:
        origin = self.origin[:-len(", inverted")] if self.origin.endswith(", inverted") \
            else self.origin + ", inverted"
        self._commit(1 - self.image(), origin)

    def open_image(self, path: str | None = None) -> bool:
        """Score an image file, converted by the stated rule; a file the rule refuses is a
        dialog saying why, and the image shown stays."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Score an image", self.prefs["open_dir"],
                                                  IMAGE_FILTER)
        if not path:
            return False
        try:
            converted = image_to_binary(path, self.size)
        except (ImageRuleError, OSError, ValueError, MemoryError) as exc:
            QMessageBox.warning(self, "Cannot score this image", str(exc))
            return False
        name = Path(path).name
        self._commit(converted.pixels.astype(np.float32), f"{name} — {converted.describe()}")
        self._save(open_dir=str(Path(path).parent))
        self.message.emit(f"Score: {name} {converted.describe()}")
        return True

    def _stroke_done(self) -> None:
        image = self.image()
        if np.array_equal(image, self._committed):
            return
        origin = self.origin if self.origin.endswith("+ your strokes") or \
            self.origin == "Your drawing" else f"{self.origin} + your strokes"
        self._commit(image, origin)

    def _commit(self, image: np.ndarray, origin: str, remember: bool = True) -> None:
        """The image changed: keep the old one for Undo, show the new one, score it."""
        if remember:
            self._undo.append((self._committed, self.origin))
            del self._undo[:-HISTORY]
            self._redo.clear()
        self._show_image(image, origin)

    def _show_image(self, image: np.ndarray, origin: str) -> None:
        image = np.asarray(image, np.float32)
        if not np.array_equal(image, self.canvas.image()):
            self.canvas.set_image(image)
        self._committed = image.copy()
        self.origin = origin
        self.origin_label.setText(origin)
        self._update_history_buttons()
        self._request_scores()

    def undo(self) -> None:
        if self._undo:
            self._redo.append((self._committed, self.origin))
            self._show_image(*self._undo.pop())

    def redo(self) -> None:
        if self._redo:
            self._undo.append((self._committed, self.origin))
            self._show_image(*self._redo.pop())

    def _update_history_buttons(self) -> None:
        self.undo_btn.setEnabled(bool(self._undo))
        self.redo_btn.setEnabled(bool(self._redo))

    def _brush_changed(self, value: int) -> None:
        self.canvas.brush = value
        self._save(brush=value)

    # ------------------------------------------------------------------ the model
    def _model_changed(self, model) -> None:
        self._use_model(model)
        self._request_scores(vae=False)

    def _use_model(self, model) -> None:
        self.model = model
        if model is None:
            self.model_label.setText("<b>No model.</b> The shipped NADE and PixelCNN are not "
                                     "here yet: train one in the <b>Train</b> tab or open a "
                                     "checkpoint in the bar above. The VAE's bounds still work.")
            return
        self.model_label.setText(describe(model))
        if model.size != self.size:
            self._resize_grids(model.size)

    def _resize_grids(self, size: int) -> None:
        """A model of another image size: the image follows it (by area), history included."""
        image = resize_binary(self._committed, size)
        self._undo = [(resize_binary(a, size), o) for a, o in self._undo]
        self._redo = [(resize_binary(a, size), o) for a, o in self._redo]
        self.size = size
        self.canvas.set_grid(size)
        self.heat.set_grid(size)
        self.surprise = None
        self._show_image(image, self.origin)
        self.message.emit(f"Score: this model's images are {size}×{size}; the image was "
                          "resized to match")

    # ------------------------------------------------------------------ scoring
    def _request_scores(self, vae: bool = True) -> None:
        if not self.isVisible():
            self._stale = True
            return
        self._score()
        if vae:
            self.vae.set_image(self._committed)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._score()
            self.vae.set_image(self._committed)

    def _stroking(self) -> None:
        """Live scores during a stroke, when a score is cheap; one per event-loop turn."""
        if self.model is None or self.score_ms is None or self.score_ms > LIVE_MS \
                or self._live_pending:
            return
        self._live_pending = True
        QTimer.singleShot(0, self._live_score)

    def _live_score(self) -> None:
        self._live_pending = False
        self._score(self.image())

    def _score(self, image: np.ndarray | None = None) -> None:
        """The exact score of `image` (the committed image by default) under the model."""
        image = self._committed if image is None else image
        model = self.model
        if model is None:
            self.surprise = self.log_p = None
            self.logp_label.setText("log p(x) = –")
            self.bpd_label.setText("no model to score with")
            self.heat.set_overlay(None)
            self.heat.set_placeholder("No model: nothing to map")
            self.timing_label.setText("")
            return
        start = time.perf_counter()
        try:
            nll = model.pixel_nll(image[None])[0]
        except (ValueError, RuntimeError) as exc:
            self.surprise = self.log_p = None
            self.logp_label.setText("log p(x) = –")
            self.bpd_label.setText(f"cannot score: {exc}")
            self.heat.set_placeholder("This image cannot be scored")
            return
        self.score_ms = 1000 * (time.perf_counter() - start)
        self.surprise = nll
        self.log_p = -float(nll.astype(np.float64).sum())       # = model.log_prob(image)
        n = model.pixels
        self.logp_label.setText(f"log p(x) = <b>{self.log_p:.2f}</b> nats")
        bpd = float(bits_per_dim(-self.log_p, n))
        self.bpd_label.setText(f"= {bpd:.4f} bits/dim &nbsp;(−log p / ({n:,} · ln 2)); "
                               f"p(x) = e<sup>{self.log_p:.1f}</sup>")
        self.timing_label.setText(f"scored in {self.score_ms:.1f} ms")
        self.heat.set_placeholder("")
        self._draw_heat()

    def _scale_top(self) -> tuple[float, bool]:
        key = self.scale.currentData()
        largest = float(self.surprise.max()) if self.surprise is not None else 0.0
        if key == "auto":
            return max(largest, 1e-3), False
        top = float(key)
        return top, largest > top

    def _draw_heat(self) -> None:
        if self.surprise is None:
            self.heat.set_overlay(None)
            return
        top, clipped = self._scale_top()
        self.heat.set_overlay(heat_rgba(self.surprise, top))
        self.colour_bar.set_top(top, clipped)

    def _scale_changed(self) -> None:
        self._save(scale=self.scale.currentData())
        self._draw_heat()

    def _hover(self, pixel, other: HoverCanvas) -> None:
        other.set_marker(pixel)
        if pixel is None or self.surprise is None or self.surprise.shape[0] <= max(pixel):
            return
        r, c = pixel
        x = int(self.image()[r, c] > 0.5)
        nll = float(self.surprise[r, c])
        text = (f"Pixel (row {r}, column {c}): x = {x} ({'ink' if x else 'background'}), "
                f"p(x<sub>i</sub> = {x} | x<sub>&lt;i</sub>) = {np.exp(-nll):.3g}, "
                f"−log p = <b>{nll:.3f}</b> nats")
        self.hover_label.setText(text)
        for canvas in (self.canvas, self.heat):
            canvas.setToolTip(text)

    # ------------------------------------------------------------------ export
    def export_picture(self) -> np.ndarray:
        """The image and its surprise map side by side, H×W×3 uint8 (the map black when
        there is no model)."""
        image = (np.repeat(self._committed[..., None], 3, -1) * 255).astype(np.uint8)
        if self.surprise is not None and self.surprise.shape == self._committed.shape:
            heat = heat_rgba(self.surprise, self._scale_top()[0])[..., :3]
        else:
            heat = np.zeros_like(image)
        gap = np.full((self.size, 1, 3), 255, np.uint8)
        return np.concatenate([image, gap, heat], 1)

    def export_png(self, path: str | None = None) -> bool:
        from PIL import Image
        path = path or ask_save_path(self, "Export image and surprise map", "score.png")
        if not path:
            return False
        picture = self.export_picture()
        scale = max(1, 280 // self.size)

        def save():
            Image.fromarray(picture).resize((picture.shape[1] * scale, picture.shape[0] * scale),
                                            Image.Resampling.NEAREST).save(path)
        if not write_or_warn(self, save, path):
            return False
        self.message.emit(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ window
    def _save(self, **changes) -> None:
        self.prefs.update(changes)
        PREFS.set(self.prefs)

    def help_topic(self) -> str:
        return "likelihood-score"

    def set_device(self, device: str) -> None:
        """Scoring runs where the shared model is; the VAE runs on the CPU."""

    def set_data_dir(self, data_dir: str | None) -> None:
        """The held-out digits are the bundled ones, the same whatever the data folder."""

    def shutdown(self) -> bool:
        return self.vae.shutdown()
