"""DCGAN networks for 28×28 digits, unconditional or conditioned on the label.

G: z → linear → 2w×7×7 → (BN, ReLU, ConvT) 14×14 → (BN, ReLU, ConvT) 28×28 → tanh, as in
Radford et al. (2016), scaled to MNIST. D has no batch norm: the WGAN-GP penalty is per
sample, which batch statistics would break (Gulrajani et al. §4), and one D serves all
three losses. Conditioning follows Mirza & Osindero (2014): G gets the one-hot label beside
z, and D sees it as one-hot planes stacked on the image. (A learnt 50-d label embedding in
G, tried first, drowned z: every sample of a class came out the same from the first epoch,
a within-class diversity of 0.1 against 0.9 with one-hot labels.)
"""
from __future__ import annotations

import operator
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..checks import from_fields


@dataclass(frozen=True)
class GANConfig:
    noise_dim: int = 64
    g_width: int = 64
    d_width: int = 64
    num_classes: int = 0        # 0: unconditional
    d_dropout: float = 0.0

    def __post_init__(self):
        try:
            for name in ("noise_dim", "g_width", "d_width", "num_classes"):
                value = getattr(self, name)
                if isinstance(value, bool):
                    raise TypeError
                object.__setattr__(self, name, operator.index(value))
        except TypeError:
            raise ValueError(f"noise_dim, widths and num_classes must be integers: {self}") from None
        if not 1 <= self.noise_dim <= 1024:
            raise ValueError(f"noise dimension must be in 1..1024, not {self.noise_dim}")
        if not (4 <= self.g_width <= 1024 and 4 <= self.d_width <= 1024):
            raise ValueError(f"widths must be in 4..1024, not {self.g_width}, {self.d_width}")
        if self.num_classes != 0 and not 2 <= self.num_classes <= 100:
            raise ValueError(f"num_classes must be 0 (unconditional) or 2..100, not {self.num_classes}")
        if not (isinstance(self.d_dropout, (int, float)) and 0 <= self.d_dropout < 0.9):
            raise ValueError(f"D dropout must be in [0, 0.9), not {self.d_dropout!r}")

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GANConfig":
        return from_fields(cls, d)


class Generator(nn.Module):
    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        w = config.g_width
        self.project = nn.Sequential(nn.Linear(config.noise_dim + config.num_classes, 2 * w * 49,
                                               bias=False),
                                     nn.BatchNorm1d(2 * w * 49), nn.ReLU(True))
        self.body = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.config.conditional:
            if labels is None:
                raise ValueError("this generator is class-conditional: give it labels")
            z = torch.cat([z, F.one_hot(labels, self.config.num_classes).to(z.dtype)], 1)
        h = self.project(z).view(len(z), 2 * self.config.g_width, 7, 7)
        return self.body(h)


class Discriminator(nn.Module):
    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        w, p = config.d_width, config.d_dropout
        self.body = nn.Sequential(
            nn.Conv2d(1 + config.num_classes, w, 4, 2, 1), nn.LeakyReLU(0.2, True), nn.Dropout(p),
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2, True), nn.Dropout(p),
            nn.Flatten(), nn.Linear(2 * w * 49, 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.config.conditional:
            if labels is None:
                raise ValueError("this discriminator is class-conditional: give it labels")
            planes = F.one_hot(labels, self.config.num_classes).to(x.dtype)
            x = torch.cat([x, planes[:, :, None, None].expand(-1, -1, *x.shape[2:])], 1)
        return self.body(x).view(-1)


def truncated_normal(shape, truncation: float | None = None, generator: torch.Generator | None = None,
                     device: torch.device | str = "cpu") -> torch.Tensor:
    """N(0, I), or with truncation t every value beyond ±t redrawn until it falls inside
    (BigGAN's truncation trick: smaller t trades variety for typical, cleaner samples)."""
    z = torch.randn(shape, generator=generator, device=device)
    if truncation is None:
        return z
    t = float(truncation)
    if not t > 0:   # NaN fails too
        raise ValueError(f"truncation must be a positive number, not {truncation!r}")
    for _ in range(1000):
        outside = z.abs() > t
        if not outside.any():
            return z
        z = torch.where(outside, torch.randn(shape, generator=generator, device=device), z)
    return z.clamp(-t, t)  # t so small that redrawing barely ever lands inside


def lerp(z0, z1, t: float) -> np.ndarray:
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    return ((1 - t) * z0 + t * z1).astype(np.float32)


def slerp(z0, z1, t: float) -> np.ndarray:
    """Spherical interpolation (Shoemake 1985), as White (2016) recommends for Gaussian z:
    linear paths pass near the origin, where a high-dimensional Gaussian has no mass."""
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    if n0 == 0 or n1 == 0:
        return lerp(z0, z1, t)
    omega = np.arccos(np.clip(np.dot(z0 / n0, z1 / n1), -1.0, 1.0))
    s = np.sin(omega)
    if s < 1e-6:   # parallel or opposite: no single great circle joins them
        return lerp(z0, z1, t)
    return (np.sin((1 - t) * omega) / s * z0 + np.sin(t * omega) / s * z1).astype(np.float32)
