"""Autoencoders and variational autoencoders for 28×28 greyscale images.

Two architectures:
  * "conv": a small convolutional encoder/decoder that trains well on a CPU (the default);
  * "mlp": the pytorch/examples VAE, 784-400-d-400-784, for comparison with published numbers.

The decoder outputs Bernoulli logits; the reconstruction term is binary cross-entropy summed
over the 784 pixels, and every loss is reported per image.
"""
from __future__ import annotations

import operator
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

ARCHITECTURES = ("conv", "mlp")
KINDS = ("ae", "vae")
DEFAULT_HIDDEN = {"conv": 256, "mlp": 400}


@dataclass(frozen=True)
class AEConfig:
    kind: str = "vae"          # "ae" or "vae"
    arch: str = "conv"         # "conv" or "mlp"
    latent_dim: int = 2
    hidden: int | None = None  # dense width; None picks the architecture's default

    def __post_init__(self):
        if self.hidden is None:
            object.__setattr__(self, "hidden", DEFAULT_HIDDEN.get(self.arch, 400))
        for name in ("latent_dim", "hidden"):
            value = getattr(self, name)
            if isinstance(value, bool):
                raise ValueError(f"{name} must be an integer, not {value!r}")
            try:
                object.__setattr__(self, name, operator.index(value))
            except TypeError:
                raise ValueError(f"{name} must be an integer, not {value!r}") from None
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"arch must be one of {ARCHITECTURES}, not {self.arch!r}")
        if not 1 <= int(self.latent_dim) <= 256:
            raise ValueError(f"latent_dim must be in 1..256, not {self.latent_dim}")
        if not 8 <= int(self.hidden) <= 4096:  # type: ignore[arg-type]
            raise ValueError(f"hidden must be in 8..4096, not {self.hidden}")

    @property
    def variational(self) -> bool:
        return self.kind == "vae"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "AEConfig":
        known = {k: d[k] for k in ("kind", "arch", "latent_dim", "hidden") if k in d}
        return cls(**known)


def _conv_encoder(hidden: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 4, stride=2, padding=1), nn.ReLU(),   # 14×14
        nn.Conv2d(16, 32, 4, stride=2, padding=1), nn.ReLU(),  # 7×7
        nn.Flatten(), nn.Linear(32 * 7 * 7, hidden), nn.ReLU(),
    )


def _conv_decoder(latent_dim: int, hidden: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(latent_dim, hidden), nn.ReLU(),
        nn.Linear(hidden, 32 * 7 * 7), nn.ReLU(),
        nn.Unflatten(1, (32, 7, 7)),
        nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1), nn.ReLU(),  # 14×14
        nn.ConvTranspose2d(16, 1, 4, stride=2, padding=1),              # 28×28 logits
    )


def _mlp_encoder(hidden: int) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU())


def _mlp_decoder(latent_dim: int, hidden: int) -> nn.Module:
    return nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, 784),
                         nn.Unflatten(1, (1, 28, 28)))


class Autoencoder(nn.Module):
    """Encoder → (μ, log σ²) or z → decoder logits. One class for AE and VAE keeps them comparable."""

    def __init__(self, config: AEConfig):
        super().__init__()
        self.config = config
        h, d = config.hidden, config.latent_dim
        if config.arch == "conv":
            self.encoder, self.decoder = _conv_encoder(h), _conv_decoder(d, h)
        else:
            self.encoder, self.decoder = _mlp_encoder(h), _mlp_decoder(d, h)
        self.to_mu = nn.Linear(h, d)
        self.to_logvar = nn.Linear(h, d) if config.variational else None

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.encoder(x.reshape(-1, 1, 28, 28))
        logvar = self.to_logvar(h) if self.to_logvar is not None else None
        return self.to_mu(h), logvar

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator) if logvar is not None else mu
        return self.decode_logits(z), mu, logvar


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """z = μ + σ·ε with ε ~ N(0, I): the sample stays differentiable in μ and log σ²."""
    eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    return mu + torch.exp(0.5 * logvar) * eps


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) per sample, in closed form: ½ Σ (μ² + σ² − 1 − log σ²)."""
    return 0.5 * torch.sum(mu.pow(2) + logvar.exp() - 1.0 - logvar, dim=-1)


def reconstruction_bce(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Bernoulli negative log-likelihood per image, summed over pixels."""
    x = x.reshape(logits.shape)
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def loss_terms(model: Autoencoder, x: torch.Tensor, beta: float = 1.0,
               generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """Named loss terms, each a per-image mean. "loss" is what the optimiser minimises."""
    logits, mu, logvar = model(x, generator)
    recon = reconstruction_bce(logits, x).mean()
    if logvar is None:
        return {"loss": recon, "recon": recon}
    kl = kl_to_standard_normal(mu, logvar).mean()
    return {"loss": recon + beta * kl, "recon": recon, "kl": kl}


def build_model(config: AEConfig) -> Autoencoder:
    return Autoencoder(config)
