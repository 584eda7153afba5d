"""Datasets: MNIST-style IDX folders, found locally or downloaded through torchvision.

A dataset is named ("mnist", "fashion-mnist") or given as a folder path. Named datasets are
searched for in a list of roots (explicit folder, app setting, $PLAYGROUND_DATA, the user
cache); if none has them and downloading is allowed, torchvision fetches them.
"""
from __future__ import annotations

import functools
import gzip
import math
import os
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .files import check_regular, is_dir

ENV_VAR = "PLAYGROUND_DATA"
DEFAULT_ROOT = Path.home() / ".cache" / "generative-playground" / "data"

DIGITS = tuple(str(i) for i in range(10))
FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# name -> (class names, folder names that may hold it, torchvision class name)
KNOWN = {
    "mnist": (DIGITS, ("mnist", "MNIST", "MNIST/raw", "mnist/raw"), "MNIST"),
    "fashion-mnist": (FASHION, ("fashion-mnist", "FashionMNIST", "FashionMNIST/raw",
                                "fashion-mnist/raw", "fashion_mnist"), "FashionMNIST"),
}

# When a folder holds only one split, this share of it trains and the rest is held out...
SINGLE_SPLIT_TRAIN_FRACTION = 0.8
# ...but never more than this many: a train-only folder as large as Fashion-MNIST's 60,000
# holds out its last 10,000, as many as the official test sets, not a fifth (12,000).
MAX_HELD_OUT = 10_000
# Fewer training images than this cannot train anything: a batch of one image breaks
# BatchNorm (the GANs' discriminators), and one image is no distribution to learn.
MIN_TRAIN = 2

_IMAGES_MAGIC, _LABELS_MAGIC = 2051, 2049


class DataError(Exception):
    """A dataset could not be found or read. The message says what to do about it."""


class TooFewImages(DataError, ValueError):
    """A dataset too small to train on (or test on); also a ValueError, as bad input to a
    trainer always was."""


@dataclass(frozen=True)
class Split:
    images: np.ndarray  # N×28×28 uint8
    labels: np.ndarray  # N int64

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Dataset:
    name: str
    classes: tuple[str, ...]
    train: Split
    test: Split
    source: str  # where it was read from, and how it was split: for messages on this machine
    notes: list[str] = field(default_factory=list)
    # What a checkpoint records (see record()): the split in words, and for a folder given by
    # path its name alone. Never `source`, which holds this machine's absolute path.
    split: str = ""
    folder: str = ""

    def split_words(self) -> str:
        return self.split or f"{len(self.train):,} train, {len(self.test):,} held out"

    def record(self) -> dict:
        """The dataset as a checkpoint records it: by name and split, never by the path of
        the machine that trained it (a shipped checkpoint must not carry a developer's folder)."""
        out = {"name": self.name, "split": self.split_words(), "classes": list(self.classes),
               "train_size": len(self.train), "test_size": len(self.test)}
        if self.folder:
            out["folder"] = self.folder
        return out


# --------------------------------------------------------------------------- IDX files

# The largest IDX file a dataset may hold: MNIST's training images are 47 MB, and 512 MB
# is ten times more of them. A header declaring more is refused before anything is read.
MAX_IDX_BYTES = 512 * 2**20
MAX_IDX_DIMS = 4


