"""The pix2pix training job (the inference object, Pix2PixModel, is in api.py).

A step updates D once on (a, b) against (a, G(a)) with its loss halved, then G once on
G_GAN + λ·G_L1 (paper §3.3; Adam 2e-4, β₁ = 0.5). Inputs are one-hot class maps for the
procedural landscapes, or RGB images in [−1, 1] for a folder of A|B pairs.
"""
from __future__ import annotations

import math
import time
import typing
from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..distributed import check_batch, check_step, epoch_indices, sync_batch_norm, wrap
from ..events import EpochEnd, Snapshot, Status, Step, TrainResult
from ..live import LiveBudget
from ..train_state import Parts, position
from ..trainer import Trainer, state_to_numpy, whole_step
from .api import INPUTS, Pix2PixConfig, decode_rgb, encode_inputs, encode_rgb  # noqa: F401 (re-exported)
from .landscapes import LandscapeDataset, colourise
from .networks import PATCHES, UNetGenerator, build_discriminator, keep_dropout_on, patch_fits
from .objective import DEFAULT_LAMBDA, check_objective, d_terms, g_terms, uses_gan
from .paired import PairedDataError

MEMORY_BUDGET = 4 * 2**30      # bytes of training pairs held in memory
PROGRESS_S = 0.1


@dataclass(frozen=True)
class Pix2PixTrainConfig:
    objective: str = "l1+cgan"
    lam: float = DEFAULT_LAMBDA
    patch: int = 70
    epochs: int = 10
    batch_size: int = 8
    lr: float = 2e-4
    seed: int = 0
    preview_every_s: float = 2.0
    snapshot_every_s: float = 5.0
    live_budget: float = 0.1

    def __post_init__(self):
        check_objective(self.objective)
        if self.patch not in PATCHES:
            raise ValueError(f"patch must be one of {', '.join(map(str, PATCHES))}, not {self.patch}")
        if not (math.isfinite(self.lam) and self.lam >= 0):
            raise ValueError(f"λ must be a finite number ≥ 0, not {self.lam}")
        if not 1 <= self.epochs <= 10_000 or not 1 <= self.batch_size <= 4096:
            raise ValueError("epochs must be in 1..10000 and batch size in 1..4096")
        if not (math.isfinite(self.lr) and 0 < self.lr <= 1):
            raise ValueError(f"learning rate must be in (0, 1], not {self.lr}")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Pix2PixPreview:
    """Input (as colours), output and target, N×H×W×3 uint8."""
    step: int
    inputs: np.ndarray
    outputs: np.ndarray
    targets: np.ndarray


def _show_inputs(a: np.ndarray, config: Pix2PixConfig) -> np.ndarray:
    if config.input == "classes":
        return np.stack([colourise(m) for m in a])
    return np.asarray(a, np.uint8)


