"""The download path, with a stand-in torchvision whose mirrors are local folders.

The real torchvision cannot be used here (no network, and tests never download); this
checks our side of it: which classes and mirrors we use, where files land, the progress
callback, falling back to the next mirror, and the message when every mirror fails.
"""
import gzip
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

import models.data as data
from models.data import DataError, load_dataset

REAL_DOWNLOAD = data.download_dataset   # conftest replaces it in every test; we restore it


def _idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


@pytest.fixture
def fake_torchvision(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 50), ("t10k", 20)):
        _idx(mirror / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)), 2051)
        _idx(mirror / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n), 2049)
    fetched = []

    def download_and_extract_archive(url, download_root, filename, md5):
        fetched.append(url)
        if url.startswith("dead://"):
            raise OSError("connection refused")
        src = Path(url.removeprefix("file://"))
        shutil.copy(src, Path(download_root) / filename)
        with gzip.open(src) as f:
            (Path(download_root) / filename.removesuffix(".gz")).write_bytes(f.read())

    class MNIST:
        mirrors = ["dead://first/", f"file://{mirror}/"]
        resources = [(p.name, "md5") for p in sorted(mirror.iterdir())]

    tv = types.ModuleType("torchvision")
    tv_datasets = types.ModuleType("torchvision.datasets")
    tv_utils = types.ModuleType("torchvision.datasets.utils")
    tv_datasets.MNIST = MNIST
    tv_utils.download_and_extract_archive = download_and_extract_archive
    tv.datasets = tv_datasets
    tv_datasets.utils = tv_utils
    for name, mod in (("torchvision", tv), ("torchvision.datasets", tv_datasets),
                      ("torchvision.datasets.utils", tv_utils)):
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setattr(data, "download_dataset", REAL_DOWNLOAD)
    monkeypatch.delenv("PLAYGROUND_DATA", raising=False)
    return MNIST, fetched


def test_download_lands_in_the_data_folder_and_loads(fake_torchvision, tmp_path):
    MNIST, fetched = fake_torchvision
    steps = []
    ds = load_dataset("mnist", tmp_path / "data", download=True,
                      progress=lambda msg, frac: steps.append(frac))
    assert (len(ds.train), len(ds.test)) == (50, 20)
    assert (tmp_path / "data" / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file()
    # every file tried the dead mirror first, then the working one
    assert len(fetched) == 2 * len(MNIST.resources)
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)
    # the second time it is found on disk, with nothing fetched
    fetched.clear()
    assert len(load_dataset("mnist", tmp_path / "data", download=True).train) == 50
    assert fetched == []


def test_every_mirror_failing_says_how_to_fix_it(fake_torchvision, tmp_path):
    MNIST, _ = fake_torchvision
    MNIST.mirrors = ["dead://a/", "dead://b/"]
    with pytest.raises(DataError) as info:
        load_dataset("mnist", tmp_path / "data", download=True)
    msg = str(info.value)
    assert "connection refused" in msg and str(tmp_path / "data") in msg and "PLAYGROUND_DATA" in msg


def test_a_broken_torchvision_is_reported_not_raised(monkeypatch, tmp_path):
    # PyPI's CUDA torchvision beside a CPU torch raises RuntimeError on import.
    class Broken(types.ModuleType):
        def __getattr__(self, name):
            raise RuntimeError("operator torchvision::nms does not exist")
    monkeypatch.setitem(sys.modules, "torchvision", Broken("torchvision"))
    monkeypatch.delitem(sys.modules, "torchvision.datasets", raising=False)
    monkeypatch.setattr(data, "download_dataset", REAL_DOWNLOAD)
    monkeypatch.delenv("PLAYGROUND_DATA", raising=False)
    data.torchvision_problem.cache_clear()
    try:
        with pytest.raises(DataError) as info:
            load_dataset("mnist", tmp_path / "data", download=True)
        msg = str(info.value)
        # said plainly, with the command that installs the torchvision built for this torch
        assert "torchvision cannot be imported: it does not match the installed torch" in msg
        assert "torchvision::nms" in msg
        minor = int(torch.__version__.split(".")[1])
        assert f'-m pip install --force-reinstall --no-deps "torchvision==0.{minor + 15}.*"' in msg
        assert "go online" not in msg          # going online would not help
        # and the same advice when nothing is downloaded: the data is simply not found
        with pytest.raises(DataError) as info:
            load_dataset("mnist", tmp_path / "data", download=False)
        assert "repair torchvision" in str(info.value) and "go online" not in str(info.value)
    finally:
        data.torchvision_problem.cache_clear()


def test_the_fix_command_names_the_matching_release_and_index(monkeypatch):
    monkeypatch.setattr(torch, "__version__", "2.1.2+cpu")
    cmd = data.torchvision_fix_command()
    assert cmd.endswith('"torchvision==0.16.*" --index-url https://download.pytorch.org/whl/cpu')
    monkeypatch.setattr(torch, "__version__", "2.13.0")
    assert data.torchvision_fix_command().endswith('"torchvision==0.28.*"')


def test_a_working_torchvision_keeps_the_go_online_advice(fake_torchvision, tmp_path):
    data.torchvision_problem.cache_clear()
    try:
        with pytest.raises(DataError) as info:
            load_dataset("mnist", tmp_path / "data", download=False)
        assert "go online once" in str(info.value) and "repair" not in str(info.value)
    finally:
        data.torchvision_problem.cache_clear()
