"""pix2pix's networks: the paper's parameter counts, PatchGAN receptive fields, U-Net skips."""
from __future__ import annotations

import pytest
import torch

from models.pix2pix.networks import (
    PATCHES,
    UNetConfig,
    UNetGenerator,
    build_discriminator,
    build_generator,
    keep_dropout_on,
    parameter_count,
    receptive_field,
)


def test_paper_configurations_have_the_reference_parameter_counts():
    assert parameter_count(build_generator("unet_256")) == 54_413_955
    assert parameter_count(build_discriminator(patch=70, in_channels=6)) == 2_768_705


@pytest.mark.parametrize("patch", sorted(PATCHES))
def test_receptive_field_from_the_layers(patch):
    assert receptive_field(build_discriminator(patch)) == patch


@pytest.mark.parametrize("patch", [1, 16, 70])
def test_receptive_field_is_what_one_output_unit_sees(patch):
    torch.manual_seed(0)
    d = build_discriminator(patch, in_channels=1).eval()     # batch norm per sample, not per batch
    x = torch.randn(1, 1, 96, 96, requires_grad=True)
    out = d(x)
    i, j = out.shape[-2] // 2, out.shape[-1] // 2
    out[0, 0, i, j].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(1)).flatten()
    cols = torch.nonzero(x.grad[0, 0].abs().sum(0)).flatten()
    assert int(rows.max() - rows.min() + 1) == patch
    assert int(cols.max() - cols.min() + 1) == patch


def test_each_decoder_level_concatenates_its_encoder_level():
    torch.manual_seed(0)
    g = UNetGenerator(UNetConfig(depth=5, width=8)).eval()
    levels = g.levels()
    assert len(levels) == 5 and levels[0].outermost and levels[-1].inside is None
    seen = []

    def hook(level, inputs, output):
        seen.append((level, inputs[0].detach().clone(), output.detach().clone()))
    handles = [lv.register_forward_hook(hook) for lv in levels[1:]]
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        y = g(x)
    for h in handles:
        h.remove()
    assert y.shape == (2, 3, 64, 64) and float(y.abs().max()) <= 1.0
    assert len(seen) == 4
    for level, inp, out in seen:
        # [the encoder's activation at this resolution, the decoder's output] along channels
        assert out.shape[-2:] == inp.shape[-2:]
        torch.testing.assert_close(out[:, :inp.shape[1]], inp)
        assert out.shape[1] == 2 * inp.shape[1]
    # and the encoder side of the outermost decoder is the first level's features
    first = levels[1]
    assert first.down[1].in_channels == 8 and levels[0].up[1].in_channels == 16


def test_sides_must_divide_by_two_to_the_depth():
    g = UNetGenerator(UNetConfig(depth=4, width=4))
    assert g(torch.randn(1, 3, 32, 48)).shape == (1, 3, 32, 48)
    with pytest.raises(ValueError, match="divisible by 16"):
        g(torch.randn(1, 3, 40, 32))


def test_dropout_is_the_noise_and_can_stay_on_at_test_time():
    torch.manual_seed(0)
    g = UNetGenerator(UNetConfig(depth=6, width=4)).eval()
    assert sum(isinstance(m, torch.nn.Dropout) for m in g.modules()) == 1   # depth − 5
    assert sum(isinstance(m, torch.nn.Dropout) for m in build_generator("unet_256").modules()) == 3
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(g(x), g(x))
        keep_dropout_on(g)
        assert not torch.equal(g(x), g(x))
        assert not any(m.training for m in g.modules() if isinstance(m, torch.nn.BatchNorm2d))
        keep_dropout_on(g, False)
        torch.testing.assert_close(g(x), g(x))


@pytest.mark.parametrize("bad", [dict(depth=1), dict(depth=11), dict(width=0), dict(dropout=1.0),
                                 dict(depth=2.5), dict(in_channels=True)])
def test_bad_generator_configs_are_refused(bad):
    with pytest.raises(ValueError):
        UNetConfig(**bad)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unet_256"):
        build_generator("resnet_9blocks")
    with pytest.raises(ValueError, match="70"):
        build_discriminator(patch=64)
    assert UNetConfig.from_dict(UNetConfig(depth=7).to_dict()) == UNetConfig(depth=7)


@pytest.mark.parametrize("size", [32, 64, 128])
def test_patch_fits_says_whether_the_patchgan_has_an_output(size):
    from models.pix2pix.networks import patch_fits
    for patch in PATCHES:
        try:
            with torch.no_grad():
                out = build_discriminator(patch, 6, width=4).eval()(torch.zeros(1, 6, size, size))
            fits = out.shape[-1] >= 1
        except RuntimeError:
            fits = False
        assert patch_fits(patch, size) == fits, (patch, size)
    assert not patch_fits(286, 64) and patch_fits(286, 128)
