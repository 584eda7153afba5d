"""The Translation panel: unpaired translation (CycleGAN, UNIT) and super-resolution (SRGAN).

Four views in tabs: Translate (x, G(x), F(G(x)) and the cycle error), Train (a CycleGAN or
UNIT live, with the cycle switch), Shared latent (UNIT's codes of both domains in one plane)
and Super-resolution (bicubic, SRResNet and SRGAN side by side). Pictures handed over by
other panels (hand-off, playground/panels) go to Translate or Super-resolution.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ... import settings as app_settings
from .. import PHOTO_TRANSLATE, PHOTO_UPSCALE
from .latent_view import LatentView
from .superres_view import SuperResView
from .train_view import TrainView
from .translate_view import TranslateView

VIEW = app_settings.Setting("translation/view", 0, app_settings.integer(0, 3))


class TranslationPanel(QWidget):
    message = Signal(str)
    title = "Translation"
    families = ("cyclegan", "unit", "superres")

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.translate = TranslateView(device=device, data_dir=data_dir)
        self.train = TrainView(device=device, data_dir=data_dir)
        self.latent = LatentView(device=device, data_dir=data_dir)
        self.superres = SuperResView(device=device, data_dir=data_dir)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        for view, name, tip in (
                (self.translate, "Translate",
                 "Pick or paint a picture: x, its translation G(x), the way back F(G(x)) and "
                 "where the cycle fails"),
                (self.train, "Train",
                 "Train a CycleGAN or UNIT live, with its four loss curves and the cycle switch"),
                (self.latent, "Shared latent",
                 "UNIT: codes of both domains in one plane, coloured by domain or by class"),
                (self.superres, "Super-resolution",
                 "A low-resolution picture beside bicubic, SRResNet and SRGAN, with one zoom")):
            i = self.views.addTab(view, name)
            self.views.setTabToolTip(i, tip)
            view.message.connect(self.message)
        # every snapshot of a run in the Train tab becomes "Trained here" in the other views
        self.train.modelTrained.connect(self._trained)
        self.views.setCurrentIndex(VIEW.get())
        self.views.currentChanged.connect(VIEW.set)
        # the view shown takes the keyboard, so its shortcuts (X, Ctrl+R, Ctrl++ …) work at
        # once, not only after a click into it (a fresh window focuses the tab bar)
        self.views.currentChanged.connect(lambda _i: self._focus_view())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)

    def _focus_view(self) -> None:
        if self.isVisible():
            self.views.currentWidget().setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self._focus_view()

    def _trained(self, state, meta) -> None:
        live = self.train.busy()
        for view in (self.translate, self.latent):
            view.set_trained(state, meta, live)

    def receive(self, kind: str, image, caption: str) -> None:
        """A picture handed over by another panel (hand-off)."""
        view = self.superres if kind == PHOTO_UPSCALE else self.translate
        if kind not in (PHOTO_TRANSLATE, PHOTO_UPSCALE):
            self.message.emit(f"The Translation panel does not take {kind!r} pictures.")
            return
        self.views.setCurrentWidget(view)
        view.receive(image, caption)

    def help_topic(self) -> str:
        """F1: the help page of the current view."""
        view = self.views.currentWidget()
        return getattr(view, "help_topic", lambda: "translation")()

    def open_checkpoint(self, path: str | None = None) -> bool:
        """A super-resolution checkpoint opens in Super-resolution, a translator in Translate
        (or Shared latent when that is showing); with no path, the view showing asks."""
        view = self.views.currentWidget()
        if path is not None:
            from models.checkpoint import CheckpointError, read_meta
            try:
                family = read_meta(path).get("family")
            except (CheckpointError, OSError, ValueError):
                family = None                  # the view's own opener says what is wrong
            if family == "superres":
                view = self.superres
            elif family in ("cyclegan", "unit") and view not in (self.translate, self.latent):
                view = self.translate
        self.views.setCurrentWidget(view)
        opener = getattr(view, "open_checkpoint", None) or self.translate.open_checkpoint
        return opener(path)

    def save_checkpoint(self, path: str | None = None) -> bool:
        saver = getattr(self.views.currentWidget(), "save_checkpoint", None)
        if saver is None:
            self.message.emit("Only a model trained in the Train tab can be saved.")
            return False
        return saver(path)

    def set_device(self, device: str) -> None:
        for view in (self.translate, self.train, self.latent, self.superres):
            view.set_device(device)

    def set_data_dir(self, data_dir: str | None) -> None:
        for view in (self.translate, self.train, self.latent, self.superres):
            getattr(view, "set_data_dir", lambda _d: None)(data_dir)

    def shutdown(self) -> bool:
        return all([view.shutdown() for view in (self.translate, self.train, self.latent,
                                                  self.superres)])
