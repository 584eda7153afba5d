"""Where the digits view's generators come from: the shipped checkpoints, the one trained here
(a snapshot while it trains, then the final weights), and checkpoints opened from disk.

A shipped checkpoint that is missing or broken is listed as "not available" and explained
in a banner rather than raised; a bad file the user opens is a dialog, and the model shown
before stays.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from models import CheckpointError, load_checkpoint
from models.gan.api import GANModel
from models.gan.losses import LOSS_NAMES

from ... import settings as app_settings
from ...widgets import ask_checkpoint

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
PRETRAINED = {"dcgan": ("Shipped · DCGAN (MNIST)", "mnist-dcgan"),
              "cgan": ("Shipped · conditional DCGAN (MNIST)", "mnist-cgan")}
TRAINED = "trained"
KEY = "gan/digits/"


def describe(model: GANModel) -> str:
    c, m = model.config, model.meta
    parts = [f"conditional ({c.num_classes} classes)" if c.conditional else "unconditional",
             f"z ∈ ℝ^{c.noise_dim}", f"G width {c.g_width}"]
    loss = m.get("training", {}).get("loss") if isinstance(m.get("training"), dict) else None
    if loss in LOSS_NAMES:
        parts.append(LOSS_NAMES[loss] + " loss")
    if m.get("dataset", {}).get("name"):
        parts.append(f"trained on {m['dataset']['name']}")
    if m.get("steps"):
        parts.append(f"{m['steps']:,} steps")
    div = m.get("metrics", {}).get("diversity")
    if isinstance(div, (int, float)) and div == div:
        parts.append(f"diversity {div:.2f}")
    return " · ".join(parts)


class ModelSourceMixin:
    """Mixed into DigitsView; uses its model_box, banner, info label and save button, and
    calls its `_model_changed()`."""

    def _init_models(self) -> None:
        self.models: dict[str, GANModel | None] = {}
        self.names: dict[str, str] = {}
        self.paths: dict[str, Path] = {}
        self.errors: dict[str, str] = {}
        for key, (name, folder) in PRETRAINED.items():
            self.names[key], self.paths[key] = name, CHECKPOINTS / folder
            self._load_pretrained(key)
        self._refresh_model_list()
        saved = app_settings.get_str(KEY + "model", "dcgan")
        self.select_model(saved if saved in self.names else "dcgan")

    def _load_pretrained(self, key: str) -> None:
        try:
            self.models[key] = self._checked(load_checkpoint(self.paths[key]), self.paths[key])
            self.errors.pop(key, None)
        except CheckpointError as exc:
            self.models[key] = None
            self.errors[key] = str(exc)

    @staticmethod
    def _checked(model, path) -> GANModel:
        if not isinstance(model, GANModel):
            raise CheckpointError(f"{path} holds a {getattr(model, 'family', '?')} model, "
                                  "not an image GAN.")
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

    def current_model(self) -> GANModel | None:
        return self.models.get(self.current_key())

    def select_model(self, key: str) -> None:
        if key not in self.names:
            return
        if self.models.get(key) is None and key in PRETRAINED:
            self._load_pretrained(key)          # it may have appeared since
            self._refresh_model_list()
        self.model_box.setCurrentIndex(self.model_box.findData(key))
        app_settings.set_str(KEY + "model", key)
        self._source_changed()

    def _source_changed(self) -> None:
        key, model = self.current_key(), self.current_model()
        self.save_btn.setEnabled(model is not None)
        if model is None:
            self.info.setText("")
            self.banner.setText(
                f"<b>{escape(self.names.get(key, str(key)))}</b> is not available: "
                f"{escape(self.errors.get(key, 'no checkpoint'))}<br>Train a GAN in the "
                "<b>Train</b> tab, or open a checkpoint (Open…); the shipped checkpoints live "
                f"in {escape(str(CHECKPOINTS))}.")
            self.banner.show()
        else:
            self.banner.hide()
            text = describe(model)
            if key == TRAINED and self.train_runner.busy:
                text = "live snapshot (training goes on) · " + text
            self.info.setText(text)
        self._model_changed()

    def set_trained_model(self, model: GANModel, live: bool = False) -> None:
        """Make `model` the “Trained here” entry (a snapshot while training, then the result)."""
        first = TRAINED not in self.names
        self.models[TRAINED] = model
        self.names[TRAINED] = "Trained here" + (" (training…)" if live else "")
        self._refresh_model_list()
        if first:
            self.select_model(TRAINED)
        elif self.current_key() == TRAINED:
            self._source_changed()

    def open_checkpoint(self, path: str | None = None) -> bool:
        """Load a GAN checkpoint (asking for it if `path` is None) and show it."""
        if path is None:
            start = app_settings.get_str(KEY + "open_dir", str(CHECKPOINTS))
            path = ask_checkpoint(self, start, "Open GAN checkpoint")
            if not path:
                return False
            app_settings.set_str(KEY + "open_dir", str(Path(path).parent))
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
        """Save the selected generator as a checkpoint folder (asking where if `path` is None)."""
        model = self.current_model()
        if model is None:
            QMessageBox.information(self, "Save checkpoint", "There is no model to save: train "
                                    "one or pick an available one first.")
            return False
        if path is None:
            start = app_settings.get_str(KEY + "open_dir", str(Path.home()))
            path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint as folder",
                                                  str(Path(start) / "my-dcgan"))
            if not path:
                return False
        try:
            model.save(path)
        except (OSError, CheckpointError, ValueError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save to {path}:\n{exc}")
            return False
        self.message.emit(f"Saved {path}")
        return True
