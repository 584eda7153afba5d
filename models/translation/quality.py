"""Image quality figures for super-resolution: PSNR, SSIM and a sharpness figure.

    psnr(output, truth)      # dB; inf for identical images
    ssim(output, truth)      # 1 for identical images, lower for worse
    sharpness(output)        # variance of the Laplacian; 0 for a flat image

Images are H×W×3 RGB or H×W grey, uint8 or floats on the same 0–255 scale. All three are
measured on the luminance Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601), as SR papers,
SRGAN's included, measure on the Y channel: the eye is far more sensitive to errors in
brightness than in colour. (The papers also crop a border of `scale` pixels first; these
functions do not, so call them on a crop if you want that.)

PSNR = 10 log₁₀(255² / MSE). SSIM (Wang et al. 2004): local means, variances and covariance
under an 11×11 Gaussian window (σ = 1.5), combined as

    SSIM(x, y) = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),
    C1 = (0.01 · 255)², C2 = (0.03 · 255)²,

at every position where the window fits inside the image ("valid"), then averaged.
Sharpness: the variance of the 4-neighbour Laplacian over the interior; edges and fine texture
raise it, blur lowers it. It needs no truth, so it says nothing about being *right*: noise is
sharp too. That is the point of showing it beside PSNR and SSIM.

Pure numpy, no Qt: the Super-resolution view and the benchmark both use it.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

PEAK = 255.0
LUMA = np.array([0.299, 0.587, 0.114])
WINDOW = 11
SIGMA = 1.5
C1 = (0.01 * PEAK) ** 2
C2 = (0.03 * PEAK) ** 2


def luminance(image) -> np.ndarray:
    """H×W float64 on the 0–255 scale from an H×W×3 RGB or H×W grey image."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 3 and x.shape[-1] == 3:
        return x @ LUMA
    if x.ndim == 2:
        return x
    raise ValueError(f"expected an H×W×3 or H×W image, not shape {x.shape}")


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"the images differ in shape: {a.shape} and {b.shape}")
    return luminance(a), luminance(b)


def psnr(a, b) -> float:
    """Peak signal-to-noise ratio in dB of the luminance; inf when the images are equal."""
    ya, yb = _pair(a, b)
    mse = float(np.mean((ya - yb) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(PEAK ** 2 / mse)


def gaussian_window(size: int = WINDOW, sigma: float = SIGMA) -> np.ndarray:
    """The 1-D Gaussian weights (summing to 1); the 2-D window is their outer product."""
    r = np.arange(size) - (size - 1) / 2
    w = np.exp(-r ** 2 / (2 * sigma ** 2))
    return w / w.sum()


def _blur(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted mean under the separable window at each position where it fits."""
    rows = sliding_window_view(y, len(w), axis=0) @ w          # (H−10)×W
    return sliding_window_view(rows, len(w), axis=1) @ w       # (H−10)×(W−10)


def ssim_map(a, b) -> np.ndarray:
    """SSIM at every position the 11×11 window fits in: (H−10)×(W−10)."""
    x, y = _pair(a, b)
    if min(x.shape) < WINDOW:
        raise ValueError(f"SSIM needs images of at least {WINDOW}×{WINDOW}, not "
                         f"{x.shape[1]}×{x.shape[0]}")
    w = gaussian_window()
    mx, my = _blur(x, w), _blur(y, w)
    vx = _blur(x * x, w) - mx * mx
    vy = _blur(y * y, w) - my * my
    cxy = _blur(x * y, w) - mx * my
    return ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2))


def ssim(a, b) -> float:
    """Mean structural similarity of the luminance (1 for equal images)."""
    return float(ssim_map(a, b).mean())


def laplacian(image) -> np.ndarray:
    """The 4-neighbour Laplacian of the luminance over the interior: (H−2)×(W−2)."""
    y = luminance(image)
    if min(y.shape) < 3:
        raise ValueError(f"the Laplacian needs at least 3×3 pixels, not {y.shape[1]}×{y.shape[0]}")
    return (y[:-2, 1:-1] + y[2:, 1:-1] + y[1:-1, :-2] + y[1:-1, 2:] - 4 * y[1:-1, 1:-1])


def sharpness(image) -> float:
    """The variance of the Laplacian of the luminance: high for edges and texture, 0 when flat."""
    return float(laplacian(image).var())
