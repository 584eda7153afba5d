"""Label maps as PNG: a round trip, the formats people have, and clear refusals."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from models.pix2pix.label_files import LabelFileError, load_label_png, save_label_png
from models.pix2pix.landscapes import CLASSES, colourise, render_label_map


def test_palette_png_round_trip_keeps_indices_and_shows_colours(tmp_path):
    lab = render_label_map(4, 64)
    path = save_label_png(lab, tmp_path / "m.png")
    np.testing.assert_array_equal(load_label_png(path, size=64), lab)
    with Image.open(path) as im:
        assert im.mode == "P"
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), colourise(lab))


def test_greyscale_indices_and_exact_rgb_colours_load(tmp_path):
    lab = render_label_map(5, 64)
    Image.fromarray(lab, mode="L").save(tmp_path / "g.png")
    np.testing.assert_array_equal(load_label_png(tmp_path / "g.png"), lab)
    Image.fromarray(colourise(lab)).save(tmp_path / "c.png")
    np.testing.assert_array_equal(load_label_png(tmp_path / "c.png"), lab)


def test_wrong_size_is_refused_with_both_sizes_named(tmp_path):
    save_label_png(render_label_map(1, 64), tmp_path / "m.png")
    with pytest.raises(LabelFileError, match="64×64.*128×128"):
        load_label_png(tmp_path / "m.png", size=128)


def test_out_of_range_indices_are_refused(tmp_path):
    lab = np.zeros((64, 64), np.uint8)
    lab[3, 4] = len(CLASSES)
    Image.fromarray(lab, mode="L").save(tmp_path / "bad.png")
    with pytest.raises(LabelFileError, match=f"class index {len(CLASSES)}"):
        load_label_png(tmp_path / "bad.png")


def test_foreign_colours_name_the_pixel(tmp_path):
    rgb = colourise(render_label_map(2, 64)).copy()
    rgb[10, 7] = (1, 2, 3)
    Image.fromarray(rgb).save(tmp_path / "photo.png")
    with pytest.raises(LabelFileError, match=r"\(7, 10\).*\(1, 2, 3\)"):
        load_label_png(tmp_path / "photo.png")


def test_garbage_transparent_and_odd_modes_are_refused(tmp_path):
    (tmp_path / "junk.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(LabelFileError, match="not an image"):
        load_label_png(tmp_path / "junk.png")
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., :3] = CLASSES[0].colour
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "t.png")
    with pytest.raises(LabelFileError, match="transparent"):
        load_label_png(tmp_path / "t.png")
    Image.new("CMYK", (64, 64)).save(tmp_path / "cmyk.jpg")
    with pytest.raises(LabelFileError, match="CMYK"):
        load_label_png(tmp_path / "cmyk.jpg")
    with pytest.raises(LabelFileError, match="at most"):
        Image.new("L", (2000, 8)).save(tmp_path / "wide.png")
        load_label_png(tmp_path / "wide.png")


def test_the_shipped_example_maps_are_valid_64px_maps():
    from pathlib import Path
    folder = Path(__file__).resolve().parents[1] / "assets" / "label_maps"
    files = sorted(folder.glob("*.png"))
    assert len(files) >= 3
    for f in files:
        lab = load_label_png(f, size=64)
        assert len(np.unique(lab)) >= 3        # a scene, not a blank map


def test_a_missing_file_or_a_folder_is_named_as_such(tmp_path):
    with pytest.raises(LabelFileError, match="does not exist"):
        load_label_png(tmp_path / "nowhere.png")
    with pytest.raises(LabelFileError, match="is a folder, not an image"):
        load_label_png(tmp_path)
