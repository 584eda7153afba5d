"""pix2pix's networks, as in Isola et al. (2017) and their reference implementation.

Generator: a U-Net. Encoder level i (4×4 conv, stride 2, LeakyReLU 0.2, batch norm) and
decoder level n − i (ReLU, 4×4 transposed conv, batch norm) are joined by a skip connection
that concatenates their channels. The innermost level has no norm; the outermost decoder
ends in tanh. Dropout (0.5) in the depth − 5 decoder levels around the bottleneck (three for
unet_256) is pix2pix's only noise, and it stays on at test time when asked.

The skip carries the encoder level's output itself. (The reference code's in-place
LeakyReLU also rewrites that tensor, so its skips carry LeakyReLU of it; the counts and
shapes are the same.)

Discriminator: a PatchGAN of n strided 4×4 convs, one with stride 1, and a final 4×4 conv
to one logit per patch; its receptive field is 16, 34, 70, 142 or 286 pixels for n = 1..5.
patch = 1 is the "PixelGAN" of 1×1 convs. Convs before batch norm carry no bias.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Iterator

import torch
from torch import nn

from ..checks import from_fields

PATCHES = {1: 0, 16: 1, 34: 2, 70: 3, 142: 4, 286: 5}   # receptive field → strided layers
GENERATORS = {"unet_128": 7, "unet_256": 8}                # name → depth (levels)


@dataclass(frozen=True)
class UNetConfig:
    in_channels: int = 3
    out_channels: int = 3
    depth: int = 6          # levels; the input side must be divisible by 2**depth
    width: int = 64         # channels of the first level; doubles per level up to 8×
    dropout: float = 0.5    # in the decoder levels next to the bottleneck

    def __post_init__(self):
        for name in ("in_channels", "out_channels", "depth", "width"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"{name} must be an integer, not {v!r}")
        if not 2 <= self.depth <= 10:
            raise ValueError(f"U-Net depth must be in 2..10, not {self.depth}")
        if not 1 <= self.width <= 512 or not (1 <= self.in_channels <= 64 and 1 <= self.out_channels <= 64):
            raise ValueError("width must be in 1..512 and channel counts in 1..64")
        if not (isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1):
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "UNetConfig":
        return from_fields(cls, d)


class SeededDropout(nn.Dropout):
    """Dropout that draws its mask from `generator` when one is set, so a seeded translation
    leaves the global RNG alone: a training job on another thread may be using it."""
    generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0 or self.generator is None:
            return super().forward(x)
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep / (1 - self.p)


def seed_dropout(model: nn.Module, generator: torch.Generator | None) -> None:
    for m in model.modules():
        if isinstance(m, SeededDropout):
            m.generator = generator


class _Level(nn.Module):
    """One U-Net level: down, whatever lies inside, up; outputs [input, up(inner(down(x)))]
    except at the outermost level, which outputs the image."""

    def __init__(self, outer: int, inner: int, inside: nn.Module | None, in_channels: int | None = None,
                 outermost: bool = False, dropout: float = 0.0):
        super().__init__()
        in_channels = outer if in_channels is None else in_channels
        self.outermost, self.inside = outermost, inside
        conv = nn.Conv2d(in_channels, inner, 4, 2, 1, bias=False)
        if outermost:
            self.down = nn.Sequential(conv)
            self.up = nn.Sequential(nn.ReLU(True), nn.ConvTranspose2d(2 * inner, outer, 4, 2, 1), nn.Tanh())
        elif inside is None:   # innermost: a 1×1 bottleneck, where batch norm would see one value
            self.down = nn.Sequential(nn.LeakyReLU(0.2), conv)
            self.up = nn.Sequential(nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False),
                                    nn.BatchNorm2d(outer))
        else:
            self.down = nn.Sequential(nn.LeakyReLU(0.2), conv, nn.BatchNorm2d(inner))
            up = [nn.ReLU(True), nn.ConvTranspose2d(2 * inner, outer, 4, 2, 1, bias=False),
                  nn.BatchNorm2d(outer)]
            if dropout:
                up.append(SeededDropout(dropout))
            self.up = nn.Sequential(*up)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.down(x)
        if self.inside is not None:
            h = self.inside(h)
        y = self.up(h)
        return y if self.outermost else torch.cat([x, y], 1)


class UNetGenerator(nn.Module):
    def __init__(self, config: UNetConfig = UNetConfig()):
        super().__init__()
        self.config = c = config
        widths = [c.width * min(2 ** i, 8) for i in range(c.depth)]   # level i's channels
        level = _Level(widths[-2], widths[-1], None)
        for i in range(c.depth - 2, 0, -1):
            # dropout in the depth − 5 levels around the bottleneck (three for unet_256),
            # which all run at the widest width
            noisy = i >= 4
            level = _Level(widths[i - 1], widths[i], level,
                           dropout=c.dropout if noisy else 0.0)
        self.net = _Level(c.out_channels, widths[0], level, in_channels=c.in_channels, outermost=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        side = 2 ** self.config.depth
        if x.shape[-1] % side or x.shape[-2] % side:
            raise ValueError(f"a depth-{self.config.depth} U-Net needs sides divisible by {side}, "
                             f"not {tuple(x.shape[-2:])}")
        return self.net(x)

    def levels(self) -> list[_Level]:
        """Outermost first."""
        out, level = [], self.net
        while level is not None:
            out.append(level)
            level = level.inside
        return out


def keep_dropout_on(model: nn.Module, on: bool = True) -> None:
    """pix2pix's noise: dropout stays active at test time (batch norm stays in eval)."""
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.train(on)


