"""The procedural landscapes: deterministic layouts, class-and-position dependent photos,
label-map validation and the on-the-fly dataset."""
from __future__ import annotations

import numpy as np
import pytest

from models.pix2pix import landscapes as L
from models.pix2pix.landscapes import (
    CLASSES,
    CLOUD,
    GRASS,
    MOUNTAIN,
    SKY,
    SNOW,
    TREE,
    WATER,
    LandscapeDataset,
    class_colours,
    colourise,
    landscape_pair,
    render_label_map,
    render_photo,
    validate_label_map,
)


@pytest.fixture(scope="module")
def pairs():
    return [landscape_pair(seed, 64) for seed in range(50)]


def blueness(rgb):
    return rgb[2] - rgb[0]


def _mean(photo, mask):
    return photo[mask].astype(float).mean(axis=0)


def test_classes_are_named_distinct_and_sky_first():
    names = [c.name for c in CLASSES]
    assert names[0] == "sky" and L.BACKGROUND == SKY == 0
    assert len(set(names)) == len(names)
    colours = class_colours()
    assert colours.shape == (len(CLASSES), 3) and colours.dtype == np.uint8
    assert len({tuple(c) for c in colours}) == len(CLASSES)


def test_same_seed_same_pair_and_different_seeds_differ():
    a_lab, a_photo = landscape_pair(7, 64)
    b_lab, b_photo = landscape_pair(7, 64)
    np.testing.assert_array_equal(a_lab, b_lab)
    np.testing.assert_array_equal(a_photo, b_photo)
    c_lab, c_photo = landscape_pair(8, 64)
    assert (a_lab != c_lab).mean() > 0.02
    assert not np.array_equal(a_photo, c_photo)


def test_labels_in_range_and_every_class_appears(pairs):
    seen = set()
    for lab, photo in pairs:
        assert lab.dtype == np.uint8 and lab.shape == (64, 64)
        assert photo.dtype == np.uint8 and photo.shape == (64, 64, 3)
        assert lab.max() < len(CLASSES)
        seen |= set(np.unique(lab).tolist())
    assert seen == set(range(len(CLASSES)))


def test_layout_puts_sky_on_top_and_ground_at_the_bottom(pairs):
    for lab, _ in pairs:
        assert np.isin(lab[0], (SKY, CLOUD, SNOW, MOUNTAIN)).all()
        assert not np.isin(lab[-1], (SKY, CLOUD, SNOW, MOUNTAIN)).any()


@pytest.mark.parametrize("size", L.SIZES)
def test_sizes(size):
    lab, photo = landscape_pair(3, size)
    assert lab.shape == (size, size) and photo.shape == (size, size, 3)
    assert len(np.unique(lab)) >= 3


def test_photo_colour_depends_on_the_class(pairs):
    means = {k: [] for k in (SKY, GRASS, WATER, TREE, MOUNTAIN, SNOW)}
    for lab, photo in pairs:
        for k in means:
            if (lab == k).sum() > 10:
                means[k].append(_mean(photo, lab == k))
    m = {k: np.mean(v, axis=0) for k, v in means.items()}
    r, g, b = 0, 1, 2
    assert m[SKY][b] > m[SKY][r] + 40                         # blue sky
    assert m[GRASS][g] > m[GRASS][r] + 20 and m[GRASS][g] > m[GRASS][b] + 40
    assert m[WATER][b] > m[WATER][r] + 20                     # bluish water
    assert m[TREE].sum() < 0.6 * m[GRASS].sum()               # foliage darker than grass
    assert m[SNOW].min() > 170 and m[SNOW].sum() > m[MOUNTAIN].sum() + 150


def test_photo_is_not_a_colour_lookup():
    # position and texture matter: pixels of one class vary, so a translator must use context
    lab = np.full((64, 64), SKY, np.uint8)
    lab[32:] = GRASS
    photo = render_photo(lab, 0).astype(float)
    sky_top, sky_low = photo[0].mean(axis=0), photo[31].mean(axis=0)
    assert sky_low.sum() > sky_top.sum() + 60                 # lighter near the horizon
    grass_far, grass_near = photo[33].mean(axis=0), photo[63].mean(axis=0)
    assert grass_far.sum() > grass_near.sum() + 40            # lighter in the distance
    assert photo[40:56, :, 1].std() > 4                       # textured, not flat


