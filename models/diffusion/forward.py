"""The forward process q(x_t | x_0) in numpy, and images to feed it.

Images are pixels in [0, 1] for display and files, and x = 2·pixel − 1 in [−1, 1] for the
maths, as the models see them. Here t = 0 means x_0 itself and t = 1..T uses the schedule's
code index t − 1 (the convention of schedules.py).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIDE = 28
# MNIST's digits were scaled to fit a 20×20 box and centred in 28×28; own images get the same.
BOX = 20
# After inversion the background is near 0; pixels above this count as the drawing.
INK_THRESHOLD = 0.25
# Larger images are shrunk to this before anything else, so a camera photo opens quickly.
MAX_SIDE = 1024


# --------------------------------------------------------------------------- pixel spaces

def to_model(pixels: np.ndarray) -> np.ndarray:
    """[0, 1] pixels → [−1, 1]."""
    return np.asarray(pixels, np.float32) * 2.0 - 1.0


def to_pixels(x: np.ndarray) -> np.ndarray:
    """[−1, 1] (and beyond, once noise is added) → [0, 1], clipped for display."""
    return np.clip((np.asarray(x, np.float32) + 1.0) * 0.5, 0.0, 1.0)


# --------------------------------------------------------------------------- the closed form

def alpha_bar_at(t: int, alphas_cumprod: np.ndarray) -> float:
    """ᾱ_t, with ᾱ_0 = 1 (nothing added yet)."""
    t = int(t)
    if not 0 <= t <= len(alphas_cumprod):
        raise ValueError(f"t must be in 0..{len(alphas_cumprod)}, not {t}")
    return 1.0 if t == 0 else float(alphas_cumprod[t - 1])


def closed_form_xt(x0: np.ndarray, t: int, alphas_cumprod: np.ndarray, noise: np.ndarray,
                   out: np.ndarray | None = None) -> np.ndarray:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, one exact draw from q(x_t | x_0) for the given ε.

    `out` (same shape, float32) is written in place, so a slider can redraw without allocating.
    """
    a = alpha_bar_at(t, alphas_cumprod)
    x0 = np.asarray(x0, np.float32)
    if out is None:
        out = np.empty(np.broadcast_shapes(x0.shape, np.shape(noise)), np.float32)
    np.multiply(x0, np.float32(np.sqrt(a)), out=out)
    if t > 0:
        out += np.float32(np.sqrt(1.0 - a)) * np.asarray(noise, np.float32)
    return out


def forward_strip(x0: np.ndarray, times, alphas_cumprod: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """x_t for each t in `times` with one shared ε, as N×H×W pixels in [0, 1]."""
    return np.stack([to_pixels(closed_form_xt(x0, t, alphas_cumprod, noise)) for t in times])


def snr_at(t: int, alphas_cumprod: np.ndarray) -> float:
    """ᾱ_t / (1 − ᾱ_t); infinite at t = 0."""
    a = alpha_bar_at(t, alphas_cumprod)
    return float("inf") if a >= 1.0 else a / (1.0 - a)


def normal_pdf(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * np.asarray(x, np.float64) ** 2) / np.sqrt(2 * np.pi)


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) to about 1e-7 (Abramowitz & Stegun 7.1.26), since numpy has no erf."""
    z = np.asarray(x, np.float64) / np.sqrt(2.0)
    u = 1.0 / (1.0 + 0.3275911 * np.abs(z))
    poly = u * (0.254829592 + u * (-0.284496736 + u * (1.421413741
                                                        + u * (-1.453152027 + u * 1.061405429))))
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(z) * erf)


def pixel_levels(x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of x_0 (to 1/255) and the fraction of pixels at each."""
    q = np.round((np.asarray(x0, np.float64).ravel() + 1.0) * 127.5)
    levels, counts = np.unique(q, return_counts=True)
    return levels / 127.5 - 1.0, counts / counts.sum()


def expected_histogram(levels: np.ndarray, weights: np.ndarray, alpha_bar: float,
                       edges: np.ndarray) -> np.ndarray:
    """The density, bin by bin, that a histogram of x_t's pixels has on average: each pixel
    is N(√ᾱ x_0, 1 − ᾱ), so the pixels together are that mixture over the image's levels."""
    edges = np.asarray(edges, np.float64)
    mean = np.sqrt(alpha_bar) * np.asarray(levels, np.float64)[:, None]
    sd = np.sqrt(max(0.0, 1.0 - alpha_bar))
    if sd > 0:
        cdf = normal_cdf((edges[None, :] - mean) / sd)
    else:  # x_t = x_0: a point mass at each level
        cdf = (edges[None, :] >= mean).astype(np.float64)
    mass = np.asarray(weights, np.float64) @ np.diff(cdf, axis=1)
    return mass / np.diff(edges)


# --------------------------------------------------------------------------- stepping vs jumping

