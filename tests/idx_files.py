"""Writing small IDX datasets for tests (no Qt, so command-line tests can use it too)."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np


def idx_bytes(arr: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array: magic 0x08 0x0N (unsigned bytes, N dims), shape, data."""
    arr = np.ascontiguousarray(arr, np.uint8)
    header = (0x0800 | arr.ndim).to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return header + arr.tobytes()


def write_split_folder(folder: Path, images: np.ndarray, labels: np.ndarray, n_train: int) -> Path:
    """The first n_train items as gzipped train-* files, the rest as t10k-*."""
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, sl in (("train", slice(None, n_train)), ("t10k", slice(n_train, None))):
        for kind, arr in (("images-idx3", images[sl]), ("labels-idx1", labels[sl])):
            (folder / f"{prefix}-{kind}-ubyte.gz").write_bytes(gzip.compress(idx_bytes(arr), compresslevel=1))
    return folder
