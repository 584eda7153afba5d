"""Where the autoencoder panel's models come from: the shipped 2-D VAEs and AEs (MNIST, and
Fashion-MNIST: the lectures' own demonstration), the runs
trained here (each keeps its own entry), and checkpoints opened from disk: the one ModelSource
every panel uses.

Shipped models and runs are keyed by their names in the list, so a run's loss curves (kept
by name) follow it when it is picked again.
"""
from __future__ import annotations

from pathlib import Path

from models.autoencoder.api import AutoencoderModel

from ..model_source import ModelSource, training_facts

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
VAE_NAME = "VAE · pretrained (MNIST, 2-D)"
AE_NAME = "AE · pretrained (MNIST, 2-D)"
FASHION_VAE_NAME = "VAE · pretrained (Fashion-MNIST, 2-D)"
FASHION_AE_NAME = "AE · pretrained (Fashion-MNIST, 2-D)"
PRETRAINED = {VAE_NAME: (VAE_NAME, "mnist-vae-2d"), AE_NAME: (AE_NAME, "mnist-ae-2d"),
              FASHION_VAE_NAME: (FASHION_VAE_NAME, "fashion-vae-2d"),
              FASHION_AE_NAME: (FASHION_AE_NAME, "fashion-ae-2d")}
KEY = "autoencoder/"


def dataset_name(model) -> str | None:
    """The dataset a model was trained on, as its checkpoint records it ("mnist",
    "fashion-mnist"), or None for a model that does not say."""
    data = model.meta.get("dataset") if model is not None else None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def describe(model: AutoencoderModel) -> str:
    c, m = model.config, model.meta
    parts = [f"{c.kind.upper()} · {c.arch} · d = {c.latent_dim}"]
    parts += training_facts(m)
    loss = m.get("metrics", {}).get("test_loss")
    if isinstance(loss, (int, float)) and loss == loss:
        parts.append(f"held-out loss {loss:.1f}")
    return " · ".join(parts)


class AutoencoderSource(ModelSource):
    """Mixed into AutoencoderPanel, which shows the selected model in `_model_shown`."""
    model_class = AutoencoderModel
    model_kind = "an autoencoder"
    pretrained = PRETRAINED
    default_model = VAE_NAME
    settings_key = KEY
    open_title = "Open autoencoder checkpoint"
    save_name = "my-autoencoder"
    train_hint = "Train a model (Train, on the left)"

    def checkpoints_dir(self) -> Path:
        return CHECKPOINTS

    def describe(self, model) -> str:
        return describe(model)

    def _training_now(self) -> bool:
        return self.runner.busy and self.current_key() == self._training_name