class Pix2PixTrainer(Trainer):
    """Trains G and D on pairs; Snapshots and checkpoints carry G's weights only.

    Its dataset (also named `pairs`) is a sequence of (a, b) arrays, or a number of
    procedural landscapes to render when the job starts."""

    family = "pix2pix"

    def __init__(self, model_config: Pix2PixConfig, train_config: Pix2PixTrainConfig,
                 pairs: typing.Sequence | int = 2000, device: str | torch.device = "auto"):
        super().__init__(model_config, train_config, pairs, device)
        if uses_gan(train_config.objective) and not patch_fits(train_config.patch, model_config.size):
            raise ValueError(f"a {train_config.patch}×{train_config.patch} PatchGAN has no output "
                             f"on {model_config.size}×{model_config.size} images: pick a smaller "
                             "patch or a larger size")
        n = pairs if isinstance(pairs, int) else len(pairs)
        if n < 1:
            raise ValueError("there are no training pairs: give at least one")
        per_pair = model_config.size ** 2 * (4 if model_config.input == "classes" else 6)
        if n * per_pair > MEMORY_BUDGET:
            raise ValueError(f"{n:,} pairs of {model_config.size}×{model_config.size} need "
                             f"{n * per_pair / 2**30:.1f} GiB of memory, over the "
                             f"{MEMORY_BUDGET / 2**30:.0f} GiB allowed: use at most "
                             f"{MEMORY_BUDGET // per_pair:,} pairs, or a smaller size")
        torch.manual_seed(train_config.seed)
        self.G = UNetGenerator(model_config.generator_config()).to(self.device)
        self.D = build_discriminator(train_config.patch, model_config.in_channels + 3).to(self.device)
        betas = (0.5, 0.999)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=train_config.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=train_config.lr, betas=betas)

    @property
    def pairs(self) -> typing.Sequence | int:
        return self.dataset

    def state_numpy(self) -> dict[str, np.ndarray]:
        """A copy of G's weights. Only call it while `run()` is not executing."""
        return state_to_numpy(self.G)

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        return {"family": self.family, "config": self.model_config.to_dict(),
                "training": self.config.to_dict(), "steps": self.steps_done,
                "stopped_early": bool(result.stopped_early) if result else False,
                "data": "landscapes" if isinstance(self.dataset, int) else "folder"}

    def data_identity(self) -> dict:
        # an int: that many procedural landscapes; otherwise a folder's pairs
        if isinstance(self.dataset, int):
            return {"name": "landscapes", "train_size": self.dataset}
        return {"name": "folder", "train_size": len(self.dataset)}

    def train_parts(self) -> Parts:
        return Parts({"G": self.G, "D": self.D}, {"adam_g": self.opt_g, "adam_d": self.opt_d},
                     dict(getattr(self, "generators", {})))

    def _prepare(self) -> typing.Generator[Status, None, tuple[np.ndarray, np.ndarray]]:
        """Render or read every pair once, with progress at least every PROGRESS_S: a 256-px
        landscape takes 0.2 s to render, and Stop acts at a yield. An unreadable file of a
        folder is skipped and reported; a set too large for memory is refused up front."""
        mc, pairs = self.model_config, self.pairs
        if isinstance(pairs, int):
            pairs = LandscapeDataset(pairs, mc.size, seed=self.config.seed)
        n = len(pairs)
        a_list, b_list, skipped = [], [], []
        shown = time.perf_counter()
        for i in range(n):
            try:
                a, b = pairs[i]
            except PairedDataError as exc:
                skipped.append(str(exc))
                continue
            a_list.append(a)
            b_list.append(b)
            if time.perf_counter() - shown > PROGRESS_S:
                shown = time.perf_counter()
                yield Status(f"Preparing the training pairs… {i + 1:,} of {n:,}", (i + 1) / n)
        if not a_list:
            reasons = "; ".join(skipped[:3]) or "there are none"
            raise PairedDataError(f"none of the {n:,} training pairs can be used: {reasons}")
        if skipped:
            yield Status(f"{len(a_list):,} pairs; skipped {len(skipped):,} that cannot be read, "
                         f"e.g. {skipped[0]}")
        return np.stack(a_list), np.stack(b_list)

    def run(self) -> typing.Generator[object, None, TrainResult]:
        cfg, mc, dev = self.config, self.model_config, self.device
        yield Status("Preparing the training pairs…", 0.0)
        a_all, b_all = yield from self._prepare()
        n = len(a_all)
        d = self.dist
        per_rank = check_batch(cfg.batch_size, d)      # this process's share of a batch
        # on CUDA batch norm sees the global batch (SyncBatchNorm); Gloo keeps it per rank
        self.G, self.D = sync_batch_norm(self.G, d), sync_batch_norm(self.D, d)
        # the DDP views live only as long as this job: one left on the trainer would keep the
        # process group's threads alive until the interpreter's exit, which then aborts
        nets = wrap(self.G, d), wrap(self.D, d)
        d.seed_global_rng(cfg.seed)
        steps_per_epoch = math.ceil(n / cfg.batch_size)
        total = steps_per_epoch * cfg.epochs
        first_epoch, first_b = position(self.steps_done, steps_per_epoch)
        show = np.arange(min(4, n))
        live = LiveBudget({"preview": cfg.preview_every_s, "snapshot": cfg.snapshot_every_s},
                          cfg.live_budget)
        preview = lambda: self._preview(a_all[show], b_all[show])  # noqa: E731
        snapshot = lambda: Snapshot(self.steps_done, self.state_numpy())  # noqa: E731
        yield live.timed("preview", preview)
        seen = 0
        for epoch in range(first_epoch, cfg.epochs + 1):
            # this rank's share of the epoch's order (all of it in one process)
            perm = epoch_indices(n, cfg.seed, epoch, d).numpy()
            sums = dict.fromkeys(("G_GAN", "G_L1", "D_real", "D_fake"), 0.0)
            counted = 0
            for s in range(first_b if epoch == first_epoch else 0, steps_per_epoch):
                t0 = time.perf_counter()
                idx = perm[s * per_rank:(s + 1) * per_rank]
                a = encode_inputs(a_all[idx], mc).to(dev)
                b = encode_rgb(b_all[idx]).to(dev)
                with whole_step(self.G, self.D):     # a NaN in G's turn undoes D's too
                    values = self._step(a, b, nets)
                self.steps_done += 1
                seen += len(idx) * d.world_size
                counted += 1
                for k in sums:
                    sums[k] += values[k]
                live.add(time.perf_counter() - t0)
                yield Step(self.steps_done, total, epoch, cfg.epochs, values, live.busy,
                           seen / max(live.busy, 1e-9))
                if not d.is_main:
                    continue            # the other ranks only train: rank 0 shows progress
                for kind, make in (("preview", preview), ("snapshot", snapshot)):
                    if live.due(kind):
                        yield live.timed(kind, make)
            yield EpochEnd(epoch, cfg.epochs, {k: v / max(1, counted) for k, v in sums.items()}, {})
        yield live.timed("preview", preview)
        yield live.timed("snapshot", snapshot)
        return TrainResult(self.steps_done, self.steps_done / steps_per_epoch)

    def _step(self, a: torch.Tensor, b: torch.Tensor, nets=None) -> dict[str, float]:
        """D's update, then G's. In a distributed run G's forward and D's go through the DDP
        wrappers (`nets`: G's, D's), whose gradients are averaged; G's loss reads the bare,
        frozen D."""
        cfg = self.config
        ddp_g, ddp_d = nets or (self.G, self.D)
        self.G.train()
        self.D.train()
        fake = ddp_g(a)
        d_values = {"D_real": 0.0, "D_fake": 0.0}
        gan = uses_gan(cfg.objective)
        if gan:
            d = d_terms(ddp_d, a, b, fake)
            self._check(d["D"], "D", can_stop=True)
            self.opt_d.zero_grad(set_to_none=True)
            d["D"].backward()
            self.opt_d.step()
            d_values = {"D_real": float(d["D_real"].detach()), "D_fake": float(d["D_fake"].detach())}
        self.D.requires_grad_(False)     # G's step must not leave gradients in D
        try:
            g = g_terms(self.D, a, b, fake, cfg.objective, cfg.lam)
            self._check(g["G"], "G", can_stop=not gan)
            self.opt_g.zero_grad(set_to_none=True)
            g["G"].backward()
            self.opt_g.step()
        finally:
            self.D.requires_grad_(True)
        return {"G_GAN": float(g["G_GAN"].detach()), "G_L1": float(g["G_L1"].detach()), **d_values}

    def _check(self, loss: torch.Tensor, who: str, can_stop: bool = False) -> None:
        """TrainingDiverged if this loss (or another rank's) is not finite; StopRequested if
        a rank was asked to stop and no update of this step has happened yet."""
        value = float(loss.detach())
        check_step(self.dist, [value], f"{who}'s loss became {value} at step "
                   f"{self.steps_done + 1}. Training stopped; try a smaller learning rate.",
                   self.steps_done + 1, can_stop)

    @torch.no_grad()
    def _preview(self, a: np.ndarray, b: np.ndarray) -> Pix2PixPreview:
        self.G.eval()
        keep_dropout_on(self.G)
        out = decode_rgb(self.G(encode_inputs(a, self.model_config).to(self.device)))
        return Pix2PixPreview(self.steps_done, _show_inputs(a, self.model_config), out,
                              np.asarray(b, np.uint8).copy())
