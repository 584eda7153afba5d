"""The two domains an unpaired translator trains on: the landscapes in two styles, digits and
textured digits, or two folders of a user's own images. Each source is loaded on the job's
thread by a generator (Status events while it works) that returns an `UnpairedData`.

    data = yield from LandscapeDomains(1000, size=64).load()
    data = yield from DigitDomains(mnist_dataset).load()          # needs the MNIST digits
    data = yield from FolderDomains("~/photos/horses2zebras", size=64).load()

The rules for a user's folder (A/ and B/ beside each other), stated once, here and in the
help: every readable image is taken in name order; it becomes RGB (grey and palette images are
expanded, 16-bit grey is scaled to 8 bits, transparency is laid on white); its largest
centred square is cut out and resized to `size` (bicubic), so mixed sizes and aspect ratios
are fine. Files that cannot be read or converted are skipped and reported; one side over
MAX_SIDE pixels is refused from the header alone; a side with fewer than MIN_IMAGES usable
images is refused with the reason. The files are only read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..events import Status
from ..files import is_dir
from ..imaging import open_image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff")
MIN_IMAGES = 8          # fewer and a discriminator memorises them in a few steps
MAX_IMAGES = 5000       # per side: more is read no further (a CPU trains on far fewer)
MAX_SIDE = 8192         # a longer side is refused before decoding (hundreds of MB of pixels)
PREVIEW = 4


class DomainError(ValueError):
    """A domain cannot be used; the message says which files and why."""


@dataclass(frozen=True)
class UnpairedData:
    """Training images of each domain (N×H×W×C uint8, C = 1 or 3), and a few held-out ones to
    preview on; `pairs` says whether held_a[i] and held_b[i] show the same scene."""
    name: str
    split: str
    train_a: np.ndarray
    train_b: np.ndarray
    held_a: np.ndarray
    held_b: np.ndarray
    pairs: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def record(self) -> dict:
        """What a checkpoint keeps: the data by name and split, never a path."""
        return {"name": self.name, "split": self.split,
                "train_a": int(len(self.train_a)), "train_b": int(len(self.train_b))}


def grey_to_rgb(images: np.ndarray) -> np.ndarray:
    """N×H×W (or N×H×W×1) grey → N×H×W×3 with three equal channels."""
    x = np.asarray(images)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    return np.repeat(x[..., None], 3, axis=-1)


class LandscapeDomains:
    """The procedural landscapes: A in the summer style, B in winter, from different maps."""

    def __init__(self, n: int = 1000, size: int = 64, seed: int = 0, preview: int = PREVIEW):
        from .unpaired import UnpairedLandscapes
        self.data = UnpairedLandscapes(n, size, seed)
        self.preview = preview

    def load(self):
        d, n = self.data, len(self.data)
        a = np.empty((n, d.size, d.size, 3), np.uint8)
        b = np.empty_like(a)
        for i in range(n):
            a[i], b[i] = d.unpaired(i)
            if i % 50 == 0:
                yield Status(f"Rendering the two domains… {i:,}/{n:,}", i / n)
        held = [d.paired(i) for i in range(self.preview)]
        return UnpairedData(
            "landscapes-unpaired", f"{n:,} per domain (summer, winter), each from its own map",
            a, b, np.stack([h[0] for h in held]), np.stack([h[1] for h in held]), pairs=True)


class DigitDomains:
    """MNIST (A, grey) and the textured digits (B, RGB). The training digits are split in
    two halves, the even-numbered ones as they are and the odd-numbered ones textured, so no
    digit appears in both domains; the held-out digits are the test split, in both forms.
    `rgb_a` repeats MNIST's grey into three channels (for CycleGAN's RGB generators)."""

    def __init__(self, dataset, rgb_a: bool = False, seed: int = 0, preview: int = PREVIEW,
                 limit: int | None = None):
        self.dataset, self.rgb_a, self.seed, self.preview = dataset, rgb_a, seed, preview
        self.limit = limit

    def load(self):
        from .textured_digits import textured_digits
        ds = self.dataset
        train = ds.train.images[: self.limit] if self.limit else ds.train.images
        if len(train) < 2 * MIN_IMAGES:
            raise DomainError(f"{len(train)} training digits are too few: each domain needs "
                              f"at least {MIN_IMAGES}")
        yield Status(f"Texturing {len(train) // 2:,} digits…", 0.0)
        a = train[0::2]
        b = textured_digits(train[1::2], seed=self.seed)
        held = ds.test.images[: self.preview]
        held_b = textured_digits(held, seed=self.seed + 1)
        if self.rgb_a:
            a, held = grey_to_rgb(a), grey_to_rgb(held)
        else:
            a, held = a[..., None], held[..., None]
        return UnpairedData(
            "digits-textured", f"{ds.name} training digits: the {len(a):,} even-numbered as "
            f"they are (A), the {len(b):,} odd-numbered textured (B)", a, b, held, held_b,
            pairs=True)


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in IMAGE_SUFFIXES)


def square_rgb(image, size: int) -> np.ndarray:
    """A PIL image → size×size×3 uint8 by the folder rule: RGB (transparency on white), the
    largest centred square, resized bicubically."""
    from PIL import Image
    im = image
    if im.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N"):
        # 16-bit grey (PNG, TIFF): Pillow's own conversion clips at 255, which turns almost
        # every such photo white; scale 0..65535 onto 0..255 instead
        deep = np.asarray(im, np.float64)
        im = Image.fromarray((np.clip(deep, 0, 65535) / 257 + 0.5).astype(np.uint8), mode="L")
    if im.mode in ("RGBA", "LA", "PA", "RGBa") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    im = im.convert("RGB")
    w, h = im.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    im = im.crop((left, top, left + side, top + side))
    if side != size:
        im = im.resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(im, np.uint8).copy()


def read_domain(folder: Path, size: int, progress=None) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Every usable image of one folder by the rule above, and (file name, reason) for the
    ones skipped. DomainError when fewer than MIN_IMAGES remain."""
    if not is_dir(folder):
        raise DomainError(f"{folder} is not a folder")
    files = image_files(folder)
    images, skipped = [], []
    for k, path in enumerate(files[:MAX_IMAGES]):
        try:
            im = open_image(path, DomainError, max_side=MAX_SIDE)
            if min(im.size) < 8:
                raise DomainError(f"{path.name} is {im.size[0]}×{im.size[1]} pixels, too small")
            images.append(square_rgb(im, size))
        except DomainError as exc:
            skipped.append((path.name, str(exc)))
        except (ValueError, OSError) as exc:      # a mode Pillow cannot convert, say
            skipped.append((path.name, f"{path.name} cannot be converted to RGB: {exc}"))
        if progress is not None:
            progress(k + 1, min(len(files), MAX_IMAGES))
    if len(images) < MIN_IMAGES:
        why = "; ".join(reason for _, reason in skipped[:3])
        raise DomainError(f"{folder} has {len(images)} usable image(s); a domain needs at least "
                          f"{MIN_IMAGES}" + (f" ({len(skipped)} skipped: {why})" if skipped else ""))
    return np.stack(images), skipped


