"""RealNVP's mathematics and API (models/likelihood/realnvp.py, flow_api.py, flow_data.py):
each coupling inverts exactly, its log-det is the true Jacobian determinant, the 2-D density
integrates to one, bits/dim match a flow whose density is known in closed form, and bad input
is refused with the reason."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.autograd.functional import jacobian

from models.likelihood.flow_api import RealNVPModel
from models.likelihood.flow_data import MIN_POINTS, RING_RADII, check_points, load_points, make_points
from models.likelihood.realnvp import (LOGIT_ALPHA, PIXELS, RealNVPConfig, bits_per_dim,
                                       build_flow, dequantize)

TINY_IMAGE = RealNVPConfig(kind="image", layers=2, hidden=4, depth=0)


def randomised(flow: torch.nn.Module, seed: int = 0, std: float = 0.3) -> torch.nn.Module:
    """The flow with every weight drawn at random: a fresh flow is the identity (its last
    layers start at zero), which would make these tests pass trivially."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in flow.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * std)
    return flow


def model_2d(seed: int = 0, **config) -> RealNVPModel:
    model = RealNVPModel(RealNVPConfig(**config))
    randomised(model.module, seed)
    return model


# ------------------------------------------------------------------ the flows themselves

def test_a_fresh_flow_is_the_identity():
    flow = build_flow(RealNVPConfig())
    x = torch.randn(64, 2)
    z, log_det = flow(x)
    assert torch.equal(z, x) and torch.equal(log_det, torch.zeros(64))


@pytest.mark.parametrize("kind", ["2d", "image"])
def test_inverse_undoes_forward(kind):
    torch.manual_seed(1)
    if kind == "2d":
        flow = randomised(build_flow(RealNVPConfig(layers=6, hidden=16)))
        x = torch.randn(256, 2) * 2
    else:
        flow = randomised(build_flow(TINY_IMAGE), std=0.1)
        x = torch.rand(4, 1, 28, 28) * 0.98 + 0.01
    z, _ = flow(x)
    assert (z - x).abs().max() > 0.05                      # it does move the points
    assert torch.allclose(flow.inverse(z), x, atol=1e-5)


def test_the_2d_log_det_is_the_jacobians():
    flow = randomised(build_flow(RealNVPConfig(layers=5, hidden=16))).double()
    flow.scale.copy_(torch.tensor([1.7, 0.6], dtype=torch.float64))
    flow.shift.copy_(torch.tensor([0.3, -0.2], dtype=torch.float64))
    x = torch.randn(20, 2, dtype=torch.float64)
    _, log_det = flow(x)
    for i in range(len(x)):
        J = jacobian(lambda p: flow(p[None])[0][0], x[i])
        assert J.shape == (2, 2)
        assert log_det[i].item() == pytest.approx(torch.linalg.slogdet(J)[1].item(), abs=1e-9)


def test_the_image_log_det_is_the_jacobians():
    flow = randomised(build_flow(TINY_IMAGE), seed=2, std=0.2).double()
    x = torch.rand(2, 1, 28, 28, dtype=torch.float64) * 0.98 + 0.01
    _, log_det = flow(x)
    for i in range(len(x)):
        J = jacobian(lambda p: flow(p.reshape(1, 1, 28, 28))[0].reshape(-1),
                     x[i].reshape(-1), vectorize=True)
        assert J.shape == (PIXELS, PIXELS)
        sign, logabs = torch.linalg.slogdet(J)
        assert sign.item() == 1.0          # couplings and the logit all preserve orientation
        assert log_det[i].item() == pytest.approx(logabs.item(), abs=1e-7)


def test_the_2d_density_integrates_to_one():
    model = model_2d(seed=3, layers=6, hidden=16)
    n, lo, hi = 400, -8.0, 8.0
    p = model.density_grid((lo, hi), (lo, hi), n)
    cell = ((hi - lo) / (n - 1)) ** 2
    # the mass the box holds, from 100,000 samples: all but a sliver
    s = model.sample(100_000, torch.Generator().manual_seed(0))
    inside = float((np.abs(s) < hi).all(1).mean())
    assert inside > 0.999
    # a Riemann sum on a 400² grid (cells of 0.04²) of this smooth density came within
    # 2e-5 of the sampled mass; 1e-3 leaves room, and a log-det off by even 1 % of its
    # size would miss it
    assert p.sum() * cell == pytest.approx(inside, abs=1e-3)
    assert (p >= 0).all()


def test_density_grid_rows_are_y_and_columns_x():
    model = model_2d(seed=4)
    grid = model.density_grid((-1.0, 2.0), (0.5, 1.5), 5)
    assert grid.shape == (5, 5)
    assert grid[3, 1] == pytest.approx(math.exp(model.log_prob([[-0.25, 1.25]])[0]), rel=1e-5)


