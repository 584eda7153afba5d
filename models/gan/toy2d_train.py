"""Training the 2-D GAN, and the lab's live job.

    trainer = GAN2DTrainer(make_points("8gaussians", 10_000))
    stats = trainer.step()                  # k_d D updates, then one G update
    controls = LabControls()
    for event in lab_job(trainer, controls):    # Progress, Picture
        ...

The GUI runs `lab_job` (toy2d_jobs.py, re-exported here) on a JobRunner and changes settings
through `LabControls`, which the job applies between two steps; it never touches the trainer
itself while the job runs.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch

from ..device import pick_device
from ..trainer import TrainingDiverged
from .losses import LOSSES, LabelTricks, d_loss, d_outputs, d_targets, g_loss, gradient_penalty
from .toy2d import (EXTENT, Discriminator2D, GAN2DConfig, Generator2D, binned_divergences,
                    check_points, points_histogram, sample_noise)
from .toy2d_jobs import (DEFAULT_LAYERS, LAYERS, LabControls, Picture, Progress, lab_job,
                         one_step_job, train_gan2d)

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


class GAN2DTrainer:
    """G and D for points in the plane, trained in alternating steps on minibatches."""

    def __init__(self, points, model_config: GAN2DConfig = GAN2DConfig(),
                 train_config: GAN2DTrainConfig = GAN2DTrainConfig(), device="cpu"):
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        self.model_config = model_config
        self.config = train_config
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
        self.steps_done = 0
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

    # ---------------------------------------------------------------- settings
    def set_points(self, points) -> None:
        """New real data; the weights stay."""
        self.points = check_points(points)
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

    def generator_state(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.G.state_dict().items()}

    def discriminator_state(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.D.state_dict().items()}


# the lab's jobs live in toy2d_jobs.py; the contract names them from here
__all__ = ["OPTIMIZERS", "STEP_KINDS", "LAYERS", "DEFAULT_LAYERS", "GAN2DTrainConfig", "StepStats",
           "GAN2DTrainer", "Picture", "Progress", "LabControls", "lab_job", "one_step_job",
           "train_gan2d", "check_points"]
