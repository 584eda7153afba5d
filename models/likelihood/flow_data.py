"""The 2-D flow's data: two moons, concentric rings, or the user's own N×2 points.

    pts = make_points("rings", 5000, seed=0)     # float32 N×2
    pts = load_points("my_points.csv")           # or .npy; checked as check_points does

Two moons are the GAN lab's (models/gan/toy2d.py), so the two labs show the same shape.
Every built-in set fits in the square ±2.5, the labs' default view.
"""
from __future__ import annotations

import math
import os

import numpy as np

from .. import points as points_
from ..gan.toy2d import MAX_FILE_POINTS
from ..gan.toy2d import make_points as gan_points

DATASETS = ("moons", "rings")
DATASET_NAMES = {"moons": "Two moons", "rings": "Concentric rings"}
# A flow fitted to fewer points than this learns little but their positions; the
# standardisation also needs some spread along both axes.
MIN_POINTS = 10
RING_RADII = (0.8, 1.9)
RING_NOISE = 0.06


def make_points(name: str, n: int, seed: int = 0) -> np.ndarray:
    """`n` points (float32 N×2) of a named set, the same for the same seed."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if name == "moons":
        return gan_points("moons", n, seed)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_FILE_POINTS:
        raise ValueError(f"the number of points must be an integer in 1..{MAX_FILE_POINTS:,}, "
                         f"not {n!r}")
    rng = np.random.default_rng(seed)
    # as many points on each ring as its length calls for, so the density along each is even
    r_in, r_out = RING_RADII
    outer = rng.random(int(n)) < r_out / (r_in + r_out)
    radius = np.where(outer, r_out, r_in)
    theta = rng.uniform(0.0, 2 * math.pi, int(n))
    out = radius[:, None] * np.stack([np.cos(theta), np.sin(theta)], 1)
    return (out + rng.normal(0.0, RING_NOISE, (int(n), 2))).astype(np.float32)


def check_points(points, what: str = "the points") -> np.ndarray:
    """A float32 N×2 copy of `points`, or ValueError saying what is wrong (models/points.py)."""
    return points_.check_points(points, what, need="a flow", min_points=MIN_POINTS)


def load_points(path: str | os.PathLike) -> np.ndarray:
    """The user's points from a .npy, .csv or .txt file, checked (models/points.py)."""
    return points_.load_points(path, need="a flow", min_points=MIN_POINTS)
