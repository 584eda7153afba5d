"""The diffusion panel: the forward process, the learned reverse process, and 2-D particles.

Each view runs its own jobs; the panel only forwards messages and window-level commands.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ... import settings as app_settings
from .forward_view import ForwardView
from .reverse_view import ReverseView
from .toy2d_view import Toy2DView

VIEW = app_settings.Setting("diffusion/view", 1, app_settings.integer(0, 2))


class DiffusionPanel(QWidget):
    message = Signal(str)
    title = "Diffusion"
    family = "diffusion"

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.forward = ForwardView(device=device, data_dir=data_dir)
        self.reverse = ReverseView(device=device, data_dir=data_dir)
        self.toy = Toy2DView(device=device, data_dir=data_dir)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        for view, name, tip in (
                (self.forward, "Forward process",
                 "Noise schedules and q(x_t | x_0): watch an image dissolve into noise"),
                (self.reverse, "Reverse process",
                 "Train a U-Net and sample with DDPM or DDIM, with classifier-free guidance"),
                (self.toy, "2-D particles",
                 "Diffusion on 2-D data: every particle of the reverse SDE and ODE is visible")):
            i = self.views.addTab(view, name)
            self.views.setTabToolTip(i, tip)
            view.message.connect(self.message)
        self.views.setCurrentIndex(VIEW.get())
        self.views.currentChanged.connect(VIEW.set)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)

    def help_topic(self) -> str:
        """F1: the help page of the current view, at the section of its current tab."""
        view = self.views.currentWidget()
        if view is self.reverse:
            tab = self.reverse.tabs.currentWidget()
            return "diffusion-reverse#" + {self.reverse.chain: "chain",
                                           self.reverse.compare_view: "compare",
                                           self.reverse.guidance_view: "guidance"}.get(tab, "train")
        return "diffusion-forward" if view is self.forward else "diffusion-2d"

    def open_checkpoint(self, path: str | None = None) -> bool:
        self.views.setCurrentWidget(self.reverse)
        return self.reverse.open_checkpoint(path)

    def save_checkpoint(self, path: str | None = None) -> bool:
        return self.reverse.save_checkpoint(path)

    def set_device(self, device: str) -> None:
        self.reverse.set_device(device)
        self.toy.set_device(device)

    def set_data_dir(self, data_dir: str | None) -> None:
        self.forward.set_data_dir(data_dir)
        self.reverse.set_data_dir(data_dir)

    def shutdown(self) -> bool:
        # every view, even if an earlier one timed out
        return all([view.shutdown() for view in (self.forward, self.reverse, self.toy)])
