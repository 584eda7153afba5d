"""The pix2pix panel: paint a label map and get a picture; train a translator live.

The Train tab hands every generator snapshot to the Paint tab as its "Trained here"
model, so a user can paint with the model while it is still learning.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ... import settings as app_settings
from ..model_source import TRAINED
from .paint_source import SnapshotModel
from .paint_view import PaintView
from .train_view import TrainView

VIEW = app_settings.Setting("pix2pix/view", 0, app_settings.integer(0, 1))


class Pix2PixPanel(QWidget):
    message = Signal(str)
    sendImage = Signal(str, object, str)      # the Paint view's pictures, handed on
    title = "pix2pix"
    families = ("pix2pix",)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.paint = PaintView(device=device, data_dir=data_dir)
        self.train = TrainView(device=device, data_dir=data_dir)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        for view, name, tip in (
                (self.paint, "Paint",
                 "Paint sky, mountains, water and trees; the generator turns the label map "
                 "into a picture after every stroke"),
                (self.train, "Train",
                 "Train a U-Net generator against a PatchGAN live: L1, cGAN or both, with "
                 "the input, output and target of four examples as it learns")):
            i = self.views.addTab(view, name)
            self.views.setTabToolTip(i, tip)
            view.message.connect(self.message)
        self.paint.sendImage.connect(self.sendImage)
        self.train.modelTrained.connect(self._trained)
        self.train.runner.stateChanged.connect(self._train_state)
        self.views.setCurrentIndex(VIEW.get())
        self.views.currentChanged.connect(VIEW.set)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)

    def _trained(self, state, meta) -> None:
        try:
            model = SnapshotModel(state, meta)
        except (KeyError, TypeError, ValueError) as exc:   # must not end the run
            self.message.emit(f"Could not use the trained generator: {exc}")
            return
        self.paint.set_trained(model, live=self.train.busy())

    def _train_state(self, state: str) -> None:
        # a run that failed or was stopped still leaves its last snapshot, no longer "live"
        if state == "idle" and self.paint._training and TRAINED in self.paint.models:
            self.paint.set_trained(self.paint.models[TRAINED], live=False)

    def help_topic(self) -> str:
        """F1: the help page of the current view."""
        return "pix2pix-train" if self.views.currentWidget() is self.train else "pix2pix-paint"

    def open_checkpoint(self, path: str | None = None) -> bool:
        self.views.setCurrentWidget(self.paint)
        return self.paint.open_checkpoint(path)

    def save_checkpoint(self, path: str | None = None) -> bool:
        if self.views.currentWidget() is self.train:
            return self.train.save_checkpoint(path)
        return self.paint.save_checkpoint(path)

    def set_device(self, device: str) -> None:
        self.train.set_device(device)

    def set_data_dir(self, data_dir: str | None) -> None:
        """pix2pix reads its own folders (chosen in the Train tab); nothing to do."""

    def shutdown(self) -> bool:
        return all([self.train.shutdown(), self.paint.shutdown()])
