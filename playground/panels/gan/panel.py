"""The GAN panel: a live minimax game on 2-D points, and DCGANs on digits.

Each view runs its own jobs; the panel only forwards messages and window-level commands,
and routes a checkpoint to the view of its family (gan2d → the lab, gan → digits).
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QTabWidget, QVBoxLayout, QWidget

from models import CheckpointError
from models.checkpoint import inspect_checkpoint

from ... import settings as app_settings
from .digits_view import DigitsView
from .lab_view import Lab2DView

VIEW = app_settings.Setting("gan/view", 0, app_settings.integer(0, 1))



class GANPanel(QWidget):
    message = Signal(str)
    title = "GANs"
    families = ("gan", "gan2d")

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.lab = Lab2DView(device=device, data_dir=data_dir)
        self.digits = DigitsView(device=device, data_dir=data_dir)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        for view, name, tip in (
                (self.lab, "2-D lab",
                 "G and D as small MLPs on 2-D points: watch the generator chase the data "
                 "while D's belief is painted underneath"),
                (self.digits, "Digits",
                 "DCGAN, conditional DCGAN and WGAN-GP on MNIST: train live with the "
                 "lectures' tips, explore the latent space, pick classes")):
            i = self.views.addTab(view, name)
            self.views.setTabToolTip(i, tip)
            view.message.connect(self.message)
        self.views.setCurrentIndex(VIEW.get())
        self.views.currentChanged.connect(VIEW.set)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)

    def _view_for(self, path: str):
        try:
            family = inspect_checkpoint(path)["family"]
        except CheckpointError as exc:
            QMessageBox.warning(self, "Cannot open checkpoint", str(exc))
            return None
        view = {"gan2d": self.lab, "gan": self.digits}.get(family)
        if view is None:
            QMessageBox.warning(self, "Cannot open checkpoint",
                                f"{path} holds a {family!r} model, not a GAN.")
        return view

    def help_topic(self) -> str:
        """F1: the help page of the current view, at the section of its current tab."""
        if self.views.currentWidget() is self.lab:
            return "gan-lab"
        tab = self.digits.tabs.currentWidget()
        return "gan-digits#" + {self.digits.samples: "latent",
                                self.digits.conditional: "conditional"}.get(tab, "train")

    def open_checkpoint(self, path: str | None = None) -> bool:
        if path is None:
            current = self.views.currentWidget()
            return current.open_checkpoint(None)
        view = self._view_for(path)
        if view is None:
            return False
        self.views.setCurrentWidget(view)
        return view.open_checkpoint(path)

    def save_checkpoint(self, path: str | None = None) -> bool:
        return self.views.currentWidget().save_checkpoint(path)

    def set_device(self, device: str) -> None:
        self.lab.set_device(device)
        self.digits.set_device(device)

    def set_data_dir(self, data_dir: str | None) -> None:
        self.digits.set_data_dir(data_dir)

    def shutdown(self) -> bool:
        return all([view.shutdown() for view in (self.lab, self.digits)])
