"""The autoencoder training job: a generator that yields events after every optimiser step.

See models/trainer.py for the contract every trainer keeps.

Whoever drives it (the GUI worker, the CLI, a test) decides when to stop: closing the
generator between two steps leaves the model with the weights of the last finished step.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch

from ..data import MIN_TRAIN, Dataset, TooFewImages, to_float
from ..events import (CodeStats, DatasetReady, EpochEnd, LatentCodes, Preview, Snapshot, Step,
                      TrainResult)
from ..distributed import check_batch, check_step, epoch_indices, wrap
from ..train_state import Parts, position
from ..trainer import (ImageTrainer, TrainingDiverged,  # noqa: F401 (re-exported)
                       check_run_settings, state_to_numpy, whole_step)
from .nets import AEConfig, build_model, loss_terms
from .objectives import critic_loss, fool_loss
from .stats import code_stats


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    # Batch 64 and Adam 2e-3 (were 128 and 1e-3): twice the updates per epoch, each a larger
    # step. A short run on a few thousand images (what a new user tries) ended before the 2-D
    # codes had separated; benchmarks/vae2d_defaults.py measures the difference.
    batch_size: int = 64
    lr: float = 2e-3
    beta: float = 1.0
    seed: int = 0
    preview_every_s: float = 0.5     # reconstructions for the live grid
    snapshot_every_s: float = 1.5    # weights + latent codes for the live scatter
    eval_points: int = 2000          # held-out images encoded for the scatter
    epoch_test_points: int = 1000    # held-out images behind the per-epoch test loss, at most
    live_budget: float = 0.03        # share of compute that previews and snapshots may take
    preview_images: int = 8
    lam: float = 10.0                # the WAE's λ (the paper's 10 for MMD)
    free_bits: float = 0.0           # nats each latent dimension's KL counts as at least
    kl_warmup: int = 0               # steps over which β grows from 0 (0: no warm-up)

    def __post_init__(self):
        check_run_settings(self)
        if not 0 < self.live_budget <= 1:
            raise ValueError(f"live budget must be in (0, 1], not {self.live_budget}")
        if not (math.isfinite(self.beta) and 0 <= self.beta <= 1000):
            raise ValueError(f"β must be in [0, 1000], not {self.beta}")
        if not (math.isfinite(self.lam) and 0 <= self.lam <= 10_000):
            raise ValueError(f"λ must be in [0, 10000], not {self.lam}")
        if not (math.isfinite(self.free_bits) and 0 <= self.free_bits <= 100):
            raise ValueError(f"free bits must be in [0, 100] nats, not {self.free_bits}")
        if isinstance(self.kl_warmup, bool) or not isinstance(self.kl_warmup, int) \
                or not 0 <= self.kl_warmup <= 10_000_000:
            raise ValueError(f"KL warm-up must be a whole number of steps ≥ 0, not "
                             f"{self.kl_warmup!r}")

    def beta_at(self, step: int) -> float:
        """β at optimiser step `step` (1-based): the warm-up's linear ramp, then β."""
        if self.kl_warmup <= 0:
            return self.beta
        return self.beta * min(1.0, step / self.kl_warmup)

    def options(self) -> dict:
        """The loss options objectives.terms takes."""
        return {"free_bits": self.free_bits, "lam": self.lam}

    def to_dict(self) -> dict:
        return asdict(self)


@torch.no_grad()
def evaluate(model, images: torch.Tensor, beta: float, batch_size: int = 1000,
             seed: int = 1234, **options) -> dict[str, float]:
    """Per-image test losses; the VAE's sampled z uses a fixed seed so runs compare."""
    was_training = model.training
    model.eval()
    gen = torch.Generator(device=images.device).manual_seed(seed)
    prior_gen = torch.Generator().manual_seed(seed + 1)
    totals: dict[str, float] = {}
    for i in range(0, len(images), batch_size):
        batch = images[i:i + batch_size]
        for k, v in loss_terms(model, batch, beta, gen, prior_generator=prior_gen,
                               **options).items():
            totals[k] = totals.get(k, 0.0) + float(v) * len(batch)
    model.train(was_training)
    return {k: v / max(1, len(images)) for k, v in totals.items()}


