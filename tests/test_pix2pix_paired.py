"""The A|B folder loader: splitting, direction, resizing, modes, and every bad-file path."""
from __future__ import annotations

import numpy as np
import PIL.Image
import pytest
from PIL import Image

import models.pix2pix.paired as paired
from models.pix2pix.paired import PairedDataError, PairedFolder, find_pairs, load_pair

RED, BLUE = (255, 0, 0), (0, 0, 255)
PILLOW_DEFAULT_MAX = 89478485  # Pillow's own default; the loader must leave it alone


def _pair_image(w=64, h=32, left=RED, right=BLUE, mode="RGB") -> Image.Image:
    arr = np.zeros((h, w, 3), np.uint8)
    arr[:, : w // 2] = left
    arr[:, w // 2:] = right
    return Image.fromarray(arr).convert(mode)


@pytest.fixture
def dataset(tmp_path):
    train = tmp_path / "train"
    train.mkdir()
    _pair_image().save(train / "001.png")
    _pair_image().save(train / "002.jpg", quality=95, subsampling=0)
    return tmp_path


def test_module_leaves_the_bomb_guard_at_pillows_default():
    assert paired.Image.MAX_IMAGE_PIXELS == PILLOW_DEFAULT_MAX


def test_find_pairs_is_sorted_and_image_only(dataset):
    (dataset / "train" / "notes.txt").write_text("not an image")
    (dataset / "train" / "._001.png").write_bytes(b"\x00\x05\x16\x07")  # macOS resource fork
    assert [p.name for p in find_pairs(dataset, "train")] == ["001.png", "002.jpg"]


@pytest.mark.parametrize("direction, first, second", [("AtoB", RED, BLUE), ("BtoA", BLUE, RED)])
def test_direction_picks_the_halves(dataset, direction, first, second):
    data = PairedFolder(dataset, "train", direction=direction, size=32)
    assert len(data) == 2
    for i in range(len(data)):
        a, b = data[i]
        assert a.shape == b.shape == (32, 32, 3) and a.dtype == b.dtype == np.uint8
        # JPEG blurs colours a little, so compare with a tolerance but far from the other colour
        assert np.abs(a.astype(int) - first).max() <= 12, a.reshape(-1, 3).mean(0)
        assert np.abs(b.astype(int) - second).max() <= 12, b.reshape(-1, 3).mean(0)


def test_load_pair_native_size_and_resize(dataset):
    a, b = load_pair(dataset / "train" / "001.png")
    assert a.shape == b.shape == (32, 32, 3)
    assert (a == RED).all() and (b == BLUE).all()
    _pair_image(w=200, h=50).save(dataset / "wide.png")
    a, b = load_pair(dataset / "wide.png", size=48)
    assert a.shape == b.shape == (48, 48, 3)
    assert (a == RED).all() and (b == BLUE).all()


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_other_modes_become_rgb(tmp_path, mode):
    path = tmp_path / f"pair_{mode}.png"
    # greys on Pillow's web palette, so "P" stores them exactly
    _pair_image(left=(204, 204, 204), right=(51, 51, 51), mode=mode).save(path)
    with Image.open(path) as im:
        assert im.mode == mode
    a, b = load_pair(path)
    assert a.shape == b.shape == (32, 32, 3) and a.dtype == np.uint8
    assert (a == 204).all() and (b == 51).all()


def test_missing_split_names_the_folders_that_exist(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    with pytest.raises(PairedDataError, match=r"no val/ folder.*test/, train/"):
        find_pairs(tmp_path, "val")
    with pytest.raises(PairedDataError, match="does not exist"):
        find_pairs(tmp_path / "nowhere")


def test_empty_and_imageless_folders(tmp_path):
    (tmp_path / "train").mkdir()
    with pytest.raises(PairedDataError, match="is empty"):
        PairedFolder(tmp_path)
    (tmp_path / "train" / "readme.txt").write_text("hello")
    (tmp_path / "train" / "labels.csv").write_text("a,b")
    with pytest.raises(PairedDataError, match=r"holds no images.*labels\.csv, readme\.txt"):
        PairedFolder(tmp_path)


def test_corrupt_file_is_named(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 500, dtype=np.uint8).tobytes())
    with pytest.raises(PairedDataError, match="broken.png"):
        load_pair(bad)


def test_truncated_png_is_named(tmp_path):
    good = tmp_path / "good.png"
    _pair_image().save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:60])
    with pytest.raises(PairedDataError, match="cut.png"):
        load_pair(cut)


