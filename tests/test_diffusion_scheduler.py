"""NoiseScheduler against the published formulas, each recomputed here independently in float64.

Ho et al. 2020 (DDPM, linear β and Algorithm 2), Nichol & Dhariwal 2021 (cosine ᾱ),
Song et al. 2021 (DDIM, eq. 12). Code index i is the paper's t = i + 1.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch

from models.diffusion import SCHEDULES, NoiseScheduler, betas_for

T = 1000


# --------------------------------------------------------------------------- reference maths

def ref_betas(schedule: str, n: int) -> list[float]:
    """β_1..β_n written out from the papers, one Python float at a time."""
    if schedule == "linear":
        return [1e-4 + (0.02 - 1e-4) * i / (n - 1) if n > 1 else 1e-4 for i in range(n)]
    if schedule == "quadratic":
        lo, hi = math.sqrt(1e-4), math.sqrt(0.02)
        return [(lo + (hi - lo) * i / (n - 1)) ** 2 if n > 1 else 1e-4 for i in range(n)]
    f = [cosine_f(t, n) for t in range(n + 1)]
    return [min(1 - f[t] / f[t - 1], 0.999) for t in range(1, n + 1)]


def cosine_f(t: float, n: int, s: float = 0.008) -> float:
    return math.cos((t / n + s) / (1 + s) * math.pi / 2) ** 2


@functools.lru_cache(maxsize=None)
def ref_alpha_bar(schedule: str, n: int) -> tuple[float, ...]:
    """ᾱ_t = Π_{i ≤ t} (1 − β_i) by a running product."""
    out, product = [], 1.0
    for beta in ref_betas(schedule, n):
        product *= 1 - beta
        out.append(product)
    return tuple(out)


def oracle_eps(x_t: torch.Tensor, x0: torch.Tensor, a: float) -> torch.Tensor:
    """The exact ε for a data set of one point x0: ε = (x_t − √ᾱ x0)/√(1 − ᾱ)."""
    return (x_t - math.sqrt(a) * x0) / math.sqrt(1 - a)


def data_point(low: float = -0.95, high: float = 0.95, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (low + (high - low) * torch.rand((1, 1, 5, 5), generator=g)).double()


# --------------------------------------------------------------------------- schedules

@pytest.mark.parametrize("schedule", ["linear", "quadratic"])
@pytest.mark.parametrize("n", [1, 10, 1000, 4000])
def test_polynomial_schedules_match_the_product_formula(schedule, n):
    sched = NoiseScheduler(schedule, n)
    ref = ref_alpha_bar(schedule, n)
    for t in sorted({0, 1, n // 3, n // 2, n - 2, n - 1} & set(range(n))):
        assert float(sched.alphas_cumprod[t]) == pytest.approx(ref[t], rel=2e-6)
    np.testing.assert_allclose(betas_for(schedule, n), ref_betas(schedule, n), rtol=1e-12)
    assert float(sched.betas[0]) == pytest.approx(1e-4, rel=1e-6)
    if n > 1:
        assert float(sched.betas[-1]) == pytest.approx(0.02, rel=1e-6)


def test_known_values_of_the_linear_schedule():
    # ᾱ_T for DDPM's schedule is about 4.0e-5 (Ho et al.'s L_T ≈ 1e-5 bits/dim rests on it)
    acp = NoiseScheduler("linear", 1000).alphas_cumprod
    assert float(acp[-1]) == pytest.approx(4.036e-5, rel=1e-3)
    assert float(acp[0]) == pytest.approx(1 - 1e-4, rel=1e-7)


@pytest.mark.parametrize("n", [10, 50, 1000, 4000])
def test_cosine_schedule_follows_the_closed_form_until_the_cap(n):
    sched = NoiseScheduler("cosine", n)
    raw = [1 - cosine_f(t, n) / cosine_f(t - 1, n) for t in range(1, n + 1)]
    capped = [i for i, b in enumerate(raw) if b > 0.999]
    assert capped == [n - 1]  # f(T) = 0, so only the very last β would reach 1
    for t in range(n - 1):
        expected = cosine_f(t + 1, n) / cosine_f(0, n)
        assert float(sched.alphas_cumprod[t]) == pytest.approx(expected, rel=1e-5, abs=1e-12), t
    betas = sched.betas.numpy()
    assert betas.max() <= np.float32(0.999) and betas[-1] == np.float32(0.999)
    assert betas.min() > 0
    # the cap keeps ᾱ_T above zero, so x̂_0 = (x_T − √(1−ᾱ_T) ε)/√ᾱ_T stays finite
    last = cosine_f(n - 1, n) / cosine_f(0, n) * (1 - 0.999)
    assert float(sched.alphas_cumprod[-1]) == pytest.approx(last, rel=1e-4)
    assert torch.isfinite(sched.log_snr).all()


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("n", [2, 50, 1000])
def test_tables_are_float32_of_length_T_and_alpha_bar_falls(schedule, n):
    sched = NoiseScheduler(schedule, n)
    for table in (sched.betas, sched.alphas_cumprod, sched.log_snr):
        assert isinstance(table, torch.Tensor) and table.dtype == torch.float32
        assert table.shape == (n,)
    acp = sched.alphas_cumprod.double()
    assert (acp[1:] < acp[:-1]).all() and 0 < float(acp[-1]) and float(acp[0]) < 1
    ref = np.array(ref_alpha_bar(schedule, n))  # float64: 1 − ᾱ loses digits in float32
    np.testing.assert_allclose(sched.log_snr.numpy(), np.log(ref / (1 - ref)), rtol=1e-5)
    assert (sched.log_snr[1:] < sched.log_snr[:-1]).all()


def test_more_timesteps_mean_smaller_steps():
    short, long = NoiseScheduler("linear", 100), NoiseScheduler("linear", 1000)
    assert float(short.betas[1]) > float(long.betas[1])
    # the cosine schedule is defined on t/T, so ᾱ at the same fraction of T agrees
    c100, c1000 = NoiseScheduler("cosine", 100), NoiseScheduler("cosine", 1000)
    assert float(c100.alphas_cumprod[49]) == pytest.approx(float(c1000.alphas_cumprod[499]), rel=1e-5)


@pytest.mark.parametrize("args", [("sigmoid", 1000), ("Linear", 1000), ("linear", 0), ("cosine", -5),
                                  ("linear", 2.5), ("linear", True), ("linear", "1000"),
                                  ("linear", 100_001)])
def test_invalid_schedule_or_T_is_refused(args):
    with pytest.raises(ValueError):
        NoiseScheduler(*args)
    with pytest.raises(ValueError):
        betas_for(*args)


# --------------------------------------------------------------------------- forward process

def test_add_noise_takes_one_timestep_per_sample():
    sched = NoiseScheduler("cosine", T)
    g = torch.Generator().manual_seed(1)
    x0, noise = torch.rand((4, 1, 28, 28), generator=g) * 2 - 1, torch.randn((4, 1, 28, 28), generator=g)
    t = torch.tensor([0, 10, 500, 999])
    x_t = sched.add_noise(x0, noise, t)
    assert x_t.shape == x0.shape
    ref = ref_alpha_bar("cosine", T)
    for i, ti in enumerate(t.tolist()):
        a = ref[ti]
        torch.testing.assert_close(x_t[i], math.sqrt(a) * x0[i] + math.sqrt(1 - a) * noise[i],
                                   rtol=1e-5, atol=1e-5)
    # one timestep for the whole batch broadcasts
    torch.testing.assert_close(sched.add_noise(x0, noise, 500),
                               sched.add_noise(x0, noise, torch.full((4,), 500)))
    with pytest.raises(ValueError):
        sched.add_noise(x0, noise, torch.tensor([0, 1, 2, T]))
    with pytest.raises(ValueError):
        sched.add_noise(x0, noise, -1)


@pytest.mark.parametrize("schedule,t", [("linear", 250), ("cosine", 500), ("quadratic", 700),
                                        ("linear", 999)])
def test_add_noise_has_the_moments_of_q_xt_given_x0(schedule, t):
    n = 20_000
    sched = NoiseScheduler(schedule, T)
    x0 = data_point(-1, 1, seed=2).reshape(1, -1).float()  # 25 "pixels"
    noise = torch.randn((n, x0.shape[1]), generator=torch.Generator().manual_seed(3))
    x_t = sched.add_noise(x0.expand(n, -1), noise, torch.full((n,), t)).double()
    a = ref_alpha_bar(schedule, T)[t]
    mean, var = x_t.mean(0), x_t.var(0)
    # standard errors of a sample mean and a Gaussian sample variance; 5 of them per pixel
    se_mean = math.sqrt((1 - a) / n)
    se_var = (1 - a) * math.sqrt(2 / (n - 1))
    assert (mean - math.sqrt(a) * x0[0].double()).abs().max() < 5 * se_mean
    assert (var - (1 - a)).abs().max() < 5 * se_var


# --------------------------------------------------------------------------- set_timesteps

@pytest.mark.parametrize("n", [1, 7, 50, 999, 1000])
def test_set_timesteps_gives_S_evenly_spaced_descending_steps_for_every_S(n):
    sched = NoiseScheduler("linear", n)
    for S in range(1, n + 1):
        sched.set_timesteps(S)
        ts = sched.timesteps.tolist()
        assert len(ts) == S == sched.num_inference_steps, (n, S)
        assert ts[0] == n - 1 and ts[-1] >= 0, (n, S)
        assert all(a > b for a, b in zip(ts, ts[1:])), (n, S)
        gaps = np.diff([n - 1 - x for x in [*ts, -1]][::-1])  # spacing, including down to −1
        assert gaps.max() - gaps.min() <= 1, (n, S)


def test_set_timesteps_exact_lists():
    sched = NoiseScheduler("cosine", 1000)
    sched.set_timesteps(50)
    assert sched.timesteps.tolist() == list(range(999, -1, -20))
    assert sched.timesteps.dtype == torch.long
    sched.set_timesteps(3)
    assert sched.timesteps.tolist() == [999, 666, 332]
    sched.set_timesteps(1000)
    assert sched.timesteps.tolist() == list(range(999, -1, -1))
    sched.set_timesteps(1)
    assert sched.timesteps.tolist() == [999]


@pytest.mark.parametrize("bad", [0, -1, T + 1, 2.5, "10", True, None])
def test_set_timesteps_refuses_bad_counts(bad):
    sched = NoiseScheduler("linear", T)
    with pytest.raises(ValueError):
        sched.set_timesteps(bad)


# --------------------------------------------------------------------------- DDIM with an oracle

@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("S", [1, 7, 50, 1000])
@pytest.mark.parametrize("clip", [True, False])
def test_ddim_with_an_exact_oracle_reconstructs_x0(schedule, S, clip):
    sched = NoiseScheduler(schedule, T, clip_sample=clip)
    ref = ref_alpha_bar(schedule, T)
    x0 = data_point()
    x = torch.randn(x0.shape, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    sched.set_timesteps(S)
    implied = oracle_eps(x, x0, ref[T - 1])
    eps_error = x0_error = 0.0
    for t in sched.timesteps.tolist():
        eps = oracle_eps(x, x0, ref[t])
        # η = 0 keeps the implied noise fixed along the whole trajectory
        eps_error = max(eps_error, float((eps - implied).abs().max()))
        out = sched.step(eps, t, x, eta=0.0)
        x0_error = max(x0_error, float((out.pred_original_sample - x0).abs().max()))
        x = out.prev_sample
    assert x.dtype == torch.float64
    assert eps_error < 1e-6 and x0_error < 1e-7
    torch.testing.assert_close(x, x0, rtol=0, atol=1e-7)


def test_clipping_bounds_the_predicted_x0():
    x0 = data_point(-1.6, 1.6, seed=5)
    assert x0.abs().max() > 1.2
    ref = ref_alpha_bar("linear", T)
    results = {}
    for clip in (True, False):
        sched = NoiseScheduler("linear", T, clip_sample=clip)
        sched.set_timesteps(10)
        x = torch.randn(x0.shape, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
        for t in sched.timesteps.tolist():
            out = sched.step(oracle_eps(x, x0, ref[t]), t, x)
            x = out.prev_sample
        results[clip] = x
    torch.testing.assert_close(results[False], x0, rtol=0, atol=1e-7)
    torch.testing.assert_close(results[True], x0.clamp(-1, 1), rtol=0, atol=1e-7)
    # with clipping, the step re-derives ε̂ from the clipped x̂_0 (as diffusers' DDIM does),
    # so x_prev lies on the line between x_t and the clipped x̂_0
    sched = NoiseScheduler("linear", T, clip_sample=True)
    sched.set_timesteps(10)
    x = torch.randn(x0.shape, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    out = sched.step(oracle_eps(x, x0, ref[999]), 999, x)
    c, a_t, a_p = x0.clamp(-1, 1), ref[999], ref[899]
    eps = (x - math.sqrt(a_t) * c) / math.sqrt(1 - a_t)
    torch.testing.assert_close(out.prev_sample, math.sqrt(a_p) * c + math.sqrt(1 - a_p) * eps)


# --------------------------------------------------------------------------- DDIM's η and DDPM

def _tensors(seed: int, shape=(2, 1, 4, 4)):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=g, dtype=torch.float64) for _ in range(3)]


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_ddim_with_eta_1_and_all_steps_is_ddpm_with_the_posterior_variance(schedule):
    n = 50
    sched = NoiseScheduler(schedule, n, clip_sample=False)
    sched.set_timesteps(n)
    for t in (n - 1, 30, 1, 0):
        x, eps, z = _tensors(t)
        ddim = sched.step(eps, t, x, eta=1.0, noise=z)
        ddpm = sched.step_ddpm(eps, t, x, variance="posterior", noise=z)
        torch.testing.assert_close(ddim.prev_sample, ddpm.prev_sample, rtol=1e-9, atol=1e-9)
        torch.testing.assert_close(ddim.pred_original_sample, ddpm.pred_original_sample)
    # whole chains, fed the same noise, end in the same place
    x_ddim = x_ddpm = _tensors(99)[0]
    for t in range(n - 1, -1, -1):
        z = _tensors(1000 + t)[2]
        fake_model = lambda x: 0.5 * x + 0.01 * t  # noqa: E731
        x_ddim = sched.step(fake_model(x_ddim), t, x_ddim, eta=1.0, noise=z).prev_sample
        x_ddpm = sched.step_ddpm(fake_model(x_ddpm), t, x_ddpm, variance="posterior", noise=z).prev_sample
    torch.testing.assert_close(x_ddim, x_ddpm, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("t", [700, 1, 0])
def test_step_ddpm_is_algorithm_2(t):
    sched = NoiseScheduler("linear", T, clip_sample=False)
    betas, acp = ref_betas("linear", T), ref_alpha_bar("linear", T)
    x, eps, z = _tensors(t + 7)
    beta, a = betas[t], acp[t]
    mean = (x - beta / math.sqrt(1 - a) * eps) / math.sqrt(1 - beta)
    post = beta * (1 - (acp[t - 1] if t else 1.0)) / (1 - a)
    for variance, var in (("beta", beta), ("posterior", post)):
        out = sched.step_ddpm(eps, t, x, variance=variance, noise=z)
        expected = mean + (math.sqrt(var) * z if t > 0 else 0)
        torch.testing.assert_close(out.prev_sample, expected, rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(out.pred_original_sample, (x - math.sqrt(1 - a) * eps) / math.sqrt(a))
    if t == 0:  # the last step adds no noise at all
        other = sched.step_ddpm(eps, t, x, noise=torch.ones_like(z)).prev_sample
        torch.testing.assert_close(other, mean)
    with pytest.raises(ValueError):
        sched.step_ddpm(eps, t, x, variance="learned", noise=z)


@pytest.mark.parametrize("eta", [0.0, 0.3, 0.8, 1.0])
def test_ddim_sigma_and_update_match_eq_12(eta):
    sched = NoiseScheduler("quadratic", T, clip_sample=False)
    sched.set_timesteps(10)
    t, prev = sched.timesteps.tolist()[3:5]
    assert (t, prev) == (699, 599)
    acp = ref_alpha_bar("quadratic", T)
    a_t, a_p = acp[t], acp[prev]
    sigma = eta * math.sqrt((1 - a_p) / (1 - a_t)) * math.sqrt(1 - a_t / a_p)
    x, eps, z = _tensors(11)
    x0 = (x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
    expected = math.sqrt(a_p) * x0 + math.sqrt(1 - a_p - sigma ** 2) * eps + sigma * z
    out = sched.step(eps, t, x, eta=eta, noise=z)
    torch.testing.assert_close(out.prev_sample, expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(out.pred_original_sample, x0)
    # the noise enters with weight σ exactly
    shifted = sched.step(eps, t, x, eta=eta, noise=z + 1).prev_sample
    torch.testing.assert_close(shifted - out.prev_sample, torch.full_like(x, sigma), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("eta", [-0.1, 1.01, math.nan, math.inf])
def test_eta_outside_0_1_is_refused(eta):
    sched = NoiseScheduler("linear", T)
    x, eps, _ = _tensors(0)
    with pytest.raises(ValueError):
        sched.step(eps, 999, x, eta=eta)


@pytest.mark.parametrize("t", [-1, T])
def test_timesteps_outside_the_table_are_refused(t):
    sched = NoiseScheduler("linear", T)
    x, eps, _ = _tensors(0)
    with pytest.raises(ValueError):
        sched.step(eps, t, x)
    with pytest.raises(ValueError):
        sched.step_ddpm(eps, t, x)


def test_steps_with_a_generator_are_reproducible():
    sched = NoiseScheduler("cosine", T)
    sched.set_timesteps(20)
    x, eps, _ = (v.float() for v in _tensors(12))

    def run(seed, method):
        g = torch.Generator().manual_seed(seed)
        if method == "ddim":
            return sched.step(eps, 949, x, eta=0.7, generator=g).prev_sample
        return sched.step_ddpm(eps, 949, x, generator=g).prev_sample

    for method in ("ddim", "ddpm"):
        a, b, c = run(5, method), run(5, method), run(6, method)
        assert a.dtype == torch.float32 and a.shape == x.shape
        torch.testing.assert_close(a, b, rtol=0, atol=0)
        assert (a - c).abs().max() > 1e-3


def test_ddim_timesteps_end_at_T_over_S_not_at_1():
    # 1-based like the papers: T, T − T/S, …, T/S, then one jump to x_0
    from models.diffusion.scheduler import spaced_timesteps
    assert (spaced_timesteps(1000, 50) + 1).tolist()[-1] == 20
    assert (spaced_timesteps(1000, 4) + 1).tolist() == [1000, 750, 500, 250]
    assert (spaced_timesteps(10, 10) + 1).tolist()[-1] == 1
    sched = NoiseScheduler("linear", 1000)
    sched.set_timesteps(50)
    assert sched.timesteps.tolist() == spaced_timesteps(1000, 50).tolist()
    assert sched.previous_timestep(int(sched.timesteps[-1])) == -1    # then x_0
