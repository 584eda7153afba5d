"""The Translate view: a picture x, its translation G(x), the way back F(G(x)), and where the
cycle fails, |x − F(G(x))|, side by side; beside them the held-out truth where one exists.

The model comes from the picker (translate_source): a shipped CycleGAN or UNIT, a checkpoint
opened from disk, or the Train view's run. The input is a held-out example of the model's
domains, a picture file, or a picture handed over by another panel (pix2pix's painter); it is
re-made for every model and direction (translate_examples). Making the input and running the
two generators takes 0.1–1 s on a busy CPU (measured: a 64-px ResNet of the shipped size is
~0.7 s for the round trip on one thread while trainings run), so it all runs on a worker
thread (playground/latest_worker.py), and the newest request wins.
"""
from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QHBoxLayout, QLabel,
                               QMessageBox, QPushButton, QSizePolicy, QVBoxLayout, QWidget)

from ... import keys
from ... import settings as app_settings
from ...widgets import ImageView, ask_save_path, save_widget_png
from ..pix2pix.picture_row import PictureRow
from .translate_examples import (GREY_RULE, N_DIGITS, SQUARE_RULE, InputError, Source,
                                 digits_ready, has_examples, open_picture, picture_from_array,
                                 round_trip)
from .translate_heat import SCALES, ErrorMap
from .translate_source import DIGITS, TranslatorSource, data_kind, domain_names
from ...latest_worker import LatestWorker

KEY = "translation/translate/"
DIRECTION = app_settings.Setting(KEY + "direction", "AtoB", app_settings.one_of("AtoB", "BtoA"))
SCALE = app_settings.Setting(KEY + "scale", 1, app_settings.integer(0, len(SCALES) - 1))
FILE_DIR = app_settings.Setting(KEY + "file_dir", "", app_settings.path, kind="str")
EXPORT_DIR = app_settings.Setting(KEY + "export_dir", "", app_settings.path, kind="str")
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp *.gif *.tif *.tiff);;All files (*)"


