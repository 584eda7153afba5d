"""The diffusion training job: ε-prediction with the simple loss, EMA weights, live samples.

Like the autoencoder job it is a generator of small events; closing it between two steps
leaves the model (and its EMA) at the last finished step.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch
from torch.nn import functional as F

from ..data import Dataset
from ..distributed import check_batch, check_step, epoch_indices, wrap
from ..events import EpochEnd, Snapshot, Step, TrainResult
from ..live import LiveBudget
from ..train_state import Parts, position
from ..trainer import (ImageTrainer, check_run_settings, load_training_data, state_to_numpy,
                       to_signed)
from .sampling import run_chain
from .scheduler import NoiseScheduler
from .unet import DiffusionConfig, UNet


@dataclass(frozen=True)
class Samples:
    """Images sampled from the EMA model from the job's fixed noise, N×28×28 in [0, 1]."""
    step: int
    images: np.ndarray
    labels: np.ndarray | None = None


@dataclass(frozen=True)
class DiffusionTrainConfig:
    epochs: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    ema_decay: float = 0.999
    p_uncond: float = 0.1          # label dropout for classifier-free guidance
    seed: int = 0
    precision: str = "fp32"        # "bf16": autocast on CPU/CUDA, weights stay fp32
    samples_every_s: float = 6.0
    samples_every_steps: int = 0   # > 0: refresh the samples every N steps instead, whatever they cost
    sample_count: int = 16
    sample_steps: int = 20
    sample_guidance: float = 2.0
    snapshot_every_s: float = 10.0
    live_budget: float = 0.1
    test_points: int = 500

    def __post_init__(self):
        check_run_settings(self)
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"EMA decay must be in [0, 1), not {self.ema_decay}")
        if not 0 <= self.p_uncond <= 1:
            raise ValueError(f"label dropout must be in [0, 1], not {self.p_uncond}")
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', not {self.precision!r}")
        if not 1 <= self.sample_count <= 1024 or self.sample_steps < 1:
            raise ValueError("live samples need 1..1024 images and at least one step")
        if not 0 <= self.sample_guidance <= 50:
            raise ValueError(f"guidance scale must be in [0, 50], not {self.sample_guidance}")
        if (not isinstance(self.samples_every_steps, int) or isinstance(self.samples_every_steps, bool)
                or self.samples_every_steps < 0):
            raise ValueError(f"samples_every_steps must be a whole number ≥ 0, not "
                             f"{self.samples_every_steps!r}")
        if not (self.samples_every_s >= 0 and self.snapshot_every_s >= 0):  # NaN fails too
            raise ValueError("live sample and snapshot intervals must be ≥ 0 seconds")

    def to_dict(self) -> dict:
        return asdict(self)


def simple_loss(model, scheduler: NoiseScheduler, x0: torch.Tensor, t: torch.Tensor,
                noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
    """L_simple = E ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖², averaged over pixels."""
    x_t = scheduler.add_noise(x0, noise, t)
    return F.mse_loss(model(x_t, t, labels).float(), noise)


class EMA:
    """Exponential moving average of weights, with the usual warm-up min(d, (1+n)/(10+n))."""

    def __init__(self, model: torch.nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.updates = 0

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p.detach(), 1 - d)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)


