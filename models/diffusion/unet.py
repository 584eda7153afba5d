"""A small U-Net that predicts the noise ε in x_t, for 28×28 greyscale images.

Three resolutions (28, 14, 7), one residual block per level on the way down and up,
self-attention at 7×7, a sinusoidal time embedding added inside every residual block, and,
for class-conditional models, a label embedding added to the time embedding. Label index
`num_classes` is the "no label" token that classifier-free guidance trains with.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from .schedules import SCHEDULES


@dataclass(frozen=True)
class DiffusionConfig:
    schedule: str = "linear"
    timesteps: int = 1000
    channels: tuple[int, ...] = (32, 64, 64)
    time_dim: int = 128
    num_classes: int = 0          # 0: unconditional
    image_size: int = 28
    attention: bool = True
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if not _is_int(self.timesteps) or not 1 <= self.timesteps <= 100_000:
            raise ValueError(f"timesteps must be an integer in 1..100000, not {self.timesteps!r}")
        # the sinusoidal embedding has cos and sin halves, so an odd width would lose a column
        if not _is_int(self.time_dim) or not 2 <= self.time_dim <= 4096 or self.time_dim % 2:
            raise ValueError(f"time_dim must be an even integer in 2..4096, not {self.time_dim!r}")
        if len(self.channels) != 3 or not all(isinstance(c, int) and 8 <= c <= 1024 and c % 8 == 0
                                              for c in self.channels):
            raise ValueError(f"channels must be three multiples of 8 in 8..1024, not {self.channels}")
        if not _is_int(self.num_classes) or not 0 <= self.num_classes <= 1000:
            raise ValueError(f"num_classes must be in 0..1000, not {self.num_classes!r}")
        if self.image_size != 28:
            raise ValueError("this U-Net is built for 28×28 images")
        if not isinstance(self.attention, bool):
            raise ValueError(f"attention must be true or false, not {self.attention!r}")

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        d.pop("extra")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DiffusionConfig":
        if not isinstance(d, dict):  # a string would pass the `in` tests below and give defaults
            raise ValueError(f"a diffusion configuration is a JSON object, not {type(d).__name__}")
        known = {k: d[k] for k in ("schedule", "timesteps", "channels", "time_dim", "num_classes",
                                   "image_size", "attention") if k in d}
        return cls(**known)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Transformer-style sinusoids: [cos(t ω_k), sin(t ω_k)], ω_k = max_period^(−k/(dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def group_norm(channels: int) -> nn.GroupNorm:
    """Eight groups, but never fewer than four channels in a group.

    The time and label embeddings enter a block as a per-channel shift just before a norm;
    a group of one channel would subtract that shift again and the model could not see t.
    """
    return nn.GroupNorm(max(1, min(8, channels // 4)), channels)


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.norm1 = group_norm(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = group_norm(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class Attention(nn.Module):
    def __init__(self, c: int, heads: int = 4):
        super().__init__()
        self.norm = group_norm(c)
        self.attn = nn.MultiheadAttention(c, heads, batch_first=True)

    def forward(self, x):
        b, c, h, w = x.shape
        seq = self.norm(x).flatten(2).transpose(1, 2)
        out, _ = self.attn(seq, seq, seq, need_weights=False)
        return x + out.transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    def __init__(self, config: DiffusionConfig):
        super().__init__()
        self.config = config
        c0, c1, c2 = config.channels
        e = config.time_dim
        self.time_mlp = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.label_emb = nn.Embedding(config.num_classes + 1, e) if config.conditional else None
        self.conv_in = nn.Conv2d(1, c0, 3, padding=1)
        self.down0 = ResBlock(c0, c0, e)
        self.pool0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)      # 28 → 14
        self.down1 = ResBlock(c0, c1, e)
        self.pool1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)      # 14 → 7
        self.down2 = ResBlock(c1, c2, e)
        self.mid1 = ResBlock(c2, c2, e)
        self.mid_attn = Attention(c2) if config.attention else nn.Identity()
        self.mid2 = ResBlock(c2, c2, e)
        self.up2 = ResBlock(c2 + c2, c2, e)
        self.unpool1 = nn.Conv2d(c2, c2, 3, padding=1)
        self.up1 = ResBlock(c2 + c1, c1, e)
        self.unpool0 = nn.Conv2d(c1, c1, 3, padding=1)
        self.up0 = ResBlock(c1 + c0, c0, e)
        self.norm_out = group_norm(c0)
        self.conv_out = nn.Conv2d(c0, 1, 3, padding=1)
        # start as "predict no noise", which keeps the first steps' loss near 1
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None):
        """ε̂(x_t, t[, label]); `t` holds code indices 0..T−1, `labels` 0..C−1 or C for none."""
        if t.dim() == 0:
            t = t.expand(x.shape[0])
        emb = self.time_mlp(timestep_embedding(t, self.config.time_dim))
        if self.label_emb is not None:
            if labels is None:
                labels = torch.full((x.shape[0],), self.config.num_classes, device=x.device)
            emb = emb + self.label_emb(labels)
        h0 = self.down0(self.conv_in(x), emb)
        h1 = self.down1(self.pool0(h0), emb)
        h2 = self.down2(self.pool1(h1), emb)
        h = self.mid2(self.mid_attn(self.mid1(h2, emb)), emb)
        h = self.up2(torch.cat([h, h2], 1), emb)
        h = self.unpool1(F.interpolate(h, size=h1.shape[-2:], mode="nearest"))
        h = self.up1(torch.cat([h, h1], 1), emb)
        h = self.unpool0(F.interpolate(h, size=h0.shape[-2:], mode="nearest"))
        h = self.up0(torch.cat([h, h0], 1), emb)
        return self.conv_out(F.silu(self.norm_out(h)))
