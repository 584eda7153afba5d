"""What a training job in a panel hands the GUI: numpy copies of weights with their checkpoint
meta (`TrainedWeights`, an event the job yields beside the trainer's own), and the box a
stopped job leaves its last weights in (`JobBox`), read by the GUI once the job has ended.
Both are made on the job's thread, so the GUI never touches the training model."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainedWeights:
    """A numpy copy of a model's weights and the checkpoint meta that goes with them."""
    step: int
    state: dict[str, np.ndarray]
    meta: dict


class JobBox:
    """What the job leaves behind on its own thread, read by the GUI once it has ended."""

    def __init__(self):
        self.final: TrainedWeights | None = None
