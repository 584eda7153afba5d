"""Who gets the CPU cores, and how torch's threads wait for each other.

Threads per caller. PyTorch's OpenMP thread count is per calling thread. Left alone, the GUI
thread (which decodes clicks) and the job's thread each start a full team, and on two cores
the job then trains about 30% slower. The GUI thread's decodes are tiny and gain nothing from
threads, so it keeps one; a job's thread gets all the cores.

Wait policy. Between two parallel operators, and at the end of each, an OpenMP thread that has
finished its share waits for the others. GNU OpenMP's default is to spin on a core for about
3 ms before it sleeps. On an idle machine that saves a wake-up; on a busy one the spinning
thread takes the core the thread it waits for needs, so every operator is held up by the
scheduler: with one of two cores kept busy by another program, DDIM sampling ran 3× slower
and a tiny training step went from milliseconds to a second. With OMP_WAIT_POLICY=PASSIVE a
waiting thread sleeps at once and leaves its core to whoever can use it
(benchmarks/busy_core.py measures both machines, idle and busy). Measured on a loaded 2-core
machine: a short spin instead (GOMP_SPINCOUNT=20000) was 1.7-12× slower than sleeping at once,
and one thread instead of two was no faster there, while on an idle machine one thread is
about 1.6× slower (a U-Net step: 56 vs 34 ms), so a job keeps all the cores and only the
waiting changes.

The OpenMP runtime reads the policy from the environment once, when torch loads it, so
`prefer_passive_waits` runs from `playground/__init__.py`, before anything imports torch: the
app, `playground train …` and `python -m playground` all pass through it, and the jobs' threads
inherit the runtime. A policy the user chose (OMP_WAIT_POLICY, or GNU's GOMP_SPINCOUNT, or
Intel's KMP_BLOCKTIME, which override it) is left alone. `models` sets nothing on import: a
notebook keeps torch's defaults unless it sets the variable before importing torch.

This module imports torch only inside its functions, so importing it loads nothing heavy.
"""
from __future__ import annotations

import os
import sys
from typing import MutableMapping

WAIT_POLICY = "PASSIVE"
# variables by which a user (or a launcher) has already chosen how OpenMP threads wait
USER_WAIT_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")

_job_threads: int | None = None


def prefer_passive_waits(environ: MutableMapping[str, str] | None = None) -> bool:
    """Ask OpenMP threads to sleep, not spin, while they wait; True if this set it.

    Must run before torch is imported (later the runtime has read its settings and the
    variable would only reach child processes, so nothing is set). Keeps a user's choice.
    """
    env = os.environ if environ is None else environ
    if "torch" in sys.modules:
        return False
    if any(name in env for name in USER_WAIT_SETTINGS):
        return False
    env["OMP_WAIT_POLICY"] = WAIT_POLICY
    return True


def reserve_cores_for_jobs() -> None:
    """Call on the GUI thread before it first uses torch."""
    import torch

    global _job_threads
    if _job_threads is None:
        _job_threads = torch.get_num_threads()
    torch.set_num_threads(1)


def use_job_threads() -> None:
    """Call on a job's thread as it starts."""
    import torch

    torch.set_num_threads(_job_threads or torch.get_num_threads())
