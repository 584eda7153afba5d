"""Autoencoders and their relatives for 28×28 greyscale images, one config for all:

  * "ae": a plain autoencoder;  "vae": the variational autoencoder (β-VAE with β ≠ 1);
  * "aae": the adversarial autoencoder, a critic on z tells prior draws from codes;
  * "wae": the Wasserstein autoencoder, MMD or adversarial penalty on the codes' mixture;
  * "hvae": a two-layer ladder VAE, z₂ → z₁ → x (models/autoencoder/hierarchy.py).

A VAE may have a PixelCNN decoder conditioned on z (decoder="pixelcnn",
models/autoencoder/pixel_decoder.py): the strong decoder under which posterior collapse shows.

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
KINDS = ("ae", "vae", "aae", "wae", "hvae")
DECODERS = ("plain", "pixelcnn")
# what keeps each kind's codes in shape: nothing, the KL to the prior, a critic on z, or MMD
REGULARISERS = {"ae": ("none",), "vae": ("kl",), "hvae": ("kl",), "aae": ("gan",),
                "wae": ("mmd", "gan")}
DEFAULT_HIDDEN = {"conv": 256, "mlp": 400}
CRITIC_HIDDEN = 256


@dataclass(frozen=True)
class AEConfig:
    kind: str = "vae"          # one of KINDS
    arch: str = "conv"         # "conv" or "mlp"
    latent_dim: int = 2        # z (z₁, the bottom layer, for "hvae")
    hidden: int | None = None  # dense width; None picks the architecture's default
    prior: str = "gaussian"    # aae / wae: the p(z) codes are matched to (models/.../priors.py)
    prior_points: tuple = ()   # the "points" prior's N×2 points
    regulariser: str | None = None   # None: the kind's first (REGULARISERS)
    stochastic: bool = False   # aae / wae: a Gaussian encoder q(z|x) instead of z = f(x)
    supervised: bool = False   # aae with the mixture prior: class k's codes go to component k
    decoder: str = "plain"     # vae: "pixelcnn" for the autoregressive decoder
    pixel_channels: int = 32   # the PixelCNN decoder's width and residual blocks
    pixel_layers: int = 3
    top_dim: int | None = None  # hvae: z₂'s dimension (None: as z₁)

    def __post_init__(self):
        if self.hidden is None:
            object.__setattr__(self, "hidden", DEFAULT_HIDDEN.get(self.arch, 400))
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.top_dim is None:
            object.__setattr__(self, "top_dim", self.latent_dim if self.kind == "hvae" else 0)
        for name in ("latent_dim", "hidden", "pixel_channels", "pixel_layers", "top_dim"):
            value = getattr(self, name)
            if isinstance(value, bool):
                raise ValueError(f"{name} must be an integer, not {value!r}")
            try:
                object.__setattr__(self, name, operator.index(value))
            except TypeError:
                raise ValueError(f"{name} must be an integer, not {value!r}") from None
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"arch must be one of {ARCHITECTURES}, not {self.arch!r}")
        if not 1 <= int(self.latent_dim) <= 256:
            raise ValueError(f"latent_dim must be in 1..256, not {self.latent_dim}")
        if not 8 <= int(self.hidden) <= 4096:  # type: ignore[arg-type]
            raise ValueError(f"hidden must be in 8..4096, not {self.hidden}")
        self._check_kind_options()

    def _check_kind_options(self) -> None:
        from .priors import NAMES, PRIORS, check_user_points

        allowed = REGULARISERS[self.kind]
        if self.regulariser is None:
            object.__setattr__(self, "regulariser", allowed[0])
        if self.regulariser not in allowed:
            raise ValueError(f"a {self.kind.upper()} is regularised by {' or '.join(allowed)}, "
                             f"not {self.regulariser!r}")
        for name in ("stochastic", "supervised"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be true or false, not {getattr(self, name)!r}")
        matched = self.kind in ("aae", "wae")
        if self.prior not in PRIORS:
            raise ValueError(f"unknown prior {self.prior!r}; one of {', '.join(PRIORS)}")
        if self.prior != "gaussian" and not matched:
            raise ValueError(f"only an AAE or a WAE can match the {NAMES[self.prior]} prior; "
                             f"a {self.kind.upper()}'s prior is N(0, I)")
        if self.prior != "gaussian" and self.latent_dim != 2:
            raise ValueError(f"the {NAMES[self.prior]} prior is 2-D; set latent_dim = 2 "
                             f"(not {self.latent_dim}) or use N(0, I)")
        if self.prior == "points":
            if _count(self.prior_points) == 0:     # else numpy's "shape (0,)" were the reason
                from .priors import MIN_POINTS
                raise ValueError(f"the 'points' prior needs its points: draw or load at least "
                                 f"{MIN_POINTS} (x, y) points")
            pts = check_user_points(self.prior_points)
            object.__setattr__(self, "prior_points",
                               tuple((float(x), float(y)) for x, y in pts))
        elif _count(self.prior_points) != 0:
            raise ValueError("prior points are only for the 'points' prior")
        else:
            object.__setattr__(self, "prior_points", ())    # an empty array compares as ()
        if self.stochastic and not matched:
            raise ValueError("only an AAE or a WAE has the deterministic/Gaussian encoder "
                             "choice (a VAE's encoder is always Gaussian)")
        if self.supervised and not (self.kind == "aae" and self.prior == "mixture10"):
            raise ValueError("the supervised option ties each class to a mixture component: "
                             "it needs an AAE with the mixture10 prior")
        if self.decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {DECODERS}, not {self.decoder!r}")
        if self.decoder == "pixelcnn" and self.kind != "vae":
            raise ValueError("the PixelCNN decoder is for the VAE (the posterior-collapse "
                             "demonstration)")
        if not 4 <= self.pixel_channels <= 256 or not 0 <= self.pixel_layers <= 16:
            raise ValueError("the PixelCNN decoder needs 4..256 channels and 0..16 blocks")
        if self.kind == "hvae":
            if not 1 <= self.top_dim <= 256:
                raise ValueError(f"top_dim must be in 1..256, not {self.top_dim}")
        elif self.top_dim:
            raise ValueError("top_dim is the hierarchical VAE's z₂")

    @property
    def variational(self) -> bool:
        """Trained with a KL to N(0, I): the encoder's σ and the prior are part of the model."""
        return self.kind in ("vae", "hvae")

    @property
    def gaussian_encoder(self) -> bool:
        return self.variational or self.stochastic

    @property
    def adversarial(self) -> bool:
        return self.regulariser == "gan"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["prior_points"] = [list(p) for p in self.prior_points]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "AEConfig":
        known = {k: d[k] for k in ("kind", "arch", "latent_dim", "hidden", "prior", "regulariser",
                                   "stochastic", "supervised", "decoder", "pixel_channels",
                                   "pixel_layers", "top_dim") if k in d}
        points = d.get("prior_points")
        if points:
            try:
                known["prior_points"] = tuple(tuple(p) for p in points)
            except TypeError as exc:
                raise ValueError(f"prior_points must be a list of [x, y] pairs ({exc})") from None
        return cls(**known)


