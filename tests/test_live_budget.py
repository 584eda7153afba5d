"""LiveBudget: live outputs are due on the job's compute clock and held to their share."""
from __future__ import annotations

import models.live as live_module
from models.live import LiveBudget


def fake_clock(monkeypatch, ticks):
    it = iter(ticks)
    monkeypatch.setattr(live_module.time, "perf_counter", lambda: next(it))


def test_due_after_its_interval_of_compute(monkeypatch):
    b = LiveBudget({"samples": 2.0, "snapshot": 5.0}, budget=0.2)
    assert not b.due("samples")
    b.add(1.9)
    assert not b.due("samples")
    b.add(0.2)
    assert b.due("samples") and not b.due("snapshot")


def test_time_spent_counts_against_the_share(monkeypatch):
    b = LiveBudget({"samples": 1.0, "snapshot": 1.0}, budget=0.2)    # 0.1 each
    b.add(10.0)
    fake_clock(monkeypatch, [0.0, 3.0])                 # a sample that took 3 s
    assert b.timed("samples", lambda: "grid") == "grid"
    assert b.busy == 13.0 and b.spent["samples"] == 3.0 and b.last["samples"] == 13.0
    b.add(5.0)                                          # due by interval, not by budget
    assert not b.due("samples")                         # 3 > 0.1 × 18
    b.add(12.0)                                         # 3 ≤ 0.1 × 30
    assert b.due("samples")
    assert b.due("snapshot")                            # the other kind kept its own share
