"""Latent-space tools, the k-NN figure and image export."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from models.autoencoder.nets import AEConfig
from models.autoencoder.api import AutoencoderModel
from models.imaging import save_gif, save_png, tile, to_uint8
from models.latent import (PlaneProjection, attribute_vector, grid_points, interpolate, latent_box,
                           lerp, prior_draws, slerp)
from models.metrics import knn_accuracy


def _angle(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return math.acos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))


# --------------------------------------------------------------------------- plane projection

@pytest.mark.parametrize("d", [1, 2])
def test_plane_projection_is_the_identity_in_low_dimensions(d):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(20, d)).astype(np.float32) * 3 + 1
    proj = PlaneProjection.fit(z)
    assert proj.is_identity and proj.explained is None
    plane = proj.to_plane(z)
    assert plane.shape == (20, 2)
    np.testing.assert_array_equal(plane[:, :d], z)
    if d == 1:
        np.testing.assert_array_equal(plane[:, 1], 0)
    np.testing.assert_array_equal(proj.from_plane(plane), z)


def test_pca_plane_for_higher_dimensions():
    rng = np.random.default_rng(1)
    # a random rotation of data whose axes have standard deviations 5, 3, 1, 0.5, 0.2
    q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    z = (rng.normal(size=(4000, 5)) * [5, 3, 1, 0.5, 0.2]) @ q.T + rng.normal(size=5)
    proj = PlaneProjection.fit(z)
    assert not proj.is_identity
    # orthonormal rows
    np.testing.assert_allclose(proj.basis @ proj.basis.T, np.eye(2), atol=1e-5)
    # the plane is spanned by the two largest principal axes (the first two columns of q)
    for axis in proj.basis:
        assert np.linalg.norm(q[:, :2].T @ axis) == pytest.approx(1.0, abs=1e-2)
    # explained variance against an independent eigen-decomposition of the covariance
    centred = z - z.mean(0)
    eig = np.sort(np.linalg.eigvalsh(centred.T @ centred))[::-1]
    np.testing.assert_allclose(proj.explained, eig[:2] / eig.sum(), rtol=1e-3)
    assert proj.explained[0] >= proj.explained[1] > 0
    assert proj.explained.sum() <= 1
    # points of the plane survive a round trip both ways
    p = rng.normal(size=(50, 2)).astype(np.float32) * 4
    np.testing.assert_allclose(proj.to_plane(proj.from_plane(p)), p, atol=1e-4)
    inside = proj.mean + p @ proj.basis
    np.testing.assert_allclose(proj.from_plane(proj.to_plane(inside)), inside, atol=1e-4)
    # the mean projects to the origin
    np.testing.assert_allclose(proj.to_plane(z.mean(0)), [0, 0], atol=1e-3)


# --------------------------------------------------------------------------- interpolation

def test_slerp_endpoints_norm_and_constant_angular_speed():
    rng = np.random.default_rng(2)
    a = rng.normal(size=8)
    b = rng.normal(size=8)
    b *= np.linalg.norm(a) / np.linalg.norm(b)  # equal norms
    np.testing.assert_allclose(slerp(a, b, 0.0), a, rtol=1e-6)
    np.testing.assert_allclose(slerp(a, b, 1.0), b, rtol=1e-6)
    omega = _angle(a, b)
    for t in np.linspace(0, 1, 11):
        z = slerp(a, b, t)
        assert z.dtype == np.float32
        assert np.linalg.norm(z) == pytest.approx(np.linalg.norm(a), rel=1e-5)
        assert _angle(a, z) == pytest.approx(t * omega, abs=1e-4)
        assert _angle(z, b) == pytest.approx((1 - t) * omega, abs=1e-4)
    np.testing.assert_allclose(interpolate(a, b, 0.3, spherical=True), slerp(a, b, 0.3))


def test_slerp_falls_back_to_lerp_for_parallel_or_zero_vectors():
    a = np.array([1.0, 2.0, -1.0])
    np.testing.assert_allclose(slerp(a, 3 * a, 0.5), 2 * a, rtol=1e-6)
    np.testing.assert_allclose(slerp(np.zeros(3), a, 0.25), 0.25 * a, rtol=1e-6)


def test_lerp():
    a, b = np.array([1.0, -2.0]), np.array([3.0, 6.0])
    np.testing.assert_allclose(lerp(a, b, 0.5), (a + b) / 2)
    np.testing.assert_allclose(lerp(a, b, 0.0), a)
    np.testing.assert_allclose(lerp(a, b, 1.0), b)
    np.testing.assert_allclose(interpolate(a, b, 0.25), 0.75 * a + 0.25 * b)


# --------------------------------------------------------------------------- attribute vectors

def test_attribute_vector_is_the_difference_of_means():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(30, 4))
    mask = rng.uniform(size=30) < 0.4
    expected = z[mask].mean(0) - z[~mask].mean(0)
    np.testing.assert_allclose(attribute_vector(z, mask), expected, rtol=1e-5)


@pytest.mark.parametrize("mask", [np.zeros(5, bool), np.ones(5, bool)])
def test_attribute_vector_needs_both_sides(mask):
    with pytest.raises(ValueError, match="at least one"):
        attribute_vector(np.zeros((5, 2)), mask)


def test_attribute_vector_needs_one_flag_per_code():
    with pytest.raises(ValueError, match="one entry per"):
        attribute_vector(np.zeros((5, 2)), np.array([True, False]))


# --------------------------------------------------------------------------- prior draws

def _model(kind: str, d: int, **meta) -> AutoencoderModel:
    torch.manual_seed(0)
    return AutoencoderModel(AEConfig(kind=kind, arch="mlp", latent_dim=d, hidden=16), meta)


def test_vae_prior_is_the_standard_normal():
    n, d = 40_000, 3
    z = prior_draws(_model("vae", d), n, seed=0).astype(np.float64)
    assert z.shape == (n, d) and prior_draws(_model("vae", d), 2, seed=0).dtype == np.float32
    np.testing.assert_allclose(z.mean(0), 0, atol=5 / math.sqrt(n))
    np.testing.assert_allclose(np.cov(z.T), np.eye(d), atol=5 * math.sqrt(2 / n))
    np.testing.assert_array_equal(prior_draws(_model("vae", d), 5, seed=7),
                                  prior_draws(_model("vae", d), 5, seed=7))


def _check_uniform(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
    n = len(z)
    assert (z >= lo).all() and (z <= hi).all()
    width = hi - lo
    # moments of U(lo, hi): mean (lo+hi)/2, variance width²/12
    np.testing.assert_allclose(z.mean(0), (lo + hi) / 2, atol=float(5 * width.max() / math.sqrt(12 * n)))
    np.testing.assert_allclose(z.var(0), width ** 2 / 12, rtol=5 * math.sqrt(0.8 / n))


def test_ae_prior_draws_from_the_saved_box():
    lo, hi = np.array([-1.0, 2.0, 0.0]), np.array([1.0, 5.0, 0.5])
    model = _model("ae", 3, latent_box=[lo.tolist(), hi.tolist()])
    _check_uniform(prior_draws(model, 20_000, seed=1).astype(np.float64), lo, hi)


def test_ae_prior_prefers_the_given_codes_and_defaults_to_three():
    rng = np.random.default_rng(4)
    codes = rng.normal(size=(100, 2)) * [1, 4] + [10, -3]
    model = _model("ae", 2, latent_box=[[-1, -1], [1, 1]])
    z = prior_draws(model, 20_000, seed=2, latents=codes).astype(np.float64)
    _check_uniform(z, codes.min(0), codes.max(0))
    bare = prior_draws(_model("ae", 2), 20_000, seed=3).astype(np.float64)
    _check_uniform(bare, np.full(2, -3.0), np.full(2, 3.0))


def test_sample_decodes_prior_draws():
    model = _model("vae", 2)
    images = model.sample(5, seed=3)
    assert images.shape == (5, 28, 28)
    np.testing.assert_array_equal(images, model.decode(prior_draws(model, 5, seed=3)))


def test_latent_box():
    z = np.array([[0.0, 10.0], [2.0, 30.0], [1.0, 20.0]])
    np.testing.assert_allclose(latent_box(z, margin=0.0), [[0, 10], [2, 30]])
    np.testing.assert_allclose(latent_box(z, margin=0.5), [[-1, 0], [3, 40]])


# --------------------------------------------------------------------------- grids

def test_grid_points_are_laid_out_as_on_screen():
    n = 4
    p = grid_points((-2.0, 1.0), (10.0, 16.0), n)
    assert p.shape == (n * n, 2)
    rows = p.reshape(n, n, 2)
    # the first row is the top of the screen: the highest y; y falls row by row
    np.testing.assert_allclose(rows[0, :, 1], 16.0)
    np.testing.assert_allclose(rows[-1, :, 1], 10.0)
    np.testing.assert_allclose(rows[:, 0, 1], [16, 14, 12, 10])
    # x grows left to right within each row
    for r in range(n):
        np.testing.assert_allclose(rows[r, :, 0], [-2, -1, 0, 1])


# --------------------------------------------------------------------------- k-NN accuracy

def _brute_force_predictions(train_z, train_y, test_z, k=5) -> np.ndarray:
    """The documented rule, one query at a time: majority of the k nearest; ties go to the
    class of the nearest neighbour among the tied classes."""
    out = []
    for q in test_z:
        d = np.sqrt(((train_z - q) ** 2).sum(1))
        nearest = train_y[np.argsort(d, kind="stable")[:k]]
        counts = {c: int((nearest == c).sum()) for c in set(nearest.tolist())}
        best = max(counts.values())
        out.append(next(c for c in nearest if counts[c] == best))
    return np.array(out)


def _has_vote_tie(train_z, train_y, q, k=5) -> bool:
    nearest = train_y[np.argsort(((train_z - q) ** 2).sum(1))[:k]]
    counts = np.bincount(nearest)
    return (counts == counts.max()).sum() > 1


def test_knn_matches_brute_force_two_classes():
    rng = np.random.default_rng(5)
    train_z, test_z = rng.normal(size=(300, 3)), rng.normal(size=(120, 3))
    train_y = (train_z[:, 0] + 0.7 * rng.normal(size=300) > 0).astype(int)
    test_y = (test_z[:, 0] + 0.7 * rng.normal(size=120) > 0).astype(int)
    expected = (_brute_force_predictions(train_z, train_y, test_z) == test_y).mean()
    assert 0.5 < expected < 1  # neither trivial nor perfect
    assert knn_accuracy(train_z, train_y, test_z, test_y, k=5) == expected
    # the answer does not depend on how the queries are chunked
    assert knn_accuracy(train_z, train_y, test_z, test_y, k=5, chunk=7) == expected


def test_knn_matches_brute_force_per_query_without_ties():
    rng = np.random.default_rng(6)
    train_z, test_z = rng.normal(size=(200, 2)), rng.normal(size=(80, 2))
    train_y, test_y = rng.integers(0, 4, 200), rng.integers(0, 4, 80)
    predicted = _brute_force_predictions(train_z, train_y, test_z)
    checked = 0
    for q, y, p in zip(test_z, test_y, predicted):
        if _has_vote_tie(train_z, train_y, q):
            continue
        assert knn_accuracy(train_z, train_y, q[None], np.array([y])) == float(p == y)
        checked += 1
    assert checked > 40


def test_knn_ties_go_to_the_nearest_neighbours_class():
    # neighbours of 0.0 in order of distance: classes 1, 0, 0, 2, 1; far point is ignored
    train_z = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [100.0]])
    train_y = np.array([1, 0, 0, 2, 1, 2])
    assert _brute_force_predictions(train_z, train_y, np.array([[0.0]]))[0] == 1
    assert knn_accuracy(train_z, train_y, np.array([[0.0]]), np.array([1])) == 1.0


def test_knn_simple_tie_goes_to_the_nearest():
    # ranks (A, B, A, B, C): 2–2, A is nearest, and A wins
    train_z = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])
    train_y = np.array([3, 0, 3, 0, 1])
    assert knn_accuracy(train_z, train_y, np.array([[0.0]]), np.array([3])) == 1.0


def test_knn_separated_clusters_are_perfect_and_swapped_labels_are_wrong():
    rng = np.random.default_rng(7)
    centres = np.array([[0, 0], [50, 0], [0, 50], [50, 50]], float)
    train_y, test_y = np.repeat(np.arange(4), 25), np.repeat(np.arange(4), 10)
    train_z = centres[train_y] + rng.normal(size=(100, 2))
    test_z = centres[test_y] + rng.normal(size=(40, 2))
    assert knn_accuracy(train_z, train_y, test_z, test_y) == 1.0
    assert knn_accuracy(train_z, train_y, test_z, (test_y + 1) % 4) == 0.0


def test_knn_needs_k_training_codes():
    with pytest.raises(ValueError, match="k=5"):
        knn_accuracy(np.zeros((4, 2)), np.zeros(4, int), np.zeros((1, 2)), np.zeros(1, int))


# --------------------------------------------------------------------------- images

def test_to_uint8():
    np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 0.5, 1.0, 2.0])), [0, 0, 128, 255, 255])


@pytest.mark.parametrize("n,ncols,pad,shape", [
    (6, 3, 0, (2 * 5, 3 * 4)), (7, 3, 1, (3 * 6 - 1, 3 * 5 - 1)), (2, 5, 2, (5, 2 * 6 - 2)),
    (1, 1, 0, (5, 4)),
])
def test_tile_shapes_and_placement(n, ncols, pad, shape):
    h, w = 5, 4
    images = np.stack([np.full((h, w), i + 1.0) for i in range(n)])
    out = tile(images, ncols, pad=pad, fill=-1.0)
    assert out.shape == shape
    cols = min(ncols, n)
    for i in range(n):
        r, c = divmod(i, cols)
        block = out[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w]
        np.testing.assert_array_equal(block, i + 1.0)
    # everything else is fill: padding and the empty cells of the last row
    assert (out == -1.0).sum() == out.size - n * h * w


def test_tile_keeps_dtype_and_row_major_order():
    images = np.arange(4 * 2 * 2, dtype=np.uint8).reshape(4, 2, 2)
    out = tile(images, 2, fill=0)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out[:2, 2:], images[1])
    np.testing.assert_array_equal(out[2:, :2], images[2])


def test_save_png(tmp_path):
    img = np.random.default_rng(8).uniform(size=(28, 28))
    path = save_png(img, tmp_path / "a.png")
    with Image.open(path) as im:
        assert im.mode == "L" and im.size == (28, 28)
        np.testing.assert_array_equal(np.asarray(im), to_uint8(img))
    with Image.open(save_png(img, tmp_path / "b.png", scale=3)) as im:
        assert im.size == (84, 84)
        np.testing.assert_array_equal(np.asarray(im)[::3, ::3], to_uint8(img))


@pytest.mark.parametrize("n", [1, 5])
def test_save_gif(tmp_path, n):
    frames = np.stack([np.full((28, 28), i / max(1, n - 1)) for i in range(n)])
    frames[:, 3, 4] = 0.5  # not entirely flat
    path = save_gif(frames, tmp_path / "a.gif", fps=10, scale=2)
    with Image.open(path) as im:
        assert im.format == "GIF"
        assert im.n_frames == n
        assert im.size == (56, 56)
        for i in range(n):
            im.seek(i)
            got = np.asarray(im.convert("L"))[::2, ::2]
            np.testing.assert_allclose(got.astype(int), to_uint8(frames[i]).astype(int), atol=2)


def test_save_gif_needs_frames(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        save_gif(np.zeros((0, 28, 28)), tmp_path / "a.gif")
