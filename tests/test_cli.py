"""`playground train`: the headless command line."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from idx_files import write_split_folder

import models
from models import load_checkpoint
from models.autoencoder.api import AutoencoderModel
from models.device import available, pick_device
from playground.cli import main

N_TRAIN, N_TEST = 480, 120


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def small_folder(mnist, tmp_path_factory) -> Path:
    """The first 600 shared images as a folder of IDX files: 480 train-*, 120 t10k-*."""
    n = N_TRAIN + N_TEST
    return write_split_folder(tmp_path_factory.mktemp("small-idx"), mnist.train.images[:n],
                              mnist.train.labels[:n], N_TRAIN)


def _train_args(dataset, out, *extra) -> list[str]:
    return ["train", "vae", "--dataset", str(dataset), "--epochs", "1", "--out", str(out),
            "--device", "cpu", "--no-download", "--latent-dim", "2", *extra]


# --------------------------------------------------------------------------- a real run

def test_train_writes_a_loadable_checkpoint(small_folder, tmp_path, capsys):
    out = tmp_path / "runs" / "vae"
    assert main(_train_args(small_folder, out)) == 0
    captured = capsys.readouterr()
    assert f"Saved {out}" in captured.out
    assert "knn5_accuracy" in captured.out

    meta = json.loads((out / "config.json").read_text())
    assert meta["family"] == "autoencoder"
    assert meta["app_version"] == models.__version__
    assert meta["config"]["kind"] == "vae" and meta["config"]["latent_dim"] == 2
    assert meta["config"]["arch"] == "conv"
    assert meta["dataset"]["name"] == "mnist"
    assert meta["dataset"]["train_size"] == N_TRAIN and meta["dataset"]["test_size"] == N_TEST
    # the folder given by path is recorded by its name, never by this machine's path
    assert meta["dataset"]["folder"] == small_folder.name and "source" not in meta["dataset"]
    assert meta["dataset"]["split"] == f"train-* ({N_TRAIN:,}) train, t10k-* ({N_TEST:,}) held out"
    assert str(small_folder.parent) not in json.dumps(meta)
    assert meta["training"]["epochs"] == 1
    assert meta["steps"] == -(-N_TRAIN // 64) and meta["epochs"] == 1.0
    metrics = meta["metrics"]
    assert {"knn5_accuracy", "test_loss", "test_recon", "test_kl"} <= set(metrics)
    assert 0 <= metrics["knn5_accuracy"] <= 1
    assert metrics["test_loss"] == pytest.approx(metrics["test_recon"] + metrics["test_kl"], rel=1e-6)

    model = load_checkpoint(out)
    assert isinstance(model, AutoencoderModel) and model.latent_dim == 2 and model.variational
    assert np.asarray(meta["latent_box"]).shape == (2, 2)
    images = model.decode(np.zeros((1, 2), np.float32))
    assert images.shape == (1, 28, 28) and np.isfinite(images).all()


def _figures(text: str) -> dict[str, float]:
    """"loss 229.1, recon 200.2, kl 28.9" → {"loss": 229.1, …} (names may carry "test_")."""
    return {k: float(v) for k, v in (p.rsplit(" ", 1) for p in text.split(", "))}


def test_the_epoch_and_saved_test_losses_say_which_held_out_images_they_are_on(
        small_folder, tmp_path, capsys):
    """One VAE run printed 229.1 after its last epoch and 220.4 when saving: the first is on a
    subset of the held-out images, the second on all. Each line says which, and is that."""
    from models.autoencoder.training import TrainConfig, epoch_test_size, evaluate
    from models.data import read_folder, to_float

    out = tmp_path / "vae"
    assert main(_train_args(small_folder, out)) == 0
    printed = capsys.readouterr()
    text = printed.out + printed.err
    subset = epoch_test_size(TrainConfig(), N_TRAIN, N_TEST)
    assert subset < N_TEST                  # else this test shows nothing
    epoch_line = next(l for l in text.splitlines() if l.startswith("epoch 1:"))
    head = f"epoch 1: test ({subset:,} held-out images) "
    assert epoch_line.startswith(head), epoch_line
    saved_line = next(l for l in text.splitlines() if l.startswith("Saved "))
    assert f"; on all {N_TEST:,} held-out images: test_loss " in saved_line, saved_line

    # the figures are what the lines claim: the first `subset` held-out images, then all
    model = load_checkpoint(out)
    held = torch.from_numpy(to_float(read_folder(small_folder).test.images))
    beta = json.loads((out / "config.json").read_text())["training"]["beta"]
    on_subset, on_all = evaluate(model.module, held[:subset], beta), evaluate(model.module, held, beta)
    epoch = _figures(epoch_line[len(head):])
    saved = _figures(saved_line.split(" held-out images: ", 1)[1].rstrip(")"))
    for k in ("loss", "recon", "kl"):
        assert epoch[k] == pytest.approx(on_subset[k], rel=1e-3)
        assert saved[f"test_{k}"] == pytest.approx(on_all[k], rel=1e-3)
    assert on_subset["loss"] != pytest.approx(on_all["loss"], rel=1e-3)   # they do differ
    assert json.loads((out / "config.json").read_text())["metrics_scope"] == \
        f"all {N_TEST:,} held-out images"


def test_train_honours_model_options(small_folder, tmp_path):
    out = tmp_path / "ae"
    args = ["train", "ae", "--dataset", str(small_folder), "--epochs", "1", "--out", str(out),
            "--device", "cpu", "--no-download", "--arch", "mlp", "--latent-dim", "3",
            "--batch-size", "200", "--beta", "0.5", "--seed", "3"]
    assert main(args) == 0
    meta = json.loads((out / "config.json").read_text())
    assert {k: meta["config"][k] for k in ("kind", "arch", "latent_dim", "hidden")} == \
        {"kind": "ae", "arch": "mlp", "latent_dim": 3, "hidden": 400}
    assert meta["config"]["prior"] == "gaussian" and meta["config"]["decoder"] == "plain"
    assert meta["training"]["batch_size"] == 200 and meta["training"]["seed"] == 3
    assert meta["training"]["beta"] == 0.5
    assert meta["steps"] == 3  # ceil(480 / 200)
    assert "test_kl" not in meta["metrics"]  # a plain autoencoder has no KL term
    model = load_checkpoint(out)
    assert not model.variational and model.latent_dim == 3


# --------------------------------------------------------------------------- refusing bad input

@pytest.mark.parametrize("bad,option", [
    (["--epochs", "0"], "--epochs"), (["--epochs", "two"], "--epochs"),
    (["--lr", "nan"], "--lr"), (["--lr", "inf"], "--lr"), (["--beta", "nan"], "--beta"),
    (["--latent-dim", "0"], "--latent-dim"), (["--batch-size", "-4"], "--batch-size"),
    (["--device", "tpu"], "--device"), (["--arch", "resnet"], "--arch"),
])
def test_bad_arguments_exit_through_argparse(small_folder, tmp_path, capsys, bad, option):
    with pytest.raises(SystemExit) as info:
        main(_train_args(small_folder, tmp_path / "out", *bad))
    assert info.value.code == 2
    assert option in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unknown_model_and_missing_out_exit(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "gan", "--out", "x"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["train", "vae"])
    assert info.value.code == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize("bad,words", [
    (["--lr", "0"], "learning rate"), (["--lr", "5"], "learning rate"),
    (["--latent-dim", "300"], "latent_dim"), (["--beta", "-1"], "β"),
])
def test_values_the_models_refuse_exit_2(small_folder, tmp_path, capsys, bad, words):
    assert main(_train_args(small_folder, tmp_path / "out", *bad)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and words in err
    assert not (tmp_path / "out").exists()


def test_missing_named_dataset_exits_2_with_a_message(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "no-data-here"
    empty.mkdir()
    monkeypatch.setenv("PLAYGROUND_DATA", str(empty))
    assert main(_train_args("mnist", tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "MNIST was not found" in err
    assert str(empty) in err and "PLAYGROUND_DATA" in err
    assert not (tmp_path / "out").exists()


def test_a_broken_dataset_folder_exits_2(tmp_path, capsys):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + bytes(4))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01" + bytes(4))
    assert main(_train_args(tmp_path, tmp_path / "out")) == 2
    assert "truncated header" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_exits_2(small_folder, tmp_path, capsys):
    args = _train_args(small_folder, tmp_path / "out")
    args[args.index("--device") + 1] = "cuda"
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "'cuda' is not available" in err
    assert not (tmp_path / "out").exists()


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"generative-playground {models.__version__}"


# --------------------------------------------------------------------------- devices

def test_pick_device():
    assert available()[-1] == "cpu"
    assert pick_device("auto") == torch.device(available()[0])
    assert pick_device(None) == pick_device("auto")
    assert pick_device("cpu") == pick_device("CPU") == torch.device("cpu")
    with pytest.raises(ValueError, match="bogus"):
        pick_device("bogus")


@pytest.mark.skipif(torch.cuda.is_available() or torch.backends.mps.is_available(),
                    reason="this machine has an accelerator")
def test_auto_is_the_cpu_here():
    assert available() == ["cpu"]
    assert pick_device("auto") == torch.device("cpu")
    with pytest.raises(ValueError, match="not available"):
        pick_device("cuda")
    with pytest.raises(ValueError, match="not available"):
        pick_device("mps")
