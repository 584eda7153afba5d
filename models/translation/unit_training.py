"""The UNIT training job: MNIST (A, grey) ↔ textured digits (B, RGB), unpaired.

Each step draws a batch of each domain independently, updates the encoders and generators on
unit.generator_terms (VAE, GAN, cycle terms with the paper's weights), then both
discriminators on the detached translations. Adam (10⁻⁴, β = (0.5, 0.999)) as the paper. The
checkpoint holds the VAE-GAN pair only (encoders and generators); the discriminators are for
training.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch

from ..distributed import SINGLE, check_step
from ..events import TrainResult
from ..trainer import Trainer, state_to_numpy, whole_step
from .cyclegan_training import TranslationPreview, to_numpy, to_tensor
from .domains import UnpairedData
from .step_loop import step_loop
from .unit import UNIT, UNITConfig, UNITWeights, discriminator_terms, generator_terms, unit_discriminator


@dataclass(frozen=True)
class UnitTrainConfig:
    steps: int = 3000
    batch_size: int = 32
    lr: float = 1e-4
    recon: float = 10.0
    kl: float = 0.1
    cycle: float = 10.0
    cycle_kl: float = 0.1
    seed: int = 0
    preview_every_s: float = 2.0

    def __post_init__(self):
        for name, low, high in (("steps", 1, 10_000_000), ("batch_size", 1, 1024),
                                ("seed", 0, 2**31 - 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number in {low}..{high}, not {value!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and 0 < self.lr <= 1):
            raise ValueError(f"learning rate must be in (0, 1], not {self.lr}")
        if not self.preview_every_s > 0:            # inf: never (the command line)
            raise ValueError("preview_every_s must be a positive number of seconds")
        self.weights()                                    # its own checks

    def weights(self) -> UNITWeights:
        return UNITWeights(self.recon, self.kl, self.cycle, self.cycle_kl)

    def to_dict(self) -> dict:
        return asdict(self)


def to_tensor_any(images: np.ndarray, device) -> torch.Tensor:
    """N×H×W×C uint8 (C = 1 or 3) → N×C×H×W in [−1, 1]."""
    return to_tensor(np.asarray(images), device)


def to_rgb_numpy(x: torch.Tensor) -> np.ndarray:
    """N×C×H×W in [−1, 1] → N×H×W×3 float in [0, 1] (grey repeated) for previews."""
    out = to_numpy(x)
    return np.repeat(out, 3, axis=-1) if out.shape[-1] == 1 else out


class UNITTrainer(Trainer):
    family = "unit"
    dist = SINGLE

    def __init__(self, model_config: UNITConfig = UNITConfig(),
                 train_config: UnitTrainConfig = UnitTrainConfig(), device="auto", domains=None):
        if domains is None:
            raise ValueError("UNIT needs its two domains (domains.DigitDomains with the MNIST digits)")
        super().__init__(model_config, train_config, domains, device)
        self.domains = domains
        self.data: UnpairedData | None = None
        torch.manual_seed(train_config.seed)
        self.model = UNIT(model_config).to(self.device)
        self.d_a = unit_discriminator(model_config.channels_a, model_config.width).to(self.device)
        self.d_b = unit_discriminator(model_config.channels_b, model_config.width).to(self.device)
        betas = (0.5, 0.999)
        self.opt_g = torch.optim.Adam(self.model.parameters(), train_config.lr, betas=betas)
        self.opt_d = torch.optim.Adam([*self.d_a.parameters(), *self.d_b.parameters()],
                                      train_config.lr, betas=betas)

    def state_numpy(self) -> dict[str, np.ndarray]:
        return state_to_numpy(self.model)

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev, mc = self.config, self.device, self.model_config
        data = yield from self.domains.load()
        for side, x, c in (("A", data.train_a, mc.channels_a), ("B", data.train_b, mc.channels_b)):
            if x.shape[1:] != (28, 28, c):
                raise ValueError(f"UNIT's domain {side} must be 28×28×{c} images, not "
                                 f"{'×'.join(map(str, x.shape[1:]))}")
        self.data = data
        train_a, train_b = to_tensor_any(data.train_a, dev), to_tensor_any(data.train_b, dev)
        view_a, view_b = to_tensor_any(data.held_a, dev), to_tensor_any(data.held_b, dev)
        g = torch.Generator().manual_seed(cfg.seed + 1)
        noise = torch.Generator(dev).manual_seed(cfg.seed + 2)
        weights = cfg.weights()

        def one_step(step: int) -> dict[str, float]:
            ia = torch.randint(len(train_a), (cfg.batch_size,), generator=g).to(dev)
            ib = torch.randint(len(train_b), (cfg.batch_size,), generator=g).to(dev)  # unpaired
            with whole_step(self.model, self.d_a, self.d_b):
                return self._step(train_a[ia], train_b[ib], weights, noise, step)

        return (yield from step_loop(self, cfg.steps, 2 * cfg.batch_size, one_step,
                                     lambda: self._preview(view_a, view_b), cfg.preview_every_s))

    def _step(self, a, b, weights, noise, step: int) -> dict[str, float]:
        gt = generator_terms(self.model, self.d_a, self.d_b, a, b, weights, noise)
        losses = {k: float(v.detach()) for k, v in gt.items() if v.ndim == 0}
        check_step(self.dist, losses.values(),
                   f"UNIT's loss became {losses['loss']} at step {step}. Training stopped; the "
                   f"model keeps the weights of step {self.steps_done}.", step)
        self.opt_g.zero_grad(set_to_none=True)
        gt["loss"].backward()
        self.opt_g.step()
        dt = discriminator_terms(self.d_a, self.d_b, a, b, gt["ba"], gt["ab"])
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
        m.eval()
        ab, ba = m.translate(a, "A", "B"), m.translate(b, "B", "A")
        preview = TranslationPreview(
            self.steps_done, to_rgb_numpy(a), to_rgb_numpy(ab),
            to_rgb_numpy(m.translate(ab, "B", "A")), to_rgb_numpy(b), to_rgb_numpy(ba),
            to_rgb_numpy(m.translate(ba, "A", "B")))
        m.train()
        return preview

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        return {"family": self.family, "config": self.model_config.to_dict(),
                "training": self.config.to_dict(),
                "dataset": self.data.record() if self.data is not None else {},
                "steps": self.steps_done,
                "stopped_early": bool(result.stopped_early) if result else False}
