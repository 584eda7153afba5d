"""Sampling jobs for the reverse-process view: generators run on a JobRunner's pool thread.

They touch only the DiffusionModel they were given (never a model that is training) and
yield small numpy events, so the GUI thread never waits on the network. Frames travel as
uint8: a DDPM chain of 1000 steps for 64 images is then 100 MB rather than 400.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Generator

import numpy as np
import torch

from models.diffusion.api import DiffusionModel
from models.events import Status
from models.imaging import save_gif, tile, to_uint8
from models.metrics import within_class_spread

EACH_CLASS = "each"   # label choice: image i gets class i mod C


@dataclass(frozen=True)
class SampleParams:
    sampler: str = "ddim"       # "ddim" or "ddpm"
    steps: int = 50             # S, DDIM only; DDPM always runs all T steps
    eta: float = 0.0            # DDIM only
    n: int = 16
    seed: int = 0
    label: int | str | None = None   # None: unconditional; an int; or EACH_CLASS
    guidance: float = 0.0

    def chain_length(self, T: int) -> int:
        return T if self.sampler == "ddpm" else self.steps

    def describe(self, T: int) -> str:
        if self.sampler == "ddpm":
            text = f"DDPM · {T} steps"
        else:
            text = f"DDIM · S = {self.steps} · η = {self.eta:g}"
        if self.label is not None:
            text += f" · w = {self.guidance:g}"
        return text


def labels_for(params: SampleParams, model: DiffusionModel, n: int | None = None):
    """What `DiffusionModel.sample_chain` takes as `label` for these choices."""
    n = params.n if n is None else n
    if params.label is None or not model.conditional:
        return None
    if params.label == EACH_CLASS:
        return np.arange(n) % model.config.num_classes
    return int(params.label)


def step_generator(params: SampleParams) -> torch.Generator:
    # x_T comes from `seed`; the per-step noise of DDPM and DDIM (η > 0) from its neighbour,
    # so that one seed fixes the whole chain and two samplers share x_T exactly.
    return torch.Generator().manual_seed(int(params.seed) + 1)


@dataclass(frozen=True)
class ChainBegin:
    """The chain's starting noise x_T, before any step."""
    params: SampleParams
    steps: int
    T: int
    x_T: np.ndarray            # N×28×28 uint8
    timesteps: tuple[int, ...]  # the t (1-based) each step denoises, T first


@dataclass(frozen=True)
class ChainFrame8:
    index: int                 # 1-based step
    steps: int
    t: int                     # the timestep just denoised, 1-based (T..1)
    x_t: np.ndarray            # N×28×28 uint8
    x0: np.ndarray             # N×28×28 uint8, the model's guess of x_0
    elapsed_s: float


@dataclass(frozen=True)
class ChainDone:
    params: SampleParams
    final: np.ndarray          # N×28×28 float32 in [0, 1]
    wall_s: float


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed_s: float
    what: str

    @property
    def eta_s(self) -> float:
        return self.elapsed_s * (self.total - self.done) / self.done if self.done else math.nan


@dataclass(frozen=True)
class CompareBegin:
    x_T: np.ndarray            # the shared starting noise, N×28×28 float32 in [0, 1]


@dataclass(frozen=True)
class CompareResult:
    ddpm: np.ndarray           # N×28×28 float32 in [0, 1]
    ddim: np.ndarray
    ddpm_s: float
    ddim_s: float
    ddpm_steps: int
    ddim_steps: int
    params: SampleParams
    x_T: np.ndarray            # the shared starting noise, N×28×28 float32 in [0, 1]
    # ε̂-network evaluations each sampler made, counted in the sampler loop (2 per step
    # under guidance); the honest cost ratio, which noisy wall times only approximate
    ddpm_evals: int = 0
    ddim_evals: int = 0

    @property
    def ddpm_ms_per_eval(self) -> float:
        return self.ddpm_s / max(1, self.ddpm_evals) * 1e3

    @property
    def ddim_ms_per_eval(self) -> float:
        return self.ddim_s / max(1, self.ddim_evals) * 1e3


@dataclass(frozen=True)
class GuidanceResult:
    scales: tuple[float, ...]
    rows: np.ndarray           # len(scales)×cols×28×28 float32 in [0, 1]
    labels: np.ndarray         # cols
    wall_s: float
    params: SampleParams
    diversity: tuple[float, ...] = field(default=())   # within-class spread per row (pixels)
    columns: int = 0           # how many columns each row's grid has (C when all classes)

    def row_grid(self, i: int, pad: int = 1) -> np.ndarray:
        """Row i's images as one grid, one column per class when it holds every class."""
        return tile(self.rows[i], self.columns or self.rows.shape[1], pad=pad)


def chain_timesteps(model: DiffusionModel, params: SampleParams) -> tuple[int, ...]:
    T = model.config.timesteps
    if params.sampler == "ddpm":
        return tuple(range(T, 0, -1))
    model.scheduler.set_timesteps(params.steps)
    return tuple(int(t) + 1 for t in model.scheduler.timesteps.tolist())


def chain_job(model: DiffusionModel, params: SampleParams
              ) -> Generator[object, None, ChainDone]:
    """Every step of one reverse chain, as frames; returns the final images and wall time."""
    T = model.config.timesteps
    x_T = model.noise(params.n, seed=params.seed)
    start = to_uint8((x_T[:, 0].clamp(-1, 1).cpu().numpy() + 1) / 2)
    yield ChainBegin(params, params.chain_length(T), T, start, chain_timesteps(model, params))
    t0 = time.perf_counter()
    chain = model.sample_chain(params.n, params.steps, params.eta, params.guidance,
                               labels_for(params, model), step_generator(params), params.sampler,
                               x_T=x_T)
    while True:
        try:
            f = next(chain)
        except StopIteration as done:
            return ChainDone(params, done.value, time.perf_counter() - t0)
        yield ChainFrame8(f.index, f.steps, f.t, to_uint8(f.x_t), to_uint8(f.x0),
                          time.perf_counter() - t0)


