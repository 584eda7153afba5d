"""The inference face of a diffusion model: numpy out, no gradients, CPU by default."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generator, Sequence

import numpy as np
import torch

from ..trainer import to_unit
from ..weights import WeightsMixin
from .sampling import reverse_chain, run_chain
from .scheduler import NoiseScheduler
from .unet import DiffusionConfig, UNet


@dataclass(frozen=True)
class ChainFrame:
    """One step of a reverse chain, as images in [0, 1] (N×28×28 float32)."""
    index: int
    steps: int
    t: int            # the timestep just denoised, 1-based like the papers (T..1)
    x_t: np.ndarray   # the sample after this step
    x0: np.ndarray    # the model's guess of x_0 at this step
    evaluations: int = 0  # ε̂-network evaluations so far (2 per step under guidance)


class DiffusionModel(WeightsMixin):
    config_class = DiffusionConfig
    family = "diffusion"

    build_module = UNet

    def __init__(self, config: DiffusionConfig, meta: dict | None = None, device: str = "cpu"):
        super().__init__(config, meta, device)
        self.scheduler = NoiseScheduler(config.schedule, config.timesteps)

    # ---------------------------------------------------------------- sampling
    @property
    def conditional(self) -> bool:
        return self.config.conditional

    @property
    def classes(self) -> list[str]:
        names = self.meta.get("dataset", {}).get("classes")
        return list(names) if names else [str(i) for i in range(self.config.num_classes)]

    def noise(self, n: int, generator: torch.Generator | None = None, seed: int | None = None
              ) -> torch.Tensor:
        """x_T ~ N(0, I), N×1×28×28 on the model's device."""
        if seed is not None:
            generator = torch.Generator().manual_seed(int(seed))
        x = torch.randn((n, 1, 28, 28), generator=generator)
        return x.to(self.device)

    def _labels(self, n: int, label) -> torch.Tensor | None:
        if label is None:
            return None
        if not self.conditional:
            raise ValueError("this model is unconditional; it takes no label")
        arr = np.full(n, label) if np.ndim(label) == 0 else np.asarray(label)
        if arr.shape != (n,) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"label must be an integer or {n} integers")
        if arr.min() < 0 or arr.max() >= self.config.num_classes:
            raise ValueError(f"labels must be in 0..{self.config.num_classes - 1}")
        return torch.from_numpy(arr.astype(np.int64)).to(self.device)

    def _start(self, n: int, generator, x_T, label) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x_T (given, or n fresh draws) as N×1×28×28 on the device, and the checked labels."""
        if x_T is None:
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 100_000:
                raise ValueError(f"n must be an integer in 1..100000, not {n!r}")
            x_T = self.noise(n, generator)
        x_T = torch.as_tensor(x_T, dtype=torch.float32).to(self.device)
        if x_T.dim() == 3:
            x_T = x_T[:, None]
        return x_T, self._labels(x_T.shape[0], label)

    def sample_chain(self, n: int = 16, steps: int = 50, eta: float = 0.0, guidance: float = 0.0,
                     label: int | Sequence[int] | None = None,
                     generator: torch.Generator | None = None, sampler: str = "ddim",
                     x_T: torch.Tensor | np.ndarray | None = None
                     ) -> Generator[ChainFrame, None, np.ndarray]:
        """Yields every intermediate x_t and x̂_0 (in [0, 1]); returns the final images."""
        x_T, labels = self._start(n, generator, x_T, label)
        # reverse_chain turns gradients off around each of its own steps only; a `with` block
        # here would stay entered while this generator is suspended and leak into the caller
        chain = reverse_chain(self.module, self.scheduler, x_T, steps, eta, sampler, labels,
                              guidance, generator, self.config.num_classes)
        last = x_T
        for s in chain:
            last = s.sample
            yield ChainFrame(s.index, s.steps, s.t + 1, to_unit(s.sample),
                             to_unit(s.pred_original), s.evaluations)
        return to_unit(last)

    def sample(self, n: int = 16, steps: int = 50, eta: float = 0.0, guidance: float = 0.0,
               label: int | Sequence[int] | None = None, generator: torch.Generator | None = None,
               sampler: str = "ddim", x_T=None) -> np.ndarray:
        """n images, N×28×28 float32 in [0, 1], by DDIM (or DDPM with sampler="ddpm")."""
        x_T, labels = self._start(n, generator, x_T, label)
        with torch.inference_mode():
            x0 = run_chain(self.module, self.scheduler, x_T, steps, eta, sampler, labels,
                           guidance, generator, self.config.num_classes)
        return to_unit(x0)
