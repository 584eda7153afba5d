"""The main window: one tab per model family, menus, settings, and a clean shutdown.

The tabs come from the panel registry (playground.panels), so this file names no family.
A panel is built the first time it is needed (its tab shown, a checkpoint of its family
opened, the shortcut list, or code asking for `window.<key>`): until then its tab holds an
empty placeholder, so start-up pays only for the view that is on screen. Unbuilt panels are
skipped by set_device / set_data_dir / shutdown and pick up the current device and data
folder when they are built.
"""
from __future__ import annotations


from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QTabWidget, QWidget

from models import CheckpointError
from models.checkpoint import inspect_checkpoint
from models.data import ENV_VAR, search_roots
from models.device import available

from . import __version__, keys
from . import settings as app_settings
from .help import INDEX
from .help.browser import SHORTCUTS, HelpWindow
from .help.hint import take_first_run_hint
from .help.shortcuts import collect as collect_shortcuts
from .panels import CHECKPOINTS, PanelSpec, registry
from .torch_threads import reserve_cores_for_jobs
from .widgets import ask_checkpoint, existing_folder


def _device(v: str) -> str:
    if v != "auto" and v not in available():
        raise app_settings.Invalid(f"{app_settings.name(v)!r} is not a device of this machine")
    return v


DEVICE = app_settings.Setting("device", "auto", _device, kind="str")
DATA_DIR = app_settings.Setting("data_dir", "", app_settings.path, kind="str")


def _tab(v: str) -> str:
    # checked against the registry when read, so a family registered at run time counts
    return app_settings.one_of(*(spec.key for spec in registry()))(v)


TAB = app_settings.Setting("window/tab", "", _tab, kind="str")
GEOMETRY = app_settings.Setting("window/geometry", None, kind="bytes", max_chars=4096)


