"""Unpaired two-domain landscapes: domain A in one style, domain B in another, each image drawn
from its own random label map, so no training image has a partner in the other domain (what
CycleGAN learns from). The paired copy (both styles of one map) exists for evaluation only.

    data = UnpairedLandscapes(1000, size=64, seed=0)      # A = summer, B = winter
    a, b = data.unpaired(i)          # two unrelated pictures (different maps)
    a, b, label = data.paired(i)     # held-out pairs: both styles of one map, and the map

A's maps use seeds seed + 2i, B's seed + 2i + 1, and the paired set seeds from 10⁹ up, so the
three never share a map (a test checks it).
"""
from __future__ import annotations

import numpy as np

from ..pix2pix.landscapes import render_label_map
from .styles import STYLES, render_style

PAIRED_OFFSET = 1_000_000_000


class UnpairedLandscapes:
    def __init__(self, n: int, size: int = 64, seed: int = 0,
                 styles: tuple[str, str] = ("summer", "winter")):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a whole number ≥ 1, not {n!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
                or not 0 <= seed < PAIRED_OFFSET // 4:
            raise ValueError(f"seed must be a whole number in 0..{PAIRED_OFFSET // 4 - 1}")
        if int(size) < 8:
            raise ValueError(f"size must be at least 8 pixels, not {size}")
        if len(styles) != 2 or styles[0] == styles[1] or any(s not in STYLES for s in styles):
            raise ValueError(f"styles must be two different ones of {', '.join(STYLES)}")
        self.n, self.size, self.seed, self.styles = int(n), int(size), int(seed), tuple(styles)

    def __len__(self) -> int:
        return self.n

    def _check(self, i) -> int:
        i = int(i)
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} out of range for {self.n} images per domain")
        return i

    def map_seeds(self, i: int) -> tuple[int, int]:
        """The label-map seeds of A's and B's i-th training image (never equal)."""
        i = self._check(i)
        return self.seed + 2 * i, self.seed + 2 * i + 1

    def domain(self, which: str, i: int) -> np.ndarray:
        """Image i of domain "A" or "B": size×size×3 uint8."""
        if which not in ("A", "B"):
            raise ValueError(f"domain must be 'A' or 'B', not {which!r}")
        s = self.map_seeds(i)[0 if which == "A" else 1]
        return render_style(render_label_map(s, self.size), s,
                            self.styles[0 if which == "A" else 1])

    def unpaired(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self.domain("A", i), self.domain("B", i)

    def paired(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Held-out pair i: (A-style, B-style, label map) of one map no training image uses."""
        s = PAIRED_OFFSET + self.seed + int(i)
        label = render_label_map(s, self.size)
        return render_style(label, s, self.styles[0]), render_style(label, s, self.styles[1]), label

    def batch(self, which: str, indices) -> np.ndarray:
        images = [self.domain(which, i) for i in indices]
        return np.stack(images) if images else np.zeros((0, self.size, self.size, 3), np.uint8)
