"""The loop the translation family's three trainers share (CycleGAN, UNIT, SRResNet/SRGAN).

Each draws its batches at random (no epochs over a fixed order), so a run is a number of
steps: a Snapshot first, a Step after every optimiser step with the time spent in steps only,
a preview every `preview_every_s` of that time and at the last step, the run's mean losses as
its one EpochEnd, and the final Snapshot. The trainer supplies what differs: one step (it
returns the step's losses, and raises TrainingDiverged to stop) and its preview event.
"""
from __future__ import annotations

import math
import time
from typing import Callable, Generator

from ..events import EpochEnd, Snapshot, Step, TrainResult


def step_loop(trainer, steps: int, images_per_step: int, step: Callable[[int], dict],
              preview: Callable[[], object], preview_every_s: float
              ) -> Generator[object, None, TrainResult]:
    yield Snapshot(trainer.steps_done, trainer.state_numpy())
    busy, last_preview, sums, counted = 0.0, -math.inf, {}, 0
    while trainer.steps_done < steps:
        t0 = time.perf_counter()
        n = trainer.steps_done + 1
        losses = step(n)
        trainer.steps_done = n
        busy += time.perf_counter() - t0
        counted += 1
        for k, v in losses.items():
            sums[k] = sums.get(k, 0.0) + v
        yield Step(n, steps, 1, 1, losses, busy, n * images_per_step / max(busy, 1e-9))
        if busy - last_preview >= preview_every_s or n == steps:
            last_preview = busy
            yield preview()
    yield EpochEnd(1, 1, {k: v / max(1, counted) for k, v in sums.items()}, {})
    yield Snapshot(trainer.steps_done, trainer.state_numpy())
    return TrainResult(trainer.steps_done, 1.0)
