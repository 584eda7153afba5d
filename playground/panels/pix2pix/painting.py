"""The editing maths of the label-map painter: pure numpy, so it is tested without a display.

Coordinates are pixel indices: pixel (x, y) is column x, row y, and its centre sits at (x, y).
Brush centres may be fractional: an even brush is centred on a pixel corner, so that size 2
paints a 2×2 block rather than a plus. Every function clips to the map and never raises on a
point outside it; each returns the half-open box (y0, y1, x0, x1) it may have changed, empty
(y0 == y1) when it touched nothing, so that a view redraws only that box.
"""
from __future__ import annotations

import math

import numpy as np

EMPTY = (0, 0, 0, 0)
# Pixel centres exactly on the rim count as inside: a radius-1 disc is a plus, not a dot.
_RIM = 1e-6


def brush_centre(x: float, y: float, size: int) -> tuple[float, float]:
    """Where a brush of `size` pixels sits when the pointer is at map position (x, y), given in
    continuous coordinates where pixel i spans [i, i + 1). Odd sizes snap to the pixel centre
    under the pointer, even sizes to the nearest pixel corner."""
    if int(size) % 2:
        return float(math.floor(x)), float(math.floor(y))
    return round(x) - 0.5, round(y) - 0.5


def brush_radius(size: int) -> float:
    """A brush of `size` pixels covers a disc of diameter ≈ size (size 1 is a single pixel)."""
    return max(0.5, int(size) / 2.0)


def _finite(*values) -> bool:
    return all(math.isfinite(float(v)) for v in values)


def _box(shape, y0: float, y1: float, x0: float, x1: float) -> tuple[int, int, int, int]:
    """Integer pixel box covering [y0, y1] × [x0, x1] inclusive, clipped; EMPTY if outside."""
    h, w = shape
    iy0, iy1 = max(0, math.ceil(y0 - _RIM)), min(h, math.floor(y1 + _RIM) + 1)
    ix0, ix1 = max(0, math.ceil(x0 - _RIM)), min(w, math.floor(x1 + _RIM) + 1)
    if iy0 >= iy1 or ix0 >= ix1:
        return EMPTY
    return iy0, iy1, ix0, ix1


def stamp_disc(label_map: np.ndarray, x: float, y: float, radius: float, cls: int):
    """Set every pixel whose centre lies within `radius` of (x, y) to `cls`, in place."""
    return paint_segment(label_map, x, y, x, y, radius, cls)


def paint_segment(label_map: np.ndarray, x0: float, y0: float, x1: float, y1: float,
                  radius: float, cls: int):
    """A stroke of width 2·radius from (x0, y0) to (x1, y1): every pixel whose centre is within
    `radius` of the segment. Being a distance test rather than a chain of dabs, a fast drag
    leaves no gaps however far apart its two points are."""
    if not _finite(x0, y0, x1, y1, radius):
        return EMPTY
    r = max(0.5, float(radius))
    box = _box(label_map.shape, min(y0, y1) - r, max(y0, y1) + r,
               min(x0, x1) - r, max(x0, x1) + r)
    if box == EMPTY:
        return EMPTY
    by0, by1, bx0, bx1 = box
    yy = np.arange(by0, by1, dtype=np.float64)[:, None]
    xx = np.arange(bx0, bx1, dtype=np.float64)[None, :]
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 0:
        # nearest point of the segment to each pixel centre, as a fraction t along it
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / length2, 0.0, 1.0)
        ex, ey = xx - (x0 + t * dx), yy - (y0 + t * dy)
    else:
        ex, ey = xx - x0, yy - y0
    inside = ex * ex + ey * ey <= r * r + _RIM
    if not inside.any():
        return EMPTY
    label_map[by0:by1, bx0:bx1][inside] = cls
    return box


def fill_rect(label_map: np.ndarray, x0: float, y0: float, x1: float, y1: float, cls: int):
    """Fill the pixels from corner (x0, y0) to corner (x1, y1), both included, in any order."""
    if not _finite(x0, y0, x1, y1):
        return EMPTY
    xa, xb = sorted((math.floor(x0), math.floor(x1)))
    ya, yb = sorted((math.floor(y0), math.floor(y1)))
    box = _box(label_map.shape, ya, yb, xa, xb)
    if box != EMPTY:
        by0, by1, bx0, bx1 = box
        label_map[by0:by1, bx0:bx1] = cls
    return box


def _run_end(row: np.ndarray) -> int:
    """Length of the leading run of True in a boolean row."""
    k = int(np.argmin(row))
    return len(row) if row[k] else k


def _runs(mask: np.ndarray) -> int:
    """Number of horizontal runs of True: the work a scanline fill does, row by row."""
    return int(mask[:, 0].sum() + (mask[:, 1:] & ~mask[:, :-1]).sum())


def flood_fill(label_map: np.ndarray, x: float, y: float, cls: int) -> int:
    """Repaint the 4-connected region of the class under (x, y) with `cls`, in place; returns
    how many pixels changed. A scanline fill: each stack entry is a whole horizontal run, found
    with numpy, so a 256×256 region is a few hundred Python steps, not 65,536."""
    h, w = label_map.shape
    if not _finite(x, y):
        return 0
    sx, sy = math.floor(x), math.floor(y)
    if not (0 <= sx < w and 0 <= sy < h):
        return 0
    old = label_map[sy, sx]
    if old == cls:
        return 0
    todo = label_map == old           # pixels of the region not yet filled
    if _runs(todo.T) < _runs(todo):
        # tall thin shapes are cheaper column by column: scan the transposed view instead
        label_map, todo, sx, sy, h = label_map.T, todo.T, sy, sx, w
    changed = 0
    stack = [(sx, sy)]
    while stack:
        px, py = stack.pop()
        row = todo[py]
        if not row[px]:
            continue                  # reached twice, from above and from below
        left = px - _run_end(row[px::-1]) + 1
        right = px + _run_end(row[px:])
        row[left:right] = False
        label_map[py, left:right] = cls
        changed += right - left
        for ny in (py - 1, py + 1):
            if 0 <= ny < h:
                span = todo[ny, left:right]
                if span.any():
                    # one seed per run of the region in the neighbouring row
                    starts = np.flatnonzero(span & ~np.concatenate(([False], span[:-1])))
                    stack.extend((left + int(s), ny) for s in starts)
    return changed


class History:
    """Undo / redo of whole maps. A 256×256 map is 64 KiB, so a hundred snapshots cost less
    than diffing would in code."""

    def __init__(self, limit: int = 100):
        if limit < 1:
            raise ValueError(f"the history limit must be at least 1, got {limit}")
        self.limit = int(limit)
        self._undo: list[np.ndarray] = []
        self._redo: list[np.ndarray] = []

    def push(self, before: np.ndarray) -> None:
        """Record the map as it was before an edit; a new edit forgets what could be redone."""
        self._undo.append(np.array(before, copy=True))
        del self._undo[:-self.limit]
        self._redo.clear()

    def undo(self, current: np.ndarray) -> np.ndarray | None:
        if not self._undo:
            return None
        self._redo.append(np.array(current, copy=True))
        return self._undo.pop()

    def redo(self, current: np.ndarray) -> np.ndarray | None:
        if not self._redo:
            return None
        self._undo.append(np.array(current, copy=True))
        del self._undo[:-self.limit]
        return self._redo.pop()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def __len__(self) -> int:
        return len(self._undo)

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
