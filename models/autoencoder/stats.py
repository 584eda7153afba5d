"""Posterior-collapse figures from the codes of held-out images.

Active units (Burda et al. 2016): a latent dimension j is active when the encoder's mean moves
with the input, A_j = Var_x(E_q[z_j | x]) > 0.01. A collapsed dimension has q(z_j | x) ≈ p(z_j)
for every x: its mean stays put (A_j ≈ 0) and its KL is ≈ 0 nats; the decoder then cannot get
anything about x through it.
"""
from __future__ import annotations

import numpy as np

from ..events import CodeStats

ACTIVE_THRESHOLD = 0.01


def unit_variance(mu: np.ndarray) -> np.ndarray:
    """Var over the rows of each column of the means (N×d → d)."""
    mu = np.asarray(mu, np.float64)
    return mu.var(0) if len(mu) > 1 else np.zeros(mu.shape[1])


def active_units(mu: np.ndarray, threshold: float = ACTIVE_THRESHOLD) -> int:
    return int((unit_variance(mu) > threshold).sum())


def kl_per_dim(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Mean over the rows of KL(N(μ, σ²) ‖ N(0, 1)) per dimension, in nats."""
    mu, sigma = np.asarray(mu, np.float64), np.asarray(sigma, np.float64)
    var = np.maximum(sigma ** 2, 1e-300)
    return (0.5 * (mu ** 2 + var - 1.0 - np.log(var))).mean(0)


def code_stats(step: int, mu: np.ndarray, sigma: np.ndarray | None) -> CodeStats:
    """The event: unit variances, active count and (with σ, for a VAE) the KL per dimension."""
    v = unit_variance(mu)
    kl = kl_per_dim(mu, sigma).astype(np.float32) if sigma is not None and len(mu) else None
    return CodeStats(step, v.astype(np.float32), int((v > ACTIVE_THRESHOLD).sum()), kl)
