"""What each kind of autoencoder minimises, and the optimiser steps that minimise it.

    ae    BCE(x, dec(enc(x)))
    vae   BCE + β · KL(q(z|x) ‖ N(0, I))          (β-VAE; free bits and KL warm-up optional)
    hvae  BCE + β · (KL(q(z₂|x) ‖ p(z₂)) + KL(q(z₁|x, z₂) ‖ p(z₁|z₂)))
    aae   BCE, then the critic D(z) learns prior draws (1) from codes (0), then the encoder
          learns to fool it: the paper's three phases, each its own optimiser step
    wae   ‖x − dec(enc(x))‖² + λ · MMD²(codes, prior draws)      (WAE-MMD), or
          ‖x − dec(enc(x))‖² + λ · (−log D(enc(x))), D trained as the AAE's  (WAE-GAN)

The WAE's cost is the squared Euclidean distance, as in the paper's experiments (λ = 10 for
MMD, 1 for the GAN penalty there). Every term is a per-image mean.

Free bits (Kingma et al. 2016): each latent dimension's KL, averaged over the batch, counts
as at least λ_fb nats, so the optimiser gains nothing by pushing it below: Σⱼ max(λ_fb, KLⱼ).
KL warm-up (Bowman et al. 2016): β grows linearly from 0 to its value over the first steps.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .mmd import mmd2_unbiased
from .priors import MIXTURE_STD, mixture_means, sample_prior


def binarize(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """A binary image drawn pixel-wise from the grey one (dynamic binarisation): the PixelCNN
    decoder models binary pixels, as the Likelihood panel's models do."""
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return (u < x).to(x.dtype)


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) of each latent dimension, averaged over the rows: a d-vector."""
    return (0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)).mean(0)


def kl_penalty(kl_dims: torch.Tensor, free_bits: float) -> torch.Tensor:
    """Σⱼ max(λ, KLⱼ): with λ = 0 the plain KL."""
    return kl_dims.clamp(min=free_bits).sum() if free_bits > 0 else kl_dims.sum()


def squared_error(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """‖x − σ(logits)‖² per image (the WAE's cost c)."""
    return (torch.sigmoid(logits) - x.reshape(logits.shape)).pow(2).flatten(1).sum(1)


def bce(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    x = x.reshape(logits.shape)
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


_VARIANCE: dict = {}


def prior_variance(config) -> float:
    """The prior's variance per dimension, which sets the IMQ kernel's scale C = 2dσ²:
    1 for N(0, I), estimated once from 20,000 draws for the shaped priors."""
    if config.prior == "gaussian":
        return 1.0
    key = (config.prior, config.prior_points)
    if key not in _VARIANCE:
        g = torch.Generator().manual_seed(0)
        z = sample_prior(config.prior, 20_000, g, 2, config.prior_points or None)
        _VARIANCE[key] = float(z.var(0).mean())
    return _VARIANCE[key]


def draw_prior(config, n: int, generator: torch.Generator | None, device,
               labels: torch.Tensor | None = None) -> torch.Tensor:
    """n prior draws on `device` (from a CPU generator: the same draws on any device). With
    `labels` (the supervised AAE), row i comes from mixture component labels[i] mod 10."""
    if labels is not None:
        means = torch.from_numpy(mixture_means())
        which = labels.cpu().long() % len(means)
        z = means[which] + MIXTURE_STD * torch.randn(n, 2, generator=generator)
    else:
        z = sample_prior(config.prior, n, generator, config.latent_dim,
                         config.prior_points or None)
    return z.to(device)


def critic_input(config, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    if not config.supervised:
        return z
    return torch.cat([z, F.one_hot(labels.long() % 10, 10).to(z.dtype)], 1)


def codes(model: nn.Module, x: torch.Tensor, generator: torch.Generator | None):
    """(z, μ, log σ²) of the encoder: z sampled for a Gaussian encoder, else z = μ."""
    mu, logvar = model.encode(x)
    z = mu if logvar is None else mu + torch.exp(0.5 * logvar) * torch.randn(
        mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return z, mu, logvar


def terms(model: nn.Module, x: torch.Tensor, beta: float = 1.0,
          generator: torch.Generator | None = None, *, free_bits: float = 0.0,
          lam: float = 10.0, labels: torch.Tensor | None = None,
          prior_generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The named terms of one batch; "loss" is what the encoder and decoder minimise."""
    inner = getattr(model, "module", model)       # DistributedDataParallel wraps the model
    config = inner.config
    if config.kind == "hvae":
        logits, q = model(x, generator)
        recon = bce(logits, x).mean()
        kl_top = kl_per_dim(q["mu2"], q["logvar2"])
        kl_bottom = (0.5 * (q["prior_logvar"] - q["logvar1"]
                            + (q["logvar1"].exp() + (q["mu1"] - q["prior_mu"]).pow(2))
                            / q["prior_logvar"].exp() - 1.0)).mean(0)
        kl = kl_top.sum() + kl_bottom.sum()
        penalty = kl_penalty(kl_top, free_bits) + kl_penalty(kl_bottom, free_bits)
        return {"loss": recon + beta * penalty, "recon": recon, "kl": kl,
                "kl_top": kl_top.sum(), "kl_bottom": kl_bottom.sum()}
    if config.kind in ("ae", "vae"):
        if inner.autoregressive:
            x = binarize(x, generator)
        logits, mu, logvar = model(x, generator)
        recon = bce(logits, x).mean()
        if logvar is None:
            return {"loss": recon, "recon": recon}
        dims = kl_per_dim(mu, logvar)
        return {"loss": recon + beta * kl_penalty(dims, free_bits), "recon": recon,
                "kl": dims.sum()}
    z, _, _ = codes(inner, x, generator)
    logits = inner.decode_logits(z)
    if config.kind == "aae":
        recon = bce(logits, x).mean()
        return {"loss": recon, "recon": recon}
    recon = squared_error(logits, x).mean()
    if config.regulariser == "mmd":
        prior = draw_prior(config, len(z), prior_generator, z.device)
        penalty = mmd2_unbiased(z, prior, prior_variance(config)) if len(z) > 1 else z.sum() * 0
        return {"loss": recon + lam * penalty, "recon": recon, "mmd": penalty}
    fool = F.softplus(-inner.critic(critic_input(config, z, labels))).mean()
    return {"loss": recon + lam * fool, "recon": recon, "g_loss": fool}


def critic_loss(model: nn.Module, x: torch.Tensor, generator, prior_generator,
                labels: torch.Tensor | None) -> torch.Tensor:
    """The critic's logistic loss: prior draws are real (1), the encoder's codes fake (0)."""
    config = model.config
    with torch.no_grad():
        z, _, _ = codes(model, x, generator)
    prior = draw_prior(config, len(z), prior_generator, z.device,
                       labels if config.supervised else None)
    real = model.critic(critic_input(config, prior, labels))
    fake = model.critic(critic_input(config, z, labels))
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def fool_loss(model: nn.Module, x: torch.Tensor, generator,
              labels: torch.Tensor | None) -> torch.Tensor:
    """The encoder as the generator: make the critic call its codes prior draws."""
    z, _, _ = codes(model, x, generator)
    return F.softplus(-model.critic(critic_input(model.config, z, labels))).mean()
