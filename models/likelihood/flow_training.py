"""Training RealNVP by maximum likelihood (Adam on the mean negative log-likelihood).

    trainer = Flow2DTrainer(make_points("moons", 20_000), RealNVPConfig(), Flow2DTrainConfig())
    for event in trainer.run():          # Snapshot, Step, EpochEnd, …, Snapshot
        ...
    trainer = FlowImageTrainer(RealNVPConfig(kind="image", hidden=32), FlowImageTrainConfig(),
                               "mnist")

Both keep the trainer contract (models/trainer.py) and save as checkpoint family "realnvp".
The 2-D trainer is open-ended like the GAN lab's (config.steps = 0: until closed) and yields a
Step every `progress_every_s` rather than after each of its thousands of steps a second. A
NaN or infinite loss, or gradient, stops either with TrainingDiverged before any weight
changes, so the model keeps the last good weights.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch

from ..data import MIN_TRAIN, TooFewImages
from ..events import DatasetReady, EpochEnd, Snapshot, Step, TrainResult
from ..trainer import ImageTrainer, Trainer, TrainingDiverged, check_run_settings, state_to_numpy
from .flow_data import DATASETS, check_points, make_points
from .realnvp import PIXELS, RealNVPConfig, bits_per_dim, build_flow, dequantize

FAMILY = "realnvp"
# gradients are clipped to this norm: a flow's log-det can send one bad batch's gradient far
MAX_GRAD_NORM = 100.0
TEST_POINTS = 10_000       # fresh points of a named 2-D set that the checkpoint's test NLL uses
TEST_SEED_OFFSET = 10_007  # their seed, well away from the training points' own


def _diverged(what: str, value: float, step: int) -> TrainingDiverged:
    return TrainingDiverged(
        f"The {what} became {value} at step {step + 1}. Training stopped; the model keeps "
        f"the weights of step {step}. Try a smaller learning rate.")


def _optimise(flow, optimizer, loss: torch.Tensor, steps_done: int) -> float:
    """One Adam step on `loss`, refused (TrainingDiverged, weights untouched) when the loss
    or the gradient is not finite. Returns the loss."""
    value = float(loss.detach())
    if not math.isfinite(value):
        raise _diverged("loss", value, steps_done)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    norm = float(torch.nn.utils.clip_grad_norm_(flow.parameters(), MAX_GRAD_NORM))
    if not math.isfinite(norm):
        optimizer.zero_grad(set_to_none=True)
        raise _diverged("gradient norm", norm, steps_done)
    optimizer.step()
    return value


# ---------------------------------------------------------------------- 2-D
@dataclass(frozen=True)
class Flow2DTrainConfig:
    steps: int = 0                   # 0: until the job is closed (the panel's live training)
    batch_size: int = 256
    lr: float = 1e-3
    seed: int = 0
    progress_every_s: float = 0.1    # a Step at most this often (and after the last step)
    snapshot_every_s: float = 1.0    # weights for the live density and warped plane

    def __post_init__(self):
        for name, lo, hi in (("steps", 0, 10_000_000), ("batch_size", 1, 65_536)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer in {lo}..{hi:,}, not {v!r}")
        if not (math.isfinite(self.lr) and 0 < self.lr <= 1):
            raise ValueError(f"learning rate must be in (0, 1], not {self.lr}")
        for name in ("progress_every_s", "snapshot_every_s"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be ≥ 0, not {getattr(self, name)}")

    def to_dict(self) -> dict:
        return asdict(self)


class Flow2DTrainer(Trainer):
    """`dataset` (also `points`) is the N×2 training points; `data_name` what they are
    ("moons", "rings" or a file name), which the checkpoint records."""

    family = FAMILY

    def __init__(self, points, model_config: RealNVPConfig = RealNVPConfig(),
                 train_config: Flow2DTrainConfig = Flow2DTrainConfig(), device="cpu",
                 data_name: str = "custom"):
        if model_config.kind != "2d":
            raise ValueError(f"the 2-D trainer needs a kind='2d' flow, not {model_config.kind!r}")
        pts = check_points(points, "the training points")
        super().__init__(model_config, train_config, pts, device)
        self.data_name = data_name
        torch.manual_seed(train_config.seed)
        self.flow = build_flow(model_config)
        self.flow.set_standardisation(pts)
        self.flow.to(self.device)
        self.optimizer = torch.optim.Adam(self.flow.parameters(), lr=train_config.lr)
        self.recent_nll = float("nan")

    @property
    def points(self) -> np.ndarray:
        return self.dataset

    def data_identity(self) -> dict:
        return {"name": self.data_name, "points": len(self.points)}

    def state_numpy(self) -> dict[str, np.ndarray]:
        return state_to_numpy(self.flow)

    @torch.no_grad()
    def mean_nll(self, points: np.ndarray, batch: int = 20_000) -> float:
        """Mean −log p(x) in nats over `points`."""
        was = self.flow.training
        self.flow.eval()
        x = torch.from_numpy(np.asarray(points, np.float32)).to(self.device)
        total = sum(float(-self.flow.log_prob(x[i:i + batch]).sum())
                    for i in range(0, len(x), batch))
        self.flow.train(was)
        return total / max(1, len(x))

    def run(self, steps: int | None = None) -> Generator[object, None, TrainResult]:
        """Train for `steps` more steps (default: the config's; 0 there means until closed)."""
        cfg, dev = self.config, self.device
        steps = cfg.steps if steps is None else steps
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"steps must be an integer ≥ 0, not {steps!r}")
        data = torch.from_numpy(self.points).to(dev)
        n = len(data)
        rng = self.generator("batches", cfg.seed + 1, dev)
        per_epoch = max(1, math.ceil(n / cfg.batch_size))
        epochs = math.ceil(steps / per_epoch) if steps else 0
        first = self.steps_done
        yield Snapshot(self.steps_done, self.state_numpy())
        self.flow.train()
        busy, last_step_event, last_snapshot = 0.0, -math.inf, 0.0
        epoch_sum, epoch_count, window = 0.0, 0, []
        while not steps or self.steps_done - first < steps:
            t0 = time.perf_counter()
            x = data[torch.randint(0, n, (cfg.batch_size,), generator=rng, device=dev)]
            loss = -self.flow.log_prob(x).mean()
            value = _optimise(self.flow, self.optimizer, loss, self.steps_done)
            self.steps_done += 1
            window = (window + [value])[-50:]
            self.recent_nll = float(np.mean(window))
            epoch_sum, epoch_count = epoch_sum + value, epoch_count + 1
            busy += time.perf_counter() - t0
            done = self.steps_done - first
            last = bool(steps) and done == steps
            epoch = (done - 1) // per_epoch + 1
            if last or busy - last_step_event >= cfg.progress_every_s:
                last_step_event = busy
                yield Step(self.steps_done, first + steps if steps else 0, epoch, epochs,
                           {"nll": value}, busy, done * cfg.batch_size / max(busy, 1e-9))
            # an "epoch" is as many random batches as the points fill
            if done % per_epoch == 0 or last:
                yield EpochEnd(epoch, epochs, {"nll": epoch_sum / epoch_count}, {})
                epoch_sum, epoch_count = 0.0, 0
            if not last and busy - last_snapshot >= cfg.snapshot_every_s:
                last_snapshot = busy
                yield Snapshot(self.steps_done, self.state_numpy())
        yield Snapshot(self.steps_done, self.state_numpy())
        return TrainResult(self.steps_done, (self.steps_done - first) / per_epoch,
                           {"nll": self.recent_nll})

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        metrics = {"train_nll_nats": self.mean_nll(self.points)}
        scope = f"the {len(self.points):,} training points"
        if self.data_name in DATASETS:
            test = make_points(self.data_name, TEST_POINTS, self.config.seed + TEST_SEED_OFFSET)
            metrics["test_nll_nats"] = self.mean_nll(test)
            scope += f" and {TEST_POINTS:,} fresh {self.data_name} points"
        return {"family": self.family, "config": self.model_config.to_dict(),
                "training": self.config.to_dict(), "data": self.data_name,
                "points": len(self.points), "steps": int(self.steps_done),
                "stopped_early": bool(result.stopped_early) if result else False,
                "metrics": metrics, "metrics_scope": scope}


