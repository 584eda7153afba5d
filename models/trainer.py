"""The one contract every trainer keeps, and what the image trainers share.

A trainer owns its networks and optimisers; `run()` is the training job, a generator of the
events in models/events.py (Step after every optimiser step, EpochEnd, Snapshot carrying numpy
weights, and the family's own preview events) that returns a TrainResult. Whoever drives it
(the GUI worker, the command line, a test) decides when to stop: closing the generator between
two steps leaves the trainer with the weights of the last finished step, so `checkpoint()`
still saves them.
"""
from __future__ import annotations

import math
from typing import Generator

import numpy as np
import torch

from .data import MIN_TRAIN, Dataset, TooFewImages, load_dataset, to_float
from .device import pick_device
from .distributed import SINGLE, Dist, batch_norm_mode
from .events import DatasetReady, Status, TrainResult
from .train_state import Resumable


class TrainingDiverged(Exception):
    """A loss became NaN or infinite. The model keeps the weights from before that step."""


class whole_step:
    """`with whole_step(*modules): ...` around one training step: if the step raises
    TrainingDiverged, every parameter and buffer of the modules is put back as it was when the
    step began. A step that updates one network before the next one's loss is checked (a
    GAN's D, then G), and any forward pass in training mode (batch norm's running statistics
    move before a loss is known), would otherwise leave a half-taken step behind. The copy
    costs one memcpy of the weights per step; the optimisers' moments are not put back (a
    stopped run is not resumed from a divergence)."""

    def __init__(self, *modules: torch.nn.Module):
        self.modules = modules

    def __enter__(self):
        self.kept = [[t.detach().clone() for t in (*m.parameters(), *m.buffers())]
                     for m in self.modules]
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        if kind is not None and issubclass(kind, TrainingDiverged):
            with torch.no_grad():
                for m, kept in zip(self.modules, self.kept):
                    for t, old in zip((*m.parameters(), *m.buffers()), kept):
                        t.copy_(old)
        self.kept = None
        return False


def state_to_numpy(model: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().to("cpu", copy=True).numpy() for k, v in model.state_dict().items()}


class Trainer(Resumable):
    """The shape every trainer has.

    `family` names the checkpoint family its weights load as (written into config.json);
    empty for a trainer whose weights are not a checkpoint of their own. `dist`, set before
    `run()`, makes it one rank of a torchrun job (models/distributed.py); a trainer that can
    train that way and resume lists its modules and optimisers in `train_parts()`
    (models/train_state.py).
    """

    family: str = ""
    dist: Dist = SINGLE

    def __init__(self, model_config, train_config, dataset=None,
                 device: str | torch.device = "auto"):
        self.model_config = model_config
        self.config = train_config
        self.dataset = dataset
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        self.steps_done = 0

    def run(self) -> Generator[object, None, TrainResult]:
        raise NotImplementedError

    def state_numpy(self) -> dict[str, np.ndarray]:
        """A copy of the weights a checkpoint stores. Only call it while `run()` is not
        executing (between two events is fine: the generator is suspended)."""
        raise NotImplementedError

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        """Everything a checkpoint records besides the weights."""
        raise NotImplementedError

    def run_identity(self) -> dict:
        """What must match for a saved run to continue in this one (--resume): model,
        training settings and data, not how far it got. A trainer whose data is not a
        Dataset says what its data is by overriding data_identity()."""
        out = {"config": self.model_config.to_dict(), "training": self.config.to_dict()}
        data = self.data_identity()
        if data is not None:
            out["dataset"] = data
        return out

    def data_identity(self) -> dict | None:
        ds = self.dataset
        if isinstance(ds, Dataset):
            return {"name": ds.name, "train_size": len(ds.train)}
        return None

    def checkpoint(self, result: TrainResult | None = None) -> tuple[dict[str, np.ndarray], dict]:
        """(weights, meta), ready for models.checkpoint.save_checkpoint. A trainer with
        train_parts() also records how many processes trained it, on what global batch, and
        what its batch norm saw (models.distributed.Dist.meta)."""
        meta = self.checkpoint_meta(result)
        if self.resumable:
            meta["distributed"] = self.dist.meta(
                self.config.batch_size,
                batch_norm_mode(self.train_parts().modules.values(), self.dist))
        return self.state_numpy(), meta


