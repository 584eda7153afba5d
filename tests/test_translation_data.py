"""Issue 16 groundwork: the two landscape styles, the unpaired set, the textured digits and
CycleGAN's image history pool."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models.pix2pix.landscapes import GRASS, SKY, TREE, WATER, render_label_map, render_photo
from models.translation.pool import ImagePool
from models.translation.styles import render_style
from models.translation.textured_digits import background, textured_digits
from models.translation.unpaired import PAIRED_OFFSET, UnpairedLandscapes


def test_summer_is_the_pix2pix_photo_and_winter_changes_each_class_its_own_way():
    lab = render_label_map(3, 64)
    summer, winter = render_style(lab, 3, "summer"), render_style(lab, 3, "winter")
    np.testing.assert_array_equal(summer, render_photo(lab, 3))
    np.testing.assert_array_equal(winter, render_style(lab, 3, "winter"))     # deterministic
    assert winter.shape == summer.shape and winter.dtype == np.uint8
    s, w = summer.astype(float) / 255, winter.astype(float) / 255
    grass = lab == GRASS
    assert grass.any()
    # green meadow → snow: brighter, and no longer green-dominant
    assert w[grass].mean() > s[grass].mean() + 0.3
    assert (w[grass][:, 1] - w[grass][:, 2]).mean() < 0 < (s[grass][:, 1] - s[grass][:, 2]).mean()
    # the sky loses most of its saturation (overcast)
    sky = lab == SKY
    spread = lambda px: (px.max(1) - px.min(1)).mean()       # noqa: E731
    assert spread(w[sky]) < 0.6 * spread(s[sky])
    # the same map and seed in another style: the layout is kept exactly
    assert not np.array_equal(summer, winter)


def test_winter_trees_stay_dark_and_ice_does_not_mirror():
    for seed in range(40):
        lab = render_label_map(seed, 64)
        if (lab == TREE).sum() > 30 and (lab == WATER).sum() > 30:
            break
    w = render_style(lab, seed, "winter").astype(float) / 255
    assert w[lab == TREE].mean() < 0.45 < w[lab == GRASS].mean()
    # ice: one pale colour family, far less varied than summer's mirroring water
    s = render_style(lab, seed, "summer").astype(float) / 255
    assert w[lab == WATER].std(0).mean() < s[lab == WATER].std(0).mean()


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown style"):
        render_style(render_label_map(0, 16), 0, "autumn")


def test_unpaired_domains_never_share_a_map_and_the_paired_set_is_held_out():
    data = UnpairedLandscapes(50, size=16, seed=5)
    a_seeds = {data.map_seeds(i)[0] for i in range(50)}
    b_seeds = {data.map_seeds(i)[1] for i in range(50)}
    paired = {PAIRED_OFFSET + 5 + i for i in range(50)}
    assert len(a_seeds) == len(b_seeds) == 50
    assert not (a_seeds & b_seeds) and not (paired & (a_seeds | b_seeds))
    a, b = data.unpaired(7)
    sa, sb = data.map_seeds(7)
    np.testing.assert_array_equal(a, render_style(render_label_map(sa, 16), sa, "summer"))
    np.testing.assert_array_equal(b, render_style(render_label_map(sb, 16), sb, "winter"))
    pa, pb, label = data.paired(7)
    s = PAIRED_OFFSET + 5 + 7
    np.testing.assert_array_equal(label, render_label_map(s, 16))
    np.testing.assert_array_equal(pa, render_style(label, s, "summer"))
    np.testing.assert_array_equal(pb, render_style(label, s, "winter"))
    assert data.batch("B", [0, 1, 2]).shape == (3, 16, 16, 3)
    assert data.batch("A", []).shape == (0, 16, 16, 3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "n must be"), (dict(n=True), "n must be"), (dict(n=5, seed=-1), "seed"),
    (dict(n=5, size=4), "size"), (dict(n=5, styles=("summer", "summer")), "styles"),
    (dict(n=5, styles=("summer", "dusk")), "styles"),
])
def test_unpaired_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UnpairedLandscapes(**kwargs)


def test_unpaired_index_and_domain_are_checked():
    data = UnpairedLandscapes(3, size=16)
    with pytest.raises(IndexError):
        data.domain("A", 3)
    with pytest.raises(ValueError, match="domain"):
        data.domain("C", 0)


def test_textured_digits_follow_the_mnist_m_rule():
    """out = |patch − digit| per channel: where the digit is 0 the patch shows unchanged, where
    it is 1 the patch is inverted, and grey ink lies in between."""
    digits = np.zeros((4, 28, 28), np.uint8)
    digits[:, 8:20, 12:16] = 255                     # a bar of full ink
    digits[:, 22:25, 4:24] = 128                     # and one of half ink
    out = textured_digits(digits, seed=2)
    assert out.shape == (4, 28, 28, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, textured_digits(digits, seed=2))      # deterministic
    for k in range(4):
        patch = background(2, k)
        want = np.abs(patch - digits[k][..., None].astype(np.float32) / 255) * 255
        assert np.abs(out[k].astype(float) - want).max() <= 0.5 + 1e-4
    # different images get different patches, and parts of a split agree with the whole
    assert not np.array_equal(background(2, 0), background(2, 1))
    np.testing.assert_array_equal(textured_digits(digits[2:], seed=2, offset=2), out[2:])
    # floats in [0, 1] give the same as uint8
    np.testing.assert_array_equal(textured_digits(digits.astype(np.float32) / 255, seed=2), out)


@pytest.mark.parametrize("bad", [np.zeros((2, 28, 27)), np.full((1, 28, 28), 2.0),
                                 np.full((1, 28, 28), np.nan)])
def test_textured_digits_refuse_bad_input(bad):
    with pytest.raises(ValueError):
        textured_digits(bad)


def test_pool_passes_the_first_images_then_swaps_half_of_them():
    pool = ImagePool(4)
    g = torch.Generator().manual_seed(0)
    first = torch.arange(4.0).reshape(4, 1)
    torch.testing.assert_close(pool.query(first, g), first)        # filling: all pass through
    assert len(pool.images) == 4
    swapped, n = 0, 4000
    for k in range(n):
        new = torch.full((1, 1), 100.0 + k)
        out = pool.query(new, g)
        assert out.shape == (1, 1)
        if out.item() != new.item():
            swapped += 1
            assert out.item() in (0, 1, 2, 3) or 100 <= out.item() < 100 + k   # an older image
        assert len(pool.images) == 4
    assert abs(swapped / n - 0.5) < 0.03              # ½, as the paper's buffer


def test_pool_of_size_zero_is_off_and_bad_sizes_are_refused():
    x = torch.randn(3, 2)
    assert ImagePool(0).query(x) is x
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError):
            ImagePool(bad)
