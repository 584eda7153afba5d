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

from ..files import check_regular
from ..gan.toy2d import MAX_FILE_POINTS, load_points_file
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
    """A float32 N×2 copy of `points`, or ValueError saying what is wrong: not N×2, not
    numbers, NaN or infinite, fewer than MIN_POINTS, or no spread along an axis."""
    try:
        pts = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be an N×2 array of numbers ({exc})") from exc
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"{what} must be an N×2 array (one row of x, y per point), "
                         f"not shape {pts.shape}")
    if not np.isfinite(pts).all():
        bad = int((~np.isfinite(pts).all(1)).sum())
        raise ValueError(f"{what}: {bad:,} point(s) are NaN or infinite; every coordinate "
                         "must be a finite number")
    if len(pts) < MIN_POINTS:
        raise ValueError(f"{what}: only {len(pts)} point(s); a flow needs at least {MIN_POINTS}")
    if len(pts) > MAX_FILE_POINTS:
        raise ValueError(f"{what}: {len(pts):,} points is more than the {MAX_FILE_POINTS:,} "
                         "the flow takes; subsample them first")
    spread = pts.std(0)
    for axis, s in zip("xy", spread):
        if not s > 1e-6 * max(1.0, float(np.abs(pts).max())):
            raise ValueError(f"{what} all have the same {axis} (no spread to fit a density to)")
    out = pts.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{what} are too large for float32")
    return out


def load_points(path: str | os.PathLike) -> np.ndarray:
    """The user's points from a .npy file (an N×2 array; never unpickled) or a .csv / .txt
    file (two numbers a row, comma or whitespace separated; a first row of column names is
    skipped). ValueError with the reason otherwise."""
    name = os.fspath(path)
    if name.lower().endswith((".csv", ".txt")):
        return check_points(_read_text(name), name)
    return check_points(load_points_file(name), name)


def _read_text(name: str) -> np.ndarray:
    check_regular(name, ValueError)             # a FIFO would hang, /dev/zero never end
    try:
        size = os.path.getsize(name)
        if size > 64 * 2**20:
            raise ValueError(f"{name}: {size / 2**20:.0f} MB is too large for a points file "
                             "(64 MB at most); save it as .npy instead")
        with open(name, encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not a text file of numbers ({exc.reason})") from exc
    except OSError as exc:
        raise ValueError(f"{name}: cannot read the file ({exc.strerror or exc})") from exc
    rows = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        cells = [c for c in text.replace(",", " ").replace(";", " ").split()]
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if not rows and number == _first_content(lines):
                continue                        # a header row ("x,y")
            raise ValueError(f"{name}, line {number}: {text[:60]!r} is not two numbers") from None
        if len(values) != 2:
            raise ValueError(f"{name}, line {number}: {len(values)} value(s); every row needs "
                             "exactly two, x and y")
        rows.append(values)
    if not rows:
        raise ValueError(f"{name}: no points in the file (expected rows of x, y)")
    return np.asarray(rows, np.float64)


def _first_content(lines: list[str]) -> int:
    for number, line in enumerate(lines, 1):
        if line.split("#", 1)[0].strip():
            return number
    return 0
