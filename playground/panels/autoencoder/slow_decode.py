"""Decoding for a PixelCNN decoder, off the GUI thread.

Such a decoder draws an image pixel by pixel: 784 network passes, seconds per image on a CPU.
Click-to-decode and Draw from prior hand their codes here instead of calling decode(): a
worker draws them row by row (models' AutoencoderModel.decode_steps), the caller sees the
picture grow, and a newer request replaces an older one (the old job stops at its next row).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QObject

from ...worker import JobRunner

# (rows done of 28, N×28×28 images so far); on failure (−1, the message)
Progress = Callable[[int, object], None]


class SlowDecoder(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = JobRunner(self)
        self.runner.events.connect(self._events)
        self.runner.finished.connect(self._next)
        self.runner.failed.connect(self._failed)
        self._current: tuple | None = None     # (owner, progress) of the running job
        self._pending: dict[str, tuple] = {}   # owner → (model, z, seed, progress), oldest first
        self._closed = False                   # after shutdown() nothing starts

    def request(self, owner: str, model, z: np.ndarray, progress: Progress,
                seed: int = 0) -> None:
        """Draw decode(z, seed) for `owner` ("click", "sample"); progress(rows, images) is
        called on the GUI thread as rows arrive, the last time with all 28. A request from
        the same owner replaces one that is waiting or running."""
        if self._closed:
            return
        self._pending.pop(owner, None)
        self._pending[owner] = (model, np.array(z, np.float32), seed, progress)
        if self.runner.busy:
            if self._current is not None and self._current[0] == owner:
                self.runner.stop()        # its finished signal starts the pending one
            return
        self._next()

    def cancel(self, owner: str | None = None) -> None:
        """Forget `owner`'s requests (every owner's with None); a running one stops."""
        for name in [n for n in self._pending if owner in (None, n)]:
            del self._pending[name]
        if self._current is not None and owner in (None, self._current[0]) and self.runner.busy:
            self._current = None
            self.runner.stop()

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def _next(self, *_) -> None:
        self._current = None
        if not self._pending or self.runner.busy or self._closed:
            return
        owner = next(iter(self._pending))
        model, z, seed, progress = self._pending.pop(owner)
        self._current = (owner, progress)
        self.runner.start(lambda: model.decode_steps(z, seed))

    def _events(self, events: list) -> None:
        if self._current is not None and events:
            rows, images = events[-1]           # only the latest picture matters
            self._current[1](rows, images)

    def _failed(self, message: str) -> None:
        # codes are checked before they get here; tell the owner, then go on with the queue
        if self._current is not None:
            self._current[1](-1, message)
        self._current = None
        self._next()

    def shutdown(self) -> bool:
        self._closed = True
        self._pending.clear()
        return self.runner.shutdown()
