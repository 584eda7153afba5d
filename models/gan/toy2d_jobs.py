"""The 2-D lab's jobs: generators the GUI runs on a JobRunner, and the controls it steers them by.

    controls = LabControls(layers={"real", "fake", "field"})
    runner.start(lambda: lab_job(trainer, controls))       # Progress, Picture, Progress, …
    controls.set_config(replace(config, lr_d=2e-3))        # applied between two steps

Events carry numpy arrays and floats only. Closing a job between two steps leaves the
trainer consistent. These names are re-exported by toy2d_train.py, where the contract puts them.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generator

import numpy as np

from .toy2d import EXTENT, GAN2DConfig, check_points

if TYPE_CHECKING:
    from .toy2d_train import GAN2DTrainConfig, GAN2DTrainer

LAYERS = ("real", "fake", "field", "arrows", "manifold")
DEFAULT_LAYERS = frozenset({"real", "fake", "field"})


@dataclass(frozen=True)
class Picture:
    step: int
    real: np.ndarray                 # ≤ 1000×2, the same subset until the data changes
    fake: np.ndarray                 # G(fixed_z), 512×2
    field: np.ndarray | None         # H×W, row = y from −extent up, column = x
    extent: float
    arrows: np.ndarray | None        # 512×2, −∂ℓ_G/∂x at each fake point
    manifold: np.ndarray | None      # L×M×2


@dataclass(frozen=True)
class Progress:
    step: int
    stats: list                      # every StepStats since the previous Progress
    divergence: dict | None          # {"JS", "KL"} when one was measured for this event
    steps_per_s: float               # training speed over that stretch; 0 when not measured


class LabControls:
    """What the GUI wants changed, picked up by the job between two steps (thread-safe)."""

    def __init__(self, layers=DEFAULT_LAYERS, extent: float = EXTENT, field_size: int = 64):
        self._lock = threading.Lock()
        self._config: GAN2DTrainConfig | None = None
        self._points: np.ndarray | None = None
        self._dropout: float | None = None
        self.set_layers(layers)
        self.set_view(extent, field_size)

    def set_config(self, train_config: GAN2DTrainConfig) -> None:
        from .toy2d_train import GAN2DTrainConfig
        if not isinstance(train_config, GAN2DTrainConfig):
            raise TypeError("set_config needs a GAN2DTrainConfig")
        with self._lock:
            self._config = train_config

    def set_layers(self, layers) -> None:
        layers = frozenset(layers)
        if not layers <= set(LAYERS):
            raise ValueError(f"unknown layer(s) {sorted(layers - set(LAYERS))}")
        with self._lock:
            self._layers = layers

    def set_points(self, points) -> None:
        """Validated here, on the caller's thread, so bad data never reaches the job."""
        pts = check_points(points)
        with self._lock:
            self._points = pts

    def set_view(self, extent: float = EXTENT, field_size: int = 64) -> None:
        if not (math.isfinite(extent) and extent > 0) or not 2 <= int(field_size) <= 512:
            raise ValueError("the view needs extent > 0 and a field size in 2..512")
        with self._lock:
            self._view = (float(extent), int(field_size))

    def set_dropout(self, p: float) -> None:
        if not 0.0 <= p < 0.9:
            raise ValueError(f"D's dropout must be in [0, 0.9), not {p!r}")
        with self._lock:
            self._dropout = float(p)

    @property
    def layers(self) -> frozenset:
        with self._lock:
            return self._layers

    @property
    def view(self) -> tuple[float, int]:
        with self._lock:
            return self._view

    def apply(self, trainer: GAN2DTrainer) -> None:
        """Hand pending changes to the trainer (the job calls this between steps)."""
        with self._lock:
            config, points, dropout = self._config, self._points, self._dropout
            self._config = self._points = self._dropout = None
        if config is not None:
            trainer.configure(config)
        if points is not None:
            trainer.set_points(points)
        if dropout is not None:
            trainer.set_dropout(dropout)

    def picture(self, trainer: GAN2DTrainer) -> Picture:
        extent, size = self.view
        return trainer.picture(extent, size, self.layers)


def lab_events(job: Generator) -> Generator[object, None, object]:
    """The lab's own events (Progress, Picture) of a GAN2DTrainer.run() job, which it drives;
    returns what the job returns. Closing this closes the job, between two steps."""
    try:
        while True:
            try:
                event = next(job)
            except StopIteration as stop:
                return stop.value
            if isinstance(event, (Progress, Picture)):
                yield event
    finally:
        job.close()


def lab_job(trainer: GAN2DTrainer, controls: LabControls, steps: int | None = None,
            picture_every_s: float = 1 / 30, picture_budget: float = 0.25,
            divergence_every_s: float = 0.5) -> Generator[object, None, GAN2DTrainer]:
    """Train until closed (or for `steps`), yielding Progress and Picture events: the
    trainer's run() (see there for the budget pictures keep to), less the events the lab
    does not draw."""
    yield from lab_events(trainer.run(steps, controls, picture_every_s, picture_budget,
                                      divergence_every_s))
    return trainer


def one_step_job(trainer: GAN2DTrainer, kind: str, controls: LabControls
                 ) -> Generator[object, None, GAN2DTrainer]:
    """A single step ("both", "d" or "g") followed by its Progress and Picture."""
    controls.apply(trainer)
    stats = trainer.step(kind)
    yield Progress(trainer.steps_done, [stats], trainer.divergences(), 0.0)
    yield controls.picture(trainer)
    return trainer


def train_gan2d(points, model_config: GAN2DConfig = GAN2DConfig(),
                train_config: "GAN2DTrainConfig | None" = None, steps: int = 5000,
                device="cpu", progress_every_s: float = 0.5
                ) -> Generator[Progress, None, GAN2DTrainer]:
    """Headless training: Progress (each with the divergences) about every 0.5 s; returns
    the trainer."""
    from .toy2d_train import GAN2DTrainConfig, GAN2DTrainer
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, not {steps!r}")
    trainer = GAN2DTrainer(points, model_config, train_config or GAN2DTrainConfig(), device)
    yield from lab_events(trainer.run(steps, None, progress_every_s, math.inf, 0.0))
    return trainer
