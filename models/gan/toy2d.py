"""The 2-D GAN lab's data, networks and metrics: points you can watch G chase.

    pts = make_points("8gaussians", 10_000, seed=0)              # float32 N×2
    G, D = Generator2D(GAN2DConfig()), Discriminator2D(GAN2DConfig())
    m = mode_metrics(samples, mode_centres("8gaussians"), MODE_STD["8gaussians"])
    binned_divergences(pts, samples)                              # {"JS": bits, "KL": nats}

Every built-in dataset fits in the square [−EXTENT, EXTENT]², the lab's default view.
The training loop lives in toy2d_train.py.
"""
from __future__ import annotations

import math
import os
import tokenize
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ..files import check_regular

EXTENT = 2.5
DATASETS = ("8gaussians", "25gaussians", "moons", "spiral")
DATASET_NAMES = {"8gaussians": "Ring of 8 Gaussians", "25gaussians": "5×5 grid of Gaussians",
                 "moons": "Two moons", "spiral": "Spiral"}
MODE_STD = {"8gaussians": 0.05, "25gaussians": 0.05}
NOISES = ("gaussian", "uniform")
MAX_FILE_POINTS = 1_000_000
MIN_FILE_POINTS = 2


# ---------------------------------------------------------------------- data
def mode_centres(name: str) -> np.ndarray | None:
    """The K×2 mode centres of a mixture dataset, None for moons and spiral."""
    _check_dataset(name)
    if name == "8gaussians":
        angle = np.arange(8) * (math.pi / 4)
        return (2.0 * np.stack([np.cos(angle), np.sin(angle)], 1)).astype(np.float32)
    if name == "25gaussians":
        gx, gy = np.meshgrid(np.arange(-2, 3), np.arange(-2, 3))
        return np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    return None


def make_points(name: str, n: int, seed: int = 0) -> np.ndarray:
    """`n` points (float32 N×2) of a named distribution, the same for the same seed."""
    _check_dataset(name)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_FILE_POINTS:
        raise ValueError(f"the number of points must be an integer in 1..{MAX_FILE_POINTS:,}, "
                         f"not {n!r}")
    n = int(n)
    rng = np.random.default_rng(seed)
    centres = mode_centres(name)
    if centres is not None:
        pick = rng.integers(0, len(centres), n)
        out = centres[pick] + rng.normal(0.0, MODE_STD[name], (n, 2))
    elif name == "moons":
        upper = rng.random(n) < 0.5
        theta = rng.uniform(0.0, math.pi, n)
        x = np.where(upper, np.cos(theta), 1.0 - np.cos(theta))
        y = np.where(upper, np.sin(theta), 0.5 - np.sin(theta))
        # the raw moons span x ∈ [−1, 2], y ∈ [−0.5, 1]: centre them, then stretch to ±1.95
        out = 1.3 * (np.stack([x - 0.5, y - 0.25], 1) + rng.normal(0.0, 0.05, (n, 2)))
    else:  # spiral: two turns, points spread evenly along its length (∝ t² near the centre)
        t = 4 * math.pi * np.sqrt(rng.uniform(0.02, 1.0, n))
        r = 1.9 * t / (4 * math.pi)
        out = np.stack([r * np.cos(t), r * np.sin(t)], 1) + rng.normal(0.0, 0.04, (n, 2))
    return out.astype(np.float32)


def _bad_header(name: str, exc: BaseException) -> ValueError:
    """The plain reason first; numpy's own words (e.g. "format version (32, 103)") after it."""
    return ValueError(f"{name}: not a NumPy .npy file (bad header). Save an N×2 array of x, y "
                      "coordinates with numpy.save(path, points).\n\nDetail: "
                      f"{type(exc).__name__}: {exc}")