# ---------------------------------------------------------------------- images
@dataclass(frozen=True)
class FlowImageTrainConfig:
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    epoch_test_images: int = 1000    # held-out images behind the per-epoch test bits/dim
    snapshot_every_s: float = 30.0

    def __post_init__(self):
        check_run_settings(self)
        v = self.epoch_test_images
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"epoch_test_images must be an integer ≥ 1, not {v!r}")
        if not self.snapshot_every_s >= 0:
            raise ValueError(f"snapshot_every_s must be ≥ 0, not {self.snapshot_every_s}")

    def to_dict(self) -> dict:
        return asdict(self)


def image_levels(images: np.ndarray) -> torch.Tensor:
    """uint8 N×28×28 → float32 N×1×28×28 pixel levels 0…255 (dequantized per batch)."""
    return torch.from_numpy(np.asarray(images, np.float32)[:, None])


@torch.no_grad()
def mean_bpd(flow, levels: torch.Tensor, seed: int = 1234, batch: int = 500) -> float:
    """Mean bits/dim of N×1×28×28 pixel levels, dequantized with a fixed seed so runs compare."""
    was = flow.training
    flow.eval()
    gen = torch.Generator(device=levels.device).manual_seed(seed)
    total = 0.0
    for i in range(0, len(levels), batch):
        x = dequantize(levels[i:i + batch], gen)
        total += float(bits_per_dim(flow.log_prob(x)).sum())
    flow.train(was)
    return total / max(1, len(levels))


