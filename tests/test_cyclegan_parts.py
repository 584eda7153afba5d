"""Issue 16 groundwork: CycleGAN's networks and least-squares objective."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from models.pix2pix.networks import PatchDiscriminator, receptive_field
from models.translation.cyclegan import (CycleGAN, CycleGANConfig, CycleWeights, ResnetGenerator,
                                         discriminator_terms, generator_terms, lsgan)

SMALL = CycleGANConfig(size=32, width=4, blocks=1, critic_width=4, patch=16)


def test_generator_keeps_the_shape_and_the_range():
    torch.manual_seed(0)
    g = ResnetGenerator(width=8, blocks=2)
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    y = g(x)
    assert y.shape == x.shape and y.abs().max() <= 1


def test_discriminators_are_patchgans_with_instance_norm():
    model = CycleGAN(CycleGANConfig())
    assert receptive_field(model.D_A) == 70
    assert any(isinstance(m, nn.InstanceNorm2d) for m in model.D_B.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    out = model.D_A(torch.zeros(1, 3, 64, 64))
    assert out.shape == (1, 1, 6, 6)                  # one verdict per overlapping 70-px patch
    with pytest.raises(ValueError, match="norm"):
        PatchDiscriminator(3, 70, 8, norm="layer")


def test_lsgan_is_the_mean_squared_distance_to_the_target():
    p = torch.tensor([[0.0, 1.0], [2.0, -1.0]])
    assert lsgan(p, True).item() == pytest.approx(((0 - 1) ** 2 + 0 + 1 + 4) / 4)
    assert lsgan(p, False).item() == pytest.approx((0 + 1 + 4 + 1) / 4)


def test_generator_loss_is_gan_plus_weighted_cycle_and_identity():
    torch.manual_seed(1)
    model = CycleGAN(SMALL)
    a, b = torch.rand(2, 3, 32, 32) * 2 - 1, torch.rand(2, 3, 32, 32) * 2 - 1
    t = generator_terms(model, a, b, CycleWeights(cycle=10, identity=0.5))
    assert t["loss"].item() == pytest.approx(
        (t["gan"] + 10 * t["cycle"] + 5 * t["identity"]).item(), rel=1e-6)
    # by hand: the cycle term is ‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁ (means)
    with torch.no_grad():
        want = (model.F(model.G(a)) - a).abs().mean() + (model.G(model.F(b)) - b).abs().mean()
    assert t["cycle"].item() == pytest.approx(want.item(), rel=1e-5)


def test_perfect_inverses_have_no_cycle_or_identity_loss_and_the_switch_removes_them():
    model = CycleGAN(SMALL)
    model.G, model.F = nn.Identity(), nn.Identity()
    a, b = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    t = generator_terms(model, a, b)
    assert t["cycle"].item() == 0 and t["identity"].item() == 0
    off = generator_terms(model, a, b, CycleWeights(cycle=0))
    assert "cycle" not in off and "identity" not in off
    assert off["loss"].item() == pytest.approx(off["gan"].item())


def test_discriminator_step_never_reaches_the_generators():
    torch.manual_seed(2)
    model = CycleGAN(SMALL)
    a, b = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    g = generator_terms(model, a, b)
    d = discriminator_terms(model, a, b, g["fake_a"], g["fake_b"])
    d["loss"].backward()
    assert all(p.grad is None for p in model.G.parameters())
    assert all(p.grad is None for p in model.F.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.D_A.parameters())
    assert d["loss"].item() == pytest.approx((d["d_a"] + d["d_b"]).item())


@pytest.mark.parametrize("kwargs, match", [
    (dict(size=30), "multiple of 4"), (dict(blocks=-1), "blocks"), (dict(width=True), "width"),
    (dict(size=16, patch=70), "does not fit"), (dict(width=2.5), "width"),
])
def test_config_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CycleGANConfig(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(cycle=-1), dict(identity=float("nan")), dict(cycle="10")])
def test_weights_refuse_bad_values(kwargs):
    with pytest.raises(ValueError):
        CycleWeights(**kwargs)
