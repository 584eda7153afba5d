"""The stated rule for scoring any image: greyscale (alpha on the background), longer side to
S keeping the aspect ratio, pad to square, invert a light background, threshold at 0.5.

Each case draws a known binary digit G into an image of some mode, depth, size and colours,
and checks that the rule gives G back; refusals name their reason."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from models.likelihood.binarize import (MAX_SIDE, ImageRuleError, image_to_binary)


def _digit() -> np.ndarray:
    """A 28×28 binary '7'-like shape with a diagonal, inside columns 4..23 (so the 28×20 crop
    of it is all of it)."""
    g = np.zeros((28, 28), np.uint8)
    g[5:8, 6:22] = 1                                # the bar
    for r in range(8, 24):                          # the stroke down to the left
        c = 21 - (r - 8) * 10 // 16
        g[r, c - 1:c + 2] = 1
    g[14:16, 10:20] = 1                             # a cross bar
    return g


G = _digit()


def _upscaled(binary: np.ndarray, factor: int) -> np.ndarray:
    return np.kron(binary, np.ones((factor, factor), np.uint8))


def _grey(ink: float, background: float, factor: int = 3, pattern=G) -> np.ndarray:
    g = _upscaled(pattern, factor).astype(np.float32)
    return g * ink + (1 - g) * background


def _rgb(ink, background, factor=3, pattern=G) -> np.ndarray:
    g = _upscaled(pattern, factor)[..., None]
    return (g * np.array(ink) + (1 - g) * np.array(background)).astype(np.uint8)


def _cases():
    """(name, PIL image, expected inverted?)"""
    light = _grey(0.0, 1.0)                        # black ink on white paper
    dark = _grey(1.0, 0.0)                         # MNIST's own: white on black
    u8 = lambda a: (a * 255).round().astype(np.uint8)   # noqa: E731
    yield "1-bit, ink 0 on 1", Image.fromarray(u8(light)).convert("1"), True
    yield "1-bit, ink 1 on 0", Image.fromarray(u8(dark)).convert("1"), False
    yield "L dark ink", Image.fromarray(u8(_grey(0.2, 0.9))), True
    yield "L light ink", Image.fromarray(u8(_grey(0.8, 0.1))), False
    la = np.stack([u8(_grey(0.1, 0.1)), u8(_grey(1.0, 0.0))], -1)     # dark ink, clear elsewhere
    yield "LA dark ink on transparent", Image.fromarray(la, "LA"), True
    la_light = np.stack([u8(_grey(0.95, 0.95)), u8(_grey(1.0, 0.0))], -1)
    yield "LA light ink on transparent", Image.fromarray(la_light, "LA"), False
    rgb = _rgb((20, 30, 140), (250, 245, 230))                      # blue pen on cream paper
    yield "RGB blue on cream", Image.fromarray(rgb), True
    yield "RGB yellow on navy", Image.fromarray(_rgb((255, 230, 60), (10, 10, 60))), False
    yield "P (palette)", Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE), True
    p_t = Image.fromarray(u8(dark)).convert("P")                    # index 0 = background
    p_t.info["transparency"] = 0
    yield "P with a transparent index", p_t, False
    rgba = np.concatenate([_rgb((200, 0, 0), (0, 0, 0)),
                           (_upscaled(G, 3) * 255)[..., None].astype(np.uint8)], -1)
    yield "RGBA red on transparent", Image.fromarray(rgba, "RGBA"), True
    rgba_w = rgba.copy()
    rgba_w[..., :3] = 255
    yield "RGBA white on transparent", Image.fromarray(rgba_w, "RGBA"), False
    yield "RGBA opaque", Image.fromarray(np.concatenate(
        [rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], -1), "RGBA"), True
    yield "I;16 bright ink", Image.fromarray((_grey(60000, 1000)).astype(np.uint16)), False
    yield "I;16 dark ink", Image.fromarray((_grey(2000, 64000)).astype(np.uint16)), True
    yield "I 8-bit range", Image.fromarray(_grey(250, 3).astype(np.int32)), False
    yield "F in 0..1", Image.fromarray(_grey(0.9, 0.05).astype(np.float32)), False
    yield "F in 0..255", Image.fromarray(_grey(30.0, 240.0).astype(np.float32)), True
    yield "CMYK", Image.fromarray(rgb).convert("CMYK"), True
    yield "YCbCr", Image.fromarray(rgb).convert("YCbCr"), True
    yield "LAB", Image.fromarray(rgb).convert("LAB"), True
    yield "RGBa (premultiplied)", Image.fromarray(rgba, "RGBA").convert("RGBa"), True
    yield "La (premultiplied)", Image.fromarray(la, "LA").convert("La"), True


@pytest.mark.parametrize("name,image,inverted", [pytest.param(*c, id=c[0]) for c in _cases()])
def test_every_mode_gives_the_digit_back(name, image, inverted):
    out = image_to_binary(image, 28)
    assert out.pixels.dtype == np.uint8 and out.pixels.shape == (28, 28)
    np.testing.assert_array_equal(out.pixels, G, err_msg=name)
    assert out.inverted == inverted
    assert out.source_mode == image.mode and out.source_size == image.size


@pytest.mark.parametrize("fmt,suffix", [("PNG", "png"), ("BMP", "bmp"), ("TIFF", "tif"),
                                        ("GIF", "gif"), ("WEBP", "webp")])
def test_files_of_each_format(tmp_path, fmt, suffix):
    path = tmp_path / f"digit.{suffix}"
    Image.fromarray(_rgb((0, 0, 0), (255, 255, 255))).save(path, fmt, **(
        {"lossless": True} if fmt == "WEBP" else {}))
    out = image_to_binary(str(path))
    np.testing.assert_array_equal(out.pixels, G)
    assert out.inverted


def test_a_16_bit_png_keeps_its_depth(tmp_path):
    # Pillow's own I;16 → L conversion clips at 255 and would turn everything white
    path = tmp_path / "deep.png"
    Image.fromarray(_grey(50000, 300).astype(np.uint16)).save(path)
    assert Image.open(path).mode.startswith("I")
    np.testing.assert_array_equal(image_to_binary(path).pixels, G)


def test_a_photo_sized_jpeg_is_close(tmp_path):
    path = tmp_path / "photo.jpg"
    big = Image.fromarray(_rgb((30, 30, 30), (235, 235, 225), factor=1)).resize(
        (640, 640), Image.Resampling.NEAREST)
    big.save(path, quality=90)
    out = image_to_binary(path)
    assert out.inverted and (out.pixels != G).mean() < 0.03
    assert out.describe() == "converted: 640×640 RGB → 28×28 binary, inverted"


def test_the_longer_side_is_scaled_and_the_rest_padded_with_background():
    crop = G[:, 4:24]                               # 28 rows × 20 columns
    for ink, bg, inverted in ((0.0, 1.0, True), (1.0, 0.0, False)):
        wide = Image.fromarray((_grey(ink, bg, 5, crop.T) * 255).astype(np.uint8))  # 140×100
        tall = Image.fromarray((_grey(ink, bg, 5, crop) * 255).astype(np.uint8))    # 100×140
        np.testing.assert_array_equal(image_to_binary(tall).pixels, G)
        out = image_to_binary(wide)
        np.testing.assert_array_equal(out.pixels, G.T)
        assert out.inverted == inverted and out.source_size == (140, 100)


def test_640_by_480_is_scaled_to_28_by_21_and_padded():
    a = np.full((480, 640), 255, np.uint8)
    a[100:380, 100:540] = 0                         # a black box on white
    out = image_to_binary(Image.fromarray(a).convert("RGB"))
    assert out.describe() == "converted: 640×480 RGB → 28×28 binary, inverted"
    rows = np.flatnonzero(out.pixels.any(1))
    cols = np.flatnonzero(out.pixels.any(0))
    # 28/640 = 0.04375 px per px: the box is rows 100..380 → 4.4..16.6 of 21, padded by 3 on top
    assert (rows[0], rows[-1]) == (3 + 4, 3 + 16) and (cols[0], cols[-1]) == (4, 23)


def test_small_images_are_scaled_up_and_other_sizes_work():
    tiny = Image.fromarray((G[::2, ::2] * 255).astype(np.uint8))   # 14×14
    np.testing.assert_array_equal(image_to_binary(tiny, 28).pixels,
                                  _upscaled(G[::2, ::2], 2))
    np.testing.assert_array_equal(image_to_binary(Image.fromarray(G * 255), 14).pixels,
                                  (G.reshape(14, 2, 14, 2).mean((1, 3)) > 0.5).astype(np.uint8))
    one = image_to_binary(Image.new("L", (1, 1), 255), 5)        # a single white pixel
    assert one.pixels.shape == (5, 5) and one.inverted and not one.pixels.any()


def test_the_threshold_is_half_way():
    levels = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28)
    levels[0] = levels[-1] = levels[:, 0] = levels[:, -1] = 0      # a dark border
    out = image_to_binary(Image.fromarray(levels, "F"))
    np.testing.assert_array_equal(out.pixels, (levels > 0.5).astype(np.uint8))
    assert not out.inverted


def test_the_exif_orientation_is_applied(tmp_path):
    path = tmp_path / "turned.png"
    im = Image.fromarray((G * 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 3                                # rotated 180°
    im.rotate(180).save(path, exif=exif)
    np.testing.assert_array_equal(image_to_binary(path).pixels, G)


def test_a_pil_image_given_is_not_changed():
    im = Image.fromarray((G * 255).astype(np.uint8)).convert("RGB")
    before = np.asarray(im).copy()
    image_to_binary(im, 14)
    np.testing.assert_array_equal(np.asarray(im), before)
    assert im.mode == "RGB"


# ---------------------------------------------------------------------- refusals
def test_unreadable_files_are_refused_with_a_reason(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(G * 255).save(good)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:60])
    text = tmp_path / "notes.png"
    text.write_text("this is not an image\n")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cases = {truncated: "corrupt or truncated", text: "not an image",
             empty: "empty", tmp_path / "missing.png": "does not exist",
             tmp_path: "folder"}
    for path, reason in cases.items():
        with pytest.raises(ImageRuleError, match=reason):
            image_to_binary(path)


def test_an_image_with_no_pixels_is_refused():
    for size in ((0, 0), (0, 5), (7, 0)):
        with pytest.raises(ImageRuleError, match="no pixels"):
            image_to_binary(Image.new("L", size))


def test_huge_images_are_refused_before_decoding(tmp_path):
    path = tmp_path / "wide.png"
    Image.new("1", (MAX_SIDE + 1, 2)).save(path)     # a few bytes on disk
    with pytest.raises(ImageRuleError, match=f"at most {MAX_SIDE}"):
        image_to_binary(path)
    with pytest.raises(ImageRuleError, match="at most 100"):
        image_to_binary(Image.new("L", (101, 3)), max_side=100)


def test_a_big_image_is_reduced_first_and_still_right():
    big = Image.fromarray((_upscaled(G, 100) * 255).astype(np.uint8))   # 2800×2800
    np.testing.assert_array_equal(image_to_binary(big).pixels, G)
    big_rgba = big.convert("RGBA")
    np.testing.assert_array_equal(image_to_binary(big_rgba).pixels, G)


def test_nan_pixels_and_bad_arguments_are_refused():
    a = np.zeros((28, 28), np.float32)
    a[3, 3] = np.nan
    with pytest.raises(ImageRuleError, match="NaN"):
        image_to_binary(Image.fromarray(a, "F"))
    with pytest.raises(ValueError, match="size"):
        image_to_binary(Image.new("L", (3, 3)), 0)
    with pytest.raises(ValueError, match="path or a PIL image"):
        image_to_binary(np.zeros((28, 28)))
