"""When a training job may spend time on what people watch: samples, snapshots, health.

Each kind of live output is due every so many seconds of the job's own compute time
(pauses excluded), and only while it has used no more than its share of that time, so a
slow sampler can never take over training.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


class LiveBudget:
    def __init__(self, every: dict[str, float], budget: float):
        self.every = dict(every)
        self.share = budget / max(1, len(every))
        self.busy = 0.0                          # seconds of compute so far
        self.spent = dict.fromkeys(every, 0.0)
        self.last = dict.fromkeys(every, 0.0)

    def add(self, seconds: float) -> None:
        self.busy += seconds

    def due(self, kind: str) -> bool:
        return (self.busy - self.last[kind] >= self.every[kind]
                and self.spent[kind] <= self.share * self.busy)

    def timed(self, kind: str, make: Callable[[], T]) -> T:
        t0 = time.perf_counter()
        result = make()
        dt = time.perf_counter() - t0
        self.busy += dt
        self.spent[kind] += dt
        self.last[kind] = self.busy
        return result
