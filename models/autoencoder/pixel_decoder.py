"""A PixelCNN decoder conditioned on z: the strong decoder under which a VAE's posterior
collapses (the lectures' warning, Bowman et al. 2016; Chen et al. 2017).

    p(x | z) = Π_i p(x_i | x_<i, z)

The masked stack is the Likelihood panel's PixelCNN (its MaskedConv2d, raster order); z enters
as a 28×28 feature map made from z alone (a small transposed-convolution net), added to the
first layer's output and, through a 1×1 projection, inside every block. The map depends on
z only, never on x, so the masks' promise (pixel i sees x_<i) still holds.

Such a decoder can model the digits on its own: nothing forces it to read z, and the KL term
pays it not to. That is the collapse the Collapse tab shows, and the remedies (KL warm-up,
free bits, β < 1) fight.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..likelihood.pixelcnn import FIRST_KERNEL, MaskedConv2d

SIZE = 28


class _Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv = MaskedConv2d(c, c, 3, "B")
        self.cond = nn.Conv2d(c, c, 1)
        self.out = nn.Conv2d(c, c, 1)

    def forward(self, h: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        return h + self.out(F.relu(self.conv(F.relu(h)) + self.cond(m)))


class PixelDecoder(nn.Module):
    def __init__(self, latent_dim: int, hidden: int, channels: int, layers: int):
        super().__init__()
        c = channels
        self.cond = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, c * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (c, 7, 7)),
            nn.ConvTranspose2d(c, c, 4, stride=2, padding=1), nn.ReLU(),   # 14×14
            nn.ConvTranspose2d(c, c, 4, stride=2, padding=1))              # 28×28
        self.first = MaskedConv2d(1, c, FIRST_KERNEL, "A")
        self.blocks = nn.ModuleList(_Block(c) for _ in range(layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, 1), nn.ReLU(), nn.Conv2d(c, 1, 1))
        # the receptive field: R rows above a pixel and R columns either side, R = 3 + layers
        self.rows = FIRST_KERNEL // 2 + layers

    def condition(self, z: torch.Tensor) -> torch.Tensor:
        return self.cond(z)

    def _net(self, x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        h = self.first(2 * x - 1) + m               # centred pixels: a 0 is not the padding
        for block in self.blocks:
            h = block(h, m)
        return self.head(h)

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """N×1×28×28 logits of p(x_i = 1 | x_<i, z) for binary images x (teacher forcing)."""
        return self._net(x.reshape(len(x), 1, SIZE, SIZE), self.condition(z))

    @torch.no_grad()
    def sample(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """N×1×28×28 binary images drawn pixel by pixel given z (see sample_rows)."""
        v = None
        for _, v in self.sample_rows(z, generator):
            pass
        return v

    @torch.no_grad()
    def sample_rows(self, z: torch.Tensor, generator: torch.Generator | None = None):
        """Draw as sample() does, yielding (rows done, the images so far) after each row, so
        a caller can show the drawing grow or stop it between rows. The images are the
        sampler's own tensor: copy what you keep.

        Each of the 784 passes runs on the window its pixel's receptive field covers: rows
        r − R … r, columns c − R … c + R. Exact: the zero padding at a window's edge reaches
        one pixel further in per layer, R layers in all, so it never reaches the centre (the
        Likelihood panel's band argument, applied to columns as well)."""
        m = self.condition(z)
        v = torch.zeros(len(z), 1, SIZE, SIZE, device=z.device, dtype=m.dtype)
        reach = self.rows
        for r in range(SIZE):
            top = max(0, r - reach)
            for col in range(SIZE):
                left, right = max(0, col - reach), min(SIZE, col + reach + 1)
                window = self._net(v[:, :, top:r + 1, left:right], m[:, :, top:r + 1, left:right])
                p = torch.sigmoid(window[:, 0, r - top, col - left])
                u = torch.rand(len(z), generator=generator, device=z.device)
                v[:, 0, r, col] = (u < p).to(v.dtype)
            yield r + 1, v
