"""Small, immutable events that training and sampling jobs yield.

Every trainer (models/trainer.py) yields Step, EpochEnd and Snapshot, and its family's own
preview events (Preview and LatentCodes here for the autoencoder; the others define theirs
beside their trainer).

They hold Python numbers and numpy arrays only, so they can cross threads (and, in the GUI,
Qt signals) without sharing any tensor with the job that made them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Step:
    """One optimiser step finished."""
    step: int              # 1-based, counted over the whole run
    total_steps: int       # 0 for a run with no set end (the 2-D GAN lab's)
    epoch: int             # 1-based
    epochs: int
    losses: dict[str, float]
    elapsed_s: float       # wall time since the run started, pauses excluded
    images_per_s: float

    @property
    def fraction(self) -> float:
        return self.step / max(1, self.total_steps)

    @property
    def eta_s(self) -> float:
        """Seconds left, extrapolated from the pace so far."""
        if self.step <= 0:
            return float("nan")
        return self.elapsed_s * (self.total_steps - self.step) / self.step


@dataclass(frozen=True)
class Preview:
    """Inputs and their reconstructions, N×28×28 float32 in [0, 1]."""
    step: int
    inputs: np.ndarray
    outputs: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    """A copy of the weights a checkpoint of this trainer would store (the trainer's
    `state_numpy()`), for inference elsewhere while training goes on. Every trainer yields
    one before its first step or soon after, and one after its last."""
    step: int
    state: dict[str, np.ndarray]


@dataclass(frozen=True)
class LatentCodes:
    """The autoencoder's codes of a fixed set of held-out images, under the weights of the
    Snapshot yielded just before it."""
    step: int
    latents: np.ndarray    # N×d
    labels: np.ndarray     # N
    scales: np.ndarray | None = None   # N×d: σ of q(z|x) for a Gaussian encoder, else None


@dataclass(frozen=True)
class CodeStats:
    """What the codes of the held-out images say about posterior collapse (see
    models/autoencoder/stats.py), under the weights of the Snapshot yielded just before."""
    step: int
    unit_variance: np.ndarray          # d: Var over images of E[z_j | x]
    active_units: int                  # how many exceed the threshold (0.01)
    kl_per_dim: np.ndarray | None = None   # d: mean KL(q(z_j|x) ‖ N(0, 1)) in nats (VAE)


@dataclass(frozen=True)
class DatasetReady:
    """The job's data is loaded; `images` / `labels` are the held-out codes' images, in order."""
    name: str
    classes: tuple[str, ...]
    source: str
    images: np.ndarray     # N×28×28 uint8
    labels: np.ndarray     # N
    record: dict | None = None   # Dataset.record(): what a checkpoint of this data says of it

    def meta(self) -> dict:
        """The checkpoint's "dataset" entry: the record, or the name and classes alone, never
        `source` (this machine's path)."""
        return dict(self.record) if self.record else {"name": self.name,
                                                      "classes": list(self.classes)}


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    epochs: int
    train_losses: dict[str, float]
    test_losses: dict[str, float]
    # how many held-out images test_losses averages over (0: the trainer does not say); the
    # autoencoder's per-epoch figure uses a subset, its checkpoint's figure all of them
    test_images: int = 0


@dataclass(frozen=True)
class Status:
    """A line of text for the user, with an optional fraction done (downloads, set-up)."""
    message: str
    fraction: float | None = None


@dataclass(frozen=True)
class TrainResult:
    steps: int
    epochs_done: float
    test_losses: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False
