"""Start the Qt application, and leave it quickly.

run_app = start_app (everything until the window is on screen) + exec_and_exit (the event
loop, then the exit). The benchmarks (cold_start, close_time) call the same two functions,
so they measure what the app does.
"""
from __future__ import annotations

import gc
import sys
from typing import Callable, NoReturn


def configure_pyqtgraph() -> None:
    import pyqtgraph as pg
    pg.setConfigOptions(antialias=True, foreground="#222")


def start_app(device: str | None = None, mark: Callable[[str], None] = lambda name: None):
    """The QApplication, the shown main window and the GUI-thread garbage collector.

    `mark(name)` is called as each phase ends ("import_torch", "import_qt", "qapp",
    "import_app", "mainwindow", "shown"), for the cold-start benchmark.
    """
    # torch before Qt: once PySide6 is imported, its import hook reads the source of every
    # module imported after it (looking for PySide6 "features"); torch's thousand modules
    # cost about 0.2 s of start-up that way, and nothing when imported first.
    import torch  # noqa: F401
    mark("import_torch")
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        # Qt aborts with a core dump, blaming the wrong library, when the X11 plugin's system
        # libraries are missing: say which are and how to install them, and exit cleanly.
        from .system_libs import check_xcb_libraries
        status = check_xcb_libraries(argv=sys.argv)
        if status is not None:
            return status
    configure_pyqtgraph()
    mark("import_qt")
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Generative Playground")
    app.setOrganizationName("GenerativePlayground")
    # Python's cycle collector runs on whichever thread happens to allocate, often a training
    # job's; when it frees Qt objects there, their destructors deadlock against the GUI
    # thread. pyqtgraph's collector turns automatic collection off and collects on a timer
    # on the GUI thread instead.
    from pyqtgraph.util.garbage_collector import GarbageCollector
    collector = GarbageCollector(interval=1.0)
    mark("qapp")
    from .main_window import MainWindow
    mark("import_app")

    window = MainWindow(device=device)
    mark("mainwindow")
    window.show()
    app.processEvents()
    mark("shown")
    # what start-up loaded (torch, Qt, pyqtgraph, the first panel) stays for good: spare every
    # later full collection the walk over it (see build_then_run in worker.py)
    gc.freeze()
    return app, window, collector


def exec_and_exit(app, collector) -> NoReturn:
    """Run the event loop; when the window has closed, end the process at once.

    By then closeEvent has stopped every job, waited for their threads and saved the settings.
    What is left is the interpreter's own teardown, and after a training run that took
    seconds (3–4 s on two cores): finalising the modules runs the cycle collector over every
    object torch._dynamo, sympy and the models left in memory, to free memory the OS takes
    back anyway. So the atexit handlers run, the streams are flushed, and the process exits.
    """
    import atexit
    import logging
    import os

    try:
        code = app.exec()
    finally:
        collector.timer.stop()
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(code)


def run_app(device: str | None = None) -> int:
    app, _window, collector = start_app(device)
    exec_and_exit(app, collector)