def read_idx(path: str | os.PathLike, expect_magic: int) -> np.ndarray:
    """Read one IDX file (optionally gzipped), checking magic, dimensions and length.

    Only as many bytes as the header declares (plus one, to notice extra data) are read or
    decompressed: a small gzip file that inflates to gigabytes is refused, not decompressed.
    """
    path = Path(path)
    check_regular(path, DataError)
    try:
        with open(path, "rb") as plain:
            gzipped = plain.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
            head = f.read(4)
            if len(head) < 4:
                raise DataError(f"{path}: file is {len(head)} bytes, too short for an IDX header.")
            magic = int.from_bytes(head, "big")
            if magic != expect_magic:
                kind = {_IMAGES_MAGIC: "an image", _LABELS_MAGIC: "a label"}.get(expect_magic, "an IDX")
                raise DataError(f"{path}: wrong magic number {magic} (expected {expect_magic}); "
                                f"this is not {kind} file in IDX format.")
            if head[2] != 0x08:
                raise DataError(f"{path}: element type 0x{head[2]:02x} is not unsigned bytes (0x08).")
            ndim = head[3]
            if not 1 <= ndim <= MAX_IDX_DIMS:
                raise DataError(f"{path}: {ndim} dimensions; an IDX dataset file has 1 to "
                                f"{MAX_IDX_DIMS}.")
            dims = f.read(4 * ndim)
            if len(dims) < 4 * ndim:
                raise DataError(f"{path}: truncated header.")
            shape = tuple(int.from_bytes(dims[4 * i: 4 * i + 4], "big") for i in range(ndim))
            expected = math.prod(shape)
            if expected > MAX_IDX_BYTES:
                raise DataError(f"{path}: the header declares {shape} = {expected:,} bytes; "
                                f"a dataset file may hold at most {MAX_IDX_BYTES:,}.")
            raw = f.read(expected + 1)
            if len(raw) > expected:          # say by how much, reading at most 1 MB more
                extra = len(raw) - expected + len(f.read(2**20))
                found = f"{expected + extra}" if extra <= 2**20 else f"over {expected + 2**20}"
    except DataError:
        raise
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
        raise DataError(f"{path}: cannot read this file ({exc}).") from exc
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        found = f"{len(raw)}" if len(raw) < expected else found
        raise DataError(f"{path}: file is {what}: header says {shape} = {expected} bytes "
                        f"of data, found {found}.")
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape)


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_pair(folder: Path, prefix: str) -> Split | None:
    img_path = _find(folder, f"{prefix}-images-idx3-ubyte")
    lbl_path = _find(folder, f"{prefix}-labels-idx1-ubyte")
    if img_path is None and lbl_path is None:
        return None
    if img_path is None or lbl_path is None:
        missing = f"{prefix}-images-idx3-ubyte" if img_path is None else f"{prefix}-labels-idx1-ubyte"
        raise DataError(f"{folder}: found one {prefix} file but not {missing}[.gz].")
    images = read_idx(img_path, _IMAGES_MAGIC)
    labels = read_idx(lbl_path, _LABELS_MAGIC)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DataError(f"{img_path}: images are {images.shape[1:]}, expected 28×28.")
    if labels.ndim != 1:
        raise DataError(f"{lbl_path}: labels have shape {labels.shape}, expected a vector.")
    if len(images) != len(labels):
        raise DataError(f"{folder}: {len(images)} {prefix} images but {len(labels)} labels.")
    if len(labels) and labels.max() > 9:
        raise DataError(f"{lbl_path}: label {int(labels.max())} is outside 0–9.")
    return Split(np.ascontiguousarray(images), labels.astype(np.int64))


def has_idx_files(folder: Path) -> bool:
    return any(_find(folder, f"{p}-images-idx3-ubyte") for p in ("train", "t10k"))


