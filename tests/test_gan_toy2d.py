"""The 2-D GAN lab's data, noise, networks and metrics (models/gan/toy2d.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.gan.toy2d import (DATASET_NAMES, DATASETS, EXTENT, MODE_STD, Discriminator2D,
                              GAN2DConfig, Generator2D, binned_divergences, load_points_file,
                              make_points, mode_centres, mode_metrics, sample_noise)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ---------------------------------------------------------------------- data
@pytest.mark.parametrize("name", DATASETS)
def test_datasets_fit_the_view_and_repeat_with_the_seed(name):
    pts = make_points(name, 3000, seed=4)
    assert pts.shape == (3000, 2) and pts.dtype == np.float32
    assert np.abs(pts).max() < EXTENT
    assert np.abs(pts).max() > 1.5          # spread over the square, not a dot at the origin
    np.testing.assert_array_equal(pts, make_points(name, 3000, seed=4))
    assert not np.array_equal(pts, make_points(name, 3000, seed=5))
    assert name in DATASET_NAMES


@pytest.mark.parametrize("name,k", [("8gaussians", 8), ("25gaussians", 25)])
def test_mixtures_sit_on_their_mode_centres(name, k):
    centres = mode_centres(name)
    assert centres.shape == (k, 2)
    pts = make_points(name, 20_000, seed=1)
    d = np.linalg.norm(pts[:, None] - centres[None], axis=-1)
    nearest, dist = d.argmin(1), d.min(1)
    # std 0.05 per coordinate: the distance to the centre is Rayleigh with mean σ√(π/2)
    assert dist.mean() == pytest.approx(MODE_STD[name] * math.sqrt(math.pi / 2), rel=0.05)
    counts = np.bincount(nearest, minlength=k)
    assert counts.min() > 0.8 * len(pts) / k and counts.max() < 1.2 * len(pts) / k


def test_mode_centres_are_where_the_spec_puts_them():
    ring = mode_centres("8gaussians")
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 2.0, atol=1e-6)
    np.testing.assert_allclose(ring[0], [2, 0], atol=1e-6)
    np.testing.assert_allclose(ring[2], [0, 2], atol=1e-6)
    grid = mode_centres("25gaussians")
    assert sorted({tuple(c) for c in grid.tolist()}) == [(x, y) for x in range(-2, 3)
                                                         for y in range(-2, 3)]
    assert mode_centres("moons") is None and mode_centres("spiral") is None


def test_make_points_refuses_bad_requests():
    with pytest.raises(ValueError, match="unknown dataset"):
        make_points("swirl", 10)
    with pytest.raises(ValueError, match="number of points"):
        make_points("moons", 0)


# ---------------------------------------------------------------------- files
def test_load_points_file_reads_a_good_array(tmp_path):
    path = tmp_path / "mine.npy"
    pts = np.arange(20, dtype=np.float64).reshape(10, 2) / 7
    np.save(path, pts)
    out = load_points_file(path)
    assert out.dtype == np.float32 and out.shape == (10, 2)
    np.testing.assert_allclose(out, pts, rtol=1e-6)
    np.save(tmp_path / "ints.npy", np.array([[1, 2], [3, 4]], np.int16))
    np.testing.assert_array_equal(load_points_file(tmp_path / "ints.npy"), [[1, 2], [3, 4]])


def _bad_files(tmp_path):
    def save(name, arr, **kw):
        np.save(tmp_path / name, arr, **kw)
        return tmp_path / name
    text = tmp_path / "points.npy.txt"
    text.write_text("1, 2\n3, 4\n")
    npz = tmp_path / "two.npz"
    np.savez(npz, a=np.zeros((4, 2)), b=np.zeros((4, 2)))
    truncated = save("cut.npy", np.zeros((1000, 2)))
    truncated.write_bytes(truncated.read_bytes()[:500])
    huge = tmp_path / "huge.npy"
    np.lib.format.open_memmap(huge, mode="w+", dtype=np.float32, shape=(1_000_001, 2)).flush()
    return {
        "missing": (tmp_path / "nope.npy", "cannot read"),
        "text": (text, "not a NumPy .npy"),
        "npz": (npz, "npz"),
        "pickle": (save("obj.npy", np.array([[1, "a"], [2, None]], dtype=object),
                        allow_pickle=True), "pickle"),
        "strings": (save("str.npy", np.array([["a", "b"], ["c", "d"]])), "plain numbers"),
        "complex": (save("cx.npy", np.ones((4, 2), np.complex64)), "plain numbers"),
        "shape_1d": (save("flat.npy", np.zeros(10)), "N×2"),
        "shape_n3": (save("n3.npy", np.zeros((5, 3))), "N×2"),
        "nan": (save("nan.npy", np.array([[0, 0], [1, np.nan], [2, 2]])), "NaN or infinite"),
        "inf": (save("inf.npy", np.array([[0, 0], [np.inf, 1]])), "NaN or infinite"),
        "overflow": (save("big.npy", np.array([[0, 0], [1e300, 1]])), "NaN or infinite"),
        "one_point": (save("one.npy", np.zeros((1, 2))), "at least 2"),
        "truncated": (truncated, "not a readable"),
        "too_many": (huge, "1,000,000"),
    }


def test_load_points_file_refuses_each_bad_file_with_a_clear_message(tmp_path):
    cases = _bad_files(tmp_path)
    for case, (path, words) in cases.items():
        with pytest.raises(ValueError) as info:
            load_points_file(path)
        message = str(info.value)
        assert words in message, (case, message)
        assert str(path) in message, case       # the user is told which file


@pytest.mark.parametrize("mangle, detail", [
    (lambda raw: raw[:6] + b" g" + raw[8:], "(32, 103)"),            # the version bytes
    (lambda raw: raw[:10] + b"[1, 2]".ljust(117) + b"\n" + raw[128:], "not a dictionary"),
    (lambda raw: raw[:10] + b"{'descr': '<f4', '''".ljust(117) + b"\n" + raw[128:], "TokenError")])
def test_a_mangled_npy_header_is_named_plainly_before_numpys_words(tmp_path, mangle, detail):
    """The dialog said "not a readable .npy file (we only support format version (1,0), (2,0),
    and (3,0), not (32, 103))": the reason comes first now, numpy's detail after it."""
    path = tmp_path / "mangled.npy"
    np.save(path, np.zeros((3, 2), np.float32))
    path.write_bytes(mangle(path.read_bytes()))
    with pytest.raises(ValueError) as info:
        load_points_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not a NumPy .npy file (bad header).")
    assert message.index("numpy.save") < message.index("Detail:") < message.index(detail)