@contextmanager
def batch_stats_at_inference(model: nn.Module, on: bool = True) -> Iterator[None]:
    """Inside the block, batch norm normalises with the statistics of the batch it is given.

    The paper (and its reference code, which never calls eval()) applies batch norm at test
    time with the test batch's own statistics rather than the running averages gathered in
    training. Here the running averages are left untouched: with `track_running_stats` off a
    BN layer in train mode neither reads nor updates them (nor counts the batch). For a
    batch of one image the statistics are that image's own, per channel over its pixels,
    which is instance normalisation. The layers' modes are restored on leaving.
    """
    if not on:
        yield
        return
    layers = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.training, m.track_running_stats) for m in layers]
    try:
        for m in layers:
            m.train(True)
            m.track_running_stats = False
        yield
    finally:
        for m, (training, tracking) in zip(layers, saved):
            m.train(training)
            m.track_running_stats = tracking


NORMS = {"batch": nn.BatchNorm2d,
         # CycleGAN's: per image statistics, learnt scale and shift
         "instance": lambda c: nn.InstanceNorm2d(c, affine=True)}


class PatchDiscriminator(nn.Sequential):
    """pix2pix's PatchGAN (batch norm, A and B stacked: 6 channels in) and, with
    norm="instance" and 3 channels, CycleGAN's."""

    def __init__(self, in_channels: int = 6, patch: int = 70, width: int = 64,
                 norm: str = "batch"):
        if patch not in PATCHES:
            raise ValueError(f"patch must be one of {', '.join(map(str, PATCHES))}, not {patch}")
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {', '.join(NORMS)}, not {norm!r}")
        layers: list[nn.Module]
        n = PATCHES[patch]
        Norm = NORMS[norm]
        if n == 0:
            layers = [nn.Conv2d(in_channels, width, 1), nn.LeakyReLU(0.2, True),
                      nn.Conv2d(width, 2 * width, 1, bias=False), Norm(2 * width),
                      nn.LeakyReLU(0.2, True), nn.Conv2d(2 * width, 1, 1)]
        else:
            layers = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
            ch = width
            for i in range(1, n + 1):
                nxt = width * min(2 ** i, 8)
                stride = 2 if i < n else 1
                layers += [nn.Conv2d(ch, nxt, 4, stride, 1, bias=False), Norm(nxt),
                           nn.LeakyReLU(0.2, True)]
                ch = nxt
            layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        super().__init__(*layers)
        self.patch = patch


def patch_fits(patch: int, size: int) -> bool:
    """Whether a PatchGAN with this receptive field still has an output on size×size images
    (the 286 one needs 128 px or more): the first conv halves, each further strided conv
    halves again, and the two stride-1 4×4 convs each lose a pixel."""
    s = size
    for _ in range(PATCHES[patch]):
        s //= 2
    return PATCHES[patch] == 0 or s - 2 >= 1


def receptive_field(model: nn.Module) -> int:
    """The receptive field of one output unit, from the convolutions' kernels and strides."""
    rf, jump = 1, 1
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            rf += (m.kernel_size[0] - 1) * jump
            jump *= m.stride[0]
    return rf


def build_generator(name: str | UNetConfig = "unet_256", **overrides) -> UNetGenerator:
    """A named configuration of the paper ("unet_256", "unet_128") or a UNetConfig."""
    if isinstance(name, UNetConfig):
        return UNetGenerator(name)
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}; choose one of {', '.join(GENERATORS)}")
    return UNetGenerator(UNetConfig(depth=GENERATORS[name], **overrides))


def build_discriminator(patch: int = 70, in_channels: int = 6, width: int = 64,
                        norm: str = "batch") -> PatchDiscriminator:
    return PatchDiscriminator(in_channels, patch, width, norm)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
