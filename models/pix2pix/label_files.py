"""Label maps as PNG files: class indices in a palette image, so one file is both exact
data and a picture any viewer shows in the classes' colours.

Loading accepts what people actually have: our palette PNGs, greyscale index images, and
RGB images painted in exactly the class colours (a screenshot of the canvas, say). Anything
else is refused with a message that says what is wrong; nothing is guessed.

    save_label_png(label_map, "scene.png")
    label_map = load_label_png("scene.png", size=64)
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from ..imaging import open_image
from .landscapes import class_colours, validate_label_map

MAX_SIDE = 1024


class LabelFileError(ValueError):
    """A file that is not a usable label map; the message names the file and the reason."""


def save_label_png(label_map: np.ndarray, path: str | os.PathLike) -> Path:
    lab = validate_label_map(label_map)
    image = Image.fromarray(lab, mode="P")
    palette = class_colours().reshape(-1).tolist()
    image.putpalette(palette + [0] * (768 - len(palette)))
    path = Path(path)
    image.save(path, format="PNG")
    return path


def _indices_from_colours(rgb: np.ndarray, path) -> np.ndarray:
    colours = class_colours().astype(np.int32)
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    keys = (colours[:, 0] << 16) | (colours[:, 1] << 8) | colours[:, 2]
    order = np.argsort(keys)
    pos = np.clip(np.searchsorted(keys[order], packed), 0, len(keys) - 1)
    found = keys[order][pos] == packed
    if not found.all():
        y, x = np.argwhere(~found)[0]
        r, g, b = (int(v) for v in rgb[y, x])
        raise LabelFileError(
            f"{path}: pixel ({x}, {y}) has colour ({r}, {g}, {b}), which is not a class colour. "
            "An RGB label map may only use the palette's colours exactly (no antialiasing).")
    return order[pos].astype(np.uint8)


def load_label_png(path: str | os.PathLike, size: int | None = None) -> np.ndarray:
    """H×W uint8 class indices, or LabelFileError. `size` demands a size×size map."""
    image = open_image(path, LabelFileError, max_side=MAX_SIDE)
    w, h = image.size
    if max(w, h) > MAX_SIDE:
        raise LabelFileError(f"{path} is {w}×{h} pixels; label maps are at most "
                             f"{MAX_SIDE}×{MAX_SIDE}")
    if size is not None and (w, h) != (size, size):
        raise LabelFileError(f"{path} is {w}×{h} pixels, but this model paints {size}×{size} "
                             "label maps")
    if image.mode in ("P", "L", "I", "I;16"):
        lab = np.asarray(image)          # palette images carry the indices themselves
    elif image.mode in ("RGB", "RGBA"):
        rgba = np.asarray(image.convert("RGBA"))
        if (rgba[..., 3] < 255).any():
            raise LabelFileError(f"{path} has transparent pixels; a label map needs a class "
                                 "at every pixel")
        lab = _indices_from_colours(rgba[..., :3], path)
    else:
        raise LabelFileError(f"{path} is a {image.mode!r} image; a label map is a palette "
                             "(P), greyscale (L) or RGB PNG")
    try:
        return validate_label_map(lab.astype(np.int64)).copy()
    except ValueError as exc:
        raise LabelFileError(f"{path}: {exc}") from exc