@torch.no_grad()
def encode_means(model, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    return encode_posterior(model, images, batch_size)[0]


@torch.no_grad()
def encode_posterior(model, images: torch.Tensor,
                     batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray | None]:
    """(μ, σ) of q(z|x) for each image, numpy; σ is None for a deterministic encoder."""
    was_training = model.training
    model.eval()
    mus, sigmas = [], []
    for i in range(0, len(images), batch_size):
        mu, logvar = model.encode(images[i:i + batch_size])
        mus.append(mu)
        if logvar is not None:
            sigmas.append(torch.exp(0.5 * logvar))
    model.train(was_training)
    if not mus:
        return np.zeros((0, model.config.latent_dim), np.float32), None
    return (torch.cat(mus).cpu().numpy(),
            torch.cat(sigmas).cpu().numpy() if sigmas else None)


def epoch_test_size(cfg: TrainConfig, n_train: int, n_test: int) -> int:
    """How many held-out images (the first ones) give the per-epoch test loss.

    Enough for a steady curve, few enough to stay small next to an epoch's training:
    1/16 of the training set, at least 100, at most `epoch_test_points`.
    """
    return max(1, min(n_test, cfg.epoch_test_points, max(100, n_train // 16)))


class AutoencoderTrainer(ImageTrainer):
    """Owns a model and its optimiser; `run()` is the training job.

    `dataset` may be a loaded Dataset or a name / folder, which `run()` then loads first (so
    that loading, and downloading, happen on the job's thread).
    """

    family = "autoencoder"

    def __init__(self, model_config: AEConfig, train_config: TrainConfig, dataset: Dataset | str,
                 device: str | torch.device = "auto", data_dir: str | None = None,
                 download: bool = True):
        super().__init__(model_config, train_config, dataset, device, data_dir, download)
        self.model = build_model(model_config).to(self.device)
        critic = getattr(self.model, "critic", None)
        own = [p for name, p in self.model.named_parameters() if not name.startswith("critic.")]
        self.optimizer = torch.optim.Adam(own, lr=train_config.lr)
        # the critic on z (AAE, WAE-GAN) has its own optimiser, with the β₁ = 0.5 GANs use
        self.critic_optimizer = (torch.optim.Adam(critic.parameters(), lr=train_config.lr,
                                                  betas=(0.5, 0.999)) if critic is not None
                                 else None)
        self.last_test_losses: dict[str, float] = {}
        self.last_test_images = 0     # how many held-out images last_test_losses is over

    def state_numpy(self) -> dict[str, np.ndarray]:
        """A copy of the weights. Only call it while `run()` is not executing."""
        return state_to_numpy(self.model)

    def train_parts(self) -> Parts:
        optimizers = {"adam": self.optimizer}
        if self.critic_optimizer is not None:
            optimizers["critic_adam"] = self.critic_optimizer
        return Parts({"model": self.model}, optimizers,
                     dict(getattr(self, "generators", {})))

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev = self.config, self.device
        ds = yield from self.load_dataset()
        eval_n = min(cfg.eval_points, len(ds.test))
        yield DatasetReady(ds.name, ds.classes, ds.source, ds.test.images[:eval_n].copy(),
                           ds.test.labels[:eval_n].copy(), ds.record())
        if len(ds.train) < MIN_TRAIN or len(ds.test) == 0:
            # before the first step: an empty test split made a checkpoint of "test loss nan"
            held = "the training split is empty" if len(ds.train) == 0 else \
                f"{len(ds.train)} training and {len(ds.test)} test image(s)"
            raise TooFewImages(f"{ds.source}: {held}; an autoencoder needs at least {MIN_TRAIN} "
                               "to train on and one to test.")
        train_x = torch.from_numpy(to_float(self.dataset.train.images)).to(dev)
        test_x = torch.from_numpy(to_float(self.dataset.test.images)).to(dev)
        eval_x, eval_y = test_x[:eval_n], self.dataset.test.labels[:eval_n].copy()
        preview_x = test_x[:cfg.preview_images]
        n = len(train_x)
        if n == 0:
            raise ValueError("the training split is empty")
        d = self.dist
        # objectives.terms runs their encoder and decoder on the bare module (the codes
        # themselves are needed, which the forward pass does not return), so DDP would not
        # average their gradients and each process would train a model of its own
        if self.model_config.kind in ("aae", "wae") and d.world_size > 1:
            raise ValueError("the adversarial and Wasserstein autoencoders (AAE, WAE) train in "
                             "one process; run them without torchrun")
        per_rank = check_batch(cfg.batch_size, d)      # this process's share of a batch
        model = wrap(self.model, d)                   # DDP averages the gradients
        steps_per_epoch = math.ceil(n / cfg.batch_size)
        total = steps_per_epoch * cfg.epochs
        noise = self.generator("noise", d.rank_seed(cfg.seed + 1), dev)
        # prior draws (AAE, WAE) come from a CPU generator: the same draws on any device
        prior_noise = self.generator("prior", d.rank_seed(cfg.seed + 2), "cpu")
        supervised = self.model_config.supervised
        train_y = torch.from_numpy(self.dataset.train.labels.astype(np.int64)).to(dev)
        first_epoch, first_b = position(self.steps_done, steps_per_epoch)

        epoch_test_x = test_x[:epoch_test_size(cfg, n, len(test_x))]
        self.model.train()
        busy = 0.0                    # seconds spent computing, pauses excluded
        images_seen = 0
        # Previews and snapshots are for watching: each kind keeps to its share of the budget,
        # so a slow snapshot never starves the cheap previews. The snapshot before training
        # counts as time zero; the first preview comes after the first step.
        share = {self._preview: 0.2 * cfg.live_budget, self._snapshot: 0.8 * cfg.live_budget}
        spent = {self._preview: 0.0, self._snapshot: 0.0}
        last_preview, last_snapshot = -math.inf, 0.0

        def live_due(make, last: float, every: float) -> bool:
            return busy - last >= every and spent[make] <= share[make] * busy

        def timed(make, *args):
            nonlocal busy
            t0 = time.perf_counter()
            event = make(*args)
            dt = time.perf_counter() - t0
            busy += dt
            spent[make] += dt
            return event

        yield from self._snapshot(eval_x, eval_y)
        for epoch in range(first_epoch, cfg.epochs + 1):
            # this rank's share of the epoch's order (all of it in one process)
            perm = epoch_indices(n, cfg.seed, epoch, d, dev)
            sums: dict[str, float] = {}
            counted = 0
            for b in range(first_b if epoch == first_epoch else 0, steps_per_epoch):
                t0 = time.perf_counter()
                batch = train_x[perm[b * per_rank:(b + 1) * per_rank]]
                labels = train_y[perm[b * per_rank:(b + 1) * per_rank]] if supervised else None
                losses = self._update(model, batch, labels, noise, prior_noise, epoch)
                self.steps_done += 1
                images_seen += len(batch) * d.world_size
                counted += len(batch)
                for k, v in losses.items():
                    sums[k] = sums.get(k, 0.0) + v * len(batch)
                busy += time.perf_counter() - t0
                yield Step(self.steps_done, total, epoch, cfg.epochs, losses, busy,
                           images_seen / max(busy, 1e-9))
                if not d.is_main:
                    continue            # the other ranks only train: rank 0 shows progress
                if live_due(self._preview, last_preview, cfg.preview_every_s):
                    last_preview = busy
                    yield timed(self._preview, preview_x)
                if live_due(self._snapshot, last_snapshot, cfg.snapshot_every_s):
                    last_snapshot = busy
                    yield from timed(self._snapshot, eval_x, eval_y)
            t0 = time.perf_counter()
            self.last_test_losses = evaluate(self.model, epoch_test_x, cfg.beta,
                                             **cfg.options())
            self.last_test_images = len(epoch_test_x)
            busy += time.perf_counter() - t0
            train_losses = {k: v / max(1, counted) for k, v in sums.items()}
            yield EpochEnd(epoch, cfg.epochs, train_losses, dict(self.last_test_losses),
                           self.last_test_images)
            if epoch == cfg.epochs or live_due(self._preview, last_preview, 0.0):
                last_preview = busy
                yield timed(self._preview, preview_x)
            if epoch == cfg.epochs or live_due(self._snapshot, last_snapshot, 0.0):
                last_snapshot = busy
                yield from timed(self._snapshot, eval_x, eval_y)
        return TrainResult(self.steps_done, self.steps_done / steps_per_epoch,
                           dict(self.last_test_losses))

    def _update(self, model, batch: torch.Tensor, labels: torch.Tensor | None,
                noise: torch.Generator, prior_noise: torch.Generator, epoch: int) -> dict:
        """One optimiser step (three for the AAE: reconstruction, critic, encoder as the
        generator; two for the WAE-GAN). Every loss is checked before the weights it would
        change; a multi-phase step that fails part-way puts back the weights it started
        from, so the model always holds those of the last whole step."""
        step, kind = self.steps_done + 1, self.model_config.kind
        message = (f"The loss became {{}} at step {step} (epoch {epoch}). Training stopped; the "
                   f"model keeps the weights of step {self.steps_done}. Try a smaller learning "
                   "rate" + (" or a smaller λ." if kind == "wae" else "."))
        if self.critic_optimizer is None:       # one phase, checked before it changes a weight
            return self._phases(model, batch, labels, noise, prior_noise, step, epoch, message)
        with whole_step(self.model):           # a failed phase undoes the earlier ones
            return self._phases(model, batch, labels, noise, prior_noise, step, epoch, message)

    def _phases(self, model, batch, labels, noise, prior_noise, step: int, epoch: int,
                message: str) -> dict:
        cfg, kind = self.config, self.model_config.kind
        terms = loss_terms(model, batch, cfg.beta_at(step), noise, labels=labels,
                           prior_generator=prior_noise, **cfg.options())
        losses = {k: float(v.detach()) for k, v in terms.items()}
        # every rank learns of a NaN (or a stop) on any rank before a weight changes
        check_step(self.dist, losses.values(), message.format(losses["loss"]), step)
        self.optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self.optimizer.step()
        if self.critic_optimizer is None:
            return losses
        inner = self.model
        d_loss = critic_loss(inner, batch, noise, prior_noise, labels)
        losses["d_loss"] = float(d_loss.detach())
        check_step(self.dist, [losses["d_loss"]], message.format(losses["d_loss"]), step,
                   can_stop=False)
        self.critic_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.critic_optimizer.step()
        if kind == "aae":      # the third phase: the encoder learns to fool the critic
            g_loss = fool_loss(inner, batch, noise, labels)
            losses["g_loss"] = float(g_loss.detach())
            check_step(self.dist, [losses["g_loss"]], message.format(losses["g_loss"]),
                       step, can_stop=False)
            self.optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
            self.optimizer.step()
        if not all(bool(torch.isfinite(p).all()) for p in inner.parameters()):
            raise TrainingDiverged(
                f"A weight became NaN or infinite at step {step} (epoch {epoch}). Training "
                f"stopped; the model keeps the weights of step {self.steps_done}. Try a "
                "smaller learning rate.")
        return losses

    @torch.no_grad()
    def _preview(self, x: torch.Tensor) -> Preview:
        self.model.eval()
        mu, _ = self.model.encode(x)
        if getattr(self.model, "autoregressive", False):
            # a pixel-by-pixel sample would take seconds: show p(x_i | x_<i, z) instead
            out = torch.sigmoid(self.model.decode_logits(mu, (x > 0.5).float()))[:, 0]
        else:
            out = self.model.decode(mu)[:, 0]
        self.model.train()
        return Preview(self.steps_done, x.cpu().numpy().copy(), out.cpu().numpy())

    def _snapshot(self, eval_x: torch.Tensor,
                  eval_y: np.ndarray) -> tuple[Snapshot, LatentCodes, CodeStats]:
        # the weights, then the codes of the held-out images under those same weights, with
        # each code's σ (the per-example posteriors) and the collapse figures
        mu, sigma = encode_posterior(self.model, eval_x)
        return (Snapshot(self.steps_done, self.state_numpy()),
                LatentCodes(self.steps_done, mu, eval_y, sigma),
                code_stats(self.steps_done, mu, sigma if self.model_config.kind == "vae" else None))

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        """Everything a checkpoint records besides the weights, with its quality figures."""
        from ..latent import latent_box
        from ..metrics import knn_accuracy

        ds, dev = self.dataset, self.device
        train_x = torch.from_numpy(to_float(ds.train.images)).to(dev)
        test_x = torch.from_numpy(to_float(ds.test.images)).to(dev)
        train_z, test_z = encode_means(self.model, train_x), encode_means(self.model, test_x)
        test_losses = evaluate(self.model, test_x, self.config.beta, **self.config.options())
        metrics = {f"test_{k}": v for k, v in test_losses.items()}
        if len(train_z) >= 5 and len(test_z):
            metrics["knn5_accuracy"] = knn_accuracy(train_z, ds.train.labels, test_z, ds.test.labels)
        # the per-epoch figure is on the first epoch_test_size() of them: say which this is
        return {**self.run_meta(result), "metrics": metrics,
                "metrics_scope": f"all {len(ds.test):,} held-out images",
                "latent_box": latent_box(train_z, margin=0.0).tolist()}

