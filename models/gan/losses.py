"""The GAN objectives, written on D's logits so that every log is numerically safe.

D outputs a logit l; D(x) = σ(l). With softplus(a) = log(1 + eᵃ):
    log D(x)       = −softplus(−l)
    log(1 − D(x))  = −softplus(l)
- minimax (Goodfellow et al. 2014): D maximises log D(x) + log(1 − D(G(z))) and G minimises
  log(1 − D(G(z))), which saturates while D rejects G's samples confidently.
- non-saturating: the same D; G maximises log D(G(z)) instead (the paper's practical fix).
- wgan-gp (Gulrajani et al. 2017): a critic f with no sigmoid; it minimises
  E f(G(z)) − E f(x) + λ E (‖∇f(x̂)‖₂ − 1)², x̂ on lines between real and fake; G minimises −E f(G(z)).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch.nn import functional as F

LOSSES = ("minimax", "non-saturating", "wgan-gp")
LOSS_NAMES = {"minimax": "minimax (saturating)", "non-saturating": "non-saturating",
              "wgan-gp": "Wasserstein + gradient penalty"}


def check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"unknown GAN loss {loss!r}; choose one of {', '.join(LOSSES)}")
    return loss


@dataclass(frozen=True)
class LabelTricks:
    """The discriminator-target tricks from the lectures (ignored by the Wasserstein loss).

    smoothing: one-sided label smoothing, real targets 1 − s, fake targets stay 0
               (Salimans et al. 2016: smoothing the fake side too rewards G's mistakes).
    noise:     targets jittered by U(0, noise): real 1 − u, fake 0 + u.
    flip:      each target t replaced by 1 − t with this probability.
    """
    smoothing: float = 0.0
    noise: float = 0.0
    flip: float = 0.0

    def __post_init__(self):
        for name in ("smoothing", "noise", "flip"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0.0 <= value <= 0.5):
                raise ValueError(f"label {name} must be in [0, 0.5], not {value!r}")

    @property
    def active(self) -> bool:
        return bool(self.smoothing or self.noise or self.flip)


def d_targets(n: int, tricks: LabelTricks, generator: torch.Generator | None = None,
              device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """D's targets for n real and n fake samples, after the tricks."""
    real = torch.full((n,), 1.0 - tricks.smoothing, device=device)
    fake = torch.zeros(n, device=device)
    if tricks.noise:
        real = real - tricks.noise * torch.rand(n, generator=generator, device=device)
        fake = fake + tricks.noise * torch.rand(n, generator=generator, device=device)
    if tricks.flip:
        # a flipped target t becomes 1 − t: a real sample labelled fake, or the reverse
        real = torch.where(torch.rand(n, generator=generator, device=device) < tricks.flip,
                           1.0 - real, real)
        fake = torch.where(torch.rand(n, generator=generator, device=device) < tricks.flip,
                           1.0 - fake, fake)
    return real, fake


def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, loss: str,
           real_target: torch.Tensor | float = 1.0,
           fake_target: torch.Tensor | float = 0.0) -> torch.Tensor:
    """D's loss to minimise, without any gradient penalty.

    BCE losses: −[t log D(x) + (1−t) log(1−D(x))] averaged over the real batch, plus the same
    on the fake batch; with targets 1 and 0 this is −E log D(x) − E log(1 − D(G(z))).
    """
    real_logits, fake_logits = real_logits.reshape(-1), fake_logits.reshape(-1)
    if check_loss(loss) == "wgan-gp":
        return fake_logits.mean() - real_logits.mean()
    rt = torch.as_tensor(real_target, dtype=real_logits.dtype, device=real_logits.device)
    ft = torch.as_tensor(fake_target, dtype=fake_logits.dtype, device=fake_logits.device)
    return (F.binary_cross_entropy_with_logits(real_logits, rt.expand_as(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, ft.expand_as(fake_logits)))


def g_loss(fake_logits: torch.Tensor, loss: str) -> torch.Tensor:
    """G's loss to minimise: E log(1 − D(G(z))), −E log D(G(z)) or −E f(G(z))."""
    fake_logits = fake_logits.reshape(-1)
    if check_loss(loss) == "minimax":
        return -F.softplus(fake_logits).mean()
    if loss == "non-saturating":
        return F.softplus(-fake_logits).mean()
    return -fake_logits.mean()


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor, generator: torch.Generator | None = None,
                     alpha: torch.Tensor | None = None) -> torch.Tensor:
    """E (‖∇f(x̂)‖₂ − 1)² at x̂ = αx + (1 − α)x̃, α ~ U(0, 1) per sample (without the λ).

    `critic` maps a batch to one value per sample; the graph is kept so the penalty trains it.
    """
    if alpha is None:
        alpha = torch.rand(len(real), generator=generator, device=real.device)
    alpha = alpha.reshape(-1, *([1] * (real.dim() - 1))).to(real.dtype)
    x_hat = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(x_hat).reshape(-1)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def d_outputs(logits: torch.Tensor, loss: str) -> float:
    """What the charts call D(x): the mean probability, or the mean critic value for WGAN."""
    logits = logits.detach().float().reshape(-1)
    return float(logits.mean() if loss == "wgan-gp" else torch.sigmoid(logits).mean())
