"""Quality figures for latent spaces."""
from __future__ import annotations

import numpy as np


def knn_accuracy(train_z: np.ndarray, train_y: np.ndarray, test_z: np.ndarray,
                 test_y: np.ndarray, k: int = 5, chunk: int = 1024) -> float:
    """Share of test codes whose k nearest training codes (Euclidean) vote for the right class.

    Ties go to the class of the nearest neighbour among the tied ones.
    """
    train_z = np.asarray(train_z, np.float64)
    test_z = np.asarray(test_z, np.float64)
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    if len(train_z) < k:
        raise ValueError(f"need at least k={k} training codes")
    n_classes = int(max(train_y.max(), test_y.max())) + 1
    sq_train = (train_z ** 2).sum(1)
    correct = 0
    for i in range(0, len(test_z), chunk):
        q = test_z[i:i + chunk]
        d2 = (q ** 2).sum(1)[:, None] - 2 * q @ train_z.T + sq_train[None]
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(d2, idx, 1).argsort(1)
        idx = np.take_along_axis(idx, order, 1)          # k neighbours, nearest first
        votes = train_y[idx]
        rows = np.arange(len(q))
        counts = np.zeros((len(q), n_classes), np.int64)
        np.add.at(counts, (rows[:, None], votes), 1)
        tied = counts == counts.max(1, keepdims=True)
        first = tied[rows[:, None], votes].argmax(1)     # nearest neighbour in a top class
        correct += int((votes[rows, first] == test_y[i:i + chunk]).sum())
    return correct / max(1, len(test_z))
