"""Procedural paired landscapes: random label maps and matching "photos", deterministic per seed.

The photo is a function of the label map *and* of position: sky and grass follow vertical
gradients, mountains are shaded by the slope of their ridge, water mirrors whatever lies above
the horizon. So a translator has to learn context, not a colour lookup table. Everything is
derived from the map itself, which lets `render_photo` handle maps a user painted by hand.

    label, photo = landscape_pair(seed=3, size=128)   # 128×128 uint8, 128×128×3 uint8
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class LandscapeClass(NamedTuple):
    name: str
    colour: tuple[int, int, int]


# Order is part of the file format (saved label maps store these indices): append, never reorder.
CLASSES: tuple[LandscapeClass, ...] = (
    LandscapeClass("sky", (135, 206, 235)),
    LandscapeClass("cloud", (245, 245, 245)),
    LandscapeClass("mountain", (139, 90, 60)),
    LandscapeClass("snow", (200, 120, 255)),
    LandscapeClass("water", (30, 70, 200)),
    LandscapeClass("grass", (110, 210, 60)),
    LandscapeClass("tree", (20, 100, 30)),
    LandscapeClass("sand", (235, 210, 120)),
    LandscapeClass("rock", (120, 120, 120)),
)
SKY, CLOUD, MOUNTAIN, SNOW, WATER, GRASS, TREE, SAND, ROCK = range(len(CLASSES))
BACKGROUND = SKY
SIZES = (64, 128, 256)

_COLOURS = np.array([c.colour for c in CLASSES], dtype=np.uint8)


def class_colours() -> np.ndarray:
    return _COLOURS.copy()


def colourise(label_map: np.ndarray) -> np.ndarray:
    return _COLOURS[validate_label_map(label_map)]


def validate_label_map(array, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """The map as H×W uint8, or ValueError saying what is wrong (used on PNGs users load)."""
    a = np.asarray(array)
    if a.ndim != 2:
        raise ValueError(f"a label map must be a 2-D array of class indices, got shape {a.shape}")
    if a.size == 0:
        raise ValueError("the label map is empty")
    if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"a label map must hold integer class indices, got dtype {a.dtype}")
    if size is not None:
        want = (size, size) if isinstance(size, int) else tuple(size)
        if a.shape != want:
            raise ValueError(f"the label map is {a.shape[1]}×{a.shape[0]} pixels, "
                             f"expected {want[1]}×{want[0]}")
    lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi >= len(CLASSES):
        bad = lo if lo < 0 else hi
        raise ValueError(f"class index {bad} is out of range: valid indices are "
                         f"0–{len(CLASSES) - 1} "
                         f"({', '.join(c.name for c in CLASSES)})")
    return a.astype(np.uint8, copy=False)


def _rng(seed: int, stream: int) -> np.random.Generator:
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.default_rng((seed, stream))


# ---------------------------------------------------------------- noise

def _profile(rng: np.random.Generator, n: int, octaves: int = 5, base: float = 1.5,
             falloff: float = 1.3) -> np.ndarray:
    """Band-limited 1-D curve in [0, 1]: a few sines with 1/f amplitudes."""
    x = np.linspace(0.0, 1.0, n, dtype=np.float32)
    out = np.zeros(n, np.float32)
    for k in range(octaves):
        f = base * 2.0 ** k * rng.uniform(0.8, 1.25)
        out += np.sin(2 * np.pi * f * x + rng.uniform(0, 2 * np.pi)) / (1.0 + k) ** falloff
    out -= out.min()
    return out / max(float(out.max()), 1e-6)


def _value_noise(rng: np.random.Generator, h: int, w: int, cells_y: int, cells_x: int) -> np.ndarray:
    """Smooth random field in [0, 1]; cell counts are per image, so texture scales with size."""
    grid = rng.random((cells_y + 1, cells_x + 1), dtype=np.float32)
    fy = np.linspace(0, cells_y, h, endpoint=False, dtype=np.float32)
    fx = np.linspace(0, cells_x, w, endpoint=False, dtype=np.float32)
    iy, ix = fy.astype(int), fx.astype(int)
    ty, tx = fy - iy, fx - ix
    ty, tx = (ty * ty * (3 - 2 * ty))[:, None], (tx * tx * (3 - 2 * tx))[None, :]
    a, b = grid[iy][:, ix], grid[iy][:, ix + 1]
    c, d = grid[iy + 1][:, ix], grid[iy + 1][:, ix + 1]
    return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty


def _fractal(rng, h, w, cells=(4, 8, 16, 32), stretch=1.0) -> np.ndarray:
    """Octaves of value noise, centred on 0 with roughly unit spread; stretch > 1 makes streaks."""
    out = np.zeros((h, w), np.float32)
    for k, c in enumerate(cells):
        cy = max(1, int(round(c / stretch)))
        out += (_value_noise(rng, h, w, min(cy, h), min(c, w)) - 0.5) / 2 ** k
    return out * 2.0


# ---------------------------------------------------------------- layout

def _ellipse(lab, cy, cx, ry, rx, cls, only=None):
    h, w = lab.shape
    y0, y1 = max(0, int(cy - ry)), min(h, int(cy + ry) + 1)
    x0, x1 = max(0, int(cx - rx)), min(w, int(cx + rx) + 1)
    if y0 >= y1 or x0 >= x1:
        return
    yy, xx = np.ogrid[y0:y1, x0:x1]
    m = ((yy - cy) / max(ry, 0.5)) ** 2 + ((xx - cx) / max(rx, 0.5)) ** 2 <= 1.0
    sub = lab[y0:y1, x0:x1]
    if only is not None:
        m &= np.isin(sub, only)
    sub[m] = cls


def _conifer(lab, base_y, cx, height, width):
    h, w = lab.shape
    top = base_y - height
    y0, y1 = max(0, int(top)), min(h, int(base_y) + 1)
    x0, x1 = max(0, int(cx - width)), min(w, int(cx + width) + 1)
    if y0 >= y1 or x0 >= x1:
        return
    yy, xx = np.ogrid[y0:y1, x0:x1]
    half = (yy - top) / max(height, 1.0) * width / 2
    lab[y0:y1, x0:x1][np.abs(xx - cx) <= half] = TREE


def render_label_map(seed: int, size: int = 64) -> np.ndarray:
    """A random landscape layout, H×W uint8 class indices, deterministic from the seed."""
    if int(size) < 8:
        raise ValueError(f"size must be at least 8 pixels, got {size}")
    rng, s = _rng(seed, 0), int(size)
    rows = np.arange(s, dtype=np.float32)[:, None]
    lab = np.full((s, s), SKY, np.uint8)
    horizon = int(s * rng.uniform(0.42, 0.62))

    # mountains: a far, snow-capped range, sometimes a lower, nearer one in front
    ridge = np.full(s, float(horizon), np.float32)
    if rng.random() < 0.88:
        amp = s * rng.uniform(0.18, 0.4)
        far = horizon - amp * _profile(rng, s, base=rng.uniform(1.0, 2.2), falloff=1.7) ** 1.3 - 1
        mountain = rows >= far[None, :]
        jag = s * 0.03 * (_profile(rng, s, base=6) - 0.5)
        snowline = horizon - amp * rng.uniform(0.55, 0.78) + jag
        lab[mountain & (rows < horizon)] = MOUNTAIN
        lab[mountain & (rows < snowline[None, :]) & (rows < horizon)] = SNOW
        ridge = np.minimum(ridge, far)
        if rng.random() < 0.55:
            near_amp = amp * rng.uniform(0.3, 0.6)
            near = horizon - near_amp * _profile(rng, s, 4, rng.uniform(1.5, 3), 1.8)
            lab[(rows >= near[None, :]) & (rows < horizon)] = MOUNTAIN
            ridge = np.minimum(ridge, near)

    # clouds: clusters of flat ellipses, painted only over sky
    for _ in range(rng.integers(0, 5)):
        cy = rng.uniform(0.05, 0.8) * float(ridge.min())
        cx, rx = rng.uniform(0, s), s * rng.uniform(0.05, 0.14)
        for _ in range(rng.integers(2, 5)):
            _ellipse(lab, cy + rng.normal(0, rx * 0.15), cx + rng.normal(0, rx * 0.8),
                     rx * rng.uniform(0.25, 0.45), rx * rng.uniform(0.6, 1.1), CLOUD, only=(SKY,))

    # ground: a lake or sea under the horizon with a beach, or a plain meadow
    below = rows >= horizon
    lab[horizon:] = GRASS
    kind = rng.choice(["lake", "sea", "meadow"], p=[0.5, 0.2, 0.3])
    if kind != "meadow":
        depth = (s - horizon) * (rng.uniform(0.3, 0.75) if kind == "lake" else rng.uniform(0.5, 0.8))
        shore = horizon + depth + s * 0.06 * (_profile(rng, s, base=1.2) - 0.5)
        lab[below & (rows < shore[None, :])] = WATER
        beach = s * (rng.uniform(0.02, 0.06) if kind == "lake" else 1.0)
        if kind == "sea" or rng.random() < 0.65:
            lab[(rows >= shore[None, :]) & (rows < shore[None, :] + beach)] = SAND

    # rocks, then trees far to near so nearer ones overlap farther ones
    for _ in range(rng.integers(0, 4)):
        y = rng.uniform(horizon + 2, s)
        r = s * (0.015 + 0.05 * (y - horizon) / max(s - horizon, 1))
        _ellipse(lab, y, rng.uniform(0, s), r * 0.7, r * rng.uniform(1.0, 1.6), ROCK,
                 only=(GRASS, SAND, WATER))
    trees = [(rng.uniform(horizon, s), rng.uniform(0, s)) for _ in range(rng.integers(0, 9))]
    if rng.random() < 0.4:     # a treeline along a grassy horizon
        trees += [(horizon + rng.uniform(0, 2), x) for x in np.arange(rng.uniform(0, 3), s, s / 24)]
    for y, x in sorted(trees):
        if lab[min(int(y), s - 1), int(x) % s] not in (GRASS, TREE):
            continue
        hgt = s * (0.05 + 0.3 * (y - horizon) / max(s - horizon, 1)) * rng.uniform(0.7, 1.3)
        if rng.random() < 0.7:
            _conifer(lab, y, x, hgt, hgt * rng.uniform(0.45, 0.65))
        else:
            _ellipse(lab, y - hgt * 0.45, x, hgt * 0.45, hgt * 0.38, TREE)
    return lab


# ---------------------------------------------------------------- photo

def _horizon_row(lab: np.ndarray) -> float:
    """Mean over columns of the lowest sky/cloud/mountain pixel: where the land and water start."""
    h = lab.shape[0]
    up = np.isin(lab, (SKY, CLOUD, MOUNTAIN, SNOW))
    has = up.any(axis=0)
    if not has.any():
        return 0.0
    last = h - np.argmax(up[::-1], axis=0)
    return float(last[has].mean())


def _box_blur(mask: np.ndarray, r: int) -> np.ndarray:
    """Separable box blur by cumulative sums: a cheap soft edge for clouds."""
    if r < 1:
        return mask.astype(np.float32)
    out = np.pad(mask.astype(np.float32), r, mode="edge")
    for axis in (0, 1):
        c = np.cumsum(out, axis=axis, dtype=np.float32)
        c = np.concatenate([np.zeros_like(c.take([0], axis=axis)), c], axis=axis)
        n = out.shape[axis]
        out = (c.take(range(2 * r + 1, n + 1), axis=axis) - c.take(range(0, n - 2 * r), axis=axis))
        out /= 2 * r + 1
        out = np.pad(out, [(r, r) if a == axis else (0, 0) for a in (0, 1)], mode="edge")
    return out[r:-r, r:-r]


def render_photo(label_map: np.ndarray, seed: int) -> np.ndarray:
    """An H×W×3 uint8 "photo" of any valid label map; texture and tint come from the seed."""
    lab = validate_label_map(label_map)
    rng = _rng(seed, 1)
    h, w = lab.shape
    y = np.arange(h, dtype=np.float32)[:, None]
    hz = _horizon_row(lab)
    img = np.zeros((h, w, 3), np.float32)
    is_ = {k: lab == k for k in range(len(CLASSES))}
    tint = rng.normal(0, 0.025, 3).astype(np.float32)

    # sky: deep blue overhead fading to pale haze at the horizon
    top = np.array([0.22, 0.45, 0.85], np.float32) + tint
    pale = np.array([0.78, 0.87, 0.95], np.float32) + tint
    t_sky = np.clip(y / max(hz, 1.0), 0, 1) ** 1.5
    sky_col = top + (pale - top) * t_sky[..., None]                   # H×1×3
    img[:] = sky_col

    # clouds: white, soft at the edges, grey underneath
    if is_[CLOUD].any():
        r = max(1, w // 64)
        soft = _box_blur(is_[CLOUD], r)
        under = np.clip(soft - _box_blur(np.roll(is_[CLOUD], -2 * r, axis=0), r), 0, 1)
        cloud = np.array([0.97, 0.97, 0.98], np.float32) - 0.22 * under[..., None]
        cloud = cloud + 0.04 * _fractal(rng, h, w, (8, 16))[..., None]
        a = soft[..., None]
        img = img * (1 - a) + cloud * a

    # mountains and snow: lit from the left by the slope of each column's ridge, hazier high up
    rocky = is_[MOUNTAIN] | is_[SNOW]
    if rocky.any():
        ridge = np.where(rocky.any(axis=0), np.argmax(rocky, axis=0), h).astype(np.float32)
        slope = np.gradient(ridge) if w > 1 else np.zeros_like(ridge)
        k = max(1, w // 32)     # smooth over a few columns so faces, not single pixels, catch light
        slope = np.convolve(np.pad(slope, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), "valid")
        streak = _fractal(rng, h, w, (6, 12, 24, 48), stretch=2.5)
        face = np.exp(-np.clip(y - ridge[None, :], 0, None) / (0.25 * h))   # fades down the slope
        lit = np.tanh(slope * 64 / h)[None, :] * face
        light = np.clip(0.72 - 0.3 * lit + 0.1 * streak, 0.35, 1.1)
        haze = np.clip(1 - (y - ridge[None, :]) / (0.35 * h), 0, 1) * 0.25
        rock_col = np.array([0.42, 0.38, 0.40], np.float32) * light[..., None]
        rock_col = rock_col * (1 - haze[..., None]) + sky_col * haze[..., None]
        snow_col = np.array([0.86, 0.9, 1.0], np.float32) * (0.55 + 0.45 * light)[..., None]
        img = np.where(is_[MOUNTAIN][..., None], rock_col, img)
        img = np.where(is_[SNOW][..., None], np.minimum(snow_col, 1.0), img)

    ground_t = np.clip((y - hz) / max(h - hz, 1.0), 0, 1)            # 0 at horizon, 1 at bottom
    fine = _fractal(rng, h, w, (16, 32, 64))
    if is_[GRASS].any():
        far, near = np.array([0.55, 0.68, 0.30], np.float32), np.array([0.20, 0.48, 0.12], np.float32)
        grain = 0.06 * (fine + _fractal(rng, h, w))
        grass = far + (near - far) * ground_t[..., None] + grain[..., None]
        img = np.where(is_[GRASS][..., None], grass, img)
    if is_[SAND].any():
        sand = np.array([0.86, 0.78, 0.56], np.float32) * (1 - 0.12 * ground_t)[..., None]
        img = np.where(is_[SAND][..., None], sand + 0.04 * fine[..., None], img)
    if is_[TREE].any():
        speck = rng.random((h, w), dtype=np.float32)
        leaf = np.array([0.07, 0.24, 0.10], np.float32) * (0.75 + 0.5 * speck + 0.3 * fine)[..., None]
        left_lit = np.concatenate([np.zeros((h, 1), bool), ~is_[TREE][:, :-1]], axis=1) & is_[TREE]
        leaf = leaf + 0.08 * left_lit[..., None]
        img = np.where(is_[TREE][..., None], leaf, img)
    if is_[ROCK].any():
        lit_top = np.concatenate([np.zeros((1, w), bool), ~is_[ROCK][:-1]], axis=0) & is_[ROCK]
        stone = 0.5 + 0.09 * _fractal(rng, h, w, (16, 32, 64)) + 0.15 * lit_top
        stone = stone[..., None] * np.array([1.0, 0.98, 0.95], np.float32)
        img = np.where(is_[ROCK][..., None], stone, img)

    # water last: it mirrors what was rendered above the horizon, ripples and darkens with depth
    if is_[WATER].any():
        mirror = np.clip(np.round(2 * hz - 1 - y).astype(int), 0, h - 1)[:, 0]
        refl = img[mirror]
        refl = np.where(is_[WATER][mirror][..., None], sky_col[mirror], refl)
        sway = (2 * _value_noise(rng, h, 1, 16, 1) - 1) * (w / 64)
        cols = np.clip(np.round(np.arange(w)[None, :] + sway), 0, w - 1).astype(int)
        refl = refl[np.arange(h)[:, None], cols]
        ripple = np.sin(y * (2 * np.pi / max(2.0, h / 24)) + 2.5 * _fractal(rng, h, w, (4, 8), 0.25))
        deep = np.array([0.05, 0.18, 0.32], np.float32)
        mix = (0.25 + 0.5 * ground_t)[..., None]
        water = refl * (1 - mix) + deep * mix + (0.05 * ripple)[..., None]
        img = np.where(is_[WATER][..., None], water, img)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def landscape_pair(seed: int, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    label = render_label_map(seed, size)
    return label, render_photo(label, seed)


class LandscapeDataset:
    """`n` pairs generated on demand; item i is `landscape_pair(seed + i, size)`."""

    def __init__(self, n: int, size: int = 64, seed: int = 0):
        if n < 0 or seed < 0 or size < 8:
            raise ValueError(f"need n ≥ 0, seed ≥ 0 and size ≥ 8, "
                             f"got n={n}, seed={seed}, size={size}")
        self.n, self.size, self.seed = int(n), int(size), int(seed)
        self.classes = CLASSES

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        i = int(i)
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} out of range for {self.n} landscapes")
        return landscape_pair(self.seed + i, self.size)

    def batch(self, indices) -> tuple[np.ndarray, np.ndarray]:
        pairs = [self[i] for i in indices]
        if not pairs:
            return (np.zeros((0, self.size, self.size), np.uint8),
                    np.zeros((0, self.size, self.size, 3), np.uint8))
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])
