"""Upscaling off the GUI thread, the newest request winning.

A 64-px input through the shipped SRResNet (32 channels, 8 blocks) takes about 1.3 s on one
busy CPU core, 0.3 s for a 32-px one; SRGAN is the same network again. The GUI must not wait
for that, and a user who clicks "Random" three times wants the third picture, not all three
in turn. So one thread keeps only the newest request: a request that arrives while another
runs replaces the pending one, and the running one stops before its next model. Outputs are
delivered one by one (bicubic at once, then each network), each with its figures computed on
the same thread (quality.py: PSNR and SSIM against the truth when there is one, sharpness
always), so the GUI only paints.

The thread calls the models; the GUI hands them over and never calls them itself.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from models.translation import quality
from models.translation.api import bicubic_upscale

BICUBIC = "Bicubic"


@dataclass
class _Request:
    id: int
    low: np.ndarray
    truth: np.ndarray | None
    models: dict            # pane name → SRModel (None: skipped)


def figures(output: np.ndarray, truth: np.ndarray | None) -> dict[str, float]:
    """The numbers a pane shows: sharpness always, PSNR and SSIM when the truth is known
    and of the same size."""
    out = {"sharpness": quality.sharpness(output)}
    if truth is not None and truth.shape == output.shape:
        out["psnr"] = quality.psnr(output, truth)
        out["ssim"] = quality.ssim(output, truth)
    return out


class Upscaler(QObject):
    """`request(low, truth, models)` → `output(id, name, image, figures, seconds)` per method,
    `failed(id, name, text)`, then `finished(id)`; on the GUI thread, via queued signals."""
    output = Signal(int, str, object, object, float)
    failed = Signal(int, str, str)
    finished = Signal(int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cv = threading.Condition()
        self._pending: _Request | None = None
        self._running: _Request | None = None
        self._closing = False
        self._next_id = 0
        self.dropped = 0                        # requests overtaken before they finished
        self._thread = threading.Thread(target=self._loop, name="sr-upscaler", daemon=True)
        self._thread.start()

    def request(self, low: np.ndarray, truth: np.ndarray | None, models: dict) -> int:
        """Upscale a copy of `low` by bicubic and by each model in `models` (name → model or
        None), replacing any request not yet finished."""
        with self._cv:
            self._next_id += 1
            if self._pending is not None:
                self.dropped += 1
            self._pending = _Request(self._next_id, np.array(low, np.uint8, copy=True),
                                     None if truth is None else np.array(truth, np.uint8, copy=True),
                                     dict(models))
            self._cv.notify()
            return self._next_id

    @property
    def last_id(self) -> int:
        with self._cv:
            return self._next_id

    @property
    def busy(self) -> bool:
        with self._cv:
            return self._pending is not None or self._running is not None

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        with self._cv:
            self._closing = True
            self._pending = None
            self._cv.notify()
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _overtaken(self) -> bool:
        with self._cv:
            return self._pending is not None or self._closing

    def _loop(self) -> None:
        from ...torch_threads import end_job_threads, use_job_threads
        while True:
            with self._cv:
                while self._pending is None and not self._closing:
                    self._cv.wait()
                if self._closing:
                    return
                req, self._pending = self._pending, None
                self._running = req
            use_job_threads()               # the free cores, as a training job gets them
            try:
                self._run(req)
            finally:
                end_job_threads()
                with self._cv:
                    self._running = None
            if not self._overtaken():
                self.finished.emit(req.id)

    def _run(self, req: _Request) -> None:
        jobs = [(BICUBIC, lambda x: bicubic_upscale(x, 4))]
        jobs += [(name, model.upscale) for name, model in req.models.items() if model is not None]
        for name, run in jobs:
            if self._overtaken():
                self.dropped += 1
                return
            t0 = time.perf_counter()
            try:
                image = np.ascontiguousarray(run(req.low))
                numbers = figures(image, req.truth)
            except Exception as exc:    # a bad model or input must reach the user, not kill the thread
                self.failed.emit(req.id, name, f"{type(exc).__name__}: {exc}"
                                 if not isinstance(exc, ValueError) else str(exc))
                continue
            self.output.emit(req.id, name, image, numbers, time.perf_counter() - t0)
