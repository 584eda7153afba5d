"""Placeholder: LatentView is being built (issue 16)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class LatentView(QWidget):
    message = Signal(str)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None, parent=None):
        super().__init__(parent)
        self.device = device
        QVBoxLayout(self).addWidget(QLabel("LatentView: not built yet"))

    def receive(self, image, caption: str) -> None:
        pass

    def set_device(self, device: str) -> None:
        self.device = device

    def shutdown(self) -> bool:
        return True
