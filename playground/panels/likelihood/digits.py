"""The digits the likelihood views offer to pick: MNIST test digits no shipped model trained
on (the 2,000 the repository bundles in assets/datasets/mnist-sample), binarized once with the
benchmarks' fixed draw so a digit always scores the same."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from models.data import load_dataset
from models.likelihood.binarize import binarize_fixed

SAMPLE = Path(__file__).resolve().parents[3] / "assets" / "datasets" / "mnist-sample"


@lru_cache(maxsize=1)
def held_out_digits() -> tuple[np.ndarray, np.ndarray]:
    """(N×28×28 float32 {0, 1}, N labels): every bundled held-out digit, binarized once."""
    ds = load_dataset(str(SAMPLE), download=False)
    images = np.concatenate([ds.train.images, ds.test.images])
    labels = np.concatenate([ds.train.labels, ds.test.labels])
    binary = binarize_fixed(images).astype(np.float32)
    binary.setflags(write=False)
    labels.setflags(write=False)
    return binary, labels