class ImageTrainer(Trainer):
    """A trainer of 28×28 images: the dataset is given, or named and then loaded when the
    job starts (so loading, and downloading, happen on the job's thread); the seed is set
    before the networks are built."""

    def __init__(self, model_config, train_config, dataset: Dataset | str,
                 device: str | torch.device = "auto", data_dir: str | None = None,
                 download: bool = True):
        super().__init__(model_config, train_config,
                         dataset if isinstance(dataset, Dataset) else None, device)
        self._dataset_spec = dataset if isinstance(dataset, str) else None
        self._data_dir, self._download = data_dir, download
        torch.manual_seed(train_config.seed)

    def load_dataset(self) -> Generator[object, None, Dataset]:
        """Load the dataset if it was named, saying so."""
        if self.dataset is None:
            yield Status(f"Loading {self._dataset_spec}…")
            self.dataset = load_dataset(self._dataset_spec, self._data_dir, download=self._download)
        return self.dataset

    def run_meta(self, result: TrainResult | None) -> dict:
        """What every image trainer's checkpoint records: configs, data, how far training got."""
        ds = self.dataset
        steps_per_epoch = math.ceil(len(ds.train) / self.config.batch_size)
        return {
            "family": self.family,
            "config": self.model_config.to_dict(),
            "training": self.config.to_dict(),
            "dataset": ds.record(),
            "epochs": round(self.steps_done / steps_per_epoch, 3),
            "steps": self.steps_done,
            "stopped_early": bool(result.stopped_early) if result else False,
        }


def check_run_settings(cfg) -> None:
    """The checks every image trainer's config makes of its epochs, batch size and learning
    rate (`cfg.epochs`, `cfg.batch_size`, `cfg.lr`); ValueError names the bad one."""
    if not 1 <= cfg.epochs <= 10_000:
        raise ValueError(f"epochs must be in 1..10000, not {cfg.epochs}")
    if not 1 <= cfg.batch_size <= 65_536:
        raise ValueError(f"batch size must be in 1..65536, not {cfg.batch_size}")
    if not (math.isfinite(cfg.lr) and 0 < cfg.lr <= 1):
        raise ValueError(f"learning rate must be in (0, 1], not {cfg.lr}")


def to_signed(images: np.ndarray) -> np.ndarray:
    """uint8 0–255 (or float 0–1) N×28×28 → float32 N×1×28×28 in [−1, 1]."""
    return (to_float(images) * 2 - 1)[:, None]


def to_unit(x: torch.Tensor) -> np.ndarray:
    """The inverse: N×1×28×28 tensors in [−1, 1] → N×28×28 float32 numpy in [0, 1]."""
    return ((x[:, 0].detach().float().clamp(-1, 1) + 1) / 2).cpu().numpy()


def load_training_data(trainer: ImageTrainer, num_classes: int) -> Generator[object, None, tuple]:
    """The first events of an image job that trains on [−1, 1] pixels (diffusion, GANs):
    load the trainer's dataset if it was named, check its classes fit a conditional model
    (num_classes > 0), announce it, and return the training images and labels as tensors
    on the trainer's device."""
    ds = yield from trainer.load_dataset()
    if num_classes and len(ds.classes) > num_classes:
        raise ValueError(f"{ds.name} has {len(ds.classes)} classes; the model has {num_classes}")
    yield DatasetReady(ds.name, ds.classes, ds.source, ds.test.images[:0].copy(),
                       ds.test.labels[:0].copy(), ds.record())
    if len(ds.train) < MIN_TRAIN:
        held = "the training split is empty" if len(ds.train) == 0 else \
            f"{len(ds.train)} training image"
        raise TooFewImages(f"{ds.source}: {held}; training needs at least {MIN_TRAIN} images.")
    x = torch.from_numpy(to_signed(ds.train.images)).to(trainer.device)
    y = torch.from_numpy(ds.train.labels.astype(np.int64)).to(trainer.device)
    return x, y
