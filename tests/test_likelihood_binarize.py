"""Stochastic binarization: P(x = 1) = intensity / 255, a fixed draw for the test set."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models.likelihood.binarize import binarize_fixed, binarize_torch, intensities


def test_the_mean_of_many_draws_is_the_intensity():
    grey = np.tile(np.arange(0, 256, 15, dtype=np.uint8), (4000, 1))     # 18 levels
    draws = binarize_fixed(grey, seed=1)
    assert draws.dtype == np.uint8 and set(np.unique(draws)) == {0, 1}
    p = grey[0] / 255
    se = np.sqrt(p * (1 - p) / len(grey))
    assert (np.abs(draws.mean(0) - p) <= 4 * se + 1e-12).all()
    assert (draws[:, 0] == 0).all() and (draws[:, -1] == 1).all()      # 0 and 255 are certain


def test_the_training_draw_has_the_same_mean_and_is_fresh_each_time():
    p = torch.from_numpy(intensities(np.tile(np.arange(0, 256, 15, dtype=np.uint8), (4000, 1))))
    g = torch.Generator().manual_seed(0)
    a, b = binarize_torch(p, g), binarize_torch(p, g)
    se = torch.sqrt(p[0] * (1 - p[0]) / len(p))
    assert ((a.mean(0) - p[0]).abs() <= 4 * se + 1e-6).all()
    assert not torch.equal(a, b)                                       # a new draw per use
    again = torch.Generator().manual_seed(0)
    assert torch.equal(binarize_torch(p, again), a)                    # reproducible from the seed


def test_the_test_draw_is_stable(mnist):
    images = mnist.test.images[:200]
    first = binarize_fixed(images)
    np.testing.assert_array_equal(first, binarize_fixed(images.copy()))
    assert not np.array_equal(first, binarize_fixed(images, seed=1))
    # a pixel's draw depends on its place, not on how many images follow it
    np.testing.assert_array_equal(binarize_fixed(mnist.test.images[:400])[:200], first)
    # a digit's ink is still where it was: about as many ones as the intensities' sum
    assert abs(int(first.sum()) - images.sum() / 255) < 4 * np.sqrt(images.size)


def test_grey_floats_outside_zero_one_are_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binarize_fixed(np.full((1, 2, 2), 3.0))
