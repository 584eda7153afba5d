"""SRGAN's networks and its perceptual objective (Ledig et al. 2017), for 4× upscaling.

SRResNet, the generator: a 9×9 convolution with PReLU, B residual blocks (3×3 conv, batch norm,
PReLU, 3×3 conv, batch norm, plus the input), a 3×3 convolution and batch norm added to the
first layer's output (the long skip), two ×2 sub-pixel upsamplings (a convolution to 4C
channels, pixel shuffle to C at twice the side, PReLU) and a 9×9 convolution to RGB. The
discriminator: eight 3×3 convolutions (64 → 512 channels, every other one strided), LeakyReLU
0.2 and batch norm, then a dense layer of 1024 and the verdict, pooled to 1×1 first so that
any input size works.

The generator's loss in the paper: content + 10⁻³ × adversarial, where content is the MSE
between feature maps of a fixed network (VGG19 there). `perceptual_terms` takes that network
as an argument: any module mapping images to features (issue 16 trains one here, since the
VGG weights need a download). With features = None the content term is the pixel MSE, which
is SRResNet's own objective.

Images are N×3×H×W in [−1, 1]; the output of a 4× model is 4H×4W.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import from_fields, whole

ADVERSARIAL_WEIGHT = 1e-3


@dataclass(frozen=True)
class SRConfig:
    scale: int = 4            # a power of two: one ×2 sub-pixel stage per factor of two
    channels: int = 32        # the paper's 64
    blocks: int = 8           # the paper's 16
    critic_width: int = 32    # the discriminator's first layer (the paper's 64)

    def __post_init__(self):
        for name, low, high in (("scale", 2, 8), ("channels", 4, 256), ("blocks", 0, 64),
                                ("critic_width", 4, 256)):
            object.__setattr__(self, name, whole(name, getattr(self, name), low, high))
        if self.scale & (self.scale - 1):
            raise ValueError(f"scale must be 2, 4 or 8, not {self.scale}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SRConfig":
        return from_fields(cls, d)


class _Residual(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c), nn.PReLU(c),
                                  nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SRResNet(nn.Module):
    def __init__(self, config: SRConfig = SRConfig()):
        super().__init__()
        c = config.channels
        self.config = config
        self.head = nn.Sequential(nn.Conv2d(3, c, 9, padding=4), nn.PReLU(c))
        self.body = nn.Sequential(*[_Residual(c) for _ in range(config.blocks)],
                                  nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c))
        up = []
        for _ in range(int(math.log2(config.scale))):
            up += [nn.Conv2d(c, 4 * c, 3, padding=1), nn.PixelShuffle(2), nn.PReLU(c)]
        self.up = nn.Sequential(*up)
        self.tail = nn.Conv2d(c, 3, 9, padding=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.head(x)
        return torch.tanh(self.tail(self.up(h + self.body(h))))


class SRDiscriminator(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(3, width, 3, padding=1), nn.LeakyReLU(0.2, True)]
        c = width
        for i in range(7):        # the paper's seven further convolutions, strided on the odd
            out = width * 2 ** ((i + 1) // 2)
            layers += [nn.Conv2d(c, out, 3, stride=1 + (i % 2 == 0), padding=1),
                       nn.BatchNorm2d(out), nn.LeakyReLU(0.2, True)]
            c = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1024),
                                  nn.LeakyReLU(0.2, True), nn.Linear(1024, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))[:, 0]      # one logit per image


def perceptual_terms(sr: torch.Tensor, hr: torch.Tensor, critic_logits: torch.Tensor | None,
                     features: nn.Module | None = None,
                     adversarial: float = ADVERSARIAL_WEIGHT) -> dict[str, torch.Tensor]:
    """The generator's named losses: content (feature MSE, or pixel MSE without a feature
    network) plus `adversarial` × −log D(G(x)) when the critic's logits are given."""
    content = (F.mse_loss(features(sr), features(hr)) if features is not None
               else F.mse_loss(sr, hr))
    terms = {"content": content, "loss": content}
    if critic_logits is not None:
        adv = F.softplus(-critic_logits).mean()          # −log σ(logit): the non-saturating form
        terms["adversarial"] = adv
        terms["loss"] = content + adversarial * adv
    return terms


def bicubic(x: torch.Tensor, scale: int) -> torch.Tensor:
    """The baseline: bicubic upsampling, clamped back into [−1, 1]."""
    return F.interpolate(x, scale_factor=scale, mode="bicubic", align_corners=False).clamp(-1, 1)
