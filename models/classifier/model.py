"""A small MNIST classifier: the project's own feature extractor for Fréchet distances.

The Fréchet Inception Distance needs a network that has learnt what digits look like; an
ImageNet Inception is both a download and a poor judge of 28×28 strokes, so the project
trains and ships this CNN instead (conv32-pool-conv64-pool-fc128-fc10). Its 128 penultimate
activations are the features; its softmax scores guided samples' classes.

Distances computed with these features are comparable with each other, not with published
FIDs, which use Inception features.
"""
from __future__ import annotations

import math
import operator
import time
from dataclasses import asdict, dataclass
from typing import Callable, Generator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data import Dataset, to_float
from ..events import EpochEnd, Status, Step
from ..weights import WeightsMixin

# MNIST's pixel mean and standard deviation: centred inputs train faster with Adam.
_MEAN, _STD = 0.1307, 0.3081
_BATCH = 1024


@dataclass(frozen=True)
class ClassifierConfig:
    channels: tuple[int, int] = (32, 64)
    hidden: int = 128          # the feature dimension
    num_classes: int = 10
    dropout: float = 0.25

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))
        try:
            for name in ("hidden", "num_classes"):
                value = getattr(self, name)
                if isinstance(value, bool):
                    raise TypeError
                object.__setattr__(self, name, operator.index(value))
            if len(self.channels) != 2 or any(isinstance(c, bool) for c in self.channels):
                raise TypeError
            object.__setattr__(self, "channels", tuple(operator.index(c) for c in self.channels))
        except TypeError:
            raise ValueError(f"channels, hidden and num_classes must be integers: {self}") from None
        if not all(1 <= c <= 1024 for c in self.channels):
            raise ValueError(f"channels must be in 1..1024, not {self.channels}")
        if not 2 <= self.hidden <= 4096:
            raise ValueError(f"hidden must be in 2..4096, not {self.hidden}")
        if not 2 <= self.num_classes <= 1000:
            raise ValueError(f"num_classes must be in 2..1000, not {self.num_classes}")
        if not (isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1):
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ClassifierConfig":
        return cls(**{k: d[k] for k in ("channels", "hidden", "num_classes", "dropout") if k in d})


class ClassifierNet(nn.Module):
    def __init__(self, config: ClassifierConfig):
        super().__init__()
        c1, c2 = config.channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)      # 28×28, pooled to 14×14
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)     # 14×14, pooled to 7×7
        self.fc1 = nn.Linear(c2 * 7 * 7, config.hidden)
        self.fc2 = nn.Linear(config.hidden, config.num_classes)
        self.dropout = nn.Dropout(config.dropout)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """N×1×28×28 in [0, 1] → N×hidden penultimate activations (after the ReLU)."""
        x = (x - _MEAN) / _STD
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.relu(self.fc1(x.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.dropout(self.features(x)))


# --------------------------------------------------------------------------- inference

class ClassifierModel(WeightsMixin):
    """Numpy in, numpy out: labels, class probabilities and features of N×28×28 images."""

    config_class = ClassifierConfig
    family = "classifier"

    build_module = ClassifierNet

    @property
    def classes(self) -> list[str]:
        names = self.meta.get("dataset", {}).get("classes")
        return list(names) if names else [str(i) for i in range(self.config.num_classes)]

    @property
    def feature_dim(self) -> int:
        return self.config.hidden

    @torch.inference_mode()
    def _batched(self, images, fn: Callable[[torch.Tensor], torch.Tensor], width: int) -> np.ndarray:
        x = to_float(images)
        out = [fn(torch.from_numpy(x[i:i + _BATCH, None]).to(self.device)).float().cpu().numpy()
               for i in range(0, len(x), _BATCH)]
        return np.concatenate(out) if out else np.zeros((0, width), np.float32)

    def logits(self, images) -> np.ndarray:
        """N×28×28 uint8 (0–255) or float (0–1) → N×classes logits."""
        self.module.eval()
        return self._batched(images, self.module, self.config.num_classes)

    def probs(self, images) -> np.ndarray:
        logits = self.logits(images)
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, images) -> np.ndarray:
        return self.logits(images).argmax(axis=1).astype(np.int64)

    def features(self, images) -> np.ndarray:
        """N×hidden penultimate activations, float32: the Fréchet distance's features."""
        self.module.eval()
        return self._batched(images, self.module.features, self.config.hidden)

    def accuracy(self, images, labels) -> float:
        labels = np.asarray(labels)
        return float((self.predict(images) == labels).mean()) if len(labels) else float("nan")


# --------------------------------------------------------------------------- training

