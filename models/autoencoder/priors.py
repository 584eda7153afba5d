"""Priors p(z) on a 2-D (or d-D) latent space that an adversarial or Wasserstein autoencoder
can match its codes to: anything you can sample from works, since AAE and WAE only need draws.

    sample_prior("mixture10", n, generator)      # n×2 float32 tensor
    prior_labels(z)                               # the mixture component nearest each point

The shapes follow the AAE paper's figures: N(0, I); a mixture of 10 isotropic Gaussians
(σ = 0.5) whose means sit evenly on a circle of radius 4, so the components separate; a swiss
roll; a uniform square [−2, 2]²; a ring of radius 2; and points the user gives (resampled with
replacement plus a little noise). Groundwork for the AAE and WAE of issue 15.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..points import check_points, load_points

PRIORS = ("gaussian", "mixture10", "swiss-roll", "square", "ring", "points")
NAMES = {"gaussian": "N(0, I)", "mixture10": "Mixture of 10 Gaussians on a circle",
         "swiss-roll": "Swiss roll", "square": "Uniform square [−2, 2]²",
         "ring": "Ring of radius 2", "points": "Your own points"}
MIXTURE_RADIUS = 4.0
MIXTURE_STD = 0.5
RING_RADIUS = 2.0
RING_STD = 0.1
SQUARE_HALF = 2.0
POINT_JITTER = 0.05
MIN_POINTS = 10
MAX_POINTS = 5000          # kept in the checkpoint's config.json


def mixture_means(k: int = 10, radius: float = MIXTURE_RADIUS) -> np.ndarray:
    """The k component means, evenly spaced on a circle, the first on the positive x axis."""
    angles = 2 * math.pi * np.arange(k) / k
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], 1).astype(np.float32)


def check_user_points(points) -> np.ndarray:
    """A float32 N×2 copy of a user's prior points, or ValueError with the reason (not N×2,
    not numbers, NaN or infinite, fewer than MIN_POINTS or more than MAX_POINTS, no spread)."""
    return check_points(points, "the prior's points", need="the prior", min_points=MIN_POINTS,
                        max_points=MAX_POINTS)


def load_prior_points(path) -> np.ndarray:
    """A user's prior points from a .csv / .txt (x, y rows) or .npy (N×2) file, checked."""
    return load_points(path, need="the prior", min_points=MIN_POINTS, max_points=MAX_POINTS)


def sample_prior(name: str, n: int, generator: torch.Generator | None = None,
                 dim: int = 2, points: np.ndarray | None = None) -> torch.Tensor:
    """n draws from the prior `name` as an n×dim float32 tensor. Only "gaussian" exists in
    any dimension; the shaped priors are 2-D. `points` (N×2) is the "points" prior's data."""
    if name not in PRIORS:
        raise ValueError(f"unknown prior {name!r}; one of {', '.join(PRIORS)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, not {n!r}")
    if name == "gaussian":
        return torch.randn(n, dim, generator=generator)
    if dim != 2:
        raise ValueError(f"the {NAMES[name]} prior is 2-D; the latent space here has {dim} "
                         "dimensions (only N(0, I) works in any dimension)")
    g = generator

    def uniform(*shape):
        return torch.rand(*shape, generator=g)

    if name == "mixture10":
        means = torch.from_numpy(mixture_means())
        which = torch.randint(0, len(means), (n,), generator=g)
        return means[which] + MIXTURE_STD * torch.randn(n, 2, generator=g)
    if name == "swiss-roll":
        t = 1.5 * math.pi * (1 + 2 * uniform(n))             # the roll's angle, 1.5π … 4.5π
        r = t / (4.5 * math.pi) * 2.5                          # radius grows to 2.5
        z = torch.stack([r * torch.cos(t), r * torch.sin(t)], 1)
        return z + 0.05 * torch.randn(n, 2, generator=g)
    if name == "square":
        return (2 * uniform(n, 2) - 1) * SQUARE_HALF
    if name == "ring":
        angle = 2 * math.pi * uniform(n)
        radius = RING_RADIUS + RING_STD * torch.randn(n, generator=g)
        return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], 1)
    pts = torch.from_numpy(check_user_points(points if points is not None else []))
    which = torch.randint(0, len(pts), (n,), generator=g)
    return pts[which] + POINT_JITTER * torch.randn(n, 2, generator=g)


def prior_labels(z: np.ndarray) -> np.ndarray:
    """For the mixture prior: the index of the nearest component mean for each row of z (the
    supervised AAE ties class k to component k)."""
    z = np.asarray(z, np.float32)
    d = ((z[:, None, :] - mixture_means()[None]) ** 2).sum(-1)
    return d.argmin(1)
