"""What every inference object shares: a module built from a config, and its weights as numpy.

Subclasses set `family` (the checkpoint family) and `config_class` (with `from_dict` /
`to_dict`), and say how to build their module from a config (`build_module`).
"""
from __future__ import annotations

import os

import numpy as np
import torch

from .checkpoint import CheckpointError, check_state, save_checkpoint


class WeightsMixin:
    family: str
    config_class: type
    module: torch.nn.Module

    def __init__(self, config=None, meta: dict | None = None, device: str = "cpu"):
        self.config = config if config is not None else self.config_class()
        self.meta = dict(meta or {})
        self.device = torch.device(device)
        self.module = self.build_module(self.config).to(self.device).eval()

    @staticmethod
    def build_module(config) -> torch.nn.Module:
        raise NotImplementedError

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], meta: dict, source: str = "<memory>",
                   device: str = "cpu"):
        try:
            config = cls.config_class.from_dict(meta["config"])
        except (TypeError, ValueError, KeyError) as exc:
            raise CheckpointError(f"{source}: bad {cls.family} configuration ({exc}).") from exc
        model = cls(config, meta, device)
        model.load_state(state, source)
        return model

    def expected_state(self) -> dict:
        return {k: (tuple(v.shape), np.dtype(str(v.dtype).replace("torch.", "")))
                for k, v in self.module.state_dict().items()}

    def load_state(self, state: dict[str, np.ndarray], source: str | os.PathLike = "<memory>") -> None:
        check_state(state, self.expected_state(), source)
        self.module.load_state_dict({k: torch.from_numpy(np.array(v, copy=True))
                                     for k, v in state.items()})

    def state_numpy(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.module.state_dict().items()}

    def save(self, directory: str | os.PathLike, **extra_meta) -> None:
        meta = {**self.meta, **extra_meta, "family": self.family, "config": self.config.to_dict()}
        save_checkpoint(directory, self.state_numpy(), meta)
