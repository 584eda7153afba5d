"""The image GAN job: DCGAN, conditional DCGAN or WGAN-GP, with the lectures' tricks.

A step is k updates of D (each on a fresh real batch) and one of G. Alongside losses the job
yields samples from fixed noise, health figures (spread of G's outputs and the class
histogram under the project's classifier) and diagnoses when training goes wrong.
"""
from __future__ import annotations

import math
import time
import typing
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ..data import Dataset, to_float
from ..distributed import check_batch, check_step, epoch_indices, sync_batch_norm, wrap
from ..events import EpochEnd, Snapshot, Step, TrainResult
from ..live import LiveBudget
from ..train_state import Parts, position
from ..trainer import ImageTrainer, load_training_data, state_to_numpy, to_unit, whole_step
from .diagnostics import (
    Monitor,
    class_histogram,
    classes_covered,
    diversity_ratio,
    normalised_entropy,
    within_class_diversity,
)
from .losses import LabelTricks, check_loss, d_loss, d_outputs, d_targets, g_loss, gradient_penalty
from .nets import Discriminator, GANConfig, Generator

DEFAULT_CLASSIFIER = Path(__file__).resolve().parents[2] / "checkpoints" / "mnist-classifier"
HEALTH_COUNT = 500


@dataclass(frozen=True)
class GANSamples:
    """G's images for the job's fixed noise, N×28×28 in [0, 1]."""
    step: int
    images: np.ndarray
    labels: np.ndarray | None = None
    epoch_end: bool = False      # True for the samples taken as an epoch finished


@dataclass(frozen=True)
class Health:
    """How varied G's outputs are, on a fixed batch of z.

    diversity: their mean pairwise distance over that of real images (≈ 1 is healthy); for a
    conditional G, the same within each class, averaged over classes.
    class_hist: fractions per class under the classifier (None without one); entropy is its
    normalised entropy and covered the classes holding at least a quarter of a fair share.
    """
    step: int
    diversity: float
    class_hist: np.ndarray | None = None
    entropy: float = float("nan")
    covered: int = -1


@dataclass(frozen=True)
class GANTrainConfig:
    loss: str = "non-saturating"
    epochs: int = 20
    batch_size: int = 64
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    k_d: int = 1
    tricks: LabelTricks = field(default_factory=LabelTricks)
    gp_weight: float = 10.0
    seed: int = 0
    samples_every_s: float = 2.0
    health_every_s: float = 3.0
    snapshot_every_s: float = 4.0
    live_budget: float = 0.15
    sample_count: int = 64
    classifier: str | None = "auto"   # a classifier checkpoint for the class histogram, or None

    def __post_init__(self):
        check_loss(self.loss)
        if isinstance(self.tricks, dict):
            object.__setattr__(self, "tricks", LabelTricks(**self.tricks))
        if not 1 <= self.epochs <= 10_000:
            raise ValueError(f"epochs must be in 1..10000, not {self.epochs}")
        # G's BatchNorm cannot normalise a batch of one
        if not 2 <= self.batch_size <= 65_536:
            raise ValueError(f"batch size must be in 2..65536, not {self.batch_size}")
        for name in ("lr_g", "lr_d"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value <= 1):
                raise ValueError(f"{name} must be in (0, 1], not {value}")
        if not (isinstance(self.k_d, int) and 1 <= self.k_d <= 50):
            raise ValueError(f"D steps per G step must be in 1..50, not {self.k_d!r}")
        if not (math.isfinite(self.gp_weight) and self.gp_weight >= 0):
            raise ValueError(f"gradient-penalty weight must be ≥ 0, not {self.gp_weight}")
        if not 1 <= self.sample_count <= 1024:
            raise ValueError(f"sample count must be in 1..1024, not {self.sample_count}")
        if not (self.samples_every_s >= 0 and self.health_every_s >= 0 and self.snapshot_every_s >= 0):
            raise ValueError("live intervals must be ≥ 0 seconds")

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def betas(self) -> tuple[float, float]:
        # Radford et al.'s β₁ = 0.5 for DCGAN; Gulrajani et al.'s (0, 0.9) for WGAN-GP
        return (0.0, 0.9) if self.loss == "wgan-gp" else (0.5, 0.999)


