"""The inference face of pix2pix: Pix2PixModel.translate, label maps (or A images) in,
pictures out; and the configuration and pixel codecs that training shares with it."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..checks import from_fields
from ..weights import WeightsMixin
from .landscapes import CLASSES, validate_label_map
from .networks import UNetConfig, UNetGenerator, batch_stats_at_inference, keep_dropout_on, seed_dropout

INPUTS = ("classes", "rgb")


@dataclass(frozen=True)
class Pix2PixConfig:
    """What rebuilds a generator: its input kind, image size and U-Net."""
    input: str = "classes"
    num_classes: int = len(CLASSES)
    size: int = 64
    depth: int = 6
    width: int = 64
    dropout: float = 0.5

    def __post_init__(self):
        if self.input not in INPUTS:
            raise ValueError(f"input must be one of {', '.join(INPUTS)}, not {self.input!r}")
        if self.size not in (32, 64, 128, 256):
            raise ValueError(f"size must be 32, 64, 128 or 256, not {self.size!r}")
        if self.input == "classes" and not (isinstance(self.num_classes, int)
                                            and 2 <= self.num_classes <= 64):
            raise ValueError(f"num_classes must be an integer in 2..64, not {self.num_classes!r}")
        self.generator_config()     # validates depth, width, dropout (depth first: 2**depth)
        if self.size % (2 ** self.depth):
            raise ValueError(f"a depth-{self.depth} U-Net needs a size divisible by {2 ** self.depth}")

    @property
    def in_channels(self) -> int:
        return self.num_classes if self.input == "classes" else 3

    def generator_config(self) -> UNetConfig:
        return UNetConfig(self.in_channels, 3, self.depth, self.width, self.dropout)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Pix2PixConfig":
        return from_fields(cls, d)


def encode_inputs(a: np.ndarray, config: Pix2PixConfig) -> torch.Tensor:
    """Class maps N×H×W → one-hot N×K×H×W; RGB N×H×W×3 uint8 → N×3×H×W in [−1, 1]."""
    if config.input == "classes":
        maps = torch.from_numpy(np.asarray(a, np.int64))
        return torch.nn.functional.one_hot(maps, config.num_classes).permute(0, 3, 1, 2).float()
    return encode_rgb(a)


def encode_rgb(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(images, np.float32) / 127.5 - 1).permute(0, 3, 1, 2)


def decode_rgb(x: torch.Tensor) -> np.ndarray:
    """N×3×H×W in [−1, 1] → N×H×W×3 uint8."""
    x = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


class Pix2PixModel(WeightsMixin):
    """A trained generator: label maps (or A images) in, pictures out."""
    config_class = Pix2PixConfig
    family = "pix2pix"

    @staticmethod
    def build_module(config: Pix2PixConfig) -> UNetGenerator:
        return UNetGenerator(config.generator_config())

    @torch.no_grad()
    def translate(self, x, noise: bool = True, seed: int | None = None,
                  batch_stats: bool = False) -> np.ndarray:
        """One H×W class map (or H×W×3 RGB image for an "rgb" model) → H×W×3 uint8; a batch
        N×H×W (N×H×W×3) → N×H×W×3. noise keeps dropout on, the paper's only noise; seed
        fixes it. batch_stats normalises with the statistics of the batch given, as the
        paper does at test time (for one map: its own statistics, like instance norm),
        instead of the running averages; the running averages stay as they are."""
        c = self.config
        x = np.asarray(x)
        single = x.ndim == (2 if c.input == "classes" else 3)
        batch = x[None] if single else x
        if c.input == "classes":
            if batch.ndim != 3 or len(batch) == 0 or batch.shape[1:] != (c.size, c.size):
                raise ValueError(f"give a {c.size}×{c.size} class map or a non-empty N×{c.size}"
                                 f"×{c.size} batch of them, not an array of shape {x.shape}")
            batch = np.stack([validate_label_map(m, c.size) for m in batch])
            if batch.max(initial=0) >= c.num_classes:
                raise ValueError(f"class indices must be below {c.num_classes}")
        elif batch.ndim != 4 or len(batch) == 0 or batch.shape[1:] != (c.size, c.size, 3):
            raise ValueError(f"give {c.size}×{c.size}×3 RGB images, not shape {x.shape}")
        elif batch.dtype != np.uint8:
            raise ValueError(f"give RGB images as uint8 (0–255), not {batch.dtype}")
        self.module.eval()
        keep_dropout_on(self.module, noise)
        generator = None
        if seed is not None:
            generator = torch.Generator(self.device).manual_seed(int(seed))
        seed_dropout(self.module, generator)
        try:
            with batch_stats_at_inference(self.module, batch_stats):
                out = decode_rgb(self.module(encode_inputs(batch, c).to(self.device)))
        finally:
            seed_dropout(self.module, None)
        return out[0] if single else out