def test_layers_warp_the_gaussian_into_the_samples():
    model = model_2d(seed=5, layers=4)
    model.module.set_standardisation(np.array([[0.0, 0.0], [2.0, 4.0]]))  # shift (1, 2), scale (1, 2)
    z = torch.randn(300, 2, generator=torch.Generator().manual_seed(7))
    steps = model.layers(z.numpy())
    assert len(steps) == 4 + 1 and all(s.shape == (300, 2) and s.dtype == np.float32 for s in steps)
    # the first is the Gaussian in the data's frame, the last the flow's samples of the same z
    np.testing.assert_allclose(steps[0], z.numpy() * [1, 2] + [1, 2], atol=1e-6)
    np.testing.assert_allclose(steps[-1], model.sample(300, torch.Generator().manual_seed(7)),
                               atol=1e-5)
    # each coupling moves one coordinate only, alternately: the last one (first in the
    # sampling direction) changes y, the next x
    assert np.array_equal(steps[1][:, 0], steps[0][:, 0]) and not np.allclose(steps[1][:, 1],
                                                                              steps[0][:, 1])
    assert np.array_equal(steps[2][:, 1], steps[1][:, 1])


# ------------------------------------------------------------------ bits/dim

def test_bits_per_dim_of_the_uniform_density_is_eight():
    # p_x = 1 on [0, 1)^D is p_w = 256^−D on [0, 256)^D: exactly 8 bits per dimension
    assert bits_per_dim(torch.zeros(3)).tolist() == [8.0, 8.0, 8.0]
    assert bits_per_dim(torch.tensor([-PIXELS * math.log(2)])).item() == pytest.approx(9.0)


def test_an_untrained_image_flow_scores_the_closed_form():
    """A fresh flow is the identity after the logit, so log p_x(x) is the Gaussian log-density
    of y = logit(α + (1 − 2α)x) plus the logit's log-det, computable here in float64."""
    model = RealNVPModel(TINY_IMAGE)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 28, 28)).astype(np.uint8)
    images[0] = 0                       # a blank image, and one all white
    images[1] = 255
    got = model.log_prob(images, torch.Generator().manual_seed(11))
    u = torch.rand((3, 1, 28, 28), generator=torch.Generator().manual_seed(11)).numpy()
    x = (images[:, None].astype(np.float64) + u) / 256
    p = LOGIT_ALPHA + (1 - 2 * LOGIT_ALPHA) * x
    y = np.log(p) - np.log1p(-p)
    log_px = (-0.5 * (y ** 2 + math.log(2 * math.pi)) + math.log(1 - 2 * LOGIT_ALPHA)
              - np.log(p) - np.log1p(-p)).reshape(3, -1).sum(1)
    want = log_px - PIXELS * math.log(256)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    bpd = model.bits_per_dim(images, torch.Generator().manual_seed(11))
    np.testing.assert_allclose(bpd, -want / (PIXELS * math.log(2)), rtol=1e-5)
    # a default call always dequantizes with the same noise: the same image, the same score
    assert np.array_equal(model.log_prob(images), model.log_prob(images))


def test_float_images_are_rounded_to_levels_and_dequantize_stays_in_its_bin():
    model = RealNVPModel(TINY_IMAGE)
    levels = np.random.default_rng(1).integers(0, 256, (2, 28, 28)).astype(np.uint8)
    np.testing.assert_array_equal(model.log_prob(levels), model.log_prob(levels / 255.0))
    np.testing.assert_array_equal(model.log_prob(levels), model.log_prob(levels[:, None]))
    v = torch.from_numpy(levels.astype(np.float32))
    w = dequantize(v, torch.Generator().manual_seed(0)) * 256
    assert ((w >= v) & (w < v + 1)).all()


