"""The CycleGAN training job: a generator of small events, as every trainer in models/ is. The
two domains come from a source in domains.py (the landscapes by default, the digits, or a
user's folders A/ and B/), loaded on the job's thread.

Each step draws a batch of A images and, independently, a batch of B images (no pairs exist),
updates G and F together on generator_terms, then D_A and D_B on discriminator_terms with
fakes from the two history pools. Adam (2·10⁻⁴, β₁ = 0.5) as the paper; the learning rate is
constant for the first half of the steps and falls linearly to 0 over the second (the paper's
schedule, in steps rather than epochs).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch

from ..distributed import SINGLE, check_step
from ..events import Status, TrainResult
from ..trainer import Trainer, state_to_numpy, whole_step
from .cyclegan import CycleGAN, CycleGANConfig, CycleWeights, discriminator_terms, generator_terms
from .domains import LandscapeDomains, UnpairedData, grey_to_rgb
from .pool import ImagePool
from .step_loop import step_loop


@dataclass(frozen=True)
class CycleTrainConfig:
    steps: int = 2000
    batch_size: int = 4
    lr: float = 2e-4
    cycle: float = 10.0           # λ; 0 switches the cycle loss off
    identity: float = 0.5         # λ_id
    pool: int = 50
    train_images: int = 1000      # per domain, rendered before training
    seed: int = 0
    preview_every_s: float = 2.0
    preview_images: int = 4

    def __post_init__(self):
        for name, low, high in (("steps", 1, 10_000_000), ("batch_size", 1, 1024),
                                ("pool", 0, 10_000), ("train_images", 1, 1_000_000),
                                ("seed", 0, 2**31 - 1), ("preview_images", 1, 64)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number in {low}..{high}, not {value!r}")
        if not (math.isfinite(self.lr) and 0 < self.lr <= 1):
            raise ValueError(f"learning rate must be in (0, 1], not {self.lr}")
        if not self.preview_every_s > 0:            # inf: never (the command line)
            raise ValueError("preview_every_s must be a positive number of seconds")
        CycleWeights(self.cycle, self.identity)            # its own checks

    def to_dict(self) -> dict:
        return asdict(self)

    def lr_at(self, step: int) -> float:
        """The paper's schedule: constant, then linear to 0 over the second half."""
        half = self.steps / 2
        return self.lr if step <= half else self.lr * max(0.0, (self.steps - step) / half)


@dataclass(frozen=True)
class TranslationPreview:
    """Held-out images and what the generators make of them, N×H×W×3 float32 in [0, 1]."""
    step: int
    a: np.ndarray
    fake_b: np.ndarray      # G(a)
    cycle_a: np.ndarray     # F(G(a))
    b: np.ndarray
    fake_a: np.ndarray      # F(b)
    cycle_b: np.ndarray     # G(F(b))


def to_tensor(images: np.ndarray, device) -> torch.Tensor:
    """N×H×W×C uint8 → N×C×H×W float in [−1, 1]."""
    if not images.flags.writeable:          # a dataset's read-only view: torch wants its own
        images = images.copy()
    return torch.from_numpy(images).to(device).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def to_numpy(x: torch.Tensor) -> np.ndarray:
    return ((x.detach().clamp(-1, 1) + 1) / 2).permute(0, 2, 3, 1).cpu().numpy()


