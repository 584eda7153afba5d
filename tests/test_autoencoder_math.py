"""The autoencoder's maths against closed forms and independent estimates."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.autoencoder.nets import (AEConfig, Autoencoder, build_model, kl_to_standard_normal,
                                loss_terms, reconstruction_bce, reparameterize)


# --------------------------------------------------------------------------- KL divergence

def _mc_kl(mu: np.ndarray, logvar: np.ndarray, n: int, seed: int) -> tuple[float, float]:
    """Monte-Carlo KL(q ‖ p) = E_q[log q(z) − log p(z)] and its standard error."""
    rng = np.random.default_rng(seed)
    sigma = np.exp(0.5 * logvar)
    eps = rng.standard_normal((n, len(mu)))
    z = mu + sigma * eps
    # log q − log p, per sample; the log 2π terms cancel
    log_ratio = (-0.5 * logvar - 0.5 * eps ** 2 + 0.5 * z ** 2).sum(1)
    return float(log_ratio.mean()), float(log_ratio.std(ddof=1) / math.sqrt(n))


@pytest.mark.parametrize("dim,seed", [(2, 0), (2, 1), (5, 2), (5, 3)])
def test_kl_matches_monte_carlo(dim, seed):
    rng = np.random.default_rng(100 + seed)
    mu = rng.normal(0.0, 1.0, dim)
    logvar = rng.uniform(-1.5, 1.0, dim)
    closed = float(kl_to_standard_normal(torch.tensor(mu)[None], torch.tensor(logvar)[None])[0])
    estimate, se = _mc_kl(mu, logvar, 200_000, seed)
    assert se > 0
    assert abs(closed - estimate) < 5 * se, (closed, estimate, se)


def test_kl_is_per_sample_and_sums_over_dimensions():
    rng = np.random.default_rng(7)
    mu, logvar = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    kl = kl_to_standard_normal(torch.tensor(mu), torch.tensor(logvar)).numpy()
    assert kl.shape == (4,)
    expected = 0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar).sum(1)
    np.testing.assert_allclose(kl, expected, rtol=1e-12)
    # dimensions add: the KL of the 3-D Gaussian is the sum of its 1-D marginals' KLs
    per_dim = [kl_to_standard_normal(torch.tensor(mu[:, [j]]), torch.tensor(logvar[:, [j]])).numpy()
               for j in range(3)]
    np.testing.assert_allclose(kl, np.sum(per_dim, 0), rtol=1e-12)


def test_kl_is_zero_exactly_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(3, 5)
    assert torch.equal(kl_to_standard_normal(zeros, zeros), torch.zeros(3))
    rng = np.random.default_rng(8)
    mu, logvar = torch.tensor(rng.normal(size=(50, 5))), torch.tensor(rng.normal(size=(50, 5)))
    assert (kl_to_standard_normal(mu, logvar) > 0).all()


# --------------------------------------------------------------------------- reparameterisation

def test_reparameterize_uses_the_generator_and_has_the_right_gradients():
    rng = np.random.default_rng(9)
    mu = torch.tensor(rng.normal(size=(6, 4)), requires_grad=True)
    logvar = torch.tensor(rng.normal(size=(6, 4)), requires_grad=True)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(42))
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(42), dtype=mu.dtype)
    torch.testing.assert_close(z, mu + torch.exp(0.5 * logvar) * eps)

    # each z_i depends on mu_i and logvar_i only, so d(sum z)/d· gives the elementwise derivatives
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None
    assert torch.isfinite(mu.grad).all() and torch.isfinite(logvar.grad).all()
    torch.testing.assert_close(mu.grad, torch.ones_like(mu))
    expected = 0.5 * torch.exp(0.5 * logvar.detach()) * eps
    torch.testing.assert_close(logvar.grad, expected)
    assert (logvar.grad != 0).all()


def test_reparameterize_samples_have_the_requested_moments():
    mu = torch.tensor([[1.5, -2.0]]).expand(100_000, 2)
    logvar = torch.tensor([[math.log(4.0), math.log(0.25)]]).expand(100_000, 2)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(0)).double()
    n = len(z)
    torch.testing.assert_close(z.mean(0), torch.tensor([1.5, -2.0], dtype=torch.float64),
                               atol=5 * 2.0 / math.sqrt(n), rtol=0)
    # the standard error of a sample variance is σ² √(2/n)
    torch.testing.assert_close(z.var(0), torch.tensor([4.0, 0.25], dtype=torch.float64),
                               atol=0, rtol=5 * math.sqrt(2 / n))


# --------------------------------------------------------------------------- reconstruction

def test_reconstruction_bce_matches_the_bernoulli_log_likelihood():
    rng = np.random.default_rng(10)
    logits = rng.normal(0, 3, size=(5, 1, 28, 28))
    x = rng.uniform(size=(5, 28, 28))  # non-binary targets too
    x[0] = (x[0] > 0.5)                 # and a binary one
    got = reconstruction_bce(torch.tensor(logits), torch.tensor(x)).numpy()
    p = 1 / (1 + np.exp(-logits.reshape(5, -1)))
    xf = x.reshape(5, -1)
    expected = -(xf * np.log(p) + (1 - xf) * np.log(1 - p)).sum(1)
    assert got.shape == (5,)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_reconstruction_bce_is_stable_for_large_logits():
    logits = torch.tensor([[80.0, -80.0]]).repeat(1, 392).reshape(1, 1, 28, 28)
    x = torch.tensor([[1.0, 0.0]]).repeat(1, 392).reshape(1, 28, 28)
    out = reconstruction_bce(logits, x)
    assert torch.isfinite(out).all()
    # each pixel costs log(1 + e^-80)
    torch.testing.assert_close(out, torch.tensor([784 * math.log1p(math.exp(-80.0))]))
    wrong = reconstruction_bce(logits, 1 - x)
    torch.testing.assert_close(wrong, torch.tensor([784 * (80 + math.log1p(math.exp(-80.0)))]))


def test_loss_terms_combine_recon_and_beta_weighted_kl():
    torch.manual_seed(0)
    model = build_model(AEConfig(kind="vae", arch="mlp", latent_dim=3, hidden=32))
    x = torch.rand(7, 28, 28)
    beta = 2.5
    terms = loss_terms(model, x, beta, torch.Generator().manual_seed(5))
    assert set(terms) == {"loss", "recon", "kl"}
    mu, logvar = model.encode(x)
    z = reparameterize(mu, logvar, torch.Generator().manual_seed(5))
    recon = reconstruction_bce(model.decode_logits(z), x).mean()
    kl = kl_to_standard_normal(mu, logvar).mean()
    torch.testing.assert_close(terms["recon"], recon)
    torch.testing.assert_close(terms["kl"], kl)
    torch.testing.assert_close(terms["loss"], recon + beta * kl)


def test_plain_autoencoder_loss_is_the_reconstruction_of_the_mean_code():
    torch.manual_seed(0)
    model = build_model(AEConfig(kind="ae", arch="conv", latent_dim=2, hidden=32))
    x = torch.rand(4, 28, 28)
    terms = loss_terms(model, x, beta=3.0)
    assert set(terms) == {"loss", "recon"}
    mu, logvar = model.encode(x)
    assert logvar is None
    torch.testing.assert_close(terms["loss"], reconstruction_bce(model.decode_logits(mu), x).mean())


# --------------------------------------------------------------------------- shapes and sizes

@pytest.mark.parametrize("arch", ["conv", "mlp"])
@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("latent_dim", [1, 2, 8])
def test_shapes(arch, kind, latent_dim):
    torch.manual_seed(0)
    model = Autoencoder(AEConfig(kind=kind, arch=arch, latent_dim=latent_dim))
    x = torch.rand(3, 28, 28)
    mu, logvar = model.encode(x)
    assert mu.shape == (3, latent_dim)
    if kind == "vae":
        assert logvar is not None and logvar.shape == (3, latent_dim)
    else:
        assert logvar is None
    # N×1×28×28 input is the same as N×28×28
    torch.testing.assert_close(model.encode(x[:, None])[0], mu)
    out = model.decode(mu)
    assert out.shape == (3, 1, 28, 28)
    assert ((out >= 0) & (out <= 1)).all()
    torch.testing.assert_close(out, torch.sigmoid(model.decode_logits(mu)))
    logits, mu2, logvar2 = model(x, torch.Generator().manual_seed(0))
    assert logits.shape == (3, 1, 28, 28)
    torch.testing.assert_close(mu2, mu)
    if kind == "ae":  # no sampling: the forward pass decodes the mean
        torch.testing.assert_close(logits, model.decode_logits(mu))


def _linear(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def test_mlp_vae_has_the_pytorch_examples_parameter_count():
    model = build_model(AEConfig(kind="vae", arch="mlp", latent_dim=20))
    fc1, fc21, fc22, fc3, fc4 = (_linear(784, 400), _linear(400, 20), _linear(400, 20),
                                 _linear(20, 400), _linear(400, 784))
    assert sum(p.numel() for p in model.parameters()) == fc1 + fc21 + fc22 + fc3 + fc4
    # the plain AE drops the log-variance head (fc22)
    ae = build_model(AEConfig(kind="ae", arch="mlp", latent_dim=20))
    assert sum(p.numel() for p in ae.parameters()) == fc1 + fc21 + fc3 + fc4


# --------------------------------------------------------------------------- configuration

def test_config_defaults_and_round_trip():
    assert AEConfig(arch="conv").hidden == 256
    assert AEConfig(arch="mlp").hidden == 400
    cfg = AEConfig(kind="ae", arch="mlp", latent_dim=7, hidden=64)
    assert not cfg.variational and AEConfig(kind="vae").variational
    assert AEConfig.from_dict({**cfg.to_dict(), "unrelated": 1}) == cfg


@pytest.mark.parametrize("kwargs", [
    {"kind": "gan"}, {"kind": "VAE"}, {"arch": "resnet"},
    {"latent_dim": 0}, {"latent_dim": -1}, {"latent_dim": 257},
    {"hidden": 7}, {"hidden": 4097},
])
def test_config_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        AEConfig(**kwargs)


@pytest.mark.parametrize("bad", [2.5, "2"])
def test_config_rejects_non_integer_latent_dim(bad):
    with pytest.raises((ValueError, TypeError)):
        AEConfig(latent_dim=bad)
