"""One background thread that runs the newest request only, shared by the views that run a
model on demand (Translate, Shared latent, Super-resolution): they hand it a function (make
the input, run the model) and get the result back on the GUI thread. A request not yet started is replaced by a newer one, so clicking through examples or
switching the direction quickly never builds a queue; a result of an overtaken request is
still delivered with its id, and the view drops what is older than what it shows.

The thread owns the models while it runs them: the GUI thread hands a model over and never
calls it itself. One torch thread by default: the other core stays with the GUI (and the
trainings); `threads=None` gives a request the cores a training job would get instead.
A request of several steps (Super-resolution's three methods) asks `overtaken()` between them
and stops early when a newer request waits.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot


class LatestWorker(QObject):
    """`submit(fn)` → `done(result, id, seconds)` or `failed(message, id)`, on the GUI thread."""
    done = Signal(object, int, float)
    failed = Signal(str, int)
    _answered = Signal(int)         # after done/failed: see `answered`

    def __init__(self, name: str, parent: QObject | None = None, threads: int | None = 1,
                 typed_errors: bool = False):
        super().__init__(parent)
        self.threads = threads          # torch threads per request; None: torch_threads' share
        self.typed_errors = typed_errors    # failed() says "ValueError: …", not just "…"
        self._cv = threading.Condition()
        self._pending: tuple[int, Callable, float] | None = None
        self._running = False
        self._closing = False
        self._next_id = 0
        # the newest id answered on the GUI thread: counted by a signal the worker sends
        # after done/failed, so it arrives after the views' own slots have shown (or dropped)
        # the answer; a slot of this QObject, which lives on the GUI thread, so queued there
        self.answered = 0
        self._answered.connect(self._count_answer)
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @Slot(int)
    def _count_answer(self, rid: int) -> None:
        self.answered = max(self.answered, rid)

    @property
    def settled(self) -> bool:
        """Every request made so far has been answered on the GUI thread (tests wait for it)."""
        return self.answered >= self.last_id

    def submit(self, fn: Callable[[], object]) -> int:
        with self._cv:
            self._next_id += 1
            self._pending = (self._next_id, fn, time.perf_counter())
            self._cv.notify()
            return self._next_id

    @property
    def last_id(self) -> int:
        with self._cv:
            return self._next_id

    @property
    def busy(self) -> bool:
        with self._cv:
            return self._pending is not None or self._running

    def shutdown(self, timeout_s: float = 2.0) -> bool:
        """Stop after the running request (its result is dropped); True when the thread ended."""
        with self._cv:
            self._closing = True
            self._pending = None
            self._cv.notify()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    @property
    def waiting(self) -> bool:
        """A request waits that has not started (a new one will replace it)."""
        with self._cv:
            return self._pending is not None

    def overtaken(self) -> bool:
        """A newer request waits (or the worker is closing): a long request may stop early."""
        with self._cv:
            return self._pending is not None or self._closing

    def _loop(self) -> None:
        import torch

        from .torch_threads import end_job_threads, use_job_threads
        if self.threads is not None:
            torch.set_num_threads(self.threads)
        while True:
            with self._cv:
                while self._pending is None and not self._closing:
                    self._cv.wait()
                if self._closing:
                    return
                (rid, fn, asked), self._pending = self._pending, None
                self._running = True
            if self.threads is None:
                use_job_threads()       # the free cores, as a training job gets them
            try:
                result, error = fn(), None
            except Exception as exc:    # bad input or a broken model reaches the user, not the thread
                kind = type(exc).__name__
                result, error = None, (f"{kind}: {exc}" if self.typed_errors else str(exc) or kind)
            finally:
                if self.threads is None:
                    end_job_threads()
            with self._cv:
                self._running = False
                if self._closing:
                    return
            if error is None:
                self.done.emit(result, rid, time.perf_counter() - asked)
            else:
                self.failed.emit(error, rid)
            self._answered.emit(rid)
