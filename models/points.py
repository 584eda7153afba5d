"""N×2 point sets the user gives (a 2-D flow's data, an autoencoder's prior), checked and
read from .npy (never unpickled), .csv or .txt files, with the reason when they are refused.

    pts = load_points("mine.csv", need="a flow", min_points=10)
"""
from __future__ import annotations

import os

import numpy as np

from .files import check_regular
from .gan.toy2d import MAX_FILE_POINTS, load_points_file


def check_points(points, what: str = "the points", need: str = "this", min_points: int = 10,
                 max_points: int = MAX_FILE_POINTS) -> np.ndarray:
    """A float32 N×2 copy of `points`, or ValueError saying what is wrong: not N×2, not
    numbers, NaN or infinite, fewer than `min_points` (what `need` needs), more than
    `max_points`, or no spread along an axis."""
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
    if len(pts) < min_points:
        raise ValueError(f"{what}: only {len(pts)} point(s); {need} needs at least {min_points}")
    if len(pts) > max_points:
        raise ValueError(f"{what}: {len(pts):,} points is more than the {max_points:,} "
                         f"{need} takes; subsample them first")
    spread = pts.std(0)
    for axis, s in zip("xy", spread):
        if not s > 1e-6 * max(1.0, float(np.abs(pts).max())):
            raise ValueError(f"{what} all have the same {axis} (no spread to fit a density to)")
    with np.errstate(over="ignore"):        # the check below says so, in words
        out = pts.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{what} are too large for float32")
    return out


def load_points(path: str | os.PathLike, **checks) -> np.ndarray:
    """The user's points from a .npy file (an N×2 array; never unpickled) or a .csv / .txt
    file (two numbers a row, comma or whitespace separated; a first row of column names is
    skipped). ValueError with the reason otherwise."""
    name = os.fspath(path)
    if name.lower().endswith((".csv", ".txt")):
        return check_points(_read_text(name), name, **checks)
    return check_points(load_points_file(name), name, **checks)


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