@dataclass(frozen=True)
class ClassifierTrainConfig:
    epochs: int = 12
    batch_size: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    shift: int = 2             # random translations of up to ±shift pixels
    seed: int = 0

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        if not (isinstance(self.shift, int) and 0 <= self.shift <= 8):
            raise ValueError(f"shift must be an integer in 0..8, not {self.shift!r}")
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number ≥ 0, not {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)


def random_shift(x: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Translate each N×1×28×28 image by its own random offset in −shift..shift (zero fill)."""
    if shift == 0:
        return x
    n, _, h, w = x.shape
    padded = F.pad(x, (shift, shift, shift, shift))
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, :, None].expand(n, h, w)
    cols = (dx[:, None] + torch.arange(w))[:, None, :].expand(n, h, w)
    idx = (rows * (w + 2 * shift) + cols).reshape(n, 1, h * w).to(x.device)
    return padded.flatten(2).gather(2, idx).reshape(n, 1, h, w)


def train_classifier(dataset: Dataset, config: ClassifierConfig | None = None,
                     train_config: ClassifierTrainConfig | None = None, device: str = "cpu"
                     ) -> Generator[Status | Step | EpochEnd, None, ClassifierModel]:
    """Train on dataset.train, evaluate on dataset.test after every epoch.

    Yields Status, Step (losses={"loss"}) and EpochEnd (test_losses = {"loss", "accuracy"});
    returns a ClassifierModel whose meta holds the held-out metrics, ready to `.save`.
    """
    config = config or ClassifierConfig()
    tc = train_config or ClassifierTrainConfig()
    if len(dataset.train) == 0:
        raise ValueError("the training split is empty")
    torch.manual_seed(tc.seed)
    gen = torch.Generator().manual_seed(tc.seed)
    model = ClassifierModel(config, device=device)
    net = model.module
    x_train = torch.from_numpy(to_float(dataset.train.images))[:, None]
    y_train = torch.from_numpy(dataset.train.labels.astype(np.int64))
    opt = torch.optim.AdamW(net.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    per_epoch = math.ceil(len(y_train) / tc.batch_size)
    total = per_epoch * tc.epochs
    # One cosine decay over the whole run: the last epochs settle instead of bouncing.
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=tc.lr, total_steps=total,
                                                pct_start=0.15)
    yield Status(f"training a classifier on {len(y_train)} images for {tc.epochs} epochs")
    start, step, test = time.perf_counter(), 0, {}
    for epoch in range(1, tc.epochs + 1):
        net.train()
        order = torch.randperm(len(y_train), generator=gen)
        running, seen = 0.0, 0
        for b in range(per_epoch):
            idx = order[b * tc.batch_size:(b + 1) * tc.batch_size]
            x = random_shift(x_train[idx], tc.shift, gen).to(model.device)
            y = y_train[idx].to(model.device)
            loss = F.cross_entropy(net(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            value = loss.item()
            running += value * len(idx)
            seen += len(idx)
            elapsed = time.perf_counter() - start
            yield Step(step, total, epoch, tc.epochs, {"loss": value}, elapsed,
                       step * tc.batch_size / max(elapsed, 1e-9))
        net.eval()
        test = evaluate(model, dataset.test.images, dataset.test.labels)
        yield EpochEnd(epoch, tc.epochs, {"loss": running / max(seen, 1)}, test)
    model.meta = {
        "training": tc.to_dict(),
        "dataset": dataset.record(),
        "epochs": tc.epochs, "steps": step,
        "train_seconds": round(time.perf_counter() - start, 1),
        "metrics": {"test_accuracy": test.get("accuracy"), "test_loss": test.get("loss"),
                    "train_accuracy": model.accuracy(dataset.train.images, dataset.train.labels)},
    }
    return model


def evaluate(model: ClassifierModel, images, labels) -> dict[str, float]:
    """Mean cross-entropy and accuracy on a labelled set (nan for an empty one)."""
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) == 0:
        return {"loss": float("nan"), "accuracy": float("nan")}
    logits = torch.from_numpy(model.logits(images))
    loss = F.cross_entropy(logits, torch.from_numpy(labels)).item()
    acc = float((logits.argmax(1).numpy() == labels).mean())
    return {"loss": loss, "accuracy": acc}


def fit(dataset: Dataset, config: ClassifierConfig | None = None,
        train_config: ClassifierTrainConfig | None = None, device: str = "cpu",
        on_event: Callable[[object], None] | None = None) -> ClassifierModel:
    """Run `train_classifier` to the end, passing each event to `on_event`."""
    job = train_classifier(dataset, config, train_config, device)
    while True:
        try:
            event = next(job)
        except StopIteration as done:
            return done.value
        if on_event is not None:
            on_event(event)