class FolderDomains:
    """A user's two folders: root/A and root/B (or two folders given apart)."""

    def __init__(self, root=None, size: int = 64, a=None, b=None, preview: int = PREVIEW):
        if root is not None:
            root = Path(root).expanduser()
            a, b = root / "A", root / "B"
            if not (is_dir(a) and is_dir(b)):
                raise DomainError(f"{root} needs two folders of images inside, A/ and B/")
        if a is None or b is None:
            raise DomainError("give a folder holding A/ and B/, or the two folders")
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) \
                or not 16 <= size <= 256 or size % 4:
            raise DomainError(f"size must be a multiple of 4 in 16..256, not {size!r}")
        self.a, self.b, self.size, self.preview = Path(a).expanduser(), Path(b).expanduser(), \
            int(size), preview

    def load(self):
        sides = {}
        for name, folder in (("A", self.a), ("B", self.b)):
            yield Status(f"Reading {name}/ ({folder.name})…", 0.0 if name == "A" else 0.5)
            sides[name] = read_domain(folder, self.size)
        notes = tuple(f"skipped {side}/{file}: {why}" for side, (_, skipped) in sides.items()
                      for file, why in skipped)
        (a, _), (b, _) = sides["A"], sides["B"]
        p = min(self.preview, len(a), len(b))
        return UnpairedData(
            f"folders {self.a.name} ↔ {self.b.name}",
            f"{len(a):,} A and {len(b):,} B images, each the centred square at {self.size} px",
            a, b, a[:p].copy(), b[:p].copy(), pairs=False, notes=notes)
