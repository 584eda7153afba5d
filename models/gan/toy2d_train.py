"""Training the 2-D GAN, and the lab's live job.

    trainer = GAN2DTrainer(make_points("8gaussians", 10_000))
    stats = trainer.step()                  # k_d D updates, then one G update
    controls = LabControls()
    for event in trainer.run(steps=None, controls=controls):
        ...                                 # Snapshot, Step, EpochEnd, Progress, Picture

`run()` keeps the trainer contract (models/trainer.py). The GUI runs `lab_job`
(toy2d_jobs.py, re-exported here), which drives `run()` and passes on the lab's own events,
on a JobRunner and changes settings through `LabControls`, which `run()` applies between two
steps; the GUI never touches the trainer itself while the job runs.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Generator

import numpy as np
import torch

from ..events import EpochEnd, Snapshot, Step, TrainResult
from ..trainer import Trainer, TrainingDiverged
from .losses import LOSSES, LabelTricks, d_loss, d_outputs, d_targets, g_loss, gradient_penalty
from .toy2d import (EXTENT, Discriminator2D, GAN2DConfig, Generator2D, binned_divergences,
                    check_points, points_histogram, sample_noise)
from .toy2d_jobs import (DEFAULT_LAYERS, LAYERS, LabControls, Picture, Progress, lab_events,
                         lab_job, one_step_job, train_gan2d)

OPTIMIZERS = ("adam", "sgd", "rmsprop")
STEP_KINDS = ("both", "d", "g")
FIXED_Z = 512
REAL_VIEW = 1000
DIV_BINS = 64


@dataclass(frozen=True)
class GAN2DTrainConfig:
    loss: str = "non-saturating"
    k_d: int = 1
    lr_d: float = 1e-3
    lr_g: float = 1e-3
    opt_d: str = "adam"
    opt_g: str = "adam"
    batch_size: int = 256
    tricks: LabelTricks = LabelTricks()
    gp_weight: float = 0.1
    seed: int = 0

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"unknown GAN loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        for name in ("opt_d", "opt_g"):
            if getattr(self, name) not in OPTIMIZERS:
                raise ValueError(f"{name} must be one of {', '.join(OPTIMIZERS)}, "
                                 f"not {getattr(self, name)!r}")
        for name, lo, hi in (("k_d", 1, 50), ("batch_size", 1, 65_536), ("seed", 0, 2**63 - 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"{name} must be an integer in {lo}..{hi}, not {v!r}")
        for name in ("lr_d", "lr_g"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 < v <= 1):
                raise ValueError(f"{name} (learning rate) must be in (0, 1], not {v!r}")
        if isinstance(self.tricks, dict):
            object.__setattr__(self, "tricks", LabelTricks(**self.tricks))
        if not isinstance(self.tricks, LabelTricks):
            raise ValueError(f"tricks must be LabelTricks, not {type(self.tricks).__name__}")
        g = self.gp_weight
        if not (isinstance(g, (int, float)) and math.isfinite(g) and g >= 0):
            raise ValueError(f"the gradient-penalty weight must be a finite number ≥ 0, not {g!r}")

    def to_dict(self) -> dict:
        return asdict(self)     # tricks becomes a nested dict

    @classmethod
    def from_dict(cls, d: dict) -> "GAN2DTrainConfig":
        if not isinstance(d, dict):
            raise TypeError(f"a GAN2DTrainConfig needs a dict, not {type(d).__name__}")
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown GAN2DTrainConfig field(s): {', '.join(unknown)}")
        d = dict(d)
        if isinstance(d.get("tricks"), dict):
            d["tricks"] = LabelTricks(**d["tricks"])
        return cls(**d)


@dataclass(frozen=True)
class StepStats:
    step: int
    losses: dict[str, float]      # "D", "G", and "GP" (without λ) for wgan-gp
    d_real: float                 # mean D(x) on the real batch (critic value for WGAN)
    d_fake: float                 # mean D(G(z)) on the fake batch


def _adam_betas(loss: str) -> tuple[float, float]:
    # β₁ = 0.5 damps the momentum that makes the two players circle; WGAN-GP's paper uses β₂ = 0.9
    return (0.5, 0.9) if loss == "wgan-gp" else (0.5, 0.999)


def _make_optimizer(kind: str, params, lr: float, loss: str) -> torch.optim.Optimizer:
    if kind == "adam":
        # the fused kernel updates all tensors in one call: a third of the time on CPU
        fused = params[0].device.type in ("cpu", "cuda")
        return torch.optim.Adam(params, lr=lr, betas=_adam_betas(loss), fused=fused or None)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    return torch.optim.SGD(params, lr=lr)


class GAN2DTrainer(Trainer):
    """G and D for points in the plane, trained in alternating steps on minibatches.

    Its dataset (also `points`) is the N×2 real points; `data_name` names them in a
    checkpoint ("8gaussians", a file name; the points themselves are never stored).
    A checkpoint holds G and D together ("G.…", "D.…"), as GAN2DModel loads them."""

    family = "gan2d"

    def __init__(self, points, model_config: GAN2DConfig = GAN2DConfig(),
                 train_config: GAN2DTrainConfig = GAN2DTrainConfig(), device="cpu"):
        super().__init__(model_config, train_config, None, device)
        self.data_name = "custom"
        with torch.random.fork_rng(devices=[]):     # seeded weights without moving the global RNG
            torch.manual_seed(train_config.seed)
            self.G = Generator2D(model_config).to(self.device)
            self.D = Discriminator2D(model_config).to(self.device)
        self._g_params = list(self.G.parameters())
        self._d_params = list(self.D.parameters())
        # one stream for batches and training noise, another for pictures and estimates, so
        # how often the GUI looks never changes what training does
        self._gen = torch.Generator(device=self.device).manual_seed(train_config.seed + 1)
        self._look_gen = torch.Generator(device=self.device).manual_seed(train_config.seed + 2)
        fixed = torch.Generator().manual_seed(train_config.seed + 3)
        self.fixed_z = sample_noise(FIXED_Z, model_config.noise_dim, model_config.noise,
                                    fixed).to(self.device)
        # built on first use: the first torch optimizer of a process imports torch._dynamo,
        # most of a second that the app's start-up should not pay for a lab nobody has run
        self._opt: dict[str, torch.optim.Optimizer | None] = {"opt_d": None, "opt_g": None}
        self._grids: dict[tuple[float, int], torch.Tensor] = {}
        self.set_points(points)

    def _optimizer(self, name: str) -> torch.optim.Optimizer:
        if self._opt[name] is None:
            cfg = self.config
            params, lr = ((self._d_params, cfg.lr_d) if name == "opt_d" else (self._g_params, cfg.lr_g))
            self._opt[name] = _make_optimizer(getattr(cfg, name), params, lr, cfg.loss)
        return self._opt[name]

    @property
    def opt_d(self) -> torch.optim.Optimizer:
        return self._optimizer("opt_d")

    @property
    def opt_g(self) -> torch.optim.Optimizer:
        return self._optimizer("opt_g")

    @property
    def points(self) -> np.ndarray:
        return self.dataset

    # ---------------------------------------------------------------- settings
    def set_points(self, points) -> None:
        """New real data; the weights stay."""
        self.dataset = check_points(points)
        self._data = torch.from_numpy(self.points).to(self.device)
        rng = np.random.default_rng(self.config.seed)
        n = len(self.points)
        pick = np.sort(rng.choice(n, REAL_VIEW, replace=False)) if n > REAL_VIEW else np.arange(n)
        self.real_view = self.points[pick]
        self._p_hist = points_histogram(self.points, DIV_BINS, EXTENT)

    def configure(self, train_config: GAN2DTrainConfig) -> None:
        """Apply new learning rates, optimizers, k, loss or tricks; the weights stay.

        An optimizer keeps its state (Adam's moments) unless its type changed.
        """
        old, self.config = self.config, train_config
        for name, lr in (("opt_d", train_config.lr_d), ("opt_g", train_config.lr_g)):
            kind = getattr(train_config, name)
            if self._opt[name] is None:
                continue                    # built from the new config when first used
            if kind != getattr(old, name):
                self._opt[name] = None
                continue
            for group in self._opt[name].param_groups:
                group["lr"] = lr
                if kind == "adam":
                    group["betas"] = _adam_betas(train_config.loss)

    def set_dropout(self, p: float) -> None:
        """Change D's dropout rate while training (it holds no weights)."""
        self.D.set_dropout(p)
        self.model_config = replace(self.model_config, d_dropout=float(p))

    # ---------------------------------------------------------------- training
    def _noise(self, n: int) -> torch.Tensor:
        mc = self.model_config
        return sample_noise(n, mc.noise_dim, mc.noise, self._gen, device=self.device)

    def _real_batch(self) -> torch.Tensor:
        idx = torch.randint(0, len(self._data), (self.config.batch_size,), generator=self._gen,
                            device=self.device)
        return self._data[idx]

    def _d_objective(self, real: torch.Tensor, fake: torch.Tensor):
        """D's total loss, its parts, and D's logits on real and fake (one forward pass)."""
        cfg, n = self.config, len(real)
        logits = self.D(torch.cat([real, fake]))
        rl, fl = logits[:n], logits[n:]
        if cfg.loss != "wgan-gp" and cfg.tricks.active:
            rt, ft = d_targets(n, cfg.tricks, self._gen, self.device)
        else:
            rt, ft = 1.0, 0.0
        loss = d_loss(rl, fl, cfg.loss, rt, ft)
        gp = None
        if cfg.loss == "wgan-gp":
            gp = gradient_penalty(self.D, real, fake, self._gen)
            return loss + cfg.gp_weight * gp, loss, gp, rl, fl
        return loss, loss, gp, rl, fl

    def _check(self, who: str, value: float, params) -> None:
        # a finite loss can still give infinite gradients; either would poison the weights
        grads = [p.grad for p in params if p.grad is not None]
        if math.isfinite(value) and (not grads or torch.isfinite(
                torch.stack(torch._foreach_norm(grads)).sum())):
            return
        for p in params:
            p.grad = None
        cfg = self.config
        what = (f"{who} loss became {value}" if not math.isfinite(value)
                else f"{who} gradient became NaN or infinite")
        tips = ["lower the learning rates"]
        if "sgd" in (cfg.opt_d, cfg.opt_g):
            tips.append("use Adam instead of SGD")
        if cfg.loss != "wgan-gp":
            tips.append("try the Wasserstein loss with gradient penalty")
        raise TrainingDiverged(
            f"{what} at step {self.steps_done + 1}. Training stopped; G and D keep their last "
            f"finite weights. To fix it, {', '.join(tips[:-1])}"
            f"{' or ' if len(tips) > 1 else ''}{tips[-1]}.")

    def _d_update(self):
        real = self._real_batch()
        with torch.no_grad():
            fake = self.G(self._noise(len(real)))
        total, loss, gp, rl, fl = self._d_objective(real, fake)
        self.opt_d.zero_grad(set_to_none=True)
        total.backward(inputs=self._d_params)
        self._check("D's", total.item(), self._d_params)
        self.opt_d.step()
        return loss, gp, rl, fl

    def _g_update(self) -> tuple[float, torch.Tensor]:
        fake = self.G(self._noise(self.config.batch_size))
        fl = self.D(fake)
        loss = g_loss(fl, self.config.loss)
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward(inputs=self._g_params)      # D's weights get no gradient from G's step
        self._check("G's", loss.item(), self._g_params)
        self.opt_g.step()
        return loss.item(), fl

    def step(self, kind: str = "both") -> StepStats:
        """"both": k_d D updates then one G update; "d" or "g": one update of that player."""
        if kind not in STEP_KINDS:
            raise ValueError(f"step kind must be one of {', '.join(STEP_KINDS)}, not {kind!r}")
        cfg = self.config
        self.G.train()
        self.D.train()
        if kind == "g":
            g_value, fl = self._g_update()
            # D's side of the charts, measured without changing D
            real = self._real_batch()
            with torch.no_grad():
                fake = self.G(self._noise(len(real)))
            _, loss, gp, rl, _ = self._d_objective(real, fake)
        else:
            for _ in range(cfg.k_d if kind == "both" else 1):
                loss, gp, rl, fl = self._d_update()
            g_value = (self._g_update()[0] if kind == "both"
                       else g_loss(fl.detach(), cfg.loss).item())
        losses = {"D": loss.item(), "G": g_value}
        if gp is not None:
            losses["GP"] = gp.item()
        self.steps_done += 1
        return StepStats(self.steps_done, losses, d_outputs(rl, cfg.loss), d_outputs(fl, cfg.loss))

    # ---------------------------------------------------------------- looking
    @torch.no_grad()
    def fake(self, z=None) -> np.ndarray:
        """G(z) as float32 N×2; the fixed noise batch by default."""
        z = self.fixed_z if z is None else torch.as_tensor(z, dtype=torch.float32, device=self.device)
        was = self.G.training
        self.G.eval()
        out = self.G(z).float().cpu().numpy()
        self.G.train(was)
        return out

    def _decision(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.D(x)
        return logits if self.config.loss == "wgan-gp" else torch.sigmoid(logits)

    @torch.no_grad()
    def d_field(self, extent: float = EXTENT, size: int = 64) -> np.ndarray:
        """D over the square: size×size, row i at y = −extent + 2·extent·i/(size−1), column j at x."""
        key = (float(extent), int(size))
        grid = self._grids.get(key)
        if grid is None:
            axis = torch.linspace(-extent, extent, size)
            gy, gx = torch.meshgrid(axis, axis, indexing="ij")
            grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1).to(self.device)
            self._grids = {key: grid}           # the view rarely changes; keep one
        was = self.D.training
        self.D.eval()
        out = self._decision(grid).reshape(size, size).float().cpu().numpy()
        self.D.train(was)
        return out

    def g_arrows(self, points=None) -> np.ndarray:
        """−∂ℓ_G/∂x at each generated point, ℓ_G that point's own generator loss (N×2)."""
        pts = self.fake() if points is None else points
        x = torch.as_tensor(np.asarray(pts, np.float32), device=self.device).requires_grad_(True)
        was = self.D.training
        self.D.eval()
        with torch.enable_grad():
            per_point = g_loss(self.D(x), self.config.loss) * len(x)
            (grad,) = torch.autograd.grad(per_point, x)
        self.D.train(was)
        return (-grad).float().cpu().numpy()

    @torch.no_grad()
    def manifold(self, lines: int = 11, points_per_line: int = 48) -> np.ndarray:
        """G's image of a grid in (z₁, z₂), other dims 0: (2·lines)×M×2, or 1×M×2 if noise_dim is 1.

        The first `lines` lines run along z₁ (z₂ fixed), the next along z₂.
        """
        mc = self.model_config
        span = 2.0 if mc.noise == "gaussian" else 1.0
        along = torch.linspace(-span, span, points_per_line)
        if mc.noise_dim == 1:
            z = along[None, :, None]
        else:
            across = torch.linspace(-span, span, lines)
            z = torch.zeros(2 * lines, points_per_line, mc.noise_dim)
            z[:lines, :, 0], z[:lines, :, 1] = along[None, :], across[:, None]
            z[lines:, :, 0], z[lines:, :, 1] = across[:, None], along[None, :]
        flat = z.reshape(-1, mc.noise_dim).to(self.device)
        return self.fake(flat).reshape(z.shape[0], points_per_line, 2)

    def picture(self, extent: float = EXTENT, field_size: int = 64,
                layers: frozenset = frozenset(LAYERS)) -> Picture:
        unknown = set(layers) - set(LAYERS)
        if unknown:
            raise ValueError(f"unknown layer(s) {sorted(unknown)}; choose from {', '.join(LAYERS)}")
        fake = self.fake()
        return Picture(self.steps_done, self.real_view, fake,
                       self.d_field(extent, field_size) if "field" in layers else None,
                       float(extent),
                       self.g_arrows(fake) if "arrows" in layers else None,
                       self.manifold() if "manifold" in layers else None)

    @torch.no_grad()
    def divergences(self, n: int = 4096) -> dict[str, float]:
        """Binned JS (bits) and KL (nats) between the real points and n fresh samples of G."""
        mc = self.model_config
        z = sample_noise(n, mc.noise_dim, mc.noise, self._look_gen, device=self.device)
        return binned_divergences(None, self.fake(z), DIV_BINS, EXTENT, p_hist=self._p_hist)

    # ---------------------------------------------------------------- the job
    def run(self, steps: int | None = None, controls: LabControls | None = None,
            progress_every_s: float = 1 / 30, look_budget: float = 0.25,
            divergence_every_s: float = 0.5) -> Generator[object, None, TrainResult]:
        """Train until closed (or for `steps` more steps).

        Yields a Snapshot of G and D first and, when `steps` is reached, last. Steps are
        far too fast (thousands a second) to cross threads one by one: about every
        `progress_every_s` come a Step (the latest losses), the EpochEnds passed meanwhile
        (an epoch: as many batches as the points fill), a Progress holding every step's
        StepStats, and, with `controls`, a Picture drawn as they ask. `controls` also
        carries the GUI's changes (learning rates, data, dropout), applied between steps.

        Pictures and divergence estimates may take at most `look_budget` of the time spent
        inside this generator; when they would take more they are skipped, not training.
        Time spent suspended at a yield (the GUI pausing) counts for neither.
        """
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer))
                                  or steps < 1):
            raise ValueError(f"steps must be a positive integer, not {steps!r}")
        yield Snapshot(self.steps_done, self.state_numpy())
        active, spent = 0.0, 0.0          # seconds inside the generator; of which on looking
        seg = time.perf_counter()         # start of the current stretch inside it
        last_event = last_div = -math.inf
        window_steps, window_start = 0, 0.0
        pending: list[StepStats] = []
        ends: list[EpochEnd] = []
        epoch, epoch_sums, epoch_steps = 1, {}, 0
        # an open-ended run (the lab's) has no step or epoch total: Step and EpochEnd say 0
        per_epoch = max(1, math.ceil(len(self.points) / self.config.batch_size))
        epochs = math.ceil(steps / per_epoch) if steps else 0
        points_seen = 0
        done = 0

        def epoch_progress(stats: StepStats) -> None:
            nonlocal epoch, epoch_steps
            per_epoch = max(1, math.ceil(len(self.points) / self.config.batch_size))
            epoch_steps += 1
            for k, v in stats.losses.items():
                epoch_sums[k] = epoch_sums.get(k, 0.0) + v
            if epoch_steps >= per_epoch:
                ends.append(EpochEnd(epoch, epochs, {k: v / epoch_steps for k, v in epoch_sums.items()},
                                     {}))
                epoch, epoch_steps = epoch + 1, 0
                epoch_sums.clear()

        def step_event(now: float) -> Step:
            busy = active + now - seg
            last = pending[-1] if pending else None
            return Step(self.steps_done, self.steps_done - done + steps if steps else 0,
                        min(epoch, epochs) if epochs else epoch, epochs,
                        dict(last.losses) if last else {}, busy, points_seen / max(busy, 1e-9))

        while steps is None or done < steps:
            if controls is not None:
                controls.apply(self)
            stats = self.step()
            pending.append(stats)
            epoch_progress(stats)
            points_seen += self.config.batch_size
            done += 1
            window_steps += 1
            now = time.perf_counter()
            if now - last_event < progress_every_s or (steps is not None and done == steps):
                continue
            allowed = look_budget * (active + now - seg)
            divergence = picture = None
            if now - last_div >= divergence_every_s and spent <= allowed:
                divergence = self.divergences()
                last_div = time.perf_counter()
                spent += last_div - now
            if controls is not None and spent <= allowed:
                t0 = time.perf_counter()
                picture = controls.picture(self)
                spent += time.perf_counter() - t0
            end = time.perf_counter()
            rate = window_steps / max(active + end - seg - window_start, 1e-9)
            yield step_event(end)
            while ends:
                yield ends.pop(0)
            yield Progress(self.steps_done, pending, divergence, rate)
            if picture is not None:
                yield picture
            active += end - seg
            seg = last_event = time.perf_counter()
            pending, window_steps, window_start = [], 0, active
        end = time.perf_counter()
        rate = window_steps / max(active + end - seg - window_start, 1e-9) if window_steps else 0.0
        yield step_event(end)
        while ends:
            yield ends.pop(0)
        yield Progress(self.steps_done, pending, self.divergences(), rate)
        if controls is not None:
            yield controls.picture(self)
        yield Snapshot(self.steps_done, self.state_numpy())
        return TrainResult(self.steps_done, self.steps_done * self.config.batch_size / len(self.points))

    def state_numpy(self) -> dict[str, np.ndarray]:
        """G's and D's weights in one table, "G.…" and "D.…", as a checkpoint holds them."""
        state = {f"G.{k}": v for k, v in self.generator_state().items()}
        state.update({f"D.{k}": v for k, v in self.discriminator_state().items()})
        return state

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        # "train_config" is what the lab reads back; "training" is the key the other
        # families (and the command line's gan2d checkpoints) use for the same thing
        cfg = self.config
        return {"family": self.family, "config": self.model_config.to_dict(),
                "data": self.data_name, "loss": cfg.loss, "train_config": cfg.to_dict(),
                "training": cfg.to_dict(), "steps": int(self.steps_done),
                "stopped_early": bool(result.stopped_early) if result else False}

    def generator_state(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.G.state_dict().items()}

    def discriminator_state(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.D.state_dict().items()}


# the lab's jobs live in toy2d_jobs.py; the contract names them from here
__all__ = ["OPTIMIZERS", "STEP_KINDS", "LAYERS", "DEFAULT_LAYERS", "GAN2DTrainConfig", "StepStats",
           "GAN2DTrainer", "Picture", "Progress", "LabControls", "lab_events", "lab_job", "one_step_job",
           "train_gan2d", "check_points"]
