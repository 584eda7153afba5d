"""Start the Qt application."""
from __future__ import annotations

import sys


def configure_pyqtgraph() -> None:
    import pyqtgraph as pg
    pg.setConfigOptions(antialias=True, foreground="#222")


def run_app(device: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        # Qt aborts with a core dump, blaming the wrong library, when the X11 plugin's system
        # libraries are missing: say which are and how to install them, and exit cleanly.
        from .system_libs import check_xcb_libraries
        status = check_xcb_libraries(argv=sys.argv)
        if status is not None:
            return status
    configure_pyqtgraph()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Generative Playground")
    app.setOrganizationName("GenerativePlayground")
    # Python's cycle collector runs on whichever thread happens to allocate, often a training
    # job's; when it frees Qt objects there, their destructors deadlock against the GUI
    # thread. pyqtgraph's collector turns automatic collection off and collects on a timer
    # on the GUI thread instead.
    from pyqtgraph.util.garbage_collector import GarbageCollector
    collector = GarbageCollector(interval=1.0)
    from .main_window import MainWindow

    window = MainWindow(device=device)
    window.show()
    try:
        return app.exec()
    finally:
        collector.timer.stop()
