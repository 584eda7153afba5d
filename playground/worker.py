"""Runs one generator job at a time off the GUI thread and delivers its events at ≤ 30 Hz.

Built on superqt's WorkerBase (a QRunnable whose started / returned / errored / finished
signals live on a separate QObject) with a generator loop of our own, because superqt's
GeneratorWorker does two things that cost us:
  * it emits one queued signal per yielded event, waking the GUI thread for every training
    step; here the job's thread appends events to a deque (thread-safe for append/popleft)
    and a 30 Hz timer on the GUI thread drains it, which measurably speeds training up
    (benchmarks/overhead.py);
  * it returns a RuntimeError raised by the job instead of raising it, and WorkerBase then
    takes it for "the worker was deleted" and only warns; torch raises RuntimeError for real
    failures (bad shapes, out of memory), so here every error reaches `failed`.
Pause and stop are cooperative: they take effect at the job's next yield, i.e. within one
training step, or once the dataset has loaded if the job is loading it. A pause asked for but
not yet in effect is reported as the state "pausing", and a second click (toggle_pause) takes
it back: the toggle follows what was asked, not what the job has got round to, so clicks made
while the job is busy loading never leave it paused by surprise. The job's generator is
closed on its own thread when it ends.
"""
from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
from collections import deque
from typing import Callable, Generator

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from superqt.utils import WorkerBase

from .torch_threads import adapt_job_threads, end_job_threads, use_job_threads

FLUSH_INTERVAL_MS = 33  # ~30 Hz
PAUSE_POLL_S = 0.01


class _Signals(QObject):
    # the signals superqt's WorkerBase emits (its own signals class is private), plus ours
    started = Signal()
    finished = Signal()
    _finished = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    warned = Signal(tuple)
    paused = Signal()
    resumed = Signal()


class _Worker(WorkerBase):
    def __init__(self, job_factory: Callable[[], Generator], outbox: deque):
        super().__init__(SignalsClass=_Signals)
        self._factory = job_factory
        self._outbox = outbox
        self._want_pause = False
        self.is_paused = False
        self.job_closed = threading.Event()

    def pause(self) -> None:
        self._want_pause = True

    def resume(self) -> None:
        self._want_pause = False

    def work(self):
        use_job_threads()
        try:
            job = self._factory()
        except BaseException:
            end_job_threads()
            self.job_closed.set()
            raise
        try:
            while not self.abort_requested:
                if self._want_pause:
                    if not self.is_paused:
                        self.is_paused = True
                        self.paused.emit()
                    time.sleep(PAUSE_POLL_S)
                    continue
                if self.is_paused:
                    self.is_paused = False
                    self.resumed.emit()
                adapt_job_threads()     # another program may have taken a core, or left one
                try:
                    self._outbox.append(next(job))
                except StopIteration as stop:
                    return stop.value
            return None
        finally:
            try:
                job.close()
            finally:
                end_job_threads()
                self.job_closed.set()


def build_then_run(build: Callable[[], object], adopt: Callable[[object], None],
                   status: str = "Building the model…") -> Generator:
    """A job that first builds its trainer, then runs it: for JobRunner.start, so both happen
    on the job's thread. A trainer's constructor makes the network and the optimiser, and the
    first optimiser of a process imports torch._dynamo (seconds): on the GUI thread that froze
    the window at the first Train click. `adopt(trainer)` hands it to the view (before any of
    its events arrive there); the job's first event says what it is doing."""
    from models.events import Status

    yield Status(status)
    trainer = build()
    # The first build imported torch._dynamo and sympy: a few hundred thousand objects that
    # live as long as the process. Every full collection of the cycle collector walks them
    # all, holding the GIL for half a second or more, and the GUI thread stalls for as long
    # (whichever thread collects). Frozen, the collector skips them.
    gc.freeze()
    adopt(trainer)
    yield Status(f"Starting on {trainer.device}…")
    return (yield from trainer.run())


def readable(exc: BaseException) -> str:
    """The message to show a user for an exception from a job."""
    from models import CheckpointError, DataError
    from models.trainer import TrainingDiverged

    if isinstance(exc, (DataError, CheckpointError, TrainingDiverged, ValueError)):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "Out of memory. Try a smaller batch size or model."
    return f"{type(exc).__name__}: {exc}"


