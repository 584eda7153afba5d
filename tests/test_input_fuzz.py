"""Files from strangers (issue 11 §6): images, label maps, A|B folders and points. Each loader
is fed seeded damage (truncations, bit flips, header edits, wrong types, pipes and devices) and
must return, or raise its family's clean error naming the file: never another exception, a
hang or a huge allocation."""
from __future__ import annotations

import io
import os
import struct
import threading
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models.gan.toy2d import fit_to_view, load_points_file
from models.imaging import open_image
from models.pix2pix.label_files import LabelFileError, load_label_png, save_label_png
from models.pix2pix.paired import PairedDataError, PairedFolder, load_pair


def _bounded(fn, limit=64 * 2**20):
    """Run fn in a thread (a hang fails the test) and with numpy's allocations traced."""
    out = {}

    def target():
        tracemalloc.start()
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - the caller inspects it
            out["error"] = exc
        finally:
            out["peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "the loader hung"
    assert out["peak"] < limit, f"peak {out['peak']:,} bytes"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def _png_bytes(image: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", **kw)
    return buf.getvalue()


def _with_ihdr(png: bytes, width: int, height: int) -> bytes:
    """The PNG with its IHDR size replaced (and the chunk's CRC fixed, so only the size lies)."""
    ihdr = bytearray(png[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)) & 0xFFFFFFFF)
    return png[:16] + bytes(ihdr) + crc + png[33:]


def _image_cases(good: bytes, rng: np.random.Generator):
    n = len(good)
    for _ in range(8):
        yield "truncate", good[:int(rng.integers(0, n))]
    for _ in range(10):
        b = bytearray(good)
        for _ in range(int(rng.integers(1, 4))):
            b[int(rng.integers(0, n))] ^= 1 << int(rng.integers(0, 8))
        yield "flip", bytes(b)
    for w, h in ((100_000, 100_000), (2**31 - 1, 1), (0, 0), (20_000, 4_000), (1, 2**20)):
        yield "ihdr", _with_ihdr(good, w, h)
    yield "text", b"not an image\n" * 10
    yield "npy", b"\x93NUMPY" + bytes(100)
    yield "empty", b""


def _label_png() -> bytes:
    lab = np.random.default_rng(0).integers(0, 4, (32, 32)).astype(np.uint8)
    buf = io.BytesIO()
    path = Path("/tmp") / f"hardening-label-{os.getpid()}.png"
    save_label_png(lab, path)
    buf.write(path.read_bytes())
    path.unlink()
    return buf.getvalue()


def _pair_png() -> bytes:
    rgb = np.random.default_rng(1).integers(0, 256, (32, 64, 3), dtype=np.uint8)
    return _png_bytes(Image.fromarray(rgb, "RGB"))


def _run_cases(tmp_path, good: bytes, load, error, seed: int):
    cases = list(_image_cases(good, np.random.default_rng(seed)))
    assert 20 <= len(cases) <= 60
    refused = 0
    for i, (kind, data) in enumerate(cases):
        path = tmp_path / f"case{i}.png"
        path.write_bytes(data)
        try:
            _bounded(lambda: load(path))
        except error as exc:
            assert str(path) in str(exc), (kind, str(exc))
            refused += 1
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"case {i} ({kind}) raised {type(exc).__name__}: {exc}")
    assert refused >= len(cases) // 3


def test_fuzzed_images_open_or_fail_cleanly(tmp_path):
    good = _png_bytes(Image.fromarray(np.arange(64 * 48, dtype=np.uint8).reshape(48, 64), "L"))
    _run_cases(tmp_path, good, lambda p: open_image(p, ValueError, max_side=4096), ValueError, 1)


def test_fuzzed_label_maps_load_or_fail_cleanly(tmp_path):
    _run_cases(tmp_path, _label_png(), lambda p: load_label_png(p), LabelFileError, 2)


def test_fuzzed_pairs_load_or_fail_cleanly(tmp_path):
    _run_cases(tmp_path, _pair_png(), lambda p: load_pair(p, "AtoB", 32), PairedDataError, 3)


def test_a_header_too_wide_is_refused_before_decoding(tmp_path):
    path = tmp_path / "wide.png"
    path.write_bytes(_with_ihdr(_label_png(), 1025, 32))
    with pytest.raises(LabelFileError, match="1025×32"):
        load_label_png(path)


@pytest.mark.parametrize("load,error", [
    (lambda p: open_image(p), ValueError),
    (lambda p: load_label_png(p), LabelFileError),
    (lambda p: load_pair(p), PairedDataError),
    (lambda p: load_points_file(p), ValueError),
])
def test_a_fifo_or_dev_zero_is_refused_without_hanging(tmp_path, load, error):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        try:
            with pytest.raises(error, match="regular file"):
                _bounded(lambda p=path: load(p))
        except AssertionError:
            with open(fifo, "wb"):          # let a stuck reader go
                pass
            raise


