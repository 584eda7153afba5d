"""UNIT's shared latent space, measured (no Qt here; runs on the view's worker thread).

The same N held-out digits are encoded twice: as they are (domain A, MNIST) and textured
(domain B). Both sets of codes are projected with ONE projection, the PCA of their union (centred
on the union's mean), so a digit's two codes land at comparable places in the plane. How close
the pairs are is measured in the full code space, not the plane:

    paired  = mean_i ‖z_A(i) − z_B(i)‖
    random  = mean over all i ≠ j of ‖z_A(i) − z_B(j)‖

A shared space puts a digit's two codes much closer than two different digits' (paired / random
well below 1); two separate spaces give a ratio near 1 or above.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .translate_examples import DIGIT_SEED, held_digits


@dataclass(frozen=True)
class SharedCodes:
    xy_a: np.ndarray        # N×2: the A codes in the plane
    xy_b: np.ndarray        # N×2: the B codes, the same projection
    labels: np.ndarray      # N
    paired: float           # mean distance between a digit's A and B codes
    random: float           # mean distance between different digits' A and B codes
    explained: tuple[float, float]   # the share of the union's variance on each axis
    dim: int                # the codes' dimension
    grey: np.ndarray        # N×28×28: the digits (A)
    textured: np.ndarray    # N×28×28×3: the same digits textured (B)
    a_to_b: np.ndarray      # N×28×28×3: each A digit translated to B
    b_to_a: np.ndarray      # N×28×28: each B digit translated to A
    source: str

    @property
    def ratio(self) -> float:
        return self.paired / self.random if self.random > 0 else float("nan")


def pca_plane(z_a: np.ndarray, z_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                         tuple[float, float]]:
    """One projection for both: the union's mean and its two principal directions (2×D rows),
    and both sets projected with them. The sign of each axis is fixed (its largest component
    positive) so the plot does not flip between runs."""
    union = np.concatenate([z_a, z_b]).astype(np.float64)
    mean = union.mean(axis=0)
    _, s, vt = np.linalg.svd(union - mean, full_matrices=False)
    axes = vt[:2].copy()
    if len(axes) < 2:                                 # a 1-D code: the second axis is zero
        axes = np.vstack([axes, np.zeros_like(axes)])
    for k in range(2):
        if axes[k, np.argmax(np.abs(axes[k]))] < 0:
            axes[k] = -axes[k]
    var = s ** 2
    total = var.sum() or 1.0
    explained = (float(var[0] / total), float(var[1] / total) if len(var) > 1 else 0.0)
    return (((z_a - mean) @ axes.T).astype(np.float32), ((z_b - mean) @ axes.T).astype(np.float32),
            axes, explained)


def pair_distances(z_a: np.ndarray, z_b: np.ndarray) -> tuple[float, float]:
    """(paired, random) as in the module's docstring; exact, over all i ≠ j."""
    a = np.asarray(z_a, np.float64)
    b = np.asarray(z_b, np.float64)
    n = len(a)
    if n < 2:
        raise ValueError("need at least two digits to compare pairs with non-pairs")
    # ‖a_i − b_j‖² = ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j, for all i, j at once (clipped: rounding)
    d2 = (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2 * a @ b.T
    d = np.sqrt(np.clip(d2, 0, None))
    paired = float(np.diag(d).mean())
    random = float((d.sum() - np.trace(d)) / (n * (n - 1)))
    return paired, random


def shared_codes(model, n: int | None = None) -> SharedCodes:
    """Encode the held-out digits in both domains with a UNIT `model` and measure them."""
    d = held_digits()
    grey, textured, labels = d.grey[:n], d.textured[:n], d.labels[:n]
    z_a = model.encode(grey, "A")
    z_b = model.encode(textured, "B")
    xy_a, xy_b, _, explained = pca_plane(z_a, z_b)
    paired, random = pair_distances(z_a, z_b)
    return SharedCodes(xy_a, xy_b, labels, paired, random, explained, int(z_a.shape[1]),
                       grey, textured, model.translate(grey, "AtoB"),
                       model.translate(textured, "BtoA"),
                       f"the first {len(grey)} of the 2,000 held-out MNIST digits in "
                       f"assets/datasets/mnist-sample, and the same digits textured (texture "
                       f"seed {DIGIT_SEED})")
