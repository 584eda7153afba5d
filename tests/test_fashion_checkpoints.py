"""The shipped Fashion-MNIST 2-D AE and VAE (the lectures' demonstration): they load, record
their dataset by name and split (never a path), and their latent spaces group the bundled
held-out clothes by kind although they never saw a label."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from models import load_checkpoint
from models.checkpoint import read_header
from models.data import FASHION, read_folder
from models.metrics import knn_accuracy

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"vae": ROOT / "checkpoints" / "fashion-vae-2d", "ae": ROOT / "checkpoints" / "fashion-ae-2d"}
SAMPLE = ROOT / "assets" / "datasets" / "fashion-mnist-sample"
# an absolute path in any JSON string: /x…, ~/x…, C:\… or C:/…, \\server\…
ABSOLUTE = re.compile(r'"(/[^"\s]|~/|[A-Za-z]:[\\/]|\\\\)')


@pytest.mark.parametrize("kind", FOLDERS)
def test_the_shipped_fashion_checkpoints_load_and_say_what_they_were_trained_on(kind):
    folder = FOLDERS[kind]
    assert not (folder / "train_state.safetensors").exists()     # only what the app opens
    model = load_checkpoint(folder)
    assert model.config.kind == kind and model.config.latent_dim == 2
    config = (folder / "config.json").read_text()
    embedded = read_header(folder / "model.safetensors")[1]
    for text in (config, embedded):
        assert "/work" not in text and not ABSOLUTE.search(text)
        data = json.loads(text)["dataset"]
        assert data["name"] == "fashion-mnist" and "source" not in data
        assert data["split"] == "train-* only: first 50,000 train, last 10,000 held out"
        assert (data["train_size"], data["test_size"]) == (50_000, 10_000)
        assert data["classes"] == list(FASHION)
    assert model.meta["metrics_scope"] == "all 10,000 held-out images"
    metrics = model.meta["metrics"]
    assert metrics["test_recon"] > 0 and 0.1 < metrics["knn5_accuracy"] <= 1


def test_the_bundled_sample_is_held_out_clothes():
    ds = read_folder(SAMPLE, "fashion-mnist")
    labels = np.concatenate([ds.train.labels, ds.test.labels])
    assert len(labels) == 2000 and set(labels.tolist()) == set(range(10))
    assert ds.classes == FASHION


@pytest.mark.parametrize("kind", FOLDERS)
def test_the_latent_space_groups_the_clothes_without_labels(kind):
    """Codes of the bundled held-out clothes: each one's 5 nearest codes mostly share its class
    (chance is 10%), which only a space that grouped T-shirts, trousers, sandals … can do."""
    model = load_checkpoint(FOLDERS[kind])
    ds = read_folder(SAMPLE, "fashion-mnist")
    z_ref, z_query = model.encode(ds.train.images), model.encode(ds.test.images)
    assert z_ref.shape == (len(ds.train), 2)
    assert knn_accuracy(z_ref, ds.train.labels, z_query, ds.test.labels, k=5) > 0.5
