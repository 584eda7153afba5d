"""The Fréchet distance between two Gaussians, as FID uses it, in numpy alone.

    d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^{1/2})

(Σ₁Σ₂)^{1/2} is not symmetric, and scipy's sqrtm (which FID code usually calls) is not a
dependency here. Only its trace is needed, and Σ₁Σ₂ is similar to √Σ₁ Σ₂ √Σ₁, which is
symmetric positive semi-definite, so the trace is the sum of the square roots of that
matrix's eigenvalues: two symmetric eigendecompositions, no complex arithmetic.
"""
from __future__ import annotations

import numpy as np


def gaussian_stats(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and unbiased covariance (D×D) of N×D features, in float64."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"features must be N×D, got shape {x.shape}")
    if len(x) < 2:
        raise ValueError(f"need at least 2 feature vectors for a covariance, got {len(x)}")
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or infinite values")
    mu = x.mean(axis=0)
    centred = x - mu
    sigma = centred.T @ centred / (len(x) - 1)
    return mu, sigma


def _psd_sqrt(sigma: np.ndarray) -> np.ndarray:
    """√Σ of a symmetric positive semi-definite matrix (rounding's tiny negatives → 0)."""
    w, v = np.linalg.eigh(sigma)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr((Σ₁ Σ₂)^{1/2}) for symmetric PSD Σ₁, Σ₂."""
    root = _psd_sqrt(sigma1)
    m = root @ sigma2 @ root
    m = (m + m.T) / 2          # symmetric in exact arithmetic; make eigvalsh's input so too
    return float(np.sqrt(np.clip(np.linalg.eigvalsh(m), 0.0, None)).sum())


def _check(mu, sigma, name: str) -> tuple[np.ndarray, np.ndarray]:
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    sigma = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    if mu.ndim != 1 or sigma.shape != (len(mu), len(mu)):
        raise ValueError(f"{name}: mean {mu.shape} and covariance {sigma.shape} do not match")
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise ValueError(f"{name}: statistics contain NaN or infinite values")
    if not np.allclose(sigma, sigma.T, rtol=1e-6, atol=1e-9 * max(1.0, np.abs(sigma).max())):
        raise ValueError(f"{name}: covariance is not symmetric")
    return mu, (sigma + sigma.T) / 2


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """The squared Fréchet (2-Wasserstein) distance between N(μ₁, Σ₁) and N(μ₂, Σ₂)."""
    mu1, sigma1 = _check(mu1, sigma1, "first")
    mu2, sigma2 = _check(mu2, sigma2, "second")
    if mu1.shape != mu2.shape:
        raise ValueError(f"dimensions differ: {mu1.shape[0]} and {mu2.shape[0]}")
    diff = mu1 - mu2
    d = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt_product(sigma1, sigma2)
    # a distance: rounding can leave −1e−12 for identical inputs
    return max(float(d), 0.0)


def frechet_distance_features(features1, features2) -> float:
    """Fréchet distance between the Gaussians fitted to two N×D feature sets."""
    return frechet_distance(*gaussian_stats(features1), *gaussian_stats(features2))
