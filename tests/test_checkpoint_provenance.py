"""Shipped checkpoints say what they were trained on by dataset name and split, never by a
path of the machine that trained them (they once held "/work/shared/datasets/mnist …")."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from models.checkpoint import read_checkpoint, read_header, read_meta, save_checkpoint
from models.data import DIGITS, Dataset, Split, read_folder
from models.events import DatasetReady

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for p in (ROOT / "checkpoints").iterdir() if (p / "model.safetensors").exists())

# an absolute path in any JSON string: /x…, ~/x…, C:\… or C:/…, \\server\…
ABSOLUTE = re.compile(r'"(/[^"\s]|~/|[A-Za-z]:[\\/]|\\\\)')


def test_there_are_shipped_checkpoints():
    assert len(SHIPPED) >= 8


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_no_shipped_checkpoint_records_a_machine_path(folder):
    config = (folder / "config.json").read_text()
    embedded = read_header(folder / "model.safetensors")[1]   # the copy in the weights file
    assert embedded and json.loads(embedded) == read_meta(folder)
    for where, text in (("config.json", config), ("model.safetensors", embedded)):
        assert "/work" not in text, f"{folder.name}/{where}"
        assert not ABSOLUTE.search(text), f"{folder.name}/{where}: {ABSOLUTE.search(text).group()}"


@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_dataset_has_a_name_and_a_split(folder):
    for meta in (json.loads((folder / "config.json").read_text()),
                 json.loads(read_header(folder / "model.safetensors")[1])):
        dataset = meta.get("dataset")
        if dataset is None:          # pix2pix records its landscapes as "data"
            continue
        assert "source" not in dataset
        assert dataset["name"] and isinstance(dataset["name"], str)
        assert dataset["split"] and isinstance(dataset["split"], str)
        if "folder" in dataset:
            assert "/" not in dataset["folder"] and "\\" not in dataset["folder"]


@pytest.mark.parametrize("folder", [f for f in SHIPPED if f.name.startswith("mnist-")],
                         ids=lambda p: p.name)
def test_the_mnist_checkpoints_trained_on_the_official_split(folder):
    """Issue 13: every shipped MNIST model trains on the 60,000 training digits and is
    measured on the 10,000 test digits (they used to train on 8,000 of the test digits)."""
    dataset = read_meta(folder)["dataset"]
    assert dataset["name"] == "mnist"
    assert dataset["split"] == "train-* (60,000) train, t10k-* (10,000) held out"
    assert (dataset["train_size"], dataset["test_size"]) == (60000, 10000)


# ------------------------------------------------------------------ what a run records

def _split(n: int) -> Split:
    return Split(np.zeros((n, 28, 28), np.uint8), np.arange(n) % 10)


def test_a_dataset_read_from_a_folder_records_its_name_not_its_path(tmp_path):
    from idx_files import write_split_folder
    rng = np.random.default_rng(0)
    folder = tmp_path / "my digits"
    folder.mkdir()
    write_split_folder(folder, rng.integers(0, 255, (50, 28, 28), np.uint8),
                       np.arange(50) % 10, 40)
    record = read_folder(folder).record()
    assert record == {"name": "mnist", "split": "train-* (40) train, t10k-* (10) held out",
                      "classes": list(DIGITS), "train_size": 40, "test_size": 10,
                      "folder": "my digits"}
    assert str(tmp_path) not in json.dumps(record)


def test_a_named_dataset_records_no_folder(tmp_path):
    from idx_files import write_split_folder
    write_split_folder(tmp_path / "mnist", np.zeros((30, 28, 28), np.uint8), np.arange(30) % 10, 20)
    assert "folder" not in read_folder(tmp_path / "mnist", "mnist").record()


def test_a_hand_made_dataset_words_its_split_from_its_sizes():
    ds = Dataset("mnist", DIGITS, _split(1200), _split(300), "/somewhere/on/this/machine")
    assert ds.record()["split"] == "1,200 train, 300 held out"
    assert "/somewhere" not in json.dumps(ds.record())


def test_the_event_the_gui_builds_metadata_from_carries_no_path():
    ds = Dataset("mnist", DIGITS, _split(20), _split(5), "/home/me/data/mnist (…)", split="s")
    ev = DatasetReady(ds.name, ds.classes, ds.source, ds.test.images, ds.test.labels, ds.record())
    assert ev.meta() == ds.record()
    bare = DatasetReady("mnist", DIGITS, "/home/me/x", ds.test.images, ds.test.labels)
    assert bare.meta() == {"name": "mnist", "classes": list(DIGITS)}


# ------------------------------------------------------------------ the rewriting script

def test_the_fix_script_drops_the_path_and_keeps_every_weight(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import fix_checkpoint_meta
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    state = {"w": np.arange(12, dtype=np.float32).reshape(3, 4) / 7, "n": np.array(3, np.int64)}
    old = {"family": "autoencoder", "config": {"a": 1}, "dataset": {
        "name": "mnist", "classes": list(DIGITS), "train_size": 8000, "test_size": 2000,
        "source": "/work/shared/datasets/mnist (t10k-* only: first 8000 train, last 2000 held out)"}}
    save_checkpoint(tmp_path / "ck", state, old)
    assert fix_checkpoint_meta.fix(tmp_path / "ck") is True
    after, meta = read_checkpoint(tmp_path / "ck")
    assert meta["dataset"] == {"name": "mnist", "classes": list(DIGITS), "train_size": 8000,
                               "test_size": 2000, "folder": "mnist",
                               "split": "t10k-* only: first 8,000 train, last 2,000 held out"}
    for k, v in state.items():
        assert after[k].dtype == v.dtype and after[k].shape == v.shape
        assert after[k].tobytes() == v.tobytes()
    assert "/work" not in (tmp_path / "ck" / "config.json").read_text()
    assert fix_checkpoint_meta.fix(tmp_path / "ck") is False     # a second run changes nothing
