"""The 2-D GAN trainer, the lab's jobs and the saved model (toy2d_train.py, toy2d_api.py)."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from models.checkpoint import read_checkpoint, save_checkpoint
from models.gan.losses import LabelTricks
from models.gan.toy2d import GAN2DConfig, make_points, mode_centres
from models.gan.toy2d_api import GAN2DModel
from models.gan.toy2d_train import (LAYERS, GAN2DTrainConfig, GAN2DTrainer, LabControls,
                                    Picture, Progress, StepStats, lab_job, one_step_job,
                                    train_gan2d)
from models.trainer import TrainingDiverged

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = GAN2DConfig(g_width=32, d_width=32)
FAST = GAN2DTrainConfig(batch_size=64)


def small_trainer(model=SMALL, train=FAST, data="8gaussians") -> GAN2DTrainer:
    return GAN2DTrainer(make_points(data, 2000, seed=0), model, train)


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def nearest_centre_distance(points: np.ndarray) -> float:
    c = mode_centres("8gaussians")
    return float(np.linalg.norm(points[:, None] - c[None], axis=-1).min(1).mean())


# ---------------------------------------------------------------------- config
def test_train_config_validates_and_round_trips():
    cfg = GAN2DTrainConfig(loss="wgan-gp", k_d=5, lr_d=2e-3, opt_g="rmsprop",
                           tricks=LabelTricks(smoothing=0.1, noise=0.05), gp_weight=1.0, seed=3)
    d = cfg.to_dict()
    assert d["tricks"] == {"smoothing": 0.1, "noise": 0.05, "flip": 0.0}
    assert GAN2DTrainConfig.from_dict(d) == cfg
    for bad in ({"loss": "hinge"}, {"k_d": 0}, {"k_d": 51}, {"lr_d": 0.0}, {"lr_g": 1.5},
                {"opt_d": "lbfgs"}, {"batch_size": 0}, {"gp_weight": -1.0},
                {"lr_d": float("nan")}):
        with pytest.raises(ValueError):
            GAN2DTrainConfig(**bad)


# ---------------------------------------------------------------------- steps
def test_d_step_changes_only_d_and_g_step_only_g():
    tr = small_trainer()
    g0, d0 = tr.generator_state(), tr.discriminator_state()
    stats = tr.step("d")
    assert same(tr.generator_state(), g0) and not same(tr.discriminator_state(), d0)
    assert isinstance(stats, StepStats) and stats.step == 1 and set(stats.losses) == {"D", "G"}
    g1, d1 = tr.generator_state(), tr.discriminator_state()
    stats = tr.step("g")
    assert same(tr.discriminator_state(), d1) and not same(tr.generator_state(), g1)
    assert stats.step == 2 == tr.steps_done
    assert 0 < stats.d_real < 1 and 0 < stats.d_fake < 1
    with pytest.raises(ValueError):
        tr.step("both-ish")


def test_k_d_discriminator_updates_per_generator_update():
    tr = small_trainer(train=replace(FAST, k_d=3))
    counts = {"D": 0, "G": 0}
    for who, opt in (("D", tr.opt_d), ("G", tr.opt_g)):
        original = opt.step

        def counted(*a, _who=who, _original=original, **kw):
            counts[_who] += 1
            return _original(*a, **kw)
        opt.step = counted
    tr.step()
    tr.step()
    assert counts == {"D": 6, "G": 2}
    tr.step("d")
    assert counts == {"D": 7, "G": 2}


def test_wgan_gp_reports_the_penalty_and_raw_critic_values():
    tr = small_trainer(train=replace(FAST, loss="wgan-gp", gp_weight=0.1))
    stats = tr.step()
    assert set(stats.losses) == {"D", "G", "GP"} and stats.losses["GP"] >= 0
    assert tr.opt_d.param_groups[0]["betas"] == (0.5, 0.9)
    # a critic value is not squashed into (0, 1): D's loss is E f(fake) − E f(real)
    assert stats.losses["D"] == pytest.approx(stats.d_fake - stats.d_real, abs=1e-5)


def test_configure_changes_learning_rates_without_touching_weights():
    tr = small_trainer()
    tr.step()
    g0, d0, opt_d, opt_g = tr.generator_state(), tr.discriminator_state(), tr.opt_d, tr.opt_g
    tr.configure(replace(FAST, lr_d=0.05, lr_g=0.02, k_d=4))
    assert same(tr.generator_state(), g0) and same(tr.discriminator_state(), d0)
    assert tr.opt_d is opt_d and tr.opt_g is opt_g            # Adam keeps its moments
    assert tr.opt_d.param_groups[0]["lr"] == 0.05 and tr.opt_g.param_groups[0]["lr"] == 0.02
    assert tr.config.k_d == 4
    tr.configure(replace(tr.config, opt_d="sgd", loss="wgan-gp"))
    assert isinstance(tr.opt_d, torch.optim.SGD) and tr.opt_d.param_groups[0]["lr"] == 0.05
    assert tr.opt_g is opt_g and tr.opt_g.param_groups[0]["betas"] == (0.5, 0.9)
    assert same(tr.generator_state(), g0) and same(tr.discriminator_state(), d0)


def test_same_seed_same_game_however_often_the_gui_looks():
    a, b = small_trainer(), small_trainer()
    for _ in range(5):
        a.step()
        b.step()
        b.picture()
        b.divergences()
    assert same(a.generator_state(), b.generator_state())
    assert same(a.discriminator_state(), b.discriminator_state())
    c = small_trainer(train=replace(FAST, seed=1))
    assert not same(a.generator_state(), c.generator_state())


def test_short_training_moves_the_fake_points_towards_the_data():
    tr = small_trainer(model=GAN2DConfig(g_width=64, d_width=64),
                       train=replace(FAST, batch_size=128))
    before = nearest_centre_distance(tr.fake())
    js_before = tr.divergences()["JS"]
    for _ in range(300):
        tr.step()
    after = nearest_centre_distance(tr.fake())
    assert after < 0.5 * before
    assert tr.divergences()["JS"] < js_before - 0.05


def test_nan_in_the_data_raises_and_keeps_the_weights():
    tr = small_trainer()
    tr.step()
    g0, d0 = tr.generator_state(), tr.discriminator_state()
    tr._data[:] = float("nan")          # set_points refuses NaN, so poke the tensor
    with pytest.raises(TrainingDiverged, match="D's loss became nan"):
        tr.step()
    assert same(tr.generator_state(), g0) and same(tr.discriminator_state(), d0)
    assert tr.steps_done == 1


def test_exploding_sgd_raises_before_the_weights_turn_non_finite():
    tr = small_trainer(model=GAN2DConfig(g_width=16, d_width=16),
                       train=GAN2DTrainConfig(loss="wgan-gp", lr_d=1.0, lr_g=1.0, opt_d="sgd",
                                              opt_g="sgd", batch_size=64))
    with pytest.raises(TrainingDiverged, match="Adam instead of SGD"):
        for _ in range(300):
            tr.step()
    assert tr.steps_done < 300
    for state in (tr.generator_state(), tr.discriminator_state()):
        assert all(np.isfinite(v).all() for v in state.values())


# ---------------------------------------------------------------------- looking
def y_only_trainer(loss="non-saturating") -> GAN2DTrainer:
    """D(x, y) = σ(leaky(y)): one hidden layer that sees y only, summed with weights 1/w."""
    tr = small_trainer(model=GAN2DConfig(d_layers=1, d_width=8), train=replace(FAST, loss=loss))
    first, last = tr.D.net[0], tr.D.net[-1]
    with torch.no_grad():
        first.weight.copy_(torch.tensor([[0.0, 1.0]] * 8))
        first.bias.zero_()
        last.weight.fill_(1 / 8)
        last.bias.zero_()
    return tr


def leaky(y):
    return np.where(y > 0, y, 0.2 * y)


def test_d_field_rows_are_y_and_columns_are_x():
    tr = y_only_trainer()
    field = tr.d_field(extent=2.0, size=5)
    assert field.shape == (5, 5) and field.dtype == np.float32
    ys = np.linspace(-2, 2, 5)
    expected = 1 / (1 + np.exp(-leaky(ys)))
    np.testing.assert_allclose(field, np.repeat(expected[:, None], 5, 1), rtol=1e-5)
    assert np.all(np.diff(field[:, 0]) > 0) and np.ptp(field, axis=1).max() == 0
    raw = y_only_trainer("wgan-gp").d_field(extent=2.0, size=5)
    np.testing.assert_allclose(raw[:, 3], leaky(ys), rtol=1e-5)     # the critic, unsquashed


@pytest.mark.parametrize("loss", ["non-saturating", "minimax", "wgan-gp"])
def test_g_arrows_point_downhill_for_each_sample(loss):
    tr = y_only_trainer(loss)
    pts = np.array([[0.3, -1.0], [-1.2, 0.5], [2.0, 1.5]], np.float32)
    arrows = tr.g_arrows(pts)
    # the per-point generator loss and its closed-form gradient in y
    logit = leaky(pts[:, 1].astype(np.float64))
    slope = np.where(pts[:, 1] > 0, 1.0, 0.2)
    sig = 1 / (1 + np.exp(-logit))
    dloss_dy = {"non-saturating": -(1 - sig) * slope, "minimax": -sig * slope,
                "wgan-gp": -slope}[loss]
    np.testing.assert_allclose(arrows[:, 0], 0, atol=1e-7)
    np.testing.assert_allclose(arrows[:, 1], -dloss_dy, rtol=1e-5)

    def per_point(p):
        logits = tr.D(torch.from_numpy(p))
        return {"non-saturating": F.softplus(-logits), "minimax": -F.softplus(logits),
                "wgan-gp": -logits}[loss].detach().numpy()
    moved = (pts + 0.01 * arrows).astype(np.float32)
    assert np.all(per_point(moved) < per_point(pts))


def test_manifold_is_g_of_a_grid_of_z():
    tr = small_trainer()
    lines = tr.manifold()
    assert lines.shape == (22, 48, 2)
    small = tr.manifold(lines=3, points_per_line=5)
    assert small.shape == (6, 5, 2)
    z = torch.stack([torch.linspace(-2, 2, 5), torch.full((5,), -2.0)], 1)   # z₂ = −2, z₁ runs
    np.testing.assert_allclose(small[0], tr.fake(z), rtol=1e-5, atol=1e-6)
    z = torch.stack([torch.full((5,), 2.0), torch.linspace(-2, 2, 5)], 1)    # z₁ = 2, z₂ runs
    np.testing.assert_allclose(small[5], tr.fake(z), rtol=1e-5, atol=1e-6)
    one = small_trainer(model=GAN2DConfig(noise_dim=1, noise="uniform", g_width=16, d_width=16))
    line = one.manifold(points_per_line=7)
    assert line.shape == (1, 7, 2)
    np.testing.assert_allclose(line[0], one.fake(torch.linspace(-1, 1, 7)[:, None]), atol=1e-6)


def test_picture_computes_only_the_requested_layers():
    tr = small_trainer()
    pic = tr.picture(layers=frozenset({"real", "fake"}))
    assert pic.field is None and pic.arrows is None and pic.manifold is None
    assert pic.real.shape == (1000, 2) and pic.fake.shape == (512, 2)
    np.testing.assert_array_equal(pic.fake, tr.fake())
    full = tr.picture(extent=3.0, field_size=16, layers=frozenset(LAYERS))
    assert full.field.shape == (16, 16) and full.extent == 3.0
    assert full.arrows.shape == (512, 2) and full.manifold.shape == (22, 48, 2)
    with pytest.raises(ValueError):
        tr.picture(layers=frozenset({"clouds"}))


def test_set_points_keeps_the_weights():
    tr = small_trainer()
    g0 = tr.generator_state()
    tr.set_points(make_points("moons", 300, seed=2))
    assert tr.points.shape == (300, 2) and tr.real_view.shape == (300, 2)
    assert same(tr.generator_state(), g0)
    with pytest.raises(ValueError):
        tr.set_points(np.array([[0.0, np.nan]]))


# ---------------------------------------------------------------------- jobs
def test_lab_job_for_a_few_steps_ends_with_progress_and_picture():
    tr = small_trainer()
    events = list(lab_job(tr, LabControls(layers={"real", "fake"}), steps=5))
    assert isinstance(events[-2], Progress) and isinstance(events[-1], Picture)
    assert sum(len(e.stats) for e in events if isinstance(e, Progress)) == 5 == tr.steps_done
    assert [s.step for e in events if isinstance(e, Progress) for s in e.stats] == [1, 2, 3, 4, 5]
    assert events[-2].divergence is not None and 0 <= events[-2].divergence["JS"] <= 1
    assert events[-1].step == 5 and events[-1].field is None
    one = list(lab_job(tr, LabControls(), steps=1))
    assert [type(e) for e in one] == [Progress, Picture] and one[-1].field.shape == (64, 64)


def test_lab_job_applies_control_changes_between_steps():
    tr = small_trainer()
    controls = LabControls(layers={"real", "fake"})
    job = lab_job(tr, controls, picture_every_s=0.0, picture_budget=math.inf)   # no skipped pictures, however slow the machine
    first = [next(job) for _ in range(4)]
    assert [type(e) for e in first] == [Progress, Picture] * 2
    assert first[1].field is None
    controls.set_config(replace(FAST, lr_d=0.03, k_d=2))
    controls.set_layers({"real", "fake", "field", "arrows"})
    controls.set_view(extent=3.0, field_size=8)
    controls.set_points(make_points("spiral", 500, seed=1))
    events = [next(job) for _ in range(4)]
    pic = [e for e in events if isinstance(e, Picture)][-1]
    assert tr.config.lr_d == 0.03 and tr.opt_d.param_groups[0]["lr"] == 0.03
    assert pic.field.shape == (8, 8) and pic.arrows.shape == (512, 2) and pic.extent == 3.0
    assert len(tr.points) == 500 and pic.real.shape == (500, 2)
    job.close()
    steps = tr.steps_done
    tr.step()                               # still consistent after closing mid-run
    assert tr.steps_done == steps + 1
    with pytest.raises(ValueError):
        controls.set_points(np.zeros((3, 3)))
    with pytest.raises(ValueError):
        controls.set_layers({"real", "ghosts"})


def test_one_step_job_runs_one_step_of_the_asked_kind():
    tr = small_trainer()
    g0 = tr.generator_state()
    events = list(one_step_job(tr, "d", LabControls()))
    assert [type(e) for e in events] == [Progress, Picture]
    assert len(events[0].stats) == 1 and tr.steps_done == 1
    assert same(tr.generator_state(), g0)


def test_train_gan2d_yields_progress_and_returns_the_trainer():
    job = train_gan2d(make_points("25gaussians", 1000), SMALL, FAST, steps=20)
    events = []
    try:
        while True:
            events.append(next(job))
    except StopIteration as stop:
        trainer = stop.value
    assert trainer.steps_done == 20 and events[-1].step == 20
    assert sum(len(e.stats) for e in events) == 20


# ---------------------------------------------------------------------- the saved model
def test_model_round_trips_through_a_checkpoint(tmp_path):
    tr = small_trainer(train=replace(FAST, loss="wgan-gp"))
    for _ in range(3):
        tr.step()
    model = GAN2DModel.from_trainer(tr, {"data": "8gaussians", "points": np.zeros((3, 2))})
    save_checkpoint(tmp_path / "ring", model.state_numpy(),
                    {**model.meta, "family": model.family, "config": model.config.to_dict()})
    state, meta = read_checkpoint(tmp_path / "ring")
    assert meta["family"] == "gan2d" and meta["data"] == "8gaussians" and "points" not in meta
    loaded = GAN2DModel.from_state(state, meta)
    assert loaded.config == SMALL
    g = torch.Generator().manual_seed(5)
    pts = loaded.sample(50, generator=g)
    assert pts.shape == (50, 2) and pts.dtype == np.float32
    np.testing.assert_allclose(pts, model.sample(50, generator=torch.Generator().manual_seed(5)))
    np.testing.assert_allclose(loaded.sample(8, generator=torch.Generator().manual_seed(1)),
                               tr.fake(torch.randn(8, 2, generator=torch.Generator().manual_seed(1))),
                               rtol=1e-5, atol=1e-6)
    # WGAN: decision is the raw critic, the same as the trainer's field
    grid = np.array([[0.0, 0.0], [1.0, -1.0]], np.float32)
    np.testing.assert_allclose(loaded.decision(grid),
                               tr.D.eval()(torch.from_numpy(grid)).detach().numpy(), rtol=1e-5)
    with pytest.raises(ValueError):
        loaded.sample(4, label=3)
    with pytest.raises(ValueError):
        loaded.decision(np.zeros((2, 3)))


def test_model_samples_respect_truncation():
    model = GAN2DModel.from_trainer(small_trainer(), {"data": "8gaussians"})
    tight = model.sample(400, truncation=0.01, generator=torch.Generator().manual_seed(0))
    centre = model.sample(1, truncation=1e-9)
    # with |z| ≤ 0.01 every sample sits near G(0)
    assert np.abs(tight - centre).max() < 0.05
    assert 0 <= model.decision(tight).min() and model.decision(tight).max() <= 1