def chunk_bounds(n: int, per_step: int) -> list[tuple[int, int]]:
    """(start, end) of each step's images in an epoch's order. A single image left over
    joins the step before it: BatchNorm cannot normalise a batch of one image (it would
    raise at the end of the epoch and lose the run)."""
    starts = list(range(0, n, per_step)) or [0]
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [(s, starts[i + 1] if i + 1 < len(starts) else n) for i, s in enumerate(starts)]


def batches(chunk: torch.Tensor, size: int) -> list[torch.Tensor]:
    """A step's images in D batches of `size`; a last batch of one joins the one before."""
    parts = list(chunk.split(size))
    if len(parts) > 1 and len(parts[-1]) == 1:
        parts[-2:] = [torch.cat(parts[-2:])]
    return parts


def _init_weights(module: torch.nn.Module) -> None:
    # DCGAN's N(0, 0.02) initialisation
    for m in module.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
            torch.nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)
        elif isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            torch.nn.init.normal_(m.weight, 1.0, 0.02)
            torch.nn.init.zeros_(m.bias)


class GANTrainer(ImageTrainer):
    """Trains G and D; Snapshots and checkpoints carry G's weights only (sampling needs no D)."""

    family = "gan"

    def __init__(self, model_config: GANConfig, train_config: GANTrainConfig,
                 dataset: Dataset | str, device: str | torch.device = "auto",
                 data_dir: str | None = None, download: bool = True):
        super().__init__(model_config, train_config, dataset, device, data_dir, download)
        self.G = Generator(model_config).to(self.device)
        self.D = Discriminator(model_config).to(self.device)
        _init_weights(self.G)
        _init_weights(self.D)
        betas = train_config.betas
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=train_config.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=train_config.lr_d, betas=betas)
        self.monitor = Monitor(train_config.loss, train_config.tricks)
        self.last_health: Health | None = None

    def train_parts(self) -> Parts:
        return Parts({"G": self.G, "D": self.D}, {"adam_g": self.opt_g, "adam_d": self.opt_d},
                     dict(getattr(self, "generators", {})))

    def state_numpy(self) -> dict[str, np.ndarray]:
        """A copy of G's weights. Only call it while `run()` is not executing."""
        return state_to_numpy(self.G)

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        meta = self.run_meta(result)
        per_epoch = getattr(self, "_steps_per_epoch", None)
        if per_epoch:
            meta["epochs"] = round(self.steps_done / per_epoch, 3)
        h = self.last_health
        meta["metrics"] = {} if h is None else {
            "diversity": h.diversity,
            **({"class_entropy": h.entropy, "classes_covered": h.covered}
               if h.class_hist is not None else {})}
        meta["weights"] = "generator"
        return meta

    def _classifier(self):
        spec = self.config.classifier
        ds = self.dataset
        if spec is None or spec == "none":
            return None
        if spec == "auto":
            # the shipped classifier knows digits only
            if not (ds.name == "mnist" and DEFAULT_CLASSIFIER.is_dir()):
                return None
            spec = str(DEFAULT_CLASSIFIER)
        from ..checkpoint import load_checkpoint
        model = load_checkpoint(spec)
        return model if getattr(model, "family", None) == "classifier" else None

    def run(self) -> typing.Generator[object, None, TrainResult]:
        cfg, dev, mc = self.config, self.device, self.model_config
        train_x, train_y = yield from load_training_data(self, mc.num_classes)
        ds, n = self.dataset, len(train_x)
        classifier = self._classifier()
        d = self.dist
        self._per_rank = check_batch(cfg.batch_size, d)      # this process's share of a batch
        # on CUDA batch norm sees the global batch (SyncBatchNorm); Gloo keeps it per rank
        self.G, self.D = sync_batch_norm(self.G, d), sync_batch_norm(self.D, d)
        # the DDP views live only as long as this job: one left on the trainer would keep the
        # process group's threads alive until the interpreter's exit, which then aborts
        nets = wrap(self.G, d), wrap(self.D, d)
        d.seed_global_rng(cfg.seed)
        # this rank's images per epoch: n, or its share (DistributedSampler pads to equal shares)
        m = len(epoch_indices(n, cfg.seed, 1, d))
        bounds = chunk_bounds(m, self._per_rank * cfg.k_d)
        steps_per_epoch = len(bounds)
        total = steps_per_epoch * cfg.epochs
        self._steps_per_epoch = steps_per_epoch
        first_epoch, first_b = position(self.steps_done, steps_per_epoch)
        # z, label tricks and the penalty's α: each rank draws its own
        rng = self.generator("noise", d.rank_seed(cfg.seed + 1), dev)
        fixed = torch.Generator().manual_seed(cfg.seed + 2)
        k = mc.num_classes or 1
        sample_z = torch.randn((cfg.sample_count, mc.noise_dim), generator=fixed).to(dev)
        sample_y = (torch.arange(cfg.sample_count) % k).to(dev) if mc.conditional else None
        health_z = torch.randn((HEALTH_COUNT, mc.noise_dim), generator=fixed).to(dev)
        health_y = (torch.arange(HEALTH_COUNT) % k).to(dev) if mc.conditional else None
        ref_split = ds.test if len(ds.test) else ds.train
        real_ref = (to_float(ref_split.images[:HEALTH_COUNT]), ref_split.labels[:HEALTH_COUNT])

        live = LiveBudget({"samples": cfg.samples_every_s, "health": cfg.health_every_s,
                           "snapshot": cfg.snapshot_every_s}, cfg.live_budget)
        seen = 0

        samples = lambda end=False: [self._samples(sample_z, sample_y, end)]  # noqa: E731
        health = lambda: self._health(health_z, health_y, real_ref, classifier)  # noqa: E731
        snapshot = lambda: [Snapshot(self.steps_done, self.state_numpy())]  # noqa: E731
        for kind, make in (("samples", samples), ("snapshot", snapshot)):
            yield from live.timed(kind, make)
        for epoch in range(first_epoch, cfg.epochs + 1):
            # this rank's share of the epoch's order (all of it in one process)
            perm = epoch_indices(n, cfg.seed, epoch, d, dev)
            sums = {"D": 0.0, "G": 0.0}
            for b in range(first_b if epoch == first_epoch else 0, steps_per_epoch):
                t0 = time.perf_counter()
                chunk = perm[bounds[b][0]:bounds[b][1]]
                with whole_step(self.G, self.D):     # a NaN in G's turn undoes D's too
                    values = self._step(train_x, train_y, chunk, rng, nets)
                self.steps_done += 1
                seen += len(chunk) * d.world_size
                sums["D"] += values["D"]
                sums["G"] += values["G"]
                live.add(time.perf_counter() - t0)
                yield Step(self.steps_done, total, epoch, cfg.epochs, values, live.busy,
                           seen / max(live.busy, 1e-9))
                if not d.is_main:
                    continue            # the other ranks only train: rank 0 shows progress
                yield from self.monitor.add_d_loss(self.steps_done, values["D"])
                for kind, make in (("samples", samples), ("health", health), ("snapshot", snapshot)):
                    if live.due(kind):
                        yield from live.timed(kind, make)
            yield from live.timed("samples", lambda: samples(True))
            yield EpochEnd(epoch, cfg.epochs, {k: v / steps_per_epoch for k, v in sums.items()}, {})
        yield from live.timed("health", health)
        yield from live.timed("snapshot", snapshot)
        return TrainResult(self.steps_done, self.steps_done / steps_per_epoch)

    def _step(self, train_x, train_y, chunk, rng, nets=None) -> dict[str, float]:
        """One step: k_d updates of D, then one of G. In a distributed run the D and G forwards
        whose gradients are averaged go through the DDP wrappers (`nets`: G's, D's); the
        rest use the bare modules, whose gradients DDP does not wait for."""
        cfg, mc, dev, d = self.config, self.model_config, self.device, self.dist
        per_rank = getattr(self, "_per_rank", cfg.batch_size)
        ddp_g, ddp_d = nets or (self.G, self.D)
        self.G.train()
        self.D.train()
        gp_value = 0.0
        for i, part in enumerate(batches(chunk, per_rank)):
            x, y = train_x[part], train_y[part] if mc.conditional else None
            z = torch.randn((len(x), mc.noise_dim), generator=rng, device=dev)
            with torch.no_grad():
                fake = self.G(z, y)
            real_logits, fake_logits = ddp_d(x, y), ddp_d(fake, y)
            real_t, fake_t = d_targets(len(x), cfg.tricks, rng, dev)
            loss_d = d_loss(real_logits, fake_logits, cfg.loss, real_t, fake_t)
            if cfg.loss == "wgan-gp" and cfg.gp_weight > 0:
                # autograd.grad(create_graph=True) does not go through DDP: the penalty uses
                # the bare D, and its gradient joins the same backward as the DDP forwards
                # above, so DDP averages the sum (every parameter's hook fires once)
                gp = gradient_penalty(lambda v: self.D(v, y), x, fake, rng)
                gp_value = float(gp.detach())
                loss_d = loss_d + cfg.gp_weight * gp
            value_d = float(loss_d.detach())
            # every rank learns of a NaN (or a stop, before D's first update) on any rank
            check_step(d, [value_d], f"D's loss became {value_d} at step {self.steps_done + 1}. "
                       "Training stopped. Try smaller learning rates.", self.steps_done + 1,
                       can_stop=i == 0)
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
        d_x, d_gz = d_outputs(real_logits, cfg.loss), d_outputs(fake_logits, cfg.loss)
        y = train_y[chunk[torch.randint(0, len(chunk), (per_rank,), generator=rng, device=dev)]] \
            if mc.conditional else None
        z = torch.randn((per_rank, mc.noise_dim), generator=rng, device=dev)
        # G's gradient through the bare D: D's parameters get gradients no optimiser step uses
        # (opt_d clears them first), and DDP does not average them for nothing
        loss_g = g_loss(self.D(ddp_g(z, y), y), cfg.loss)
        value_g = float(loss_g.detach())
        check_step(d, [value_g], f"G's loss became {value_g} at step {self.steps_done + 1}. "
                   "Training stopped. Try smaller learning rates.", self.steps_done + 1,
                   can_stop=False)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        values = {"D": value_d, "G": value_g, "D(x)": d_x, "D(G(z))": d_gz}
        if cfg.loss == "wgan-gp":
            values["GP"] = gp_value
        return values

    @torch.no_grad()
    def _samples(self, z, y, epoch_end: bool = False) -> GANSamples:
        self.G.eval()
        images = to_unit(self.G(z, y))
        return GANSamples(self.steps_done, images, None if y is None else y.cpu().numpy().copy(),
                          epoch_end)

    @torch.no_grad()
    def _health(self, z, y, real_ref, classifier) -> list:
        self.G.eval()
        images = to_unit(self.G(z, y))
        if y is None:
            div = diversity_ratio(images, real_ref[0])
        else:
            div = within_class_diversity(images, y.cpu().numpy(), *real_ref)
        hist, ent, cov = None, float("nan"), -1
        if classifier is not None:
            hist = class_histogram(classifier.predict(images), classifier.config.num_classes)
            ent, cov = normalised_entropy(hist), classes_covered(hist)
        self.last_health = Health(self.steps_done, div, hist, ent, cov)
        return [self.last_health, *self.monitor.add_health(self.steps_done, div, ent)]


def with_loss_defaults(config: GANTrainConfig) -> GANTrainConfig:
    """WGAN-GP's published settings (lr 1e-4, five critic steps) where the config kept DCGAN's."""
    if config.loss == "wgan-gp" and config.k_d == 1 and config.lr_d == config.lr_g == 2e-4:
        return replace(config, k_d=5, lr_d=1e-4, lr_g=1e-4)
    return config
