"""Live translation off the GUI thread: the latest request wins.

Painting asks for a new picture after every stroke, often faster than the generator
answers. A queue would fall behind; instead one thread keeps only the newest pending
request and drops the ones it overtook, so the picture shown is never more than one
generation behind the canvas. The thread owns its model objects while it runs them: the
GUI hands over a model and never calls it itself.

One torch thread is enough for a 64-px U-Net (13 ms) and leaves the other core to the
GUI thread, so painting stays smooth while a picture is being made.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import torch
from PySide6.QtCore import QObject, Signal


@dataclass
class _Request:
    id: int
    model: object
    x: np.ndarray
    seed: int
    noise: bool
    asked: float
    batch_stats: bool = False


class LiveTranslator(QObject):
    """`request(model, x, seed)` → `translated(image, id, seconds)` on the GUI thread."""
    translated = Signal(object, int, float)   # H×W×3 uint8, request id, seconds since asked
    failed = Signal(str, int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cv = threading.Condition()
        self._pending: _Request | None = None
        self._running: _Request | None = None
        self._closing = False
        self._next_id = 0
        self.dropped = 0                      # requests overtaken before they ran
        self._thread = threading.Thread(target=self._loop, name="pix2pix-translator", daemon=True)
        self._thread.start()

    def request(self, model, x: np.ndarray, seed: int, noise: bool = True,
                batch_stats: bool = False) -> int:
        """Queue a translation of a copy of `x`, replacing any request not yet started."""
        with self._cv:
            self._next_id += 1
            if self._pending is not None:
                self.dropped += 1
            self._pending = _Request(self._next_id, model, np.array(x, copy=True), int(seed),
                                     bool(noise), time.perf_counter(), bool(batch_stats))
            self._cv.notify()
            return self._next_id

    @property
    def last_id(self) -> int:
        """The id of the newest request made so far (0 before any)."""
        with self._cv:
            return self._next_id

    @property
    def busy(self) -> bool:
        with self._cv:
            return self._pending is not None or self._running is not None

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        with self._cv:
            self._closing = True
            self._pending = None
            self._cv.notify()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _loop(self) -> None:
        torch.set_num_threads(1)
        while True:
            with self._cv:
                while self._pending is None and not self._closing:
                    self._cv.wait()
                if self._closing:
                    return
                req, self._pending = self._pending, None
                self._running = req
            try:
                image = req.model.translate(req.x, noise=req.noise, seed=req.seed,
                                            batch_stats=req.batch_stats)
            except Exception as exc:      # a bad model or map must reach the user, not kill the thread
                outcome = ("failed", f"{type(exc).__name__}: {exc}")
            else:
                outcome = ("done", np.ascontiguousarray(image))
            with self._cv:
                self._running = None
                if self._closing:
                    return
            if outcome[0] == "done":
                self.translated.emit(outcome[1], req.id, time.perf_counter() - req.asked)
            else:
                self.failed.emit(outcome[1], req.id)