class TranslateView(TranslatorSource, QWidget):
    message = Signal(str)
    shown = Signal()                # a translation reached the screen (tests wait for it)
    settings_key = KEY

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        # the translators run on the CPU: one picture at a time is quick there; the data
        # folder is unused (the examples are made here). Kept for the panel's one constructor.
        self.device, self.data_dir = device, data_dir
        self._live = False
        self._stale = False            # a request waits for the view to be shown
        self.direction = DIRECTION.get()
        self.source = Source(index=random.randrange(10_000))
        self.result: dict | None = None
        self._shown_id = 0
        self._accept_from = 0
        self.worker = LatestWorker("translate-view", self)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self._build()
        self._init_models()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bar = self._build_model_bar(
            "Which translator: the shipped CycleGANs and UNIT, one opened from a checkpoint, "
            "or the one trained in the Train tab (hover an entry: its domains, λ and steps)",
            "Load a CycleGAN or UNIT checkpoint folder or .safetensors file",
            "Save the selected translator as a checkpoint folder")
        self.a_to_b = QPushButton("A → B")
        self.b_to_a = QPushButton("B → A")
        self.directions = QButtonGroup(self)
        for button, d in ((self.a_to_b, "AtoB"), (self.b_to_a, "BtoA")):
            button.setCheckable(True)
            self.directions.addButton(button)
            button.clicked.connect(lambda _=False, d=d: self.set_direction(d))
        self.directions.setExclusive(True)
        self.random_btn = QPushButton("Random example")
        self.random_btn.clicked.connect(self.random_example)
        self.open_image_btn = QPushButton("Open image…")
        self.open_image_btn.setToolTip(
            f"Translate a picture of your own ({keys.LOAD_INPUT.native()}): it is {SQUARE_RULE}"
            f"; {GREY_RULE} where the model's input is grey (UNIT's MNIST side)")
        self.open_image_btn.clicked.connect(lambda: self.open_image())
        self.scale_box = QComboBox()
        for name, _ in SCALES:
            self.scale_box.addItem(name)
        self.scale_box.setCurrentIndex(SCALE.get())
        self.scale_box.setToolTip("The colour scale of the cycle error map (1 = 255 levels "
                                  "apart); a fixed scale lets two models be compared by eye")
        self.scale_box.currentIndexChanged.connect(self._scale_changed)
        self.export_btn = QPushButton("Export…")
        self.export_btn.setToolTip(keys.tip("Save the row of pictures, as shown, as a PNG",
                                            keys.EXPORT))
        self.export_btn.clicked.connect(lambda: self.export_png())

        self.x_view = ImageView(min_side=128)
        self.y_view = ImageView(min_side=128)
        self.back_view = ImageView(min_side=128)
        self.error_map = ErrorMap()
        self.truth_view = ImageView(min_side=128)
        self.pictures = PictureRow()
        self.captions = {
            "x": self.pictures.add(self.x_view, "x", "The input picture"),
            "y": self.pictures.add(self.y_view, "G(x)", "The translation to the other domain"),
            "back": self.pictures.add(self.back_view, "F(G(x))",
                                      "Translated back: what the cycle loss compares with x"),
            "error": self.pictures.add(
                self.error_map, "|x − F(G(x))|",
                "Where the way back fails: |x − F(G(x))| per pixel, the mean over the colour "
                "channels, on the scale of the bar (1 = 255 levels apart)"),
            "truth": self.pictures.add(
                self.truth_view, "truth",
                "The same scene (or digit) really drawn in the other style: a held-out pair, "
                "never seen in training. CycleGAN never sees pairs; this is for you to judge"),
        }
        self.pictures.setMinimumHeight(180)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setToolTip("The mean of the error map: how far, on average, the round "
                                "trip lands from x (0 = exactly back, 1 = 255 levels apart)")
        self.status = QLabel()
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # what Export saves: the pictures and the number under them
        self.export_area = QWidget()
        area = QVBoxLayout(self.export_area)
        area.setContentsMargins(0, 0, 0, 0)
        area.addWidget(self.pictures)
        under = QHBoxLayout()
        under.addStretch(1)
        under.addWidget(self.summary)
        under.addSpacing(16)
        under.addWidget(QLabel("error scale"))
        under.addWidget(self.error_map.bar)
        under.addStretch(1)
        area.addLayout(under)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Direction"))
        controls.addWidget(self.a_to_b)
        controls.addWidget(self.b_to_a)
        controls.addSpacing(16)
        controls.addWidget(self.random_btn)
        controls.addWidget(self.open_image_btn)
        controls.addStretch(1)
        controls.addWidget(QLabel("Error scale"))
        controls.addWidget(self.scale_box)
        controls.addWidget(self.export_btn)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addLayout(controls)
        layout.addWidget(self.export_area)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        self.model_box.currentIndexChanged.connect(
            lambda _: self.select_model(self.model_box.currentData()))
        self._shortcuts = []
        for action, slot, what in (
                (keys.RANDOM, self.random_example, "A random held-out example to translate"),
                (keys.LOAD_INPUT, self.open_image, "Open a picture to translate"),
                (keys.EXPORT, self.export_png, "Export the row of pictures as PNG"),
                (keys.SWAP, self.swap_direction, "Swap the direction, A → B or B → A")):
            self._shortcuts += keys.shortcut(action, self, lambda s=slot: s(), what,
                                             Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # ------------------------------------------------------------------ model and direction
    def _model_shown(self, key, model) -> None:
        self._accept_from = self.worker.last_id + 1     # a late picture of the old model is dropped
        self._update_labels(model)
        if model is None:
            self._clear()
            self.status.setText("")
            return
        self.request()

    def _update_labels(self, model) -> None:
        a, b = domain_names(model) if model is not None else ("A", "B")
        for button, d, text in ((self.a_to_b, "AtoB", f"{a} → {b}"),
                                (self.b_to_a, "BtoA", f"{b} → {a}")):
            button.setText(text)
            button.setChecked(d == self.direction)
            button.setToolTip(keys.tip(f"Translate {text}", keys.SWAP))
        there, back = ("G", "F") if self.direction == "AtoB" else ("F", "G")
        src, dst = (a, b) if self.direction == "AtoB" else (b, a)
        # "x: summer", never "x (A)": a bracketed capital reads as a shortcut key
        self.captions["x"].setText(f"x: {src}")
        self.captions["y"].setText(f"{there}(x): {dst}")
        self.captions["back"].setText(f"{back}({there}(x)): {src} again")
        self.captions["error"].setText(f"|x − {back}({there}(x))|")
        self.captions["truth"].setText(f"truth: {dst}")
        examples = model is not None and has_examples(model)
        self.random_btn.setEnabled(examples)
        self.random_btn.setToolTip(keys.tip(
            "A random held-out example of the model's domains (landscape pairs, or the digits "
            "of assets/datasets/mnist-sample as they are and textured)", keys.RANDOM)
            if examples or model is None else
            "This model trained on your own folders: there are no held-out examples; open an "
            "image instead")

    def set_direction(self, direction: str) -> None:
        if direction not in ("AtoB", "BtoA"):
            raise ValueError(f"direction must be 'AtoB' or 'BtoA', not {direction!r}")
        self.direction = direction
        DIRECTION.set(direction)
        self._update_labels(self.current_model())
        self.request()

    def swap_direction(self) -> None:
        self.set_direction("BtoA" if self.direction == "AtoB" else "AtoB")

    # ------------------------------------------------------------------ inputs
    def random_example(self) -> None:
        model = self.current_model()
        if model is not None and not has_examples(model):
            self.message.emit("This model trained on your own folders: there are no held-out "
                              "examples of its domains. Open an image instead.")
            return
        self.source = Source(index=random.randrange(10_000))
        self.request()

    def open_image(self, path: str | None = None) -> bool:
        """Translate a picture file; an unreadable one is refused and nothing changes."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open image to translate",
                                                  FILE_DIR.get() or str(Path.home()),
                                                  IMAGE_FILTER)
            if not path:
                return False
            FILE_DIR.set(str(Path(path).parent))
        try:
            picture = open_picture(path)
        except InputError as exc:
            QMessageBox.warning(self, "Cannot use this image",
                                f"{exc}\n\nThe picture shown is unchanged.")
            return False
        w, h = picture.size
        self.source = Source(picture=picture,
                             caption=f"{Path(path).name} ({w}×{h}, {picture.mode})")
        self.request()
        return True

    def receive(self, image, caption: str) -> None:
        """A picture handed over by another panel (pix2pix's painter: 64×64×3)."""
        try:
            picture = picture_from_array(image)
        except InputError as exc:
            self.message.emit(f"Cannot translate the picture handed over: {exc}")
            return
        self.source = Source(picture=picture, caption=caption or "a picture handed over")
        self.request()

    # ------------------------------------------------------------------ translating
    def request(self) -> int | None:
        """Translate the current input with the current model and direction (off the GUI
        thread); returns the request id, None when there is no model."""
        model = self.current_model()
        if model is None:
            return None
        if not self.isVisible():
            # made when the view is first shown: an app start must not spend a core on a tab
            # nobody opened (texturing the digits alone takes seconds)
            self._stale = True
            return None
        self._stale = False
        source, direction = self.source, self.direction
        slow = source.is_example and data_kind(model) == DIGITS and not digits_ready()
        if source.is_example and not has_examples(model):
            self._clear()
            self.status.setText("This model trained on your own folders, so there are no "
                                "held-out examples of its domains: open an image "
                                f"({keys.LOAD_INPUT.native()}) or send one from another panel.")
            return None
        self.status.setText(f"Texturing the {N_DIGITS} held-out digits (once, a few seconds)…"
                            if slow else "Translating…")
        return self.worker.submit(lambda: round_trip(model, source, direction))

    def _on_done(self, result: dict, rid: int, seconds: float) -> None:
        if rid < self._accept_from or rid < self._shown_id:
            return
        self._shown_id = rid
        self.result = result
        self.x_view.set_image(result["x"])
        self.y_view.set_image(result["y"])
        self.back_view.set_image(result["back"])
        self._show_error()
        self.truth_view.set_image(result["truth"])
        self.pictures.set_shown(self.truth_view, result["truth"] is not None)
        busy = " · translating the newest request…" if rid < self.worker.last_id else ""
        self.status.setText(f"{result['caption']} · {seconds * 1000:.0f} ms{busy}")
        self.shown.emit()

    def _show_error(self) -> None:
        error = None if self.result is None else self.result["error"]
        self.error_map.set_error(error, SCALES[self.scale_box.currentIndex()][1])
        if error is None:
            self.summary.setText("")
            return
        mean = float(error.mean())
        what = self.captions["error"].text()          # |x − F(G(x))|, or |x − G(F(x))| for B → A
        self.summary.setText(f"mean cycle error {what} = <b>{mean:.4f}</b> "
                             f"({mean * 255:.1f} of 255 levels) · largest {error.max():.3f}")

    def _on_failed(self, text: str, rid: int) -> None:
        if rid < self._accept_from:
            return
        self.status.setText(f"<span style='color:#b00020'>Could not translate: {text}</span>")
        self.message.emit(f"Could not translate: {text}")

    def _scale_changed(self, index: int) -> None:
        SCALE.set(int(index))
        self._show_error()

    def _clear(self) -> None:
        self.result = None
        for view in (self.x_view, self.y_view, self.back_view, self.truth_view):
            view.set_image(None)
        self._show_error()

    # ------------------------------------------------------------------ files
    def export_png(self, path: str | None = None) -> bool:
        if self.result is None:
            QMessageBox.information(self, "Export", "There is nothing to export yet: pick an "
                                    "available model and an input.")
            return False
        if path is None:
            path = ask_save_path(self, EXPORT_DIR, "Export translation", "translation.png")
            if path is None:
                return False
        if save_widget_png(self, self.export_area, path, "translation.png"):
            self.message.emit(f"Saved {path}")
            return True
        return False

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self._stale:
            self.request()

    def settled(self) -> bool:
        """Every request made so far has been answered (tests wait for it)."""
        return self.worker.settled

    # ------------------------------------------------------------------ the panel's hooks
    def help_topic(self) -> str:
        return "translation"

    def set_device(self, device: str) -> None:
        self.device = device

    def shutdown(self) -> bool:
        return self.worker.shutdown()
