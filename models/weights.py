"""What every inference object shares: a module built from a config, and its weights as numpy.

Subclasses set `family` (the checkpoint family) and `config_class` (with `from_dict` /
`to_dict`), and say how to build their module from a config (`build_module`).

Loading never trusts a configuration with memory: the module is first built on PyTorch's
"meta" device (shapes only, no storage), its parameter count bounded, and its names and shapes
compared with the weight file's header. Only a checkpoint that passes reads a weight or
allocates a real module, so a 200-byte file cannot ask for gigabytes.
"""
from __future__ import annotations

import math
import os

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from .checkpoint import CheckpointError, check_state, read_tensors, save_checkpoint

# 250 M float32 parameters is 1 GB, more than any model of this app needs (pix2pix at 256 px,
# the largest, has 54 M); a family may set its own bound.
MAX_PARAMETERS = 250_000_000


class WeightsMixin:
    family: str
    config_class: type
    module: torch.nn.Module
    max_parameters: int = MAX_PARAMETERS

    def __init__(self, config=None, meta: dict | None = None, device: str = "cpu"):
        self.config = config if config is not None else self.config_class()
        self.meta = dict(meta or {})
        self.device = torch.device(device)
        self.module = self.build_module(self.config).to(self.device).eval()

    @staticmethod
    def build_module(config) -> torch.nn.Module:
        raise NotImplementedError

    # ---------------------------------------------------------------- loading
    @classmethod
    def config_from_meta(cls, meta: dict, source: str | os.PathLike):
        # another family's checkpoint is refused by name, before its configuration is read:
        # its fields may even parse as this family's, and then only weight names would differ
        family = meta.get("family", cls.family)
        if family != cls.family:
            raise CheckpointError(f"{source} is a {family!r} checkpoint, not a {cls.family!r} one.")
        try:
            return cls.config_class.from_dict(meta["config"])
        except (TypeError, ValueError, KeyError, OverflowError, RecursionError) as exc:
            raise CheckpointError(f"{source}: bad {cls.family} configuration ({exc}).") from exc

    @classmethod
    def check_meta(cls, meta: dict, config, source: str | os.PathLike) -> None:
        """Refuse metadata this family reads later (say, at sampling) that cannot work.
        The base class reads none beyond what checkpoint.py checks."""

    @classmethod
    def expected_for(cls, config, source: str | os.PathLike = "<memory>") -> dict:
        """Names → (shape, dtype) of the weights `config` needs, from a module built on the
        meta device (no memory), refusing one larger than the family's bound."""
        with torch.device("meta"), _NoRandomFills():
            module = cls.build_module(config)
        count = sum(math.prod(p.shape) for p in module.state_dict().values())
        if count > cls.max_parameters:
            raise CheckpointError(f"{source}: its configuration asks for {count:,} weights; a "
                                  f"{cls.family} model may have at most {cls.max_parameters:,}.")
        return _expected(module)

    @classmethod
    def from_checkpoint(cls, weights, tensors: dict, meta: dict, source: str | os.PathLike,
                        device: str = "cpu"):
        """The model of a checkpoint whose header (`tensors`, from checkpoint.read_header)
        and metadata were read: checked against the configuration before any weight is."""
        config = cls.config_from_meta(meta, source)
        cls.check_meta(meta, config, source)
        check_state(tensors, cls.expected_for(config, source), source)
        state = read_tensors(weights, tensors)
        model = cls(config, meta, device)
        model.load_state(state, source)
        return model

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], meta: dict, source: str = "<memory>",
                   device: str = "cpu"):
        config = cls.config_from_meta(meta, source)
        cls.check_meta(meta, config, source)
        check_state(state, cls.expected_for(config, source), source)
        model = cls(config, meta, device)
        model.load_state(state, source)
        return model

    def expected_state(self) -> dict:
        return _expected(self.module)

    def load_state(self, state: dict[str, np.ndarray], source: str | os.PathLike = "<memory>") -> None:
        check_state(state, self.expected_state(), source)
        self.module.load_state_dict({k: torch.from_numpy(np.array(v, copy=True))
                                     for k, v in state.items()})

    def state_numpy(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.module.state_dict().items()}

    def save(self, directory: str | os.PathLike, **extra_meta) -> None:
        meta = {**self.meta, **extra_meta, "family": self.family, "config": self.config.to_dict()}
        save_checkpoint(directory, self.state_numpy(), meta)


class _NoRandomFills(TorchFunctionMode):
    """Skips initialisers (torch.nn.init's, and random in-place fills) while a module is built on
    the meta device, where there are no values to fill. normal_ has no meta kernel: it falls
    back to a Python reference that imports torch._dynamo, about 2 s, and a panel loads its
    shipped checkpoints on the GUI thread. Torch-function modes are per thread, so a job
    initialising a real model on another thread is not affected."""

    FILLS = {torch.Tensor.normal_, torch.Tensor.uniform_, torch.Tensor.bernoulli_,
             torch.Tensor.exponential_, torch.Tensor.log_normal_, torch.Tensor.cauchy_,
             torch.Tensor.geometric_, torch.Tensor.random_}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        fills = func in self.FILLS or getattr(func, "__module__", None) == "torch.nn.init"
        tensor = args[0] if args else kwargs.get("tensor")     # torch.nn.init passes keywords
        if fills and isinstance(tensor, torch.Tensor) and tensor.is_meta:
            return tensor
        return func(*args, **kwargs)


def _expected(module: torch.nn.Module) -> dict:
    return {k: (tuple(v.shape), np.dtype(str(v.dtype).replace("torch.", "")))
            for k, v in module.state_dict().items()}
