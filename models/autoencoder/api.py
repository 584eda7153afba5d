"""The inference face of an autoencoder: numpy in, numpy out, no gradients, CPU by default."""
from __future__ import annotations


import numpy as np
import torch

from .nets import AEConfig, Autoencoder, build_model
from ..data import to_float
from ..weights import WeightsMixin


class AutoencoderModel(WeightsMixin):
    """Wraps an Autoencoder for encoding, decoding and sampling with numpy arrays.

    It owns its module, so the GUI can give it a snapshot of a model that is training
    elsewhere without ever touching that model.
    """

    config_class = AEConfig
    family = "autoencoder"

    module: Autoencoder
    build_module = staticmethod(build_model)

    @classmethod
    def check_meta(cls, meta: dict, config: AEConfig, source) -> None:
        """The box a plain AE samples from (see latent.prior_draws) is read only when
        sampling; refuse one that would fail there, or draw NaNs, while loading."""
        if "latent_box" not in meta:
            return
        from ..checkpoint import CheckpointError
        d = config.latent_dim
        try:
            box = np.array(meta["latent_box"], dtype=np.float32)
        except (TypeError, ValueError, OverflowError) as exc:
            raise CheckpointError(f"{source}: 'latent_box' is not a table of numbers ({exc}).") from exc
        with np.errstate(over="ignore"):
            ok = (box.shape == (2, d) and np.isfinite(box).all() and (box[0] <= box[1]).all()
                  and np.isfinite(box[1] - box[0]).all())
        if not ok:
            raise CheckpointError(f"{source}: 'latent_box' must be two rows (min, max) of {d} "
                                  "finite numbers each, min ≤ max.")

    # ---------------------------------------------------------------- inference
    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def variational(self) -> bool:
        return self.config.variational

    @torch.inference_mode()
    def encode(self, images) -> np.ndarray:
        """N×28×28 uint8 (0–255) or float (0–1) → N×d latent codes (the mean for a VAE)."""
        x = torch.from_numpy(to_float(images)).to(self.device)
        out = [self.module.encode(x[i:i + 2048])[0] for i in range(0, len(x), 2048)]
        return torch.cat(out).cpu().numpy() if out else np.zeros((0, self.latent_dim), np.float32)

    @torch.inference_mode()
    def decode(self, z) -> np.ndarray:
        """N×d latent codes → N×28×28 float32 images in [0, 1]."""
        z = np.asarray(z, dtype=np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"expected N×{self.latent_dim} latent codes, got shape {z.shape}")
        if not np.isfinite(z).all():
            raise ValueError("latent codes contain NaN or infinite values")
        zt = torch.from_numpy(z).to(self.device)
        out = [self.module.decode(zt[i:i + 2048])[:, 0] for i in range(0, len(zt), 2048)]
        return torch.cat(out).cpu().numpy() if out else np.zeros((0, 28, 28), np.float32)

    def sample(self, n: int, seed: int | None = None, latents: np.ndarray | None = None) -> np.ndarray:
        """Decode n draws from the prior. See `prior_draws` for what 'prior' means for an AE."""
        from ..latent import prior_draws
        return self.decode(prior_draws(self, n, seed=seed, latents=latents))
