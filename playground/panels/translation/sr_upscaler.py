"""Upscaling off the GUI thread, the newest request winning.

A 64-px input through the shipped SRResNet (32 channels, 8 blocks) takes about 1.3 s on one
busy CPU core, 0.3 s for a 32-px one; SRGAN is the same network again. The GUI must not wait
for that, and a user who clicks "Random" three times wants the third picture, not all three
in turn. So one thread keeps only the newest request: a request that arrives while another
runs replaces the pending one, and the running one stops before its next model. Outputs are
delivered one by one (bicubic at once, then each network), each with its figures computed on
the same thread (quality.py: PSNR and SSIM against the truth when there is one, sharpness
always), so the GUI only paints.

The thread (playground/latest_worker.py, shared with the Translate view) calls the models;
the GUI hands them over and never calls them itself.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Signal

from models.translation import quality

from ...latest_worker import LatestWorker
from models.translation.api import bicubic_upscale

BICUBIC = "Bicubic"


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
        self.worker = LatestWorker("sr-upscaler", self, threads=None)
        self.worker.done.connect(self._done)
        self.dropped = 0                        # requests overtaken before they finished

    def request(self, low: np.ndarray, truth: np.ndarray | None, models: dict) -> int:
        """Upscale a copy of `low` by bicubic and by each model in `models` (name → model or
        None), replacing any request not yet finished."""
        low = np.array(low, np.uint8, copy=True)
        truth = None if truth is None else np.array(truth, np.uint8, copy=True)
        models = dict(models)
        if self.worker.busy:
            self.dropped += 1
        rid = self.worker.last_id + 1   # the id submit() hands out: only the GUI thread submits
        return self.worker.submit(lambda: self._run(rid, low, truth, models))

    @property
    def last_id(self) -> int:
        return self.worker.last_id

    @property
    def busy(self) -> bool:
        return self.worker.busy

    def shutdown(self, timeout_s: float = 10.0) -> bool:
        return self.worker.shutdown(timeout_s)

    def _done(self, completed: bool, rid: int, _seconds: float) -> None:
        if completed and rid == self.worker.last_id:
            self.finished.emit(rid)

    def _run(self, rid: int, low: np.ndarray, truth: np.ndarray | None, models: dict) -> bool:
        """On the worker: each method in turn, its picture and figures sent as it is done.
        False when a newer request overtook this one part-way."""
        jobs = [(BICUBIC, lambda x: bicubic_upscale(x, 4))]
        jobs += [(name, model.upscale) for name, model in models.items() if model is not None]
        for name, run in jobs:
            if self.worker.overtaken():
                return False
            t0 = time.perf_counter()
            try:
                image = np.ascontiguousarray(run(low))
                numbers = figures(image, truth)
            except Exception as exc:    # a bad model or input must reach the user, not kill the thread
                self.failed.emit(rid, name, f"{type(exc).__name__}: {exc}"
                                 if not isinstance(exc, ValueError) else str(exc))
                continue
            self.output.emit(rid, name, image, numbers, time.perf_counter() - t0)
        return not self.worker.overtaken()
