"""The inference face of the translation family: trained models loaded from checkpoints.

    cyc = CycleGANModel.from_state(...)        # or models.load_checkpoint("checkpoints/…")
    winter = cyc.translate(summer)             # H×W×3 uint8 (or a batch) → the same shape
    back = cyc.cycle(summer)                   # x → G → F: what the cycle loss compares with x
    unit.encode(digits, "A")                   # N×D codes in the shared latent space
    sr.upscale(low)                            # h×w×3 → 4h×4w×3

Images are uint8: H×W×3 RGB, or H×W grey where a domain is grey (UNIT's MNIST side; a
CycleGAN takes grey too, repeated into RGB). A batch adds a leading N. Wrong shapes and types
are refused with a ValueError that says what is expected.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..weights import WeightsMixin
from .cyclegan import CycleGANConfig, ResnetGenerator
from .srgan import SRConfig, SRResNet, bicubic
from .unit import UNIT, UNITConfig

DIRECTIONS = ("AtoB", "BtoA")
MAX_SIDE = 512          # translators: larger inputs are refused (memory, and seconds a picture)
MAX_LOW_SIDE = 256      # super-resolution input: 256 px becomes 1024 px at 4×
MIN_SIDE = 8            # CycleGAN: two halvings leave 2 px, the least its reflection padding takes


def _direction(direction: str) -> str:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'AtoB' or 'BtoA', not {direction!r}")
    return direction


def as_batch(x, channels: int, multiple: int = 1, max_side: int = MAX_SIDE,
             size: int | None = None, min_side: int = 1) -> tuple[np.ndarray, bool]:
    """A uint8 image or batch → (N×H×W×channels, was it one image). Grey becomes RGB when
    RGB is wanted; RGB is refused where grey is wanted (which grey would it be?)."""
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise ValueError(f"give uint8 images (0–255), not {x.dtype}")
    if x.ndim == 3 and x.shape[-1] == 4:          # RGBA, not a grey batch 4 pixels wide
        raise ValueError(f"give RGB or grey images, not 4 channels (shape {x.shape}): lay "
                         "a transparent image on a background first")
    single = x.ndim == 2 or (x.ndim == 3 and x.shape[-1] in (1, 3))   # H×W×C, not N×H×W
    batch = x[None] if single else x
    if batch.ndim == 3:                                    # N×H×W grey
        batch = batch[..., None]
    if batch.ndim != 4 or batch.shape[-1] not in (1, 3) or len(batch) == 0:
        raise ValueError(f"give an H×W(×3) image or a non-empty N×H×W(×3) batch, not shape {x.shape}")
    if batch.shape[-1] != channels:
        if channels == 3:
            batch = np.repeat(batch, 3, axis=-1)
        else:
            raise ValueError(f"this side takes grey H×W images, not {batch.shape[-1]} channels")
    h, w = batch.shape[1:3]
    if size is not None and (h, w) != (size, size):
        raise ValueError(f"this model takes {size}×{size} images, not {w}×{h}")
    if h % multiple or w % multiple or h < multiple or w < multiple:
        raise ValueError(f"image sides must be multiples of {multiple}, not {w}×{h}")
    if min(h, w) < min_side:
        raise ValueError(f"{w}×{h} is smaller than the {min_side}×{min_side} this model takes")
    if max(h, w) > max_side:
        raise ValueError(f"{w}×{h} is larger than the {max_side}×{max_side} this model takes; "
                         "shrink it first")
    return np.ascontiguousarray(batch), single


def _to_tensor(batch: np.ndarray, device) -> torch.Tensor:
    if not batch.flags.writeable:       # a dataset's read-only view: torch warns, wants its own
        batch = batch.copy()
    return torch.from_numpy(batch).to(device).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def _to_uint8(x: torch.Tensor, single: bool) -> np.ndarray:
    out = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    out = out.permute(0, 2, 3, 1).cpu().numpy()
    if out.shape[-1] == 1:
        out = out[..., 0]
    return out[0] if single else out


class Translators(nn.Module):
    """CycleGAN's two generators, G: A → B and F: B → A (what a checkpoint holds)."""

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.G = ResnetGenerator(config.width, config.blocks)
        self.F = ResnetGenerator(config.width, config.blocks)


