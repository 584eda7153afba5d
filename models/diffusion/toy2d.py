"""Diffusion in two dimensions, where every sample is a point you can watch.

    pts = make_points("moons", 5000, seed=0)
    trainer = ToyTrainer(pts, Toy2DConfig())          # models/diffusion/toy2d_train.py
    ...
    sched = make_scheduler(config)
    sde = particle_paths(model, sched, x_T, "ddpm", seed=1)   # (T+1)×N×2
    ode = particle_paths(model, sched, x_T, "ddim")

All maths goes through `NoiseScheduler`, the same one the image models use, so what the
particles do here is exactly what the pixels do there. Points are float32 numpy arrays N×2.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Generator, Sequence

import numpy as np
import torch
from torch import nn

from .sampling import reverse_chain
from .scheduler import NoiseScheduler
from .schedules import MAX_BETA, SCHEDULES

DATASETS = ("moons", "swiss-roll", "8-gaussians")
SAMPLERS = {"ddpm": "DDPM (reverse SDE)", "ddim": "DDIM η = 0 (probability-flow ODE)"}
MIN_STROKE_POINTS = 2
DOT_MASS = 0.25        # a lone click weighs as much as a stroke this long

# Affine maps that bring each raw shape to mean ≈ 0 and overall std ≈ 1. They are fixed
# (measured once on 10⁶ points) rather than fitted per call, so that 200 points and
# 20,000 points of the same dataset lie on the same shape.
_NORMALISE = {"moons": ((0.5, 0.25), 0.708),
              "swiss-roll": ((2.0, 0.22), 6.80),
              "8-gaussians": ((0.0, 0.0), 1.0)}


# ---------------------------------------------------------------------- data
def make_points(name: str, n: int, seed: int = 0) -> np.ndarray:
    """`n` points of a named 2-D distribution, roughly zero-mean with unit std."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    n = _count(n)
    rng = np.random.default_rng(seed)
    if name == "moons":
        upper = rng.random(n) < 0.5
        theta = rng.uniform(0.0, math.pi, n)
        x = np.where(upper, np.cos(theta), 1.0 - np.cos(theta))
        y = np.where(upper, np.sin(theta), 0.5 - np.sin(theta))
        raw = np.stack([x, y], 1) + rng.normal(0.0, 0.06, (n, 2))
    elif name == "swiss-roll":
        t = 1.5 * math.pi * (1.0 + 2.0 * rng.random(n))
        raw = np.stack([t * np.cos(t), t * np.sin(t)], 1) + rng.normal(0.0, 0.4, (n, 2))
    else:
        k = rng.integers(0, 8, n)
        centres = 1.4 * np.stack([np.cos(k * math.pi / 4), np.sin(k * math.pi / 4)], 1)
        raw = centres + rng.normal(0.0, 0.1, (n, 2))
    centre, scale = _NORMALISE[name]
    return ((raw - np.asarray(centre)) / scale).astype(np.float32)


