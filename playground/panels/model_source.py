"""Where a view's models come from: the shipped checkpoints, the ones trained here, and
checkpoints opened from disk. Every view that picks a model to use uses it (the autoencoder
panel, the diffusion reverse view, the GAN digits view and pix2pix's painter): one model list,
one Open… and one Save… behaviour. (The GAN lab's Open GAN… / Save GAN… are not a picker:
they continue and save one running game, G, D and its settings together.)

A missing or broken shipped checkpoint is listed as "not available" and explained in a
banner rather than raised; a bad file the user opens is a dialog, and the model shown
before stays. The host view provides `model_box`, `banner`, `info`, `save_btn` and
`message`, and a subclass names what differs (see the class attributes).
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QSizePolicy)

from models import CheckpointError, load_checkpoint

from .. import settings as app_settings
from ..widgets import ask_checkpoint

TRAINED = "trained"


def training_facts(meta: dict) -> list[str]:
    """The parts of a model's info line every panel shows the same way, from its checkpoint
    metadata: the data, the steps, and, for a run of several processes (torchrun), how many
    and on what global batch. Entries of the wrong type are left out, never raised on."""
    parts = []
    dataset = meta.get("dataset")
    if isinstance(dataset, dict) and isinstance(dataset.get("name"), str) and dataset["name"]:
        parts.append(f"trained on {dataset['name']}")
    steps = meta.get("steps")
    if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
        parts.append(f"{steps:,} steps")
    dist = meta.get("distributed")
    world = dist.get("world_size") if isinstance(dist, dict) else None
    if isinstance(world, int) and not isinstance(world, bool) and world > 1:
        batch = dist.get("global_batch")
        parts.append(f"{world} processes" + (f", global batch {batch}"
                                             if isinstance(batch, int) and batch > 0 else ""))
    return parts


def shown_in(family: str) -> str:
    """" The X panel shows it." for a checkpoint family some panel opens, else ""."""
    from . import registry
    for spec in registry():
        if family in spec.families:
            return f" The {spec.title} panel shows it (File → Open checkpoint… routes it there)."
    return ""


class ModelSource:
    model_class: type                       # what load_checkpoint must return
    model_kind = "a model"                  # for "… holds a gan model, not {model_kind}."
    pretrained: dict[str, tuple[str, str]]  # key → (name in the list, checkpoint folder)
    default_model: str
    settings_key: str                       # prefix of the view's settings
    open_title = "Open checkpoint"
    save_name = "my-model"                  # the save dialog's suggested folder
    train_hint = "Train a model in the <b>Train</b> tab"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "settings_key" in cls.__dict__:
            # declared when the class is, so the settings registry (and its fuzz test) has them
            app_settings.Setting(cls.settings_key + "model", "", app_settings.path, kind="str")
            app_settings.Setting(cls.settings_key + "open_dir", "", app_settings.path, kind="str")

    # ------------------------------------------------------------- for subclasses
    def checkpoints_dir(self) -> Path:
        raise NotImplementedError

    def describe(self, model) -> str:
        raise NotImplementedError

    def live_text(self) -> str:
        """Prefix of the info line while the "Trained here" entry is a live snapshot."""
        return "live snapshot (training goes on) · "

    def _training_now(self) -> bool:
        return False

    def _model_shown(self, key: str | None, model) -> None:
        """The selection changed (model may be None): update the view's own widgets."""

    # ------------------------------------------------------------- widgets
    def _build_model_bar(self, choose_tip: str, open_tip: str, save_tip: str) -> QHBoxLayout:
        """The model picker, Open… and Save…, the info line, and the (hidden) banner."""
        self.model_box = QComboBox()
        self.model_box.setMinimumContentsLength(30)
        self.model_box.setToolTip(choose_tip)
        self.open_btn = QPushButton("Open…")
        self.open_btn.setToolTip(open_tip)
        self.save_btn = QPushButton("Save…")
        self.save_btn.setToolTip(save_tip)
        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a long line (a folder's name, many facts) is cut at the window's edge, not allowed to
        # widen the window; its tooltip holds all of it
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Model"))
        bar.addWidget(self.model_box)
        bar.addWidget(self.open_btn)
        bar.addWidget(self.save_btn)
        bar.addSpacing(12)
        bar.addWidget(self.info, 1)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #fff4ce; border: 1px solid #e0c060; "
                                  "border-radius: 4px; padding: 6px; color: #4a3b00; }")
        self.banner.hide()
        return bar

    # ------------------------------------------------------------- the list
    def _init_models(self) -> None:
        self.models: dict[str, object | None] = {}
        self.names: dict[str, str] = {}
        self.paths: dict[str, Path] = {}
        self.errors: dict[str, str] = {}
        for key, (name, folder) in self.pretrained.items():
            self.names[key], self.paths[key] = name, self.checkpoints_dir() / folder
            self._load_pretrained(key)
        self._refresh_model_list()
        saved = app_settings.declared(self.settings_key + "model").get()
        self.select_model(saved if saved in self.names else self.default_model)

    def _load_pretrained(self, key: str) -> None:
        try:
            self.models[key] = self._checked(load_checkpoint(self.paths[key]), self.paths[key])
            self.errors.pop(key, None)
        except CheckpointError as exc:
            self.models[key] = None
            self.errors[key] = str(exc)

    def _checked(self, model, path):
        if not isinstance(model, self.model_class):
            family = getattr(model, "family", "?")
            raise CheckpointError(f"{path} holds a {family} model, not {self.model_kind}."
                                  + shown_in(family))
        return model

    def _refresh_model_list(self) -> None:
        current = self.current_key()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for key, name in self.names.items():
            suffix = " (not available)" if self.models.get(key) is None else ""
            self.model_box.addItem(name + suffix, key)
        i = self.model_box.findData(current)
        self.model_box.setCurrentIndex(max(0, i))
        self.model_box.blockSignals(False)

    def current_key(self) -> str | None:
        return self.model_box.currentData()

    def current_model(self):
        return self.models.get(self.current_key())

    def select_model(self, key: str) -> None:
        if key not in self.names:
            return
        if self.models.get(key) is None and key in self.pretrained:
            self._load_pretrained(key)          # it may have appeared since
            self._refresh_model_list()
        # quietly: a view that follows currentIndexChanged must not show the model twice
        self.model_box.blockSignals(True)
        self.model_box.setCurrentIndex(self.model_box.findData(key))
        self.model_box.blockSignals(False)
        app_settings.declared(self.settings_key + "model").set(key)
        self._source_changed()

    def _source_changed(self) -> None:
        key, model = self.current_key(), self.current_model()
        self.save_btn.setEnabled(model is not None)
        if model is None:
            self.info.setText("")
            self.banner.setText(
                f"<b>{escape(self.names.get(key, str(key)))}</b> is not available: "
                f"{escape(self.errors.get(key, 'no checkpoint'))}<br>{self.train_hint}, or "
                "open a checkpoint (Open…); the shipped checkpoints live in "
                f"{escape(str(self.checkpoints_dir()))}.")
            self.banner.show()
        else:
            self.banner.hide()
            text = self.describe(model)
            if key == TRAINED and self._training_now():
                text = self.live_text() + text
            self.info.setText(text)
        self.info.setToolTip(self.info.text())
        self._model_shown(key, model)

    def add_model(self, key: str, name: str, model, select: bool = True) -> None:
        """List `model` as `name` (a run trained here, say); show it if `select`."""
        self.models[key], self.names[key] = model, name
        self._refresh_model_list()
        if select:
            self.select_model(key)

    def rename_model(self, key: str, new_key: str, new_name: str) -> None:
        """Give an entry a new key and name in place (a run that finished)."""
        for table in (self.models, self.names, self.paths, self.errors):
            if key in table:
                items = list(table.items())
                table.clear()
                table.update((new_key if k == key else k, v) for k, v in items)
        self.names[new_key] = new_name
        current = self.current_key()
        self._refresh_model_list()
        if current == key:
            self.model_box.blockSignals(True)
            self.model_box.setCurrentIndex(self.model_box.findData(new_key))
            self.model_box.blockSignals(False)

    def remove_model(self, key: str) -> None:
        """Take an entry off the list (a run that learned nothing); the list's first entry
        is shown if it was the selected one."""
        was_current = self.current_key() == key
        for table in (self.models, self.names, self.paths, self.errors):
            table.pop(key, None)
        self._refresh_model_list()
        if was_current and self.current_key() is not None:
            self.select_model(self.current_key())

    def set_trained_model(self, model, live: bool = False) -> None:
        """Make `model` the “Trained here” entry (a snapshot while training, then the result)."""
        first = TRAINED not in self.names
        self.models[TRAINED] = model
        self.names[TRAINED] = "Trained here" + (" (training…)" if live else "")
        self._refresh_model_list()
        if first:
            self.select_model(TRAINED)
        elif self.current_key() == TRAINED:
            self._source_changed()

    # ------------------------------------------------------------- files
    def open_checkpoint(self, path: str | None = None) -> bool:
        """Load a checkpoint (asking for it if `path` is None) and show it."""
        open_dir = app_settings.declared(self.settings_key + "open_dir")
        if path is None:
            path = ask_checkpoint(self, open_dir.get() or str(self.checkpoints_dir()),
                                  self.open_title)
            if not path:
                return False
            open_dir.set(str(Path(path).parent))
        try:
            model = self._checked(load_checkpoint(path), path)
        except CheckpointError as exc:
            QMessageBox.warning(self, "Cannot open checkpoint", str(exc))
            return False
        except Exception as exc:   # a file that trips the loader must not take the view down
            QMessageBox.warning(self, "Cannot open checkpoint", f"{path}: {exc}")
            return False
        p = Path(path)
        key = f"file:{p.resolve()}"
        self.models[key], self.paths[key] = model, p
        self.names[key] = f"Opened · {p.name if p.is_dir() else p.parent.name + '/' + p.name}"
        self._refresh_model_list()
        self.select_model(key)
        self.message.emit(f"Loaded {path}")
        return True

    def save_checkpoint(self, path: str | None = None) -> bool:
        """Save the selected model as a checkpoint folder (asking where if `path` is None)."""
        model = self.current_model()
        if model is None:
            QMessageBox.information(self, "Save checkpoint", "There is no model to save: train "
                                    "one or pick an available one first.")
            return False
        if path is None:
            start = app_settings.declared(self.settings_key + "open_dir").get() or str(Path.home())
            path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint as folder",
                                                  str(Path(start) / self.save_name))
            if not path:
                return False
        try:
            model.save(path)
        except (OSError, CheckpointError, ValueError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save to {path}:\n{exc}")
            return False
        self.message.emit(f"Saved {path}")
        return True
