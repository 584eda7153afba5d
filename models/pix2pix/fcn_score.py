"""The FCN-score (Isola et al. 2017, §4.2): how well a segmenter recovers the input label map
from the generated image.

The three figures of the paper's Tables 1–2 follow the Cityscapes protocol, over one
confusion matrix C accumulated across the whole evaluation set (rows: true class, columns:
predicted class):

    per-pixel accuracy  = Σ_k TP_k / Σ C
    per-class accuracy  = mean_k TP_k / (TP_k + FN_k)          (recall of each class)
    class IoU           = mean_k TP_k / (TP_k + FP_k + FN_k)

Classes absent from both truth and prediction are left out of the means (their ratios are
0/0). A class that was predicted but never true has an undefined recall too, so it is left
out of the per-class accuracy; it still counts, as IoU 0, in the class IoU. (The paper's
evaluation script adds 1e-12 to every denominator instead, which counts absent classes as 0;
over a few hundred landscapes every class is present and the two agree.)
"""
from __future__ import annotations

import numpy as np

from .landscapes import CLASSES


def confusion_matrix(pred, truth, num_classes: int) -> np.ndarray:
    """K×K int64 counts of (true class, predicted class) over all pixels of `pred` / `truth`,
    two integer arrays of the same shape with values in 0..K−1."""
    pred, truth = np.asarray(pred), np.asarray(truth)
    if pred.shape != truth.shape:
        raise ValueError(f"prediction and truth differ in shape: {pred.shape} vs {truth.shape}")
    k = int(num_classes)
    if k < 1:
        raise ValueError(f"num_classes must be at least 1, not {num_classes}")
    for name, a in (("prediction", pred), ("truth", truth)):
        if a.dtype == bool or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"the {name} must hold integer class indices, not {a.dtype}")
        if a.size and (int(a.min()) < 0 or int(a.max()) >= k):
            raise ValueError(f"the {name} holds class {int(a.min()) if a.min() < 0 else int(a.max())}, "
                             f"outside 0..{k - 1}")
    flat = truth.astype(np.int64).ravel() * k + pred.astype(np.int64).ravel()
    return np.bincount(flat, minlength=k * k).reshape(k, k)


def scores(confusion) -> dict:
    """per_pixel_acc, per_class_acc, class_iou (floats, nan when nothing was counted),
    present_classes (indices in truth or prediction), and class_acc / class_iou_each
    (one value per class, nan where undefined)."""
    c = np.asarray(confusion, dtype=np.int64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"a confusion matrix must be square, not shape {c.shape}")
    if (c < 0).any():
        raise ValueError("a confusion matrix cannot hold negative counts")
    tp = np.diag(c).astype(np.float64)
    true_n, pred_n = c.sum(1).astype(np.float64), c.sum(0).astype(np.float64)
    union = true_n + pred_n - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(true_n > 0, tp / true_n, np.nan)
        iou = np.where(union > 0, tp / union, np.nan)
    total = c.sum()

    def mean(values: np.ndarray) -> float:
        ok = ~np.isnan(values)
        return float(values[ok].mean()) if ok.any() else float("nan")

    return {"per_pixel_acc": float(tp.sum() / total) if total else float("nan"),
            "per_class_acc": mean(recall), "class_iou": mean(iou),
            "present_classes": [int(i) for i in np.flatnonzero(union > 0)],
            "class_acc": recall.tolist(), "class_iou_each": iou.tolist()}


def fcn_score(segmenter, images, label_maps, num_classes: int | None = None) -> dict:
    """Segment `images` (N×H×W×3 uint8) with `segmenter.predict` and score the result against
    `label_maps` (N×H×W): the dict of `scores`, plus the confusion matrix and the count."""
    maps = np.asarray(label_maps)
    images = np.asarray(images)
    if maps.ndim != 3 or images.shape[:3] != maps.shape:
        raise ValueError(f"need N×H×W×3 images and N×H×W label maps of the same N, H, W; "
                         f"got {images.shape} and {maps.shape}")
    k = num_classes or getattr(segmenter, "num_classes", None) or len(CLASSES)
    pred = np.asarray(segmenter.predict(images))
    confusion = confusion_matrix(pred, maps, k)
    return {**scores(confusion), "confusion": confusion, "n": int(len(maps))}
