"""The forward process q(x_t | x_0): closed form, stepping vs jumping, histograms, image files."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from models.diffusion.forward import (alpha_bar_at, chain_vs_closed_form, closed_form_xt, even_times,
                                      expected_histogram, format_times, forward_strip,
                                      iter_chain_vs_closed_form, load_image_file, normal_cdf,
                                      parse_times, pixel_levels, snr_at, to_model, to_pixels)
from models.diffusion.scheduler import NoiseScheduler
from models.diffusion.schedules import alphas_cumprod_for, betas_for

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("one_torch_thread")


# --------------------------------------------------------------------------- closed form

def test_t_zero_is_x0_and_t_uses_index_t_minus_1():
    rng = np.random.default_rng(1)
    x0 = rng.uniform(-1, 1, (28, 28)).astype(np.float32)
    eps = rng.standard_normal((28, 28)).astype(np.float32)
    acp = alphas_cumprod_for(betas_for("linear", 100))
    assert np.array_equal(closed_form_xt(x0, 0, acp, eps), x0)
    for t in (1, 37, 100):
        a = acp[t - 1]
        want = math.sqrt(a) * x0 + math.sqrt(1 - a) * eps
        np.testing.assert_allclose(closed_form_xt(x0, t, acp, eps), want, rtol=1e-5, atol=1e-6)
    assert alpha_bar_at(0, acp) == 1.0 and alpha_bar_at(1, acp) == pytest.approx(1 - 1e-4)
    assert snr_at(0, acp) == math.inf and snr_at(100, acp) == pytest.approx(acp[-1] / (1 - acp[-1]))
    with pytest.raises(ValueError, match="0..100"):
        closed_form_xt(x0, 101, acp, eps)


def test_closed_form_agrees_with_the_noise_scheduler_and_writes_in_place():
    rng = np.random.default_rng(2)
    x0 = rng.uniform(-1, 1, (28, 28)).astype(np.float32)
    eps = rng.standard_normal((28, 28)).astype(np.float32)
    sched = NoiseScheduler("cosine", 50)
    out = np.empty((28, 28), np.float32)
    for t in (1, 20, 50):
        got = closed_form_xt(x0, t, sched._acp64, eps, out=out)
        assert got is out
        want = sched.add_noise(torch.from_numpy(x0), torch.from_numpy(eps), t - 1).numpy()
        np.testing.assert_allclose(got, want, atol=2e-6)


def test_pixel_space_round_trip_and_strip():
    p = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28)
    np.testing.assert_allclose(to_pixels(to_model(p)), p, atol=1e-6)
    assert to_pixels(np.array([-3.0, 3.0])).tolist() == [0.0, 1.0]
    acp = alphas_cumprod_for(betas_for("linear", 1000))
    eps = np.random.default_rng(0).standard_normal((28, 28))
    strip = forward_strip(to_model(p), [0, 500, 1000], acp, eps)
    assert strip.shape == (3, 28, 28)
    np.testing.assert_allclose(strip[0], p, atol=1e-6)
    # by t = T almost nothing of x_0 is left: x_T is (clipped) ε
    np.testing.assert_allclose(strip[2], to_pixels(eps), atol=0.01)


# --------------------------------------------------------------------------- stepping vs jumping

@pytest.mark.parametrize("schedule", ["linear", "cosine"])
def test_stepping_and_jumping_match_the_formula(schedule):
    n, T = 20_000, 200
    betas = betas_for(schedule, T)
    m = chain_vs_closed_form([1.0, -1.0, 0.3], betas, n_samples=n, seed=3)
    acp = np.concatenate([[1.0], alphas_cumprod_for(betas)])
    np.testing.assert_allclose(m.formula_mean, np.sqrt(acp)[:, None] * [1.0, -1.0, 0.3])
    np.testing.assert_allclose(m.formula_var, 1 - acp)
    assert m.T == T and m.stepped_mean.shape == (T + 1, 3)
    # t = 0 is x_0 exactly
    assert np.array_equal(m.stepped_mean[0], [1.0, -1.0, 0.3]) and not m.stepped_var[0].any()
    # 5 standard errors at every t (the estimates are seeded, so this never flakes)
    se_mean = np.sqrt(m.formula_var / n)[:, None]
    se_var = (m.formula_var * np.sqrt(2 / (n - 1)))[:, None]
    for mean in (m.stepped_mean, m.closed_mean):
        assert np.all(np.abs(mean - m.formula_mean) <= 5 * se_mean + 1e-12)
    for var in (m.stepped_var, m.closed_var):
        assert np.all(np.abs(var - m.formula_var[:, None]) <= 5 * se_var + 1e-12)
    # the tolerance is tight enough to tell schedules apart
    other = "cosine" if schedule == "linear" else "linear"
    other_acp = np.concatenate([[1.0], alphas_cumprod_for(betas_for(other, T))])
    assert np.max(np.abs(m.stepped_var[:, 0] - (1 - other_acp))) > 10 * se_var.max()


def test_moments_are_seeded_and_the_generator_reports_progress():
    betas = betas_for("quadratic", 120)
    a = chain_vs_closed_form(0.5, betas, 500, seed=7)
    b = chain_vs_closed_form(0.5, betas, 500, seed=7)
    c = chain_vs_closed_form(0.5, betas, 500, seed=8)
    assert np.array_equal(a.stepped_mean, b.stepped_mean)
    assert not np.array_equal(a.stepped_mean, c.stepped_mean)
    gen = iter_chain_vs_closed_form([0.5], betas, 500, seed=7)
    fractions = []
    with pytest.raises(StopIteration) as done:
        while True:
            fractions.append(next(gen))
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert np.array_equal(done.value.value.closed_var, a.closed_var)


def test_moments_reject_bad_input():
    with pytest.raises(ValueError):
        chain_vs_closed_form(0.0, np.array([0.1, 1.5]), 100)
    with pytest.raises(ValueError):
        chain_vs_closed_form(np.nan, betas_for("linear", 10), 100)
    with pytest.raises(ValueError):
        chain_vs_closed_form(0.0, betas_for("linear", 10), 1)


# --------------------------------------------------------------------------- histograms

def test_normal_cdf_matches_erf():
    xs = np.linspace(-7, 7, 301)
    want = np.array([0.5 * (1 + math.erf(x / math.sqrt(2))) for x in xs])
    np.testing.assert_allclose(normal_cdf(xs), want, atol=2e-7)


def test_expected_histogram_is_the_mixture_of_pixel_gaussians():
    x0 = np.full((28, 28), -1.0)
    x0[10:18, 10:18] = 1.0
    levels, weights = pixel_levels(x0)
    np.testing.assert_allclose(levels, [-1.0, 1.0])
    np.testing.assert_allclose(weights, [1 - 64 / 784, 64 / 784])
    edges = np.linspace(-4.1, 4.1, 42)
    width = edges[1] - edges[0]
    # pure noise: the bins of N(0, 1)
    np.testing.assert_allclose(expected_histogram(levels, weights, 0.0, edges) * width,
                               np.diff(normal_cdf(edges)), atol=1e-9)
    # no noise: all mass in the bins around −1 and +1
    clean = expected_histogram(levels, weights, 1.0, edges) * width
    assert clean[np.searchsorted(edges, -1.0) - 1] == pytest.approx(weights[0])
    assert clean[np.searchsorted(edges, 1.0) - 1] == pytest.approx(weights[1])
    # in between it matches a histogram of many noisy draws
    a = 0.5
    eps = np.random.default_rng(0).standard_normal((400, 28, 28))
    draws = np.sqrt(a) * x0 + np.sqrt(1 - a) * eps
    counts, _ = np.histogram(draws, edges)
    np.testing.assert_allclose(counts / draws.size, expected_histogram(levels, weights, a, edges) * width,
                               atol=0.003)


# --------------------------------------------------------------------------- strips of t

def test_parse_and_space_times():
    assert parse_times("0, 50 100;1000", 1000) == [0, 50, 100, 1000]
    assert parse_times(" 3.0 ", 10) == [3]
    with pytest.raises(ValueError, match="At most 3"):
        parse_times("1 2 3 4", 10, max_count=3)
    for text, match in (("", "one or more"), ("0, x", "'x' is not a number"),
                        ("2.5", "whole number"), ("0, 1001", "outside 0..1000"), ("-1", "outside")):
        with pytest.raises(ValueError, match=match):
            parse_times(text, 1000)
    assert even_times(6, 1000) == [0, 200, 400, 600, 800, 1000]
    assert even_times(20, 5) == [0, 1, 2, 3, 4, 5]
    assert format_times([0, 25]) == "0, 25"


# --------------------------------------------------------------------------- image files

def _digit(size=(60, 40), ink=255, paper=0) -> Image.Image:
    """A bar shaped like a '1' with a foot, `ink` on `paper`."""
    arr = np.full((size[1], size[0]), paper, np.uint8)
    h, w = arr.shape
    arr[h // 5: 4 * h // 5, w // 2 - 3: w // 2 + 3] = ink
    arr[4 * h // 5 - 4: 4 * h // 5, w // 2 - 10: w // 2 + 10] = ink
    return Image.fromarray(arr)


def _ink_box(img: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero((img > 0.5).any(1)), np.flatnonzero((img > 0.5).any(0))
    return rows[0], rows[-1], cols[0], cols[-1]


def test_png_white_on_black_is_cropped_to_a_20_pixel_box_and_centred(tmp_path):
    path = tmp_path / "one.png"
    _digit((60, 80)).save(path)
    img = load_image_file(path)
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert 0.0 <= img.min() and img.max() <= 1.0 and img.max() > 0.9
    r0, r1, c0, c1 = _ink_box(img)
    assert 19 <= r1 - r0 + 1 <= 20          # the taller side fills the 20-pixel box
    assert abs((r0 + r1) / 2 - 13.5) <= 1 and abs((c0 + c1) / 2 - 13.5) <= 1.5
    assert img[0].max() == 0 and img[:, 0].max() == 0   # black margin


def test_dark_ink_on_light_paper_is_inverted(tmp_path):
    light, dark = tmp_path / "paper.png", tmp_path / "screen.png"
    _digit(ink=20, paper=235).save(light)
    _digit(ink=255, paper=0).save(dark)
    a, b = load_image_file(light), load_image_file(dark)
    assert a[0, 0] == 0.0 and a.max() == pytest.approx(1.0, abs=0.02)
    np.testing.assert_allclose(a, b, atol=0.03)


def test_jpeg_rgb_and_rgba_files(tmp_path):
    ref = load_image_file(_save(_digit(), tmp_path / "ref.png"))
    jpeg = _save(_digit().convert("RGB"), tmp_path / "one.jpg", quality=95)
    np.testing.assert_allclose(load_image_file(jpeg), ref, atol=0.12)
    # a coloured drawing: blue ink on white
    rgb = np.full((40, 60, 3), 255, np.uint8)
    rgb[np.asarray(_digit()) > 0] = (20, 40, 200)
    coloured = load_image_file(_save(Image.fromarray(rgb), tmp_path / "blue.png"))
    assert _ink_box(coloured) == _ink_box(ref)
    # black strokes on a transparent canvas, and white strokes on one: both become white on black
    alpha = np.asarray(_digit())
    for stroke in (0, 255):
        rgba = np.zeros((40, 60, 4), np.uint8)
        rgba[..., :3] = stroke
        rgba[..., 3] = alpha
        img = load_image_file(_save(Image.fromarray(rgba), tmp_path / f"rgba{stroke}.png"))
        np.testing.assert_allclose(img, ref, atol=0.02)


def test_non_square_image_keeps_its_aspect_ratio(tmp_path):
    arr = np.zeros((50, 200), np.uint8)
    arr[20:30, 20:180] = 255            # a 160×10 dash
    img = load_image_file(_save(Image.fromarray(arr), tmp_path / "dash.png"))
    r0, r1, c0, c1 = _ink_box(img)
    assert c1 - c0 + 1 == 20
    assert 1 <= r1 - r0 + 1 <= 2        # 10/160 of 20 pixels


def test_sixteen_bit_and_blank_images(tmp_path):
    arr = (np.asarray(_digit(), np.uint16) * 200)
    img16 = load_image_file(_save(Image.fromarray(arr), tmp_path / "deep.png"))
    np.testing.assert_allclose(img16, load_image_file(_save(_digit(), tmp_path / "ref.png")), atol=0.02)
    blank = load_image_file(_save(Image.new("L", (30, 30), 255), tmp_path / "white.png"))
    assert blank.shape == (28, 28) and not blank.any()


def test_float_tiff_with_nan_and_a_large_photo(tmp_path):
    arr = np.asarray(_digit(), np.float32) / 255.0 * 7.0 - 2.0
    arr[0, :5] = np.nan
    img = load_image_file(_save(Image.fromarray(arr), tmp_path / "float.tif"))
    ref = load_image_file(_save(_digit(), tmp_path / "ref.png"))
    assert np.isfinite(img).all()
    np.testing.assert_allclose(img, ref, atol=0.02)
    small = _digit((300, 200))
    big = small.resize((3000, 2000), Image.Resampling.NEAREST).convert("RGB")
    np.testing.assert_allclose(load_image_file(_save(big, tmp_path / "big.jpg", quality=90)),
                               load_image_file(_save(small, tmp_path / "small.png")), atol=0.1)


def test_unreadable_files_raise_clear_errors(tmp_path):
    good = _save(_digit(), tmp_path / "good.png")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(good.read_bytes()[:60])
    text = tmp_path / "notes.png"
    text.write_text("this is not an image\n")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    for path, match in ((corrupt, "corrupt.png could not be read"),
                        (text, "notes.png is not an image"),
                        (empty, "empty"),
                        (tmp_path / "missing.png", "no such file"),
                        (tmp_path, "is a folder")):
        with pytest.raises(ValueError, match=match):
            load_image_file(path)


def _save(img: Image.Image, path: Path, **kw) -> Path:
    img.save(path, **kw)
    return path


def test_forward_module_imports_no_qt():
    code = ("import models.diffusion.forward, sys; "
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
