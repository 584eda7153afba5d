"""Two styles of the same procedural world: the pix2pix landscapes' summer photo and a winter
one of the same label map (issue 16's two domains).

Winter is not a colour filter. Each class changes in its own way, so a translator has to know
what it looks at, as CycleGAN must for horse ↔ zebra:

  grass, sand  → snow cover: blue-white, shaded by the same ground gradient, drifts of noise
  trees        → darker, greyer crowns with snow on their upper edges and in specks
  water        → ice: pale grey-blue, flat (no mirror), with cracks
  mountains    → snow all the way down, dark rock showing through in gullies
  rock         → grey stone capped with snow
  sky, clouds  → a lower, greyer overcast

    summer = render_style(label_map, seed, "summer")   # = pix2pix's render_photo
    winter = render_style(label_map, seed, "winter")
"""
from __future__ import annotations

import numpy as np

from ..pix2pix.landscapes import (CLOUD, GRASS, MOUNTAIN, ROCK, SAND, SKY, SNOW, TREE, WATER,
                                  _fractal, _horizon_row, _rng, render_photo,
                                  validate_label_map)

STYLES = ("summer", "winter")


def render_style(label_map: np.ndarray, seed: int, style: str) -> np.ndarray:
    """An H×W×3 uint8 photo of `label_map` in `style`; texture comes from the seed."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLES)}")
    if style == "summer":
        return render_photo(label_map, seed)
    return _winter(validate_label_map(label_map), seed)


def _winter(lab: np.ndarray, seed: int) -> np.ndarray:
    summer = render_photo(lab, seed).astype(np.float32) / 255
    rng = _rng(seed, 2)                  # its own stream: summer's texture stays summer's
    h, w = lab.shape
    y = np.arange(h, dtype=np.float32)[:, None]
    hz = _horizon_row(lab)
    ground_t = np.clip((y - hz) / max(h - hz, 1.0), 0, 1)[..., None]
    drift = _fractal(rng, h, w, (8, 16, 32))[..., None]
    img = summer.copy()

    def put(mask: np.ndarray, colour: np.ndarray) -> None:
        nonlocal img
        img = np.where(mask[..., None], colour, img)

    # overcast: the summer sky's brightness, drained of most of its blue
    grey = summer.mean(-1, keepdims=True)
    overcast = 0.35 * summer + 0.65 * (0.55 + 0.4 * grey) * np.array([0.93, 0.95, 1.0], np.float32)
    put((lab == SKY) | (lab == CLOUD), overcast)

    # snow cover on the ground: bright far away, bluer in the foreground, with drifts
    snow = (np.array([0.92, 0.94, 0.98], np.float32)
            - np.array([0.18, 0.12, 0.02], np.float32) * ground_t + 0.05 * drift)
    put((lab == GRASS) | (lab == SAND), snow)

    # mountains: snow everywhere but the gullies, streaks where dark rock shows through
    mountain = lab == MOUNTAIN
    rock_lum = summer.mean(-1, keepdims=True)
    gully = (_fractal(rng, h, w, (6, 12, 24, 48), stretch=3.0) > 0.45)[..., None]
    mountain_snow = np.array([0.84, 0.88, 0.95], np.float32) * (0.7 + 0.5 * rock_lum)
    dark_rock = np.array([0.25, 0.25, 0.28], np.float32) * (0.8 + 0.5 * rock_lum)
    put(mountain, np.where(gully, dark_rock, np.minimum(mountain_snow, 1.0)))
    put(lab == SNOW, np.minimum(summer * 1.05 + 0.03, 1.0))

    # trees: summer's crowns darkened and drained of green, snow on the lit upper edges and
    # caught in specks where summer's light fell
    tree = lab == TREE
    lum = summer.mean(-1, keepdims=True)
    needles = (0.45 * summer + 0.55 * lum * np.array([0.8, 0.95, 0.9], np.float32)) * 0.85
    put(tree, needles + 0.02)
    top_edge = tree & np.concatenate([np.ones((1, w), bool), ~tree[:-1]], axis=0)
    top_edge |= np.concatenate([np.zeros((1, w), bool), top_edge[:-1]], axis=0) & tree
    specks = tree & (rng.random((h, w), dtype=np.float32) < 0.25) & (lum[..., 0] > np.median(lum))
    put(top_edge | specks, np.array([0.86, 0.89, 0.95], np.float32) + 0.04 * drift)

    # ice: flat and pale, no reflection, a few dark cracks
    cracks = np.abs(_fractal(rng, h, w, (6, 12, 24), stretch=0.5)) < 0.06
    ice = np.array([0.70, 0.80, 0.88], np.float32) - 0.1 * ground_t + 0.03 * drift
    ice = np.where(cracks[..., None], ice - 0.25, ice)
    put(lab == WATER, ice)

    # rock: summer's stone, snow on its upper half
    rock = lab == ROCK
    if rock.any():
        rows = np.where(rock)[0]
        capped = rock & (y < (rows.min() + rows.max()) / 2)
        put(capped, np.array([0.9, 0.92, 0.96], np.float32) + 0.03 * drift)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