def test_fuzzed_pair_folders_check_or_fail_cleanly(tmp_path):
    good = _pair_png()
    rng = np.random.default_rng(4)
    layouts = []
    for i in range(24):
        root = tmp_path / f"set{i}"
        train = root / "train"
        train.mkdir(parents=True)
        kind = i % 6
        if kind == 0:                                   # damaged files among good ones
            for j in range(3):
                data = bytearray(good)
                data[int(rng.integers(0, len(data)))] ^= 0xFF
                (train / f"{j}.png").write_bytes(bytes(data))
            (train / "ok.png").write_bytes(good)
        elif kind == 1:                                 # truncated only
            (train / "a.png").write_bytes(good[:int(rng.integers(0, len(good)))])
        elif kind == 2:                                 # a pipe and a folder named like images
            os.mkfifo(train / "pipe.png")
            (train / "dir.png").mkdir()
        elif kind == 3:                                 # a link loop and a dangling link
            os.symlink(train / "loop.png", train / "loop.png")
            os.symlink(tmp_path / "missing.png", train / "gone.png")
        elif kind == 4:                                 # no train/ at all
            train.rmdir()
            (root / "val").mkdir()
        else:                                           # odd widths, tiny halves, text
            Image.new("RGB", (33, 32)).save(train / "odd.png")
            Image.new("RGB", (8, 8)).save(train / "tiny.png")
            (train / "notes.png").write_text("hello")
        layouts.append((kind, root))
    for kind, root in layouts:
        try:
            _bounded(lambda r=root: PairedFolder(r, "train", "AtoB", 32).check())
        except PairedDataError as exc:
            assert str(root) in str(exc), (kind, str(exc))
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"layout {kind} raised {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------ points
def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _points_cases(rng: np.random.Generator):
    good = _npy(rng.normal(size=(50, 2)).astype(np.float32))
    n = len(good)
    for _ in range(6):
        yield "truncate", good[:int(rng.integers(0, n))]
    for _ in range(10):
        b = bytearray(good)
        b[int(rng.integers(8, 128))] ^= 1 << int(rng.integers(0, 8))    # the header's dict
        yield "flip", bytes(b)
    header = good[10:128].decode("latin1")
    for new in ("{'descr': '<f4', 'fortran_order': False, 'shape': (50, 2), ",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (10**9, 2), }",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (50, '2'), }",
                "{'descr': 'O', 'fortran_order': False, 'shape': (50, 2), }",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (50, 2), } \"\"\"",
                "{'descr': '<f4', 'fortran_order': False, 'shape': (50, 2, (((((((((((, }",
                "[" * 200, "{'descr': [('x', '<f4')] * 3, 'fortran_order': 0, 'shape': (50,)}"):
        body = new.ljust(len(header) - 1) + "\n"
        yield "header", good[:10] + body.encode("latin1")[:len(header)] + good[128:]
    for arr in (np.full((4, 2), 3e38, np.float32), np.array([[3e38, -3e38], [1, 2]], np.float32),
                np.array([[1e308, 0], [0, 1]]), np.zeros((1, 2)), np.zeros((5, 3)),
                np.array(["a", "b"]), np.zeros((0, 2)), np.array([[np.nan, 1], [2, 3]])):
        yield "array", _npy(arr)
    yield "npz", b"PK\x03\x04" + bytes(40)


def test_fuzzed_points_files_load_or_fail_cleanly(tmp_path):
    cases = list(_points_cases(np.random.default_rng(5)))
    assert 20 <= len(cases) <= 60
    for i, (kind, data) in enumerate(cases):
        path = tmp_path / f"case{i}.npy"
        path.write_bytes(data)
        try:
            pts = _bounded(lambda: load_points_file(path))
        except ValueError as exc:
            assert str(path) in str(exc), (kind, str(exc))
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"case {i} ({kind}) raised {type(exc).__name__}: {exc}")
        else:
            fitted, _ = fit_to_view(pts)           # what the lab shows, always finite
            assert np.isfinite(fitted).all() and np.abs(fitted).max() <= 2.5, kind


def test_points_near_the_float32_limit_fit_the_view(tmp_path):
    path = tmp_path / "huge.npy"
    np.save(path, np.array([[3e38, -3e38], [-3e38, 3e38], [0, 0]], np.float32))
    fitted, scale = fit_to_view(load_points_file(path))
    assert scale is not None and np.isfinite(fitted).all()
    np.testing.assert_allclose(np.abs(fitted).max(), 0.88 * 2.5, rtol=1e-5)


def test_a_malformed_npy_header_is_a_value_error(tmp_path):
    path = tmp_path / "bad.npy"
    good = _npy(np.zeros((3, 2), np.float32))
    body = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), \"\"\""
    path.write_bytes(good[:10] + body.ljust(len(good) - 11).encode() + b"\n" + good[len(good):])
    with pytest.raises(ValueError) as info:
        load_points_file(path)
    assert str(path) in str(info.value)


def test_names_over_255_bytes_are_each_familys_error(tmp_path):
    long = tmp_path / ("x" * 300)
    with pytest.raises(PairedDataError, match="does not exist"):
        PairedFolder(long, "train", "AtoB", 32)
    with pytest.raises(LabelFileError, match="255"):
        load_label_png(str(long) + ".png")
    with pytest.raises(ValueError, match="255"):
        load_points_file(str(long) + ".npy")
