"""Issue 16 groundwork: UNIT's shared-latent networks and objective."""
from __future__ import annotations

import pytest
import torch

from models.translation.unit import (UNIT, UNITConfig, UNITWeights, discriminator_terms,
                                     generator_terms, unit_discriminator)

SMALL = UNITConfig(width=8, latent=6)


def test_both_domains_encode_into_one_space_and_decode_into_either():
    torch.manual_seed(0)
    m = UNIT(SMALL)
    a, b = torch.rand(2, 1, 28, 28) * 2 - 1, torch.rand(2, 3, 28, 28) * 2 - 1
    assert m.encode(a, "A").shape == m.encode(b, "B").shape == (2, 6, 7, 7)
    assert m.translate(a, "A", "B").shape == (2, 3, 28, 28)
    assert m.translate(b, "B", "A").shape == (2, 1, 28, 28)
    assert unit_discriminator(3, 8)(b).shape == (2, 1, 5, 5)


def test_the_high_level_encoder_and_low_level_generator_layers_are_shared():
    """One set of weights serves both domains: changing a shared weight moves both domains'
    codes; changing a private one moves only its own."""
    torch.manual_seed(1)
    m = UNIT(SMALL)
    a, b = torch.rand(1, 1, 28, 28), torch.rand(1, 3, 28, 28)
    za, zb = m.encode(a, "A").detach(), m.encode(b, "B").detach()
    with torch.no_grad():
        m.enc_shared[0].weight.add_(0.5)
    assert not torch.allclose(m.encode(a, "A"), za) and not torch.allclose(m.encode(b, "B"), zb)
    za, zb = m.encode(a, "A").detach(), m.encode(b, "B").detach()
    with torch.no_grad():
        m.enc["A"][0].weight.add_(0.5)
    assert not torch.allclose(m.encode(a, "A"), za) and torch.allclose(m.encode(b, "B"), zb)


def test_the_loss_is_the_weighted_sum_and_the_kl_is_half_the_mean_square():
    torch.manual_seed(2)
    m, d_a, d_b = UNIT(SMALL), unit_discriminator(1, 8), unit_discriminator(3, 8)
    a, b = torch.rand(3, 1, 28, 28) * 2 - 1, torch.rand(3, 3, 28, 28) * 2 - 1
    w = UNITWeights(recon=10, kl=0.1, cycle=10, cycle_kl=0.1)
    t = generator_terms(m, d_a, d_b, a, b, w, torch.Generator().manual_seed(0))
    want = t["gan"] + 10 * t["recon"] + 0.1 * t["kl"] + 10 * t["cycle"] + 0.1 * t["cycle_kl"]
    assert t["loss"].item() == pytest.approx(want.item(), rel=1e-6)
    with torch.no_grad():
        mu_a, mu_b = m.encode(a, "A"), m.encode(b, "B")
    kl = 0.5 * (mu_a ** 2).flatten(1).mean(1).mean() + 0.5 * (mu_b ** 2).flatten(1).mean(1).mean()
    assert t["kl"].item() == pytest.approx(kl.item(), rel=1e-5)
    assert t["ab"].shape == b.shape and t["ba"].shape == a.shape


def test_the_discriminators_step_leaves_encoders_and_generators_alone():
    torch.manual_seed(3)
    m, d_a, d_b = UNIT(SMALL), unit_discriminator(1, 8), unit_discriminator(3, 8)
    a, b = torch.rand(2, 1, 28, 28), torch.rand(2, 3, 28, 28)
    g = generator_terms(m, d_a, d_b, a, b)
    d = discriminator_terms(d_a, d_b, a, b, g["ba"], g["ab"])
    d["loss"].backward()
    assert all(p.grad is None for p in m.parameters())
    assert all(p.grad is not None for p in d_b.parameters())


@pytest.mark.parametrize("kwargs", [dict(width=2), dict(latent=True), dict(channels_a=5)])
def test_config_refuses_bad_settings(kwargs):
    with pytest.raises(ValueError):
        UNITConfig(**kwargs)


def test_weights_refuse_bad_values():
    with pytest.raises(ValueError):
        UNITWeights(recon=-1)
