"""Latent priors for the AAE/WAE and the MMD regulariser, against brute force and closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.autoencoder.mmd import WAE_SCALES, imq_kernel, mmd2_unbiased
from models.autoencoder.priors import (MIXTURE_RADIUS, PRIORS, SQUARE_HALF, mixture_means,
                                       prior_labels, sample_prior)


def brute_mmd2(x, y, c):
    k = lambda a, b: c / (c + float(((a - b) ** 2).sum()))      # noqa: E731
    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return xx + yy - 2 * xy


def test_mmd_matches_the_double_sum():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(7, 3, generator=g), torch.randn(5, 3, generator=g) + 1
    c = 2 * 3 * 1.0
    assert math.isclose(float(mmd2_unbiased(x, y)), brute_mmd2(x.numpy(), y.numpy(), c),
                        rel_tol=1e-5)
    several = sum(brute_mmd2(x.numpy(), y.numpy(), s * c) for s in WAE_SCALES)
    assert math.isclose(float(mmd2_unbiased(x, y, scales=WAE_SCALES)), several, rel_tol=1e-5)


def test_the_kernel_is_one_on_the_diagonal_and_falls_with_distance():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    k = imq_kernel(x, x, 2.0)
    assert torch.allclose(k.diagonal(), torch.ones(3))
    assert k[0, 1] == pytest.approx(2 / 3) and k[0, 2] == pytest.approx(2 / 11)


def test_mmd_is_unbiased_for_one_distribution_and_positive_for_two():
    g = torch.Generator().manual_seed(1)
    same = torch.stack([mmd2_unbiased(torch.randn(20, 2, generator=g),
                                      torch.randn(20, 2, generator=g)) for _ in range(400)])
    assert abs(float(same.mean())) < 3 * float(same.std()) / math.sqrt(len(same))
    assert (same < 0).any()            # a U-statistic can dip below zero
    apart = mmd2_unbiased(torch.randn(200, 2, generator=g), torch.randn(200, 2, generator=g) + 3)
    assert float(apart) > 10 * float(same.std())


def test_mmd_refuses_bad_shapes():
    with pytest.raises(ValueError, match="n×d"):
        mmd2_unbiased(torch.zeros(4, 2), torch.zeros(4, 3))
    with pytest.raises(ValueError, match="two samples"):
        mmd2_unbiased(torch.zeros(1, 2), torch.zeros(4, 2))


@pytest.mark.parametrize("name", [p for p in PRIORS if p != "points"])
def test_every_prior_gives_n_reproducible_finite_points(name):
    a = sample_prior(name, 500, torch.Generator().manual_seed(3))
    b = sample_prior(name, 500, torch.Generator().manual_seed(3))
    assert a.shape == (500, 2) and a.dtype == torch.float32 and torch.isfinite(a).all()
    assert torch.equal(a, b)


def test_the_shapes_are_what_they_say():
    g = torch.Generator().manual_seed(4)
    sq = sample_prior("square", 5000, g)
    uniform_std = 2 * SQUARE_HALF / math.sqrt(12)               # of U(−a, a): 2a/√12
    assert sq.abs().max() <= SQUARE_HALF and (sq.std(0) - uniform_std).abs().max() < 0.05
    ring = sample_prior("ring", 5000, g).norm(dim=1)
    assert abs(float(ring.mean()) - 2.0) < 0.01
    mix = sample_prior("mixture10", 10000, g).numpy()
    counts = np.bincount(prior_labels(mix), minlength=10)
    assert counts.min() > 850 and counts.max() < 1150            # 1,000 each, ± sampling
    assert np.allclose(np.linalg.norm(mixture_means(), axis=1), MIXTURE_RADIUS)
    assert list(prior_labels(mixture_means())) == list(range(10))
    assert sample_prior("gaussian", 10, g, dim=8).shape == (10, 8)


def test_user_points_are_resampled_and_bad_ones_refused():
    pts = np.array([[i, -i] for i in range(12)], np.float32)
    z = sample_prior("points", 300, torch.Generator().manual_seed(5), points=pts).numpy()
    nearest = np.abs(z[:, None, :] - pts[None]).max(-1).min(1)
    assert nearest.max() < 0.5                         # each draw is one of them, jittered
    for bad, words in ((pts[:5], "at least 10"), (np.full((12, 2), np.nan), "NaN"),
                       (np.zeros((12, 3)), "N×2"), ([["a", "b"]], "numbers")):
        with pytest.raises(ValueError, match=words):
            sample_prior("points", 3, points=bad)
    with pytest.raises(ValueError, match="2-D"):
        sample_prior("ring", 3, dim=4)
    with pytest.raises(ValueError, match="unknown prior"):
        sample_prior("banana", 3)
