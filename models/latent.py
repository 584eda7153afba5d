"""Latent-space tools: 2-D views of d-D codes, interpolation, attribute vectors, grids."""
from __future__ import annotations

import numpy as np


class PlaneProjection:
    """Maps d-D latent codes to a 2-D plane and back.

    For d = 2 it is the identity. For d > 2 it is PCA on the given codes: a point of the
    plane decodes as mean + x·pc₁ + y·pc₂. For d = 1 the plane's y is ignored.
    """

    def __init__(self, mean: np.ndarray, basis: np.ndarray):
        self.mean = np.asarray(mean, np.float32)      # d
        self.basis = np.asarray(basis, np.float32)    # 2×d, orthonormal rows
        self.explained = None                          # variance share per axis, PCA only

    @classmethod
    def fit(cls, latents: np.ndarray) -> "PlaneProjection":
        z = np.asarray(latents, np.float32)
        d = z.shape[1]
        if d <= 2:
            return cls(np.zeros(d), np.eye(2, d))
        mean = z.mean(0)
        _, s, vt = np.linalg.svd(z - mean, full_matrices=False)
        proj = cls(mean, vt[:2])
        var = s ** 2
        proj.explained = var[:2] / max(var.sum(), 1e-12)
        return proj

    @property
    def is_identity(self) -> bool:
        return self.basis.shape[1] <= 2

    def to_plane(self, z: np.ndarray) -> np.ndarray:
        return (np.asarray(z, np.float32) - self.mean) @ self.basis.T

    def from_plane(self, p: np.ndarray) -> np.ndarray:
        return self.mean + np.asarray(p, np.float32) @ self.basis


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return (1.0 - t) * np.asarray(a, np.float32) + t * np.asarray(b, np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: constant angular speed from a to b; falls back to lerp when parallel."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-8 or nb < 1e-8:
        return lerp(a, b, t).astype(np.float32)
    cos = np.clip(np.dot(a / na, b / nb), -1.0, 1.0)
    omega = np.arccos(cos)
    if np.sin(omega) < 1e-6:
        return lerp(a, b, t).astype(np.float32)
    out = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)
    return out.astype(np.float32)


def interpolate(a, b, t: float, spherical: bool = False) -> np.ndarray:
    return slerp(a, b, t) if spherical else lerp(a, b, t)


def attribute_vector(latents: np.ndarray, has_attribute: np.ndarray) -> np.ndarray:
    """mean z of the codes with the attribute − mean z of those without."""
    z = np.asarray(latents, np.float32)
    mask = np.asarray(has_attribute, bool)
    if mask.shape != (len(z),):
        raise ValueError("the attribute mask needs one entry per latent code")
    if not mask.any() or mask.all():
        raise ValueError("an attribute needs at least one point with it and one without")
    return z[mask].mean(0) - z[~mask].mean(0)


def latent_box(latents: np.ndarray, margin: float = 0.05) -> np.ndarray:
    """2×d [min; max] around the codes, widened by `margin` of the range on each side."""
    z = np.asarray(latents, np.float32)
    lo, hi = z.min(0), z.max(0)
    pad = (hi - lo) * margin
    return np.stack([lo - pad, hi + pad])


def prior_draws(model, n: int, seed: int | None = None, latents: np.ndarray | None = None) -> np.ndarray:
    """n latent codes 'from the prior'.

    A VAE has one: N(0, I); an AAE or a WAE the prior it matched its codes to; a hierarchical
    VAE's z₁ comes from z₂ ~ N(0, I) through p(z₁|z₂). A plain AE has none, so we do what one would naively do: draw
    uniformly from a box around the encoded data (from `latents`, else the box saved with the
    checkpoint). Decoding those shows why sampling an AE fails.
    """
    rng = np.random.default_rng(seed)
    d = model.latent_dim
    if getattr(model, "kind", "vae") not in ("ae", "vae") and model.has_prior:
        # the AAE's and WAE's matched prior, the hierarchical VAE's ancestral z₁
        return model.prior_sample(n, seed=int(rng.integers(2**62)))
    if model.variational:
        return rng.standard_normal((n, d)).astype(np.float32)
    if latents is not None and len(latents):
        box = latent_box(latents, margin=0.0)
    elif "latent_box" in model.meta:
        box = np.asarray(model.meta["latent_box"], np.float32)
    else:
        box = np.stack([-3 * np.ones(d), 3 * np.ones(d)]).astype(np.float32)
    return rng.uniform(box[0], box[1], size=(n, d)).astype(np.float32)


def grid_points(x_range: tuple[float, float], y_range: tuple[float, float], n: int) -> np.ndarray:
    """n×n plane points, row-major from the top-left (high y) to the bottom-right, as on screen."""
    xs = np.linspace(x_range[0], x_range[1], n, dtype=np.float32)
    ys = np.linspace(y_range[1], y_range[0], n, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], 1)
