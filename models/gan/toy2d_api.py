"""The inference face of a 2-D GAN: points out, numpy only, no gradients, CPU by default.

    gan = load_checkpoint("runs/ring")          # family "gan2d"
    pts = gan.sample(1000, truncation=1.0)      # float32 1000×2
    p = gan.decision(pts)                       # D's probability (or critic value) per point
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..weights import WeightsMixin
from .toy2d import Discriminator2D, GAN2DConfig, Generator2D, sample_noise

MAX_SAMPLES = 1_000_000


class GAN2DModule(nn.Module):
    """G and D side by side, so one state dict ("G.…", "D.…") holds the whole game."""

    def __init__(self, config: GAN2DConfig):
        super().__init__()
        self.G = Generator2D(config)
        self.D = Discriminator2D(config)


class GAN2DModel(WeightsMixin):
    config_class = GAN2DConfig
    family = "gan2d"

    build_module = GAN2DModule

    @classmethod
    def from_trainer(cls, trainer, meta: dict | None = None) -> "GAN2DModel":
        """A snapshot of a trainer's G and D. `meta` should name the data ("data": "8gaussians",
        or a file name); the points themselves are never stored."""
        meta = {k: v for k, v in (meta or {}).items() if k != "points"}
        meta.setdefault("data", "custom")
        meta.update(loss=trainer.config.loss, train_config=trainer.config.to_dict(),
                    steps=int(trainer.steps_done))
        model = cls(trainer.model_config, meta)
        model.load_state(trainer.state_numpy(), "the trainer")
        return model

    @property
    def loss(self) -> str:
        return str(self.meta.get("loss", "non-saturating"))

    @torch.inference_mode()
    def sample(self, n: int, truncation: float | None = None,
               generator: torch.Generator | None = None, *, label=None) -> np.ndarray:
        """n points (float32 N×2) from G; `truncation` narrows the noise (see sample_noise).

        `label` exists so every model answers the same call; a 2-D GAN has no classes.
        """
        if label is not None:
            raise ValueError("a 2-D GAN is unconditional; it takes no label")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_SAMPLES:
            raise ValueError(f"n must be an integer in 1..{MAX_SAMPLES:,}, not {n!r}")
        cfg = self.config
        z = sample_noise(int(n), cfg.noise_dim, cfg.noise, generator, truncation)
        return self.module.G(z.to(self.device)).float().cpu().numpy()

    @torch.inference_mode()
    def decision(self, points) -> np.ndarray:
        """D at each point (N×2 → N): a probability, or the raw critic value for WGAN-GP."""
        x = np.asarray(points, np.float32)
        if x.ndim != 2 or x.shape[1] != 2 or not np.isfinite(x).all():
            raise ValueError(f"points must be a finite N×2 array, not shape {x.shape}")
        logits = self.module.D(torch.from_numpy(x).to(self.device))
        out = logits if self.loss == "wgan-gp" else torch.sigmoid(logits)
        return out.float().cpu().numpy()
