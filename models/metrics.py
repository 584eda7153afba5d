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


def within_class_spread(vectors: np.ndarray, labels: np.ndarray) -> float:
    """Mean pairwise Euclidean distance between vectors of the same class, averaged over classes.

    The spread is measured inside each class separately, so samples of different classes
    never count as "diverse": ten digits 0–9 that are each the class's one typical shape
    score 0, not the distance between a 0 and a 1. Classes with fewer than two vectors are
    skipped; NaN when no class has two. Used by the guidance grid (on pixels) and by
    benchmarks/diffusion_guidance.py (on classifier features).
    """
    vectors = np.asarray(vectors, np.float64)
    vectors = vectors.reshape(len(vectors), -1)
    labels = np.asarray(labels)
    if len(labels) != len(vectors):
        raise ValueError(f"{len(vectors)} vectors but {len(labels)} labels")
    spreads = []
    for c in np.unique(labels):
        f = vectors[labels == c]
        n = len(f)
        if n < 2:
            continue
        sq = (f * f).sum(1)
        d2 = np.clip(sq[:, None] + sq[None] - 2 * f @ f.T, 0, None)
        spreads.append(np.sqrt(d2)[np.triu_indices(n, 1)].mean())
    return float(np.mean(spreads)) if spreads else float("nan")
