"""Reading MNIST-style IDX folders, finding named datasets, and refusing broken files."""
from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

from models.data import DataError, load_dataset, read_folder, read_idx, to_float

SAMPLE = Path(__file__).resolve().parents[1] / "assets" / "datasets" / "mnist-sample"
IMAGES, LABELS = 2051, 2049
# The MNIST test set's class counts (LeCun et al.), digits 0–9.
MNIST_T10K_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(arr: np.ndarray, magic: int | None = None) -> bytes:
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | arr.ndim
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in arr.shape)
    return header + arr.tobytes()


def write_pair(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray,
               gz: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stem, arr in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
        raw = idx_bytes(arr)
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


def random_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8)


# --------------------------------------------------------------------------- the shared MNIST

def test_shared_folder_is_split_80_20(full_mnist):
    mnist = full_mnist
    assert len(mnist.train) == 8000 and len(mnist.test) == 2000
    for split in (mnist.train, mnist.test):
        assert split.images.dtype == np.uint8
        assert split.images.shape[1:] == (28, 28)
        assert split.labels.min() == 0 and split.labels.max() == 9
        assert len(split.images) == len(split.labels)
    assert mnist.name == "mnist"
    assert mnist.classes == tuple(str(i) for i in range(10))
    assert "8000" in mnist.source and "2000" in mnist.source


def test_shared_folder_holds_the_whole_mnist_test_set(full_mnist):
    mnist = full_mnist
    labels = np.concatenate([mnist.train.labels, mnist.test.labels])
    assert np.bincount(labels, minlength=10).tolist() == MNIST_T10K_COUNTS
    # real digits, not noise: mostly black background with some bright strokes
    images = mnist.train.images[:500]
    assert (images == 0).mean() > 0.7 and images.max() == 255


def test_the_shipped_sample_is_the_held_out_2000_split_80_20(held_out_digits):
    sample = read_folder(SAMPLE)
    assert sample.name == "mnist" and (len(sample.train), len(sample.test)) == (1600, 400)
    assert "1600" in sample.source and "400" in sample.source
    # all ten digits on both sides of the cut, and real digits, not noise
    assert set(sample.train.labels.tolist()) == set(sample.test.labels.tolist()) == set(range(10))
    assert (sample.test.images == 0).mean() > 0.7 and sample.test.images.max() == 255
    # the same 2,000 digits, in order, as the full set's held-out part (checked when it is here)
    np.testing.assert_array_equal(np.concatenate([sample.train.images, sample.test.images]),
                                  held_out_digits.images)


def test_the_sample_is_the_tail_of_the_full_set(full_mnist):
    sample = read_folder(SAMPLE)
    np.testing.assert_array_equal(sample.test.images, full_mnist.test.images[-400:])
    np.testing.assert_array_equal(sample.train.labels, full_mnist.test.labels[:1600])


def test_named_mnist_is_found_through_the_environment(mnist, data_root):
    assert os.environ["PLAYGROUND_DATA"] == str(data_root)
    ds = load_dataset("mnist")
    assert ds.name == "mnist"
    assert (len(ds.train), len(ds.test)) == (len(mnist.train), len(mnist.test))
    np.testing.assert_array_equal(ds.train.labels, mnist.train.labels)
    np.testing.assert_array_equal(ds.test.images, mnist.test.images)
    # the name is forgiving about case and separators
    assert len(load_dataset(" MNIST ").train) == len(mnist.train)


def test_explicit_data_dir_comes_first(tmp_path, monkeypatch):
    images, labels = random_split(30, 0)
    write_pair(tmp_path / "mine" / "mnist", "train", images, labels)
    ds = load_dataset("mnist", data_dir=tmp_path / "mine")
    assert len(ds.train) + len(ds.test) == 30
    np.testing.assert_array_equal(ds.train.images, images[:24])


# --------------------------------------------------------------------------- folders you write

@pytest.mark.parametrize("gz", [False, True])
def test_train_and_t10k_are_used_as_given(tmp_path, gz):
    tr_x, tr_y = random_split(40, 1)
    te_x, te_y = random_split(15, 2)
    write_pair(tmp_path, "train", tr_x, tr_y, gz=gz)
    write_pair(tmp_path, "t10k", te_x, te_y, gz=gz)
    ds = load_dataset(str(tmp_path))
    np.testing.assert_array_equal(ds.train.images, tr_x)
    np.testing.assert_array_equal(ds.train.labels, tr_y)
    np.testing.assert_array_equal(ds.test.images, te_x)
    np.testing.assert_array_equal(ds.test.labels, te_y)
    assert ds.train.labels.dtype == np.int64


def test_mixed_gzipped_and_plain_files(tmp_path):
    x, y = random_split(10, 3)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(x)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(y))
    ds = read_folder(tmp_path)
    np.testing.assert_array_equal(np.concatenate([ds.train.images, ds.test.images]), x)


