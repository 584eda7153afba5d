"""Where the painter's generators come from: the shipped landscapes model, the one trained
in the Train tab (a snapshot while it trains, then the final weights), and checkpoints
opened from disk.
"""
from __future__ import annotations

import threading
from pathlib import Path

from models.checkpoint import save_checkpoint
from models.pix2pix.api import Pix2PixConfig, Pix2PixModel

from ..model_source import ModelSource, training_facts

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
PRETRAINED = {"landscapes": ("Shipped · landscapes (label map → photo)", "landscapes-pix2pix")}
KEY = "pix2pix/paint/"
LOSS_NAMES = {"l1": "L1", "cgan": "cGAN", "l1+cgan": "L1 + cGAN"}


class SnapshotModel:
    """A generator snapshot from the Train tab, kept as numpy weights. Its torch module is
    built on first use by whichever thread translates (the painter's translator), because
    building a 7 M-parameter U-Net takes the GUI thread 50-130 ms, and a snapshot arrives
    every few seconds while the user paints."""
    family = "pix2pix"

    def __init__(self, state: dict, meta: dict):
        self.state, self.meta = state, dict(meta)
        self.config = Pix2PixConfig.from_dict(self.meta["config"])   # ValueError if foreign
        self._model: Pix2PixModel | None = None
        self._lock = threading.Lock()

    def model(self) -> Pix2PixModel:
        with self._lock:
            if self._model is None:
                self._model = Pix2PixModel.from_state(self.state, self.meta)
            return self._model

    def translate(self, x, noise: bool = True, seed: int | None = None,
                  batch_stats: bool = False):
        return self.model().translate(x, noise=noise, seed=seed, batch_stats=batch_stats)

    def save(self, directory) -> None:
        save_checkpoint(directory, self.state, {**self.meta, "family": self.family,
                                                "config": self.config.to_dict()})


def describe(model: Pix2PixModel | SnapshotModel) -> str:
    c, m = model.config, model.meta
    training = m.get("training") if isinstance(m.get("training"), dict) else {}
    parts = [f"{c.size}×{c.size}",
             "label map → photo" if c.input == "classes" else "image A → image B",
             f"U-Net depth {c.depth}, width {c.width}"]
    if training.get("objective") in LOSS_NAMES:
        loss = LOSS_NAMES[training["objective"]]
        if training["objective"] != "l1" and isinstance(training.get("patch"), int):
            loss += f", {training['patch']}×{training['patch']} PatchGAN"
        parts.append(loss)
    parts += training_facts(m)
    return " · ".join(parts)


class PaintSourceMixin(ModelSource):
    """Mixed into PaintView; it calls the view's `_model_changed()` on every selection."""
    model_class = Pix2PixModel
    model_kind = "a pix2pix generator"
    pretrained = PRETRAINED
    default_model = "landscapes"
    settings_key = KEY
    open_title = "Open pix2pix checkpoint"
    save_name = "my-pix2pix"
    train_hint = "Train a translator in the <b>Train</b> tab"

    def checkpoints_dir(self) -> Path:
        return CHECKPOINTS

    def describe(self, model) -> str:
        return describe(model)

    def _training_now(self) -> bool:
        return self._training

    def _model_shown(self, key, model) -> None:
        self._model_changed()
