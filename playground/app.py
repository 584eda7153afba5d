"""Start the Qt application."""
from __future__ import annotations

import sys


def configure_pyqtgraph() -> None:
    import pyqtgraph as pg
    pg.setConfigOptions(antialias=True, foreground="#222")


def run_app(device: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    configure_pyqtgraph()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Generative Playground")
    app.setOrganizationName("GenerativePlayground")
    from .main_window import MainWindow

    window = MainWindow(device=device)
    window.show()
    return app.exec()
