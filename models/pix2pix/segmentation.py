"""A small segmenter of landscape photos: the judge behind the FCN-score (fcn_score.py).

Isola et al. score generated images by how well an off-the-shelf semantic segmenter, trained
on real photos, recovers the label map they were made from. Here the "real photos" are
`render_photo` of procedural maps, so the project trains its own judge: a compact fully
convolutional net (two stride-2 levels, about 120k weights at width 16) that maps N×H×W×3
uint8 to N×K×H×W logits; 5 epochs of 2,000 photos (315 steps) reach about 99.7 % pixel
and per-class accuracy on held-out ones in a little over a minute on one CPU core.

Its input gets one extra channel, the row position in [−1, 1]: water mirrors the sky and the
mountains above it, so colour alone cannot tell a reflection from what it reflects, and the
net sees only about 40 pixels around each one.

    job = train_segmenter(size=64, pairs=2000, epochs=5)
    for event in job: ...            # Status, Step (losses={"loss"}), EpochEnd
    seg = <the generator's return value>; seg.predict(photos)  # N×H×W uint8
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checks import from_fields
from ..checkpoint import CheckpointError, open_checkpoint
from ..events import EpochEnd, Status, Step
from ..weights import WeightsMixin
from .landscapes import CLASSES, LandscapeDataset

# The benchmark keeps its seed ranges apart: generators train on seeds from 0, the
# segmenter on these, and evaluation uses a third range (see benchmarks/pix2pix_fcn.py).
SEGMENTER_SEED = 1_000_000
_BATCH = 256


@dataclass(frozen=True)
class SegmenterConfig:
    num_classes: int = len(CLASSES)
    width: int = 16          # channels at full resolution; ×2 and ×4 after each pooling
    size: int = 64           # the photos it was trained on (it runs on any multiple of 4)

    def __post_init__(self):
        for name in ("num_classes", "width", "size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"{name} must be an integer, not {v!r}")
        if not 2 <= self.num_classes <= 256:
            raise ValueError(f"num_classes must be in 2..256, not {self.num_classes}")
        if not 4 <= self.width <= 256:
            raise ValueError(f"width must be in 4..256, not {self.width}")
        if self.size < 8 or self.size % 4:
            raise ValueError(f"size must be a multiple of 4, at least 8, not {self.size}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SegmenterConfig":
        return from_fields(cls, d)


def _cbr(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation,
                                   bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SegmenterNet(nn.Module):
    """Strided convs down to a quarter of the side, then back up, adding each level's
    features (a feature pyramid rather than a U-Net's concatenation: half the arithmetic at
    full resolution, and the same accuracy here)."""

    def __init__(self, config: SegmenterConfig):
        super().__init__()
        w = config.width
        self.stem = _cbr(4, w)
        self.down1 = nn.Sequential(_cbr(w, 2 * w, 2), _cbr(2 * w, 2 * w))
        # the dilated conv widens the view at little cost: about 40 px at the bottom level
        self.down2 = nn.Sequential(_cbr(2 * w, 4 * w, 2), _cbr(4 * w, 4 * w), _cbr(4 * w, 4 * w, 1, 2))
        self.lat2, self.fuse2 = nn.Conv2d(4 * w, 2 * w, 1), _cbr(2 * w, 2 * w)
        self.lat1, self.fuse1 = nn.Conv2d(2 * w, w, 1), _cbr(w, w)
        self.head = nn.Conv2d(w, config.num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """N×3×H×W in [−1, 1] (H, W multiples of 4) → N×K×H×W logits."""
        n, _, h, w = x.shape
        rows = torch.linspace(-1, 1, h, device=x.device, dtype=x.dtype)
        x = torch.cat([x, rows.view(1, 1, h, 1).expand(n, 1, h, w)], 1)
        e1 = self.stem(x)
        e2 = self.down1(e1)
        m = self.down2(e2)
        up = lambda t: F.interpolate(t, scale_factor=2, mode="bilinear", align_corners=False)  # noqa: E731
        d2 = self.fuse2(up(self.lat2(m)) + e2)
        return self.head(self.fuse1(up(self.lat1(d2)) + e1))


def encode_photos(images) -> torch.Tensor:
    """N×H×W×3 uint8 → N×3×H×W float in [−1, 1]; ValueError on anything else."""
    x = np.asarray(images)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"give N×H×W×3 RGB images, not shape {x.shape}")
    if x.shape[1] % 4 or x.shape[2] % 4:
        raise ValueError(f"image sides must be multiples of 4, not {x.shape[2]}×{x.shape[1]}")
    if x.dtype != np.uint8:
        raise ValueError(f"give uint8 images (0–255), not {x.dtype}")
    return torch.from_numpy(x).permute(0, 3, 1, 2).float().div_(127.5).sub_(1)


class Segmenter(WeightsMixin):
    """Photos in, class maps out: `predict(images)` → N×H×W uint8, batched, eval mode."""
    config_class = SegmenterConfig
    family = "segmenter"

    build_module = SegmenterNet

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    @torch.no_grad()
    def logits(self, images) -> np.ndarray:
        """N×H×W×3 uint8 → N×K×H×W float32."""
        x = encode_photos(images)
        self.module.eval()
        out = [self.module(x[i:i + _BATCH].to(self.device)).float().cpu().numpy()
               for i in range(0, len(x), _BATCH)]
        k, (h, w) = self.num_classes, x.shape[2:]
        return np.concatenate(out) if out else np.zeros((0, k, h, w), np.float32)

    @torch.no_grad()
    def predict(self, images) -> np.ndarray:
        x = encode_photos(images)
        self.module.eval()
        out = [self.module(x[i:i + _BATCH].to(self.device)).argmax(1).to(torch.uint8).cpu().numpy()
               for i in range(0, len(x), _BATCH)]
        return np.concatenate(out) if out else np.zeros((0, *x.shape[2:]), np.uint8)

    def pixel_accuracy(self, images, label_maps) -> float:
        truth = np.asarray(label_maps)
        return float((self.predict(images) == truth).mean()) if truth.size else float("nan")


def load_segmenter(path: str | os.PathLike, device: str = "cpu") -> Segmenter:
    """A segmenter saved with `Segmenter.save`; CheckpointError if it is anything else."""
    weights, tensors, meta = open_checkpoint(path)
    if meta.get("family") != Segmenter.family:
        raise CheckpointError(f"{path}: a {meta.get('family')!r} checkpoint, not a segmenter.")
    return Segmenter.from_checkpoint(weights, tensors, meta, source=str(path), device=device)


def _flip(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Mirror a random half of the batch left–right: the light comes from the left in every
    rendered photo, and the judge should not lean on that."""
    m = torch.rand(len(x), generator=gen) < 0.5
    x, y = x.clone(), y.clone()
    x[m], y[m] = x[m].flip(-1), y[m].flip(-1)
    return x, y