class CycleGANTrainer(Trainer):
    family = "cyclegan"
    dist = SINGLE

    def __init__(self, model_config: CycleGANConfig = CycleGANConfig(),
                 train_config: CycleTrainConfig = CycleTrainConfig(), device="auto",
                 domains=None):
        # the source of the two domains (domains.py); the landscapes unless told
        domains = domains if domains is not None else LandscapeDomains(
            train_config.train_images, model_config.size, train_config.seed,
            train_config.preview_images)
        super().__init__(model_config, train_config, domains, device)
        self.domains = domains
        self.data: UnpairedData | None = None
        torch.manual_seed(train_config.seed)
        self.model = CycleGAN(model_config).to(self.device)
        m, lr = self.model, train_config.lr
        self.opt_g = torch.optim.Adam([*m.G.parameters(), *m.F.parameters()], lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam([*m.D_A.parameters(), *m.D_B.parameters()], lr,
                                      betas=(0.5, 0.999))
        self.weights = CycleWeights(train_config.cycle, train_config.identity)
        self.pools = ImagePool(train_config.pool), ImagePool(train_config.pool)

    def state_numpy(self) -> dict[str, np.ndarray]:
        """The two generators only: what translates (the discriminators stay out of a
        checkpoint, as in the paper's released models)."""
        return {k: v for k, v in state_to_numpy(self.model).items() if k[:2] in ("G.", "F.")}

    def _render(self) -> Generator[object, None, tuple[torch.Tensor, torch.Tensor, tuple]]:
        data = yield from self.domains.load()
        size = self.model_config.size
        rgb = [grey_to_rgb(x) if x.shape[-1] == 1 else x
               for x in (data.train_a, data.train_b, data.held_a, data.held_b)]
        if rgb[0].shape[1:3] != (size, size) or rgb[1].shape[1:3] != (size, size):
            raise ValueError(f"the domains hold {rgb[0].shape[2]}×{rgb[0].shape[1]} images; this "
                             f"model is built for {size}×{size}")
        self.data = data
        for note in data.notes:
            yield Status(note)
        return (to_tensor(rgb[0], self.device), to_tensor(rgb[1], self.device),
                (rgb[2], rgb[3]))

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev, m = self.config, self.device, self.model
        train_a, train_b, (held_a, held_b) = yield from self._render()
        view_a, view_b = to_tensor(held_a, dev), to_tensor(held_b, dev)
        g = torch.Generator().manual_seed(cfg.seed + 1)

        def one_step(step: int) -> dict[str, float]:
            ia = torch.randint(len(train_a), (cfg.batch_size,), generator=g)
            ib = torch.randint(len(train_b), (cfg.batch_size,), generator=g)   # unpaired
            # G and F step before the discriminators' loss is checked: a NaN there puts
            # all four networks back as they were (the pool keeps what it took in)
            with whole_step(self.model):
                return self._step(train_a[ia.to(dev)], train_b[ib.to(dev)], g, step)

        return (yield from step_loop(self, cfg.steps, 2 * cfg.batch_size, one_step,
                                     lambda: self._preview(view_a, view_b), cfg.preview_every_s))

    def _step(self, a: torch.Tensor, b: torch.Tensor, g: torch.Generator,
              step: int) -> dict[str, float]:
        cfg, m = self.config, self.model
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = cfg.lr_at(step)
        gt = generator_terms(m, a, b, self.weights)
        losses = {k: float(v.detach()) for k, v in gt.items() if v.ndim == 0}
        check_step(self.dist, losses.values(),
                   f"The generators' loss became {losses['loss']} at step {step}. Training "
                   f"stopped; the model keeps the weights of step {self.steps_done}.", step)
        self.opt_g.zero_grad(set_to_none=True)
        gt["loss"].backward()
        self.opt_g.step()
        fake_a = self.pools[0].query(gt["fake_a"].detach(), g)
        fake_b = self.pools[1].query(gt["fake_b"].detach(), g)
        dt = discriminator_terms(m, a, b, fake_a, fake_b)
        d_losses = {k: float(v.detach()) for k, v in dt.items() if k != "loss"}
        check_step(self.dist, d_losses.values(),
                   f"A discriminator's loss became NaN or infinite at step {step}. Training "
                   f"stopped; the model keeps the weights of step {self.steps_done}.", step,
                   can_stop=False)       # a stop request waits for the step's end
        self.opt_d.zero_grad(set_to_none=True)
        dt["loss"].backward()
        self.opt_d.step()
        return {**losses, **d_losses}

    @torch.no_grad()
    def _preview(self, a: torch.Tensor, b: torch.Tensor) -> TranslationPreview:
        m = self.model
        fake_b, fake_a = m.G(a), m.F(b)
        return TranslationPreview(self.steps_done, to_numpy(a), to_numpy(fake_b),
                                  to_numpy(m.F(fake_b)), to_numpy(b), to_numpy(fake_a),
                                  to_numpy(m.G(fake_a)))

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        return {"family": self.family, "config": self.model_config.to_dict(),
                "training": self.config.to_dict(),
                "dataset": self.data.record() if self.data is not None else {},
                "steps": self.steps_done,
                "stopped_early": bool(result.stopped_early) if result else False}
