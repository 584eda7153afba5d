"""Users' own paired datasets in the standard pix2pix layout: `train/`, `val/`, `test/` of A|B images.

Each file holds the two domains side by side (facades, cityscapes, maps, edges2shoes): the left
half is A, the right half is B. Files come from strangers, so every failure is a PairedDataError
naming the file, and Pillow's decompression-bomb guard stays on: a tiny PNG that inflates to
gigapixels must be refused before it is decoded, not after it has eaten the memory.

    data = PairedFolder("~/datasets/facades", split="train", direction="BtoA", size=128)
    good = data.check()           # drops unreadable files into data.skipped
    a, b = data[0]                # 128×128×3 uint8 each
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from ..files import is_dir
from ..imaging import open_image

DIRECTIONS = ("AtoB", "BtoA")
SPLITS = ("train", "val", "test")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
# A|B photos are resized to at most 256 px a side; 8192 leaves room for any real pair and
# refuses, from the header, one whose pixels alone would take hundreds of MB
MAX_SIDE = 8192
MIN_HALF = 16  # below this a U-Net has nothing left to downsample, and it is surely a wrong file


class PairedDataError(ValueError):
    """A paired dataset, or one file in it, cannot be used; the message says which and why."""


def _check_direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    return direction


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    return split


def _check_size(size) -> int | None:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_HALF:
        raise ValueError(f"size must be an integer of at least {MIN_HALF} pixels, got {size!r}")
    return int(size)


def _is_image(path: Path) -> bool:
    # names starting with "." are macOS "._x.jpg" resource forks and other junk, not images
    return path.is_file() and not path.name.startswith(".") and path.suffix.lower() in IMAGE_SUFFIXES


def find_pairs(root, split: str = "train") -> list[Path]:
    """The sorted image files of root/split, or PairedDataError explaining what is there instead."""
    try:
        return _find_pairs(root, split)
    except OSError as exc:        # a folder we may not list, a name too long
        raise PairedDataError(f"{root}: cannot be read ({exc.strerror or exc})") from exc


def _find_pairs(root, split: str) -> list[Path]:
    _check_split(split)
    root = Path(root).expanduser()
    if not is_dir(root):              # False, not OSError, for a name over 255 bytes
        what = "is not a folder" if os.path.exists(root) else "does not exist"
        raise PairedDataError(f"dataset folder {root} {what}")
    folder = root / split
    if not folder.is_dir():
        found = sorted(p.name + "/" for p in root.iterdir() if p.is_dir())
        present = f"it holds {', '.join(found)}" if found else "it holds no folders"
        raise PairedDataError(
            f"{root} has no {split}/ folder ({present}); a pix2pix dataset has folders "
            f"{', '.join(s + '/' for s in SPLITS)} of side-by-side A|B images")
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if not entries:
        raise PairedDataError(f"{folder} is empty: put side-by-side A|B images "
                              f"({', '.join(IMAGE_SUFFIXES)}) in it")
    paths = sorted(p for p in entries if _is_image(p))
    if not paths:
        others = sorted(p.name for p in entries)
        example = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise PairedDataError(f"{folder} holds no images ({', '.join(IMAGE_SUFFIXES)}); "
                              f"found {len(others)} other entries: {example}")
    return paths


def open_rgb(path: Path) -> Image.Image:
    """The file as an RGB image, or PairedDataError saying why not."""
    image = open_image(path, PairedDataError, max_side=MAX_SIDE)
    if image.mode.startswith("I"):
        # 16-bit greyscale (depth maps, scans): Pillow's convert clips to 255 instead of
        # scaling, which would turn the image white
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if values.max(initial=0) > 255 else 255.0
        image = Image.fromarray(np.clip(values / top * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    elif image.mode == "F":
        raise PairedDataError(f"{path} holds floating-point pixels; save it as an 8- or "
                              "16-bit image")
    return image.convert("RGB")


def load_pair(path, direction: str = "AtoB", size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The (input, target) halves of one A|B file as H×W×3 uint8, resized to size×size if given."""
    _check_direction(direction)
    size = _check_size(size)
    path = Path(path)
    im = open_rgb(path)
    w, h = im.size
    if w % 2:
        raise PairedDataError(f"{path}: width {w} is odd: an A|B pair needs two halves of equal width")
    half = w // 2
    if half < MIN_HALF or h < MIN_HALF:
        raise PairedDataError(f"{path}: each half is {half}×{h} pixels, smaller than the "
                              f"minimum {MIN_HALF}×{MIN_HALF}")
    a, b = im.crop((0, 0, half, h)), im.crop((half, 0, w, h))
    if direction == "BtoA":
        a, b = b, a
    if size is not None:
        a = a.resize((size, size), Image.Resampling.BICUBIC)
        b = b.resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(a, dtype=np.uint8).copy(), np.asarray(b, dtype=np.uint8).copy()


class PairedFolder:
    """One split of a pix2pix folder dataset; items are (input, target) uint8 size×size×3 arrays."""

    def __init__(self, root, split: str = "train", direction: str = "AtoB", size: int = 256):
        self.root = Path(root).expanduser()
        self.split = _check_split(split)
        self.direction = _check_direction(direction)
        self.size = _check_size(size)
        if self.size is None:
            raise ValueError("PairedFolder needs a size so that items can be batched")
        self.paths: list[Path] = find_pairs(self.root, split)
        self.skipped: list[tuple[Path, str]] = []

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return load_pair(self.paths[i], self.direction, self.size)

    def check(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Try every file once; bad ones move from .paths to .skipped. Returns the good count.

        One broken JPEG among thousands should not cost the user the dataset, but a folder
        with nothing usable is an error, reported with the first few reasons.
        """
        good, n = [], len(self.paths)
        for k, path in enumerate(self.paths):
            try:
                load_pair(path, self.direction, self.size)
            except PairedDataError as e:
                self.skipped.append((path, str(e)))
            else:
                good.append(path)
            if progress is not None:
                progress(k + 1, n)
        self.paths = good
        if not good:
            reasons = "; ".join(reason for _, reason in self.skipped[:3])
            more = f" (and {len(self.skipped) - 3} more)" if len(self.skipped) > 3 else ""
            raise PairedDataError(f"none of the {n} files in {self.root / self.split} can be "
                                  f"used: {reasons}{more}")
        return len(good)
