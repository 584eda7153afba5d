"""Diffusion models: schedules, a diffusers-style scheduler, a small U-Net, training and sampling.

    from models.diffusion import NoiseScheduler
    sched = NoiseScheduler("cosine", num_train_timesteps=1000)
"""
from .api import ChainFrame, DiffusionModel
from .scheduler import NoiseScheduler, SchedulerOutput
from .schedules import SCHEDULES, betas_for
from .unet import DiffusionConfig, UNet

__all__ = ["NoiseScheduler", "SchedulerOutput", "DiffusionConfig", "UNet", "DiffusionModel",
           "ChainFrame", "SCHEDULES", "betas_for"]
