"""Who gets the CPU cores: the training job, not the GUI thread.

PyTorch's OpenMP thread count is per calling thread. Left alone, the GUI thread (which
decodes clicks) and the job's thread each start a full team, and on two cores the job then
trains about 30% slower. The GUI thread's decodes are tiny and gain nothing from threads.
"""
from __future__ import annotations

import torch

_job_threads: int | None = None


def reserve_cores_for_jobs() -> None:
    """Call on the GUI thread before it first uses torch."""
    global _job_threads
    if _job_threads is None:
        _job_threads = torch.get_num_threads()
    torch.set_num_threads(1)


def use_job_threads() -> None:
    """Call on a job's thread as it starts."""
    torch.set_num_threads(_job_threads or torch.get_num_threads())
