"""Super-resolution data and the SRResNet / SRGAN training job (issue 16 groundwork; no CLI,
panel or checkpoints yet).

Data: the procedural landscape photos at full size (HR, e.g. 128 px) and the same photos
shrunk by the scale (LR, 32 px for 4×) by area averaging, exactly: each LR pixel is the mean
of its scale×scale block. Training images and held-out ones come from disjoint seeds.

The job trains SRResNet alone on the pixel MSE (mode "mse", the paper's SRResNet), or SRGAN:
the same generator against SRGAN's discriminator with the perceptual loss, content + 10⁻³ ×
adversarial (mode "gan"); the content term is the MSE of a feature network's maps when one is
given, else of the pixels. The paper starts SRGAN from a trained SRResNet; `initial` takes its
weights.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Generator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..distributed import SINGLE, check_step
from ..events import Status, TrainResult
from ..pix2pix.landscapes import landscape_pair
from ..trainer import Trainer, state_to_numpy, whole_step
from .cyclegan_training import to_numpy, to_tensor
from .srgan import ADVERSARIAL_WEIGHT, SRConfig, SRDiscriminator, SRResNet, perceptual_terms
from .step_loop import step_loop

HELD_OUT_OFFSET = 2_000_000_000     # held-out photos' seeds: never a training photo's
MODES = ("mse", "gan")


def downscale(images: np.ndarray, scale: int) -> np.ndarray:
    """N×H×W×3 uint8 → N×(H/scale)×(W/scale)×3 uint8 by averaging scale×scale blocks."""
    x = np.asarray(images)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"expected N×H×W×3 images, got shape {x.shape}")
    n, h, w, _ = x.shape
    if h % scale or w % scale:
        raise ValueError(f"{h}×{w} images do not divide into {scale}×{scale} blocks")
    blocks = x.reshape(n, h // scale, scale, w // scale, scale, 3).astype(np.float64)
    return (blocks.mean((2, 4)) + 0.5).astype(np.uint8)


def landscape_photos(n: int, size: int, seed: int = 0) -> np.ndarray:
    """n landscape photos (N×size×size×3 uint8) from seeds seed … seed + n − 1."""
    return np.stack([landscape_pair(seed + i, size)[1] for i in range(n)]) if n else \
        np.zeros((0, size, size, 3), np.uint8)


@dataclass(frozen=True)
class SRTrainConfig:
    mode: str = "mse"             # "mse": SRResNet; "gan": SRGAN
    steps: int = 2000
    batch_size: int = 8
    lr: float = 1e-4              # the paper's
    hr_size: int = 128
    train_images: int = 800
    held_out: int = 4
    adversarial: float = ADVERSARIAL_WEIGHT
    seed: int = 0
    preview_every_s: float = 2.0

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        for name, low, high in (("steps", 1, 10_000_000), ("batch_size", 1, 1024),
                                ("hr_size", 16, 1024), ("train_images", 1, 1_000_000),
                                ("held_out", 1, 64), ("seed", 0, 2**30)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number in {low}..{high}, not {value!r}")
        if not self.preview_every_s > 0:            # inf: never (the command line)
            raise ValueError("preview_every_s must be a positive number of seconds")
        for name in ("lr", "adversarial"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number ≥ 0, not {value!r}")
        if self.lr <= 0 or self.preview_every_s <= 0:
            raise ValueError("the learning rate and preview_every_s must be positive")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SRPreview:
    """Held-out pictures: low-res input, bicubic, the model's output and the truth, each
    N×H×W×3 float32 in [0, 1] (the input at its own size)."""
    step: int
    low: np.ndarray
    bicubic: np.ndarray
    output: np.ndarray
    truth: np.ndarray


class SRTrainer(Trainer):
    family = "superres"
    dist = SINGLE

    def __init__(self, model_config: SRConfig = SRConfig(),
                 train_config: SRTrainConfig = SRTrainConfig(), device="auto",
                 features: nn.Module | None = None, initial: dict | None = None,
                 feature_job=None, content: str = ""):
        """features: a frozen network for the content loss, or feature_job: a callable whose
        generator trains one on the job's thread and returns (network, its accuracy);
        content: the words a checkpoint records for it."""
        # the data: landscape photos rendered when the job starts, named for the contract
        super().__init__(model_config, train_config, "landscapes", device)
        self.feature_job, self.content = feature_job, content
        if train_config.hr_size % model_config.scale:
            raise ValueError(f"{train_config.hr_size}-px photos do not shrink by "
                             f"{model_config.scale}×: pick a multiple of the scale")
        torch.manual_seed(train_config.seed)
        self.model = SRResNet(model_config).to(self.device)
        if initial is not None:            # SRGAN starts from a trained SRResNet
            self.model.load_state_dict({k: torch.as_tensor(v) for k, v in initial.items()})
        self.opt = torch.optim.Adam(self.model.parameters(), train_config.lr, betas=(0.9, 0.999))
        self.critic = None
        if train_config.mode == "gan":
            self.critic = SRDiscriminator(model_config.critic_width).to(self.device)
            self.opt_critic = torch.optim.Adam(self.critic.parameters(), train_config.lr,
                                               betas=(0.9, 0.999))
        self.feature_accuracy = None
        self._set_features(features)

    def _set_features(self, features: nn.Module | None) -> None:
        self.features = features.to(self.device).eval() if features is not None else None
        if self.features is not None:
            for p in self.features.parameters():
                p.requires_grad_(False)

    def state_numpy(self) -> dict[str, np.ndarray]:
        return state_to_numpy(self.model)

    def run(self) -> Generator[object, None, TrainResult]:
        cfg, dev, scale = self.config, self.device, self.model_config.scale
        if self.feature_job is not None and self.features is None:
            features, self.feature_accuracy = yield from self.feature_job()
            self._set_features(features)
        yield Status(f"Rendering {cfg.train_images:,} landscape photos…", 0.0)
        hr = landscape_photos(cfg.train_images, cfg.hr_size, cfg.seed)
        held = landscape_photos(cfg.held_out, cfg.hr_size, HELD_OUT_OFFSET + cfg.seed)
        hr_t, lr_t = to_tensor(hr, dev), to_tensor(downscale(hr, scale), dev)
        view_hr, view_lr = to_tensor(held, dev), to_tensor(downscale(held, scale), dev)
        g = torch.Generator().manual_seed(cfg.seed + 1)

        def one_step(step: int) -> dict[str, float]:
            idx = torch.randint(len(hr_t), (cfg.batch_size,), generator=g).to(dev)
            # batch norm's running statistics move in the forward pass, before the loss is
            # checked: whole_step puts them (and the critic) back if the step fails
            with whole_step(*[m for m in (self.model, self.critic) if m is not None]):
                return self._step(lr_t[idx], hr_t[idx], step)

        return (yield from step_loop(self, cfg.steps, cfg.batch_size, one_step,
                                     lambda: self._preview(view_lr, view_hr), cfg.preview_every_s))

    def _step(self, low: torch.Tensor, truth: torch.Tensor, step: int) -> dict[str, float]:
        cfg = self.config
        sr = self.model(low)
        logits = self.critic(sr) if self.critic is not None else None
        terms = perceptual_terms(sr, truth, logits, self.features, cfg.adversarial)
        losses = {k: float(v.detach()) for k, v in terms.items()}
        check_step(self.dist, losses.values(),
                   f"The loss became {losses['loss']} at step {step}. Training stopped; the "
                   f"model keeps the weights of step {self.steps_done}.", step)
        self.opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self.opt.step()
        if self.critic is not None:
            d_loss = (F.softplus(-self.critic(truth)).mean()
                      + F.softplus(self.critic(sr.detach())).mean())
            losses["d_loss"] = float(d_loss.detach())
            check_step(self.dist, [losses["d_loss"]], f"The discriminator's loss became "
                       f"{losses['d_loss']} at step {step}. Training stopped; the model keeps "
                       f"the weights of step {self.steps_done}.", step, can_stop=False)
            self.opt_critic.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_critic.step()
        return losses

    @torch.no_grad()
    def _preview(self, low: torch.Tensor, truth: torch.Tensor) -> SRPreview:
        from .srgan import bicubic
        was = self.model.training
        self.model.eval()
        out = self.model(low)
        self.model.train(was)
        return SRPreview(self.steps_done, to_numpy(low),
                         to_numpy(bicubic(low, self.model_config.scale)), to_numpy(out),
                         to_numpy(truth))

    def checkpoint_meta(self, result: TrainResult | None = None) -> dict:
        return {"family": self.family, "config": self.model_config.to_dict(),
                "training": self.config.to_dict(),
                "content": self.content or ("feature maps" if self.features is not None
                                            else "pixels (MSE)"),
                **({"feature_accuracy": round(self.feature_accuracy, 4)}
                   if self.feature_accuracy is not None else {}),
                **({"feature_scale": round(float(self.features.scale), 5)}
                   if hasattr(self.features, "scale") else {}),
                "dataset": {"name": "landscapes", "split": f"{self.config.train_images:,} "
                            f"training photos at {self.config.hr_size} px"},
                "steps": self.steps_done,
                "stopped_early": bool(result.stopped_early) if result else False}