class FlowImageTrainer(ImageTrainer):
    """RealNVP on dequantized 28×28 digits, epochs over the dataset's training split; the
    losses are bits/dim (the optimised NLL, rescaled)."""

    family = FAMILY

    def __init__(self, model_config: RealNVPConfig, train_config: FlowImageTrainConfig,
                 dataset, device="auto", data_dir: str | None = None, download: bool = True):
        if model_config.kind != "image":
            raise ValueError(f"the image trainer needs a kind='image' flow, "
                             f"not {model_config.kind!r}")
        super().__init__(model_config, train_config, dataset, device, data_dir, download)
        self.flow = build_flow(model_config).to(self.device)
        self.optimizer = torch.optim.Adam(self.flow.parameters(), lr=train_config.lr)
        self.last_test_bpd = float("nan")

    def state_numpy(self) -> dict[str, np.ndarray]:
        return state_to_numpy(self.flow)

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev = self.config, self.device
        ds = yield from self.load_dataset()
        yield DatasetReady(ds.name, ds.classes, ds.source, ds.test.images[:0].copy(),
                           ds.test.labels[:0].copy(), ds.record())
        if len(ds.train) < MIN_TRAIN or len(ds.test) == 0:
            raise TooFewImages(f"{ds.source}: {len(ds.train)} training and {len(ds.test)} test "
                               f"image(s); a flow needs at least {MIN_TRAIN} to train on and "
                               "one to test.")
        train = image_levels(ds.train.images).to(dev)
        test = image_levels(ds.test.images[:cfg.epoch_test_images]).to(dev)
        n = len(train)
        per_epoch = math.ceil(n / cfg.batch_size)
        total = self.steps_done + per_epoch * cfg.epochs
        order = self.generator("order", cfg.seed + 1, dev)
        noise = self.generator("dequantize", cfg.seed + 2, dev)
        yield Snapshot(self.steps_done, self.state_numpy())
        self.flow.train()
        busy, last_snapshot, seen = 0.0, 0.0, 0
        for epoch in range(1, cfg.epochs + 1):
            perm = torch.randperm(n, generator=order, device=dev)
            sums, count = 0.0, 0
            for b in range(per_epoch):
                t0 = time.perf_counter()
                x = dequantize(train[perm[b * cfg.batch_size:(b + 1) * cfg.batch_size]], noise)
                # the mean NLL per dimension, in nats, of the [0, 1)-scaled data
                loss = -self.flow.log_prob(x).mean() / PIXELS
                value = _optimise(self.flow, self.optimizer, loss, self.steps_done)
                bpd = value / math.log(2) + 8          # see realnvp.bits_per_dim
                self.steps_done += 1
                seen += len(x)
                sums, count = sums + bpd * len(x), count + len(x)
                busy += time.perf_counter() - t0
                yield Step(self.steps_done, total, epoch, cfg.epochs, {"bpd": bpd}, busy,
                           seen / max(busy, 1e-9))
                if busy - last_snapshot >= cfg.snapshot_every_s:
                    last_snapshot = busy
                    yield Snapshot(self.steps_done, self.state_numpy())
            t0 = time.perf_counter()
            self.last_test_bpd = mean_bpd(self.flow, test)
            busy += time.perf_counter() - t0
            yield EpochEnd(epoch, cfg.epochs, {"bpd": sums / max(1, count)},
                           {"bpd": self.last_test_bpd}, len(test))
        yield Snapshot(self.steps_done, self.state_numpy())
        return TrainResult(self.steps_done, self.steps_done / per_epoch,
                           {"bpd": self.last_test_bpd})

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        ds = self.dataset
        test = image_levels(ds.test.images).to(self.device)
        return {**self.run_meta(result), "metrics": {"test_bpd": mean_bpd(self.flow, test)},
                "metrics_scope": f"all {len(ds.test):,} held-out images, dequantized once "
                                 "(seed 1234)"}
