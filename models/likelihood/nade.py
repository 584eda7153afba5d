"""NADE, the neural autoregressive density estimator (Larochelle & Murray, 2011).

For n binary pixels in raster order and H hidden units:

    h_i = σ(W_{·,<i} x_<i + c)              (H units: the pixels before i, through W: H×n)
    p(x_i = 1 | x_<i) = σ(α_i · h_i + b_i)   (α_i: row i of V, n×H; b: n biases)

The hidden layers share W: the pre-activation a_i = W_{·,<i} x_<i + c grows by one column per
pixel, a_i = a_{i−1} + W_{·,i−1} x_{i−1}, so all n conditionals cost O(nH) instead of the
O(n²H) of n separate networks. log p(x) = Σ_i log p(x_i | x_<i) takes one pass (a cumulative
sum over the columns W_{·,j} x_j), sampling one pixel after another with the same running sum.
Parameters: W and V (nH each), b (n) and c (H): 2nH + n + H.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from ..checks import whole

DEFAULT_HIDDEN = 500      # the paper's


_int = whole          # pixelcnn.py and realnvp.py import it from here


@dataclass(frozen=True)
class NADEConfig:
    size: int = 28               # images are size×size, n = size² pixels
    hidden: int = DEFAULT_HIDDEN

    def __post_init__(self):
        object.__setattr__(self, "size", _int("size", self.size, 1, 64))
        object.__setattr__(self, "hidden", _int("hidden", self.hidden, 1, 4096))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "NADEConfig":
        return cls(**{k: d[k] for k in ("size", "hidden") if k in d})


class NADE(nn.Module):
    def __init__(self, config: NADEConfig):
        super().__init__()
        self.config = config
        n, h = config.size ** 2, config.hidden
        # filled by nn.init, which a checkpoint's build on the meta device skips (a random
        # factory such as randn there would import torch's compiler, about 2 s)
        self.W = nn.Parameter(nn.init.normal_(torch.empty(h, n), std=0.01))  # column j for x_j
        self.c = nn.Parameter(torch.zeros(h))
        self.V = nn.Parameter(nn.init.normal_(torch.empty(n, h), std=0.01))  # row i: α_i
        self.b = nn.Parameter(torch.zeros(n))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """N×1×S×S (or N×S×S) float {0, 1} → N×S×S logits of p(x_i = 1 | x_<i), in O(nH).

        a_i = c + Σ_{j<i} W_{·,j} x_j for every i at once: the cumulative sum of the columns
        W_{·,j} x_j, shifted by one so that a_i holds only the pixels before i."""
        s = self.config.size
        v = x.reshape(len(x), s * s)
        contrib = v[:, :, None] * self.W.t()[None]               # N×n×H: W_{·,j} x_j
        a = torch.cumsum(contrib, dim=1) - contrib + self.c      # exclusive: pixels j < i
        h = torch.sigmoid(a)
        return ((h * self.V[None]).sum(-1) + self.b).reshape(len(x), s, s)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x)

    def logits_naive(self, x: torch.Tensor) -> torch.Tensor:
        """The same conditionals, one network per pixel (O(n²H)): h_i = σ(W_{·,<i} x_<i + c).
        Only for tests, to check the shared running sum."""
        s = self.config.size
        v = x.reshape(len(x), s * s)
        out = []
        for i in range(s * s):
            h = torch.sigmoid(v[:, :i] @ self.W[:, :i].t() + self.c)
            out.append(h @ self.V[i] + self.b[i])
        return torch.stack(out, 1).reshape(len(x), s, s)

    @torch.no_grad()
    def fill(self, x: torch.Tensor, unknown: torch.Tensor,
             generator: torch.Generator | None = None) -> torch.Tensor:
        """Sample the `unknown` pixels of x (N×S×S float {0, 1}) in raster order, each given
        every pixel before it (known or already drawn); known pixels stay. O(nH) in all: the
        running pre-activation a_i = a_{i−1} + W_{·,i−1} x_{i−1}."""
        n = self.config.size ** 2
        v = x.reshape(len(x), n).clone()
        todo = unknown.reshape(len(x), n)
        a = self.c.expand(len(x), -1).clone()
        for i in range(n):
            if todo[:, i].any():
                p = torch.sigmoid(torch.sigmoid(a) @ self.V[i] + self.b[i])
                u = torch.rand(len(x), generator=generator, device=x.device)
                v[:, i] = torch.where(todo[:, i], (u < p).to(v.dtype), v[:, i])
            a += v[:, i:i + 1] * self.W[:, i]
        return v.reshape(x.shape)

    def receptive_rows(self) -> int:
        return self.config.size


def build_nade(config: NADEConfig) -> NADE:
    return NADE(config)


def nade_parameters(n: int, hidden: int) -> int:
    """2nH + n + H: W and V, the pixel biases b and the hidden biases c."""
    return 2 * n * hidden + n + hidden
