"""What the latent tools work on: an inference model plus the encoded held-out images."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.autoencoder.api import AutoencoderModel
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
    scales: np.ndarray | None = None   # N×d σ of q(z|x) for a Gaussian encoder, else None

    @classmethod
    def build(cls, model: AutoencoderModel, images: np.ndarray, labels: np.ndarray,
              classes: tuple[str, ...], latents: np.ndarray | None = None) -> "LatentSpace":
        scales = None
        if latents is None:     # one pass gives the means and, for a Gaussian encoder, σ
            z, scales = model.encode_posterior(images)
        else:
            z = np.asarray(latents, np.float32)
        return cls(model, images, labels, tuple(classes), z, PlaneProjection.fit(z), scales)

    @property
    def plane(self) -> np.ndarray:
        return self.projection.to_plane(self.latents)

    def to_latent(self, xy) -> np.ndarray:
        return self.projection.from_plane(np.atleast_2d(np.asarray(xy, np.float32)))

    def to_plane(self, z) -> np.ndarray:
        return self.projection.to_plane(np.atleast_2d(z))

    def decode_plane(self, xy) -> np.ndarray:
        return self.model.decode(self.to_latent(xy))

    def axis_notes(self) -> tuple[str, str]:
        """What a reader must know about each axis: a latent dimension that hardly varies
        over the held-out images is one the encoder does not use. A VAE's prior fixes the
        scale (std < 0.05 against the prior's 1 is posterior collapse); a plain AE has no
        scale, so there a dimension counts when it varies 50× less than the other."""
        if not self.projection.is_identity or self.latents.shape[1] < 2 or not len(self.latents):
            return "", ""
        std = self.latents[:, :2].std(0)
        if self.model.variational:
            return tuple("collapsed: the encoder ignores it" if s < 0.05 else "" for s in std)
        return tuple("barely varies: the encoder hardly uses it" if s < 0.02 * std.max()
                     else "" for s in std)

    def axis_names(self) -> tuple[str, str]:
        if self.projection.is_identity:
            return "z₁", "z₂"
        ev = self.projection.explained
        return f"PC 1 ({ev[0]:.0%} of variance)", f"PC 2 ({ev[1]:.0%})"
