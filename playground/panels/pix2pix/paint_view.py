"""The "Paint" view: paint a label map, and watch the generator turn it into a picture.

Every finished stroke asks the LiveTranslator for a new picture at once; while a stroke is
still being dragged it asks at most every DRAG_INTERVAL_MS. The translator keeps only the
newest request, so the GUI thread never waits for the generator and the picture is never
more than one generation behind the canvas. Beside the output, the procedural renderer's
own photo of the same map shows what the generator was trained to imitate.
"""
from __future__ import annotations

import base64
import random
import time

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel,
                               QPushButton, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from models.pix2pix.landscapes import CLASSES, render_label_map, render_photo, validate_label_map

from ... import keys
from ... import settings as app_settings
from ...widgets import ImageView
from .. import PHOTO_TRANSLATE, PHOTO_UPSCALE, receivers
from .canvas import LabelCanvas
from .paint_files import PaintFilesMixin
from .paint_source import KEY, PaintSourceMixin
from .palette import ClassPalette
from .picture_row import PictureRow
from .tool_bar import PaintToolBar, bind
from .translator import LiveTranslator


def _label_map(text: str) -> np.ndarray:
    """The painted map as saved: base64 of a square H×W uint8 array of class indices."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise app_settings.Invalid("not base64") from None
    side = int(round(len(raw) ** 0.5))
    if side == 0 or side * side != len(raw):
        raise app_settings.Invalid(f"{len(raw)} bytes are not a square map")
    try:
        return validate_label_map(np.frombuffer(raw, np.uint8).reshape(side, side))
    except ValueError as exc:
        raise app_settings.Invalid(str(exc)) from None


SEED = app_settings.Setting(KEY + "seed", 0, app_settings.integer())
NOISE = app_settings.Setting(KEY + "noise", True, app_settings.boolean)
REFERENCE = app_settings.Setting(KEY + "reference", True, app_settings.boolean)
BATCH_STATS = app_settings.Setting(KEY + "batch_stats", False, app_settings.boolean)
# a 256×256 map is 87,384 characters of base64
MAP = app_settings.Setting(KEY + "map", None, _label_map, kind="str", max_chars=100_000)

DRAG_INTERVAL_MS = 120


def resize_nearest(label_map: np.ndarray, size: int) -> np.ndarray:
    h, w = label_map.shape
    ys = (np.arange(size) * h // size).clip(0, h - 1)
    xs = (np.arange(size) * w // size).clip(0, w - 1)
    return label_map[ys[:, None], xs[None, :]]


class PaintView(PaintSourceMixin, PaintFilesMixin, QWidget):
    message = Signal(str)
    outputShown = Signal(int, float)      # request id, seconds from the request to the picture
    sendImage = Signal(str, object, str)  # hand-off (playground/panels): kind, picture, caption

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        # the painter's generator runs on the CPU (one map at a time); the data folder is
        # unused: the maps are painted. Both kept for the panels' one constructor.
        self.device, self.data_dir = device, data_dir
        self._training = False
        self.seed = SEED.get() % 2**31
        self._asked: dict[int, float] = {}
        self._shown_id = 0
        self._accept_from = 0               # results of requests before this id are stale
        self._picture_kind: tuple | None = None     # (model key, input, size) of the picture
        self.output_image: np.ndarray | None = None
        self.input_image: np.ndarray | None = None      # for models that translate RGB images
        self.translator = LiveTranslator(self)
        self.translator.translated.connect(self._on_translated)
        self.translator.failed.connect(self._on_failed)
        self._drag_timer = QTimer(self, singleShot=True, interval=DRAG_INTERVAL_MS)
        self._drag_timer.timeout.connect(self.generate)
        self._build()
        self._init_models()
        self._restore_map()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bar = self._build_model_bar(
            "Which generator paints the picture: the shipped landscapes model, the one "
            "trained in the Train tab, or one opened from a checkpoint",
            "Load a pix2pix checkpoint folder or .safetensors file",
            "Save the selected generator as a checkpoint folder")
        self.canvas = LabelCanvas()
        self.palette_list = ClassPalette()
        self.tools = PaintToolBar()
        self._shortcuts = bind(self.tools, self.palette_list, self.canvas, scope=self)
        self.canvas.edited.connect(self._stroke_moved)
        self.canvas.strokeFinished.connect(self._stroke_finished)
        self.canvas.hovered.connect(self._hovered)

        self.input_view = ImageView(min_side=128)
        load_input = QPushButton("Load input image…")
        load_input.setToolTip("This model translates photos, not label maps: pick an image "
                              "(it is resized to the model's size)")
        load_input.clicked.connect(lambda: self.load_input_image())
        rgb_page = QWidget()
        rgb_layout = QVBoxLayout(rgb_page)
        rgb_layout.addWidget(self.input_view, 1)
        rgb_layout.addWidget(load_input)
        self.input_stack = QStackedWidget()
        self.input_stack.addWidget(self.canvas)
        self.input_stack.addWidget(rgb_page)

        self.output = ImageView(min_side=128)
        self.reference = ImageView(min_side=128)
        self.pictures = PictureRow()
        self.input_caption = self.pictures.add(
            self.input_stack, "Label map: paint here",
            "Paint with the classes on the left; the picture updates after every stroke")
        self.pictures.add(self.output, "Generated  G(x)",
                          "The generator's picture of the label map")
        self.pictures.add(self.reference, "Procedural renderer (what G imitates)",
                          "The project's renderer's photo of the same map: the \"real\" "
                          "photos the shipped model was trained on")

        self.new_noise_btn = QPushButton("New noise")
        self.new_noise_btn.setToolTip(keys.tip("Draw a new dropout mask (pix2pix's only noise) "
                                               "and regenerate", keys.NEW_NOISE))
        self.new_noise_btn.clicked.connect(self.new_noise)
        self.noise_box = QCheckBox("Dropout noise")
        self.noise_box.setToolTip("Keep dropout on at test time, as the paper does; off gives "
                                  "the deterministic picture")
        self.noise_box.setChecked(NOISE.get())
        self.noise_box.toggled.connect(self._noise_toggled)
        self.batch_stats_box = QCheckBox("Batch stats at inference")
        self.batch_stats_box.setToolTip(
            "Batch norm with the statistics of the input itself, as the paper does at test "
            "time, instead of the running averages gathered in training (the running averages "
            "are not changed). One painted map is a batch of one, so each channel is "
            "normalised by this map's own mean and spread over its pixels, i.e. like instance "
            "norm: the picture then depends on the whole map, not on the training set's "
            "statistics. Off by default: the shipped model was trained on batches of 8, whose "
            "running averages suit a single map better.")
        self.batch_stats_box.setChecked(BATCH_STATS.get())
        self.batch_stats_box.toggled.connect(self._batch_stats_toggled)
        self.reference_box = QCheckBox("Show renderer")
        self.reference_box.setToolTip("Show the procedural renderer's photo of the same map")
        self.reference_box.setChecked(REFERENCE.get())
        self.reference_box.toggled.connect(self._reference_toggled)
        self.export_btn = QPushButton("Export picture…")
        self.export_btn.setToolTip(keys.tip("Save the generated picture as PNG", keys.EXPORT))
        self.export_btn.clicked.connect(lambda: self.export_output())
        # hand the generated picture on, to whichever panel translates or upscales pictures
        self.send_buttons = {}
        for kind, text, tip in (
                (PHOTO_TRANSLATE, "Translate →",
                 "Send the generated picture to the Translation panel: CycleGAN turns it into "
                 "the other style and back"),
                (PHOTO_UPSCALE, "Upscale 4× →",
                 "Send the generated picture to Super-resolution: bicubic, SRResNet and SRGAN "
                 "side by side (paint → pix2pix → SRGAN)")):
            button = QPushButton(text)
            takers = receivers(kind)
            button.setToolTip(tip if takers else f"{tip}. No panel takes it in this build.")
            button.setEnabled(bool(takers))
            button.clicked.connect(lambda _=False, k=kind: self.send_output(k))
            self.send_buttons[kind] = button
        self.random_btn = QPushButton("Random example")
        self.random_btn.setToolTip("Replace the map with a random landscape layout from the "
                                   f"dataset ({keys.RANDOM.native()}); undo brings yours back")
        self.random_btn.clicked.connect(self.random_example)
        self.load_btn = QPushButton("Open map…")
        self.load_btn.setToolTip(f"Load a label map PNG ({keys.LOAD_INPUT.native()}): palette, greyscale indices, "
                                 "or exact class colours")
        self.load_btn.clicked.connect(lambda: self.load_map())
        self.save_map_btn = QPushButton("Save map…")
        self.save_map_btn.setToolTip(keys.tip("Save the label map as a palette PNG", keys.SAVE_INPUT))
        self.save_map_btn.clicked.connect(lambda: self.save_map())

        self.palette_list.setMaximumWidth(190)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Classes</b>"))
        left.addWidget(self.palette_list)
        left.addStretch(1)
        actions = QHBoxLayout()
        for w in (self.random_btn, self.load_btn, self.save_map_btn):
            actions.addWidget(w)
        actions.addStretch(1)
        for w in (self.noise_box, self.new_noise_btn, self.batch_stats_box, self.reference_box,
                  self.export_btn, *self.send_buttons.values()):
            actions.addWidget(w)
        self.status = QLabel()
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        right = QVBoxLayout()
        right.addWidget(self.tools)
        right.addWidget(self.pictures)
        right.addLayout(actions)
        right.addWidget(self.status)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        self.model_box.currentIndexChanged.connect(
            lambda _: self.select_model(self.model_box.currentData()))
        for action, slot, what in ((keys.NEW_NOISE, self.new_noise, "New noise: a new dropout mask"),
                                   (keys.EXPORT, self.export_output, "Export the picture as PNG"),
                                   (keys.RANDOM, self.random_example,
                                    "A random example from the procedural dataset"),
                                   (keys.LOAD_INPUT, self.load_map, "Open a label map"),
                                   (keys.SAVE_INPUT, self.save_map, "Save the label map")):
            keys.shortcut(action, self, lambda s=slot: s(), what,
                          Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def send_output(self, kind: str) -> bool:
        """Hand the generated picture to the panel that takes `kind` (hand-off)."""
        if self.output_image is None:
            self.message.emit("There is no generated picture to send yet: paint a map first.")
            return False
        self.sendImage.emit(kind, np.array(self.output_image, np.uint8, copy=True),
                            f"pix2pix's picture of your map ({self.output_image.shape[1]} px)")
        return True

    # ------------------------------------------------------------------ the map
    def _restore_map(self) -> None:
        lab = MAP.get()
        if lab is None:
            lab = render_label_map(0, 64)
        size = self._model_size()
        self.canvas.set_map(lab if len(lab) == size else resize_nearest(lab, size), record=False)

    def _remember_map(self) -> None:
        MAP.set(base64.b64encode(self.canvas.label_map().tobytes()).decode())

    def label_map(self) -> np.ndarray:
        return self.canvas.label_map()

    def random_example(self) -> None:
        size = self._model_size()
        self.canvas.set_map(render_label_map(random.randrange(2**31), size))
        self.message.emit(f"A random layout from the procedural dataset ({keys.UNDO.native()} brings "
                          "yours back)")

    # ------------------------------------------------------------------ generation
    def _model_size(self) -> int:
        model = self.current_model()
        return model.config.size if model is not None else self.canvas.map_size()[0]

    def _model_changed(self) -> None:
        model = self.current_model()
        # a picture of the previous model must neither stay nor arrive late; a new snapshot
        # of the same run keeps the old picture until its own arrives (no flicker)
        self._accept_from = self.translator.last_id + 1
        kind = None if model is None else (self.current_key(), model.config.input, model.config.size)
        if kind != self._picture_kind:
            self.output_image = None
            self.output.set_image(None)
        self._picture_kind = kind
        rgb = model is not None and model.config.input == "rgb"
        self.input_stack.setCurrentIndex(1 if rgb else 0)
        for w in (self.palette_list, self.tools, self.random_btn, self.load_btn,
                  self.save_map_btn, self.reference_box):
            w.setEnabled(not rgb)
        self.palette_list.set_coverage(None if rgb else self.canvas.label_map())
        self.pictures.set_shown(self.reference, not rgb and self.reference_box.isChecked())
        self.input_caption.setText("Input image A" if rgb else "Label map: paint here")
        if model is not None and not rgb and self.canvas.map_size()[0] != model.config.size:
            self.canvas.set_map(resize_nearest(self.canvas.label_map(), model.config.size),
                                record=False)
            self.message.emit(f"The map was resized to {model.config.size}×{model.config.size} "
                              "for this model")
        self.generate()
        self._update_reference()

    def generate(self) -> None:
        """Ask for a picture of the current map (or input image) with the current noise."""
        self._drag_timer.stop()
        model = self.current_model()
        if model is None:
            self.output.set_image(None)
            return
        if model.config.input == "rgb":
            if self.input_image is None:
                self.output.set_image(None)
                self.status.setText("Load an input image to translate.")
                return
            x = self.input_image
        else:
            x = self.canvas.label_map()
        rid = self.translator.request(model, x, self.seed, self.noise_box.isChecked(),
                                      self.batch_stats_box.isChecked())
        self._asked[rid] = time.perf_counter()

    def _stroke_moved(self) -> None:
        if not self._drag_timer.isActive():
            self._drag_timer.start()

    def _stroke_finished(self) -> None:
        self.generate()
        self._update_reference()
        self._remember_map()

    def _on_translated(self, image, rid: int, _seconds: float) -> None:
        asked = self._asked.pop(rid, None)
        for old in [k for k in self._asked if k < rid]:
            del self._asked[old]          # overtaken by this newer request
        if rid < self._shown_id or rid < self._accept_from:
            return
        self._shown_id = rid
        self.output_image = image
        self.output.set_image(image)
        self.output.repaint()             # the latency counts until the pixels are on screen
        if asked is not None:
            latency = time.perf_counter() - asked
            self.status.setText(f"Picture in {latency * 1000:.0f} ms · noise seed {self.seed}"
                                + ("" if self.noise_box.isChecked() else " (off)")
                                + (" · batch stats of this map" if
                                   self.batch_stats_box.isChecked() else ""))
            self.outputShown.emit(rid, latency)

    def _on_failed(self, text: str, rid: int) -> None:
        self._asked.pop(rid, None)
        if rid < self._accept_from:
            return
        self.status.setText(f"<span style='color:#b00020'>Could not translate: {text}</span>")
        self.message.emit(f"Could not translate: {text}")

    def new_noise(self) -> None:
        self.seed = random.randrange(2**31)
        SEED.set(self.seed)
        if not self.noise_box.isChecked():
            self.noise_box.setChecked(True)       # regenerates
        else:
            self.generate()

    def _noise_toggled(self, on: bool) -> None:
        NOISE.set(bool(on))
        self.new_noise_btn.setEnabled(on)
        self.generate()

    def _batch_stats_toggled(self, on: bool) -> None:
        BATCH_STATS.set(bool(on))
        self.generate()

    def _reference_toggled(self, on: bool) -> None:
        REFERENCE.set(bool(on))
        model = self.current_model()
        self.pictures.set_shown(self.reference,
                                on and not (model is not None and model.config.input == "rgb"))
        self._update_reference()

    def _update_reference(self) -> None:
        if self.reference.isVisibleTo(self):
            self.reference.set_image(render_photo(self.canvas.label_map(), self.seed))

    def _hovered(self, x: int, y: int, cls: int) -> None:
        if x < 0:
            self.message.emit("")
        elif 0 <= cls < len(CLASSES):
            self.message.emit(f"({x}, {y}) · {CLASSES[cls].name}")

    # ------------------------------------------------------------------ training link
    def set_trained(self, model, live: bool) -> None:
        """The Train tab's generator: a snapshot while it trains (live), then the result."""
        self._training = live
        self.set_trained_model(model, live)

    def shutdown(self) -> bool:
        self._drag_timer.stop()
        self._remember_map()
        return self.translator.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)
