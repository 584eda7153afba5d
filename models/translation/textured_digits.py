"""Digits in a second domain: MNIST digits blended into patches of the procedural landscapes,
in the spirit of MNIST-M (Ganin et al. 2016), made here instead of downloaded.

MNIST-M's rule: out = |patch − digit|, channel by channel, with the digit in [0, 1]. Where the
digit is dark the patch shows unchanged; where it is bright the patch's colours are inverted.
So the digit stays readable whatever the background, but no colour means "ink". Each digit
gets its own patch, drawn from a landscape photo by its index and the seed.

    x = textured_digits(images, seed=0)     # N×28×28 uint8 → N×28×28×3 uint8
"""
from __future__ import annotations

import numpy as np

from ..pix2pix.landscapes import landscape_pair

SOURCE_SIZE = 64        # the landscape photos the patches are cut from
PHOTOS = 64             # how many different photos the patches come from


def _photos(seed: int) -> np.ndarray:
    return np.stack([landscape_pair(seed * PHOTOS + k, SOURCE_SIZE)[1] for k in range(PHOTOS)])


def textured_digits(images, seed: int = 0, offset: int = 0) -> np.ndarray:
    """Each N×28×28 digit (uint8 0–255, or float 0–1) over its own 28×28 landscape patch.
    Image k's patch depends on (seed, offset + k) only, so a split can be made in parts."""
    x = np.asarray(images)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"expected N×28×28 digits, got shape {x.shape}")
    digits = x.astype(np.float32) / 255 if x.dtype == np.uint8 else x.astype(np.float32)
    if not np.isfinite(digits).all() or digits.min() < 0 or digits.max() > 1:
        raise ValueError("digits must be uint8 or floats in [0, 1]")
    photos = _photos(int(seed))
    out = np.empty((len(x), 28, 28, 3), np.uint8)
    for k in range(len(x)):
        patch = background(seed, offset + k, photos)
        out[k] = (np.abs(patch - digits[k][..., None]) * 255 + 0.5).astype(np.uint8)
    return out


def background(seed: int, index: int, photos: np.ndarray | None = None) -> np.ndarray:
    """The 28×28×3 float patch (0–1) that image `index` of `seed` is blended into."""
    photos = _photos(int(seed)) if photos is None else photos
    rng = np.random.default_rng((int(seed), int(index), 7))
    p = photos[rng.integers(PHOTOS)]
    top, left = rng.integers(0, SOURCE_SIZE - 28 + 1, size=2)
    return p[top:top + 28, left:left + 28].astype(np.float32) / 255
