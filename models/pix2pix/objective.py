"""pix2pix's objective (Isola et al. 2017, eq. 4): G* = arg min_G max_D L_cGAN(G, D) + λ L_L1(G).

D is conditional: it sees the input a and an output b stacked along channels, real (a, b) or
fake (a, G(a)), and scores every patch. Its loss is halved, "which slows down the rate at
which D learns relative to G". The named terms are those the reference code logs:
G_GAN, G_L1, D_real, D_fake.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F

OBJECTIVES = ("l1", "cgan", "l1+cgan")
DEFAULT_LAMBDA = 100.0


def check_objective(objective: str) -> str:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    return objective


def uses_gan(objective: str) -> bool:
    return "cgan" in check_objective(objective)


def pair(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """What the conditional D sees: input and output along channels."""
    return torch.cat([a, b], 1)


def d_terms(D, a: torch.Tensor, real_b: torch.Tensor, fake_b: torch.Tensor) -> dict[str, torch.Tensor]:
    """D_real = −E log D(a, b), D_fake = −E log(1 − D(a, G(a))) over all patches, and
    D = (D_real + D_fake) / 2, the halved loss D minimises. G(a) is detached."""
    real = D(pair(a, real_b))
    fake = D(pair(a, fake_b.detach()))
    d_real = F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
    d_fake = F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    return {"D_real": d_real, "D_fake": d_fake, "D": 0.5 * (d_real + d_fake)}


def g_terms(D, a: torch.Tensor, real_b: torch.Tensor, fake_b: torch.Tensor, objective: str,
            lam: float = DEFAULT_LAMBDA) -> dict[str, torch.Tensor]:
    """G_GAN = −E log D(a, G(a)) (non-saturating), G_L1 = E |b − G(a)|, and
    G = G_GAN + λ G_L1, keeping only the parts the objective names."""
    check_objective(objective)
    zero = fake_b.new_zeros(())
    g_gan = zero
    if uses_gan(objective):
        fake = D(pair(a, fake_b))
        g_gan = F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    g_l1 = F.l1_loss(fake_b, real_b) if "l1" in objective else zero
    return {"G_GAN": g_gan, "G_L1": g_l1, "G": g_gan + lam * g_l1}
