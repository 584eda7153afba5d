"""Where the digits view's generators come from: the shipped DCGANs, the one trained here
(a snapshot while it trains, then the final weights), and checkpoints opened from disk.
"""
from __future__ import annotations

from pathlib import Path

from models.gan.api import GANModel
from models.gan.losses import LOSS_NAMES

from ..model_source import ModelSource, training_facts

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
PRETRAINED = {"dcgan": ("Shipped · DCGAN (MNIST)", "mnist-dcgan"),
              "cgan": ("Shipped · conditional DCGAN (MNIST)", "mnist-cgan")}
KEY = "gan/digits/"
# ℝ⁶⁴, not ℝ^64: the info line is plain text, and Unicode has superscript digits
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def describe(model: GANModel) -> str:
    c, m = model.config, model.meta
    parts = [f"conditional ({c.num_classes} classes)" if c.conditional else "unconditional",
             f"z ∈ ℝ{str(c.noise_dim).translate(SUPERSCRIPT)}", f"G width {c.g_width}"]
    loss = m.get("training", {}).get("loss") if isinstance(m.get("training"), dict) else None
    if loss in LOSS_NAMES:
        parts.append(LOSS_NAMES[loss] + " loss")
    parts += training_facts(m)
    div = m.get("metrics", {}).get("diversity")
    if isinstance(div, (int, float)) and div == div:
        parts.append(f"diversity {div:.2f}")
    return " · ".join(parts)


class ModelSourceMixin(ModelSource):
    """Mixed into DigitsView; it calls the view's `_model_changed()` on every selection."""
    model_class = GANModel
    model_kind = "an image GAN"
    pretrained = PRETRAINED
    default_model = "dcgan"
    settings_key = KEY
    open_title = "Open GAN checkpoint"
    save_name = "my-dcgan"
    train_hint = "Train a GAN in the <b>Train</b> tab"

    def checkpoints_dir(self) -> Path:
        return CHECKPOINTS

    def describe(self, model) -> str:
        return describe(model)

    def _training_now(self) -> bool:
        return self.train_runner.busy

    def _model_shown(self, key, model) -> None:
        self._model_changed()
