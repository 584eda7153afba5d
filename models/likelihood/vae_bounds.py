"""A VAE beside an exact model: its ELBO and importance-weighted bound for binary digits.

A VAE's log p(x) = log ∫ p(x|z) p(z) dz has no closed form; what it gives is bounds from below
(models/autoencoder/iwae.py):

    ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))  =  L_1  ≤  L_k  ≤  L_{k+1}  ≤  log p(x),
    L_k  = E[log (1/k) Σ_{i≤k} w_i],  w_i = p(x|z_i) p(z_i) / q(z_i|x),  z_i ~ q(z|x)

and L_k → log p(x) as k → ∞. L_k is an expectation; one draw of log (1/k) Σ w_i is a noisy
estimate of it (biased low for the log p it tends to). Here every k gets about the same number
of draws, `draws` in all: R = max(2, draws // k) independent k-sample estimates, averaged, with
their standard error, so that the figures for k = 1, 10, 100, 1,000 are equally trustworthy and
the ELBO ≤ L_k ordering shows. The ELBO itself uses its closed-form KL and `elbo_samples`
draws. Everything in nats per image, from a seeded generator: the same image scores the same.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generator

import numpy as np
import torch

from ..autoencoder.iwae import elbo, log_weights

DRAWS = 2000              # draws of z per bound estimate, whatever k
ELBO_SAMPLES = 1000
BATCH = 1000              # decoder passes at a time (images × draws)
KS = (1, 10, 100, 1000)


@dataclass(frozen=True)
class VAEBounds:
    k: int
    elbo: np.ndarray      # N ELBOs, nats
    iwae: np.ndarray      # N estimates of L_k: the mean of `repeats` k-sample estimates, nats
    iwae_se: np.ndarray   # their standard errors
    repeats: int


def _binary_digits(images) -> np.ndarray:
    x = np.asarray(images)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"the VAE scores 28×28 images, got shape {x.shape}")
    x = x.astype(np.float32)
    if not np.isin(x, (0, 1)).all():
        raise ValueError("images must be binary (0 and 1): the decoder's Bernoulli gives a "
                         "likelihood only for binary pixels")
    return x


def bounds_steps(model, images, k: int, draws: int = DRAWS, seed: int = 0,
                 elbo_samples: int = ELBO_SAMPLES) -> Generator[float, None, VAEBounds]:
    """Compute VAEBounds for N×28×28 (or one 28×28) binary images, yielding the fraction
    done between chunks (so a job can stop in between); returns the bounds."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number ≥ 1, not {k!r}")
    if not getattr(model, "variational", False):
        raise ValueError("a plain autoencoder has no q(z|x): its likelihood is not bounded")
    x = torch.from_numpy(_binary_digits(images)[:, None]).to(model.device)
    n = len(x)
    repeats = max(2, draws // k)
    total = repeats * k
    step = max(1, BATCH // max(1, n))
    g = torch.Generator(device=model.device).manual_seed(seed)
    work = total + elbo_samples
    with torch.no_grad():
        elbos, done = torch.zeros(n, dtype=torch.float64, device=model.device), 0
        while done < elbo_samples:
            c = min(step, elbo_samples - done)
            elbos += elbo(model.module, x, samples=c, generator=g).double() * c
            done += c
            yield done / work
        elbos /= elbo_samples
        chunks, done = [], 0
        while done < total:
            c = min(step, total - done)
            chunks.append(log_weights(model.module, x, c, g).double())
            done += c
            yield (elbo_samples + done) / work
    lw = torch.cat(chunks, 1).reshape(n, repeats, k)
    estimates = (torch.logsumexp(lw, dim=2) - math.log(k)).cpu().numpy()      # N×R
    se = estimates.std(axis=1, ddof=1) / math.sqrt(repeats)
    return VAEBounds(k, elbos.cpu().numpy(), estimates.mean(axis=1), se, repeats)


def vae_bounds(model, images, k: int, draws: int = DRAWS, seed: int = 0,
               elbo_samples: int = ELBO_SAMPLES) -> VAEBounds:
    """bounds_steps, run to the end."""
    steps = bounds_steps(model, images, k, draws, seed, elbo_samples)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value