def test_image_samples_are_digits_shaped():
    model = RealNVPModel(TINY_IMAGE)
    randomised(model.module, std=0.05)
    out = model.sample(3, torch.Generator().manual_seed(0))
    assert out.shape == (3, 28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    again = model.sample(3, torch.Generator().manual_seed(0))
    assert np.array_equal(out, again)


# ------------------------------------------------------------------ save and load

def test_save_and_load_keep_the_density(tmp_path):
    from models.checkpoint import load_checkpoint
    model = model_2d(seed=6)
    model.module.set_standardisation(make_points("rings", 500))
    pts = make_points("moons", 50, seed=1)
    model.save(tmp_path / "flow", data="rings")
    loaded = load_checkpoint(tmp_path / "flow")
    assert isinstance(loaded, RealNVPModel) and loaded.config == model.config
    assert loaded.meta["data"] == "rings"
    np.testing.assert_array_equal(loaded.log_prob(pts), model.log_prob(pts))
    np.testing.assert_array_equal(loaded.module.scale.numpy(), model.module.scale.numpy())

    image = RealNVPModel(TINY_IMAGE)
    randomised(image.module, std=0.05)
    image.save(tmp_path / "image")
    back = load_checkpoint(tmp_path / "image")
    digits = np.zeros((1, 28, 28), np.uint8)
    np.testing.assert_array_equal(back.log_prob(digits), image.log_prob(digits))


def test_a_checkpoint_whose_config_is_bad_is_refused(tmp_path):
    from models.checkpoint import CheckpointError
    with pytest.raises(CheckpointError, match="bad realnvp configuration"):
        RealNVPModel.from_state({}, {"config": {"kind": "3d"}})
    with pytest.raises(CheckpointError, match="unknown RealNVPConfig field"):
        RealNVPModel.from_state({}, {"config": {"kind": "2d", "colour": 1}})
    with pytest.raises(CheckpointError):         # weights of another shape
        RealNVPModel.from_state(model_2d().state_numpy(), {"config": {"layers": 3}})


# ------------------------------------------------------------------ data and bad input

def test_rings_lie_on_their_two_circles():
    pts = make_points("rings", 4000, seed=0)
    r = np.hypot(pts[:, 0], pts[:, 1])
    near = np.minimum(abs(r - RING_RADII[0]), abs(r - RING_RADII[1]))
    assert pts.dtype == np.float32 and near.mean() < 0.07
    inner = (abs(r - RING_RADII[0]) < 0.3).mean()
    # points spread by length: the inner ring holds r_in / (r_in + r_out) of them
    assert inner == pytest.approx(RING_RADII[0] / sum(RING_RADII), abs=0.03)
    assert np.array_equal(pts, make_points("rings", 4000, seed=0))
    assert np.abs(make_points("moons", 4000)).max() < 2.5


def test_points_files_load_from_csv_and_npy(tmp_path):
    pts = make_points("moons", 30)
    np.save(tmp_path / "p.npy", pts)
    np.testing.assert_array_equal(load_points(tmp_path / "p.npy"), pts)
    (tmp_path / "p.csv").write_text("x,y\n" + "".join(f"{a},{b}\n" for a, b in pts))
    np.testing.assert_allclose(load_points(tmp_path / "p.csv"), pts, rtol=1e-6)
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n3,four\n")
    with pytest.raises(ValueError, match="line 3: '3,four' is not two numbers"):
        load_points(tmp_path / "bad.csv")
    (tmp_path / "three.csv").write_text("1,2,3\n")
    with pytest.raises(ValueError, match="line 1: 3 value"):
        load_points(tmp_path / "three.csv")
    with pytest.raises(ValueError, match="no such file"):
        load_points(tmp_path / "missing.csv")


@pytest.mark.parametrize("points, words", [
    (np.zeros((20, 3)), "N×2"),
    (np.zeros(20), "N×2"),
    (np.full((20, 2), np.nan), "20 point\\(s\\) are NaN"),
    (np.ones((MIN_POINTS - 1, 2)) * np.arange(MIN_POINTS - 1)[:, None], "needs at least"),
    (np.stack([np.arange(20.0), np.ones(20)], 1), "same y"),
    ([["a", "b"]] * 20, "numbers"),
])
def test_bad_training_points_are_refused_with_the_reason(points, words):
    with pytest.raises(ValueError, match=words):
        check_points(points)


@pytest.mark.parametrize("call, words", [
    (lambda m: m.log_prob(np.zeros((4, 3))), "N×2"),
    (lambda m: m.log_prob([[0.0, np.nan]]), "NaN"),
    (lambda m: m.sample(0), "1..1,000,000"),
    (lambda m: m.sample(2.5), "integer"),
    (lambda m: m.density_grid((1, -1), (0, 1), 10), "low < high"),
    (lambda m: m.density_grid((0, 1), (0, np.inf), 10), "finite"),
    (lambda m: m.density_grid((0, 1), (0, 1), 1), "2..2048"),
    (lambda m: m.density_grid("ab", (0, 1), 10), "pair"),
    (lambda m: m.bits_per_dim(np.zeros((1, 28, 28))), "image flows"),
])
def test_bad_calls_on_a_2d_flow_say_why(call, words):
    with pytest.raises(ValueError, match=words):
        call(model_2d())


@pytest.mark.parametrize("images, words", [
    (np.zeros((2, 28, 27)), "N×28×28"),
    (np.zeros((28, 28)), "N×28×28"),
    (np.full((1, 28, 28), 1.5), "\\[0, 1\\]"),
    (np.full((1, 28, 28), np.nan), "NaN"),
    (np.full((1, 28, 28), 300), "0–255"),
    (np.zeros((1, 28, 28), bool), "binary"),
    (np.zeros((1, 28, 28), object), "numbers"),
])
def test_bad_images_are_refused_with_the_reason(images, words):
    model = RealNVPModel(TINY_IMAGE)
    with pytest.raises(ValueError, match=words):
        model.log_prob(images)
    with pytest.raises(ValueError, match="2-D flows"):
        model.layers(np.zeros((3, 2)))


def test_bad_configs_are_refused():
    for bad in ({"kind": "3d"}, {"layers": 0}, {"hidden": 1}, {"clamp": float("nan")},
                {"depth": True}):
        with pytest.raises(ValueError):
            RealNVPConfig(**bad)