def test_water_mirrors_what_stands_above_it():
    lab = np.full((64, 64), SKY, np.uint8)
    lab[32:] = WATER
    lab[12:32, :20] = MOUNTAIN                                # a grey block on the left only
    photo = render_photo(lab, 1).astype(float)
    under_mountain = photo[33:44, :18].mean(axis=(0, 1))
    under_sky = photo[33:44, 26:].mean(axis=(0, 1))
    assert blueness(under_sky) > blueness(under_mountain) + 25
    # open water: bluish, brightest by the horizon and darker with depth
    assert blueness(under_sky) > 20
    assert photo[33, 30:].sum() > photo[62, 30:].sum() * 1.3
    # deep water is darker than the sky it mirrors, beyond what the sky gradient explains
    assert photo[56:, 30:].sum() < 0.62 * photo[:8, 30:].sum()


def test_render_photo_accepts_arbitrary_painted_maps():
    rng = np.random.default_rng(0)
    maps = [np.full((32, 48), k, np.uint8) for k in range(len(CLASSES))]
    maps.append(rng.integers(0, len(CLASSES), (64, 64)).astype(np.int64))
    half = np.full((64, 64), SKY, np.uint8)
    half[32:] = WATER
    maps.append(half)
    for lab in maps:
        photo = render_photo(lab, 5)
        assert photo.shape == lab.shape + (3,) and photo.dtype == np.uint8
    # an all-class map still gives each class its own look
    photos = [render_photo(m, 5).reshape(-1, 3).mean(axis=0) for m in maps[:len(CLASSES)]]
    dists = [np.abs(photos[i] - photos[j]).sum() for i in range(len(photos)) for j in range(i)]
    assert min(dists) > 15


def test_render_photo_seed_changes_texture_not_layout():
    lab = render_label_map(4, 64)
    a, b = render_photo(lab, 1).astype(float), render_photo(lab, 2).astype(float)
    assert np.abs(a - b).mean() > 1.0
    assert np.abs(a.mean(axis=(0, 1)) - b.mean(axis=(0, 1))).max() < 25


def test_validate_label_map_good_and_bad():
    good = np.array([[0, 1], [len(CLASSES) - 1, 2]], dtype=np.int32)
    out = validate_label_map(good, size=2)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, good)
    np.testing.assert_array_equal(validate_label_map(good, size=(2, 2)), good)
    bad = [
        (np.zeros((4, 4, 3), np.uint8), "2-D"),
        (np.zeros((4, 4), np.float32), "integer"),
        (np.zeros((4, 4), bool), "integer"),
        (np.full((4, 4), len(CLASSES), np.uint8), f"{len(CLASSES)} is out of range"),
        (np.full((4, 4), -1, np.int16), "-1 is out of range"),
        (np.zeros((0, 4), np.uint8), "empty"),
    ]
    for arr, msg in bad:
        with pytest.raises(ValueError, match=msg):
            validate_label_map(arr)
    with pytest.raises(ValueError, match="expected 8×8"):
        validate_label_map(np.zeros((4, 4), np.uint8), size=8)
    with pytest.raises(ValueError):
        render_photo(np.full((4, 4), 99, np.uint8), 0)


def test_colourise_maps_each_class_to_its_colour():
    lab = np.arange(len(CLASSES), dtype=np.uint8).reshape(1, -1).repeat(3, axis=0)
    rgb = colourise(lab)
    assert rgb.shape == (3, len(CLASSES), 3) and rgb.dtype == np.uint8
    for k, cls in enumerate(CLASSES):
        assert tuple(rgb[1, k]) == cls.colour


def test_dataset_items_and_batches():
    ds = LandscapeDataset(5, size=64, seed=10)
    assert len(ds) == 5
    lab, photo = ds[2]
    ref_lab, ref_photo = landscape_pair(12, 64)
    np.testing.assert_array_equal(lab, ref_lab)
    np.testing.assert_array_equal(photo, ref_photo)
    np.testing.assert_array_equal(ds[-1][0], landscape_pair(14, 64)[0])
    with pytest.raises(IndexError):
        ds[5]
    labs, photos = ds.batch([0, 3])
    assert labs.shape == (2, 64, 64) and photos.shape == (2, 64, 64, 3)
    np.testing.assert_array_equal(photos[1], landscape_pair(13, 64)[1])
    empty_labs, empty_photos = ds.batch([])
    assert empty_labs.shape == (0, 64, 64) and empty_photos.shape == (0, 64, 64, 3)
    with pytest.raises(ValueError):
        LandscapeDataset(3, seed=-1)
