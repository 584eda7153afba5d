"""Live diagnostics for the two classic GAN failures, with the lectures' remedies.

- D overpowering G: D's loss sits at its floor for a sustained window. Its floor is 0 with
  plain targets; with smoothed, noisy or flipped targets D cannot be certain, and the floor
  is the binary entropy of the mean targets, H(E t_real) + H(E t_fake).
- Mode collapse: G's outputs for a fixed batch of z are far less spread than real data
  (pairwise-distance ratio), or the classes they fall into (under a classifier, or nearest
  mode in 2-D) concentrate on a few.

`Monitor` is fed numbers and returns `Diagnosis` events when a condition starts or ends, so
the same code serves the 2-D lab, the digit trainer and the tests.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from .losses import LabelTricks

# Each remedy as (what helps, a caveat); REMEDIES joins them. The caveat stays last so that a
# view's own extra remedy (LABELLED_REMEDIES) reads among the others, not after the warning.
_REMEDY_PARTS = {
    "overpowered": (
        "The discriminator is winning outright, so the generator's gradient vanishes "
        "(with the minimax loss it saturates). Weaken or soften D: lower D's learning rate "
        "or its width, add dropout to D, take fewer D steps per G step (k), use one-sided "
        "label smoothing or noisy labels so D cannot be certain, use the non-saturating "
        "generator loss, or switch to the Wasserstein loss (WGAN-GP), whose critic still "
        "gives useful gradients when it wins.", ""),
    "collapse": (
        "The generator maps many z to a few outputs, chasing whatever D accepts at the "
        "moment. The lectures' remedies: strengthen D (wider, or more D steps per G step, k) "
        "so it notices and punishes the missing variety; switch to the Wasserstein loss with "
        "gradient penalty; lower both learning rates; raise the batch size.",
        "Label smoothing, noisy labels, label flips and dropout in D weaken D: they treat a D "
        "that overpowers G, not a collapse."),
}
# Remedies that need class labels: only where the data has them (the digits, not the 2-D lab,
# whose points carry none, so a banner there must not suggest a conditional GAN)
LABELLED_REMEDIES = {
    "collapse": "Conditioning G and D on the label (a conditional GAN) helps too.",
}


def remedy(kind: str, labelled: bool = False) -> str:
    """The lectures' remedy for `kind`; `labelled` adds those that need class labels."""
    helps, caveat = _REMEDY_PARTS[kind]
    extra = LABELLED_REMEDIES.get(kind, "") if labelled else ""
    return " ".join(part for part in (helps, extra, caveat) if part)


REMEDIES = {kind: remedy(kind) for kind in _REMEDY_PARTS}
TITLES = {"overpowered": "D is overpowering G", "collapse": "Mode collapse"}


@dataclass(frozen=True)
class Diagnosis:
    kind: str              # "overpowered" or "collapse"
    active: bool           # True when the condition starts, False when it has cleared
    step: int
    evidence: str

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def remedy(self) -> str:
        """The remedies that need no class labels (see `remedy(kind, labelled)`)."""
        return REMEDIES[self.kind]

    @property
    def log_line(self) -> str:
        """What `playground train` prints for it (any event with a log_line is printed)."""
        return (f"{'warning' if self.active else 'cleared'}: {self.title}: {self.evidence} "
                f"(step {self.step})")


def binary_entropy(p: float) -> float:
    p = min(max(float(p), 0.0), 1.0)
    if p in (0.0, 1.0):
        return 0.0
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def d_loss_floor(tricks: LabelTricks | None = None) -> float:
    """The least BCE loss (real + fake) D can reach when it cannot see the targets' noise."""
    t = tricks or LabelTricks()
    real = 1.0 - t.smoothing - t.noise / 2
    fake = t.noise / 2
    real = real * (1 - t.flip) + (1 - real) * t.flip
    fake = fake * (1 - t.flip) + (1 - fake) * t.flip
    return binary_entropy(real) + binary_entropy(fake)


def mean_pairwise_distance(x: np.ndarray, max_points: int = 512) -> float:
    """Mean Euclidean distance between distinct rows (flattened), on at most max_points rows."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)[:max_points]
    n = len(x)
    if n < 2:
        return 0.0
    if x.shape[1] <= 8:
        # few dimensions (the 2-D lab): broadcasting, because the BLAS product below wakes
        # OpenBLAS's threads, which cost 30–60 ms beside a training thread on two cores
        d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
        return float(d.sum() / (n * (n - 1)))
    x = x - x[:1]   # translation-invariant; removes the Gram trick's round-off between equal rows
    sq = (x * x).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    return float(np.sqrt(d2).sum() / (n * (n - 1)))


def diversity_ratio(fake: np.ndarray, real: np.ndarray) -> float:
    """Spread of G's outputs relative to real data's: ≈ 1 when healthy, → 0 as G collapses."""
    ref = mean_pairwise_distance(real)
    return mean_pairwise_distance(fake) / ref if ref > 0 else float("nan")


def within_class_diversity(fake: np.ndarray, fake_labels, real: np.ndarray, real_labels) -> float:
    """The mean over classes of diversity_ratio within each class: a conditional G can cover
    every class and still draw one image per class, which the pooled ratio would miss."""
    fake_labels, real_labels = np.asarray(fake_labels), np.asarray(real_labels)
    ratios = [diversity_ratio(fake[fake_labels == c], real[real_labels == c])
              for c in np.unique(fake_labels)
              if (fake_labels == c).sum() >= 2 and (real_labels == c).sum() >= 2]
    return float(np.mean(ratios)) if ratios else float("nan")


def class_histogram(predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Fractions of samples per class (sums to 1)."""
    counts = np.bincount(np.asarray(predicted, np.int64).ravel(), minlength=num_classes)[:num_classes]
    return counts / max(1, counts.sum())