def load_points_file(path: str | os.PathLike) -> np.ndarray:
    """The user's own points: a .npy file holding an N×2 array of finite numbers (2 ≤ N ≤ 10⁶).

    Never unpickles anything. The header is read through a memory map first, so a file that
    claims a billion points is refused before any of them is read.
    """
    name = os.fspath(path)
    check_regular(name, ValueError)          # a FIFO would hang in open(), /dev/zero in np.load
    try:
        with open(name, "rb") as f:
            head = f.read(6)
    except OSError as exc:
        raise ValueError(f"{name}: cannot read the file ({exc.strerror or exc}).") from exc
    if head[:2] == b"PK":
        raise ValueError(f"{name}: this is a .npz archive of several arrays. Save a single "
                         "N×2 array with numpy.save(path, points) instead.")
    if head != b"\x93NUMPY":
        raise ValueError(f"{name}: not a NumPy .npy file. Save an N×2 array of x, y "
                         "coordinates with numpy.save(path, points).")
    try:
        arr = np.load(name, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        text = str(exc).lower()
        if "object" in text or "pickle" in text:
            raise ValueError(f"{name}: the array holds Python objects (a pickle). Pickles can "
                             "run arbitrary code, so the app never loads them; save a plain "
                             "numeric N×2 array.") from exc
        if "mmap length" in text:        # the header promises more bytes than the file holds
            raise ValueError(f"{name}: not a readable .npy file: it is truncated (its header "
                             "describes more data than the file holds).") from exc
        raise _bad_header(name, exc) from exc
    except (OSError, EOFError) as exc:
        raise ValueError(f"{name}: not a readable .npy file, or it is truncated ({exc}).") from exc
    except (SyntaxError, TypeError, KeyError, tokenize.TokenError, OverflowError,
            RecursionError, MemoryError) as exc:
        # numpy parses the header's dict with Python's tokenizer and literal_eval: a mangled
        # header escapes as any of these
        raise _bad_header(name, exc) from exc
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"{name}: the array holds {arr.dtype} values; it needs plain numbers "
                         "(integers or floats).")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name}: the array has shape {arr.shape}; it needs shape N×2, "
                         "one row of x, y per point.")
    if len(arr) < MIN_FILE_POINTS:
        raise ValueError(f"{name}: only {len(arr)} point(s); it needs at least {MIN_FILE_POINTS}.")
    if len(arr) > MAX_FILE_POINTS:
        raise ValueError(f"{name}: {len(arr):,} points is more than the {MAX_FILE_POINTS:,} "
                         "the lab takes; subsample it first.")
    try:
        with np.errstate(over="ignore"):       # too large for float32 → inf, refused below
            out = np.array(arr, dtype=np.float32)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{name}: the file is truncated or unreadable ({exc}).") from exc
    finally:
        del arr
    if not np.isfinite(out).all():
        bad = int((~np.isfinite(out).all(1)).sum())
        raise ValueError(f"{name}: {bad:,} point(s) are NaN or infinite (or too large for "
                         "float32); every coordinate must be a finite number.")
    return out


def fit_to_view(points: np.ndarray, extent: float = EXTENT, share: float = 0.88
                ) -> tuple[np.ndarray, float | None]:
    """Points wider than the ±extent square, centred and scaled to fill `share` of it, and
    the scale used (None when they fit as they are).

    Computed in float64: float32 points near its limit (3e38) overflow when centred, and the
    scale then turned every point into NaN.
    """
    pts = np.asarray(points, np.float64)
    if float(np.abs(pts).max()) <= extent:
        return np.asarray(points, np.float32), None
    centre = (pts.max(0) + pts.min(0)) / 2
    scale = share * extent / float(np.abs(pts - centre).max() or 1.0)
    return ((pts - centre) * scale).astype(np.float32), scale