def _run(model: DiffusionModel, params: SampleParams, x_T, labels, progress: list,
         what: str) -> Generator[object, None, tuple[np.ndarray, float, int]]:
    """One chain, counting its steps into a shared progress tally.

    Returns (images, seconds, ε̂ evaluations).
    """
    t0 = time.perf_counter()
    chain = model.sample_chain(len(x_T), params.steps, params.eta, params.guidance, labels,
                               step_generator(params), params.sampler, x_T=x_T)
    evaluations = 0
    while True:
        try:
            frame = next(chain)
        except StopIteration as done:
            return done.value, time.perf_counter() - t0, evaluations
        evaluations = frame.evaluations
        progress[0] += 1
        yield Progress(progress[0], progress[1], time.perf_counter() - progress[2], what)


def compare_job(model: DiffusionModel, params: SampleParams
                ) -> Generator[object, None, CompareResult]:
    """DDPM with all T steps and DDIM with S steps, from one and the same x_T."""
    T = model.config.timesteps
    x_T = model.noise(params.n, seed=params.seed)
    start = ((x_T[:, 0].clamp(-1, 1) + 1) / 2).cpu().numpy()
    yield CompareBegin(start)
    labels = labels_for(params, model)
    progress = [0, T + params.steps, time.perf_counter()]
    ddpm_params = replace(params, sampler="ddpm")
    ddim_params = replace(params, sampler="ddim")
    ddpm, ddpm_s, ddpm_n = yield from _run(model, ddpm_params, x_T, labels, progress,
                                           f"DDPM ({T} steps)")
    ddim, ddim_s, ddim_n = yield from _run(model, ddim_params, x_T, labels, progress,
                                           f"DDIM ({params.steps} steps)")
    return CompareResult(ddpm, ddim, ddpm_s, ddim_s, T, params.steps, params, start,
                         ddpm_n, ddim_n)


def guidance_labels(model: DiffusionModel, label, per_class: int) -> tuple[np.ndarray, int]:
    """The classes of one guidance row and how many columns to lay it out in.

    One class: `per_class` samples of it in a line. "Each class in turn" (or no class):
    `per_class` samples of every class, laid out with one column per class, so all C
    classes show and each has enough samples to measure a spread within it.
    """
    C = model.config.num_classes
    if label is None or label == EACH_CLASS:
        return np.tile(np.arange(C), per_class), C
    return np.full(per_class, int(label)), per_class


def guidance_job(model: DiffusionModel, params: SampleParams, scales: tuple[float, ...],
                 per_class: int) -> Generator[object, None, GuidanceResult]:
    """One row per guidance scale, the same x_T and classes in every row."""
    if not model.conditional:
        raise ValueError("guidance needs a class-conditional model")
    if not scales:
        raise ValueError("give at least one guidance scale")
    if per_class < 2:
        raise ValueError("a spread within a class needs at least 2 samples per class")
    labels, columns = guidance_labels(model, params.label, per_class)
    x_T = model.noise(len(labels), seed=params.seed)
    per_chain = params.chain_length(model.config.timesteps)
    progress = [0, per_chain * len(scales), time.perf_counter()]
    rows, t0 = [], time.perf_counter()
    for w in scales:
        images, _, _ = yield from _run(model, replace(params, guidance=float(w)), x_T, labels,
                                       progress, f"w = {w:g}")
        rows.append(images)
    rows = np.stack(rows)
    # spread within each class, averaged over classes (as benchmarks/diffusion_guidance.py
    # does on classifier features): across different classes it would rise with w, since
    # guidance makes the classes more distinct, while each class's samples grow more alike
    diversity = tuple(within_class_spread(r, labels) for r in rows)
    return GuidanceResult(tuple(float(w) for w in scales), rows, labels,
                          time.perf_counter() - t0, params, diversity, columns)


def side_by_side(x_t: np.ndarray, x0: np.ndarray, ncols: int, gap: int = 6) -> np.ndarray:
    """The two grids of one chain frame next to each other, uint8, white gap between."""
    a, b = tile(x_t, ncols, pad=1, fill=255), tile(x0, ncols, pad=1, fill=255)
    return np.concatenate([a, np.full((a.shape[0], gap), 255, np.uint8), b], axis=1)


def gif_frame_indices(count: int, limit: int = 200) -> list[int]:
    """At most `limit` frames, evenly spread, always with the first and the last."""
    if count <= limit:
        return list(range(count))
    return sorted(set(np.linspace(0, count - 1, limit).round().astype(int).tolist()))


def export_gif_job(frames_x_t: list[np.ndarray], frames_x0: list[np.ndarray], ncols: int,
                   path: str, fps: float = 20.0, hold_s: float = 1.0,
                   limit: int = 200) -> Generator[object, None, Path]:
    """Write the chain as a GIF, x_t left and x̂_0 right, the last frame held for `hold_s`."""
    yield Status(f"Writing {Path(path).name}…")
    keep = gif_frame_indices(len(frames_x_t), limit)
    frames = [side_by_side(frames_x_t[i], frames_x0[i], ncols) for i in keep]
    frames += [frames[-1]] * max(0, round(hold_s * fps))
    # save_gif takes [0, 1] floats
    return save_gif(np.stack(frames).astype(np.float32) / 255.0, path, fps=fps, scale=2)