@dataclass
class ChainMoments:
    """Per-t moments of x_t for fixed starting values x_0 (columns), t = 0..T (rows)."""
    x0: np.ndarray            # (P,) the starting values
    stepped_mean: np.ndarray  # (T+1, P) x_t = √(1 − β_t) x_{t−1} + √β_t ε, t times
    stepped_var: np.ndarray
    closed_mean: np.ndarray   # (T+1, P) x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, fresh ε for each t
    closed_var: np.ndarray
    formula_mean: np.ndarray  # (T+1, P) √ᾱ_t x_0
    formula_var: np.ndarray   # (T+1,) 1 − ᾱ_t
    n_samples: int

    @property
    def T(self) -> int:
        return len(self.formula_var) - 1

    def max_errors(self) -> dict[str, float]:
        """The largest |empirical − formula| of each estimate over all t and starting values."""
        fv = self.formula_var[:, None]
        return {"stepped mean": float(np.abs(self.stepped_mean - self.formula_mean).max()),
                "closed mean": float(np.abs(self.closed_mean - self.formula_mean).max()),
                "stepped var": float(np.abs(self.stepped_var - fv).max()),
                "closed var": float(np.abs(self.closed_var - fv).max())}


def chain_vs_closed_form(x0, betas: np.ndarray, n_samples: int = 2000, seed: int = 0) -> ChainMoments:
    """Run n_samples forward chains one q(x_t | x_{t−1}) step at a time, and draw the same
    number of jumps straight from q(x_t | x_0) at every t, from each starting value in x0.

    Both should have mean √ᾱ_t x_0 and variance 1 − ᾱ_t. Variances are unbiased (ddof = 1).
    """
    steps = iter_chain_vs_closed_form(x0, betas, n_samples, seed)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def iter_chain_vs_closed_form(x0, betas: np.ndarray, n_samples: int = 2000, seed: int = 0):
    """chain_vs_closed_form as a generator: yields the fraction done every block of steps, so
    a job can report progress and be stopped, and returns the ChainMoments."""
    x0 = np.atleast_1d(np.asarray(x0, np.float64)).ravel()
    betas = np.asarray(betas, np.float64)
    if n_samples < 2:
        raise ValueError("need at least 2 samples to estimate a variance")
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(betas))):
        raise ValueError("x0 and β must be finite")
    if betas.ndim != 1 or len(betas) == 0 or np.any(betas <= 0) or np.any(betas >= 1):
        raise ValueError("β must be a non-empty 1-D array in (0, 1)")
    T, P = len(betas), len(x0)
    acp = np.cumprod(1.0 - betas)
    rng_step, rng_jump = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    shape = (T + 1, P)
    stepped_mean, stepped_var = np.empty(shape), np.empty(shape)
    closed_mean, closed_var = np.empty(shape), np.empty(shape)
    stepped_mean[0] = closed_mean[0] = x0
    stepped_var[0] = closed_var[0] = 0.0
    # Samples run along the last axis so every reduction is over contiguous memory.
    x = np.repeat(x0[:, None], n_samples, axis=1)
    eps = np.empty((P, n_samples))
    chunk = max(1, 400_000 // (P * n_samples))
    for start in range(1, T + 1, chunk):
        stop = min(T + 1, start + chunk)
        for t in range(start, stop):
            b = betas[t - 1]
            rng_step.standard_normal(out=eps)
            x *= np.sqrt(1.0 - b)
            x += np.sqrt(b) * eps
            stepped_mean[t], stepped_var[t] = x.mean(1), x.var(1, ddof=1)
        # the jumps need no history, so a block of t is drawn at once
        a = acp[start - 1:stop - 1, None, None]
        jump = np.sqrt(a) * x0[None, :, None] + np.sqrt(1.0 - a) * rng_jump.standard_normal(
            (stop - start, P, n_samples))
        closed_mean[start:stop], closed_var[start:stop] = jump.mean(2), jump.var(2, ddof=1)
        yield (stop - 1) / T
    a_full = np.concatenate([[1.0], acp])
    return ChainMoments(x0, stepped_mean, stepped_var, closed_mean, closed_var,
                        np.sqrt(a_full)[:, None] * x0, 1.0 - a_full, int(n_samples))


# --------------------------------------------------------------------------- strips of t

def parse_times(text: str, T: int, max_count: int | None = None) -> list[int]:
    """"0, 50, 100 250" → [0, 50, 100, 250]; every value must be an integer in 0..T."""
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if not parts:
        raise ValueError("Enter one or more values of t, e.g. 0, 100, 500.")
    if max_count is not None and len(parts) > max_count:
        raise ValueError(f"At most {max_count} values of t, please.")
    times = []
    for p in parts:
        try:
            value = float(p)
        except ValueError:
            raise ValueError(f"'{p}' is not a number.") from None
        if not value.is_integer():
            raise ValueError(f"t must be a whole number, not {p}.")
        if not 0 <= value <= T:
            raise ValueError(f"t = {p} is outside 0..{T}.")
        times.append(int(value))
    return times


def even_times(n: int, T: int) -> list[int]:
    """n values of t from 0 to T, evenly spaced and rounded (fewer if T is small)."""
    n = max(1, int(n))
    return sorted({int(round(v)) for v in np.linspace(0, T, n)}) if n > 1 else [T]


def format_times(times) -> str:
    return ", ".join(str(int(t)) for t in times)


# --------------------------------------------------------------------------- own images

def load_image_file(path: str | os.PathLike) -> np.ndarray:
    """Any image Pillow reads → a 28×28 float32 in [0, 1] that looks like an MNIST digit.

    * greyscale by Pillow's luma (ITU-R 601); transparent pixels become whichever of black
      or white contrasts with the opaque drawing, so a digit drawn on a transparent canvas
      survives whatever colour its strokes are;
    * inverted when the border is light, since MNIST draws light digits on black: dark ink
      on paper becomes a white digit on black; then stretched so the border's median level
      is black and the brightest pixel white;
    * cropped to the drawing (pixels brighter than INK_THRESHOLD after stretching), scaled
      with its aspect ratio kept to fit 20×20 and centred in 28×28 with a black margin, as
      MNIST's digits were. A blank image is scaled whole instead.

    Raises ValueError with a readable message for a missing, empty or unreadable file.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    p = Path(path).expanduser()
    if not p.exists():
        raise ValueError(f"{p}: no such file.")
    if p.is_dir():
        raise ValueError(f"{p} is a folder, not an image file.")
    if not p.is_file():        # a FIFO would hang in open()
        raise ValueError(f"{p} is not a regular file (a pipe, device or socket).")
    if p.stat().st_size == 0:
        raise ValueError(f"{p} is empty (0 bytes).")
    try:
        with Image.open(p) as img:
            if img.format == "JPEG":   # decode a big photo at a fraction of its size
                img.draft(img.mode, (MAX_SIDE, MAX_SIDE))
            img.load()
            img = ImageOps.exif_transpose(img)
            if max(img.size) > MAX_SIDE:
                if img.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
                    img = img.convert("RGBA")
                img.thumbnail((MAX_SIDE, MAX_SIDE))
            grey = _greyscale(img)
    except UnidentifiedImageError:
        raise ValueError(f"{p.name} is not an image Pillow can read (PNG, JPEG, BMP, GIF, "
                         "TIFF, WebP…).") from None
    except Image.DecompressionBombError as exc:
        raise ValueError(f"{p.name} is too large to open safely: {exc}") from None
    except MemoryError:
        raise ValueError(f"{p.name} is too large to open.") from None
    except Exception as exc:  # noqa: BLE001 (Pillow's decoders raise many kinds on bad data)
        raise ValueError(f"{p.name} could not be read; it may be truncated or corrupt "
                         f"({type(exc).__name__}: {exc}).") from None
    if grey.size == 0:
        raise ValueError(f"{p.name} has no pixels.")
    return _fit_like_mnist(grey)


def _greyscale(img) -> np.ndarray:
    """A Pillow image → float64 H×W in [0, 1], alpha resolved."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        arr = np.asarray(img, np.float64)
        finite = np.isfinite(arr)
        if not finite.any():
            return np.zeros_like(arr)
        lo, hi = arr[finite].min(), arr[finite].max()
        arr = np.where(finite, arr, lo)   # NaN and ±inf pixels count as background
        return np.zeros_like(arr) if not hi > lo else (arr - lo) / (hi - lo)
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        img.mode == "P" and "transparency" in img.info)
    if not has_alpha:
        return np.asarray(img.convert("L"), np.float64) / 255.0
    rgba = img.convert("RGBA")
    luma = np.asarray(rgba.convert("L"), np.float64) / 255.0
    alpha = np.asarray(rgba.getchannel("A"), np.float64) / 255.0
    opaque_luma = (luma * alpha).sum() / alpha.sum() if alpha.sum() > 0 else 0.0
    backdrop = 1.0 if opaque_luma < 0.5 else 0.0
    return alpha * luma + (1.0 - alpha) * backdrop


def _fit_like_mnist(grey: np.ndarray) -> np.ndarray:
    from PIL import Image

    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > 0.5:
        grey = 1.0 - grey
        border = 1.0 - border
    # The background becomes black and the brightest stroke white, so the margin we pad
    # with matches the paper and the digit spans the full range, like MNIST's.
    lo, hi = max(float(np.median(border)), float(grey.min())), float(grey.max())
    if hi - lo > 1e-6:
        grey = np.clip((grey - lo) / (hi - lo), 0.0, 1.0)
        ink = grey > INK_THRESHOLD
        rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
        grey = grey[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        box = BOX
    else:
        box = SIDE
    h, w = grey.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray(grey.astype(np.float32)).resize(
        (nw, nh), Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BILINEAR)
    out = np.zeros((SIDE, SIDE), np.float32)
    top, left = (SIDE - nh) // 2, (SIDE - nw) // 2
    out[top:top + nh, left:left + nw] = np.asarray(small, np.float32)
    return np.clip(out, 0.0, 1.0)
