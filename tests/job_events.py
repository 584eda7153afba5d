"""Driving a training job (a generator of events that returns a TrainResult) to its end."""
from __future__ import annotations


def run_all(job) -> tuple[list, object]:
    """Every event the job yields, and what it returns."""
    events = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            return events, stop.value