def read_folder(folder: str | os.PathLike, name: str | None = None) -> Dataset:
    """Read a folder of IDX files: train-* and optionally t10k-*.

    A folder with only one split (say, only the t10k files) is split in order: the first
    80% trains, the last 20% is held out, at most MAX_HELD_OUT (10,000) images: Fashion-MNIST's
    60,000 train-* images train on the first 50,000 and hold out the last 10,000.
    """
    folder = Path(folder).expanduser()
    if not is_dir(folder):            # False, not OSError, for a name over 255 bytes
        raise DataError(f"{folder}: no such folder.")
    train, test = _read_pair(folder, "train"), _read_pair(folder, "t10k")
    if train is None and test is None:
        raise DataError(f"{folder}: no IDX files here. Expected train-images-idx3-ubyte and "
                        "train-labels-idx1-ubyte (optionally gzipped), plus t10k-* for testing.")
    # a folder given by path is recorded by its name only; a named dataset by its name
    given = "" if name else folder.name
    name = name or _guess_name(folder)
    classes = KNOWN[name][0] if name in KNOWN else DIGITS
    if train is not None and test is not None:
        # refused here, before any training: an empty split gave a traceback, and an empty
        # test split a checkpoint reporting "test loss nan"
        if len(train) < MIN_TRAIN:
            raise TooFewImages(f"{folder}: the train-* files hold {len(train)} image(s); training "
                            f"needs at least {MIN_TRAIN}.")
        if len(test) == 0:
            raise TooFewImages(f"{folder}: the t10k-* files hold no images; the test split needs "
                            "at least one (or remove them, and a fifth of train-* is held out).")
        return Dataset(name, classes, train, test, f"{folder} (train: train-*, test: t10k-*)",
                       split=f"train-* ({len(train):,}) train, t10k-* ({len(test):,}) held out",
                       folder=given)
    only = train if train is not None else test
    which = "train" if train is not None else "t10k"
    if len(only) < MIN_TRAIN + 1:
        raise TooFewImages(f"{folder}: the {which}-* files hold {len(only)} image(s); a dataset "
                        f"needs at least {MIN_TRAIN + 1} ({MIN_TRAIN} to train on, one held out "
                        "to test).")
    # both sides keep at least what they need, however few the images
    cut = min(len(only) - 1, max(MIN_TRAIN, int(round(len(only) * SINGLE_SPLIT_TRAIN_FRACTION)),
                                 len(only) - MAX_HELD_OUT))
    return Dataset(
        name, classes,
        Split(only.images[:cut], only.labels[:cut]),
        Split(only.images[cut:], only.labels[cut:]),
        f"{folder} ({which}-* only: first {cut} train, last {len(only) - cut} held out)",
        split=f"{which}-* only: first {cut:,} train, last {len(only) - cut:,} held out",
        folder=given,
    )


def _guess_name(folder: Path) -> str:
    near = f"{folder.parent.name}/{folder.name}".lower()
    return "fashion-mnist" if "fashion" in near else "mnist"


# --------------------------------------------------------------------------- lookup

