"""PLACEHOLDER for the CompleteView: replaced by its real module before it lands."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class CompleteView(QWidget):
    message = Signal(str)

    def __init__(self, source, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source = source
        QVBoxLayout(self).addWidget(QLabel("CompleteView: not built yet"))

    def help_topic(self) -> str:
        return "likelihood-complete"

    def set_device(self, device: str) -> None:
        pass

    def set_data_dir(self, data_dir: str | None) -> None:
        pass

    def shutdown(self) -> bool:
        return True
