"""Issue 16: the two domains an unpaired translator trains on (models/translation/domains.py):
a user's folders by the stated rule, the digits split in two, the landscapes."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageFile

from job_events import run_all
from models.translation import domains as dm
from models.translation.domains import (MIN_IMAGES, DigitDomains, DomainError, FolderDomains,
                                        LandscapeDomains, read_domain, square_rgb)
from models.translation.unpaired import UnpairedLandscapes


def _colour_image(k: int, size=(12, 12)) -> Image.Image:
    rng = np.random.default_rng(k)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def _fill(folder: Path, n: int, start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(start, start + n):
        _colour_image(k).save(folder / f"img{k:03d}.png")


def _load(source):
    _, data = run_all(source.load())
    return data


def _one(tmp_path, image: Image.Image, name="x.png", size=16, **save) -> np.ndarray:
    """What the rule makes of one image saved to a file and read back as the folder reads it."""
    folder = tmp_path / name.replace(".", "_")
    _fill(folder, MIN_IMAGES - 1, start=100)               # pads the folder to MIN_IMAGES
    image.save(folder / f"000-{name}", **save)             # sorts first
    images, skipped = read_domain(folder, size)
    assert skipped == []
    return images[0]


# ------------------------------------------------------------------ the folder rule

def test_a_wide_image_becomes_its_centred_square_resized_bicubically(tmp_path):
    """30×10: the square is columns 10..19, then bicubic to 16×16; done here by hand."""
    pixels = np.zeros((10, 30, 3), np.uint8)
    pixels[:, :10] = (255, 0, 0)                            # left third red
    pixels[:, 10:20] = np.arange(10, dtype=np.uint8)[None, :, None] * 25   # a ramp, centre
    pixels[:, 20:] = (0, 0, 255)                            # right third blue
    got = _one(tmp_path, Image.fromarray(pixels))
    want = np.asarray(Image.fromarray(pixels[:, 10:20].copy())
                      .resize((16, 16), Image.Resampling.BICUBIC))
    assert got.shape == (16, 16, 3) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, want)
    # and a tall one: rows 10..19 of 10×30
    tall = np.ascontiguousarray(pixels.transpose(1, 0, 2))
    got = _one(tmp_path, Image.fromarray(tall), name="tall.png")
    want = np.asarray(Image.fromarray(tall[10:20].copy())
                      .resize((16, 16), Image.Resampling.BICUBIC))
    np.testing.assert_array_equal(got, want)


def test_an_odd_margin_is_cut_the_same_way_and_a_square_of_the_size_is_kept_exactly():
    x = np.random.default_rng(0).integers(0, 256, (16, 21, 3), dtype=np.uint8)
    # 21 − 16 = 5: two columns off the left, three off the right
    np.testing.assert_array_equal(square_rgb(Image.fromarray(x), 16), x[:, 2:18])
    y = x[:, :16].copy()
    np.testing.assert_array_equal(square_rgb(Image.fromarray(y), 16), y)


def test_mixed_sizes_all_become_size_by_size(tmp_path):
    folder = tmp_path / "A"
    folder.mkdir()
    for k, size in enumerate([(8, 8), (40, 9), (9, 40), (100, 64), (16, 16), (33, 31),
                              (300, 200), (12, 50)]):
        _colour_image(k, size).save(folder / f"{k}.png")
    images, skipped = read_domain(folder, 20)
    assert images.shape == (8, 20, 20, 3) and images.dtype == np.uint8 and skipped == []


def test_grey_and_palette_images_become_three_equal_or_palette_channels(tmp_path):
    grey = Image.fromarray(np.full((12, 12), 77, np.uint8), mode="L")
    np.testing.assert_array_equal(_one(tmp_path, grey, "grey.png"), np.full((16, 16, 3), 77))
    palette = Image.new("P", (12, 12))
    palette.putpalette([10, 20, 30] * 256)
    np.testing.assert_array_equal(_one(tmp_path, palette, "pal.png"),
                                  np.broadcast_to([10, 20, 30], (16, 16, 3)))
    bits = Image.new("1", (12, 12), 1)
    np.testing.assert_array_equal(_one(tmp_path, bits, "bits.png"), np.full((16, 16, 3), 255))


def test_transparency_is_laid_on_white(tmp_path):
    # RGBA, half transparent red: 200·a + 255·(1 − a) with a = 128/255
    rgba = Image.new("RGBA", (12, 12), (200, 0, 0, 128))
    px = _one(tmp_path, rgba, "rgba.png")[5, 5].astype(int)
    a = 128 / 255
    want = np.array([200 * a + 255 * (1 - a), 255 * (1 - a), 255 * (1 - a)])
    assert np.abs(px - want).max() <= 1, px
    # LA: fully transparent black is white, opaque black stays black
    la = np.zeros((12, 12, 2), np.uint8)
    la[:, 6:, 1] = 255
    got = _one(tmp_path, Image.fromarray(la, mode="LA"), "la.png", size=12)
    assert (got[:, :6] == 255).all() and (got[:, 6:] == 0).all()
    # a palette image whose index 0 is transparent (a GIF's way): that colour becomes white
    p = Image.new("P", (12, 12), 0)
    p.putpalette([0, 0, 0] + [50, 60, 70] * 255)
    p.paste(1, (6, 0, 12, 12))
    got = _one(tmp_path, p, "ptrans.png", size=12, transparency=0)
    assert (got[:, :6] == 255).all() and (got[:, 6:] == (50, 60, 70)).all()


def test_cmyk_and_16_bit_grey_are_converted_by_value(tmp_path):
    cmyk = Image.new("CMYK", (12, 12), (0, 255, 255, 0))           # no cyan, full M and Y: red
    np.testing.assert_array_equal(_one(tmp_path, cmyk, "cmyk.jpg", quality=100)[6, 6] // 8,
                                  np.array([255, 0, 0]) // 8)      # JPEG: within a few levels
    # 16-bit grey: 0..65535 is scaled onto 0..255 (not clipped at 255, which turns
    # almost every 16-bit photo white)
    ramp = np.array([[0, 257 * 64, 257 * 128, 65535]], np.uint16).repeat(16, 0).repeat(4, 1)
    im16 = Image.fromarray(ramp)
    assert im16.mode.startswith("I;16")
    got = _one(tmp_path, im16, "deep.png")
    assert got[8, 2, 0] == 0 and got[8, 14, 0] == 255
    assert abs(int(got[8, 6, 0]) - 64) <= 2 and abs(int(got[8, 10, 0]) - 128) <= 2
    assert (got[..., 0] == got[..., 1]).all() and (got[..., 1] == got[..., 2]).all()


# ------------------------------------------------------------------ bad files, reported

def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header says width×height, with a few bytes of (wrong) pixel data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_unreadable_files_are_skipped_and_named_with_the_reason(tmp_path, monkeypatch):
    root = tmp_path / "data"
    _fill(root / "A", MIN_IMAGES)
    _fill(root / "B", MIN_IMAGES)
    (root / "A" / "notes.png").write_text("not an image at all")
    whole = (root / "A" / "img000.png").read_bytes()
    (root / "A" / "cut.png").write_bytes(whole[: len(whole) // 2])
    _png_header_only(root / "B" / "huge.png", 9000, 9000)
    Image.new("RGB", (5, 5)).save(root / "B" / "tiny.png")
    (root / "B" / "readme.txt").write_text("not an image suffix: not even looked at")

    loads = []                  # every decode of a file (PNG's load is ImageFile's)
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load",
                        lambda im: loads.append(im.size) or real_load(im))
    data = _load(FolderDomains(root, size=16))
    assert (12, 12) in loads and (9000, 9000) not in loads   # refused from the header alone
    assert len(data.train_a) == len(data.train_b) == MIN_IMAGES
    notes = "\n".join(data.notes)
    assert len(data.notes) == 4, notes
    note = {n.split(":")[0]: n for n in data.notes}
    assert "not an image Pillow can read" in note["skipped A/notes.png"]
    assert "truncated" in note["skipped A/cut.png"]
    assert "9000×9000" in note["skipped B/huge.png"] and "8192" in note["skipped B/huge.png"]
    assert "too small" in note["skipped B/tiny.png"]
    assert "readme" not in notes


def test_a_side_with_too_few_usable_images_is_refused_with_the_count(tmp_path):
    root = tmp_path / "data"
    _fill(root / "A", MIN_IMAGES)
    _fill(root / "B", MIN_IMAGES - 1)
    (root / "B" / "broken.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(DomainError, match=f"has {MIN_IMAGES - 1} usable image.*at least "
                                          f"{MIN_IMAGES}.*1 skipped.*broken.png"):
        _load(FolderDomains(root, size=16))
    _fill(root / "B", 1, start=50)
    assert len(_load(FolderDomains(root, size=16)).train_b) == MIN_IMAGES


def test_hidden_files_are_ignored(tmp_path):
    folder = tmp_path / "A"
    _fill(folder, MIN_IMAGES - 1)
    _colour_image(9).save(folder / ".thumbnail.png")
    (folder / "._img000.png").write_bytes(b"macOS resource fork, not an image")
    with pytest.raises(DomainError, match=f"has {MIN_IMAGES - 1} usable"):
        read_domain(folder, 16)
    _fill(folder, 1, start=40)
    images, skipped = read_domain(folder, 16)
    assert len(images) == MIN_IMAGES and skipped == []


def test_missing_folders_are_refused(tmp_path):
    _fill(tmp_path / "root" / "A", MIN_IMAGES)
    with pytest.raises(DomainError, match="A/ and B/"):
        FolderDomains(tmp_path / "root")
    with pytest.raises(DomainError, match="A/ and B/"):
        FolderDomains(tmp_path / "nowhere")
    with pytest.raises(DomainError, match="give a folder"):
        FolderDomains(a=tmp_path / "root" / "A")
    source = FolderDomains(a=tmp_path / "root" / "A", b=tmp_path / "root" / "B", size=16)
    with pytest.raises(DomainError, match="is not a folder"):
        _load(source)


@pytest.mark.parametrize("size", [12, 30, 260, 16.0, True])
def test_a_bad_size_is_refused(tmp_path, size):
    _fill(tmp_path / "A", 1)
    _fill(tmp_path / "B", 1)
    with pytest.raises(DomainError, match="size"):
        FolderDomains(tmp_path, size=size)


def test_the_files_are_only_read(tmp_path):
    root = tmp_path / "data"
    _fill(root / "A", MIN_IMAGES)
    _fill(root / "B", MIN_IMAGES)
    Image.new("RGBA", (30, 10), (1, 2, 3, 4)).save(root / "A" / "wide.png")
    Image.new("CMYK", (20, 20)).save(root / "B" / "print.tif")
    (root / "B" / "bad.jpg").write_bytes(b"\xff\xd8 nothing else")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*")
              if p.is_file()}
    data = _load(FolderDomains(root, size=16))
    assert len(data.train_a) == MIN_IMAGES + 1 and len(data.notes) == 1
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(root.rglob("*")) == sorted([*before, root / "A", root / "B"])


def test_the_folder_data_says_what_it_is_and_previews_its_first_images(tmp_path):
    root = tmp_path / "horses"
    _fill(root / "A", MIN_IMAGES)
    _fill(root / "B", MIN_IMAGES + 2, start=20)
    data = _load(FolderDomains(root, size=16, preview=3))
    assert not data.pairs and data.train_b.shape == (MIN_IMAGES + 2, 16, 16, 3)
    np.testing.assert_array_equal(data.held_a, data.train_a[:3])
    np.testing.assert_array_equal(data.train_b[0], square_rgb(_colour_image(20), 16))
    record = data.record()
    assert record["train_a"] == MIN_IMAGES and str(tmp_path) not in str(record)


def test_a_decoder_error_that_is_not_a_domain_error_is_skipped_not_raised(tmp_path, monkeypatch):
    """A mode Pillow cannot convert (or any other conversion failure) costs that one file."""
    folder = tmp_path / "A"
    _fill(folder, MIN_IMAGES + 1)
    real = dm.square_rgb

    def picky(image, size):
        if np.array_equal(np.asarray(image), np.asarray(_colour_image(3))):
            raise ValueError("conversion from La to L not supported")
        return real(image, size)

    monkeypatch.setattr(dm, "square_rgb", picky)
    images, skipped = read_domain(folder, 16)
    assert len(images) == MIN_IMAGES
    assert skipped[0][0] == "img003.png" and "not supported" in skipped[0][1]


# ------------------------------------------------------------------ the digits

def _digits(n_train: int, n_test: int = 6):
    """A stand-in for an MNIST Dataset whose every digit is distinct: image i holds i."""
    def split(n, offset):
        images = np.zeros((n, 28, 28), np.uint8)
        for i in range(n):
            images[i, i % 28, (i // 28) % 28] = 255
            images[i, 0, 0] = (i + offset) % 256
        return SimpleNamespace(images=images, labels=np.arange(n) % 10)
    return SimpleNamespace(name="digits", train=split(n_train, 0), test=split(n_test, 100))


def _fake_texture(monkeypatch) -> list:
    """textured_digits renders 64 landscapes per seed (seconds): a stand-in that records what
    it was asked and marks its output by the seed."""
    calls = []

    def fake(images, seed=0, offset=0):
        calls.append((np.array(images), seed))
        out = np.repeat(np.asarray(images)[..., None], 3, axis=-1)
        out[..., 2] = seed
        return out
    monkeypatch.setattr("models.translation.textured_digits.textured_digits", fake)
    return calls


def test_digit_domains_split_even_and_odd_so_no_digit_is_in_both(monkeypatch):
    calls = _fake_texture(monkeypatch)
    ds = _digits(40)
    data = _load(DigitDomains(ds, seed=3, preview=4))
    assert data.train_a.shape == (20, 28, 28, 1) and data.train_b.shape == (20, 28, 28, 3)
    np.testing.assert_array_equal(data.train_a[..., 0], ds.train.images[0::2])
    # B: the odd-numbered digits, textured with the seed
    (b_digits, b_seed), (held_digits, held_seed) = calls
    np.testing.assert_array_equal(b_digits, ds.train.images[1::2])
    assert b_seed == 3 and (data.train_b[..., 2] == 3).all()
    np.testing.assert_array_equal(data.train_b[..., 0], ds.train.images[1::2])
    marks_a = set(data.train_a[:, 0, 0, 0].tolist())
    marks_b = set(data.train_b[:, 0, 0, 0].tolist())
    assert marks_a == set(range(0, 40, 2)) and marks_b == set(range(1, 40, 2))
    # the held-out digits: the test split in both forms, the same digits (pairs)
    assert data.pairs and held_seed == 4
    np.testing.assert_array_equal(held_digits, ds.test.images[:4])
    np.testing.assert_array_equal(data.held_a[..., 0], ds.test.images[:4])
    np.testing.assert_array_equal(data.held_b[..., 0], ds.test.images[:4])
    assert data.record() == {"name": "digits-textured", "split": data.split,
                             "train_a": 20, "train_b": 20}


def test_digit_domains_can_give_a_rgb_a_side_and_take_a_limit(mnist, monkeypatch):
    _fake_texture(monkeypatch)
    data = _load(DigitDomains(mnist, rgb_a=True, limit=30, preview=2))
    assert data.train_a.shape == (15, 28, 28, 3) and data.held_a.shape == (2, 28, 28, 3)
    assert data.train_b.shape == (15, 28, 28, 3)
    assert (data.train_a[..., 0] == data.train_a[..., 2]).all()
    np.testing.assert_array_equal(data.train_a[..., 1], mnist.train.images[:30:2])
    np.testing.assert_array_equal(data.held_a[..., 0], mnist.test.images[:2])


def test_too_few_digits_are_refused():
    with pytest.raises(DomainError, match=f"each domain needs at least {MIN_IMAGES}"):
        _load(DigitDomains(_digits(2 * MIN_IMAGES - 1)))


# ------------------------------------------------------------------ the landscapes

def test_landscape_domains_train_unpaired_and_preview_on_held_out_pairs():
    data = _load(LandscapeDomains(5, size=16, seed=2, preview=2))
    ref = UnpairedLandscapes(5, 16, 2)
    for i in range(5):
        a, b = ref.unpaired(i)
        np.testing.assert_array_equal(data.train_a[i], a)
        np.testing.assert_array_equal(data.train_b[i], b)
        sa, sb = ref.map_seeds(i)
        assert sa != sb                                 # each domain from its own map
    for i in range(2):
        pa, pb, _ = ref.paired(i)
        np.testing.assert_array_equal(data.held_a[i], pa)
        np.testing.assert_array_equal(data.held_b[i], pb)
    assert data.pairs and data.train_a.shape == (5, 16, 16, 3)
    assert data.record()["name"] == "landscapes-unpaired"
