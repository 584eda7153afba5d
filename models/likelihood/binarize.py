"""Binarization as the literature does it (stochastically binarized MNIST).

Each pixel becomes 1 with probability intensity / 255: x_i ~ Bernoulli(v_i / 255). Training
draws afresh every time an image is used (each epoch sees new binary images drawn from the
same grey ones, from the trainer's generator, so runs are reproducible); the test set is
binarized once with a fixed seed, so that every model is scored on the same binary images and
the figures compare with published ones (NADE 88.9 nats, PixelCNN 81.3 on MNIST).

`image_to_binary` is the other way in: any image file (a photo, a scan, a drawing) turned
into one binary digit by a fixed, stated rule, for the Score tab.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# the seed of the one fixed draw of the test set; changing it changes every reported figure
TEST_SEED = 0


def intensities(images: np.ndarray) -> np.ndarray:
    """uint8 0–255 (or float in [0, 1]) images → float32 probabilities in [0, 1]."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 255.0
    p = images.astype(np.float32)
    if p.size and not (np.isfinite(p).all() and p.min() >= 0 and p.max() <= 1):
        raise ValueError("grey images must be uint8 0–255 or floats in [0, 1]")
    return p


def binarize_fixed(images: np.ndarray, seed: int = TEST_SEED) -> np.ndarray:
    """One fixed draw: uint8 {0, 1} images with P(x = 1) = intensity, the same for a seed."""
    p = intensities(images)
    u = np.random.default_rng(seed).random(p.shape, dtype=np.float32)
    return (u < p).astype(np.uint8)


def binarize_torch(p: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """A fresh draw of float {0, 1} pixels from probabilities `p` (any shape, on any device)."""
    u = torch.rand(p.shape, generator=generator, device=p.device, dtype=p.dtype)
    return (u < p).to(p.dtype)


# ---------------------------------------------------------------------- images from files
# The stated rule for scoring an image of any kind with a model of binary S×S pixels:
#   1. greyscale, whatever the mode or depth; transparent pixels become the background
#      (white behind dark strokes, black behind light ones, so the drawing survives);
#   2. the longer side scaled to S, keeping the aspect ratio (each new pixel the mean of the
#      area it covers), then padded to S×S with the border's grey level;
#   3. inverted when the background is light (the border's mean > 0.5), so that ink is white
#      on black like MNIST;
#   4. thresholded: 1 where the grey level is above 0.5, else 0.
MAX_SIDE = 8192           # wider or taller images are refused from their header alone
_REDUCE_TO = 8            # big images are first box-reduced to under 16·S on their long side


class ImageRuleError(ValueError):
    """An image the rule cannot convert; the message says why, for the user."""


@dataclass(frozen=True)
class BinaryImage:
    pixels: np.ndarray              # S×S uint8 {0, 1}, white (1) ink on black
    source_size: tuple[int, int]    # (width, height) of the image given
    source_mode: str                # its Pillow mode: "RGB", "I;16", "1" …
    inverted: bool                  # its background was light
    transparent: bool               # it had transparency, composited on the background

    def describe(self) -> str:
        """"converted: 640×480 RGB → 28×28 binary, inverted": what the rule did."""
        w, h = self.source_size
        s = self.pixels.shape[0]
        parts = [f"converted: {w}×{h} {self.source_mode} → {s}×{s} binary"]
        if self.transparent:
            parts.append("transparency filled with the background")
        parts.append("inverted" if self.inverted else "not inverted")
        return ", ".join(parts)


def _scaled_numbers(a: np.ndarray, what: str) -> np.ndarray:
    """A deep (16/32-bit or float) greyscale array → [0, 1]: 0–255 if it fits, else 0–65535,
    else by its maximum; negative values count as black."""
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise ImageRuleError(f"the image's {what} pixels include NaN or infinite values")
    top = float(a.max()) if a.size else 0.0
    if what == "floating-point" and top <= 1:
        scale = 1.0
    else:
        scale = 255.0 if top <= 255 else 65535.0 if top <= 65535 else top
    return np.clip(a / scale, 0, 1).astype(np.float32)


def _grey_and_alpha(im, size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Any Pillow image → (H×W grey in [0, 1], H×W alpha in [0, 1] or None), a big image
    first reduced by a whole box factor so that the float arrays stay small."""
    mode = im.mode
    factor = max(1, max(im.size) // (_REDUCE_TO * size))
    if mode.startswith("I;16"):
        im = im.convert("I")                       # keeps the 16-bit values (L would clip)
    if im.mode in ("I", "F"):
        im = im.reduce(factor) if factor > 1 else im
        what = "integer" if im.mode == "I" else "floating-point"
        return _scaled_numbers(np.asarray(im), what), None
    if mode == "LAB":                               # no conversion to RGB: its L is lightness
        im = im.getchannel("L")
    if mode == "La":
        im = im.convert("LA")
    if im.has_transparency_data:
        try:
            im = im.convert("RGBA")
        except ValueError as e:
            raise ImageRuleError(f"images of mode {mode} cannot be converted ({e})") from e
        if factor > 1:                              # average premultiplied colours, not raw
            im = im.convert("RGBa").reduce(factor).convert("RGBA")
        a = np.asarray(im, np.float32) / 255.0
        grey = np.asarray(im.convert("RGB").convert("L"), np.float32) / 255.0
        return grey, a[..., 3]
    try:
        im = im.convert("L")
    except ValueError as e:
        raise ImageRuleError(f"images of mode {mode} cannot be converted to grey ({e})") from e
    if factor > 1:
        im = im.reduce(factor)
    return np.asarray(im, np.float32) / 255.0, None


def _fit(grey: np.ndarray, size: int) -> np.ndarray:
    """Scale the longer side to `size` (box filter: each pixel the mean of what it covers)
    and pad to size×size, centred, with the grey level of the scaled image's border."""
    from PIL import Image

    h, w = grey.shape
    if w >= h:
        nw, nh = size, max(1, round(h * size / w))
    else:
        nw, nh = max(1, round(w * size / h)), size
    scaled = np.asarray(Image.fromarray(grey.astype(np.float32), "F")
                        .resize((nw, nh), Image.Resampling.BOX), np.float32)
    border = _border(scaled)
    out = np.full((size, size), border.mean(), np.float32)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = scaled
    return np.clip(out, 0, 1)


def _border(a: np.ndarray) -> np.ndarray:
    """The outermost rows and columns of a 2-D array (each pixel once)."""
    if min(a.shape) <= 2:
        return a.ravel()
    return np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])