@pytest.mark.parametrize("prefix", ["train", "t10k"])
def test_a_single_split_is_cut_in_order(tmp_path, prefix):
    x, y = random_split(50, 4)
    write_pair(tmp_path, prefix, x, y)
    ds = read_folder(tmp_path)
    assert len(ds.train) == 40 and len(ds.test) == 10
    np.testing.assert_array_equal(ds.train.images, x[:40])
    np.testing.assert_array_equal(ds.test.labels, y[40:])


def test_a_large_train_only_folder_holds_out_its_last_10000(tmp_path):
    # Fashion-MNIST's shared folder is 60,000 train-* images and no t10k-*: the last 10,000
    # are held out (as many as the official test set), not a fifth (12,000)
    n = 60_000
    x = np.zeros((n, 28, 28), np.uint8)
    x[:, 0, 0] = np.arange(n) % 251          # marks each image's place, to check the order
    x[:, 0, 1] = np.arange(n) // 251
    y = (np.arange(n) % 10).astype(np.uint8)
    folder = tmp_path / "fashion-mnist"
    write_pair(folder, "train", x, y, gz=True)
    ds = read_folder(folder)
    assert (len(ds.train), len(ds.test)) == (50_000, 10_000)
    np.testing.assert_array_equal(ds.train.images, x[:50_000])
    np.testing.assert_array_equal(ds.test.images, x[50_000:])
    assert ds.name == "fashion-mnist" and ds.classes[0] == "T-shirt/top"
    assert "train-* only: first 50000 train, last 10000 held out" in ds.source


@pytest.mark.parametrize("n, held", [(50, 10), (50_000, 10_000), (50_001, 10_000), (12_345, 2469)])
def test_the_held_out_part_is_a_fifth_but_at_most_10000(tmp_path, monkeypatch, n, held):
    # read_folder's rule, without writing 50,000 images: a fifth, capped at MAX_HELD_OUT
    import models.data as data
    monkeypatch.setattr(data, "_read_pair", lambda folder, prefix: None if prefix == "t10k" else
                        data.Split(np.zeros((n, 28, 28), np.uint8), np.zeros(n, np.int64)))
    ds = read_folder(tmp_path)
    assert (len(ds.train), len(ds.test)) == (n - held, held)


def test_read_idx_reads_what_was_written(tmp_path):
    x, _ = random_split(3, 5)
    (tmp_path / "f").write_bytes(idx_bytes(x))
    out = read_idx(tmp_path / "f", IMAGES)
    assert out.shape == (3, 28, 28) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, x)


# --------------------------------------------------------------------------- broken files

def _expect_error(path: Path, magic: int, *words: str) -> str:
    with pytest.raises(DataError) as info:
        read_idx(path, magic)
    msg = str(info.value)
    assert str(path) in msg
    for w in words:
        assert w in msg, msg
    return msg


def test_wrong_magic(tmp_path):
    x, y = random_split(3, 6)
    (tmp_path / "labels").write_bytes(idx_bytes(y))
    msg = _expect_error(tmp_path / "labels", IMAGES, "magic", str(LABELS), str(IMAGES))
    assert "image" in msg
    (tmp_path / "junk").write_bytes(b"\x12\x34\x56\x78" + bytes(100))
    _expect_error(tmp_path / "junk", LABELS, "magic")


def test_wrong_element_type(tmp_path):
    raw = bytearray(idx_bytes(np.zeros(5, np.uint8)))
    raw[2] = 0x0D  # float
    (tmp_path / "f").write_bytes(bytes(raw))
    with pytest.raises(DataError, match="magic|element type"):
        read_idx(tmp_path / "f", LABELS)


def test_truncated_payload(tmp_path):
    x, _ = random_split(4, 7)
    raw = idx_bytes(x)
    (tmp_path / "f").write_bytes(raw[:-100])
    msg = _expect_error(tmp_path / "f", IMAGES, "truncated")
    assert str(4 * 28 * 28) in msg and str(4 * 28 * 28 - 100) in msg


def test_extra_bytes(tmp_path):
    raw = idx_bytes(np.arange(10, dtype=np.uint8))
    (tmp_path / "f").write_bytes(raw + b"\x00\x01")
    _expect_error(tmp_path / "f", LABELS, "longer than its header says", "12")


def test_truncated_header(tmp_path):
    x, _ = random_split(2, 8)
    (tmp_path / "short").write_bytes(idx_bytes(x)[:10])  # magic + 1½ of 3 dimensions
    _expect_error(tmp_path / "short", IMAGES, "truncated header")
    (tmp_path / "tiny").write_bytes(b"\x00\x00\x08")
    _expect_error(tmp_path / "tiny", IMAGES, "too short")


def test_empty_file(tmp_path):
    (tmp_path / "f").write_bytes(b"")
    _expect_error(tmp_path / "f", IMAGES, "0 bytes")