class MainWindow(QMainWindow):
    def __init__(self, device: str | None = None):
        super().__init__()
        reserve_cores_for_jobs()
        self.setWindowTitle("Generative Playground")
        device = device or DEVICE.get()
        if device != "auto" and device not in available():
            device = "auto"
        self.device = device
        self.data_dir = DATA_DIR.get() or None
        self.tabs = QTabWidget()
        self.specs: dict[str, PanelSpec] = {spec.key: spec for spec in registry()}
        self.panels: dict[str, QWidget] = {}           # the panels built so far, by key
        # checkpoint family → the key of the panel that shows it
        self.family_panels = {family: spec.key for spec in self.specs.values()
                              for family in spec.families}
        for spec in self.specs.values():
            placeholder = QWidget()
            placeholder.setObjectName(f"placeholder-{spec.key}")
            self.tabs.addTab(placeholder, spec.title)
        saved_tab = TAB.get()
        first = saved_tab if saved_tab in self.specs else next(iter(self.specs))
        self.tabs.setCurrentIndex(self._index(first))
        self.panel(first)                               # the view on screen, built now
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self._menus(device)
        self.resize(1400, 860)
        geometry = GEOMETRY.get()
        if geometry is not None and not self.restoreGeometry(geometry):
            app_settings.ignored(GEOMETRY.key, "not a window geometry Qt can restore")
        self._show_device(device)
        self._help: HelpWindow | None = None
        self._hint = take_first_run_hint()
        if self._hint is not None:
            self.statusBar().addPermanentWidget(self._hint)

    # ------------------------------------------------------------------ panels
    def _index(self, key: str) -> int:
        return list(self.specs).index(key)

    def panel(self, key: str) -> QWidget:
        """The panel registered as `key`, built (and put in its tab) on first use."""
        built = self.panels.get(key)
        if built is not None:
            return built
        spec = self.specs[key]
        self.statusBar().showMessage(f"Opening {spec.title}…")
        self.statusBar().repaint()                       # the build below blocks the loop
        panel = spec.build(self.device, self.data_dir)
        panel.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        if hasattr(panel, "sendImage"):                  # hand-off (playground/panels)
            panel.sendImage.connect(self.deliver_image)
        self.panels[key] = panel
        i = self._index(key)
        placeholder, current = self.tabs.widget(i), self.tabs.currentIndex()
        # swapping the page must not look like the user changed tabs (nor save the tab)
        self.tabs.blockSignals(True)
        self.tabs.removeTab(i)
        self.tabs.insertTab(i, panel, spec.title)
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        placeholder.deleteLater()
        self._show_device(self.device)                  # in place of "Opening …"
        return panel

    def __getattr__(self, name: str):
        # window.<key> (tests, benchmarks, scripts) reaches a panel, building it if needed
        specs = self.__dict__.get("specs")
        if specs is not None and name in specs:
            return self.panel(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def deliver_image(self, kind: str, image, caption: str) -> bool:
        """Show the panel that takes pictures of `kind` and give it the picture."""
        targets = [spec.key for spec in self.specs.values() if kind in spec.receives]
        if not targets:
            self.statusBar().showMessage(f"No panel takes a picture to {kind.split('/')[-1]}.", 6000)
            return False
        panel = self.panel(targets[0])
        self.tabs.setCurrentIndex(self._index(targets[0]))
        panel.receive(kind, image, caption)
        return True

    def current_panel(self) -> QWidget:
        return self.panel(list(self.specs)[self.tabs.currentIndex()])

    def _tab_changed(self, index: int) -> None:
        key = list(self.specs)[index]
        self.panel(key)
        TAB.set(key)

    def _menus(self, device: str) -> None:
        file = self.menuBar().addMenu("&File")
        for text, action, slot in (("&Open checkpoint…", keys.OPEN, lambda: self.open_checkpoint()),
                                   ("&Save checkpoint…", keys.SAVE,
                                    lambda: self.current_panel().save_checkpoint()),
                                   ("Set &data folder…", None, self.choose_data_dir),
                                   ("&Quit", keys.QUIT, self.close)):
            act = QAction(text, self)
            if action is not None:
                act.setShortcut(action.sequences()[0])
                act.setProperty(keys.ACTION_PROPERTY, action.name)
            act.triggered.connect(slot)
            file.addAction(act)
        dev = self.menuBar().addMenu("&Device")
        group = QActionGroup(self)
        for choice in ["auto"] + available():
            act = QAction(choice if choice != "auto" else f"auto ({available()[0]})", self, checkable=True)
            act.setChecked(choice == device)
            act.triggered.connect(lambda _=False, c=choice: self.set_device(c))
            group.addAction(act)
            dev.addAction(act)
        helpm = self.menuBar().addMenu("&Help")
        what = QAction("&What am I seeing?", self)
        what.setShortcut(keys.HELP.sequences()[0])   # F1
        what.setProperty(keys.ACTION_PROPERTY, keys.HELP.name)
        what.setToolTip("What the current view shows, its formula, and what to try first")
        what.triggered.connect(lambda: self.show_help())
        shortcuts_act = QAction("&Keyboard shortcuts", self)
        shortcuts_act.triggered.connect(lambda: self.show_help(SHORTCUTS))
        helpm.addAction(what)
        helpm.addAction(shortcuts_act)
        about = QAction("&About", self)
        about.triggered.connect(lambda: QMessageBox.about(
            self, "Generative Playground",
            f"Generative Playground {__version__}\nLearn generative models by using them."))
        helpm.addAction(about)

    # ------------------------------------------------------------------ help
    def help_topic(self) -> str:
        """The help page of the view on screen: each panel names its own."""
        topic = getattr(self.current_panel(), "help_topic", None)
        return topic() if callable(topic) else INDEX

    def show_help(self, topic: str | None = None) -> HelpWindow:
        """Open (or raise) the non-modal help window at `topic`, by default the current view's."""
        if self._help is None:
            # the list covers every panel, so it builds those not built yet
            self._help = HelpWindow(self, shortcut_source=lambda: collect_shortcuts(
                self, {spec.title: self.panel(key) for key, spec in self.specs.items()}))
        self._help.show_topic(topic or self.help_topic())
        self._help.show()
        self._help.raise_()
        if self._hint is not None:
            self._hint.dismiss()
        return self._help

    def open_checkpoint(self, path: str | None = None) -> bool:
        """Open any checkpoint the app writes, in the panel of its family."""
        if path is None:
            path = ask_checkpoint(self, str(CHECKPOINTS))
        if not path:
            return False
        try:
            family = inspect_checkpoint(path)["family"]   # checked, without reading a weight
        except CheckpointError as exc:
            QMessageBox.warning(self, "Cannot open checkpoint", str(exc))
            return False
        key = self.family_panels.get(family)
        if key is None:
            QMessageBox.warning(self, "Cannot open checkpoint",
                                f"{path} holds a {family!r} model, which no panel of this version shows.")
            return False
        panel = self.panel(key)
        self.tabs.setCurrentWidget(panel)
        return panel.open_checkpoint(path)

    def set_device(self, device: str) -> None:
        DEVICE.set(device)
        self.device = device                            # for the panels built later
        for panel in self.panels.values():
            panel.set_device(device)
        self._show_device(device)

    def _show_device(self, device: str) -> None:
        self.statusBar().showMessage(f"Training device: {device if device != 'auto' else available()[0]} "
                                     f"(change it in the Device menu; it applies to the next run)")

    def choose_data_dir(self) -> None:
        start = existing_folder(*search_roots(self.data_dir))
        folder = QFileDialog.getExistingDirectory(
            self, f"Data folder (holds mnist/, fashion-mnist/; same as ${ENV_VAR})", start)
        if folder:
            self.data_dir = folder
            DATA_DIR.set(folder)
            for panel in self.panels.values():
                panel.set_data_dir(folder)
            self.statusBar().showMessage(f"Data folder: {folder}", 6000)

    def closeEvent(self, event) -> None:  # noqa: N802
        # Stop any job and wait for its thread before Qt tears the widgets down. Panels never
        # built ran nothing.
        for panel in self.panels.values():
            panel.shutdown()
        # every job has been stopped and closed; let their pool threads finish too
        QThreadPool.globalInstance().waitForDone(2000)
        GEOMETRY.set(self.saveGeometry())   # synced now: the app leaves with os._exit (app.py)
        super().closeEvent(event)
