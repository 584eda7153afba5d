"""Noise schedules β_1..β_T and the quantities derived from them.

Index i = 0..T-1 in code is the paper's t = i + 1, so `alphas_cumprod[i]` is ᾱ_{i+1}.
Everything is computed in float64; callers cast.
"""
from __future__ import annotations

import math

import numpy as np

SCHEDULES = ("linear", "cosine", "quadratic")
COSINE_S = 0.008
MAX_BETA = 0.999


def betas_for(schedule: str, T: int = 1000, beta_start: float = 1e-4,
              beta_end: float = 0.02) -> np.ndarray:
    """β_t for t = 1..T.

    * linear: evenly spaced from `beta_start` to `beta_end` (Ho et al. 2020);
    * quadratic: evenly spaced in √β, then squared;
    * cosine: ᾱ_t = f(t)/f(0) with f(t) = cos²(π/2 · (t/T + s)/(1 + s)), s = 0.008, and
      β_t = 1 − ᾱ_t/ᾱ_{t−1} capped at 0.999 (Nichol & Dhariwal 2021).
    """
    if not isinstance(T, (int, np.integer)) or isinstance(T, bool) or not 1 <= T <= 100_000:
        raise ValueError(f"T must be an integer in 1..100000, not {T!r}")
    if schedule == "linear":
        return np.linspace(beta_start, beta_end, T, dtype=np.float64)
    if schedule == "quadratic":
        return np.linspace(math.sqrt(beta_start), math.sqrt(beta_end), T, dtype=np.float64) ** 2
    if schedule == "cosine":
        return np.minimum(1.0 - cosine_alpha_bar(np.arange(1, T + 1), T)
                          / cosine_alpha_bar(np.arange(0, T), T), MAX_BETA)
    raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")


def cosine_alpha_bar(t, T: int, s: float = COSINE_S) -> np.ndarray:
    """The cosine schedule's closed form ᾱ(t) = f(t)/f(0) (before β is capped)."""
    f = lambda u: np.cos((np.asarray(u, np.float64) / T + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    return f(t) / f(0)


def alphas_cumprod_for(betas: np.ndarray) -> np.ndarray:
    return np.cumprod(1.0 - np.asarray(betas, np.float64))


def log_snr(alphas_cumprod: np.ndarray) -> np.ndarray:
    """log(ᾱ_t / (1 − ᾱ_t)), the log signal-to-noise ratio of x_t."""
    a = np.asarray(alphas_cumprod, np.float64)
    with np.errstate(divide="ignore"):
        return np.log(a) - np.log1p(-a)