def test_count_mismatch(tmp_path):
    x, y = random_split(10, 9)
    write_pair(tmp_path, "train", x, y[:9])
    with pytest.raises(DataError, match="10 train images but 9 labels") as info:
        read_folder(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_label_out_of_range(tmp_path):
    x, y = random_split(10, 10)
    y[3] = 12
    write_pair(tmp_path, "train", x, y)
    with pytest.raises(DataError, match="label 12 is outside 0–9") as info:
        read_folder(tmp_path)
    assert "train-labels-idx1-ubyte" in str(info.value)


def test_images_must_be_28_by_28(tmp_path):
    rng = np.random.default_rng(11)
    write_pair(tmp_path, "train", rng.integers(0, 256, (5, 32, 32)), np.zeros(5))
    with pytest.raises(DataError, match="28×28") as info:
        read_folder(tmp_path)
    assert "(32, 32)" in str(info.value) and "train-images-idx3-ubyte" in str(info.value)


def test_labels_must_be_a_vector(tmp_path):
    x, _ = random_split(4, 12)
    write_pair(tmp_path, "train", x, np.zeros((4, 2)))
    with pytest.raises(DataError, match="vector"):
        read_folder(tmp_path)


def test_one_file_of_a_pair_missing(tmp_path):
    x, _ = random_split(4, 13)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(x))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte"):
        read_folder(tmp_path)


def test_not_a_gzip_stream(tmp_path):
    (tmp_path / "f.gz").write_bytes(b"\x1f\x8b" + b"this is not gzip data" * 3)
    _expect_error(tmp_path / "f.gz", IMAGES, "cannot read")


def test_gzip_with_a_bad_checksum(tmp_path):
    x, _ = random_split(20, 18)
    gz = bytearray(gzip.compress(idx_bytes(x)))
    gz[-8] ^= 0xFF  # CRC-32 of the trailer
    (tmp_path / "f.gz").write_bytes(bytes(gz))
    _expect_error(tmp_path / "f.gz", IMAGES, "cannot read")


def test_cut_off_gzip(tmp_path):
    x, _ = random_split(20, 14)
    gz = gzip.compress(idx_bytes(x))
    (tmp_path / "f.gz").write_bytes(gz[: len(gz) // 2])
    _expect_error(tmp_path / "f.gz", IMAGES, "cannot read")


def test_corrupt_gzip_body(tmp_path):
    x, _ = random_split(20, 15)
    gz = bytearray(gzip.compress(idx_bytes(x)))
    gz[10] = 0xFF  # the first deflate block now has the reserved block type 3; the gzip header is fine
    (tmp_path / "f.gz").write_bytes(bytes(gz))
    _expect_error(tmp_path / "f.gz", IMAGES, "cannot read")


def test_folder_without_idx_files(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(DataError, match="no IDX files"):
        read_folder(tmp_path)
    with pytest.raises(DataError, match="no such folder"):
        load_dataset(str(tmp_path / "absent"))


# --------------------------------------------------------------------------- named lookups

def test_missing_named_dataset_says_where_it_looked(tmp_path, monkeypatch):
    empty = tmp_path / "empty-data"
    empty.mkdir()
    monkeypatch.setenv("PLAYGROUND_DATA", str(empty))
    with pytest.raises(DataError) as info:
        load_dataset("mnist", download=False)
    msg = str(info.value)
    assert "MNIST was not found" in msg
    assert str(empty) in msg
    assert "PLAYGROUND_DATA" in msg


def test_named_lookup_ignores_a_root_that_holds_the_other_dataset(tmp_path, monkeypatch):
    # the root itself may be the dataset folder, but only if its name fits the dataset asked for
    root = tmp_path / "fashion-mnist"
    write_pair(root, "train", *random_split(10, 16))
    monkeypatch.setenv("PLAYGROUND_DATA", str(root))
    with pytest.raises(DataError, match="not found"):
        load_dataset("mnist")
    ds = load_dataset("fashion-mnist")
    assert ds.name == "fashion-mnist" and ds.classes[0] == "T-shirt/top"


# --------------------------------------------------------------------------- to_float

def test_to_float_scales_uint8():
    x = np.array([0, 51, 255], np.uint8).repeat(262)[:784].reshape(1, 28, 28)
    out = to_float(x)
    assert out.dtype == np.float32 and out.shape == (1, 28, 28)
    np.testing.assert_allclose(out, x.astype(np.float64) / 255.0, rtol=1e-6)


def test_to_float_accepts_float_and_common_shapes():
    rng = np.random.default_rng(17)
    x = rng.uniform(-0.5, 1.5, (3, 28, 28))
    out = to_float(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.clip(x, 0, 1), rtol=1e-6)
    assert to_float(x[0]).shape == (1, 28, 28)              # one image
    np.testing.assert_array_equal(to_float(x[:, None]), out)  # N×1×28×28


@pytest.mark.parametrize("shape", [(3, 28, 27), (28,), (2, 3, 28, 28), (784,), (2, 784)])
def test_to_float_rejects_wrong_shapes(shape):
    with pytest.raises(ValueError, match="28"):
        to_float(np.zeros(shape, np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_to_float_rejects_non_finite(bad):
    x = np.zeros((2, 28, 28), np.float32)
    x[1, 5, 5] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        to_float(x)