def train_segmenter(size: int = 64, pairs: int = 2000, epochs: int = 5, seed: int = SEGMENTER_SEED,
                    device: str = "cpu", batch_size: int = 32, lr: float = 3e-3, width: int = 16,
                    val: int = 200) -> Generator[Status | Step | EpochEnd, None, Segmenter]:
    """Train on `pairs` rendered photos (LandscapeDataset(pairs, size, seed)); after each epoch,
    held-out loss and pixel accuracy on `val` more (the seeds right after the training ones).

    Yields Status, Step (losses={"loss"}) and EpochEnd (test_losses={"loss", "accuracy"});
    returns the Segmenter, its meta holding the settings and the final held-out accuracy."""
    if pairs < 1 or epochs < 1 or batch_size < 1 or val < 0:
        raise ValueError(f"need pairs, epochs and batch size ≥ 1 and val ≥ 0, got "
                         f"pairs={pairs}, epochs={epochs}, batch_size={batch_size}, val={val}")
    if not (math.isfinite(lr) and 0 < lr <= 1):
        raise ValueError(f"learning rate must be in (0, 1], not {lr}")
    config = SegmenterConfig(width=width, size=size)
    torch.manual_seed(seed % 2 ** 31)
    gen = torch.Generator().manual_seed(seed % 2 ** 31)
    seg = Segmenter(config, device=device)
    net = seg.module
    yield Status(f"Rendering {pairs + val} landscape photos for the segmenter…")
    maps, photos = LandscapeDataset(pairs + val, size, seed).batch(range(pairs + val))
    x_all, y_all = encode_photos(photos[:pairs]), torch.from_numpy(maps[:pairs].astype(np.int64))
    val_maps, val_photos = maps[pairs:], photos[pairs:]
    per_epoch = math.ceil(pairs / batch_size)
    total = per_epoch * epochs
    weights = class_weights(maps[:pairs], config.num_classes).to(seg.device)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    # one warm-up-then-cosine cycle: short runs still end on a small step size
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total, pct_start=0.2)
    start, step, test = time.perf_counter(), 0, {}
    for epoch in range(1, epochs + 1):
        net.train()
        order = torch.randperm(pairs, generator=gen)
        running = 0.0
        for b in range(per_epoch):
            idx = order[b * batch_size:(b + 1) * batch_size]
            x, y = _flip(x_all[idx], y_all[idx], gen)
            loss = F.cross_entropy(net(x.to(seg.device)), y.to(seg.device), weight=weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            value = loss.item()
            if not math.isfinite(value):
                raise ValueError(f"the segmenter's loss became {value} at step {step}; "
                                 "try a smaller learning rate")
            running += value
            elapsed = time.perf_counter() - start
            yield Step(step, total, epoch, epochs, {"loss": value}, elapsed,
                       min(step * batch_size, epoch * pairs) / max(elapsed, 1e-9))
        test = _evaluate(seg, val_photos, val_maps)
        yield EpochEnd(epoch, epochs, {"loss": running / per_epoch}, test)
    seg.meta = {"training": {"pairs": pairs, "epochs": epochs, "seed": seed, "batch_size": batch_size,
                             "lr": lr, "val": val, "data": "landscapes",
                             "class_weights": "sqrt median frequency"},
                "steps": step, "train_seconds": round(time.perf_counter() - start, 1),
                "metrics": {"val_accuracy": test.get("accuracy"), "val_loss": test.get("loss")}}
    return seg


def class_weights(maps: np.ndarray, num_classes: int) -> torch.Tensor:
    """sqrt(median frequency / frequency) per class, within [0.25, 4]. Rocks cover under 1 %
    of the pixels; unweighted, the segmenter never learns them, and the FCN-score's
    per-class figures would measure that blind spot rather than the generator."""
    freq = np.bincount(np.asarray(maps).ravel(), minlength=num_classes)[:num_classes].astype(np.float64)
    seen = freq > 0
    if not seen.any():
        return torch.ones(num_classes)
    freq /= freq.sum()
    w = np.ones(num_classes)
    w[seen] = np.sqrt(np.median(freq[seen]) / freq[seen])
    return torch.from_numpy(np.clip(w, 0.25, 4.0).astype(np.float32))


def _evaluate(seg: Segmenter, photos: np.ndarray, maps: np.ndarray) -> dict[str, float]:
    if len(maps) == 0:
        return {"loss": float("nan"), "accuracy": float("nan")}
    logits = torch.from_numpy(seg.logits(photos))
    truth = torch.from_numpy(maps.astype(np.int64))
    return {"loss": F.cross_entropy(logits, truth).item(),
            "accuracy": float((logits.argmax(1) == truth).float().mean())}


def fit_segmenter(**kwargs) -> Segmenter:
    """Run `train_segmenter(**kwargs)` to the end, ignoring its events."""
    job = train_segmenter(**kwargs)
    while True:
        try:
            next(job)
        except StopIteration as done:
            return done.value