def test_odd_width(tmp_path):
    path = tmp_path / "odd.png"
    _pair_image(w=65).save(path)
    with pytest.raises(PairedDataError, match=r"odd.png.*width 65 is odd: an A\|B pair needs two "
                                              r"halves of equal width"):
        load_pair(path)


def test_tiny_halves_refused(tmp_path):
    path = tmp_path / "tiny.png"
    _pair_image(w=20, h=32).save(path)
    with pytest.raises(PairedDataError, match="smaller than the minimum"):
        load_pair(path)


@pytest.mark.parametrize("limit", [1000, 1500])  # 2048 px: past 2× the limit, and in the warning band
def test_decompression_bomb_is_too_large(tmp_path, monkeypatch, limit):
    path = tmp_path / "bomb.png"
    _pair_image(w=64, h=32).save(path)
    monkeypatch.setattr(PIL.Image, "MAX_IMAGE_PIXELS", limit)
    with pytest.raises(PairedDataError, match="bomb.png is too large"):
        load_pair(path)
    assert PIL.Image.MAX_IMAGE_PIXELS == limit  # the loader did not lift the guard to get through


def test_check_skips_bad_files_and_records_why(dataset):
    (dataset / "train" / "003_odd.png").write_bytes(b"")
    _pair_image(w=65).save(dataset / "train" / "004_odd.png")
    data = PairedFolder(dataset, size=32)
    assert len(data) == 4
    seen = []
    assert data.check(progress=lambda k, n: seen.append((k, n))) == 2
    assert seen[-1] == (4, 4)
    assert [p.name for p in data.paths] == ["001.png", "002.jpg"] and len(data) == 2
    reasons = dict((p.name, r) for p, r in data.skipped)
    assert set(reasons) == {"003_odd.png", "004_odd.png"}
    assert "width 65 is odd" in reasons["004_odd.png"]
    assert "003_odd.png" in reasons["003_odd.png"]
    a, b = data[1]
    assert np.abs(a.astype(int) - RED).max() <= 12


def test_check_with_no_good_files_raises_with_reasons(tmp_path):
    train = tmp_path / "train"
    train.mkdir()
    for i in range(5):
        _pair_image(w=65).save(train / f"{i}.png")
    with pytest.raises(PairedDataError, match=r"none of the 5 files.*width 65 is odd.*2 more"):
        PairedFolder(tmp_path).check()


def test_bad_arguments(dataset):
    with pytest.raises(ValueError, match="direction"):
        PairedFolder(dataset, direction="AB")
    with pytest.raises(ValueError, match="direction"):
        load_pair(dataset / "train" / "001.png", direction="btoa")
    with pytest.raises(ValueError, match="split"):
        find_pairs(dataset, "validation")
    with pytest.raises(ValueError, match="size"):
        PairedFolder(dataset, size=8)
    with pytest.raises(ValueError, match="size"):
        load_pair(dataset / "train" / "001.png", size=32.5)


def test_16_bit_greyscale_pairs_are_scaled_not_clipped_to_white(tmp_path):
    from models.pix2pix.paired import load_pair
    ab = np.zeros((32, 64), np.uint16)
    ab[:, :32] = 1000
    ab[:, 32:] = 65535
    path = tmp_path / "depth.png"
    Image.fromarray(ab).save(path)              # a 16-bit greyscale PNG
    a, b = load_pair(path, "AtoB", 32)
    assert a.max() == a.min() == round(1000 / 65535 * 255)
    assert b.min() == 255
