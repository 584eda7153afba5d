"""IDX files and datasets from strangers (issue 11 §6): bounded decompression, regular files
only, empty and one-image datasets refused before training; a seeded fuzz of IDX files."""
from __future__ import annotations

import gzip
import os
import threading
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest

from idx_files import idx_bytes, write_split_folder
from models.data import MAX_IDX_BYTES, DataError, read_folder, read_idx

IMAGES, LABELS = 2051, 2049


def _peak(fn):
    tracemalloc.start()
    try:
        return fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 32 * 2**20, f"peak {peak:,} bytes"


def test_a_gzip_bomb_is_not_decompressed_beyond_its_header(tmp_path):
    # header: 10 images of 28×28 (7,840 bytes); then 256 MB of zeros (a 256 kB file)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as f:
        f.write(comp.compress(idx_bytes(np.zeros((10, 28, 28), np.uint8))))
        chunk = bytes(2**20)
        for _ in range(256):
            f.write(comp.compress(chunk))
        f.write(comp.flush())
    assert path.stat().st_size < 2**20
    with pytest.raises(DataError, match="longer than its header") as info:
        _peak(lambda: read_idx(path, IMAGES))
    assert str(path) in str(info.value)


def test_a_header_declaring_too_much_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.gz"
    header = (0x0803).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in (2**31, 28, 28))
    path.write_bytes(gzip.compress(header + bytes(1000)))
    with pytest.raises(DataError, match="at most") as info:
        _peak(lambda: read_idx(path, IMAGES))
    assert str(path) in str(info.value) and f"{MAX_IDX_BYTES:,}" in str(info.value)


@pytest.mark.parametrize("kind", ["fifo", "dev"])
def test_a_fifo_or_device_is_refused_without_hanging(tmp_path, kind):
    path = tmp_path / "pipe"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    out = []

    def read():
        try:
            read_idx(path, IMAGES)
        except Exception as exc:  # noqa: BLE001
            out.append(exc)
    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():
        if kind == "fifo":
            with open(path, "wb"):
                pass
        pytest.fail("read_idx hung")
    assert isinstance(out[0], DataError) and "regular file" in str(out[0])


def _digits(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


@pytest.mark.parametrize("n_train,n_test", [(0, 0), (0, 5), (1, 5), (5, 0), (1, 0)])
def test_empty_and_one_image_datasets_are_refused_with_the_reason(tmp_path, n_train, n_test):
    images, labels = _digits(n_train + n_test)
    folder = write_split_folder(tmp_path / "d", images, labels, n_train)
    if (n_train, n_test) == (1, 0):    # one image, train-* only; (5, 0) keeps an empty t10k-*
        for p in folder.glob("t10k-*"):
            p.unlink()
    with pytest.raises(DataError, match="image") as info:
        read_folder(folder)
    assert str(folder) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_three_images_in_one_split_keep_a_test_image(tmp_path):
    images, labels = _digits(3)
    folder = write_split_folder(tmp_path / "d", images, labels, 3)
    for p in folder.glob("t10k-*"):
        p.unlink()
    ds = read_folder(folder)
    assert len(ds.train) == 2 and len(ds.test) == 1


def test_cli_refuses_a_one_image_dataset_before_training(tmp_path, capsys):
    from playground.cli import main
    images, labels = _digits(1)
    folder = write_split_folder(tmp_path / "one", images, labels, 1)
    for p in folder.glob("t10k-*"):
        p.unlink()
    out = tmp_path / "out"
    assert main(["train", "ae", "--dataset", str(folder), "--epochs", "1", "--out", str(out),
                 "--no-download", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "1 image" in err and "Traceback" not in err
    assert not out.exists()


# ------------------------------------------------------------------ fuzz
def _cases(rng: np.random.Generator):
    images, _ = _digits(6)
    good = idx_bytes(images)
    n = len(good)
    for _ in range(8):
        yield "truncate", good[:int(rng.integers(0, n))]
    for _ in range(10):
        b = bytearray(good)
        for _ in range(int(rng.integers(1, 3))):
            i = int(rng.integers(0, 16))                 # the header: magic, type, dims
            b[i] ^= 1 << int(rng.integers(0, 8))
        yield "flip", bytes(b)
    for dims in ([6, 28, 28, 1], [2**32 - 1, 28, 28], [0, 28, 28], [6, 0, 28], [6, 2**16, 2**16]):
        header = (0x0800 | len(dims)).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
        yield "dims", header + good[16:]
    yield "ndim0", (0x0800).to_bytes(4, "big") + good[16:]
    yield "ndim255", (0x08FF).to_bytes(4, "big") + good[16:]
    yield "extra", good + bytes(int(rng.integers(1, 5000)))
    gz = gzip.compress(good)
    for _ in range(6):
        yield "gz-truncate", gz[:int(rng.integers(0, len(gz)))]
    for _ in range(6):
        b = bytearray(gz)
        b[int(rng.integers(10, len(b)))] ^= 0xFF
        yield "gz-flip", bytes(b)
    yield "gz-bomb", gzip.compress(good + bytes(64 * 2**20), 1)


def test_fuzzed_idx_files_read_or_fail_cleanly(tmp_path):
    cases = list(_cases(np.random.default_rng(11)))
    assert 30 <= len(cases) <= 60
    for i, (kind, data) in enumerate(cases):
        path = tmp_path / f"case{i}"
        path.write_bytes(data)
        try:
            arr = _peak(lambda: read_idx(path, IMAGES))
        except DataError as exc:
            assert str(path) in str(exc), (kind, str(exc))
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"case {i} ({kind}) raised {type(exc).__name__}: {exc}")
        else:
            assert arr.dtype == np.uint8 and arr.size <= MAX_IDX_BYTES


def test_a_folder_name_over_255_bytes_is_a_data_error(tmp_path):
    from models.data import load_dataset
    with pytest.raises(DataError, match="no such folder"):
        load_dataset(str(tmp_path / ("x" * 300)))
    try:        # the long data folder is skipped; MNIST is then found elsewhere, or not at all
        load_dataset("mnist", data_dir=str(tmp_path / ("y" * 300)))
    except DataError:
        pass
