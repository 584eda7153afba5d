"""Diffusion models: schedules, a diffusers-style scheduler, a small U-Net, training and sampling.

    from models.diffusion import NoiseScheduler
    sched = NoiseScheduler("cosine", num_train_timesteps=1000)

The names below are imported on first use, so listing the families (which imports
models.diffusion.family, and so this package) loads no network code.
"""
import importlib

_WHERE = {"ChainFrame": "api", "DiffusionModel": "api", "NoiseScheduler": "scheduler",
          "SchedulerOutput": "scheduler", "SCHEDULES": "schedules", "betas_for": "schedules",
          "DiffusionConfig": "unet", "UNet": "unet"}
__all__ = ["NoiseScheduler", "SchedulerOutput", "DiffusionConfig", "UNet", "DiffusionModel",
           "ChainFrame", "SCHEDULES", "betas_for"]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