class DiffusionTrainer(ImageTrainer):
    """Trains a U-Net on the simple loss; its Snapshots and checkpoints carry the EMA weights."""

    family = "diffusion"

    def __init__(self, model_config: DiffusionConfig, train_config: DiffusionTrainConfig,
                 dataset: Dataset | str, device: str | torch.device = "auto",
                 data_dir: str | None = None, download: bool = True):
        super().__init__(model_config, train_config, dataset, device, data_dir, download)
        self.model = UNet(model_config).to(self.device)
        self.ema = EMA(self.model, train_config.ema_decay)
        self.scheduler = NoiseScheduler(model_config.schedule, model_config.timesteps)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=train_config.lr)
        self.last_test_loss = float("nan")

    def train_parts(self) -> Parts:
        return Parts({"model": self.model, "ema": self.ema.model}, {"adam": self.optimizer},
                     dict(getattr(self, "generators", {})), {"ema_updates": self.ema.updates})

    def set_scalars(self, scalars: dict) -> None:
        self.ema.updates = int(scalars.get("ema_updates", self.ema.updates))

    def state_numpy(self) -> dict[str, np.ndarray]:
        """A copy of the EMA weights (what is sampled from and saved). Only call it while
        `run()` is not executing."""
        return state_to_numpy(self.ema.model)

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        return {**self.run_meta(result),
                "metrics": {"test_simple_loss": self.last_test_loss}, "weights": "ema"}

    def _autocast(self):
        dev = self.device.type
        enabled = self.config.precision == "bf16" and dev in ("cpu", "cuda")
        return torch.autocast(dev if dev in ("cpu", "cuda") else "cpu", dtype=torch.bfloat16,
                              enabled=enabled)

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev, mc = self.config, self.device, self.model_config
        train_x, train_y = yield from load_training_data(self, mc.num_classes)
        ds, n = self.dataset, len(train_x)
        test_x = torch.from_numpy(to_signed(ds.test.images[:cfg.test_points])).to(dev)
        test_y = torch.from_numpy(ds.test.labels[:cfg.test_points].astype(np.int64)).to(dev)
        T = self.scheduler.num_train_timesteps
        d = self.dist
        per_rank = check_batch(cfg.batch_size, d)      # this process's share of a batch
        model = wrap(self.model, d)                   # DDP averages the gradients
        steps_per_epoch = math.ceil(n / cfg.batch_size)
        total = steps_per_epoch * cfg.epochs
        first_epoch, first_b = position(self.steps_done, steps_per_epoch)
        # t, ε and label dropout: each rank draws its own
        rng = self.generator("noise", d.rank_seed(cfg.seed + 1), dev)
        fixed = torch.Generator().manual_seed(cfg.seed + 2)
        sample_noise = torch.randn((cfg.sample_count, 1, 28, 28), generator=fixed).to(dev)
        sample_labels = (torch.arange(cfg.sample_count) % mc.num_classes).to(dev) \
            if mc.conditional else None
        test_t = torch.randint(0, T, (len(test_x),), generator=fixed).to(dev)
        test_noise = torch.randn(test_x.shape, generator=fixed).to(dev)

        live = LiveBudget({"samples": cfg.samples_every_s, "snapshot": cfg.snapshot_every_s},
                          cfg.live_budget)
        seen = 0

        make_samples = lambda: self._samples(sample_noise, sample_labels)  # noqa: E731
        make_snapshot = lambda: Snapshot(self.steps_done, self.state_numpy())  # noqa: E731
        yield live.timed("snapshot", make_snapshot)
        self.model.train()
        for epoch in range(first_epoch, cfg.epochs + 1):
            # this rank's share of the epoch's order (all of it in one process)
            perm = epoch_indices(n, cfg.seed, epoch, d, dev)
            total_loss, counted = 0.0, 0
            for b in range(first_b if epoch == first_epoch else 0, steps_per_epoch):
                t0 = time.perf_counter()
                idx = perm[b * per_rank:(b + 1) * per_rank]
                x0 = train_x[idx]
                t = torch.randint(0, T, (len(x0),), generator=rng, device=dev)
                noise = torch.randn(x0.shape, generator=rng, device=dev)
                labels = None
                if mc.conditional:
                    labels = train_y[idx].clone()
                    drop = torch.rand(len(x0), generator=rng, device=dev) < cfg.p_uncond
                    labels[drop] = mc.num_classes
                with self._autocast():
                    loss = simple_loss(model, self.scheduler, x0, t, noise, labels)
                value = float(loss.detach())
                # every rank learns of a NaN (or a stop) on any rank before a weight changes
                check_step(d, [value],
                           f"The loss became {value} at step {self.steps_done + 1} "
                           f"(epoch {epoch}). Training stopped; the model keeps the weights of "
                           f"step {self.steps_done}. Try a smaller learning rate.",
                           self.steps_done + 1)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.ema.update(self.model)
                self.steps_done += 1
                seen += len(x0) * d.world_size
                total_loss += value * len(x0)
                counted += len(x0)
                live.add(time.perf_counter() - t0)
                yield Step(self.steps_done, total, epoch, cfg.epochs, {"loss": value}, live.busy,
                           seen / max(live.busy, 1e-9))
                if not d.is_main:
                    continue            # the other ranks only train: rank 0 shows progress
                if (self.steps_done % cfg.samples_every_steps == 0 if cfg.samples_every_steps
                        else live.due("samples")):
                    yield live.timed("samples", make_samples)
                if live.due("snapshot"):
                    yield live.timed("snapshot", make_snapshot)
            t0 = time.perf_counter()
            self.last_test_loss = self._test_loss(test_x, test_y, test_t, test_noise)
            live.add(time.perf_counter() - t0)
            yield EpochEnd(epoch, cfg.epochs, {"loss": total_loss / max(1, counted)},
                           {"loss": self.last_test_loss})
        # samples_every_s = inf means nobody watches (the command line): the final samples
        # would cost a whole sampling chain for nothing
        if math.isfinite(cfg.samples_every_s):
            yield live.timed("samples", make_samples)
        yield live.timed("snapshot", make_snapshot)
        return TrainResult(self.steps_done, self.steps_done / steps_per_epoch,
                           {"loss": self.last_test_loss})

    @torch.no_grad()
    def _test_loss(self, x, y, t, noise) -> float:
        """The simple loss of the EMA model on held-out images, with fixed t and ε."""
        if len(x) == 0:
            return float("nan")
        labels = y if self.model_config.conditional else None
        total = 0.0
        for i in range(0, len(x), 250):
            sl = slice(i, i + 250)
            with self._autocast():
                loss = simple_loss(self.ema.model, self.scheduler, x[sl], t[sl], noise[sl],
                                   None if labels is None else labels[sl])
            total += float(loss) * len(x[sl])
        return total / len(x)

    @torch.no_grad()
    def _samples(self, noise: torch.Tensor, labels: torch.Tensor | None) -> Samples:
        cfg = self.config
        with self._autocast():
            # a short toy schedule (small T) can have fewer timesteps than sample_steps
            steps = min(cfg.sample_steps, self.scheduler.num_train_timesteps)
            x0 = run_chain(self.ema.model, self.scheduler, noise, steps, 0.0, "ddim",
                           labels, cfg.sample_guidance if labels is not None else 0.0, None,
                           self.model_config.num_classes)
        images = ((x0[:, 0].float().clamp(-1, 1) + 1) / 2).cpu().numpy()
        return Samples(self.steps_done, images,
                       None if labels is None else labels.cpu().numpy().copy())

