"""Where the reverse-process view's models come from: the shipped checkpoints, the one
trained here, and checkpoints opened from disk. A missing or broken pretrained checkpoint is
listed as "not available" and explained in a banner rather than raised.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from models import CheckpointError, load_checkpoint
from models.device import pick_device
from models.diffusion.api import DiffusionModel

from ... import settings as app_settings
from ...widgets import ask_checkpoint
from .reverse_live import TRAINED

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
PRETRAINED = {"uncond": ("Pretrained · unconditional (MNIST)", "mnist-ddpm"),
              "cond": ("Pretrained · class-conditional (MNIST)", "mnist-ddpm-cond")}
KEY = "diffusion/reverse/"


def describe(model: DiffusionModel) -> str:
    c, m = model.config, model.meta
    parts = ["class-conditional" if c.conditional else "unconditional", f"{c.schedule} schedule",
             f"T = {c.timesteps}", "U-Net " + "-".join(map(str, c.channels))]
    if m.get("dataset", {}).get("name"):
        parts.append(f"trained on {m['dataset']['name']}")
    if m.get("steps"):
        parts.append(f"{m['steps']:,} steps")
    loss = m.get("metrics", {}).get("test_simple_loss")
    if isinstance(loss, (int, float)) and loss == loss:
        parts.append(f"held-out loss {loss:.4f}")
    return " · ".join(parts)


class ModelSourceMixin:
    """Mixed into ReverseView; uses its model_box, banner, info label and controls."""

    def _init_models(self) -> None:
        self.models: dict[str, DiffusionModel | None] = {}
        self.names: dict[str, str] = {}
        self.paths: dict[str, Path] = {}
        self.errors: dict[str, str] = {}
        self._live_step = 0
        for key, (name, folder) in PRETRAINED.items():
            self.names[key], self.paths[key] = name, CHECKPOINTS / folder
            self._load_pretrained(key)
        self._refresh_model_list()
        saved = app_settings.get_str(KEY + "model", "uncond")
        self.select_model(saved if saved in self.names else "uncond")

    def _load_pretrained(self, key: str) -> None:
        try:
            self.models[key] = self._checked(load_checkpoint(self.paths[key]), self.paths[key])
            self.errors.pop(key, None)
        except CheckpointError as exc:
            self.models[key] = None
            self.errors[key] = str(exc)

    @staticmethod
    def _checked(model, path) -> DiffusionModel:
        if not isinstance(model, DiffusionModel):
            raise CheckpointError(f"{path} holds a {getattr(model, 'family', '?')} model, "
                                  "not a diffusion model.")
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

    def current_model(self) -> DiffusionModel | None:
        return self.models.get(self.current_key())

    def select_model(self, key: str) -> None:
        if key not in self.names:
            return
        if self.models.get(key) is None and key in PRETRAINED:
            self._load_pretrained(key)          # it may have appeared since
            self._refresh_model_list()
        i = self.model_box.findData(key)
        self.model_box.setCurrentIndex(i)
        app_settings.set_str(KEY + "model", key)
        self._model_changed()

    def _model_changed(self) -> None:
        key, model = self.current_key(), self.current_model()
        self.controls.set_model(model)
        self.save_btn.setEnabled(model is not None)
        if model is None:
            self.info.setText("")
            self.banner.setText(
                f"<b>{escape(self.names.get(key, key))}</b> is not available: "
                f"{escape(self.errors.get(key, 'no checkpoint'))}<br>Train a model in the "
                "<b>Train</b> tab, or open a checkpoint (Open…); the pretrained "
                f"checkpoints live in {escape(str(CHECKPOINTS))}.")
            self.banner.show()
            return
        self.banner.hide()
        if not model.conditional and self.guidance_view.result is None:
            self.guidance_view.clear("This model is unconditional: guidance needs a "
                                     "class-conditional one (pretrained, or train one with "
                                     "“Class-conditional” ticked).")
        elif self.guidance_view.result is None:
            self.guidance_view.clear("")
        text = describe(model)
        if key == TRAINED and self.training_busy:
            text = f"live EMA snapshot of step {self._live_step:,} (training goes on) · " + text
        self.info.setText(text)

    def set_trained_model(self, model: DiffusionModel, live: bool = False) -> None:
        """Make `model` the “Trained here” entry (a snapshot while training, then the result)."""
        first = TRAINED not in self.names
        self.models[TRAINED] = model
        self._live_step = int(model.meta.get("steps", 0))
        self.names[TRAINED] = "Trained here" + (" (training…)" if live else "")
        self._refresh_model_list()
        if first:
            self.select_model(TRAINED)
        elif self.current_key() == TRAINED:
            self._model_changed()

    def open_checkpoint(self, path: str | None = None) -> bool:
        if path is None:
            start = app_settings.get_str(KEY + "open_dir", str(CHECKPOINTS))
            path = ask_checkpoint(self, start, "Open diffusion checkpoint")
            if not path:
                return False
            app_settings.set_str(KEY + "open_dir", str(Path(path).parent))
        try:
            model = self._checked(load_checkpoint(path), path)
        except CheckpointError as exc:
            QMessageBox.warning(self, "Cannot open checkpoint", str(exc))
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
        model = self.current_model()
        if model is None:
            QMessageBox.information(self, "Save checkpoint", "There is no model to save: train "
                                    "one or pick an available one first.")
            return False
        if path is None:
            start = app_settings.get_str(KEY + "open_dir", str(Path.home()))
            path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint as folder",
                                                  str(Path(start) / "my-ddpm"))
            if not path:
                return False
        try:
            model.save(path)
        except (OSError, CheckpointError, ValueError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save to {path}:\n{exc}")
            return False
        self.message.emit(f"Saved {path}")
        return True

    def _model_for_job(self) -> DiffusionModel | None:
        """The selected model on the chosen device (moved once, then kept there)."""
        model = self.current_model()
        if model is None:
            return None
        try:
            dev = pick_device(self.device)
        except ValueError:
            dev = model.device
        if dev != model.device:
            model = DiffusionModel.from_state(model.state_numpy(), model.meta, device=str(dev))
            self.models[self.current_key()] = model
        return model
