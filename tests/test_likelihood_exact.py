"""Exactness of NADE and PixelCNN on images small enough to enumerate (2×2, 3×3: 2ⁿ images).

Random weights (scaled up so the conditionals are far from ½) and brute force: the 2ⁿ
probabilities sum to one, each conditional ignores the pixels at and after it, the shared
running sum of NADE equals one network per pixel, and sampling and completion draw from the
product of the conditionals."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from models.likelihood.api import NADEModel, PixelCNNModel
from models.likelihood.nade import NADEConfig, nade_parameters
from models.likelihood.pixelcnn import PixelCNNConfig


def randomized(model, scale: float = 1.0, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * scale)
    return model


def make(kind: str, size: int):
    if kind == "nade":
        return randomized(NADEModel(NADEConfig(size=size, hidden=5)))
    return randomized(PixelCNNModel(PixelCNNConfig(size=size, channels=4, layers=2,
                                                   gated=kind == "gated")), 0.7)


KINDS = ("nade", "pixelcnn", "gated")


def every_image(size: int) -> np.ndarray:
    n = size * size
    return np.array(list(itertools.product((0, 1), repeat=n)), np.uint8).reshape(-1, size, size)


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("kind", KINDS)
def test_the_probabilities_of_all_images_sum_to_one(kind, size):
    model = make(kind, size)
    logp = model.log_prob(every_image(size))
    assert len(logp) == 2 ** (size * size)
    assert abs(np.exp(logp).sum() - 1) < 1e-5
    # and the weights made the distribution far from uniform, so the test can fail
    assert np.exp(logp).max() > 2 / 2 ** (size * size)


@pytest.mark.parametrize("kind", KINDS)
def test_each_conditional_ignores_the_pixel_itself_and_those_after_it(kind):
    size = 3
    model = make(kind, size)
    images = every_image(size)
    base = model.conditionals(images).reshape(len(images), -1)
    for j in range(size * size):
        flipped = images.reshape(len(images), -1).copy()
        flipped[:, j] ^= 1
        cond = model.conditionals(flipped.reshape(images.shape)).reshape(len(images), -1)
        np.testing.assert_allclose(cond[:, :j + 1], base[:, :j + 1], atol=1e-6)
        if j + 1 < size * size:   # and something after j does depend on x_j
            assert np.abs(cond[:, j + 1:] - base[:, j + 1:]).max() > 1e-4


@pytest.mark.parametrize("kind", KINDS)
def test_log_prob_is_minus_the_sum_of_the_pixel_nlls(kind):
    model = make(kind, 3)
    x = every_image(3)
    nll = model.pixel_nll(x)
    np.testing.assert_allclose(model.log_prob(x), -nll.sum(axis=(1, 2)), rtol=1e-6, atol=1e-6)
    p = model.conditionals(x)
    np.testing.assert_allclose(nll, -np.log(np.where(x == 1, p, 1 - p)), atol=1e-5)


def test_nade_one_pass_equals_one_network_per_pixel():
    model = make("nade", 5)
    x = (torch.rand(40, 5, 5, generator=torch.Generator().manual_seed(0)) < 0.5).float()
    with torch.no_grad():
        np.testing.assert_allclose(model.module.logits(x), model.module.logits_naive(x),
                                   atol=1e-5)


def test_nade_counts_its_parameters_as_2nH_plus_n_plus_H():
    model = NADEModel(NADEConfig(size=4, hidden=7))
    assert model.parameter_count == nade_parameters(16, 7) == 2 * 16 * 7 + 16 + 7


def chi_square_ok(counts: np.ndarray, probs: np.ndarray) -> bool:
    """Pearson's χ² against the 99.9 % point (bins with expected ≥ 5 only, a generous
    bound: df + 4.5 √(2 df) is above the 99.9 % quantile for every df here)."""
    expected = probs * counts.sum()
    keep = expected >= 5
    chi2 = ((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    df = keep.sum() - 1
    return chi2 < df + 4.5 * np.sqrt(2 * df)


def index_of(images: np.ndarray) -> np.ndarray:
    flat = images.reshape(len(images), -1).astype(np.int64)
    return flat @ (1 << np.arange(flat.shape[1])[::-1])


@pytest.mark.parametrize("kind", KINDS)
def test_samples_follow_the_model(kind):
    model = make(kind, 2)
    probs = np.exp(model.log_prob(every_image(2)))
    draws = model.sample(4000, generator=1)
    assert draws.dtype == np.uint8 and set(np.unique(draws)) <= {0, 1}
    assert chi_square_ok(np.bincount(index_of(draws), minlength=16), probs)
    # a uniform distribution would fail the same test: it can tell
    assert not chi_square_ok(np.bincount(index_of(draws), minlength=16), np.full(16, 1 / 16))


@pytest.mark.parametrize("kind", KINDS)
def test_complete_keeps_the_known_pixels_and_draws_the_rest_from_the_conditionals(kind):
    model = make(kind, 2)
    # known: x0 = 1 (top left) and x2 = 0 (bottom left); unknown x1 and x3, drawn in raster
    # order: x1 ~ p(x1 | x0), then x3 ~ p(x3 | x0, x1, x2)
    known = np.array([[True, False], [True, False]])
    x = np.array([[1, 0], [0, 0]], np.uint8)
    n = 4000
    out = model.complete(np.repeat(x[None], n, 0), np.repeat(known[None], n, 0), generator=3)
    assert (out[:, known] == x[known]).all()
    expected = np.zeros(4)
    for x1, x3 in itertools.product((0, 1), repeat=2):
        img = np.array([[1, x1], [0, x3]], np.uint8)
        p = model.conditionals(img[None])[0]
        expected[2 * x1 + x3] = (p[0, 1] if x1 else 1 - p[0, 1]) * (p[1, 1] if x3 else 1 - p[1, 1])
    counts = np.bincount(2 * out[:, 0, 1].astype(int) + out[:, 1, 1], minlength=4)
    assert abs(expected.sum() - 1) < 1e-6
    assert chi_square_ok(counts, expected)


def test_complete_with_everything_known_changes_nothing():
    model = make("pixelcnn", 3)
    x = every_image(3)[::37]
    np.testing.assert_array_equal(model.complete(x, np.ones(x.shape, bool)), x)


def test_the_same_seed_draws_the_same_images():
    model = make("nade", 3)
    np.testing.assert_array_equal(model.sample(20, generator=5), model.sample(20, generator=5))
    assert not np.array_equal(model.sample(50, generator=5), model.sample(50, generator=6))


@pytest.mark.parametrize("gated", [False, True])
def test_pixelcnn_cropped_sampling_draws_what_the_full_pass_draws(gated):
    # the band of R rows above the current one is exact: same generator, same images
    model = randomized(PixelCNNModel(PixelCNNConfig(size=9, channels=4, layers=2, gated=gated)),
                       0.5)
    out = {}
    for crop in ("full", "rows", "band"):
        model.crop = crop
        out[crop] = model.sample(6, generator=torch.Generator().manual_seed(2))
    np.testing.assert_array_equal(out["full"], out["rows"])
    np.testing.assert_array_equal(out["full"], out["band"])
    assert 0 < out["full"].mean() < 1


@pytest.mark.parametrize("dtype", [bool, np.uint8, np.int64, np.float32, np.float64])
def test_binary_images_of_any_dtype_score_alike(dtype):
    model = make("nade", 3)
    x = every_image(3)[::5]
    np.testing.assert_allclose(model.log_prob(x.astype(dtype)), model.log_prob(x), rtol=1e-6)


@pytest.mark.parametrize("bad, words", [
    (np.full((2, 3, 3), 0.5), "binary"),
    (np.full((2, 3, 3), 255, np.uint8), "binarize"),
    (np.zeros((2, 4, 4)), "N×3×3"),
    (np.zeros((2, 9)), "N×3×3"),
    (np.array([[[np.nan] * 3] * 3]), "NaN"),
    (np.array([["a"] * 3] * 3), "numbers"),
])
def test_bad_images_are_refused_with_the_reason(bad, words):
    model = make("nade", 3)
    for method in (model.log_prob, model.pixel_nll, model.conditionals):
        with pytest.raises(ValueError, match=words):
            method(bad)


def test_bad_masks_samples_and_generators_are_refused():
    model = make("pixelcnn", 3)
    x = np.zeros((2, 3, 3), np.uint8)
    with pytest.raises(ValueError, match="boolean"):
        model.complete(x, np.ones((2, 3, 3), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        model.complete(x, np.ones((3, 3, 3), bool))
    with pytest.raises(ValueError, match="known pixels must be binary"):
        model.complete(np.full((2, 3, 3), 0.5), np.ones((2, 3, 3), bool))
    # unknown pixels may hold anything: they are drawn
    assert model.complete(np.full((2, 3, 3), 0.5), np.zeros((2, 3, 3), bool)).shape == (2, 3, 3)
    for n in (-1, 2.0, True, 10**6):
        with pytest.raises(ValueError, match="n must be"):
            model.sample(n)
    with pytest.raises(ValueError, match="generator"):
        model.sample(2, generator="seed")
