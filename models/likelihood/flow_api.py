"""The inference face of RealNVP (checkpoint family "realnvp"): numpy in, numpy out, CPU.

    flow = load_checkpoint("checkpoints/moons-realnvp")      # config kind "2d"
    flow.log_prob(points)              # N×2 → N log-densities, nats
    flow.sample(1000)                  # float32 1000×2
    flow.layers(z)                     # [z, after coupling 1, …, x]: the plane warped
    flow.density_grid((-2.5, 2.5), (-2.5, 2.5), 200)      # 200×200 exact p(x, y)

    flow = load_checkpoint(DIR)        # config kind "image"
    flow.log_prob(images)              # N×28×28 → N log-likelihoods, nats (dequantized)
    flow.bits_per_dim(images)          # N figures
    flow.sample(16)                    # float32 16×28×28 in [0, 1]
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..weights import WeightsMixin
from .realnvp import PIXELS, SIDE, RealNVPConfig, bits_per_dim, build_flow, dequantize

MAX_SAMPLES = {"2d": 1_000_000, "image": 10_000}
MAX_GRID = 2048
SCORE_SEED = 0          # the dequantization noise log_prob uses unless given a generator
IMAGE_BATCH = 256


class RealNVPModel(WeightsMixin):
    family = "realnvp"
    config_class = RealNVPConfig

    @staticmethod
    def build_module(config: RealNVPConfig) -> torch.nn.Module:
        return build_flow(config)

    @classmethod
    def from_trainer(cls, trainer, meta: dict | None = None) -> "RealNVPModel":
        """A snapshot of a Flow2DTrainer's or FlowImageTrainer's weights."""
        model = cls(trainer.model_config, {**(meta or {}), "steps": int(trainer.steps_done)})
        model.load_state(trainer.state_numpy(), "the trainer")
        return model

    @property
    def kind(self) -> str:
        return self.config.kind

    # ---------------------------------------------------------------- both kinds
    @torch.inference_mode()
    def log_prob(self, x, generator: torch.Generator | None = None) -> np.ndarray:
        """Log-likelihoods in nats (float64, one per row of x).

        2-D: x is N×2 finite points; the exact log-density log p(x).
        Image: x is N×28×28 (or N×1×28×28) images, uint8 0–255, integers 0–255 of another
        type, or floats in [0, 1] (rounded to the nearest of the 256 levels, v = round(255x)).
        The figure is log p_w(v + u) of the dequantized image in [0, 256)^784, u ~ U(0, 1)
        drawn from `generator` (by default a fixed seed, so an image always scores the same);
        its mean over u is a lower bound on the discrete log P(v).
        """
        if self.kind == "2d":
            pts = torch.from_numpy(_points(x)).to(self.device)
            return self.module.log_prob(pts).double().cpu().numpy()
        levels = torch.from_numpy(_levels(x)).to(self.device)
        if generator is None:
            generator = torch.Generator(device=self.device).manual_seed(SCORE_SEED)
        out = [self.module.log_prob(dequantize(levels[i:i + IMAGE_BATCH], generator))
               for i in range(0, len(levels), IMAGE_BATCH)]
        unit = torch.cat(out).double() if out else torch.zeros(0, dtype=torch.float64)
        return (unit - PIXELS * math.log(256)).cpu().numpy()

    def bits_per_dim(self, images, generator: torch.Generator | None = None) -> np.ndarray:
        """Image flows: −log p_w / (784 ln 2) per image (see log_prob and realnvp's docstring)."""
        self._need("image", "bits_per_dim")
        return -self.log_prob(images, generator) / (PIXELS * math.log(2))

    @torch.inference_mode()
    def sample(self, n: int, generator: torch.Generator | None = None) -> np.ndarray:
        """n samples: float32 N×2 points, or N×28×28 images in [0, 1]."""
        cap = MAX_SAMPLES[self.kind]
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= cap:
            raise ValueError(f"n must be an integer in 1..{cap:,}, not {n!r}")
        shape = (int(n), 2) if self.kind == "2d" else (int(n), 1, SIDE, SIDE)
        where = generator.device if generator is not None else torch.device("cpu")
        z = torch.randn(shape, generator=generator, device=where).to(self.device)
        if self.kind == "2d":
            return self.module.inverse(z).float().cpu().numpy()
        out = [self.module.inverse(z[i:i + IMAGE_BATCH]) for i in range(0, len(z), IMAGE_BATCH)]
        return torch.cat(out)[:, 0].float().cpu().numpy()

    # ---------------------------------------------------------------- the 2-D lab
    @torch.inference_mode()
    def layers(self, points) -> list[np.ndarray]:
        """The plane warped layer by layer, from the Gaussian to the data.

        `points` are N×2 draws of the base N(0, I) (or a grid in that space). Returns
        layers + 1 float32 N×2 arrays: the points as given, then after each coupling of the
        sampling direction, the last being the flow's samples. Every array is shown in the
        data's frame (the flow's fixed standardisation undone: shift + scale · h), so the
        first is the Gaussian stretched to the data's mean and spread.
        """
        self._need("2d", "layers")
        z = torch.from_numpy(_points(points)).to(self.device)
        return [h.float().cpu().numpy() for h in self.module.trajectory(z)]

    @torch.inference_mode()
    def density_grid(self, xlim, ylim, n: int) -> np.ndarray:
        """The exact density p(x, y) on an n×n grid (float64): row i at
        y = ylim[0] + (ylim[1] − ylim[0])·i/(n − 1), column j at x likewise over xlim."""
        self._need("2d", "density_grid")
        (x0, x1), (y0, y1) = _limits(xlim, "xlim"), _limits(ylim, "ylim")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_GRID:
            raise ValueError(f"n must be an integer in 2..{MAX_GRID}, not {n!r}")
        gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        pts = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
        return np.exp(self.log_prob(pts)).reshape(n, n)

    def _need(self, kind: str, what: str) -> None:
        if self.kind != kind:
            raise ValueError(f"{what} is for {'2-D' if kind == '2d' else 'image'} flows; "
                             f"this one is kind {self.kind!r}")


def _limits(lim, name: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in lim)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of numbers, not {lim!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be two finite numbers, low < high, not {lim!r}")
    return lo, hi


def _points(points) -> np.ndarray:
    try:
        pts = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points must be an N×2 array of numbers ({exc})") from exc
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be an N×2 array, not shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("points contain NaN or infinite values")
    if np.abs(pts).max(initial=0.0) > 1e30:
        raise ValueError("points are too large for float32")
    return pts.astype(np.float32)


def _levels(images) -> np.ndarray:
    """N×28×28 (or N×1×28×28) images → float32 N×1×28×28 levels 0…255, by the rule in
    RealNVPModel.log_prob; ValueError naming what is wrong otherwise."""
    arr = np.asarray(images)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 3 or arr.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"images must be N×28×28, not shape {arr.shape}")
    if arr.dtype == np.bool_:
        raise ValueError("the flow scores 256-level images (uint8 0–255 or floats in [0, 1]), "
                         "not binary ones (NADE and PixelCNN score those)")
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise ValueError(f"integer images must hold levels 0–255, not {arr.min()}–{arr.max()}")
        return arr.astype(np.float32)[:, None]
    if arr.dtype.kind != "f":
        raise ValueError(f"images must be numbers, not {arr.dtype}")
    if not np.isfinite(arr).all():
        raise ValueError("images contain NaN or infinite values")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"float images must lie in [0, 1], not {arr.min():.3g}–{arr.max():.3g} "
                         "(pass uint8 for 0–255 levels)")
    return np.rint(arr.astype(np.float32) * 255)[:, None]