def points_from_strokes(strokes: Sequence, n: int, seed: int = 0,
                        jitter: float = 0.06) -> np.ndarray:
    """`n` points spread along hand-drawn strokes (each a K×2 polyline in data units).

    Points fall on the strokes uniformly by length, a lone click counts as a small blob, and
    Gaussian jitter of std `jitter` gives the distribution some width. The drawing is kept
    where it was drawn, so the particles land where the user expects.
    """
    n = _count(n)
    polys = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes if len(s)]
    total = sum(len(p) for p in polys)
    if total < MIN_STROKE_POINTS:
        raise ValueError(f"draw at least {MIN_STROKE_POINTS} points (click or drag on the plot); "
                         f"there {'is' if total == 1 else 'are'} {total}")
    if not all(np.isfinite(p).all() for p in polys):
        raise ValueError("the drawing has points that are not finite numbers")
    if not (math.isfinite(jitter) and jitter >= 0):
        raise ValueError(f"jitter must be a finite number ≥ 0, not {jitter}")
    starts, deltas, masses = [], [], []
    for p in polys:
        if len(p) == 1:
            starts.append(p)
            deltas.append(np.zeros((1, 2)))
            masses.append(np.array([DOT_MASS]))
            continue
        seg = np.diff(p, axis=0)
        length = np.hypot(seg[:, 0], seg[:, 1])
        # a stroke drawn without moving is a dot too; zero-length segments get no points
        if length.sum() == 0:
            starts.append(p[:1])
            deltas.append(np.zeros((1, 2)))
            masses.append(np.array([DOT_MASS]))
        else:
            starts.append(p[:-1])
            deltas.append(seg)
            masses.append(length)
    start, delta, mass = np.concatenate(starts), np.concatenate(deltas), np.concatenate(masses)
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(mass), size=n, p=mass / mass.sum())
    along = rng.random((n, 1))
    out = start[pick] + along * delta[pick] + rng.normal(0.0, jitter, (n, 2))
    return out.astype(np.float32)


def _count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 1_000_000:
        raise ValueError(f"the number of points must be an integer in 1..1000000, not {n!r}")
    return int(n)


# ---------------------------------------------------------------------- model
@dataclass(frozen=True)
class Toy2DConfig:
    schedule: str = "linear"
    timesteps: int = 100
    hidden: int = 128
    depth: int = 3          # hidden layers
    time_dim: int = 32
    x_freqs: int = 4        # Fourier features sin/cos(2^k x), k < x_freqs
    box: float = 4.0        # samplers clip x̂_0 to [−box, box]²; 0 turns that off

    def __post_init__(self):
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        for name, lo, hi in (("timesteps", 10, 1000), ("hidden", 8, 1024), ("depth", 1, 8),
                             ("time_dim", 4, 256), ("x_freqs", 0, 12)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer in {lo}..{hi}, not {v!r}")
        if self.time_dim % 2:
            raise ValueError(f"time_dim must be even, not {self.time_dim}")
        if not (isinstance(self.box, (int, float)) and math.isfinite(self.box) and self.box >= 0):
            raise ValueError(f"box must be a finite number ≥ 0, not {self.box!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def make_scheduler(config: Toy2DConfig) -> NoiseScheduler:
    """The scheduler for a toy model: no clipping, and the linear β range stretched to T.

    DDPM's β_1 = 10⁻⁴ … β_T = 0.02 is tuned for T = 1000; with T = 100 it would leave
    ᾱ_T ≈ 0.36, far from pure noise. Scaling both ends by 1000/T (as Nichol & Dhariwal
    do; β stays ≤ 0.999 for tiny T) keeps ᾱ_T near zero for any T. Clipping x̂_0 to
    [−1, 1] suits images, not points.
    """
    scale = 1000.0 / config.timesteps
    return NoiseScheduler(config.schedule, config.timesteps, beta_start=1e-4 * scale,
                          beta_end=min(0.02 * scale, MAX_BETA), clip_sample=False)


class ToyDenoiser(nn.Module):
    """ε̂(x_t, t): an MLP on x_t, Fourier features of x_t and a sinusoidal embedding of t.

    The Fourier features (sin and cos of 2^k·x) let a small MLP draw thin, sharp shapes in a
    couple of thousand steps; without them moons and spirals stay blurred for much longer.
    """

    def __init__(self, config: Toy2DConfig):
        super().__init__()
        self.config = config
        half = config.time_dim // 2
        # t is rescaled to 0..1000 so the embedding looks the same for every T
        self.register_buffer("t_freqs", torch.exp(-math.log(1000.0) * torch.arange(half) / half),
                             persistent=False)
        self.register_buffer("x_freqs", 2.0 ** torch.arange(config.x_freqs, dtype=torch.float32),
                             persistent=False)
        layers: list[nn.Module] = []
        width = 2 + 4 * config.x_freqs + config.time_dim
        for _ in range(config.depth):
            layers += [nn.Linear(width, config.hidden), nn.SiLU()]
            width = config.hidden
        layers.append(nn.Linear(width, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels=None) -> torch.Tensor:
        targ = (t.to(x.dtype) * (1000.0 / self.config.timesteps))[:, None] * self.t_freqs
        xarg = (x[:, :, None] * self.x_freqs).flatten(1)
        feats = [x, torch.sin(xarg), torch.cos(xarg), torch.sin(targ), torch.cos(targ)]
        return self.net(torch.cat(feats, 1))

    @classmethod
    def from_state(cls, state: dict, config: Toy2DConfig) -> "ToyDenoiser":
        model = cls(config).eval().requires_grad_(False)
        model.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()})
        return model


class BoxedEps(nn.Module):
    """ε̂ made consistent with x̂_0 clipped to the box [−box, box]², for sampling.

    The image models clip x̂_0 to [−1, 1]; points need a wider box. Without it the first
    DDIM step of the cosine schedule (ᾱ_T ≈ 10⁻⁷, so x̂_0 amplifies ε̂'s error ~2000×)
    throws the deterministic particles far off, and nothing later pulls them back.
    """

    def __init__(self, model: nn.Module, scheduler: NoiseScheduler, box: float):
        super().__init__()
        self.model, self.box = model, float(box)
        self.register_buffer("acp", scheduler.alphas_cumprod.clone(), persistent=False)

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels=None) -> torch.Tensor:
        eps = self.model(x, t)
        a = self.acp.to(x.device)[t][:, None].to(x.dtype)
        x0 = ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-self.box, self.box)
        return (x - a.sqrt() * x0) / (1 - a).sqrt()