# ---------------------------------------------------------------------- noise
def test_sample_noise_shapes_and_moments():
    g = torch.Generator().manual_seed(0)
    z = sample_noise(20_000, 3, "gaussian", g)
    assert z.shape == (20_000, 3) and z.dtype == torch.float32
    assert abs(float(z.mean())) < 0.02 and float(z.std()) == pytest.approx(1.0, abs=0.02)
    u = sample_noise(20_000, 2, "uniform", g)
    assert float(u.min()) >= -1 and float(u.max()) <= 1
    assert float(u.std()) == pytest.approx(1 / math.sqrt(3), abs=0.02)
    with pytest.raises(ValueError):
        sample_noise(4, 2, "poisson")
    with pytest.raises(ValueError):
        sample_noise(4, 2, "gaussian", truncation=0)


@pytest.mark.parametrize("t", [0.05, 0.5, 2.0, 8.0])
def test_gaussian_truncation_keeps_values_inside_and_fills_the_range(t):
    z = sample_noise(50_000, 2, "gaussian", torch.Generator().manual_seed(1), truncation=t)
    assert float(z.abs().max()) <= t
    assert float(z.abs().max()) > 0.95 * min(t, 3.5)
    # resampling keeps the normal's shape: the share inside t/2 matches the closed form
    inside = float((z.abs() < t / 2).float().mean())
    expected = math.erf(t / 2 / math.sqrt(2)) / math.erf(t / math.sqrt(2))
    assert inside == pytest.approx(expected, abs=0.01)


def test_uniform_truncation_narrows_the_interval():
    g = torch.Generator().manual_seed(2)
    z = sample_noise(10_000, 2, "uniform", g, truncation=0.3)
    assert float(z.abs().max()) <= 0.3 and float(z.abs().max()) > 0.29
    z = sample_noise(10_000, 2, "uniform", g, truncation=5.0)      # t = min(5, 1)
    assert float(z.abs().max()) <= 1.0 and float(z.abs().max()) > 0.99


# ---------------------------------------------------------------------- networks
def test_config_validates_and_round_trips():
    cfg = GAN2DConfig(noise_dim=5, noise="uniform", g_layers=2, g_width=32, d_dropout=0.3)
    assert GAN2DConfig.from_dict(cfg.to_dict()) == cfg
    for bad in ({"noise_dim": 0}, {"noise_dim": 65}, {"g_layers": 9}, {"d_width": 3},
                {"d_dropout": 0.9}, {"noise": "cauchy"}, {"g_width": 2.5}):
        with pytest.raises(ValueError):
            GAN2DConfig(**bad)
    with pytest.raises(ValueError, match="unknown"):
        GAN2DConfig.from_dict({"noise_dim": 2, "depth": 3})


