"""The "Digits" view of the GAN panel: DCGAN, conditional DCGAN and WGAN-GP on MNIST.

A model source on top (the shipped generators, the one trained here, or a checkpoint) and
three tabs: Train (live, with the lectures' tips and the diagnostics), Samples & latent
(grid, seed, truncation, interpolation) and Conditional (class picker, one row per class).
Training runs on a JobRunner; sampling runs on the GUI thread from the view's own copy of
the generator's weights, which takes tens of milliseconds.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QScrollArea,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from models.imaging import save_png

from ... import keys
from ... import settings as app_settings
from ...worker import JobRunner
from .digits_conditional import ConditionalPane
from .digits_export import ask_save_path, write_or_warn
from .digits_jobs import TRAINING, TrainingMixin
from .digits_latent import TRUNC_MAX, TRUNC_MIN, SamplesPane
from .digits_live import LiveView
from .digits_source import KEY, ModelSourceMixin
from .digits_training import TrainControls

TABS = ("train", "samples", "conditional")
SAMPLES = app_settings.Setting(KEY + "samples", {}, app_settings.record(
    size=app_settings.integer(), seed=app_settings.integer(), truncation_on=app_settings.boolean,
    truncation=app_settings.number_in(TRUNC_MIN, TRUNC_MAX), mode=app_settings.name, frames=app_settings.integer(),
    fps=app_settings.integer(),
    label=app_settings.either(app_settings.one_of(None), app_settings.integer(0, 999))))
TAB = app_settings.Setting(KEY + "tab", 1, app_settings.integer(0, len(TABS) - 1))


class DigitsView(ModelSourceMixin, TrainingMixin, QWidget):
    message = Signal(str)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.device, self.data_dir = device, data_dir
        self.train_runner = JobRunner(self)
        self._stale: set[str] = set()       # tabs whose pictures wait for them to be shown
        saved = SAMPLES.get()
        self._saved_label = saved.get("label")
        self._build()
        self._init_training()
        self.samples.set_values(saved)
        self._init_models()
        self.tabs.setCurrentIndex(TAB.get())
        self.tabs.currentChanged.connect(self._tab_changed)
        self._refresh_visible()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bar = self._build_model_bar(
            "Which generator to explore: a shipped one, the one trained here, "
            "or one opened from a checkpoint",
            "Load a GAN checkpoint folder or .safetensors file",
            "Save the selected generator (e.g. the one trained here) as a checkpoint folder")

        self.train_controls = TrainControls(data_dir=lambda: self.data_dir)
        scroll = QScrollArea()
        scroll.setWidget(self.train_controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.train_controls.minimumSizeHint().width() + 24)
        column = QWidget()
        cl = QVBoxLayout(column)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(scroll, 1)
        cl.addWidget(self.train_controls.footer)
        self.live = LiveView()
        self.train_tab = QSplitter(Qt.Orientation.Horizontal)
        self.train_tab.addWidget(column)
        self.train_tab.addWidget(self.live)
        self.train_tab.setStretchFactor(1, 1)
        self.train_tab.setSizes([scroll.minimumWidth(), 1000])
        self.samples = SamplesPane()
        self.conditional = ConditionalPane()
        self.tabs = QTabWidget()
        for w, name, tip in ((self.train_tab, "Train", "Train a GAN live, with the lectures' "
                              "tips as switches and the diagnostics watching"),
                             (self.samples, "Samples && latent", "G's samples: seed, resample, "
                              "truncation, and interpolation between two z"),
                             (self.conditional, "Conditional", "Pick the class a conditional "
                              "GAN draws; one row per class")):
            i = self.tabs.addTab(w, name)
            self.tabs.setTabToolTip(i, tip)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.banner)
        lay.addWidget(self.tabs, 1)

        self.model_box.activated.connect(lambda i: self.select_model(self.model_box.itemData(i)))
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        self.samples.message.connect(self.message)
        self.samples.changed.connect(self._noise_changed)
        self.conditional.labelChanged.connect(self._label_picked)
        self.conditional.exportRequested.connect(lambda: self.export_class_grid())
        # keys 0–9 pick the class wherever the class matters (not over spin boxes: they eat digits)
        for pane in (self.samples, self.conditional):
            for k in range(10):
                keys.shortcut(keys.CHOOSE[k], pane, lambda k=k: self.conditional.pick(k),
                              f"Draw class {k} (conditional models)",
                              Qt.ShortcutContext.WidgetWithChildrenShortcut)
            keys.shortcut(keys.ANY_CLASS, pane, lambda: self.conditional.pick(None),
                          "Draw any class (conditional models)",
                          Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # ------------------------------------------------------------------ wiring
    def _model_changed(self) -> None:
        """The selected model changed (or was replaced by a newer snapshot): redraw what is
        shown now, and the rest when it is shown."""
        model = self.current_model()
        label = self._saved_label          # the user's pick outlives a detour via another model
        if model is None or not model.conditional or (label is not None
                                                      and label >= model.config.num_classes):
            label = None
        self.conditional.set_model(model, label)
        self.samples.label = label
        self._stale = {"samples", "conditional"}
        self._refresh_visible()

    def _refresh_visible(self) -> None:
        tab = TABS[self.tabs.currentIndex()]
        if tab in self._stale:
            self._stale.discard(tab)
            if tab == "samples":
                self.samples.set_model(self.current_model())
            else:
                self._refresh_conditional()

    def _refresh_conditional(self) -> None:
        self.conditional.set_noise(self.samples.seed.value(), self.samples.truncation())
        self.conditional.refresh()

    def _tab_changed(self, i: int) -> None:
        TAB.set(i)
        self._refresh_visible()

    def _noise_changed(self) -> None:
        self._save_samples()
        self._stale.add("conditional")
        self._refresh_visible()

    def _label_picked(self, label) -> None:
        self._saved_label = label
        if TABS[self.tabs.currentIndex()] == "samples" and "samples" not in self._stale:
            self.samples.set_label(label)
        else:                               # drawn with the new label when next shown
            self.samples.label = label
            self._stale.add("samples")
        self._save_samples()

    def _save_samples(self) -> None:
        SAMPLES.set({**self.samples.values(), "label": self._saved_label})

    # ------------------------------------------------------------------ export
    def export_class_grid(self, path: str | None = None) -> bool:
        """Save the per-class grid as a PNG (asking where if `path` is None)."""
        image = self.conditional.export_image()
        if image is None:
            return False
        path = path or ask_save_path(self, "Export per-class grid", "classes.png", "PNG (*.png)")
        if not path or not write_or_warn(self, lambda: save_png(image, path, scale=3), path):
            return False
        self.message.emit(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ window
    def set_device(self, device: str) -> None:
        """The device new training runs use (sampling stays on the CPU)."""
        self.device = device

    def set_data_dir(self, data_dir: str | None) -> None:
        self.data_dir = data_dir

    def shutdown(self) -> bool:
        self.samples.t_bar.pause()
        self._save_samples()
        TRAINING.set(self.train_controls.values())
        return self.train_runner.shutdown()