def normalised_entropy(hist: np.ndarray) -> float:
    """Entropy of a class histogram over log K: 1 for uniform classes, 0 for a single class."""
    p = np.asarray(hist, np.float64)
    p = p[p > 0] / p.sum()
    k = len(np.asarray(hist))
    return float(max(0.0, -(p * np.log(p)).sum() / math.log(k))) if k > 1 else 0.0


def classes_covered(hist: np.ndarray, min_share: float | None = None) -> int:
    """Classes holding at least min_share of the samples (default: a quarter of a fair share)."""
    hist = np.asarray(hist, np.float64)
    share = 0.25 / len(hist) if min_share is None else min_share
    return int((hist >= share).sum())


class Monitor:
    """Watches losses and health figures; says when a failure starts and when it ends.

    window:     D-loss steps that must all sit within `d_margin` of the floor.
    warmup:     steps before mode collapse is judged (random G is not yet diverse).
    diversity / entropy: collapse thresholds; the condition clears `hysteresis` above them.
    The overpowering test is skipped for the Wasserstein critic, which should be trained
    towards optimality: its loss has no floor.
    """

    def __init__(self, loss: str = "non-saturating", tricks: LabelTricks | None = None,
                 window: int = 100, d_margin: float = 0.05, warmup: int = 200,
                 diversity: float = 0.4, entropy: float = 0.7, hysteresis: float = 0.1):
        self.loss = loss
        self.floor = d_loss_floor(tricks)
        self.window, self.d_margin, self.warmup = window, d_margin, warmup
        self.diversity, self.entropy, self.hysteresis = diversity, entropy, hysteresis
        self._recent: deque[float] = deque(maxlen=window)
        self.active: dict[str, Diagnosis] = {}

    def reset(self, loss: str | None = None, tricks: LabelTricks | None = None) -> None:
        if loss is not None:
            self.loss = loss
        if tricks is not None:
            self.floor = d_loss_floor(tricks)
        self._recent.clear()
        self.active.clear()

    def _switch(self, kind: str, on: bool, step: int, evidence: str) -> list[Diagnosis]:
        if on == (kind in self.active):
            return []
        event = Diagnosis(kind, on, step, evidence)
        if on:
            self.active[kind] = event
        else:
            del self.active[kind]
        return [event]

    def add_d_loss(self, step: int, d_loss: float) -> list[Diagnosis]:
        if self.loss == "wgan-gp":
            return self._switch("overpowered", False, step, "")
        if not math.isfinite(d_loss):
            return []
        self._recent.append(d_loss - self.floor)
        if len(self._recent) < self.window:
            return []
        worst = max(self._recent)
        if worst < self.d_margin:
            return self._switch("overpowered", True, step,
                                f"D's loss has stayed within {worst:.3f} of its floor "
                                f"({self.floor:.3f}) for the last {self.window} steps")
        if "overpowered" in self.active and sum(self._recent) / len(self._recent) > 3 * self.d_margin:
            return self._switch("overpowered", False, step, "D's loss is back above its floor")
        return []

    def add_health(self, step: int, diversity: float | None = None, entropy: float | None = None,
                   entropy_evidence: str | None = None) -> list[Diagnosis]:
        """entropy: any 0..1 figure of how evenly samples spread over classes or modes;
        entropy_evidence: how to describe it when low (default: the class entropy)."""
        if step < self.warmup:
            return []
        low_div = diversity is not None and math.isfinite(diversity) and diversity < self.diversity
        low_ent = entropy is not None and math.isfinite(entropy) and entropy < self.entropy
        if low_div or low_ent:
            parts = []
            if low_div:
                parts.append(f"the spread of G's samples is {diversity:.2f} of the real data's "
                             f"(threshold {self.diversity:.2f})")
            if low_ent:
                parts.append(entropy_evidence or f"their class entropy is {entropy:.2f} of the "
                             f"maximum (threshold {self.entropy:.2f})")
            return self._switch("collapse", True, step, "; ".join(parts))
        # NaN or None: not measured (no classifier); it neither raises nor holds the alarm
        measured = [(v, t) for v, t in ((diversity, self.diversity), (entropy, self.entropy))
                    if v is not None and math.isfinite(v)]
        healthy = bool(measured) and all(v >= t + self.hysteresis for v, t in measured)
        if "collapse" in self.active and healthy:
            return self._switch("collapse", False, step, "G's samples are diverse again")
        return []
