"""Who gets the CPU cores: the training job, not the GUI thread, and not more than other
programs leave free.

Threads per caller. PyTorch's OpenMP thread count is per calling thread. Left alone, the GUI
thread (which decodes clicks) and the job's thread each start a full team, and on two cores
the job then trains about 30% slower. The GUI thread's decodes are tiny and gain nothing from
threads, so it keeps one.

Threads per free core. A job's team splits every operator evenly between its threads and waits
for the slowest. When another program keeps a core busy, the thread that shares that core gets
half of it, every operator waits for it, and the threads that finish first spin on their cores
for about 3 ms (GNU OpenMP's default) before they sleep: on two cores with one kept busy, DDIM
sampling ran 3.5× and a VAE epoch 4.3× slower than on the idle machine
(benchmarks/busy_core.py). So a job uses as many threads as there are cores that other
processes leave free, shared between the jobs running in this process, and looks again as it
runs (`adapt_job_threads`, called between a job's events by JobRunner and by the CLI).

Measured alternatives, on the same 2-core machine: letting OpenMP threads sleep at once
(OMP_WAIT_POLICY=PASSIVE) kept the busy machine fast but cost 50-60% on the idle one, where
every operator then pays a wake-up; one thread always costs about 1.6× on the idle machine.
Counting free cores keeps torch's defaults when the machine is idle.

How busy the other cores are comes from /proc/stat (all CPUs' busy time) minus this process's
own CPU time, sampled twice a second by a daemon thread. Where /proc/stat does not exist
(macOS, Windows) nothing is counted and jobs keep every core, as before. `models` sets nothing:
a notebook keeps torch's defaults.

Several processes (torchrun): each rank would count the other ranks as programs keeping cores
busy and shrink its team, and they would chase one another; so a distributed run does not
adapt: each rank keeps the threads torchrun gives it (playground/cli_distributed.py).

This module imports torch only inside its functions, so importing it loads nothing heavy.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

PROC_STAT = "/proc/stat"
SAMPLE_S = 0.5          # how often the watch samples the machine's CPU time
ADAPT_EVERY_S = 1.0     # how often a job looks again at its thread count
# A core counts as taken once other programs use more than half of it: a thread on a core
# shared with a busy program runs at half speed and holds up its whole team.
TAKEN_SHARE = 0.5

_job_threads: int | None = None     # the cores a job may use on an idle machine
_active_jobs = 0
_lock = threading.Lock()
_local = threading.local()


# ----------------------------------------------------------------------------- measuring
@dataclass(frozen=True)
class CpuSample:
    wall: float     # seconds, monotonic
    busy: float     # CPU seconds spent busy by every process, over all cores
    own: float      # CPU seconds spent by this process


def parse_proc_stat(text: str, ticks_per_s: float) -> float:
    """Busy CPU seconds over all cores from /proc/stat's first line (user, nice, system,
    idle, iowait, irq, softirq, steal, …): everything but idle and iowait. Time the
    hypervisor stole from this machine counts as busy, since the job cannot have it either."""
    fields = text.split("\n", 1)[0].split()
    if not fields or fields[0] != "cpu":
        raise ValueError("not a /proc/stat aggregate line")
    values = [int(v) for v in fields[1:9]] + [0] * max(0, 9 - len(fields))
    user, nice, system, idle, iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / ticks_per_s


def others_busy(before: CpuSample, after: CpuSample) -> float:
    """Cores' worth of CPU that other processes used between two samples (never negative)."""
    wall = after.wall - before.wall
    if wall <= 0:
        return 0.0
    return max(0.0, ((after.busy - before.busy) - (after.own - before.own)) / wall)


def free_threads(cores: int, others: float, jobs: int = 1) -> int:
    """Threads for one of `jobs` jobs when other programs keep `others` cores busy: the cores
    not taken, shared between the jobs, at least one."""
    taken = int(others + (1 - TAKEN_SHARE))         # 0.4 → 0, 0.6 → 1, 1.5 → 2
    return max(1, (cores - taken) // max(1, jobs))


class CoreWatch:
    """A daemon thread that keeps `others`, the cores other processes keep busy, up to date."""

    def __init__(self, path: str = PROC_STAT):
        self.path = path
        self.others = 0.0
        self.ready = threading.Event()       # set once a first estimate exists (or never will)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    @property
    def available(self) -> bool:
        return os.path.exists(self.path)

    def sample(self) -> CpuSample:
        ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        with open(self.path) as f:
            busy = parse_proc_stat(f.read(4096), ticks)
        t = os.times()
        return CpuSample(time.monotonic(), busy, t.user + t.system)

    def start(self) -> None:
        with self._start_lock:
            if self._thread is not None:
                return
            if not self.available:
                self.ready.set()
                return
            self._thread = threading.Thread(target=self._run, name="core-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            before = self.sample()
            while True:
                time.sleep(SAMPLE_S)
                after = self.sample()
                self.others = others_busy(before, after)
                self.ready.set()
                before = after
        except (OSError, ValueError):
            self.others = 0.0       # an unreadable /proc/stat: count nothing, as elsewhere
            self.ready.set()


watch = CoreWatch()


# ----------------------------------------------------------------------------- threads
def reserve_cores_for_jobs() -> None:
    """Call on the GUI thread before it first uses torch (and in the CLI, before training)."""
    import torch

    _cores()
    watch.start()
    torch.set_num_threads(1)


def _cores() -> int:
    """The threads a job may use on an idle machine: torch's own count, read once, before
    this module changes any thread's."""
    global _job_threads
    if _job_threads is None:
        import torch
        _job_threads = torch.get_num_threads()
    return _job_threads


def job_thread_count() -> int:
    return free_threads(_cores(), watch.others, _active_jobs)


def use_job_threads() -> None:
    """Call on a job's thread as it starts; pair with `end_job_threads` as it ends."""
    global _active_jobs
    _cores()
    with _lock:
        _active_jobs += 1
    watch.start()
    watch.ready.wait(2 * SAMPLE_S)          # the first estimate, if this is the first job
    adapt_job_threads(force=True)


def end_job_threads() -> None:
    global _active_jobs
    with _lock:
        _active_jobs = max(0, _active_jobs - 1)


def adapt_job_threads(force: bool = False) -> int:
    """On a job's thread, between two of its steps: use the cores that are free now. Cheap
    enough to call after every event: it looks at most once a second."""
    import torch

    now = time.monotonic()
    if not force and now - getattr(_local, "checked", -ADAPT_EVERY_S) < ADAPT_EVERY_S:
        return torch.get_num_threads()
    _local.checked = now
    n = job_thread_count()
    if n != torch.get_num_threads():
        torch.set_num_threads(n)
    return n


def adapting(job):
    """Run a job's generator on this thread as JobRunner runs one: with the free cores, looked
    at again between events. For the CLI; yields the job's events and returns its value."""
    use_job_threads()
    try:
        while True:
            adapt_job_threads()
            try:
                event = next(job)
            except StopIteration as stop:
                return stop.value
            yield event
    finally:
        end_job_threads()
