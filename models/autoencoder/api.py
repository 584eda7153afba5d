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

    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def has_prior(self) -> bool:
        """Whether p(z) is part of the model (all but the plain AE)."""
        return self.config.kind != "ae"

    @property
    def autoregressive(self) -> bool:
        """A PixelCNN decoder: decode() draws pixel by pixel (about a second for a few)."""
        return self.config.decoder == "pixelcnn"

    def prior_sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n×d draws from the model's prior: N(0, I) for the VAE, the matched prior for an
        AAE or WAE, z₁ by ancestral sampling (z₂ ~ N(0, I), z₁ ~ p(z₁|z₂)) for the
        hierarchical VAE. A plain AE has none (ValueError; see latent.prior_draws)."""
        from .objectives import draw_prior
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a whole number ≥ 0, not {n!r}")
        if not self.has_prior:
            raise ValueError("a plain autoencoder has no prior to sample")
        g = torch.Generator().manual_seed(int(seed) if seed is not None else
                                          int(np.random.SeedSequence().entropy % 2**63))
        c = self.config
        if c.kind == "hvae":
            z2 = torch.randn(int(n), c.top_dim, generator=g)
            eps = torch.randn(int(n), c.latent_dim, generator=g)
            with torch.inference_mode():
                return self.module.sample_z1(z2.to(self.device), eps.to(self.device)).cpu().numpy()
        return draw_prior(c, int(n), g, "cpu").numpy().astype(np.float32)

    @torch.inference_mode()
    def encode_posterior(self, images) -> tuple[np.ndarray, np.ndarray | None]:
        """(μ, σ) of q(z|x), N×d each; σ is None for a deterministic encoder (AE, and the
        AAE / WAE unless trained with a Gaussian encoder)."""
        from .training import encode_posterior
        x = torch.from_numpy(to_float(images)).to(self.device)
        return encode_posterior(self.module, x, 2048)

    @torch.inference_mode()
    def recon_probabilities(self, images, z=None) -> np.ndarray:
        """N×28×28 p(x_i = 1 | ·) for the images: the decoder's output at z (the posterior
        means, or the codes given). For the PixelCNN decoder, p(x_i | x_<i, z) with the
        (binarised) image itself as the context: one pass, and the picture that shows
        whether the decoder reads z at all (swap z for a random one: if it is ignored,
        nothing changes)."""
        x = torch.from_numpy(to_float(images)).to(self.device)
        if z is None:
            zt = self.module.encode(x)[0]
        else:
            zt = torch.from_numpy(self._check_codes(z)).to(self.device)
            if len(zt) != len(x):
                raise ValueError(f"{len(zt)} codes for {len(x)} images")
        logits = self.module.decode_logits(zt, (x > 0.5).float().reshape(-1, 1, 28, 28))
        return torch.sigmoid(logits)[:, 0].cpu().numpy()

    @torch.inference_mode()
    def resample_levels(self, images, n: int = 6, seed: int = 0) -> dict[str, np.ndarray]:
        """The hierarchical VAE's two questions, for each image (z₂ and z₁ at their posterior
        means, and ε₁ = (z₁ − μ_p(z₂)) / σ_p(z₂) the bottom's own noise):

          "top":    keep ε₁, draw n new z₂ ~ N(0, I)  → what the top level holds
          "bottom": keep z₂, draw n new ε₁ ~ N(0, I)  → what the bottom adds

        Each is N×n×28×28; "input" the reconstructions (N×28×28)."""
        if self.config.kind != "hvae":
            raise ValueError("only the hierarchical VAE has two levels to resample")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 256:
            raise ValueError(f"n must be a whole number in 1..256, not {n!r}")
        m, c = self.module, self.config
        x = torch.from_numpy(to_float(images)).to(self.device)
        q = m.infer(x, sample=False)
        eps1 = (q["mu1"] - q["prior_mu"]) / torch.exp(0.5 * q["prior_logvar"])
        g = torch.Generator().manual_seed(int(seed))
        k = len(x)
        new_z2 = torch.randn(k * n, c.top_dim, generator=g).to(self.device)
        new_eps = torch.randn(k * n, c.latent_dim, generator=g).to(self.device)
        top = m.sample_z1(new_z2, eps1.repeat_interleave(n, 0))
        bottom = m.sample_z1(q["mu2"].repeat_interleave(n, 0), new_eps)
        shape = (k, n, 28, 28)
        return {"input": m.decode(q["mu1"])[:, 0].cpu().numpy(),
                "top": m.decode(top)[:, 0].cpu().numpy().reshape(shape),
                "bottom": m.decode(bottom)[:, 0].cpu().numpy().reshape(shape)}

    def _check_codes(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=np.float32)
        if z.ndim == 1:
            z = z[None]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"expected N×{self.latent_dim} latent codes, got shape {z.shape}")
        if not np.isfinite(z).all():
            raise ValueError("latent codes contain NaN or infinite values")
        return z

    @torch.inference_mode()
    def encode(self, images) -> np.ndarray:
        """N×28×28 uint8 (0–255) or float (0–1) → N×d latent codes (the mean for a VAE)."""
        x = torch.from_numpy(to_float(images)).to(self.device)
        out = [self.module.encode(x[i:i + 2048])[0] for i in range(0, len(x), 2048)]
        return torch.cat(out).cpu().numpy() if out else np.zeros((0, self.latent_dim), np.float32)

    @torch.inference_mode()
    def decode(self, z, seed: int = 0) -> np.ndarray:
        """N×d latent codes → N×28×28 float32 images in [0, 1]. With the PixelCNN decoder,
        a binary sample drawn pixel by pixel (from `seed`: the same z gives the same image)."""
        zt = torch.from_numpy(self._check_codes(z)).to(self.device)
        g = torch.Generator(device=self.device).manual_seed(seed) if self.autoregressive else None
        out = [self.module.decode(zt[i:i + 2048], g)[:, 0] for i in range(0, len(zt), 2048)]
        return torch.cat(out).cpu().numpy() if out else np.zeros((0, 28, 28), np.float32)

    def decode_steps(self, z, seed: int = 0):
        """decode(z, seed) for the PixelCNN decoder, drawn row by row: yields (rows done out
        of 28, N×28×28 float32 images so far) after each row; the last is decode(z, seed)."""
        if not self.autoregressive:
            yield 28, self.decode(z)
            return
        zt = torch.from_numpy(self._check_codes(z)).to(self.device)
        g = torch.Generator(device=self.device).manual_seed(seed)
        with torch.inference_mode():
            for rows, v in self.module.decoder.sample_rows(zt, g):
                yield rows, v[:, 0].cpu().numpy().copy()

    def sample(self, n: int, seed: int | None = None, latents: np.ndarray | None = None) -> np.ndarray:
        """Decode n draws from the prior. See `prior_draws` for what 'prior' means for an AE."""
        from ..latent import prior_draws
        return self.decode(prior_draws(self, n, seed=seed, latents=latents))