# ---------------------------------------------------------------------- maths
def alpha_bar(scheduler: NoiseScheduler, t: int) -> float:
    """ᾱ_t for code index t (0..T−1), in float64."""
    _check_t(scheduler, t)
    return float(scheduler.alphas_cumprod.double()[int(t)])


def noised(points: np.ndarray, t: int, scheduler: NoiseScheduler, seed: int = 0) -> np.ndarray:
    """A draw of x_t ~ q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I) for every point."""
    x0 = np.asarray(points, np.float64)
    a = alpha_bar(scheduler, t)
    eps = np.random.default_rng(seed).standard_normal(x0.shape)
    return (math.sqrt(a) * x0 + math.sqrt(1.0 - a) * eps).astype(np.float32)


@torch.no_grad()
def eps_field(model: nn.Module, grid: np.ndarray, t: int) -> np.ndarray:
    """The model's ε̂(x, t) at every grid point (M×2 → M×2)."""
    x = torch.as_tensor(np.asarray(grid, np.float32))
    dev = next(model.parameters()).device
    tt = torch.full((len(x),), int(t), dtype=torch.long, device=dev)
    return model(x.to(dev), tt).float().cpu().numpy()


def score_field(model: nn.Module, grid: np.ndarray, t: int,
                scheduler: NoiseScheduler) -> np.ndarray:
    """The learned score ∇ log p_t(x) ≈ −ε̂(x, t)/√(1 − ᾱ_t)."""
    return -eps_field(model, grid, t) / math.sqrt(1.0 - alpha_bar(scheduler, t))


