"""The first-run hint: a small banner in the status bar that points at F1, shown once."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from .. import settings as app_settings

SETTING = "help/first_run_hint_shown"
SHOWN = app_settings.Setting(SETTING, "", app_settings.one_of("", "yes"), kind="str")
TEXT = "New here? Press <b>F1</b> on any view to see what it shows and what to try first."


class FirstRunHint(QWidget):
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel(TEXT)
        self.label.setStyleSheet("color: #1f3b73;")
        self.close_btn = QToolButton(text="✕", autoRaise=True)
        self.close_btn.setToolTip("Dismiss this hint (Help → What am I seeing? opens the pages)")
        self.close_btn.clicked.connect(self.dismiss)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.close_btn)

    def dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()


def take_first_run_hint(parent: QWidget | None = None) -> FirstRunHint | None:
    """The hint if it was never shown before (and remember that it now has been), else None."""
    if SHOWN.get() == "yes":
        return None
    SHOWN.set("yes")
    return FirstRunHint(parent)
