"""Runs one generator job at a time off the GUI thread and delivers its events at ≤ 30 Hz.

Built on superqt's GeneratorWorker (cooperative pause / abort at every yield), with two
changes that matter here:
  * the job's generator is closed on the worker thread when it ends, so its `finally`
    blocks run there and never race the GUI;
  * superqt treats a RuntimeError from the job as "the worker was deleted" and only warns;
    torch raises RuntimeError for real failures (bad shapes, out of memory), so the job is
    wrapped to turn those into JobFailed, which reaches the `failed` signal.
"""
from __future__ import annotations

import sys
import traceback
from typing import Callable, Generator

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from superqt.utils import GeneratorWorker

from .torch_threads import use_job_threads

FLUSH_INTERVAL_MS = 33  # ~30 Hz


class JobFailed(Exception):
    """A job raised an error that is not one of our own readable ones."""


def _guarded(job: Generator):
    try:
        return (yield from job)
    except RuntimeError as exc:
        raise JobFailed(f"{type(exc).__name__}: {exc}") from exc


class _Worker(GeneratorWorker):
    def work(self):
        use_job_threads()
        try:
            return super().work()
        finally:
            self._gen.close()


def readable(exc: BaseException) -> str:
    """The message to show a user for an exception from a job."""
    from models import CheckpointError, DataError
    from models.training import TrainingDiverged

    if isinstance(exc, (DataError, CheckpointError, TrainingDiverged, ValueError, JobFailed)):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "Out of memory. Try a smaller batch size or model."
    return f"{type(exc).__name__}: {exc}"


class JobRunner(QObject):
    """Start, pause, resume and stop one job; receive its events in batches on the GUI thread."""

    events = Signal(list)        # yielded events since the last delivery, oldest first
    finished = Signal(object)    # the job's return value, or None if it was stopped
    failed = Signal(str)         # a readable message
    stateChanged = Signal(str)   # "running", "paused", "idle"

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._worker: _Worker | None = None
        self._pending: list = []
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
        return self._worker is not None and self._worker.is_paused

    def start(self, job_factory: Callable[[], Generator]) -> None:
        """Run `job_factory()` on a pool thread; the factory itself is called there too."""
        if self._worker is not None:
            raise RuntimeError("a job is already running")
        worker = _Worker(lambda: (yield from _guarded(job_factory())))
        worker.yielded.connect(self._on_yielded)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        worker.paused.connect(self._on_paused)
        worker.resumed.connect(self._on_resumed)
        self._worker, self._stopped, self._silenced = worker, False, False
        self._result, self._error = None, None
        self._timer.start()
        worker.start()
        self.stateChanged.emit("running")

    def pause(self) -> None:
        if self._worker is not None:
            self._worker.pause()

    def resume(self) -> None:
        if self._worker is not None:
            self._worker.resume()

    def stop(self) -> None:
        """Ask the job to stop at its next yield (within one training step)."""
        if self._worker is not None:
            self._stopped = True
            self._worker.quit()
            self._worker.resume()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the job and block until its thread is done. For closing the window."""
        if self._worker is None:
            return True
        self.stop()
        done = QThreadPool.globalInstance().waitForDone(timeout_ms)
        self._timer.stop()
        self._pending.clear()
        if done:  # signals the worker queued before it ended are ignored from here on
            self._worker, self._silenced = None, True
        return done

    # ------------------------------------------------------------------ delivery
    def _flush(self) -> None:
        if self._pending:
            batch, self._pending[:] = list(self._pending), []
            self.events.emit(batch)

    def _on_yielded(self, event) -> None:
        if self._silenced:
            return
        self._pending.append(event)

    def _on_paused(self) -> None:
        if self._silenced:
            return
        self.stateChanged.emit("paused")

    def _on_resumed(self) -> None:
        if self._silenced:
            return
        self.stateChanged.emit("running")

    def _on_returned(self, value) -> None:
        if self._silenced:
            return
        self._result = value

    def _on_errored(self, exc: BaseException) -> None:
        if self._silenced:
            return
        self._error = exc
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)

    def _on_finished(self) -> None:
        if self._silenced:
            return
        self._timer.stop()
        self._flush()
        self._worker = None
        self.stateChanged.emit("idle")
        if self._error is not None:
            self.failed.emit(readable(self._error))
        else:
            self.finished.emit(None if self._stopped else self._result)
