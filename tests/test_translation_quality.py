"""models/translation/quality.py against closed forms and brute force."""
from __future__ import annotations

import math

import numpy as np
import pytest

from models.translation import quality as q


def _rgb(seed=0, shape=(24, 20, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_luminance_is_bt601_and_grey_is_itself():
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    assert q.luminance(px)[0].tolist() == pytest.approx([0.299 * 255, 0.587 * 255, 0.114 * 255])
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert np.array_equal(q.luminance(grey), grey)
    # a grey image as RGB has the same luminance (the weights sum to 1)
    assert np.allclose(q.luminance(np.repeat(grey[..., None], 3, -1)), grey)
    with pytest.raises(ValueError):
        q.luminance(np.zeros((2, 3, 4)))


def test_identical_images_give_inf_psnr_and_ssim_one():
    a = _rgb()
    assert q.psnr(a, a) == math.inf
    assert q.ssim(a, a) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("d", [1, 5, 40])
def test_a_constant_offset_gives_the_psnr_formula(d):
    a = np.clip(_rgb(), 0, 200).astype(np.uint8)
    b = a + np.uint8(d)                    # every channel +d: the luminance moves by d too
    assert q.psnr(a, b) == pytest.approx(10 * math.log10(255 ** 2 / d ** 2), abs=1e-9)
    assert q.psnr(a, b) == pytest.approx(20 * math.log10(255) - 20 * math.log10(d), abs=1e-9)


def test_psnr_is_the_mean_squared_error_of_luminance_by_brute_force():
    a, b = _rgb(1), _rgb(2)
    total = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            ya = 0.299 * a[i, j, 0] + 0.587 * a[i, j, 1] + 0.114 * a[i, j, 2]
            yb = 0.299 * b[i, j, 0] + 0.587 * b[i, j, 1] + 0.114 * b[i, j, 2]
            total += (float(ya) - float(yb)) ** 2
    mse = total / (a.shape[0] * a.shape[1])
    assert q.psnr(a, b) == pytest.approx(10 * math.log10(255 ** 2 / mse))


def test_the_gaussian_window_is_normalised_and_has_sigma_1_5():
    w = q.gaussian_window()
    assert len(w) == 11 and w.sum() == pytest.approx(1.0)
    r = np.arange(11) - 5
    assert w[6] / w[5] == pytest.approx(math.exp(-1 / (2 * 1.5 ** 2)))
    assert np.allclose(w, w[::-1])
    assert float((w * r ** 2).sum()) == pytest.approx(1.5 ** 2, rel=0.02)   # truncated tails


def test_ssim_map_matches_a_brute_force_window():
    a, b = _rgb(3).astype(float), _rgb(4).astype(float)
    ya, yb = q.luminance(a), q.luminance(b)
    w1 = q.gaussian_window()
    w = np.outer(w1, w1)
    got = q.ssim_map(a, b)
    assert got.shape == (24 - 10, 20 - 10)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    for i, j in [(0, 0), (3, 7), (13, 9)]:
        pa, pb = ya[i:i + 11, j:j + 11], yb[i:i + 11, j:j + 11]
        mx, my = (w * pa).sum(), (w * pb).sum()
        vx, vy = (w * (pa - mx) ** 2).sum(), (w * (pb - my) ** 2).sum()
        cxy = (w * (pa - mx) * (pb - my)).sum()
        want = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
        assert got[i, j] == pytest.approx(want, rel=1e-9)
    assert q.ssim(a, b) == pytest.approx(got.mean())


def test_ssim_of_two_flat_images_is_the_luminance_term():
    a = np.full((16, 16), 100.0)
    b = np.full((16, 16), 160.0)
    c1 = (0.01 * 255) ** 2
    assert q.ssim(a, b) == pytest.approx((2 * 100 * 160 + c1) / (100 ** 2 + 160 ** 2 + c1))


def test_ssim_is_symmetric_and_below_one_for_noise():
    a = _rgb(5, (32, 32, 3))
    noisy = np.clip(a + np.random.default_rng(6).normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    s = q.ssim(a, noisy)
    assert s == pytest.approx(q.ssim(noisy, a), abs=1e-12)
    assert s < 0.99
    # more noise, less similar
    worse = np.clip(a + np.random.default_rng(6).normal(0, 60, a.shape), 0, 255).astype(np.uint8)
    assert q.ssim(a, worse) < s


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="differ"):
        q.psnr(np.zeros((8, 8, 3)), np.zeros((8, 9, 3)))
    with pytest.raises(ValueError, match="at least 11"):
        q.ssim(np.zeros((10, 30)), np.zeros((10, 30)))


def test_sharpness_of_flat_and_ramp_images_is_zero():
    assert q.sharpness(np.full((20, 20, 3), 77, np.uint8)) == 0
    ramp = np.add.outer(np.arange(20.0), 2 * np.arange(30.0))     # linear: Laplacian 0
    assert q.sharpness(ramp) == pytest.approx(0, abs=1e-18)


def test_sharpness_of_a_checkerboard_is_the_closed_form():
    lo, hi = 40.0, 200.0
    board = np.where(np.add.outer(np.arange(12), np.arange(14)) % 2, hi, lo)
    # each interior pixel has four neighbours of the other colour: ±4 (hi − lo), mean 0
    assert q.sharpness(board) == pytest.approx(16 * (hi - lo) ** 2)


def test_blurring_lowers_sharpness():
    a = _rgb(7, (32, 32, 3)).astype(float)
    blurred = (a + np.roll(a, 1, 0) + np.roll(a, 1, 1) + np.roll(a, (1, 1), (0, 1))) / 4
    assert q.sharpness(blurred) < q.sharpness(a) / 2