def search_roots(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for named datasets, in order."""
    roots = []
    if data_dir:
        roots.append(Path(data_dir).expanduser())
    if os.environ.get(ENV_VAR):
        roots.append(Path(os.environ[ENV_VAR]).expanduser())
    roots.append(DEFAULT_ROOT)
    return roots


def _candidates(name: str, roots: Iterable[Path]) -> list[Path]:
    subdirs = KNOWN[name][1]
    out = []
    for root in roots:
        out.extend(root / sub for sub in subdirs)
        out.append(root)  # the root itself may be the dataset folder
    return out


ProgressFn = Callable[[str, float], None]


def load_dataset(spec: str, data_dir: str | os.PathLike | None = None, *,
                 download: bool = False, progress: ProgressFn | None = None) -> Dataset:
    """Load a dataset by name ("mnist", "fashion-mnist") or by folder path.

    Raises DataError with the places searched and how to fix it when nothing is found.
    """
    key = spec.strip().lower().replace("_", "-")
    if key not in KNOWN:
        return read_folder(spec)
    roots = search_roots(data_dir)
    for folder in _candidates(key, roots):
        if is_dir(folder) and has_idx_files(folder) and _plausibly(key, folder, roots):
            return read_folder(folder, key)
    tried = [str(p) for p in roots]
    if download:
        target = roots[0]
        try:
            folder = download_dataset(key, target, progress)
        except DataError as exc:
            raise DataError(f"{exc}\n\n{_how_to_fix(key, tried)}") from exc
        return read_folder(folder, key)
    raise DataError(f"{_pretty(key)} was not found.\n\n{_how_to_fix(key, tried)}")


def _plausibly(key: str, folder: Path, roots: Sequence[Path]) -> bool:
    # A bare root may hold either dataset; only trust it if its name does not point elsewhere.
    if folder not in roots:
        return True
    return _guess_name(folder) == key


def _pretty(key: str) -> str:
    return {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}[key]


def _how_to_fix(key: str, tried: list[str]) -> str:
    looked = "\n".join(f"  • {t}" for t in tried)
    sub = KNOWN[key][1][0]
    broken = torchvision_problem()
    # Going online does not help when torchvision, which downloads, cannot be imported.
    online = (f"  • go online once and let the app download {_pretty(key)};\n" if broken is None
              else f"  • repair torchvision, which downloads it:\n      {torchvision_fix_command()}\n")
    return (f"Looked in:\n{looked}\n\nTo fix it, do one of:\n"
            f"{online}"
            f"  • put the IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], "
            f"optionally t10k-*) in a folder named '{sub}' inside one of the folders above;\n"
            f"  • set {ENV_VAR}=/path/to/data, or choose it in the app (File → Set data folder…);\n"
            f"  • or give the folder itself as the dataset.")


@functools.lru_cache(maxsize=1)
def torchvision_problem() -> str | None:
    """None when torchvision imports; else why not, in a line. Checked once per process."""
    try:
        import torchvision.datasets.utils  # noqa: F401
    except ImportError as exc:
        return f"torchvision is not installed ({exc})"
    except Exception as exc:  # e.g. PyPI's CUDA torchvision beside a CPU torch: RuntimeError
        import torch
        return (f"torchvision cannot be imported: it does not match the installed torch "
                f"{torch.__version__} ({type(exc).__name__}: {exc})")
    return None


def torchvision_fix_command() -> str:
    """The pip command that installs the torchvision release built for the installed torch
    (torch 2.x pairs with torchvision 0.(x + 15); a local tag such as +cpu names the index)."""
    import torch
    base, _, local = torch.__version__.partition("+")
    major, minor = (int(p) for p in base.split(".")[:2])
    pin = f'"torchvision==0.{minor + 15}.*"' if major == 2 else "torchvision"
    index = f" --index-url https://download.pytorch.org/whl/{local}" if local else ""
    return f"{sys.executable} -m pip install --force-reinstall --no-deps {pin}{index}"


def download_dataset(key: str, root: Path, progress: ProgressFn | None = None) -> Path:
    """Download through torchvision into root/<TorchvisionName>/raw and return that folder."""
    try:
        from torchvision import datasets as tv_datasets
        from torchvision.datasets.utils import download_and_extract_archive
    except Exception as exc:  # ImportError, or a torchvision build that does not match torch
        torchvision_problem.cache_clear()      # it failed now: say why, not a stale "fine"
        raise DataError(f"Cannot download {_pretty(key)}: {torchvision_problem() or exc}.\n"
                        f"Install a torchvision that matches torch with:\n"
                        f"  {torchvision_fix_command()}") from exc
    cls = getattr(tv_datasets, KNOWN[key][2])
    raw = Path(root) / KNOWN[key][2] / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    resources = cls.resources
    for i, (filename, md5) in enumerate(resources):
        if progress:
            progress(f"Downloading {filename}", i / len(resources))
        last_error = None
        for mirror in cls.mirrors:
            try:
                download_and_extract_archive(mirror + filename, download_root=str(raw),
                                             filename=filename, md5=md5)
                last_error = None
                break
            except Exception as exc:  # network errors come in many types
                last_error = exc
        if last_error is not None:
            raise DataError(f"Could not download {_pretty(key)} ({filename}): {last_error}")
    if progress:
        progress("Downloaded", 1.0)
    return raw


# --------------------------------------------------------------------------- tensors

def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 0–255 or float 0–1 images → float32 in [0, 1], shape N×28×28."""
    arr = np.asarray(images)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 3 or arr.shape[1:] != (28, 28):
        raise ValueError(f"expected N×28×28 images, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise ValueError("images contain NaN or infinite values")
    return np.clip(arr, 0.0, 1.0)
