"""RealNVP (Dinh, Sohl-Dickstein & Bengio, 2017): an invertible network with an exact density.

    flow = build_flow(RealNVPConfig(kind="2d"))          # or kind="image" for 28×28 digits
    z, log_det = flow.forward(x)                          # data → Gaussian, log |det ∂z/∂x|
    x = flow.inverse(z)                                   # Gaussian → data
    log p(x) = log N(z; 0, I) + log_det                   # the change of variables

Each affine coupling layer splits the coordinates with a binary mask m into a kept part
x_b = m ⊙ x and a transformed part x_a = (1 − m) ⊙ x:

    y_b = x_b,    y_a = x_a ⊙ exp(s(x_b)) + t(x_b)

Its Jacobian is triangular, so log |det| = Σ s(x_b) over the transformed coordinates, and
the inverse is x_a = (y_a − t(y_b)) ⊙ exp(−s(y_b)) (y_b = x_b is known). Successive layers
alternate the mask, so every coordinate is transformed. s is bounded, s = c·tanh(ŝ/c), a soft
clamp with slope 1 at 0: a coupling can scale by at most e^{±c}, which keeps early training
from blowing up. The last layer of every s, t network starts at zero, so an untrained flow is
the identity.

Two flows share the couplings:

- **2-D** (`RealNVP2D`): points in the plane; a coupling changes one coordinate given the
  other through an MLP, alternately x then y. A fixed affine standardisation
  u = (x − shift) / scale, set from the training points (buffers, saved with the weights),
  comes first, so points of any scale meet a flow that starts near N(0, I); its log-det is
  −Σ log scale.
- **Image** (`RealNVPImage`): 28×28 digits with checkerboard masks only (no squeeze, no
  channel masks), the s, t nets small 3×3 convolution stacks. Chosen to stay trainable on a
  CPU; the receptive field grows with the number of layers instead of by squeezing.

Image data is dequantized: a pixel v ∈ {0, …, 255} becomes w = v + u, u ~ U(0, 1), so the
model is a density on [0, 256)^D (D = 784), and then x = w / 256 ∈ [0, 1). The flow sees
y = logit(α + (1 − 2α)·x) (α = 0.05, so y stays finite), whose log-det is
Σ [log(1 − 2α) − log p − log(1 − p)], p = α + (1 − 2α)x. Bits per dimension are then

    bpd = −log p_w(w) / (D ln 2),   log p_w(w) = log p_x(x) − D log 256

i.e. bpd = −log p_x(x) / (D ln 2) + 8: the density of [0, 1)-scaled data is 256^D times that
of the [0, 256)-scaled data the published figures use. Averaged over u this is an upper bound
on the discrete −log₂ P(v) / D (Theis et al., 2016), the figure papers report (RealNVP:
≈ 1.06 on MNIST with a much larger model).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch
from torch import nn

KINDS = ("2d", "image")
SIDE = 28
PIXELS = SIDE * SIDE
LOGIT_ALPHA = 0.05
LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class RealNVPConfig:
    """kind "2d": `layers` couplings, each an MLP of `depth` hidden layers of `hidden` units.
    kind "image": `layers` checkerboard couplings, each a stack of `depth` + 1 3×3
    convolutions of `hidden` channels. `clamp` bounds every log-scale s to (−clamp, clamp)."""
    kind: str = "2d"
    layers: int = 8
    hidden: int = 64
    depth: int = 2
    clamp: float = 3.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        for name, lo, hi in (("layers", 1, 64), ("hidden", 2, 1024), ("depth", 0, 8)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer in {lo}..{hi}, not {v!r}")
        c = self.clamp
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not (math.isfinite(c)
                                                                         and 0 < c <= 20):
            raise ValueError(f"clamp must be a number in (0, 20], not {c!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "RealNVPConfig":
        if not isinstance(d, dict):
            raise TypeError(f"a RealNVPConfig needs a dict, not {type(d).__name__}")
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown RealNVPConfig field(s): {', '.join(unknown)}")
        return cls(**d)


def soft_clamp(s: torch.Tensor, c: float) -> torch.Tensor:
    return c * torch.tanh(s / c)


def gaussian_log_prob(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) summed over all but the first dimension (nats)."""
    flat = z.reshape(len(z), -1)
    return -0.5 * (flat.pow(2).sum(1) + flat.shape[1] * LOG_2PI)