def image_to_binary(image, size: int = 28, max_side: int = MAX_SIDE) -> BinaryImage:
    """A path or a PIL image → a size×size binary digit by the stated rule (see above).

    Refuses with ImageRuleError (a ValueError) and a readable reason: a missing, unreadable,
    corrupt or empty file, something that is not an image, an image with no pixels, or one
    wider or taller than `max_side` (checked from the header, before decoding)."""
    import os

    from PIL import Image, ImageOps

    from ..imaging import open_image

    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 1 <= size <= 1024:
        raise ValueError(f"size must be a whole number in 1..1024, not {size!r}")
    size = int(size)
    if isinstance(image, Image.Image):
        im = image
        if max(im.size) > max_side:
            raise ImageRuleError(f"the image is {im.width}×{im.height} pixels; at most "
                                 f"{max_side}×{max_side} is accepted")
    elif isinstance(image, (str, os.PathLike)):
        try:
            empty = os.path.isfile(image) and os.path.getsize(image) == 0
        except OSError:
            empty = False
        if empty:
            raise ImageRuleError(f"{image} is empty (0 bytes)")
        im = open_image(image, ImageRuleError, max_side=max_side)
    else:
        raise ValueError(f"expected a file path or a PIL image, not {type(image).__name__}")
    source_size, source_mode = im.size, im.mode
    if im.width == 0 or im.height == 0:
        raise ImageRuleError(f"the image has no pixels ({im.width}×{im.height})")
    try:
        im = ImageOps.exif_transpose(im)            # photos: upright as their camera saw them
    except Exception:   # noqa: BLE001  a damaged EXIF block only loses the rotation
        pass
    try:
        grey, alpha = _grey_and_alpha(im, size)
    except ImageRuleError:
        raise
    except (OSError, ValueError, MemoryError) as e:
        raise ImageRuleError(f"the image cannot be converted: {e}") from e
    transparent = alpha is not None and bool((alpha < 1).any())
    if alpha is not None:
        covered = float(alpha.sum())
        ink = float((alpha * grey).sum()) / covered if covered > 0 else 1.0
        background = 1.0 if ink < 0.5 else 0.0     # the contrasting one
        grey = alpha * grey + (1 - alpha) * background
    fitted = _fit(grey, size)
    inverted = bool(_border(fitted).mean() > 0.5)
    if inverted:
        fitted = 1 - fitted
    pixels = (fitted > 0.5).astype(np.uint8)
    return BinaryImage(pixels, (int(source_size[0]), int(source_size[1])), source_mode,
                       inverted, transparent)
