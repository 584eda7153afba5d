"""Training NADE and PixelCNN by maximum likelihood on stochastically binarized images.

The loss is the mean negative log-likelihood in nats per image, −(1/B) Σ_b log p(x_b): for a
model with exact likelihood, minimising it is minimising KL(p_data ‖ p_model) up to the data's
entropy. Each batch is binarized afresh from its grey images (models/likelihood/binarize.py)
by the trainer's "binarize" generator, so every epoch sees a new draw and a run (or a resumed
run) is reproducible; the test set is binarized once, with binarize.TEST_SEED.

Per epoch the test NLL is on the first `epoch_test_points` held-out images (EpochEnd says how
many); the checkpoint's figure is on all of them. Adam; a NaN or infinite loss stops training
with TrainingDiverged before any weight changes. train_parts() makes runs resumable and
trainable under torchrun, as the autoencoder's.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch
import torch.nn.functional as F

from ..data import MIN_TRAIN, TooFewImages
from ..distributed import check_batch, check_step, epoch_indices, wrap
from ..events import DatasetReady, EpochEnd, Snapshot, Step, TrainResult
from ..train_state import Parts, position
from ..trainer import ImageTrainer, TrainingDiverged, check_run_settings, state_to_numpy  # noqa: F401
from .binarize import TEST_SEED, binarize_fixed, binarize_torch, intensities
from .nade import NADEConfig, build_nade
from .pixelcnn import PixelCNNConfig, build_pixelcnn


@dataclass(frozen=True)
class LikelihoodTrainConfig:
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    epoch_test_points: int = 1000    # held-out images behind the per-epoch test NLL, at most
    snapshot_every_s: float = 10.0   # weights for the live panel, in seconds of training

    def __post_init__(self):
        check_run_settings(self)
        if self.epoch_test_points < 1:
            raise ValueError(f"epoch test points must be ≥ 1, not {self.epoch_test_points}")

    def to_dict(self) -> dict:
        return asdict(self)


def nll_per_image(module, x: torch.Tensor) -> torch.Tensor:
    """−log p(x) per image in nats: the sum over pixels of the Bernoulli cross-entropy of x_i
    against p(x_i = 1 | x_<i)."""
    logits = module(x)        # forward: a DDP view must be called, not asked for .logits
    return F.binary_cross_entropy_with_logits(logits, x.reshape(logits.shape),
                                              reduction="none").flatten(1).sum(1)


@torch.no_grad()
def mean_nll(module, x: torch.Tensor, batch_size: int = 100) -> float:
    """Mean −log p(x) in nats over binary images x (N×1×S×S), in eval mode."""
    was = module.training
    module.eval()
    total = sum(float(nll_per_image(module, x[i:i + batch_size]).sum())
                for i in range(0, len(x), batch_size))
    module.train(was)
    return total / max(1, len(x))


class LikelihoodTrainer(ImageTrainer):
    """Owns a model and Adam; `run()` is the job. Subclasses set `family` and `build`."""

    build = None

    def __init__(self, model_config, train_config: LikelihoodTrainConfig, dataset,
                 device="auto", data_dir=None, download=True):
        super().__init__(model_config, train_config, dataset, device, data_dir, download)
        self.model = type(self).build(model_config).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=train_config.lr)
        self.last_test_nll = math.nan
        self.last_test_images = 0

    def state_numpy(self) -> dict[str, np.ndarray]:
        return state_to_numpy(self.model)

    def train_parts(self) -> Parts:
        return Parts({"model": self.model}, {"adam": self.optimizer},
                     dict(getattr(self, "generators", {})))

    def _test_set(self) -> torch.Tensor:
        s = self.model_config.size
        x = binarize_fixed(self.dataset.test.images, TEST_SEED).astype(np.float32)
        return torch.from_numpy(x.reshape(len(x), 1, s, s)).to(self.device)

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev, d = self.config, self.device, self.dist
        ds = yield from self.load_dataset()
        yield DatasetReady(ds.name, ds.classes, ds.source, ds.test.images[:0].copy(),
                           ds.test.labels[:0].copy(), ds.record())
        s = self.model_config.size
        if ds.train.images.shape[1:] != (s, s):
            raise ValueError(f"{ds.name} holds {ds.train.images.shape[1]}×"
                             f"{ds.train.images.shape[2]} images; this model is {s}×{s}")
        if len(ds.train) < MIN_TRAIN or len(ds.test) == 0:
            held = f"{len(ds.train)} training and {len(ds.test)} test image(s)"
            raise TooFewImages(f"{ds.source}: {held}; training needs at least {MIN_TRAIN} to "
                               "train on and one to test.")
        grey = torch.from_numpy(intensities(ds.train.images)[:, None]).to(dev)
        test_x = self._test_set()
        epoch_test_x = test_x[:cfg.epoch_test_points]
        n = len(grey)
        per_rank = check_batch(cfg.batch_size, d)
        model = wrap(self.model, d)
        steps_per_epoch = math.ceil(n / cfg.batch_size)
        total = steps_per_epoch * cfg.epochs
        draws = self.generator("binarize", d.rank_seed(cfg.seed + 1), dev)
        first_epoch, first_b = position(self.steps_done, steps_per_epoch)
        pixels = s * s

        self.model.train()
        busy, images_seen, last_snapshot = 0.0, 0, 0.0
        yield Snapshot(self.steps_done, self.state_numpy())
        for epoch in range(first_epoch, cfg.epochs + 1):
            perm = epoch_indices(n, cfg.seed, epoch, d, dev)
            total_nll, counted = 0.0, 0
            for b in range(first_b if epoch == first_epoch else 0, steps_per_epoch):
                t0 = time.perf_counter()
                x = binarize_torch(grey[perm[b * per_rank:(b + 1) * per_rank]], draws)
                loss = nll_per_image(model, x).mean()
                nll = float(loss.detach())
                check_step(d, [nll],
                           f"The NLL became {nll} at step {self.steps_done + 1} (epoch {epoch}). "
                           f"Training stopped; the model keeps the weights of step "
                           f"{self.steps_done}. Try a smaller learning rate.",
                           self.steps_done + 1)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                self.steps_done += 1
                images_seen += len(x) * d.world_size
                total_nll += nll * len(x)
                counted += len(x)
                busy += time.perf_counter() - t0
                yield Step(self.steps_done, total, epoch, cfg.epochs,
                           {"nll": nll, "bits_per_dim": nll / (pixels * math.log(2))}, busy,
                           images_seen / max(busy, 1e-9))
                if d.is_main and busy - last_snapshot >= cfg.snapshot_every_s:
                    last_snapshot = busy
                    yield Snapshot(self.steps_done, self.state_numpy())
            t0 = time.perf_counter()
            self.last_test_nll = mean_nll(self.model, epoch_test_x)
            self.last_test_images = len(epoch_test_x)
            busy += time.perf_counter() - t0
            train = total_nll / max(1, counted)
            yield EpochEnd(epoch, cfg.epochs,
                           {"nll": train, "bits_per_dim": train / (pixels * math.log(2))},
                           {"nll": self.last_test_nll,
                            "bits_per_dim": self.last_test_nll / (pixels * math.log(2))},
                           self.last_test_images)
        if d.is_main:
            yield Snapshot(self.steps_done, self.state_numpy())
        return TrainResult(self.steps_done, self.steps_done / steps_per_epoch,
                           {"nll": self.last_test_nll})

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        """Configs, data, and the test NLL on every held-out image (fixed binarization)."""
        s = self.model_config.size
        nll = mean_nll(self.model, self._test_set())
        return {**self.run_meta(result),
                "metrics": {"test_nll": nll, "test_bits_per_dim": nll / (s * s * math.log(2)),
                            "parameters": sum(p.numel() for p in self.model.parameters())},
                "metrics_scope": f"all {len(self.dataset.test):,} held-out images, binarized "
                                 f"once (seed {TEST_SEED}); nats per image"}


class NADETrainer(LikelihoodTrainer):
    family = "nade"
    build = staticmethod(build_nade)


class PixelCNNTrainer(LikelihoodTrainer):
    family = "pixelcnn"
    build = staticmethod(build_pixelcnn)


__all__ = ["LikelihoodTrainConfig", "NADETrainer", "PixelCNNTrainer", "NADEConfig",
           "PixelCNNConfig", "mean_nll", "nll_per_image"]