# ---------------------------------------------------------------------- couplings
class Coupling(nn.Module):
    """One affine coupling: `mask` (1 = kept) is a buffer, `net(kept)` gives (ŝ, t)."""

    def __init__(self, mask: torch.Tensor, net: nn.Module, clamp: float):
        super().__init__()
        self.register_buffer("mask", mask, persistent=False)   # rebuilt from the config
        self.net, self.clamp = net, float(clamp)

    def _s_t(self, kept: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, t = self.net(kept).chunk(2, dim=1)
        free = 1 - self.mask
        return soft_clamp(s, self.clamp) * free, t * free      # zero on the kept coordinates

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x → (y, log |det ∂y/∂x| per sample)."""
        s, t = self._s_t(x * self.mask)
        y = x * torch.exp(s) + t                   # kept coordinates: s = t = 0, y = x
        return y, s.reshape(len(x), -1).sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        s, t = self._s_t(y * self.mask)            # y's kept part equals x's
        return (y - t) * torch.exp(-s)


def _mlp(hidden: int, depth: int) -> nn.Sequential:
    """(x, y) with the transformed coordinate zeroed → (ŝ_x, ŝ_y, t_x, t_y)."""
    layers: list[nn.Module] = []
    width = 2
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    last = nn.Linear(width, 4)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


class _ConvNet(nn.Module):
    """Kept pixels and the mask itself (so the net knows which pixels it may use) → (ŝ, t)."""

    def __init__(self, hidden: int, depth: int):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(2, hidden, 3, padding=1), nn.ReLU()]
        for _ in range(depth):
            layers += [nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.out = nn.Conv2d(hidden, 2, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, kept_and_mask: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(kept_and_mask))


class _ImageCoupling(Coupling):
    def _s_t(self, kept):
        mask = self.mask.expand(len(kept), *self.mask.shape[1:])
        s, t = self.net(torch.cat([kept, mask], 1)).chunk(2, dim=1)
        free = 1 - self.mask
        return soft_clamp(s, self.clamp) * free, t * free


def checkerboard(parity: int, side: int = SIDE) -> torch.Tensor:
    """1×1×side×side: 1 where (row + column) % 2 == parity (the pixels a coupling keeps)."""
    idx = torch.arange(side)
    return (((idx[:, None] + idx[None, :]) % 2) == parity).float()[None, None]


# ---------------------------------------------------------------------- flows
class Flow(nn.Module):
    """Couplings in order, data → Gaussian; `pre` / `post` are the fixed transforms at the
    data end (standardisation, logit), overridden by each kind."""

    couplings: nn.ModuleList

    def preprocess(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def postprocess(self, h: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (data) → (z, log |det ∂z/∂x| per sample, nats)."""
        h, log_det = self.preprocess(x)
        for c in self.couplings:
            h, ld = c(h)
            log_det = log_det + ld
        return h, log_det

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        h = z
        for c in reversed(self.couplings):
            h = c.inverse(h)
        return self.postprocess(h)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) per sample in nats (for images: of x ∈ [0, 1)^D, see bits_per_dim)."""
        z, log_det = self(x)
        return gaussian_log_prob(z) + log_det


class RealNVP2D(Flow):
    def __init__(self, config: RealNVPConfig):
        super().__init__()
        self.config = config
        masks = [torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 0.0]])]   # x, then y changes
        self.couplings = nn.ModuleList(
            Coupling(masks[i % 2], _mlp(config.hidden, config.depth), config.clamp)
            for i in range(config.layers))
        # the standardisation; set_standardisation() fits it to the training points
        self.register_buffer("shift", torch.zeros(2))
        self.register_buffer("scale", torch.ones(2))

    def set_standardisation(self, points: np.ndarray) -> None:
        pts = np.asarray(points, np.float64)
        self.shift.copy_(torch.from_numpy(pts.mean(0)))
        self.scale.copy_(torch.from_numpy(pts.std(0)))

    def preprocess(self, x):
        h = (x - self.shift) / self.scale
        return h, -torch.log(self.scale).sum().expand(len(x))

    def postprocess(self, h):
        return h * self.scale + self.shift

    def trajectory(self, z: torch.Tensor) -> list[torch.Tensor]:
        """z, then the points after each inverse coupling, all shown in the data's frame
        (shift + scale · h): len = layers + 1, the last the samples x."""
        out, h = [self.postprocess(z)], z
        for c in reversed(self.couplings):
            h = c.inverse(h)
            out.append(self.postprocess(h))
        return out


class RealNVPImage(Flow):
    def __init__(self, config: RealNVPConfig):
        super().__init__()
        self.config = config
        self.couplings = nn.ModuleList(
            _ImageCoupling(checkerboard(i % 2), _ConvNet(config.hidden, config.depth), config.clamp)
            for i in range(config.layers))

    def preprocess(self, x):
        """x ∈ [0, 1) (N×1×28×28) → logit(α + (1 − 2α)x) and its log-det."""
        p = LOGIT_ALPHA + (1 - 2 * LOGIT_ALPHA) * x
        y = torch.log(p) - torch.log1p(-p)
        log_det = (math.log(1 - 2 * LOGIT_ALPHA) - torch.log(p) - torch.log1p(-p))
        return y, log_det.reshape(len(x), -1).sum(1)

    def postprocess(self, h):
        return ((torch.sigmoid(h) - LOGIT_ALPHA) / (1 - 2 * LOGIT_ALPHA)).clamp(0, 1)


def build_flow(config: RealNVPConfig) -> Flow:
    return RealNVP2D(config) if config.kind == "2d" else RealNVPImage(config)


# ---------------------------------------------------------------------- images
def dequantize(levels: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Pixel levels v ∈ {0, …, 255} (any shape) → x = (v + u) / 256, u ~ U(0, 1)."""
    u = torch.rand(levels.shape, generator=generator, device=levels.device)
    return (levels.float() + u) / 256.0


def bits_per_dim(log_prob_unit: torch.Tensor, dims: int = PIXELS) -> torch.Tensor:
    """log p(x) of [0, 1)-scaled data (nats, per image) → bits per dimension of the
    [0, 256)-scaled data: −(log p_x − D log 256) / (D ln 2)."""
    return -(log_prob_unit - dims * math.log(256)) / (dims * math.log(2))
