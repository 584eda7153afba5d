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

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...latest_worker import LatestWorker


class LiveTranslator(QObject):
    """`request(model, x, seed)` → `translated(image, id, seconds)` on the GUI thread, on the
    shared newest-request worker (playground/latest_worker.py)."""
    translated = Signal(object, int, float)   # H×W×3 uint8, request id, seconds since asked
    failed = Signal(str, int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = LatestWorker("pix2pix-translator", self, threads=1, typed_errors=True)
        self.worker.done.connect(self.translated)
        self.worker.failed.connect(self.failed)
        self.dropped = 0                      # requests overtaken before they ran

    def request(self, model, x: np.ndarray, seed: int, noise: bool = True,
                batch_stats: bool = False) -> int:
        """Queue a translation of a copy of `x`, replacing any request not yet started."""
        x, seed, noise, batch_stats = np.array(x, copy=True), int(seed), bool(noise), bool(batch_stats)
        if self.worker.waiting:
            self.dropped += 1
        return self.worker.submit(lambda: np.ascontiguousarray(
            model.translate(x, noise=noise, seed=seed, batch_stats=batch_stats)))

    @property
    def last_id(self) -> int:
        """The id of the newest request made so far (0 before any)."""
        return self.worker.last_id

    @property
    def busy(self) -> bool:
        return self.worker.busy

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        return self.worker.shutdown(timeout_s)
