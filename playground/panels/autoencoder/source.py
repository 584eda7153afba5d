"""Where the autoencoder panel's models come from: the shipped 2-D VAEs and AEs (MNIST, and
Fashion-MNIST: the lectures' own demonstration), the 2-D AAE and WAE on Fashion-MNIST, the runs
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
FASHION_AAE_NAME = "AAE · pretrained (Fashion-MNIST, 2-D)"
FASHION_WAE_NAME = "WAE · pretrained (Fashion-MNIST, 2-D)"
# posterior collapse, both sides: a PixelCNN decoder that all but ignores z, and the same with
# free bits
PIXEL_VAE_NAME = "VAE + PixelCNN decoder · pretrained (MNIST, no remedy)"
PIXEL_FREEBITS_NAME = "VAE + PixelCNN decoder · pretrained (MNIST, free bits)"
PRETRAINED = {VAE_NAME: (VAE_NAME, "mnist-vae-2d"), AE_NAME: (AE_NAME, "mnist-ae-2d"),
              FASHION_VAE_NAME: (FASHION_VAE_NAME, "fashion-vae-2d"),
              FASHION_AE_NAME: (FASHION_AE_NAME, "fashion-ae-2d"),
              FASHION_AAE_NAME: (FASHION_AAE_NAME, "fashion-aae-2d"),
              FASHION_WAE_NAME: (FASHION_WAE_NAME, "fashion-wae-2d"),
              PIXEL_VAE_NAME: (PIXEL_VAE_NAME, "mnist-pixelvae"),
              PIXEL_FREEBITS_NAME: (PIXEL_FREEBITS_NAME, "mnist-pixelvae-freebits")}
PRIOR_NAMES = {"gaussian": "N(0, I)", "mixture10": "mixture of 10", "swiss-roll": "swiss roll",
               "square": "square [−2, 2]²", "ring": "ring", "points": "your points"}
KEY = "autoencoder/"


def dataset_name(model) -> str | None:
    """The dataset a model was trained on, as its checkpoint records it ("mnist",
    "fashion-mnist"), or None for a model that does not say."""
    data = model.meta.get("dataset") if model is not None else None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def describe(model: AutoencoderModel) -> str:
    """One line: the kind and what sets it apart, then the training facts, e.g.
    "AAE · conv · d = 2 · prior mixture of 10 · supervised · trained on fashion-mnist"."""
    c, m = model.config, model.meta
    training = m.get("training") if isinstance(m.get("training"), dict) else {}

    def number(key):
        v = training.get(key)
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    kind = c.kind.upper() + ("-MMD" if c.kind == "wae" and c.regulariser == "mmd" else
                             "-GAN" if c.kind == "wae" else "")
    parts = [f"{kind} · {c.arch} · d = {c.latent_dim}"]
    if c.kind == "hvae":
        parts.append(f"z₂ {c.top_dim}-D")
    if c.kind in ("aae", "wae"):
        prior = PRIOR_NAMES.get(c.prior, c.prior)
        if c.prior == "points":
            prior += f" ({len(c.prior_points):,})"
        parts.append(f"prior {prior}")
        if c.supervised:
            parts.append("supervised")
        if c.stochastic:
            parts.append("Gaussian encoder")
        if c.kind == "wae" and number("lam") is not None:
            parts.append(f"λ = {number('lam'):g}")
    if c.decoder == "pixelcnn":
        parts.append("PixelCNN decoder")
    if c.variational:
        beta, bits, warm = number("beta"), number("free_bits"), number("kl_warmup")
        if beta is not None and beta != 1:
            parts.append(f"β = {beta:g}")
        if bits:
            parts.append(f"free bits {bits:g}")
        if warm:
            parts.append(f"KL warm-up {warm:,}")
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
