"""A noise scheduler that notebooks can use the way they use diffusers' schedulers.

    sched = NoiseScheduler("cosine", num_train_timesteps=1000)
    x_t = sched.add_noise(x0, noise, t)
    sched.set_timesteps(50)
    for t in sched.timesteps:
        out = sched.step(model(x, t), t, x, eta=0.0)
        x = out.prev_sample

`step` is DDIM's update (Song et al. 2021, eq. 12), which with η = 1 and all T steps is
DDPM's ancestral sampler with the posterior variance β̃_t; `step_ddpm` is DDPM's
Algorithm 2 as printed (Ho et al. 2020), with σ_t² = β_t or β̃_t.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .schedules import SCHEDULES, alphas_cumprod_for, betas_for, log_snr


@dataclass
class SchedulerOutput:
    prev_sample: torch.Tensor
    pred_original_sample: torch.Tensor


class NoiseScheduler:
    def __init__(self, schedule: str = "linear", num_train_timesteps: int = 1000,
                 beta_start: float = 1e-4, beta_end: float = 0.02, clip_sample: bool = True):
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if not _is_int(num_train_timesteps):
            raise ValueError(f"num_train_timesteps must be an integer, not {num_train_timesteps!r}")
        self.schedule = schedule
        self.num_train_timesteps = T = int(num_train_timesteps)
        self.clip_sample = clip_sample
        betas = betas_for(schedule, T, beta_start, beta_end)
        acp = alphas_cumprod_for(betas)
        self._acp64, self._betas64 = acp, betas  # the update maths runs in float64
        self.betas = torch.tensor(betas, dtype=torch.float32)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.tensor(acp, dtype=torch.float32)
        self.log_snr = torch.tensor(log_snr(acp), dtype=torch.float32)
        self.timesteps = torch.arange(T - 1, -1, -1, dtype=torch.long)
        self.num_inference_steps = T

    def __repr__(self) -> str:
        return (f"NoiseScheduler(schedule={self.schedule!r}, "
                f"num_train_timesteps={self.num_train_timesteps})")

    # ---------------------------------------------------------------- forward process
    def add_noise(self, original_samples: torch.Tensor, noise: torch.Tensor,
                  timesteps) -> torch.Tensor:
        """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, the closed form of q(x_t | x_0)."""
        a = self._per_sample(self.alphas_cumprod, timesteps, original_samples)
        return a.sqrt() * original_samples + (1 - a).sqrt() * noise

    def _per_sample(self, table: torch.Tensor, timesteps, like: torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(timesteps, dtype=torch.long, device=table.device)
        if t.numel() and (int(t.min()) < 0 or int(t.max()) >= self.num_train_timesteps):
            raise ValueError(f"timesteps must be in 0..{self.num_train_timesteps - 1}")
        v = table[t].to(device=like.device, dtype=like.dtype)
        return v.reshape(v.shape + (1,) * (like.dim() - v.dim()))

    # ---------------------------------------------------------------- reverse process
    def set_timesteps(self, num_inference_steps: int) -> None:
        """Choose S of the T timesteps, evenly spaced and starting at T − 1 ("trailing").

        See `spaced_timesteps`: the last step denoises code index T/S − 1 (t = T/S counted
        1-based like the papers) and jumps straight to x_0.
        """
        ts = spaced_timesteps(self.num_train_timesteps, num_inference_steps)
        self.timesteps = torch.from_numpy(ts)
        self.num_inference_steps = len(self.timesteps)

    def previous_timestep(self, t: int) -> int:
        """The timestep after `t` in the current list, or −1 (meaning x_0) after the last."""
        ts = self.timesteps.tolist()
        t = int(t)
        if t in ts:
            i = ts.index(t)
            return ts[i + 1] if i + 1 < len(ts) else -1
        return t - self.num_train_timesteps // max(1, self.num_inference_steps)

    def _acp(self, t: int) -> float:
        return float(self._acp64[t]) if t >= 0 else 1.0

    def predict_original(self, model_output: torch.Tensor, t: int, sample: torch.Tensor):
        """x̂_0 = (x_t − √(1 − ᾱ_t) ε̂)/√ᾱ_t, clipped to [−1, 1] if asked; and the ε̂ it implies."""
        a = self._acp(int(t))
        x0 = (sample - math.sqrt(1 - a) * model_output) / math.sqrt(a)
        if self.clip_sample:
            x0 = x0.clamp(-1, 1)
            eps = (sample - math.sqrt(a) * x0) / math.sqrt(1 - a)
        else:
            eps = model_output
        return x0, eps

    def step(self, model_output: torch.Tensor, timestep, sample: torch.Tensor, eta: float = 0.0,
             generator: torch.Generator | None = None, noise: torch.Tensor | None = None
             ) -> SchedulerOutput:
        """One DDIM step from x_t to x_{t_prev}:

        x_prev = √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε̂ + σ z,
        σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev).
        """
        if not (math.isfinite(eta) and 0.0 <= eta <= 1.0):
            raise ValueError(f"η must be in [0, 1], not {eta}")
        t = int(timestep)
        if not 0 <= t < self.num_train_timesteps:
            raise ValueError(f"timestep must be in 0..{self.num_train_timesteps - 1}, not {t}")
        prev = self.previous_timestep(t)
        a_t, a_prev = self._acp(t), self._acp(prev)
        x0, eps = self.predict_original(model_output, t, sample)
        sigma = eta * math.sqrt((1 - a_prev) / (1 - a_t)) * math.sqrt(1 - a_t / a_prev)
        prev_sample = math.sqrt(a_prev) * x0 + math.sqrt(max(0.0, 1 - a_prev - sigma ** 2)) * eps
        if sigma > 0:
            z = noise if noise is not None else _randn_like(sample, generator)
            prev_sample = prev_sample + sigma * z
        return SchedulerOutput(prev_sample, x0)

    def step_ddpm(self, model_output: torch.Tensor, timestep, sample: torch.Tensor,
                  generator: torch.Generator | None = None, variance: str = "beta",
                  noise: torch.Tensor | None = None) -> SchedulerOutput:
        """DDPM's Algorithm 2: x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) ε̂)/√α_t + σ_t z, z = 0 at t = 1.

        `variance` is "beta" (σ_t² = β_t) or "posterior" (σ_t² = β̃_t = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t)).
        It always steps by one training timestep, whatever `set_timesteps` chose.
        """
        if variance not in ("beta", "posterior"):  # checked here, or t = 0 would let it pass
            raise ValueError(f"variance must be 'beta' or 'posterior', not {variance!r}")
        t = int(timestep)
        if not 0 <= t < self.num_train_timesteps:
            raise ValueError(f"timestep must be in 0..{self.num_train_timesteps - 1}, not {t}")
        beta = float(self._betas64[t])
        a_t, a_prev = self._acp(t), self._acp(t - 1)
        mean = (sample - beta / math.sqrt(1 - a_t) * model_output) / math.sqrt(1 - beta)
        x0 = (sample - math.sqrt(1 - a_t) * model_output) / math.sqrt(a_t)
        if self.clip_sample:
            x0 = x0.clamp(-1, 1)
        if t > 0:
            var = beta if variance == "beta" else beta * (1 - a_prev) / (1 - a_t)
            z = noise if noise is not None else _randn_like(sample, generator)
            mean = mean + math.sqrt(var) * z
        return SchedulerOutput(mean, x0)


def spaced_timesteps(T: int, S: int) -> np.ndarray:
    """S of the T code indices, evenly spaced, descending, starting at T − 1 ("trailing").

    Counted 1-based like the papers they are T, T − T/S, …, T/S (rounded): starting at the
    last timestep means even S = 1 begins from pure noise, and the final step goes from
    t = T/S to x_0 in one jump, so it does not end at t = 1 unless S = T.
    """
    if not _is_int(T) or T < 1:
        raise ValueError(f"T must be a positive integer, not {T!r}")
    if not _is_int(S) or not 1 <= S <= T:
        raise ValueError(f"the number of steps must be an integer in 1..{T}, not {S!r}")
    # exactly S points: a float-stepped arange can overshoot by one and reach t = −1
    ts = np.round(T - np.arange(int(S)) * (T / int(S))).astype(np.int64) - 1
    return np.unique(ts)[::-1].copy()


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _randn_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    if generator is not None and generator.device != x.device:
        return torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
