"""Training the 2-D denoiser: the simple ε loss on random minibatches of points.

    trainer = ToyTrainer(make_points("moons", 8000), Toy2DConfig(), ToyTrainConfig())
    for event in trainer.run():      # Step, EpochEnd, Snapshot (EMA weights)
        ...
    model = ToyDenoiser.from_state(trainer.state_numpy(), trainer.model_config)

It keeps the trainer contract (models/trainer.py), so the GUI can run it on a JobRunner and
stop it between two steps; the EMA weights then stay at the last step. Its weights are not a
checkpoint family (the 2-D lab retrains in seconds), so it has no checkpoint_meta.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch
from torch.nn import functional as F

from ..events import EpochEnd, Snapshot, Step, TrainResult
from ..trainer import Trainer, TrainingDiverged, state_to_numpy
from .toy2d import Toy2DConfig, ToyDenoiser, make_scheduler
from .training import EMA


@dataclass(frozen=True)
class ToyTrainConfig:
    steps: int = 1500
    batch_size: int = 512
    lr: float = 5e-3
    ema_decay: float = 0.995
    seed: int = 0
    snapshot_every: int = 100     # steps between Snapshot events

    def __post_init__(self):
        for name, lo, hi in (("steps", 1, 1_000_000), ("batch_size", 1, 65_536),
                             ("snapshot_every", 1, 1_000_000)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer in {lo}..{hi}, not {v!r}")
        if not (math.isfinite(self.lr) and 0 < self.lr <= 1):
            raise ValueError(f"learning rate must be in (0, 1], not {self.lr}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"EMA decay must be in [0, 1), not {self.ema_decay}")

    def to_dict(self) -> dict:
        return asdict(self)


class ToyTrainer(Trainer):
    """`model_config` is the denoiser's Toy2DConfig, `config` the ToyTrainConfig and
    `dataset` (also `points`) the N×2 training points."""

    def __init__(self, points: np.ndarray, config: Toy2DConfig = Toy2DConfig(),
                 train_config: ToyTrainConfig = ToyTrainConfig(), device: str = "cpu"):
        pts = np.asarray(points, np.float32)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
            raise ValueError(f"the training points must be a non-empty N×2 array, not shape {pts.shape}")
        if not np.isfinite(pts).all():
            raise ValueError("the training points contain NaN or infinite values")
        super().__init__(config, train_config, pts, device)
        torch.manual_seed(train_config.seed)
        self.model = ToyDenoiser(config).to(self.device)
        self.ema = EMA(self.model, train_config.ema_decay)
        self.scheduler = make_scheduler(config)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=train_config.lr)
        # cosine decay to a tenth: the last few hundred steps polish the fine structure
        self.lr_schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda i: 0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, i / train_config.steps))))
        self.recent_loss = float("nan")

    @property
    def points(self) -> np.ndarray:
        return self.dataset

    def state_numpy(self) -> dict[str, np.ndarray]:
        """A copy of the EMA weights. Only call it while `run()` is not executing."""
        return state_to_numpy(self.ema.model)

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev = self.config, self.device
        data = torch.from_numpy(self.points).to(dev)
        n, T = len(data), self.scheduler.num_train_timesteps
        acp = self.scheduler.alphas_cumprod.to(dev)
        rng = torch.Generator(device=dev).manual_seed(cfg.seed + 1)
        steps_per_epoch = max(1, math.ceil(n / cfg.batch_size))
        epochs = math.ceil(cfg.steps / steps_per_epoch)
        yield Snapshot(0, self.state_numpy())
        self.model.train()
        busy, window, epoch_sum = 0.0, [], 0.0
        while self.steps_done < cfg.steps:
            t0 = time.perf_counter()
            idx = torch.randint(0, n, (cfg.batch_size,), generator=rng, device=dev)
            x0 = data[idx]
            t = torch.randint(0, T, (cfg.batch_size,), generator=rng, device=dev)
            noise = torch.randn(x0.shape, generator=rng, device=dev)
            a = acp[t][:, None]
            loss = F.mse_loss(self.model(a.sqrt() * x0 + (1 - a).sqrt() * noise, t), noise)
            value = float(loss.detach())
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"The loss became {value} at step {self.steps_done + 1}. Training stopped; "
                    f"the model keeps the weights of step {self.steps_done}. "
                    f"Try a smaller learning rate.")
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.lr_schedule.step()
            self.ema.update(self.model)
            self.steps_done += 1
            window = (window + [value])[-100:]
            self.recent_loss = float(np.mean(window))
            busy += time.perf_counter() - t0
            s = self.steps_done
            epoch = min(epochs, (s - 1) // steps_per_epoch + 1)
            yield Step(s, cfg.steps, epoch, epochs, {"loss": value}, busy,
                       s * cfg.batch_size / max(busy, 1e-9))
            # an "epoch" is as many random minibatches as the points fill; the last one may
            # be short when the step count is not a multiple
            epoch_sum += value
            if s % steps_per_epoch == 0 or s == cfg.steps:
                done = (s - 1) % steps_per_epoch + 1
                yield EpochEnd(epoch, epochs, {"loss": epoch_sum / done}, {})
                epoch_sum = 0.0
            if s % cfg.snapshot_every == 0 or s == cfg.steps:
                yield Snapshot(s, self.state_numpy())
        return TrainResult(self.steps_done, self.steps_done / steps_per_epoch,
                           {"loss": self.recent_loss})


def train_toy(points: np.ndarray, config: Toy2DConfig = Toy2DConfig(),
              train_config: ToyTrainConfig = ToyTrainConfig(), device: str = "cpu"
              ) -> Generator[object, None, TrainResult]:
    """The training job as a bare generator (see ToyTrainer for access to the weights)."""
    return ToyTrainer(points, config, train_config, device).run()
