"""The reverse process: DDPM ancestral sampling and DDIM, with classifier-free guidance.

`reverse_chain` is a generator so that callers can watch every step (the GUI's chain
animation) or just take the last one (`run_chain`). Images live in [−1, 1] here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generator

import torch

from .scheduler import NoiseScheduler

SAMPLERS = ("ddim", "ddpm")


@dataclass
class ChainStep:
    index: int          # 1-based step number
    steps: int          # how many steps the chain has
    t: int              # the timestep just denoised (code index 0..T−1)
    sample: torch.Tensor          # x_{t_prev}
    pred_original: torch.Tensor   # x̂_0 predicted at t
    evaluations: int = 0          # ε̂-network evaluations so far, this step's included


def evaluations_per_step(labels: torch.Tensor | None, guidance: float, num_classes: int) -> int:
    """How many ε̂ evaluations one step of `guided_eps` costs: 2 under guidance, else 1.

    Guidance needs ε̂(x, y) and ε̂(x, ∅); `guided_eps` runs them as one forward pass on a
    doubled batch, which costs about what two passes on the plain batch cost, so it counts 2.
    """
    return 2 if labels is not None and num_classes and guidance != 0 else 1


def guided_eps(model, x: torch.Tensor, t: int, labels: torch.Tensor | None, guidance: float,
               num_classes: int) -> torch.Tensor:
    """ε̂ with classifier-free guidance: (1 + w) ε̂(x, t, y) − w ε̂(x, t, ∅).

    w = 0 is the plain conditional model; without labels the model is asked unconditionally.
    """
    tt = torch.full((x.shape[0],), int(t), device=x.device, dtype=torch.long)
    if labels is None or num_classes == 0:
        return model(x, tt, None)
    if guidance == 0:
        return model(x, tt, labels)
    null = torch.full_like(labels, num_classes)
    both = model(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([labels, null]))
    cond, uncond = both.chunk(2)
    return (1 + guidance) * cond - guidance * uncond


def check_sampling_args(scheduler: NoiseScheduler, steps: int, eta: float, guidance: float,
                        sampler: str) -> None:
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, not {sampler!r}")
    T = scheduler.num_train_timesteps
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= T:
        raise ValueError(f"steps must be an integer in 1..{T}, not {steps!r}")
    if not (isinstance(eta, (int, float)) and math.isfinite(eta) and 0 <= eta <= 1):
        raise ValueError(f"η must be in [0, 1], not {eta!r}")
    if not (isinstance(guidance, (int, float)) and math.isfinite(guidance) and 0 <= guidance <= 50):
        raise ValueError(f"guidance scale must be in [0, 50], not {guidance!r}")


@torch.no_grad()
def reverse_chain(model, scheduler: NoiseScheduler, x_T: torch.Tensor, steps: int = 50,
                  eta: float = 0.0, sampler: str = "ddim", labels: torch.Tensor | None = None,
                  guidance: float = 0.0, generator: torch.Generator | None = None,
                  num_classes: int = 0) -> Generator[ChainStep, None, torch.Tensor]:
    """Denoise x_T step by step; yields after every step and returns x_0.

    "ddpm" runs all T steps of Algorithm 2 (σ_t² = β_t) and ignores `steps` and `eta`;
    "ddim" runs `steps` evenly spaced steps with noise scale η. Each step evaluates the
    ε̂-network once (twice under guidance); ChainStep.evaluations counts them.
    """
    check_sampling_args(scheduler, steps, eta, guidance, sampler)
    if sampler == "ddpm":
        timesteps = list(range(scheduler.num_train_timesteps - 1, -1, -1))
    else:
        scheduler.set_timesteps(steps)
        timesteps = scheduler.timesteps.tolist()
    x = x_T
    per_step = evaluations_per_step(labels, guidance, num_classes)
    for i, t in enumerate(timesteps, 1):
        eps = guided_eps(model, x, t, labels, guidance, num_classes)
        if sampler == "ddpm":
            out = scheduler.step_ddpm(eps, t, x, generator=generator)
        else:
            out = scheduler.step(eps, t, x, eta=eta, generator=generator)
        x = out.prev_sample
        yield ChainStep(i, len(timesteps), t, x, out.pred_original_sample, i * per_step)
    return x


def run_chain(*args, **kwargs) -> torch.Tensor:
    chain = reverse_chain(*args, **kwargs)
    while True:
        try:
            next(chain)
        except StopIteration as done:
            return done.value
