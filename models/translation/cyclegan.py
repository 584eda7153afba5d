"""CycleGAN's networks and objective (Zhu et al. 2017), sized for 64-pixel images on a CPU.

Two generators, G: A → B and F: B → A, each a ResNet: a 7×7 convolution, two stride-2
downsamplings, `blocks` residual blocks, two upsamplings and a 7×7 convolution to three
channels with tanh; reflection padding and instance normalisation throughout (the paper's
choices: zero padding leaves artefacts at the borders, and batch statistics tie the images of
a batch together). Two PatchGAN discriminators with instance norm (pix2pix's, 3 channels in).

The objective, least-squares GAN (the paper's choice over the log loss: steadier training):

    D_B:  ½ E[(D_B(b) − 1)²] + ½ E[D_B(G(a))²]          (and D_A the same way round)
    G:    E[(D_B(G(a)) − 1)²] + E[(D_A(F(b)) − 1)²]
          + λ (‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁)              cycle, λ = 10
          + λ_id λ (‖G(b) − b‖₁ + ‖F(a) − a‖₁)               identity, λ_id = 0.5

Setting λ = 0 turns the cycle off (what it prevents: G may map every a to any one plausible b).
Images are N×3×H×W in [−1, 1]. Issue 16 groundwork: no trainer yet.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import from_fields, whole
from ..pix2pix.networks import PATCHES, PatchDiscriminator, patch_fits


@dataclass(frozen=True)
class CycleGANConfig:
    size: int = 64            # image side, a multiple of 4 (two downsamplings)
    width: int = 32           # the generators' first layer (the paper's ngf = 64)
    blocks: int = 6           # residual blocks (the paper: 6 at 128 px, 9 at 256)
    critic_width: int = 64
    patch: int = 70           # the discriminators' receptive field

    def __post_init__(self):
        for name, low, high in (("size", 16, 512), ("width", 4, 256), ("blocks", 0, 32),
                                ("critic_width", 4, 256)):
            object.__setattr__(self, name, whole(name, getattr(self, name), low, high))
        if self.size % 4:
            raise ValueError(f"size must be a multiple of 4 (two downsamplings), not {self.size}")
        if self.patch not in PATCHES or not patch_fits(self.patch, self.size):
            raise ValueError(f"a {self.patch}-pixel patch does not fit {self.size}-pixel images")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "CycleGANConfig":
        return from_fields(cls, d)


@dataclass(frozen=True)
class CycleWeights:
    cycle: float = 10.0       # λ; 0 switches the cycle loss off
    identity: float = 0.5     # λ_id, relative to λ (the paper's 0.5)

    def __post_init__(self):
        for name in ("cycle", "identity"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool)
                    and 0 <= value <= 1000):
                raise ValueError(f"{name} weight must be a number in [0, 1000], not {value!r}")


def _conv_block(cin: int, cout: int, kernel: int, stride: int = 1, pad: int = 0) -> list:
    layers = [nn.ReflectionPad2d(pad)] if pad else []
    return layers + [nn.Conv2d(cin, cout, kernel, stride, padding=0 if pad else kernel // 2),
                     nn.InstanceNorm2d(cout, affine=True), nn.ReLU(True)]


class ResidualBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c, affine=True),
            nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c, affine=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    def __init__(self, width: int = 32, blocks: int = 6):
        super().__init__()
        w = width
        layers = _conv_block(3, w, 7, pad=3)
        layers += [nn.Conv2d(w, 2 * w, 3, 2, 1), nn.InstanceNorm2d(2 * w, affine=True),
                   nn.ReLU(True),
                   nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.InstanceNorm2d(4 * w, affine=True),
                   nn.ReLU(True)]
        layers += [ResidualBlock(4 * w) for _ in range(blocks)]
        for cin, cout in ((4 * w, 2 * w), (2 * w, w)):
            layers += [nn.ConvTranspose2d(cin, cout, 3, 2, 1, output_padding=1),
                       nn.InstanceNorm2d(cout, affine=True), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(w, 3, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class CycleGAN(nn.Module):
    """The four networks: G (A → B), F (B → A), D_A (judges A images), D_B (judges B)."""

    def __init__(self, config: CycleGANConfig = CycleGANConfig()):
        super().__init__()
        self.config = config
        self.G = ResnetGenerator(config.width, config.blocks)
        self.F = ResnetGenerator(config.width, config.blocks)
        self.D_A = PatchDiscriminator(3, config.patch, config.critic_width, norm="instance")
        self.D_B = PatchDiscriminator(3, config.patch, config.critic_width, norm="instance")


def lsgan(prediction: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss of a patch map against the target 1 (real) or 0 (fake)."""
    return (prediction - (1.0 if real else 0.0)).pow(2).mean()


def generator_terms(model: CycleGAN, a: torch.Tensor, b: torch.Tensor,
                    weights: CycleWeights = CycleWeights()) -> dict[str, torch.Tensor]:
    """The generators' named losses for a batch of A and B images, with the translations
    (fake_b = G(a), fake_a = F(b)) for the discriminators' turn. "loss" is the sum G and F
    minimise together."""
    fake_b, fake_a = model.G(a), model.F(b)
    adv = lsgan(model.D_B(fake_b), True) + lsgan(model.D_A(fake_a), True)
    terms = {"gan": adv, "fake_b": fake_b, "fake_a": fake_a}
    loss = adv
    if weights.cycle > 0:
        cycle = F.l1_loss(model.F(fake_b), a) + F.l1_loss(model.G(fake_a), b)
        terms["cycle"] = cycle
        loss = loss + weights.cycle * cycle
        if weights.identity > 0:
            identity = F.l1_loss(model.G(b), b) + F.l1_loss(model.F(a), a)
            terms["identity"] = identity
            loss = loss + weights.identity * weights.cycle * identity
    terms["loss"] = loss
    return terms


def discriminator_terms(model: CycleGAN, a: torch.Tensor, b: torch.Tensor,
                        fake_a: torch.Tensor, fake_b: torch.Tensor) -> dict[str, torch.Tensor]:
    """Each discriminator's loss, ½ (real → 1) + ½ (fake → 0); the fakes are detached (they
    may come from the history pool)."""
    d_a = 0.5 * (lsgan(model.D_A(a), True) + lsgan(model.D_A(fake_a.detach()), False))
    d_b = 0.5 * (lsgan(model.D_B(b), True) + lsgan(model.D_B(fake_b.detach()), False))
    return {"d_a": d_a, "d_b": d_b, "loss": d_a + d_b}
