"""`playground train ddpm`: the headless diffusion trainer, on a tiny IDX folder."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from idx_files import write_split_folder

import models.diffusion.training as dtraining
from models import load_checkpoint
from models.diffusion import DiffusionModel
from playground.cli import build_parser, main

N_TRAIN, N_TEST = 64, 32

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_folder(mnist, tmp_path_factory) -> Path:
    n = N_TRAIN + N_TEST
    return write_split_folder(tmp_path_factory.mktemp("tiny-idx"), mnist.train.images[:n],
                              mnist.train.labels[:n], N_TRAIN)


def ddpm_args(dataset, out, *extra) -> list[str]:
    return ["train", "ddpm", "--dataset", str(dataset), "--epochs", "1", "--timesteps", "50",
            "--batch-size", "32", "--channels", "8,16,16", "--device", "cpu", "--no-download",
            "--out", str(out), *extra]


def test_conditional_cosine_run_writes_a_model_that_samples(tiny_folder, tmp_path, capsys):
    out = tmp_path / "runs" / "ddpm-cond"
    assert main(ddpm_args(tiny_folder, out, "--conditional", "--schedule", "cosine",
                          "--ema-decay", "0.99", "--p-uncond", "0.2", "--seed", "4")) == 0
    captured = capsys.readouterr()
    assert f"Saved {out}" in captured.out and "test_simple_loss" in captured.out
    assert "class-conditional DDPM (cosine schedule, T = 50" in captured.err

    meta = json.loads((out / "config.json").read_text())
    assert meta["family"] == "diffusion" and meta["weights"] == "ema"
    assert meta["config"] == {"schedule": "cosine", "timesteps": 50, "channels": [8, 16, 16],
                              "time_dim": 128, "num_classes": 10, "image_size": 28, "attention": True}
    training = meta["training"]
    assert training["ema_decay"] == 0.99 and training["p_uncond"] == 0.2 and training["seed"] == 4
    assert training["batch_size"] == 32 and training["epochs"] == 1
    assert meta["steps"] == 2 and meta["epochs"] == 1.0 and not meta["stopped_early"]
    assert meta["dataset"]["train_size"] == N_TRAIN and meta["dataset"]["test_size"] == N_TEST
    assert 0 < meta["metrics"]["test_simple_loss"] < 2

    model = load_checkpoint(out)
    assert isinstance(model, DiffusionModel) and model.conditional
    assert model.scheduler.schedule == "cosine" and model.scheduler.num_train_timesteps == 50
    assert model.classes == [str(i) for i in range(10)]
    images = model.sample(3, steps=4, label=[1, 2, 3], guidance=1.5,
                          generator=torch.Generator().manual_seed(0))
    assert images.shape == (3, 28, 28) and images.min() >= 0 and images.max() <= 1
    assert np.isfinite(images).all()


def test_unconditional_defaults(tiny_folder, tmp_path):
    out = tmp_path / "ddpm"
    assert main(ddpm_args(tiny_folder, out, "--channels", "8,8,8")) == 0
    meta = json.loads((out / "config.json").read_text())
    assert meta["config"]["schedule"] == "linear" and meta["config"]["num_classes"] == 0
    assert meta["config"]["channels"] == [8, 8, 8]
    assert meta["training"]["p_uncond"] == 0.1 and meta["training"]["precision"] == "fp32"
    model = load_checkpoint(out)
    assert not model.conditional and model.sample(1, steps=2).shape == (1, 28, 28)


def test_parser_defaults_are_the_full_size_model():
    args = build_parser().parse_args(["train", "ddpm", "--out", "x"])
    assert args.channels == (32, 64, 64) and args.timesteps == 1000 and args.schedule == "linear"
    assert not args.conditional and args.ema_decay == 0.999


# --------------------------------------------------------------------------- refusing bad input

@pytest.mark.parametrize("bad,option", [
    (["--schedule", "sigmoid"], "--schedule"), (["--timesteps", "0"], "--timesteps"),
    (["--timesteps", "ten"], "--timesteps"), (["--channels", "8,8"], "--channels"),
    (["--channels", "12,16,16"], "--channels"), (["--channels", "a,b,c"], "--channels"),
    (["--channels", "8,8,4096"], "--channels"), (["--ema-decay", "nan"], "--ema-decay"),
    (["--p-uncond", "inf"], "--p-uncond"), (["--precision", "fp16"], "--precision"),
])
def test_bad_flags_exit_through_argparse(tiny_folder, tmp_path, capsys, bad, option):
    with pytest.raises(SystemExit) as info:
        main(ddpm_args(tiny_folder, tmp_path / "out", *bad))
    assert info.value.code == 2
    assert option in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad,words", [
    (["--ema-decay", "1"], "EMA decay"), (["--p-uncond", "1.5"], "label dropout"),
    (["--timesteps", "200000"], "timesteps"), (["--lr", "0"], "learning rate"),
])
def test_values_the_model_refuses_exit_2(tiny_folder, tmp_path, capsys, bad, words):
    assert main(ddpm_args(tiny_folder, tmp_path / "out", *bad)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and words in err
    assert not (tmp_path / "out").exists()


def test_a_diverging_run_exits_1_without_a_checkpoint(tiny_folder, tmp_path, capsys, monkeypatch):
    real = dtraining.simple_loss
    monkeypatch.setattr(dtraining, "simple_loss", lambda *a, **k: real(*a, **k) * float("nan"))
    assert main(ddpm_args(tiny_folder, tmp_path / "out")) == 1
    assert "loss became nan" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ctrl_c_saves_the_last_finished_step(tiny_folder, tmp_path, capsys, monkeypatch):
    real, calls = dtraining.simple_loss, {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(dtraining, "simple_loss", interrupted)
    out = tmp_path / "out"
    assert main(ddpm_args(tiny_folder, out)) == 0
    captured = capsys.readouterr()
    assert "Interrupted" in captured.out + captured.err
    meta = json.loads((out / "config.json").read_text())
    assert meta["steps"] == 1 and meta["stopped_early"]
    assert load_checkpoint(out).sample(1, steps=2).shape == (1, 28, 28)
