"""A VAE's log-likelihood, bounded from below: the ELBO and the importance-weighted bound.

For an image x, the encoder's q(z|x) = N(μ, diag σ²), the prior p(z) = N(0, I) and the
decoder's Bernoulli p(x|z) (its logits, one per pixel), each draw z_i ~ q(z|x) has the weight

    w_i = p(x|z_i) p(z_i) / q(z_i|x),       and   log p(x) ≥ L_k = E[log (1/k) Σ_{i≤k} w_i]

(Burda et al., 2016). L_1 is the ELBO, L_k grows with k and tends to log p(x) as k → ∞: the
estimate log (1/k) Σ w_i with k = 1,000 is how the VAE literature reports a test
log-likelihood. All in nats per image.

The decoder is a Bernoulli over pixels: p(x|z) is a probability only for binary x (a grey x
gives a cross-entropy, not a likelihood), so scores that compare with NADE and PixelCNN use
binarized images (models/likelihood/binarize.py).
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def _gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; μ, diag e^{logvar}), summed over the last axis."""
    return -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / logvar.exp()).sum(-1)


def _check_bounded(module) -> None:
    """The bounds here are a one-layer VAE's: q(z|x) Gaussian, p(z) = N(0, I)."""
    kind = module.config.kind
    if kind == "ae":
        raise ValueError("a plain autoencoder has no q(z|x): its likelihood is not bounded")
    if kind != "vae":
        raise ValueError(f"these bounds are for a VAE (q(z|x) against p(z) = N(0, I)); a "
                         f"{kind.upper()} has no such pair, so its likelihood is not bounded here")


def _decoder_logits(module, z: torch.Tensor, x: torch.Tensor, k: int) -> torch.Tensor:
    """N×k×784 logits for z (N·k×d); the PixelCNN decoder reads x too, repeated k times."""
    n = len(x)
    context = x.reshape(n, 1, 1, 28, 28).expand(n, k, 1, 28, 28).reshape(n * k, 1, 28, 28) \
        if getattr(module, "autoregressive", False) else None
    return module.decode_logits(z, context).reshape(n, k, -1)


def log_weights(module, x: torch.Tensor, k: int,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """N×k: log w_i = log p(x|z_i) + log p(z_i) − log q(z_i|x), z_i ~ q(z|x). x: N×1×28×28."""
    _check_bounded(module)
    mu, logvar = module.encode(x)
    n, d = mu.shape
    eps = torch.randn((n, k, d), generator=generator, device=mu.device, dtype=mu.dtype)
    z = mu[:, None] + (0.5 * logvar[:, None]).exp() * eps                      # N×k×d
    logits = _decoder_logits(module, z.reshape(n * k, d), x, k)
    target = x.reshape(n, 1, -1).expand_as(logits)
    log_px = -F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(-1)
    log_pz = _gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z))
    log_qz = _gaussian_log_density(z, mu[:, None], logvar[:, None])
    return log_px + log_pz - log_qz


@torch.no_grad()
def iwae_bound(module, x: torch.Tensor, k: int, generator: torch.Generator | None = None,
               chunk: int = 250) -> torch.Tensor:
    """N estimates of log (1/k) Σ_{i≤k} w_i (nats): k draws per image, taken `chunk` at a
    time and combined by a running log-sum-exp, so k = 1,000 fits in memory."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a whole number ≥ 1, not {k!r}")
    total = None
    for start in range(0, k, chunk):
        lw = torch.logsumexp(log_weights(module, x, min(chunk, k - start), generator), dim=1)
        total = lw if total is None else torch.logaddexp(total, lw)
    return total - math.log(k)


@torch.no_grad()
def elbo(module, x: torch.Tensor, samples: int = 1,
         generator: torch.Generator | None = None) -> torch.Tensor:
    """N ELBOs, E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)), the expectation over `samples` draws
    and the KL in closed form (what the VAE trains on, with the opposite sign)."""
    from .nets import kl_to_standard_normal
    _check_bounded(module)
    mu, logvar = module.encode(x)
    n, d = mu.shape
    eps = torch.randn((n, samples, d), generator=generator, device=mu.device, dtype=mu.dtype)
    z = mu[:, None] + (0.5 * logvar[:, None]).exp() * eps
    logits = _decoder_logits(module, z.reshape(n * samples, d), x, samples)
    target = x.reshape(n, 1, -1).expand_as(logits)
    log_px = -F.binary_cross_entropy_with_logits(logits, target, reduction="none").sum(-1)
    return log_px.mean(1) - kl_to_standard_normal(mu, logvar)


def score_images(model, images: np.ndarray, k: int, seed: int = 0,
                 batch: int = 20) -> np.ndarray:
    """An AutoencoderModel's importance-weighted log p(x) estimate, in nats, for N×28×28
    binary images (bool, integers or floats holding 0 and 1)."""
    x = np.asarray(images)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"images must be N×28×28, got shape {x.shape}")
    x = x.astype(np.float32)
    if not np.isin(x, (0, 1)).all():
        raise ValueError("images must be binary (0 and 1): the decoder's Bernoulli gives a "
                         "likelihood only for binary pixels; binarize them first")
    g = torch.Generator(device=model.device).manual_seed(seed)
    t = torch.from_numpy(x[:, None]).to(model.device)
    out = [iwae_bound(model.module, t[i:i + batch], k, g) for i in range(0, len(t), batch)]
    return torch.cat(out).cpu().numpy().astype(np.float64) if out else np.zeros(0)
