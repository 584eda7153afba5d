"""What the latent tools work on: an inference model plus the encoded held-out images."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.autoencoder_api import AutoencoderModel
from models.latent import PlaneProjection


@dataclass
class LatentSpace:
    """An inference copy of a model and the held-out images it encodes.

    The model here is never one that is training: it is a pretrained checkpoint or a
    snapshot of a training run's weights, so the GUI thread may use it freely.
    """

    model: AutoencoderModel
    images: np.ndarray         # N×28×28 uint8
    labels: np.ndarray         # N
    classes: tuple[str, ...]
    latents: np.ndarray        # N×d
    projection: PlaneProjection

    @classmethod
    def build(cls, model: AutoencoderModel, images: np.ndarray, labels: np.ndarray,
              classes: tuple[str, ...], latents: np.ndarray | None = None) -> "LatentSpace":
        z = model.encode(images) if latents is None else np.asarray(latents, np.float32)
        return cls(model, images, labels, tuple(classes), z, PlaneProjection.fit(z))

    @property
    def plane(self) -> np.ndarray:
        return self.projection.to_plane(self.latents)

    def to_latent(self, xy) -> np.ndarray:
        return self.projection.from_plane(np.atleast_2d(np.asarray(xy, np.float32)))

    def to_plane(self, z) -> np.ndarray:
        return self.projection.to_plane(np.atleast_2d(z))

    def decode_plane(self, xy) -> np.ndarray:
        return self.model.decode(self.to_latent(xy))

    def axis_names(self) -> tuple[str, str]:
        if self.projection.is_identity:
            return "z₁", "z₂"
        ev = self.projection.explained
        return f"PC 1 ({ev[0]:.0%} of variance)", f"PC 2 ({ev[1]:.0%})"
