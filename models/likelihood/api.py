"""The inference face of the autoregressive models: numpy in, numpy out, no gradients.

`load_checkpoint(DIR)` gives a NADEModel or PixelCNNModel; both model binary images of the
size in their config (28×28 for the shipped ones) with p(x) = Π_i p(x_i | x_<i), pixels in
raster order, and offer:

  log_prob(x)      N×S×S binary → N log-likelihoods log p(x) in nats (exact)
  pixel_nll(x)     N×S×S: −log p(x_i | x_<i), which pixels surprised the model
  conditionals(x)  N×S×S: p(x_i = 1 | x_<i), every position from one forward pass
  sample(n)        n images drawn pixel by pixel
  complete(x, known)   the unknown pixels drawn given the known ones, in raster order

Binary input may be bool, an integer type or float, holding only 0 and 1; anything else is
refused with a ValueError saying so (grey images go through models.likelihood.binarize first).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..weights import WeightsMixin
from .nade import NADEConfig, build_nade
from .pixelcnn import PixelCNNConfig, build_pixelcnn

CHUNK = 64     # images per forward pass: NADE's one-pass sum holds N×n×H floats


def as_generator(generator, device) -> torch.Generator:
    """None (a fresh random seed), an int seed, or a torch.Generator."""
    if isinstance(generator, torch.Generator):
        return generator
    g = torch.Generator(device=device)
    if generator is None:
        g.seed()
    elif isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        g.manual_seed(int(generator))
    else:
        raise ValueError(f"generator must be None, an int seed or a torch.Generator, "
                         f"not {type(generator).__name__}")
    return g


def bits_per_dim(nats: np.ndarray | float, pixels: int):
    """nats per image → bits per pixel: nats / (n ln 2)."""
    return np.asarray(nats) / (pixels * math.log(2))


class AutoregressiveModel(WeightsMixin):
    """What NADE and PixelCNN share: the module gives `logits(x)` (N×S×S, all conditionals in
    one pass) and `fill(x, unknown, generator)` (sequential sampling in raster order)."""

    @property
    def size(self) -> int:
        return self.config.size

    @property
    def pixels(self) -> int:
        return self.config.size ** 2

    @property
    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.module.parameters())

    # ---------------------------------------------------------------- input
    def _images(self, x, what: str = "images") -> np.ndarray:
        """N×S×S (or one S×S image) → float32 N×S×S, refusing wrong shapes and non-finite
        values (not yet checking that they are binary)."""
        a = np.asarray(x)
        if a.dtype == object or not (a.dtype == bool or np.issubdtype(a.dtype, np.number)):
            raise ValueError(f"{what} must be an array of numbers, not {a.dtype}")
        s = self.size
        if a.ndim == 2:
            a = a[None]
        if a.ndim != 3 or a.shape[1:] != (s, s):
            raise ValueError(f"{what} must be N×{s}×{s} (this model's image size), "
                             f"got shape {a.shape}")
        a = a.astype(np.float32)
        if not np.isfinite(a).all():
            raise ValueError(f"{what} contain NaN or infinite values")
        return a

    def _binary(self, x, what: str = "images") -> np.ndarray:
        a = self._images(x, what)
        bad = (a != 0) & (a != 1)
        if bad.any():
            raise ValueError(f"{what} must be binary (only 0 and 1): found {a[bad][0]:g}. This "
                             "model's likelihood is over binary pixels; binarize grey images "
                             "first (models.likelihood.binarize).")
        return a

    def _mask(self, known, shape) -> np.ndarray:
        m = np.asarray(known)
        if m.dtype != bool:
            raise ValueError(f"known must be a boolean mask, not {m.dtype}")
        if m.ndim == 2 and len(shape) == 3:
            m = np.broadcast_to(m, shape)
        if m.shape != shape:
            raise ValueError(f"known must have the images' shape {shape}, got {m.shape}")
        return m

    # ---------------------------------------------------------------- one pass
    @torch.inference_mode()
    def _logits(self, x: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(x).to(self.device)
        out = [self.module.logits(t[i:i + CHUNK]) for i in range(0, len(t), CHUNK)]
        return torch.cat(out) if out else torch.zeros((0, self.size, self.size))

    def conditionals(self, x) -> np.ndarray:
        """N×S×S binary → N×S×S float32 p(x_i = 1 | x_<i), every position from one forward
        pass (each depends only on the pixels before it in raster order)."""
        return torch.sigmoid(self._logits(self._binary(x))).cpu().numpy()

    def pixel_nll(self, x) -> np.ndarray:
        """N×S×S binary → N×S×S float32 −log p(x_i | x_<i) in nats (Bernoulli cross-entropy
        of each pixel against its conditional)."""
        a = self._binary(x)
        logits = self._logits(a)
        nll = F.binary_cross_entropy_with_logits(logits, torch.from_numpy(a).to(logits.device),
                                                 reduction="none")
        return nll.cpu().numpy()

    def log_prob(self, x) -> np.ndarray:
        """N×S×S binary → N float64 log p(x) = Σ_i log p(x_i | x_<i), in nats, exact."""
        return -self.pixel_nll(x).astype(np.float64).sum(axis=(1, 2))

    # ---------------------------------------------------------------- sampling
    def complete(self, x, known, generator=None) -> np.ndarray:
        """Keep the `known` pixels of x (N×S×S, binary where known; the rest is ignored) and
        draw every other pixel from p(x_i | x_<i) in raster order, each given the known and
        already drawn pixels before it. Returns N×S×S uint8 {0, 1}."""
        a = self._images(x)
        m = self._mask(known, a.shape)
        bad = m & (a != 0) & (a != 1)
        if bad.any():
            raise ValueError(f"the known pixels must be binary (0 or 1): found {a[bad][0]:g}")
        a = np.where(m, a, 0).astype(np.float32)
        g = as_generator(generator, self.device)
        with torch.inference_mode():
            t = torch.from_numpy(a).to(self.device)
            unknown = torch.from_numpy(~m).to(self.device)
            out = self._fill(t, unknown, g)
        return out.cpu().numpy().astype(np.uint8)

    def sample(self, n: int, generator=None) -> np.ndarray:
        """n images drawn pixel by pixel from the model: N×S×S uint8 {0, 1}."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= 10_000:
            raise ValueError(f"n must be an integer in 0..10000, not {n!r}")
        s = self.size
        return self.complete(np.zeros((n, s, s), np.float32), np.zeros((n, s, s), bool), generator)

    def _fill(self, x, unknown, generator):
        return self.module.fill(x, unknown, generator)


class NADEModel(AutoregressiveModel):
    family = "nade"
    config_class = NADEConfig
    build_module = staticmethod(build_nade)


class PixelCNNModel(AutoregressiveModel):
    family = "pixelcnn"
    config_class = PixelCNNConfig
    build_module = staticmethod(build_pixelcnn)
    # which rows each sampling pass recomputes (pixelcnn.PixelCNN.fill); the benchmark
    # compares them, "band" is exact and the fastest
    crop = "band"

    def _fill(self, x, unknown, generator):
        return self.module.fill(x, unknown, generator, crop=self.crop)