def grid_points(x_range: tuple[float, float], y_range: tuple[float, float],
                n: int = 21) -> np.ndarray:
    """An n×n lattice over the box, as (n²)×2 float32, row by row."""
    xs = np.linspace(*x_range, n, dtype=np.float32)
    ys = np.linspace(*y_range, n, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def path_timesteps(scheduler: NoiseScheduler) -> np.ndarray:
    """Frame k of a path is x after denoising timesteps T−1 … T−k; frame 0 is x_T."""
    T = scheduler.num_train_timesteps
    return np.arange(T - 1, -1, -1)


def particle_paths(model, scheduler: NoiseScheduler, x_T: np.ndarray, sampler: str = "ddpm",
                   seed: int = 0, config: Toy2DConfig | None = None) -> np.ndarray:
    """Every position of every particle through the reverse process: (T+1)×N×2 float32.

    Both samplers take all T steps, so frame k of one lines up with frame k of the other.
    "ddpm" is Algorithm 2 (σ_t² = β_t), a discretised reverse SDE whose noise comes from
    `seed`; "ddim" with η = 0 is deterministic, a discretised probability-flow ODE.
    `model` is a ToyDenoiser, or its numpy state together with `config`.
    """
    chain = iter_particle_paths(model, scheduler, x_T, sampler, seed, config)
    while True:
        try:
            next(chain)
        except StopIteration as done:
            return done.value


def iter_particle_paths(model, scheduler: NoiseScheduler, x_T: np.ndarray, sampler: str = "ddpm",
                        seed: int = 0, config: Toy2DConfig | None = None
                        ) -> Generator[int, None, np.ndarray]:
    """`particle_paths` as a generator that yields the step just done (1..T), for jobs."""
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, not {sampler!r}")
    if isinstance(model, dict):
        if config is None:
            raise ValueError("a state dict needs its Toy2DConfig")
        model = ToyDenoiser.from_state(model, config)
    x = np.asarray(x_T, np.float32)
    if x.ndim != 2 or x.shape[1] != 2 or not np.isfinite(x).all():
        raise ValueError(f"x_T must be a finite N×2 array, not shape {x.shape}")
    dev = next(model.parameters()).device
    cfg = config or getattr(model, "config", None)
    box = cfg.box if isinstance(cfg, Toy2DConfig) else 0.0
    if box > 0:
        model = BoxedEps(model, scheduler, box)
    T = scheduler.num_train_timesteps
    out = np.empty((T + 1, len(x), 2), np.float32)
    out[0] = x
    gen = torch.Generator().manual_seed(int(seed)) if sampler == "ddpm" else None
    chain = reverse_chain(model, scheduler, torch.from_numpy(x).to(dev), steps=T, eta=0.0,
                          sampler=sampler, generator=gen)
    for step in chain:
        out[step.index] = step.sample.float().cpu().numpy()
        yield step.index
    if not np.isfinite(out[-1]).all():
        raise ValueError("the particles left the range of finite numbers; train the model longer "
                         "or with a smaller learning rate")
    return out


def distance_to_data(paths: np.ndarray, data: np.ndarray, max_particles: int = 400,
                     max_data: int = 1500) -> np.ndarray:
    """Mean distance from the particles to their nearest data point, per frame: (F,).

    Evenly chosen subsets keep it to a fraction of a second for 1,000 particles × 1,000 frames.
    """
    paths, data = np.asarray(paths, np.float32), np.asarray(data, np.float32)
    if paths.ndim != 3 or paths.shape[2] != 2 or data.ndim != 2 or data.shape[1] != 2 or not len(data):
        raise ValueError("paths must be F×N×2 and data a non-empty M×2 array")
    pick = np.unique(np.linspace(0, paths.shape[1] - 1, min(paths.shape[1], max_particles)).astype(int))
    ref = data[np.unique(np.linspace(0, len(data) - 1, min(len(data), max_data)).astype(int))]
    out = np.empty(len(paths), np.float64)
    for k, frame in enumerate(paths[:, pick]):
        d2 = (frame[:, None, 0] - ref[None, :, 0]) ** 2 + (frame[:, None, 1] - ref[None, :, 1]) ** 2
        out[k] = np.sqrt(d2.min(1)).mean()
    return out


def _check_t(scheduler: NoiseScheduler, t) -> None:
    T = scheduler.num_train_timesteps
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t < T:
        raise ValueError(f"t must be an integer in 0..{T - 1}, not {t!r}")