def check_points(points) -> np.ndarray:
    pts = np.array(points, dtype=np.float32)       # a copy: the caller may keep editing theirs
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 1:
        raise ValueError(f"the real points must be a non-empty N×2 array, not shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("the real points contain NaN or infinite values")
    return pts


def _check_dataset(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")


# ---------------------------------------------------------------------- noise
def sample_noise(n: int, dim: int, kind: str = "gaussian", generator: torch.Generator | None = None,
                 truncation: float | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """n noise vectors (n×dim float32): N(0, I) or U(−1, 1), optionally truncated.

    Gaussian truncation keeps |z_i| ≤ t by resampling, BigGAN's truncation trick; drawing by
    the inverse CDF on [Φ(−t), Φ(t)] gives exactly that distribution in one pass, however
    small t is. Uniform noise is narrowed to U(−t, t), t = min(truncation, 1).
    """
    if kind not in NOISES:
        raise ValueError(f"noise must be one of {', '.join(NOISES)}, not {kind!r}")
    if truncation is not None and not (isinstance(truncation, (int, float))
                                       and math.isfinite(truncation) and truncation > 0):
        raise ValueError(f"truncation must be a number > 0 (or None), not {truncation!r}")
    if truncation is None:
        if kind == "gaussian":
            return torch.randn((n, dim), generator=generator, device=device)
        return torch.rand((n, dim), generator=generator, device=device) * 2 - 1
    if kind == "uniform":
        t = min(float(truncation), 1.0)
        return (torch.rand((n, dim), generator=generator, device=device) * 2 - 1) * t
    # float64 on the generator's own device (MPS has no float64, so then the CPU)
    where = generator.device if generator is not None else torch.device("cpu")
    t = float(truncation)
    lo = 0.5 * math.erfc(t / math.sqrt(2))         # Φ(−t), accurate even for large t
    u = torch.rand((n, dim), generator=generator, device=where, dtype=torch.float64)
    u = lo + (1 - 2 * lo) * u
    z = torch.special.ndtri(u).clamp_(-t, t)
    return z.to(device=device, dtype=torch.float32)


# ---------------------------------------------------------------------- networks
@dataclass(frozen=True)
class GAN2DConfig:
    noise_dim: int = 2
    noise: str = "gaussian"
    g_layers: int = 3
    g_width: int = 128
    d_layers: int = 3
    d_width: int = 128
    d_dropout: float = 0.0

    def __post_init__(self):
        for name, lo, hi in (("noise_dim", 1, 64), ("g_layers", 1, 8), ("d_layers", 1, 8),
                             ("g_width", 4, 1024), ("d_width", 4, 1024)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer in {lo}..{hi}, not {v!r}")
        if self.noise not in NOISES:
            raise ValueError(f"noise must be one of {', '.join(NOISES)}, not {self.noise!r}")
        p = self.d_dropout
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 0.9:
            raise ValueError(f"D's dropout must be in [0, 0.9), not {p!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "GAN2DConfig":
        if not isinstance(d, dict):
            raise TypeError(f"a GAN2DConfig needs a dict, not {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown GAN2DConfig field(s): {', '.join(unknown)}")
        return cls(**d)


class Generator2D(nn.Module):
    """z (noise_dim) → g_layers × (Linear, ReLU) of width g_width → a point in the plane."""

    def __init__(self, config: GAN2DConfig):
        super().__init__()
        layers: list[nn.Module] = []
        width = config.noise_dim
        for _ in range(config.g_layers):
            layers += [nn.Linear(width, config.g_width), nn.ReLU()]
            width = config.g_width
        layers.append(nn.Linear(width, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Discriminator2D(nn.Module):
    """A point → d_layers × (Linear, LeakyReLU 0.2, Dropout) → one logit per point (shape N).

    The Dropout modules are there even at rate 0 (they hold no weights), so a checkpoint's
    keys never depend on the rate, and `set_dropout` can change it while training.
    """

    def __init__(self, config: GAN2DConfig):
        super().__init__()
        layers: list[nn.Module] = []
        width = 2
        for _ in range(config.d_layers):
            layers += [nn.Linear(width, config.d_width), nn.LeakyReLU(0.2),
                       nn.Dropout(config.d_dropout)]
            width = config.d_width
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)
        self.set_dropout(config.d_dropout)

    def set_dropout(self, p: float) -> None:
        if not 0.0 <= p < 0.9:
            raise ValueError(f"D's dropout must be in [0, 0.9), not {p!r}")
        for m in self.net:
            if isinstance(m, nn.Dropout):
                m.p = float(p)
        # at rate 0 a Dropout still draws a mask in train mode; skip it entirely
        self._forward_layers = [m for m in self.net if not (isinstance(m, nn.Dropout) and p == 0)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self._forward_layers:
            x = m(x)
        return x.reshape(-1)


# ---------------------------------------------------------------------- metrics
class ModeMetrics(NamedTuple):
    modes_covered: int
    total_modes: int
    high_quality: float        # the fraction of all samples within 3σ of their nearest mode


def mode_metrics(samples: np.ndarray, centres: np.ndarray, std: float,
                 min_fraction: float | None = None) -> ModeMetrics:
    """The standard mode-coverage metrics of the 2-D GAN papers (e.g. VEEGAN, PacGAN).

    A sample is high quality if it lies within 3·std of its nearest centre. A mode is covered
    if the high-quality samples nearest to it are at least `min_fraction` of all samples
    (default 0.2/K: a fifth of a fair share, PacGAN's 20 of 2,500 samples for 25 modes).
    """
    x = np.asarray(samples, np.float64).reshape(-1, 2)
    c = np.asarray(centres, np.float64).reshape(-1, 2)
    if not len(x) or not len(c):
        raise ValueError("mode_metrics needs at least one sample and one centre")
    k = len(c)
    frac = 0.2 / k if min_fraction is None else float(min_fraction)
    finite = np.isfinite(x).all(1)
    d2 = ((x[finite, None, :] - c[None]) ** 2).sum(-1)
    nearest = d2.argmin(1)
    good = np.sqrt(d2[np.arange(len(nearest)), nearest]) <= 3 * std
    counts = np.bincount(nearest[good], minlength=k)
    covered = int((counts >= frac * len(x)).sum()) if frac > 0 else int((counts > 0).sum())
    return ModeMetrics(covered, k, float(good.sum() / len(x)))


def _histogram(points: np.ndarray, bins: int, extent: float) -> np.ndarray:
    x = np.asarray(points, np.float64).reshape(-1, 2)
    x = x[np.isfinite(x).all(1)]
    if not len(x):
        raise ValueError("no finite points to histogram")
    # points outside the square land in the border bins
    idx = np.clip(np.floor((x + extent) * (bins / (2 * extent))), 0, bins - 1).astype(np.int64)
    h = np.bincount(idx[:, 1] * bins + idx[:, 0], minlength=bins * bins).astype(np.float64)
    return h / h.sum()


def _smooth(h: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    h = h + eps
    return h / h.sum()


def binned_divergences(p_points: np.ndarray, q_points: np.ndarray, bins: int = 64,
                       extent: float = EXTENT, p_hist: np.ndarray | None = None) -> dict[str, float]:
    """Jensen–Shannon (bits, 0..1) and KL(p‖q) (nats) between two point sets, on a grid.

    Both sets are histogrammed on the same bins×bins grid over [−extent, extent]², ε = 10⁻⁶
    is added to every bin and each histogram renormalised. p is the real data, q generated.
    `p_hist` (from `points_histogram`) skips re-binning a large, fixed real set.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive integer, not {bins!r}")
    if not (math.isfinite(extent) and extent > 0):
        raise ValueError(f"extent must be a finite number > 0, not {extent!r}")
    if p_hist is None:
        p = _smooth(_histogram(p_points, bins, extent))
    else:
        p = _smooth(np.asarray(p_hist, np.float64).reshape(-1))
        if p.size != bins * bins:
            raise ValueError(f"p_hist has {p.size} bins, not {bins}×{bins}")
    q = _smooth(_histogram(q_points, bins, extent))
    m = 0.5 * (p + q)
    js = 0.5 * float((p * np.log2(p / m)).sum()) + 0.5 * float((q * np.log2(q / m)).sum())
    kl = float((p * np.log(p / q)).sum())
    return {"JS": min(max(js, 0.0), 1.0), "KL": max(kl, 0.0)}


def points_histogram(points: np.ndarray, bins: int = 64, extent: float = EXTENT) -> np.ndarray:
    """The normalised (unsmoothed) bins×bins histogram `binned_divergences` uses, row = y."""
    return _histogram(points, bins, extent).reshape(bins, bins)
