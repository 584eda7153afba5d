"""Issue 16 groundwork: SRGAN's networks and perceptual objective."""
from __future__ import annotations


import pytest
import torch
from torch import nn

from models.translation.srgan import (SRConfig, SRDiscriminator, SRResNet, bicubic,
                                      perceptual_terms)


def test_srresnet_upscales_by_its_factor_and_stays_in_range():
    torch.manual_seed(0)
    for scale in (2, 4):
        net = SRResNet(SRConfig(scale=scale, channels=8, blocks=2)).eval()
        y = net(torch.rand(2, 3, 8, 12) * 2 - 1)
        assert y.shape == (2, 3, 8 * scale, 12 * scale) and y.abs().max() <= 1
    stages = sum(isinstance(m, nn.PixelShuffle) for m in SRResNet(SRConfig(scale=8)).modules())
    assert stages == 3                                   # one ×2 sub-pixel stage per doubling


def test_pixel_shuffle_moves_channels_into_space_as_the_paper_describes():
    """Channel r·2 + c of a 4C map becomes the (r, c) pixel of each 2×2 cell."""
    x = torch.arange(4.0).reshape(1, 4, 1, 1)
    assert nn.PixelShuffle(2)(x)[0, 0].tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_discriminator_follows_the_paper_and_takes_any_size():
    d = SRDiscriminator(width=8).eval()
    convs = [m for m in d.features if isinstance(m, nn.Conv2d)]
    assert [m.out_channels for m in convs] == [8, 8, 16, 16, 32, 32, 64, 64]
    assert [m.stride[0] for m in convs] == [1, 2, 1, 2, 1, 2, 1, 2]
    for side in (32, 128):
        assert d(torch.zeros(3, 3, side, side)).shape == (3,)


def test_content_is_pixel_mse_without_features_and_feature_mse_with_them():
    torch.manual_seed(1)
    sr, hr = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    t = perceptual_terms(sr, hr, None)
    assert t["content"].item() == pytest.approx(((sr - hr) ** 2).mean().item())
    assert t["loss"] is t["content"] and "adversarial" not in t
    pool = nn.AvgPool2d(2)
    t = perceptual_terms(sr, hr, None, features=pool)
    assert t["content"].item() == pytest.approx(((pool(sr) - pool(hr)) ** 2).mean().item())


def test_generator_loss_adds_a_thousandth_of_the_adversarial_term():
    sr, hr = torch.zeros(2, 3, 4, 4), torch.ones(2, 3, 4, 4)
    logits = torch.tensor([0.0, 2.0])
    t = perceptual_terms(sr, hr, logits)
    adv = -(torch.sigmoid(logits).log()).mean()
    assert t["adversarial"].item() == pytest.approx(adv.item())
    assert t["loss"].item() == pytest.approx(1.0 + 1e-3 * adv.item())


def test_bicubic_keeps_a_flat_image_flat():
    x = torch.full((1, 3, 8, 8), 0.25)
    y = bicubic(x, 4)
    assert y.shape == (1, 3, 32, 32)
    assert torch.allclose(y, torch.full_like(y, 0.25), atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(scale=3), dict(scale=1), dict(channels=2),
                                    dict(blocks=True), dict(channels=8.5)])
def test_config_refuses_bad_settings(kwargs):
    with pytest.raises(ValueError):
        SRConfig(**kwargs)