def _count(points) -> int | None:
    """How many points were given (None: not a collection; check_user_points says what)."""
    try:
        return len(points)          # a numpy array's truth value would be ambiguous
    except TypeError:
        return None


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
    """Encoder → (μ, log σ²) or z → decoder logits: one class for AE, VAE, AAE and WAE keeps
    them comparable (the same encoder and decoder), plus the critic on z of the adversarial
    kinds. The hierarchical VAE is its own class (hierarchy.py)."""

    def __init__(self, config: AEConfig):
        super().__init__()
        self.config = config
        h, d = config.hidden, config.latent_dim
        if config.arch == "conv":
            self.encoder = _conv_encoder(h)
            decoder = _conv_decoder(d, h)
        else:
            self.encoder = _mlp_encoder(h)
            decoder = _mlp_decoder(d, h)
        if config.decoder == "pixelcnn":
            from .pixel_decoder import PixelDecoder
            decoder = PixelDecoder(d, h, config.pixel_channels, config.pixel_layers)
        self.decoder = decoder
        self.to_mu = nn.Linear(h, d)
        self.to_logvar = nn.Linear(h, d) if config.gaussian_encoder else None
        self.critic = latent_critic(config) if config.adversarial else None

    @property
    def autoregressive(self) -> bool:
        return self.config.decoder == "pixelcnn"

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        h = self.encoder(x.reshape(-1, 1, 28, 28))
        logvar = self.to_logvar(h) if self.to_logvar is not None else None
        return self.to_mu(h), logvar

    def decode_logits(self, z: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """Bernoulli logits of x given z; the PixelCNN decoder's are p(x_i | x_<i, z), so it
        needs the image x (teacher forcing)."""
        if self.autoregressive:
            if x is None:
                raise ValueError("the PixelCNN decoder's logits depend on the image: pass x")
            return self.decoder(z, x)
        return self.decoder(z)

    def decode(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Images for codes z: the Bernoulli means, or for the PixelCNN decoder a binary
        sample drawn pixel by pixel (784 passes: slow)."""
        if self.autoregressive:
            return self.decoder.sample(z, generator)
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, generator) if logvar is not None else mu
        return self.decode_logits(z, x), mu, logvar


def latent_critic(config: AEConfig) -> nn.Module:
    """The AAE's discriminator on codes (the paper's: two hidden layers), which for the
    supervised AAE also sees the one-hot class."""
    d = config.latent_dim + (10 if config.supervised else 0)
    return nn.Sequential(nn.Linear(d, CRITIC_HIDDEN), nn.LeakyReLU(0.2),
                         nn.Linear(CRITIC_HIDDEN, CRITIC_HIDDEN), nn.LeakyReLU(0.2),
                         nn.Linear(CRITIC_HIDDEN, 1))


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


def loss_terms(model: nn.Module, x: torch.Tensor, beta: float = 1.0,
               generator: torch.Generator | None = None, **options) -> dict[str, torch.Tensor]:
    """Named loss terms, each a per-image mean. "loss" is what the optimiser minimises (for
    the adversarial kinds, the encoder/decoder's part; objectives.py adds the critic's).
    `options` are objectives.terms' (free_bits, lam, labels)."""
    from .objectives import terms
    return terms(model, x, beta, generator, **options)


def build_model(config: AEConfig) -> nn.Module:
    if config.kind == "hvae":
        from .hierarchy import HierarchicalVAE
        return HierarchicalVAE(config)
    return Autoencoder(config)