def test_networks_have_the_configured_shapes():
    cfg = GAN2DConfig(noise_dim=4, g_layers=2, g_width=16, d_layers=3, d_width=8)
    G, D = Generator2D(cfg), Discriminator2D(cfg)
    assert G(torch.zeros(7, 4)).shape == (7, 2)
    assert D(torch.zeros(7, 2)).shape == (7,)
    linears = [m for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(4, 16), (16, 16), (16, 2)]
    linears = [m for m in D.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(2, 8), (8, 8), (8, 8), (8, 1)]
    # the dropout rate never changes the weights' names
    dropped = Discriminator2D(GAN2DConfig(d_layers=3, d_width=8, d_dropout=0.5))
    assert dropped.state_dict().keys() == D.state_dict().keys()


def test_discriminator_dropout_acts_in_training_only():
    D = Discriminator2D(GAN2DConfig(d_width=64, d_dropout=0.5))
    x = torch.randn(64, 2)
    torch.manual_seed(0)
    assert not torch.equal(D(x), D(x))          # two different masks
    D.eval()
    assert torch.equal(D(x), D(x))
    D.set_dropout(0.0)
    D.train()
    assert torch.equal(D(x), D(x))


# ---------------------------------------------------------------------- metrics
def test_mode_metrics_counts_modes_and_quality():
    centres = mode_centres("8gaussians")
    on_three = np.repeat(centres[:3], [400, 300, 300], axis=0)
    assert mode_metrics(on_three, centres, 0.05) == (3, 8, 1.0)
    far = np.full((500, 2), 0.0)                 # the ring's centre: 2 away from every mode
    m = mode_metrics(far, centres, 0.05)
    assert m.modes_covered == 0 and m.high_quality == 0.0
    # half the samples 0.1 away (inside 3σ = 0.15), half 0.2 away (outside)
    near = np.concatenate([centres[[0]] + [0.1, 0], centres[[0]] + [0.2, 0]])
    assert mode_metrics(np.repeat(near, 50, axis=0), centres, 0.05).high_quality == 0.5


def test_mode_metrics_threshold_is_a_fifth_of_a_fair_share():
    centres = mode_centres("8gaussians")
    # 1000 samples: a fair share is 125, a fifth of it 25
    counts = [25, 24, 951]
    samples = np.repeat(centres[:3], counts, axis=0)
    assert mode_metrics(samples, centres, 0.05).modes_covered == 2
    assert mode_metrics(samples, centres, 0.05, min_fraction=0.01).modes_covered == 3


def test_binned_divergences_closed_forms():
    rng = np.random.default_rng(0)
    a = rng.uniform(-2, 2, (5000, 2))
    same = binned_divergences(a, a)
    assert same["JS"] < 1e-9 and same["KL"] < 1e-9
    left, right = a.copy(), a.copy()
    left[:, 0] = -np.abs(left[:, 0]) - 0.1
    right[:, 0] = np.abs(right[:, 0]) + 0.1
    apart = binned_divergences(left, right)
    assert apart["JS"] == pytest.approx(1.0, abs=0.02)
    assert apart["KL"] > 5
    # p in one bin; q half there, half in another: KL = ln 2, JS = ¾·log2(4/3),
    # less the share of the mass the ε = 10⁻⁶ per bin takes (4096 bins: 0.4 %)
    p = np.zeros((100, 2)) + 0.01
    q = np.concatenate([p[:50], p[:50] + 1.0])
    d = binned_divergences(p, q)
    e, z = 1e-6, 1 + 4096e-6
    p0, q0, p1 = (1 + e) / z, (0.5 + e) / z, e / z
    assert d["KL"] == pytest.approx(p0 * math.log(p0 / q0) + p1 * math.log(p1 / q0), rel=1e-6)
    assert d["KL"] == pytest.approx(math.log(2), abs=5e-3)
    assert d["JS"] == pytest.approx(0.75 * math.log2(4 / 3), abs=5e-3)


def test_binned_divergences_clip_outside_points_into_the_border():
    inside = np.full((10, 2), EXTENT - 1e-3)
    outside = np.full((10, 2), 40.0)
    assert binned_divergences(inside, outside)["JS"] < 1e-9
    assert binned_divergences(inside, -outside)["JS"] > 0.9
