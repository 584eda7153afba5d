"""The Shared latent view: UNIT's claim, tested on held-out digits.

UNIT encodes both domains into one latent space. Here the same N_DIGITS held-out MNIST digits
are encoded as they are (A) and textured (B), both sets are projected with one PCA (fitted on
their union) onto a plane, and plotted together: ● for A, ▲ for B, coloured by domain or by
class. A number says how close a digit's two codes land compared with two different digits'
(latent_codes). Clicking a point shows that digit in both domains and both translations.
A CycleGAN has no such space; the view says so instead of plotting. The codes are computed on
a worker thread (encoding 1,000 digits takes a second or more on a busy CPU).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from models.translation.api import UNITModel

from ... import keys
from ... import settings as app_settings
from ...widgets import ImageView, ask_save_path, save_widget_png
from .latent_codes import SharedCodes, shared_codes
from .latent_scatter import SYMBOL_TEXT, SharedScatter
from .translate_examples import N_DIGITS
from .translate_source import TranslatorSource, domain_names
from ...latest_worker import LatestWorker

KEY = "translation/latent/"
COLOUR_BY = app_settings.Setting(KEY + "colour_by", "domain", app_settings.one_of("domain", "class"))
EXPORT_DIR = app_settings.Setting(KEY + "export_dir", "", app_settings.path, kind="str")

NO_SHARED_SPACE = (
    "<b>A CycleGAN has no shared latent space.</b><br>Its G and F map pictures straight to "
    "pictures; nothing in between is common to both domains, so there is nothing to plot "
    "here. UNIT encodes both domains into one space (z = E<sub>A</sub>(a) = E<sub>B</sub>(b) "
    "for a pair): pick <i>Shipped · UNIT digits</i>, open a UNIT checkpoint, or train one in "
    "the Train tab.")


class LatentView(TranslatorSource, QWidget):
    message = Signal(str)
    shown = Signal()                 # the codes of a model reached the plot (tests wait for it)
    settings_key = KEY
    default_model = "digits-unit"

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None, n_digits: int = N_DIGITS):
        super().__init__(parent)
        self.device, self.data_dir = device, data_dir
        self.n_digits = n_digits
        self._live = False
        self._stale = False
        self.codes: SharedCodes | None = None
        self.picked: tuple[str, int] | None = None
        self._cache: dict[int, tuple[object, SharedCodes]] = {}   # id(model) → (model, codes)
        self._accept_from = 0
        self.worker = LatestWorker("latent-view", self)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self._build()
        self._init_models()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bar = self._build_model_bar(
            "Which UNIT: the shipped digits model, one opened from a checkpoint, or the one "
            "trained in the Train tab (a CycleGAN has no shared space to show)",
            "Load a UNIT (or CycleGAN) checkpoint folder or .safetensors file",
            "Save the selected model as a checkpoint folder")
        self.colour_box = QComboBox()
        self.colour_box.addItem("domain", "domain")
        self.colour_box.addItem("class (digit)", "class")
        self.colour_box.setCurrentIndex(self.colour_box.findData(COLOUR_BY.get()))
        self.colour_box.setToolTip("Colour the points by their domain (MNIST or textured) or "
                                   "by the digit they show; the symbol always tells the domain")
        self.colour_box.currentIndexChanged.connect(self._colour_changed)
        self.export_btn = QPushButton("Export…")
        self.export_btn.setToolTip(keys.tip("Save the plot and the picked digit as a PNG",
                                            keys.EXPORT))
        self.export_btn.clicked.connect(lambda: self.export_png())

        self.scatter = SharedScatter()
        self.scatter.setToolTip("Each held-out digit twice: ● as MNIST, domain A; ▲ textured, "
                                "domain B; both encoded by UNIT and projected with one PCA. Click "
                                "a point to see that digit; wheel or right-drag to zoom")
        self.scatter.pointClicked.connect(self._picked)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setTextFormat(Qt.TextFormat.RichText)
        self.empty.setMargin(40)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.scatter)
        self.stack.addWidget(self.empty)

        self.digit_views = {}
        grid = QGridLayout()
        for k, (name, tip) in enumerate((
                ("a", "The digit in domain A (MNIST)"),
                ("b", "The same digit textured (domain B)"),
                ("a_to_b", "UNIT's translation of the A digit into B: E_A, then G_B"),
                ("b_to_a", "UNIT's translation of the B digit into A: E_B, then G_A"))):
            view = ImageView(min_side=110)
            view.setToolTip(tip)
            caption = QLabel()
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(caption, 2 * (k // 2), k % 2)
            grid.addWidget(view, 2 * (k // 2) + 1, k % 2)
            self.digit_views[name] = (view, caption)
        self.picked_label = QLabel("Click a point to see its digit.")
        self.picked_label.setWordWrap(True)
        side = QVBoxLayout()
        side.addWidget(self.picked_label)
        side.addLayout(grid)
        side.addStretch(1)
        self.side = QWidget()
        self.side.setLayout(side)
        self.side.setFixedWidth(260)

        self.stats = QLabel()
        self.stats.setWordWrap(True)
        self.stats.setTextFormat(Qt.TextFormat.RichText)
        self.stats.setToolTip("Mean Euclidean distance in the full code space (not the plane): "
                              "between a digit's own two codes, and between the A code of one "
                              "digit and the B code of another (all pairs i ≠ j)")
        self.status = QLabel()
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("Colour by"))
        controls.addWidget(self.colour_box)
        controls.addStretch(1)
        controls.addWidget(self.export_btn)
        self.export_area = QWidget()
        body = QHBoxLayout(self.export_area)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.stack, 1)
        body.addWidget(self.side)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addLayout(controls)
        layout.addWidget(self.export_area, 1)
        layout.addWidget(self.stats)
        layout.addWidget(self.status)
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        self.model_box.currentIndexChanged.connect(
            lambda _: self.select_model(self.model_box.currentData()))
        self.scatter.set_colour_by(COLOUR_BY.get())
        self._shortcuts = keys.shortcut(keys.EXPORT, self, lambda: self.export_png(),
                                        "Export the shared-latent plot as PNG",
                                        Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # ------------------------------------------------------------------ the model
    def _model_shown(self, key, model) -> None:
        self._accept_from = self.worker.last_id + 1
        self.codes = None
        self.scatter.clear()
        self._show_digit(None)
        self.stats.setText("")
        if model is None:
            self._empty("No model: pick an available one, open a UNIT checkpoint, or train one.")
            return
        if not isinstance(model, UNITModel):
            self._empty(NO_SHARED_SPACE)
            self.status.setText("")
            return
        self.stack.setCurrentWidget(self.scatter)
        self.side.show()
        cached = self._cache.get(id(model))
        if cached is not None and cached[0] is model:
            self._show_codes(cached[1])
            return
        if not self.isVisible():
            self._stale = True          # encoded when the view is first shown, not at app start
            return
        self._stale = False
        n = self.n_digits
        self.status.setText(f"Encoding {n} held-out digits in both domains…")
        self.worker.submit(lambda: (model, shared_codes(model, n)))

    def _empty(self, html: str) -> None:
        self.empty.setText(html)
        self.stack.setCurrentWidget(self.empty)
        self.side.hide()

    def _on_done(self, result, rid: int, seconds: float) -> None:
        if rid < self._accept_from:
            return
        model, codes = result
        if model is not self.current_model():
            return
        self._cache = {id(model): (model, codes)}     # one model's codes: a snapshot replaces
        self._show_codes(codes)
        self.status.setText(f"{len(codes.labels)} digits encoded twice in "
                            f"{seconds:.1f} s · {codes.source}")

    def _on_failed(self, text: str, rid: int) -> None:
        if rid < self._accept_from:
            return
        self.status.setText(f"<span style='color:#b00020'>Could not encode: {text}</span>")
        self.message.emit(f"Could not encode the digits: {text}")

    def _show_codes(self, codes: SharedCodes) -> None:
        self.codes = codes
        names = domain_names(self.current_model())
        e1, e2 = codes.explained
        self.scatter.set_codes(codes.xy_a, codes.xy_b, codes.labels, names,
                               (f"PCA axis 1 ({e1:.0%} of the variance)",
                                f"PCA axis 2 ({e2:.0%})"))
        for key, name in (("a", names[0]), ("b", names[1])):
            self.digit_views[key][1].setText(f"{SYMBOL_TEXT[key.upper()]} {name}")
        self.digit_views["a_to_b"][1].setText(f"{names[0]} → {names[1]}")
        self.digit_views["b_to_a"][1].setText(f"{names[1]} → {names[0]}")
        self.stats.setText(
            f"Mean distance between a digit's two codes: <b>{codes.paired:.3f}</b> · between "
            f"different digits' A and B codes: <b>{codes.random:.3f}</b> · ratio "
            f"<b>{codes.ratio:.2f}</b> (in the full {codes.dim}-dimensional code space; well "
            "below 1 means the two domains share the space). One PCA, fitted on both sets "
            "together, projects them onto the plane.")
        self.shown.emit()

    # ------------------------------------------------------------------ picking
    def _picked(self, domain: str, index: int) -> None:
        self._show_digit(index, domain)

    def _show_digit(self, index: int | None, domain: str = "A") -> None:
        if index is None or self.codes is None:
            for view, _ in self.digit_views.values():
                view.set_image(None)
            self.picked_label.setText("Click a point to see its digit in both domains and "
                                      "its translations.")
            return
        c = self.codes
        self.scatter.select(index)
        for key, image in (("a", c.grey[index]), ("b", c.textured[index]),
                           ("a_to_b", c.a_to_b[index]), ("b_to_a", c.b_to_a[index])):
            self.digit_views[key][0].set_image(image)
        self.picked_label.setText(f"Digit {index} (a {c.labels[index]}), clicked as its "
                                  f"{SYMBOL_TEXT[domain]} {domain} code. The line joins its "
                                  "two codes.")
        self.picked = (domain, index)

    def _colour_changed(self, _index: int) -> None:
        mode = self.colour_box.currentData()
        COLOUR_BY.set(mode)
        self.scatter.set_colour_by(mode)

    # ------------------------------------------------------------------ files and hooks
    def export_png(self, path: str | None = None) -> bool:
        if self.codes is None:
            self.message.emit("There is no plot to export: pick a UNIT model first.")
            return False
        if path is None:
            path = ask_save_path(self, EXPORT_DIR, "Export shared latent", "shared-latent.png")
            if path is None:
                return False
        if save_widget_png(self, self.export_area, path, "shared-latent.png"):
            self.message.emit(f"Saved {path}")
            return True
        return False

    def receive(self, image, caption: str) -> None:
        self.message.emit("The Shared latent view plots held-out digits; send pictures to "
                          "the Translate view.")

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self._stale:
            self._model_shown(self.current_key(), self.current_model())

    def settled(self) -> bool:
        """Every request made so far has been answered (tests wait for it)."""
        return self.worker.settled

    def help_topic(self) -> str:
        return "translation-latent"

    def set_device(self, device: str) -> None:
        self.device = device

    def shutdown(self) -> bool:
        return self.worker.shutdown()
