"""A hierarchical VAE with two stochastic layers, z₂ → z₁ → x, inferred in the ladder style
(Sønderby et al. 2016, "Ladder Variational Autoencoders").

Generative model:  p(z₂) = N(0, I),  p(z₁ | z₂) = N(μ_p(z₂), σ_p²(z₂)),  p(x | z₁) Bernoulli.

Inference goes up, then down. A deterministic bottom-up pass gives, at each layer, a Gaussian
"likelihood" guess (μ̂ᵢ, σ̂ᵢ²) from x. The top layer's posterior is its guess,
q(z₂ | x) = N(μ̂₂, σ̂₂²); the bottom layer's combines its guess with the top-down prior by
precision weighting (the product of two Gaussians, renormalised):

    σ_q⁻² = σ̂₁⁻² + σ_p⁻²,    μ_q = (μ̂₁ σ̂₁⁻² + μ_p σ_p⁻²) σ_q²

    ELBO = E_q[log p(x | z₁)] − KL(q(z₂|x) ‖ p(z₂)) − E_q(z₂|x) KL(q(z₁|x, z₂) ‖ p(z₁|z₂))

Both KLs are between Gaussians, in closed form; the expectation over z₂ takes one sample.
The latent plot and the tools work on z₁ (the code the decoder reads).
"""
from __future__ import annotations

import torch
from torch import nn

from .nets import (AEConfig, _conv_decoder, _conv_encoder, _mlp_decoder, _mlp_encoder,
                   reparameterize)


def gaussian_kl(mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor,
                logvar_p: torch.Tensor) -> torch.Tensor:
    """KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) per row, summed over dimensions:
    ½ Σ [log σ_p²/σ_q² + (σ_q² + (μ_q − μ_p)²)/σ_p² − 1]."""
    return 0.5 * torch.sum(logvar_p - logvar_q
                           + (logvar_q.exp() + (mu_q - mu_p).pow(2)) / logvar_p.exp() - 1.0, -1)


def precision_merge(mu_a, logvar_a, mu_b, logvar_b):
    """The normalised product of two diagonal Gaussians: (μ, log σ²)."""
    prec_a, prec_b = torch.exp(-logvar_a), torch.exp(-logvar_b)
    var = 1.0 / (prec_a + prec_b)
    return (mu_a * prec_a + mu_b * prec_b) * var, torch.log(var)


class HierarchicalVAE(nn.Module):
    def __init__(self, config: AEConfig):
        super().__init__()
        self.config = config
        h, d1, d2 = config.hidden, config.latent_dim, config.top_dim
        if config.arch == "conv":
            self.encoder, self.decoder = _conv_encoder(h), _conv_decoder(d1, h)
        else:
            self.encoder, self.decoder = _mlp_encoder(h), _mlp_decoder(d1, h)
        self.to_mu, self.to_logvar = nn.Linear(h, d1), nn.Linear(h, d1)     # μ̂₁, log σ̂₁²
        self.up = nn.Sequential(nn.Linear(h, h), nn.ReLU())
        self.to_mu2, self.to_logvar2 = nn.Linear(h, d2), nn.Linear(h, d2)   # q(z₂ | x)
        self.down = nn.Sequential(nn.Linear(d2, h), nn.ReLU())
        self.prior_mu, self.prior_logvar = nn.Linear(h, d1), nn.Linear(h, d1)  # p(z₁ | z₂)
        self.critic = None
        self.autoregressive = False

    def bottom_up(self, x: torch.Tensor):
        h = self.encoder(x.reshape(-1, 1, 28, 28))
        u = self.up(h)
        return (self.to_mu(h), self.to_logvar(h)), (self.to_mu2(u), self.to_logvar2(u))

    def top_down(self, z2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """p(z₁ | z₂): (μ_p, log σ_p²)."""
        g = self.down(z2)
        return self.prior_mu(g), self.prior_logvar(g)

    def infer(self, x: torch.Tensor, generator: torch.Generator | None = None,
              sample: bool = True) -> dict[str, torch.Tensor]:
        """Every quantity of one pass up and down; z₂ and z₁ are sampled (or their means)."""
        (mu1_hat, lv1_hat), (mu2, lv2) = self.bottom_up(x)
        z2 = reparameterize(mu2, lv2, generator) if sample else mu2
        mu_p, lv_p = self.top_down(z2)
        mu1, lv1 = precision_merge(mu1_hat, lv1_hat, mu_p, lv_p)
        z1 = reparameterize(mu1, lv1, generator) if sample else mu1
        return {"mu2": mu2, "logvar2": lv2, "z2": z2, "prior_mu": mu_p, "prior_logvar": lv_p,
                "mu1": mu1, "logvar1": lv1, "z1": z1}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z₁ | x, z₂ = its mean): (μ, log σ²), as a one-layer VAE's encode."""
        q = self.infer(x, sample=False)
        return q["mu1"], q["logvar1"]

    def decode_logits(self, z1: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        return self.decoder(z1)

    def decode(self, z1: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z1))

    def sample_z1(self, z2: torch.Tensor, eps1: torch.Tensor) -> torch.Tensor:
        """z₁ = μ_p(z₂) + σ_p(z₂) ε₁: ancestral sampling with the bottom's noise given."""
        mu_p, lv_p = self.top_down(z2)
        return mu_p + torch.exp(0.5 * lv_p) * eps1

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None):
        q = self.infer(x, generator)
        return self.decode_logits(q["z1"]), q
