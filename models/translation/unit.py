"""UNIT's networks and objective (Liu, Breuel and Kautz 2017): two VAE-GANs that share a latent
space, here for 28×28 digits in two domains (MNIST, grey; the textured digits, RGB).

Each domain i has an encoder E_i and a generator G_i. Their last encoder layers and first
generator layers are shared, so an image of either domain encodes into one space and decodes
into either: x₁ → z → G₂(z) translates. As in the paper, q(z|x) = N(E(x), I): only the mean is
learnt, and the KL to N(0, I) is ½‖μ‖².

    VAE_i:    λ₁ ‖G_i(z_i) − x_i‖₁ + λ₂ · ½‖μ_i‖²,          z_i = E_i(x_i) + ε
    GAN_i:    least squares on D_i(x_i) (real) and D_i(G_i(z_j)) (translated, fake)
    cycle_i:  λ₃ ‖G_i(E_j(G_j(z_i)) + ε) − x_i‖₁ + λ₄ · ½‖E_j(G_j(z_i))‖²

with the paper's λ₁ = λ₃ = 10 (it weighs reconstructions by 10 against the GAN's 1) and
λ₂ = λ₄ = 0.1. Both terms are per element: the L1 is the mean over pixels, so the KL is the mean
over z's 64×7×7 entries, ½ mean(μ²) (the authors' released code averages too). Summed over the
3,136 entries against a per-pixel L1, the KL outweighs every reconstruction, the codes shut
(μ → 0, z pure noise) and every translation is the same blob: the first shipped run did that.
Images in [−1, 1], N×C×28×28 with C = 1 for A and 3 for B.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import from_fields, whole


@dataclass(frozen=True)
class UNITConfig:
    channels_a: int = 1       # MNIST
    channels_b: int = 3       # the textured digits
    width: int = 32
    latent: int = 64          # channels of z, a 7×7 map

    def __post_init__(self):
        for name, low, high in (("channels_a", 1, 4), ("channels_b", 1, 4), ("width", 4, 256),
                                ("latent", 2, 512)):
            object.__setattr__(self, name, whole(name, getattr(self, name), low, high))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "UNITConfig":
        return from_fields(cls, d)


@dataclass(frozen=True)
class UNITWeights:
    recon: float = 10.0       # λ₁
    kl: float = 0.1           # λ₂
    cycle: float = 10.0       # λ₃
    cycle_kl: float = 0.1     # λ₄

    def __post_init__(self):
        for name in ("recon", "kl", "cycle", "cycle_kl"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool)
                    and 0 <= value <= 1000):
                raise ValueError(f"{name} weight must be a number in [0, 1000], not {value!r}")


def _down(cin: int, cout: int) -> list:
    return [nn.Conv2d(cin, cout, 4, 2, 1), nn.InstanceNorm2d(cout, affine=True),
            nn.LeakyReLU(0.2, True)]


def _up(cin: int, cout: int) -> list:
    return [nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.InstanceNorm2d(cout, affine=True),
            nn.ReLU(True)]


class UNIT(nn.Module):
    """E_a, E_b → shared encoder layers → z (N×latent×7×7) → shared generator layers →
    G_a, G_b. Domain "A" or "B" picks the private ends."""

    def __init__(self, config: UNITConfig = UNITConfig()):
        super().__init__()
        w, z = config.width, config.latent
        self.config = config
        self.enc = nn.ModuleDict({d: nn.Sequential(*_down(c, w))                 # 28 → 14
                                  for d, c in (("A", config.channels_a), ("B", config.channels_b))})
        self.enc_shared = nn.Sequential(*_down(w, 2 * w), nn.Conv2d(2 * w, z, 3, padding=1))  # → 7
        self.gen_shared = nn.Sequential(nn.Conv2d(z, 2 * w, 3, padding=1),
                                        nn.InstanceNorm2d(2 * w, affine=True), nn.ReLU(True),
                                        *_up(2 * w, w))                               # 7 → 14
        self.gen = nn.ModuleDict({d: nn.Sequential(nn.ConvTranspose2d(w, c, 4, 2, 1), nn.Tanh())
                                  for d, c in (("A", config.channels_a), ("B", config.channels_b))})

    def encode(self, x: torch.Tensor, domain: str) -> torch.Tensor:
        """μ = E(x): the mean of q(z|x) = N(μ, I)."""
        return self.enc_shared(self.enc[domain](x))

    def generate(self, z: torch.Tensor, domain: str) -> torch.Tensor:
        return self.gen[domain](self.gen_shared(z))

    def translate(self, x: torch.Tensor, source: str, target: str) -> torch.Tensor:
        return self.generate(self.encode(x, source), target)


def unit_discriminator(channels: int, width: int = 32) -> nn.Module:
    """A small PatchGAN for 28×28 images: two strided convolutions, then a 5×5 map of
    verdicts, each on a patch of the image."""
    return nn.Sequential(nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True),     # 14
                         nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2, True),    # 7
                         nn.Conv2d(2 * width, 1, 3))                                        # 5


def _noisy(mu: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    return mu + torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)


def _kl(mu: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, I) ‖ N(0, I)) per entry of z, ½ mean(μ²), averaged over the batch: per element,
    as the reconstruction's L1 is (see the module's docstring)."""
    return 0.5 * mu.pow(2).mean()


def generator_terms(model: UNIT, d_a: nn.Module, d_b: nn.Module, a: torch.Tensor,
                    b: torch.Tensor, weights: UNITWeights = UNITWeights(),
                    generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The encoders' and generators' named losses for a batch of each domain, with the two
    translations (ab = A → B, ba = B → A) for the discriminators' turn."""
    mu_a, mu_b = model.encode(a, "A"), model.encode(b, "B")
    z_a, z_b = _noisy(mu_a, generator), _noisy(mu_b, generator)
    recon = F.l1_loss(model.generate(z_a, "A"), a) + F.l1_loss(model.generate(z_b, "B"), b)
    kl = _kl(mu_a) + _kl(mu_b)
    ab, ba = model.generate(z_a, "B"), model.generate(z_b, "A")
    gan = (d_b(ab) - 1).pow(2).mean() + (d_a(ba) - 1).pow(2).mean()
    mu_aba, mu_bab = model.encode(ab, "B"), model.encode(ba, "A")
    cycle = (F.l1_loss(model.generate(_noisy(mu_aba, generator), "A"), a)
             + F.l1_loss(model.generate(_noisy(mu_bab, generator), "B"), b))
    cycle_kl = _kl(mu_aba) + _kl(mu_bab)
    w = weights
    loss = gan + w.recon * recon + w.kl * kl + w.cycle * cycle + w.cycle_kl * cycle_kl
    return {"loss": loss, "gan": gan, "recon": recon, "kl": kl, "cycle": cycle,
            "cycle_kl": cycle_kl, "ab": ab, "ba": ba}


def discriminator_terms(d_a: nn.Module, d_b: nn.Module, a: torch.Tensor, b: torch.Tensor,
                        ba: torch.Tensor, ab: torch.Tensor) -> dict[str, torch.Tensor]:
    """Least squares: real images → 1, translations (detached) → 0."""
    loss_a = 0.5 * ((d_a(a) - 1).pow(2).mean() + d_a(ba.detach()).pow(2).mean())
    loss_b = 0.5 * ((d_b(b) - 1).pow(2).mean() + d_b(ab.detach()).pow(2).mean())
    return {"d_a": loss_a, "d_b": loss_b, "loss": loss_a + loss_b}
