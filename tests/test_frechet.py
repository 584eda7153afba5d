"""The Fréchet distance against closed forms (numpy only, no torch)."""
from __future__ import annotations

import numpy as np
import pytest

from models.frechet import (frechet_distance, frechet_distance_features, gaussian_stats,
                            trace_sqrt_product)


def random_psd(rng, d: int, rank: int | None = None) -> np.ndarray:
    a = rng.normal(size=(d, rank or d))
    return a @ a.T / d + (0 if rank else 0.1 * np.eye(d))


def random_rotation(rng, d: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def test_identical_statistics_are_at_distance_zero():
    rng = np.random.default_rng(0)
    mu, sigma = rng.normal(size=16), random_psd(rng, 16)
    assert np.trace(sigma) > 1  # so that "≈ 0" below is small relative to the scale
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("m1, s1, m2, s2", [(0.0, 1.0, 0.0, 2.0), (1.5, 0.3, -2.0, 0.3),
                                            (3.0, 4.0, 1.0, 0.5)])
def test_one_dimensional_gaussians(m1, s1, m2, s2):
    # W2² between N(m1, s1²) and N(m2, s2²) is (m1 − m2)² + (s1 − s2)²
    d = frechet_distance([m1], [[s1 ** 2]], [m2], [[s2 ** 2]])
    assert d == pytest.approx((m1 - m2) ** 2 + (s1 - s2) ** 2, rel=1e-12, abs=1e-12)


def test_commuting_diagonal_covariances():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.1, 3.0, 8), rng.uniform(0.1, 3.0, 8)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)


def test_two_by_two_non_commuting_closed_form():
    # For 2×2: Tr √(Σ1Σ2) = √λ1 + √λ2 = sqrt(tr(Σ1Σ2) + 2 sqrt(det Σ1 det Σ2))
    s1 = np.array([[2.0, 0.9], [0.9, 1.0]])
    s2 = np.array([[0.5, -0.3], [-0.3, 1.5]])
    assert not np.allclose(s1 @ s2, s2 @ s1)
    tr_sqrt = np.sqrt(np.trace(s1 @ s2) + 2 * np.sqrt(np.linalg.det(s1) * np.linalg.det(s2)))
    assert trace_sqrt_product(s1, s2) == pytest.approx(tr_sqrt, rel=1e-12)
    mu1, mu2 = np.array([1.0, -1.0]), np.array([0.5, 2.0])
    expected = 0.25 + 9.0 + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-12)


def test_symmetric_in_its_arguments():
    rng = np.random.default_rng(2)
    mu1, mu2 = rng.normal(size=12), rng.normal(size=12)
    s1, s2 = random_psd(rng, 12), random_psd(rng, 12)
    d12, d21 = frechet_distance(mu1, s1, mu2, s2), frechet_distance(mu2, s2, mu1, s1)
    assert d12 > 0.5
    assert d12 == pytest.approx(d21, rel=1e-10)


def test_invariant_under_a_rotation_of_both():
    rng = np.random.default_rng(3)
    mu1, mu2 = rng.normal(size=10), rng.normal(size=10)
    s1, s2 = random_psd(rng, 10), random_psd(rng, 10)
    q = random_rotation(rng, 10)
    d = frechet_distance(mu1, s1, mu2, s2)
    rotated = frechet_distance(q @ mu1, q @ s1 @ q.T, q @ mu2, q @ s2 @ q.T)
    assert rotated == pytest.approx(d, rel=1e-9)
    # a rotation applied to only one side is a different distribution, at a different distance
    assert frechet_distance(mu1, s1, mu2, q @ s2 @ q.T) != pytest.approx(d, rel=1e-3)


def test_rotated_diagonal_covariances_match_the_diagonal_closed_form():
    # Non-diagonal but commuting: the same rotation of two diagonal covariances
    rng = np.random.default_rng(4)
    a, b = rng.uniform(0.2, 2.0, 6), rng.uniform(0.2, 2.0, 6)
    q = random_rotation(rng, 6)
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    d = frechet_distance(np.zeros(6), q @ np.diag(a) @ q.T, np.zeros(6), q @ np.diag(b) @ q.T)
    assert d == pytest.approx(expected, rel=1e-9)


def test_singular_covariances():
    # Degenerate Gaussians on perpendicular axes: Tr √(Σ1Σ2) = 0, so d = 1 + 1
    assert frechet_distance([0, 0], np.diag([1.0, 0.0]), [0, 0], np.diag([0.0, 1.0])) == \
        pytest.approx(2.0, rel=1e-12)
    rng = np.random.default_rng(5)
    low_rank = random_psd(rng, 6, rank=2)
    assert frechet_distance(np.zeros(6), low_rank, np.zeros(6), low_rank) == pytest.approx(0, abs=1e-9)


def test_gaussian_stats_are_the_sample_mean_and_unbiased_covariance():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(50, 4)).astype(np.float32)
    mu, sigma = gaussian_stats(x)
    assert mu.dtype == np.float64 and sigma.shape == (4, 4)
    np.testing.assert_allclose(mu, x.astype(np.float64).mean(0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x.astype(np.float64), rowvar=False), rtol=1e-10)


def test_two_large_samples_of_one_gaussian_are_close_and_a_shift_is_seen():
    rng = np.random.default_rng(7)
    cov = random_psd(rng, 5)
    chol = np.linalg.cholesky(cov)
    a = rng.normal(size=(20_000, 5)) @ chol.T
    b = rng.normal(size=(20_000, 5)) @ chol.T
    same = frechet_distance_features(a, b)
    assert same < 0.01
    shift = np.array([0.5, 0, 0, 0, 0])
    shifted = frechet_distance_features(a, b + shift)
    assert shifted == pytest.approx(0.25, abs=0.02)   # ‖shift‖², covariance unchanged


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="NaN"):
        gaussian_stats(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(ValueError, match="at least 2"):
        gaussian_stats(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="N×D"):
        gaussian_stats(np.zeros(5))
    with pytest.raises(ValueError, match="dimensions differ"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="do not match"):
        frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="not symmetric"):
        frechet_distance(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.zeros(2), np.eye(2), np.array([0.0, np.inf]), np.eye(2))
