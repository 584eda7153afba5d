"""The 2-D diffusion toy: data samplers, the forward process, the denoiser, samplers, training."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.diffusion.toy2d import (DATASETS, BoxedEps, Toy2DConfig, ToyDenoiser, alpha_bar,
                                    distance_to_data, eps_field, grid_points, iter_particle_paths,
                                    make_points, make_scheduler, noised, particle_paths,
                                    points_from_strokes, score_field)
from models.diffusion.toy2d_train import ToyTrainConfig, ToyTrainer, train_toy
from models.events import Snapshot, Step, TrainResult
from models.trainer import TrainingDiverged, state_to_numpy

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def nearest(a: np.ndarray, b: np.ndarray) -> float:
    """Mean distance from each point of a to its nearest point of b."""
    d2 = ((a[:, None, :].astype(np.float64) - b[None, :, :]) ** 2).sum(-1)
    return float(np.sqrt(d2.min(1)).mean())


def tiny_model(T: int = 20, seed: int = 0) -> tuple[ToyDenoiser, Toy2DConfig]:
    torch.manual_seed(seed)
    config = Toy2DConfig(timesteps=T, hidden=16, depth=2)
    return ToyDenoiser(config).eval(), config


@pytest.fixture(scope="module")
def trained_moons():
    """A denoiser trained briefly on the moons: about a second on one core."""
    points = make_points("moons", 4000, seed=0)
    config = Toy2DConfig(timesteps=50)
    trainer = ToyTrainer(points, config, ToyTrainConfig(steps=500, batch_size=256, lr=1e-2,
                                                        snapshot_every=100))
    events = []
    gen = trainer.run()
    while True:
        try:
            events.append(next(gen))
        except StopIteration as done:
            result = done.value
            break
    return trainer, events, result


# ---------------------------------------------------------------------- data
@pytest.mark.parametrize("name", DATASETS)
def test_named_datasets_are_normalised_and_seeded(name):
    pts = make_points(name, 20_000, seed=3)
    assert pts.shape == (20_000, 2) and pts.dtype == np.float32
    assert np.all(np.abs(pts.mean(0)) < 0.05)
    assert 0.9 < math.sqrt((pts.std(0) ** 2).mean()) < 1.1
    np.testing.assert_array_equal(pts[:100], make_points(name, 20_000, seed=3)[:100])
    assert not np.allclose(pts[:100], make_points(name, 20_000, seed=4)[:100])


def test_eight_gaussians_sit_at_eight_angles():
    pts = make_points("8-gaussians", 4000, seed=0)
    angle = np.arctan2(pts[:, 1], pts[:, 0])
    off = np.abs((angle / (np.pi / 4) + 0.5) % 1 - 0.5) * (np.pi / 4)   # to the nearest k·π/4
    assert np.mean(off < 0.25) > 0.98
    k = np.round(angle / (np.pi / 4)).astype(int) % 8
    counts = np.bincount(k, minlength=8)
    assert counts.min() > 400                  # all eight modes, about 500 points each


def test_moons_are_two_interleaved_arcs():
    # un-normalised, the upper arc is the unit circle's upper half around (0, 0) and the lower
    # one the same circle turned over around (1, 0.5)
    raw = make_points("moons", 5000, seed=1) * 0.708 + np.array([0.5, 0.25])
    r_upper = np.hypot(raw[:, 0], raw[:, 1])
    r_lower = np.hypot(raw[:, 0] - 1.0, raw[:, 1] - 0.5)
    on_an_arc = np.minimum(np.abs(r_upper - 1), np.abs(r_lower - 1)) < 0.25
    assert on_an_arc.mean() > 0.97


@pytest.mark.parametrize("bad", [("rings", 10), ("moons", 0), ("moons", 2.5), ("moons", True)])
def test_make_points_rejects_bad_arguments(bad):
    with pytest.raises(ValueError):
        make_points(*bad)


def test_stroke_points_lie_along_the_strokes_in_proportion_to_length():
    long_stroke = [(0.0, 0.0), (3.0, 0.0)]                 # length 3 on y = 0
    short_stroke = [(0.0, 2.0), (0.0, 3.0)]                # length 1 on x = 0
    pts = points_from_strokes([long_stroke, short_stroke], 8000, seed=0, jitter=0.0)
    on_long = (np.abs(pts[:, 1]) < 1e-6) & (pts[:, 0] >= 0) & (pts[:, 0] <= 3)
    on_short = (np.abs(pts[:, 0]) < 1e-6) & (pts[:, 1] >= 2) & (pts[:, 1] <= 3)
    assert np.all(on_long | on_short)
    assert on_long.mean() == pytest.approx(0.75, abs=0.02)
    assert pts[on_long, 0].mean() == pytest.approx(1.5, abs=0.05)   # uniform along the stroke


def test_stroke_jitter_and_lone_clicks():
    pts = points_from_strokes([[(1.0, -1.0)], [(-1.0, 1.0)]], 4000, seed=2, jitter=0.1)
    near_a = np.hypot(pts[:, 0] - 1, pts[:, 1] + 1)
    near_b = np.hypot(pts[:, 0] + 1, pts[:, 1] - 1)
    d = np.minimum(near_a, near_b)
    assert np.all(d < 0.6)
    assert (near_a < near_b).mean() == pytest.approx(0.5, abs=0.05)
    # 2-D Gaussian jitter of std σ: the mean distance from the centre is σ·√(π/2)
    assert d.mean() == pytest.approx(0.1 * math.sqrt(math.pi / 2), rel=0.06)


def test_too_few_or_bad_stroke_points_are_refused():
    with pytest.raises(ValueError, match="at least 2 points"):
        points_from_strokes([], 100)
    with pytest.raises(ValueError, match="at least 2 points"):
        points_from_strokes([[(0.0, 0.0)]], 100)
    with pytest.raises(ValueError, match="not finite"):
        points_from_strokes([[(0.0, 0.0), (float("nan"), 1.0)]], 100)


# ---------------------------------------------------------------------- forward process
@pytest.mark.parametrize("schedule", ["linear", "cosine", "quadratic"])
@pytest.mark.parametrize("T", [20, 100, 1000])
def test_toy_schedules_end_in_noise_and_do_not_clip(schedule, T):
    sched = make_scheduler(Toy2DConfig(schedule=schedule, timesteps=T))
    assert not sched.clip_sample
    assert alpha_bar(sched, T - 1) < 2e-3
    assert alpha_bar(sched, 0) > 0.95


@pytest.mark.parametrize("t", [0, 10, 30, 49])
def test_noised_matches_the_moments_of_q(t):
    sched = make_scheduler(Toy2DConfig(timesteps=50))
    a = alpha_bar(sched, t)
    x0 = make_points("moons", 100_000, seed=0).astype(np.float64)
    xt = noised(x0, t, sched, seed=1).astype(np.float64)
    # mean √ᾱ E[x₀]; variance ᾱ Var[x₀] + (1 − ᾱ), per axis
    np.testing.assert_allclose(xt.mean(0), math.sqrt(a) * x0.mean(0), atol=0.012)
    np.testing.assert_allclose(xt.var(0), a * x0.var(0) + (1 - a), rtol=0.02)
    # and each point moves by exactly √(1 − ᾱ) ε around √ᾱ x₀ with ε ~ N(0, I)
    eps = (xt - math.sqrt(a) * x0) / math.sqrt(1 - a)
    assert abs(eps.std() - 1) < 0.01 and abs(np.corrcoef(eps[:, 0], eps[:, 1])[0, 1]) < 0.01


def test_noised_is_seeded_and_checks_t():
    sched = make_scheduler(Toy2DConfig(timesteps=50))
    pts = make_points("moons", 100)
    np.testing.assert_array_equal(noised(pts, 5, sched, seed=3), noised(pts, 5, sched, seed=3))
    assert not np.allclose(noised(pts, 5, sched, seed=3), noised(pts, 5, sched, seed=4))
    for bad in (-1, 50, 2.0):
        with pytest.raises(ValueError):
            noised(pts, bad, sched)


# ---------------------------------------------------------------------- model and fields
def test_denoiser_shapes_state_round_trip_and_score():
    model, config = tiny_model()
    grid = grid_points((-2, 2), (-1, 1), 5)
    assert grid.shape == (25, 2) and grid[:, 0].min() == -2 and grid[:, 1].max() == 1
    eps = eps_field(model, grid, 7)
    assert eps.shape == (25, 2) and np.isfinite(eps).all()
    copy = ToyDenoiser.from_state(state_to_numpy(model), config)
    np.testing.assert_allclose(eps_field(copy, grid, 7), eps, rtol=1e-6)
    sched = make_scheduler(config)
    np.testing.assert_allclose(score_field(model, grid, 7, sched),
                               -eps / math.sqrt(1 - alpha_bar(sched, 7)), rtol=1e-6)
    assert not np.allclose(eps_field(model, grid, 0), eps)      # t matters


def test_boxed_eps_only_changes_predictions_outside_the_box():
    model, config = tiny_model()
    sched = make_scheduler(config)
    boxed = BoxedEps(model, sched, box=1.0)
    x = torch.tensor([[0.1, -0.2], [3.0, 0.5]])
    t = torch.tensor([config.timesteps // 2] * 2)
    a = alpha_bar(sched, config.timesteps // 2)
    raw, clipped = model(x, t), boxed(x, t)
    x0_raw = (x - math.sqrt(1 - a) * raw) / math.sqrt(a)
    x0_new = (x - math.sqrt(1 - a) * clipped) / math.sqrt(a)
    inside = (x0_raw.abs() <= 1.0)
    torch.testing.assert_close(clipped[inside], raw[inside])
    torch.testing.assert_close(x0_new, x0_raw.clamp(-1, 1), atol=1e-4, rtol=1e-4)
    assert not inside.all()             # x = 3 at ᾱ ≈ 0.05: the raw x̂₀ is far outside


# ---------------------------------------------------------------------- samplers
def test_paths_have_every_frame_and_start_at_x_T():
    model, config = tiny_model(T=20)
    sched = make_scheduler(config)
    x_T = np.random.default_rng(0).standard_normal((64, 2)).astype(np.float32)
    for sampler in ("ddpm", "ddim"):
        paths = particle_paths(model, sched, x_T, sampler, seed=1)
        assert paths.shape == (21, 64, 2) and paths.dtype == np.float32
        np.testing.assert_array_equal(paths[0], x_T)
        assert np.isfinite(paths).all()
        assert np.abs(np.diff(paths, axis=0)).sum(-1).min(-1).max() > 0   # every step moves
    steps = list(iter_particle_paths(model, sched, x_T, "ddim"))
    assert steps == list(range(1, 21))


def test_ode_paths_are_deterministic_and_sde_paths_depend_on_the_seed():
    model, config = tiny_model(T=20)
    sched = make_scheduler(config)
    x_T = np.random.default_rng(0).standard_normal((64, 2)).astype(np.float32)
    ode_a = particle_paths(model, sched, x_T, "ddim", seed=1)
    ode_b = particle_paths(model.state_dict(), sched, x_T, "ddim", seed=2, config=config)
    np.testing.assert_allclose(ode_a, ode_b, atol=1e-6)
    sde_a = particle_paths(model, sched, x_T, "ddpm", seed=1)
    np.testing.assert_array_equal(sde_a, particle_paths(model, sched, x_T, "ddpm", seed=1))
    sde_b = particle_paths(model, sched, x_T, "ddpm", seed=2)
    assert np.abs(sde_a[-1] - sde_b[-1]).mean() > 0.05
    assert np.abs(sde_a[-1] - ode_a[-1]).mean() > 0.05


def test_paths_reject_bad_input():
    model, config = tiny_model()
    sched = make_scheduler(config)
    with pytest.raises(ValueError, match="sampler"):
        particle_paths(model, sched, np.zeros((4, 2)), "euler")
    with pytest.raises(ValueError, match="N×2"):
        particle_paths(model, sched, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="N×2"):
        particle_paths(model, sched, np.full((4, 2), np.nan))
    with pytest.raises(ValueError, match="Toy2DConfig"):
        particle_paths(model.state_dict(), sched, np.zeros((4, 2)))


def test_distance_to_data():
    data = np.array([[0.0, 0.0], [10.0, 0.0]], np.float32)
    paths = np.stack([data + [[0.0, 3.0]], data + [[0.5, 0.0]], data])   # 3 frames
    np.testing.assert_allclose(distance_to_data(paths, data), [3.0, 0.5, 0.0], atol=1e-6)


# ---------------------------------------------------------------------- training
def test_training_yields_steps_and_snapshots(trained_moons):
    trainer, events, result = trained_moons
    steps = [e for e in events if isinstance(e, Step)]
    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert [e.step for e in steps] == list(range(1, 501))
    assert all(e.total_steps == 500 and math.isfinite(e.losses["loss"]) for e in steps)
    assert [s.step for s in snaps] == [0, 100, 200, 300, 400, 500]
    assert isinstance(result, TrainResult) and result.steps == 500
    first = np.mean([e.losses["loss"] for e in steps[:30]])
    last = np.mean([e.losses["loss"] for e in steps[-100:]])
    assert last < 0.6 * first
    # the last snapshot is the trainer's EMA, and snapshots are copies that training moved on from
    final = trainer.state_numpy()
    assert all(np.array_equal(final[k], snaps[-1].state[k]) for k in final)
    assert any(not np.allclose(snaps[0].state[k], final[k]) for k in final)


def test_trained_samples_land_on_the_data(trained_moons):
    trainer, _, _ = trained_moons
    model = ToyDenoiser.from_state(trainer.state_numpy(), trainer.model_config)
    sched = make_scheduler(trainer.model_config)
    x_T = np.random.default_rng(1).standard_normal((400, 2)).astype(np.float32)
    data = make_points("moons", 1000, seed=5)
    noise_gap = nearest(x_T, data)
    for sampler in ("ddim", "ddpm"):
        end = particle_paths(model, sched, x_T, sampler, seed=3)[-1]
        assert nearest(end, data) < 0.4 * noise_gap, sampler
        raw = end * 0.708 + np.array([0.5, 0.25])        # both moons get their share
        off_upper = np.abs(np.hypot(raw[:, 0], raw[:, 1]) - 1)
        off_lower = np.abs(np.hypot(raw[:, 0] - 1, raw[:, 1] - 0.5) - 1)
        upper = off_upper < off_lower
        assert 0.3 < upper.mean() < 0.7, sampler
    # the score points towards the data: from a point off the moons, along −(x − nearest)
    far = np.array([[0.0, 2.5]], np.float32)
    s = score_field(model, far, 0, sched)[0]
    to_data = data[np.argmin(((data - far) ** 2).sum(1))] - far[0]
    assert np.dot(s, to_data) / (np.linalg.norm(s) * np.linalg.norm(to_data)) > 0.8


def test_training_refuses_bad_points_and_reports_divergence():
    with pytest.raises(ValueError, match="N×2"):
        ToyTrainer(np.zeros((10, 3)), Toy2DConfig())
    with pytest.raises(ValueError, match="NaN"):
        ToyTrainer(np.array([[0.0, np.inf]]), Toy2DConfig())
    huge = np.full((64, 2), 1e38, np.float32)
    with pytest.raises(TrainingDiverged, match="step 1"):
        for _ in train_toy(huge, Toy2DConfig(timesteps=20, hidden=16, depth=1),
                           ToyTrainConfig(steps=5, batch_size=8)):
            pass


@pytest.mark.parametrize("kwargs", [{"steps": 0}, {"batch_size": 0}, {"lr": 0.0},
                                    {"lr": float("nan")}, {"ema_decay": 1.0}])
def test_train_config_validation(kwargs):
    with pytest.raises(ValueError):
        ToyTrainConfig(**kwargs)


@pytest.mark.parametrize("kwargs", [{"schedule": "sigmoid"}, {"timesteps": 5}, {"hidden": 4},
                                    {"time_dim": 7}, {"box": -1.0}, {"x_freqs": 20}])
def test_model_config_validation(kwargs):
    with pytest.raises(ValueError):
        Toy2DConfig(**kwargs)
