"""The formulas the help pages print are the ones the models compute, and the misprints
they warn about are really different (and wrong in the way the pages say)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.autoencoder.nets import kl_to_standard_normal
from models.diffusion.scheduler import NoiseScheduler
from models.gan.losses import d_loss


def test_kl_as_printed_matches_the_model_and_a_monte_carlo_estimate():
    mu = torch.tensor([[0.0, 0.5, -1.2]])
    var = torch.tensor([[2.0, 0.3, 1.0]])
    printed = -0.5 * torch.sum(1 + var.log() - mu ** 2 - var)      # the help's formula
    assert torch.allclose(printed, kl_to_standard_normal(mu, var.log())[0])
    # KL(N(μ, σ²) ‖ N(0, 1)) = E_q[log q(z) − log p(z)], estimated by sampling
    g = torch.Generator().manual_seed(0)
    z = mu + var.sqrt() * torch.randn(400_000, 3, generator=g)
    log_q = -0.5 * ((z - mu) ** 2 / var + var.log() + math.log(2 * math.pi))
    log_p = -0.5 * (z ** 2 + math.log(2 * math.pi))
    assert float((log_q - log_p).sum(1).mean()) == pytest.approx(float(printed), abs=0.02)
    # the misprint is the negative: ≤ 0, e.g. −0.153 at μ = 0, σ² = 2 (the page's example)
    one = -0.5 * (1 + math.log(2.0) - 0 - 2.0)
    assert one == pytest.approx(0.153, abs=1e-3) and -one < 0


@pytest.fixture(scope="module")
def sched():
    return NoiseScheduler("linear", num_train_timesteps=1000, clip_sample=False)


def _coeffs(s, t):
    beta = float(s.betas.double()[t])
    a_t, abar, abar_prev = 1 - beta, float(s._acp(t)), float(s._acp(t - 1))
    return beta, a_t, abar, abar_prev


@pytest.mark.parametrize("t", [100, 500, 999])
def test_ddpm_step_as_printed_is_the_schedulers_and_the_misprints_are_not(sched, t):
    g = torch.Generator().manual_seed(t)
    x, eps = torch.randn(4, 8, generator=g, dtype=torch.float64), torch.randn(4, 8, generator=g,
                                                                              dtype=torch.float64)
    beta, a_t, abar, _ = _coeffs(sched, t)
    zero = torch.zeros_like(x)
    ours = sched.step_ddpm(eps, t, x, noise=zero).prev_sample
    printed = (x - beta / math.sqrt(1 - abar) * eps) / math.sqrt(a_t)
    assert torch.allclose(ours, printed, atol=1e-6)
    abar_misprint = (x - beta / math.sqrt(1 - abar) * eps) / math.sqrt(abar)
    eps_misprint = (x - math.sqrt(1 - a_t) / math.sqrt(1 - abar) * eps) / math.sqrt(a_t)
    assert not torch.allclose(ours, abar_misprint, atol=1e-3)
    assert not torch.allclose(ours, eps_misprint, atol=1e-3)
    if t == 999:   # "divides by almost 0 and the sample explodes"
        assert abar_misprint.abs().max() > 50 * ours.abs().max()


@pytest.mark.parametrize("t", [10, 500, 999])
def test_posterior_mean_as_printed_is_ddims_eta_1_step_and_the_misprint_is_not(sched, t):
    """DDIM with η = 1 over all T steps is DDPM's sampler with σ² = β̃: its mean (noise 0)
    is the posterior mean μ̃_t(x_t, x̂₀)."""
    g = torch.Generator().manual_seed(t)
    x, eps = torch.randn(4, 8, generator=g, dtype=torch.float64), torch.randn(4, 8, generator=g,
                                                                              dtype=torch.float64)
    beta, a_t, abar, abar_prev = _coeffs(sched, t)
    out = sched.step(eps, t, x, eta=1.0, noise=torch.zeros_like(x))
    x0 = out.pred_original_sample
    printed = (math.sqrt(abar_prev) * beta / (1 - abar) * x0
               + math.sqrt(a_t) * (1 - abar_prev) / (1 - abar) * x)
    assert torch.allclose(out.prev_sample, printed, atol=1e-6)
    misprint = (math.sqrt(abar_prev) * beta / (1 - abar) * x0
                + math.sqrt(abar) * (1 - abar_prev) / (1 - abar) * x)
    assert not torch.allclose(out.prev_sample, misprint, atol=1e-3)
    # the page's check: without noise, x_t = √ᾱ_t x₀ must step back to √ᾱ_{t−1} x₀
    x0 = torch.ones(3, dtype=torch.float64)
    xt = math.sqrt(abar) * x0
    mean = (math.sqrt(abar_prev) * beta / (1 - abar) * x0
            + math.sqrt(a_t) * (1 - abar_prev) / (1 - abar) * xt)
    assert torch.allclose(mean, math.sqrt(abar_prev) * x0)


def test_gan_d_is_the_probability_of_real():
    """The app's D loss is small when D says 'real' (logit ≫ 0) on real data and 'fake' on
    G's samples: D(x) = σ(logit) = P(x is real), as the pages print."""
    confident_right = d_loss(torch.full((8,), 6.0), torch.full((8,), -6.0), "minimax")
    confident_wrong = d_loss(torch.full((8,), -6.0), torch.full((8,), 6.0), "minimax")
    assert float(confident_right) < 0.01 < 10 < float(confident_wrong)
    # −E log D(x) − E log(1 − D(G(z))) with D = sigmoid(logit)
    r, f = torch.tensor([0.3, -1.0]), torch.tensor([0.8, -0.2])
    printed = -(torch.sigmoid(r).log().mean() + (1 - torch.sigmoid(f)).log().mean())
    assert torch.allclose(d_loss(r, f, "minimax"), printed, atol=1e-6)


def test_the_pages_print_these_formulas():
    from playground.help import all_pages
    from playground.help.autoencoder import KL
    from playground.help.diffusion import DDPM_STEP, POSTERIOR_MEAN
    from playground.help.gan import MINIMAX
    pages = {p.key: p.body for p in all_pages()}
    assert KL in pages["autoencoder"]
    assert DDPM_STEP in pages["diffusion-reverse"] and POSTERIOR_MEAN in pages["diffusion-reverse"]
    assert "(1/√α<sub>t</sub>)" in DDPM_STEP and "β<sub>t</sub>/√(1 − ᾱ<sub>t</sub>)" in DDPM_STEP
    assert "√α<sub>t</sub> (1 − ᾱ<sub>t−1</sub>)" in POSTERIOR_MEAN
    assert KL.startswith("KL(") and "= −½" in KL
    assert MINIMAX in pages["gan-lab"] and MINIMAX in pages["gan-digits"]
    assert "P(x is real)" in MINIMAX
    np.testing.assert_(all("Try this first" in b and "What to look for" in b for b in pages.values()))


def test_every_family_with_a_panel_has_a_help_module_found_by_its_name():
    from models.family import families
    from playground.help import family_modules
    with_panel = [f.name for f in families() if f.panel]
    assert with_panel and set(with_panel) <= set(family_modules())
