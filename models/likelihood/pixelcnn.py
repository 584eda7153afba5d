"""PixelCNN (van den Oord et al., 2016) for binary images: masked convolutions in raster order.

A convolution's kernel is masked so that the output at pixel i sees only pixels before it:
mask A (the first layer) also hides pixel i itself, mask B (every later layer) lets a layer see
the previous layer's output at i, which already depends on x_<i alone. Stacking them gives
p(x_i = 1 | x_<i) = σ(logit_i) for every pixel in one forward pass (the conditionals of a
whole image at once); sampling still needs one pass per pixel.

Blocks are residual: x + 1×1(ReLU(masked 3×3 B(ReLU(x)))). With `gated=True` each block is
the gated activation tanh(W_f ∗ x) ⊙ σ(W_g ∗ x) (the Gated PixelCNN's), here in a single
masked stack: this is the simpler gated PixelCNN *without* the vertical/horizontal stacks,
so it keeps the plain PixelCNN's blind spot (pixels up and to the right of a growing
triangle are never seen).

Output at row r depends on input rows r − R … r only, R = 3 + layers (3 for the 7×7 first
layer, 1 per 3×3 block), which sampling uses to run the network on a band of rows.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .nade import _int

FIRST_KERNEL = 7


@dataclass(frozen=True)
class PixelCNNConfig:
    size: int = 28
    channels: int = 64
    layers: int = 7               # residual blocks after the first (mask A) layer
    gated: bool = False

    def __post_init__(self):
        object.__setattr__(self, "size", _int("size", self.size, 1, 64))
        object.__setattr__(self, "channels", _int("channels", self.channels, 1, 512))
        object.__setattr__(self, "layers", _int("layers", self.layers, 0, 64))
        if not isinstance(self.gated, bool):
            raise ValueError(f"gated must be true or false, not {self.gated!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PixelCNNConfig":
        return cls(**{k: d[k] for k in ("size", "channels", "layers", "gated") if k in d})


class MaskedConv2d(nn.Conv2d):
    """A 'same' convolution whose kernel sees only the rows above and, in the centre row,
    the columns left of the centre (mask A) or up to and including it (mask B)."""

    def __init__(self, cin: int, cout: int, kernel: int, mask: str):
        super().__init__(cin, cout, kernel, padding=kernel // 2)
        if mask not in ("A", "B"):
            raise ValueError(f"mask must be 'A' or 'B', not {mask!r}")
        k = kernel // 2
        m = torch.zeros(kernel, kernel)
        m[:k] = 1                                  # every row above the centre
        m[k, :k + (mask == "B")] = 1               # the centre row: left of it (A), or with it (B)
        self.register_buffer("mask", m[None, None], persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, gated: bool):
        super().__init__()
        self.gated = gated
        self.conv = MaskedConv2d(channels, 2 * channels if gated else channels, 3, "B")
        self.out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.gated:
            f, g = self.conv(x).chunk(2, dim=1)
            h = torch.tanh(f) * torch.sigmoid(g)     # the gated activation
        else:
            h = F.relu(self.conv(F.relu(x)))
        return x + self.out(h)


class PixelCNN(nn.Module):
    def __init__(self, config: PixelCNNConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.first = MaskedConv2d(1, c, FIRST_KERNEL, "A")
        self.blocks = nn.ModuleList(ResidualBlock(c, config.gated) for _ in range(config.layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """N×1×H×W float {0, 1} → N×1×H×W logits. Pixels enter centred (2x − 1) so that a
        0 is not the same as the zero padding."""
        h = self.first(2 * x - 1)
        for block in self.blocks:
            h = block(h)
        return self.head(h)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """N×1×S×S (or N×S×S) float {0, 1} → N×S×S logits of p(x_i = 1 | x_<i)."""
        s = self.config.size
        return self(x.reshape(len(x), 1, s, s))[:, 0]

    def receptive_rows(self) -> int:
        """R: the output at row r depends on input rows r − R … r only."""
        return FIRST_KERNEL // 2 + self.config.layers

    @torch.no_grad()
    def fill(self, x: torch.Tensor, unknown: torch.Tensor,
             generator: torch.Generator | None = None, crop: str = "band") -> torch.Tensor:
        """Sample the `unknown` pixels of x (N×S×S float {0, 1}) in raster order; known pixels
        stay. One forward pass per pixel to draw, on the rows that pass can need:

        crop="full": the whole image each time (the reference);
        crop="rows": rows 0 … r (masks make rows below r irrelevant to row r);
        crop="band": rows r − R … r, the receptive field (exact: the zero padding at the band's
        top reaches row r only through R layers, which the band's R rows absorb)."""
        s, rows = self.config.size, self.receptive_rows()
        v = x.reshape(len(x), 1, s, s).clone()
        todo = unknown.reshape(len(x), s, s)
        for r in range(s):
            if not todo[:, r].any():
                continue
            top = 0 if crop == "rows" else max(0, r - rows)
            bottom = s if crop == "full" else r + 1
            for col in range(s):
                need = todo[:, r, col]
                if not need.any():
                    continue
                p = torch.sigmoid(self(v[:, :, top:bottom])[:, 0, r - top, col])
                u = torch.rand(len(x), generator=generator, device=x.device)
                v[:, 0, r, col] = torch.where(need, (u < p).to(v.dtype), v[:, 0, r, col])
        return v.reshape(x.shape)


def build_pixelcnn(config: PixelCNNConfig) -> PixelCNN:
    return PixelCNN(config)


def pixelcnn_parameters(config: PixelCNNConfig) -> int:
    """The network's actual weight count (it does not depend on the image size)."""
    return sum(p.numel() for p in PixelCNN(config).parameters())
