"""The inference face of an image GAN: numpy out, no gradients, CPU by default."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..trainer import to_unit
from ..weights import WeightsMixin
from .nets import GANConfig, Generator, lerp, slerp, truncated_normal

INTERPOLATIONS = {"linear": lerp, "slerp": slerp}


class GANModel(WeightsMixin):
    config_class = GANConfig
    family = "gan"

    build_module = Generator

    @property
    def conditional(self) -> bool:
        return self.config.conditional

    @property
    def noise_dim(self) -> int:
        return self.config.noise_dim

    @property
    def classes(self) -> list[str]:
        names = self.meta.get("dataset", {}).get("classes")
        return list(names) if names else [str(i) for i in range(self.config.num_classes)]

    def latent(self, n: int, truncation: float | None = None,
               generator: torch.Generator | int | None = None) -> np.ndarray:
        """n noise vectors z (n×d float32), optionally from a truncated normal."""
        if isinstance(generator, (int, np.integer)):
            generator = torch.Generator().manual_seed(int(generator))
        return truncated_normal((int(n), self.noise_dim), truncation, generator).numpy()

    def _labels(self, n: int, label) -> torch.Tensor | None:
        if not self.conditional:
            return None
        k = self.config.num_classes
        if label is None:
            labels = np.arange(n) % k
        else:
            labels = np.broadcast_to(np.asarray(label), (n,)) if np.ndim(label) == 0 else np.asarray(label)
            if labels.shape != (n,):
                raise ValueError(f"give one label or {n} labels, not {labels.shape[0]}")
            if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= k:
                raise ValueError(f"labels must be whole numbers in 0..{k - 1}")
        return torch.as_tensor(np.array(labels, np.int64), device=self.device)

    @torch.no_grad()
    def generate(self, z, labels: int | Sequence[int] | None = None) -> np.ndarray:
        """G(z) for the given noise vectors: N×28×28 float32 in [0, 1]."""
        z = np.asarray(z, np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.noise_dim:
            raise ValueError(f"z must be N×{self.noise_dim}, not {'×'.join(map(str, z.shape))}")
        if not np.isfinite(z).all():
            raise ValueError("z must hold finite numbers")
        # labels for all of z first: chunks must continue the cycle, not restart it
        y = self._labels(len(z), labels)
        out = [to_unit(self.module(torch.from_numpy(z[i:i + 512]).to(self.device),
                                   None if y is None else y[i:i + 512]))
               for i in range(0, len(z), 512)]
        return np.concatenate(out) if out else np.zeros((0, 28, 28), np.float32)

    def sample(self, n: int, label: int | Sequence[int] | None = None,
               truncation: float | None = None,
               generator: torch.Generator | int | None = None) -> np.ndarray:
        """n images, N×28×28 float32 in [0, 1]. A conditional model cycles through the
        classes when no label is given."""
        return self.generate(self.latent(n, truncation, generator), label)

    def interpolate(self, z0, z1, steps: int, mode: str = "slerp",
                    label: int | Sequence[int] | None = None) -> np.ndarray:
        """Images along the path from z0 to z1 (inclusive), steps×28×28."""
        if mode not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}, not {mode!r}")
        ts = np.linspace(0.0, 1.0, max(2, int(steps)))
        path = np.stack([INTERPOLATIONS[mode](z0, z1, t) for t in ts])
        return self.generate(path, label)