class CycleGANModel(WeightsMixin):
    config_class = CycleGANConfig
    family = "cyclegan"

    @staticmethod
    def build_module(config: CycleGANConfig) -> Translators:
        return Translators(config)

    @property
    def cycle_weight(self) -> float:
        """λ of the cycle loss this model trained with (0: trained without it)."""
        return float(self.meta.get("training", {}).get("cycle", 10.0))

    def _run(self, x, nets) -> np.ndarray:
        batch, single = as_batch(x, 3, multiple=4, min_side=MIN_SIDE)
        t = _to_tensor(batch, self.device)
        with torch.no_grad():
            for net in nets:
                t = net(t)
        return _to_uint8(t, single)

    def _nets(self, direction: str) -> tuple[nn.Module, nn.Module]:
        m = self.module
        return (m.G, m.F) if _direction(direction) == "AtoB" else (m.F, m.G)

    def translate(self, x, direction: str = "AtoB") -> np.ndarray:
        """G(x) for AtoB, F(x) for BtoA."""
        return self._run(x, self._nets(direction)[:1])

    def cycle(self, x, direction: str = "AtoB") -> np.ndarray:
        """x → G → F for AtoB (F → G for BtoA): the reconstruction the cycle loss compares with x."""
        return self._run(x, self._nets(direction))

    @torch.no_grad()
    def round_trip(self, x, direction: str = "AtoB") -> tuple[np.ndarray, np.ndarray]:
        """(translation, reconstruction) in one pass of each generator: exactly
        (translate(x), cycle(x)), the second network taking the first's output unrounded."""
        first, second = self._nets(direction)
        batch, single = as_batch(x, 3, multiple=4, min_side=MIN_SIDE)
        there = first(_to_tensor(batch, self.device))
        return _to_uint8(there, single), _to_uint8(second(there), single)


class UNITModel(WeightsMixin):
    config_class = UNITConfig
    family = "unit"

    @staticmethod
    def build_module(config: UNITConfig) -> UNIT:
        return UNIT(config)

    def _channels(self, domain: str) -> int:
        if domain not in ("A", "B"):
            raise ValueError(f"domain must be 'A' or 'B', not {domain!r}")
        return self.config.channels_a if domain == "A" else self.config.channels_b

    def _tensor(self, x, domain: str) -> tuple[torch.Tensor, bool]:
        batch, single = as_batch(x, self._channels(domain), size=28)
        return _to_tensor(batch, self.device), single

    @torch.no_grad()
    def encode(self, x, domain: str) -> np.ndarray:
        """The mean of q(z|x) for images of `domain`, flattened: N×(latent·7·7) float32 (one
        row for one image). Both domains land in the same space."""
        t, single = self._tensor(x, domain)
        z = self.module.encode(t, domain).flatten(1).cpu().numpy().astype(np.float32)
        return z[0] if single else z

    @torch.no_grad()
    def translate(self, x, direction: str = "AtoB") -> np.ndarray:
        source, target = ("A", "B") if _direction(direction) == "AtoB" else ("B", "A")
        t, single = self._tensor(x, source)
        return _to_uint8(self.module.translate(t, source, target), single)

    @torch.no_grad()
    def cycle(self, x, direction: str = "AtoB") -> np.ndarray:
        source, target = ("A", "B") if _direction(direction) == "AtoB" else ("B", "A")
        t, single = self._tensor(x, source)
        there = self.module.translate(t, source, target)
        return _to_uint8(self.module.translate(there, target, source), single)

    def round_trip(self, x, direction: str = "AtoB") -> tuple[np.ndarray, np.ndarray]:
        return self.translate(x, direction), self.cycle(x, direction)


class SRModel(WeightsMixin):
    """SRResNet or SRGAN (the same generator; meta["training"]["mode"] says which loss)."""
    config_class = SRConfig
    family = "superres"

    @staticmethod
    def build_module(config: SRConfig) -> SRResNet:
        return SRResNet(config)

    @property
    def kind(self) -> str:
        """"SRGAN" (perceptual loss) or "SRResNet" (pixel MSE)."""
        return "SRGAN" if self.meta.get("training", {}).get("mode") == "gan" else "SRResNet"

    @torch.no_grad()
    def upscale(self, x) -> np.ndarray:
        """h×w×3 uint8 (or a batch; grey is repeated into RGB) → (scale·h)×(scale·w)×3."""
        batch, single = as_batch(x, 3, max_side=MAX_LOW_SIDE)
        self.module.eval()
        return _to_uint8(self.module(_to_tensor(batch, self.device)), single)

    def bicubic(self, x) -> np.ndarray:
        """The baseline at this model's scale."""
        return bicubic_upscale(x, self.config.scale)


def bicubic_upscale(x, scale: int = 4) -> np.ndarray:
    batch, single = as_batch(x, 3, max_side=MAX_LOW_SIDE)
    return _to_uint8(bicubic(_to_tensor(batch, "cpu"), scale), single)