class JobRunner(QObject):
    """Start, pause, resume and stop one job; receive its events in batches on the GUI thread."""

    events = Signal(list)        # yielded events since the last delivery, oldest first
    finished = Signal(object)    # the job's return value, or None if it was stopped
    failed = Signal(str)         # a readable message
    stateChanged = Signal(str)   # "running", "pausing" (asked, not yet at a yield), "paused", "idle"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker: _Worker | None = None
        self._outbox: deque = deque()
        self._stopped = False
        self._silenced = False
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self._flush)

    # ------------------------------------------------------------------ control
    @property
    def busy(self) -> bool:
        return self._worker is not None

    @property
    def paused(self) -> bool:
        """The job is parked at a yield."""
        return self._worker is not None and self._worker.is_paused

    @property
    def pause_requested(self) -> bool:
        """A pause was asked for (it may not have taken effect yet)."""
        return self._worker is not None and self._worker._want_pause

    def start(self, job_factory: Callable[[], Generator]) -> None:
        """Run `job_factory()` on a pool thread; the factory itself is called there too."""
        if self._worker is not None:
            raise RuntimeError("a job is already running")
        self._outbox = deque()
        worker = _Worker(job_factory, self._outbox)
        # each handler checks it still belongs to the current job: after shutdown() a new
        # job may start while the old worker's last signals are still queued
        worker.returned.connect(lambda value, w=worker: self._on_returned(value, w))
        worker.errored.connect(lambda exc, w=worker: self._on_errored(exc, w))
        worker.finished.connect(lambda w=worker: self._on_finished(w))
        worker.paused.connect(lambda w=worker: self._on_paused(w))
        worker.resumed.connect(lambda w=worker: self._on_resumed(w))
        self._worker, self._stopped, self._silenced = worker, False, False
        self._result, self._error = None, None
        self._timer.start()
        # Jobs are long and the global pool holds one thread per core: a third job on two
        # cores would sit in the queue, silently, until another finished. Every job gets a
        # thread; sharing the cores is the OS's business.
        pool = QThreadPool.globalInstance()
        if pool.activeThreadCount() >= pool.maxThreadCount():
            pool.setMaxThreadCount(pool.activeThreadCount() + 1)
        worker.start()
        self.stateChanged.emit("running")

    def pause(self) -> None:
        worker = self._worker
        if worker is not None and not worker._want_pause:
            worker.pause()
            if not worker.is_paused:     # say so now: the job may be busy for seconds
                self.stateChanged.emit("pausing")

    def resume(self) -> None:
        worker = self._worker
        if worker is not None and worker._want_pause:
            worker.resume()
            if not worker.is_paused:     # the pause never took effect: nothing will say so
                self.stateChanged.emit("running")

    def toggle_pause(self) -> None:
        """What a Pause/Resume button does: undo the last request, whether or not it took effect."""
        (self.resume if self.pause_requested else self.pause)()

    def stop(self) -> None:
        """Ask the job to stop at its next yield (within one training step)."""
        if self._worker is not None:
            self._stopped = True
            self._worker.quit()
            self._worker.resume()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the job and block until it has been closed. For closing the window.

        Waits for this runner's job only, so one panel's shutdown is never held up by another
        panel's job that shares the global thread pool.
        """
        if self._worker is None:
            return True
        self.stop()
        done = self._worker.job_closed.wait(timeout_ms / 1000)
        self._timer.stop()
        self._outbox.clear()
        if done:  # signals the worker queued before it ended are ignored from here on
            self._worker, self._silenced = None, True
        return done

    # ------------------------------------------------------------------ delivery
    def _flush(self) -> None:
        outbox, batch = self._outbox, []
        while outbox:
            batch.append(outbox.popleft())
        if batch and not self._silenced:
            self.events.emit(batch)

    def _current(self, worker) -> bool:
        return worker is self._worker and not self._silenced

    def _on_paused(self, worker) -> None:
        if self._current(worker):
            self.stateChanged.emit("paused")

    def _on_resumed(self, worker) -> None:
        if self._current(worker):
            self.stateChanged.emit("running")

    def _on_returned(self, value, worker) -> None:
        if self._current(worker):
            self._result = value

    def _on_errored(self, exc: BaseException, worker) -> None:
        if self._current(worker):
            self._error = exc
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)

    def _on_finished(self, worker) -> None:
        if not self._current(worker):
            return
        self._timer.stop()
        self._flush()
        self._worker = None
        self.stateChanged.emit("idle")
        if self._error is not None:
            self.failed.emit(readable(self._error))
        else:
            self.finished.emit(None if self._stopped else self._result)
