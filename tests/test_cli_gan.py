"""`playground train dcgan|cgan|wgan-gp|gan2d`: the GAN trainers on the command line."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from idx_files import write_split_folder

import models.gan.training as gtraining
from models import load_checkpoint
from models.data import load_dataset
from models.gan.api import GANModel
from models.gan.cli import image_gan_job
from playground.cli import build_parser, main

N_TRAIN, N_TEST = 64, 32
TINY = ["--g-width", "8", "--d-width", "8", "--noise-dim", "8"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_folder(mnist, tmp_path_factory) -> Path:
    n = N_TRAIN + N_TEST
    return write_split_folder(tmp_path_factory.mktemp("gan-idx"), mnist.train.images[:n],
                              mnist.train.labels[:n], N_TRAIN)


@pytest.fixture(scope="module")
def tiny_dataset(tiny_folder):
    return load_dataset(str(tiny_folder), download=False)


def gan_args(model, dataset, out, *extra) -> list[str]:
    return ["train", model, "--dataset", str(dataset), "--epochs", "1", "--device", "cpu",
            "--no-download", "--out", str(out), *TINY, *extra]


def exit_code(argv) -> int:
    """main()'s code, whether argparse refused the arguments or the command returned."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


def job_for(model, dataset, *extra):
    """The trainer the command would run, built but not run."""
    args = build_parser().parse_args(gan_args(model, "unused", "unused", *extra))
    trainer, *_ = image_gan_job(args, dataset)
    return trainer


def meta_of(out: Path) -> dict:
    return json.loads((out / "config.json").read_text())


# --------------------------------------------------------------------------- real runs

def test_dcgan_writes_a_loadable_checkpoint(tiny_folder, tmp_path, capsys):
    out = tmp_path / "runs" / "dcgan"
    assert main(gan_args("dcgan", tiny_folder, out, "--batch-size", "32")) == 0
    captured = capsys.readouterr()
    assert f"Saved {out}" in captured.out and "diversity" in captured.out
    assert "DCGAN (non-saturating loss)" in captured.err

    meta = meta_of(out)
    assert meta["family"] == "gan" and meta["weights"] == "generator"
    assert meta["config"] == {"noise_dim": 8, "g_width": 8, "d_width": 8, "num_classes": 0,
                              "d_dropout": 0.0}
    training = meta["training"]
    assert training["loss"] == "non-saturating" and training["k_d"] == 1
    assert training["lr_g"] == training["lr_d"] == 2e-4
    assert training["batch_size"] == 32 and training["epochs"] == 1
    assert meta["steps"] == 2 and meta["epochs"] == 1.0 and not meta["stopped_early"]
    assert meta["dataset"]["train_size"] == N_TRAIN and meta["dataset"]["test_size"] == N_TEST
    assert {"diversity", "class_entropy", "classes_covered"} <= set(meta["metrics"])

    model = load_checkpoint(out)
    assert isinstance(model, GANModel) and not model.conditional and model.noise_dim == 8
    images = model.sample(3, generator=0)
    assert images.shape == (3, 28, 28) and images.min() >= 0 and images.max() <= 1


def test_cgan_is_conditional_on_the_datasets_classes(tiny_folder, tmp_path, capsys):
    out = tmp_path / "cgan"
    assert main(gan_args("cgan", tiny_folder, out)) == 0
    assert "conditional DCGAN" in capsys.readouterr().err
    meta = meta_of(out)
    assert meta["config"]["num_classes"] == 10
    assert meta["training"]["batch_size"] == 64 and meta["training"]["lr_g"] == 2e-4
    model = load_checkpoint(out)
    assert model.conditional and model.classes == [str(i) for i in range(10)]
    z = model.latent(1, generator=1)
    a, b = model.generate(z, [2]), model.generate(z, [7])
    assert a.shape == (1, 28, 28) and np.abs(a - b).max() > 0
    with pytest.raises(ValueError):
        model.sample(2, label=10)


def test_wgan_gp_gets_the_published_settings(tiny_folder, tmp_path):
    out = tmp_path / "wgan"
    assert main(gan_args("wgan-gp", tiny_folder, out)) == 0
    meta = meta_of(out)
    training = meta["training"]
    assert training["loss"] == "wgan-gp" and training["k_d"] == 5
    assert training["lr_g"] == training["lr_d"] == 1e-4 and training["gp_weight"] == 10.0
    assert meta["config"]["num_classes"] == 0
    assert meta["steps"] == 1      # 64 images, 5 critic batches of 64 per step
    assert load_checkpoint(out).sample(2).shape == (2, 28, 28)


def test_tips_flags_reach_the_saved_training_config(tiny_folder, tmp_path):
    out = tmp_path / "tips"
    assert main(gan_args("dcgan", tiny_folder, out, "--label-smoothing", "0.1", "--label-noise", "0.05",
                         "--label-flip", "0.02", "--d-dropout", "0.25", "--k-d", "2",
                         "--lr-g", "1e-3", "--lr-d", "5e-4", "--loss", "minimax", "--seed", "3")) == 0
    meta = meta_of(out)
    training = meta["training"]
    assert training["tricks"] == {"smoothing": 0.1, "noise": 0.05, "flip": 0.02}
    assert training["k_d"] == 2 and training["lr_g"] == 1e-3 and training["lr_d"] == 5e-4
    assert training["loss"] == "minimax" and training["seed"] == 3
    assert meta["config"]["d_dropout"] == 0.25
    assert load_checkpoint(out).config.d_dropout == 0.25


# --------------------------------------------------------------------------- defaults, resolved per model

def test_lr_and_batch_defaults_resolve_per_model(tiny_dataset):
    args = build_parser().parse_args(["train", "dcgan", "--out", "x"])
    assert args.lr is None and args.batch_size is None and args.k_d is None and args.loss is None

    t = job_for("wgan-gp", tiny_dataset, "--lr", "3e-4", "--gp-weight", "2.5")
    assert (t.config.lr_g, t.config.lr_d, t.config.k_d, t.config.gp_weight) == (3e-4, 3e-4, 5, 2.5)
    # the loss decides the published settings, whichever model name chose it
    t = job_for("dcgan", tiny_dataset, "--loss", "wgan-gp")
    assert (t.config.loss, t.config.k_d, t.config.lr_g) == ("wgan-gp", 5, 1e-4)
    t = job_for("wgan-gp", tiny_dataset, "--loss", "non-saturating")
    assert (t.config.loss, t.config.k_d, t.config.lr_g) == ("non-saturating", 1, 2e-4)
    t = job_for("cgan", tiny_dataset, "--lr-g", "1e-3", "--batch-size", "16")
    assert (t.config.lr_g, t.config.lr_d, t.config.batch_size) == (1e-3, 2e-4, 16)
    assert t.model_config.num_classes == 10
    # nobody watches live samples on the command line
    assert t.config.samples_every_s == float("inf")

    # the other models keep their own defaults
    for argv, defaults in ((["vae"], (2e-3, 64)), (["ddpm", "--channels", "8,8,8"], (1e-3, 128))):
        args = build_parser().parse_args(["train", *argv, "--out", "x"])
        trainer, _ = args.family_cli.make_trainer(args, args.model, lambda name: tiny_dataset)
        assert (trainer.config.lr, trainer.config.batch_size) == defaults


# --------------------------------------------------------------------------- refusing bad input

@pytest.mark.parametrize("bad,option", [
    (["--label-smoothing", "0.9"], "--label-smoothing"), (["--label-noise", "-0.1"], "--label-noise"),
    (["--label-flip", "nan"], "--label-flip"), (["--k-d", "two"], "--k-d"), (["--k-d", "0"], "--k-d"),
    (["--lr-g", "nan"], "--lr-g"), (["--lr-d", "inf"], "--lr-d"), (["--gp-weight", "nan"], "--gp-weight"),
    (["--d-dropout", "nan"], "--d-dropout"), (["--loss", "hinge"], "--loss"),
])
def test_bad_values_exit_non_zero_naming_the_option(tiny_folder, tmp_path, capsys, bad, option):
    assert exit_code(gan_args("dcgan", tiny_folder, tmp_path / "out", *bad)) == 2
    assert option in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad,words", [
    (["--k-d", "99"], "D steps per G step"), (["--lr-g", "5"], "lr_g"), (["--lr", "0"], "lr_"),
    (["--noise-dim", "0"], "noise dimension"), (["--g-width", "2"], "widths"),
    (["--d-dropout", "0.95"], "dropout"), (["--gp-weight", "-1"], "gradient-penalty"),
])
def test_values_out_of_range_exit_2(tiny_folder, tmp_path, capsys, bad, words):
    """Refused by the model's config (or by argparse, which then names the option)."""
    assert exit_code(gan_args("wgan-gp", tiny_folder, tmp_path / "out", *bad)) == 2
    err = capsys.readouterr().err
    assert "error:" in err and (words in err or bad[0] in err)
    assert not (tmp_path / "out").exists()


def test_a_diverging_run_exits_1_without_a_checkpoint(tiny_folder, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(gtraining, "g_loss", lambda logits, loss: logits.mean() * float("nan"))
    assert main(gan_args("dcgan", tiny_folder, tmp_path / "out")) == 1
    assert "G's loss became nan" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_ctrl_c_saves_the_last_finished_step(tiny_folder, tmp_path, capsys, monkeypatch):
    real, calls = gtraining.g_loss, {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)
    monkeypatch.setattr(gtraining, "g_loss", interrupted)
    out = tmp_path / "out"
    assert main(gan_args("dcgan", tiny_folder, out, "--batch-size", "16")) == 0
    captured = capsys.readouterr()
    assert "Interrupted" in captured.out + captured.err
    meta = meta_of(out)
    assert meta["steps"] == 1 and meta["stopped_early"]
    assert load_checkpoint(out).sample(1).shape == (1, 28, 28)


# --------------------------------------------------------------------------- gan2d

def gan2d_args(data, out, *extra) -> list[str]:
    return ["train", "gan2d", "--data", str(data), "--steps", "50", "--device", "cpu",
            "--out", str(out), "--g-width", "16", "--d-width", "16", *extra]


def test_gan2d_on_a_named_distribution(tmp_path, capsys):
    out = tmp_path / "g2d"
    assert main(gan2d_args("8gaussians", out)) == 0
    assert f"Saved {out}" in capsys.readouterr().out
    meta = meta_of(out)
    assert meta["family"] == "gan2d" and meta["data"] == "8gaussians" and meta["steps"] == 50
    model = load_checkpoint(out)
    points = model.sample(10)
    assert points.shape == (10, 2) and np.isfinite(points).all()


def test_gan2d_on_the_users_points(tmp_path, capsys):
    rng = np.random.default_rng(0)
    points = rng.normal([1.0, -1.0], 0.1, (300, 2))
    np.save(tmp_path / "mine.npy", points)
    out = tmp_path / "g2d"
    assert main(gan2d_args(tmp_path / "mine.npy", out, "--loss", "wgan-gp", "--seed", "2")) == 0
    meta = meta_of(out)
    assert meta["family"] == "gan2d" and meta["training"]["loss"] == "wgan-gp"
    assert meta["training"]["gp_weight"] == 0.1
    assert load_checkpoint(out).sample(10).shape == (10, 2)


@pytest.mark.parametrize("content,words", [
    (np.zeros((10, 3)), "N×2"), (np.array([[0.0, np.nan]] * 5), "NaN"), (b"not numpy", "not a NumPy"),
])
def test_gan2d_refuses_a_bad_points_file(tmp_path, capsys, content, words):
    path = tmp_path / "bad.npy"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        np.save(path, content)
    assert exit_code(gan2d_args(path, tmp_path / "out")) == 2
    err = capsys.readouterr().err
    assert "error:" in err and words in err and str(path) in err
    assert not (tmp_path / "out").exists()


def test_gan2d_refuses_a_missing_file_and_bad_steps(tmp_path, capsys):
    assert exit_code(gan2d_args(tmp_path / "nowhere.npy", tmp_path / "out")) == 2
    assert "cannot read" in capsys.readouterr().err
    assert exit_code(gan2d_args("8gaussians", tmp_path / "out", "--steps", "0")) == 2
    assert "--steps" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_gan2d_offers_none_of_the_options_it_has_no_use_for(capsys):
    """gan2d trains on --data for --steps in one process: its help lists neither the dataset
    and epoch options nor resuming, and giving one is refused by gan2d's own usage."""
    with pytest.raises(SystemExit):
        main(["train", "gan2d", "--help"])
    text = capsys.readouterr().out
    assert "--steps" in text and "--data " in text
    for flag in ("--dataset", "--data-dir", "--no-download", "--epochs", "--resume", "--save-every"):
        assert flag not in text, flag
    with pytest.raises(SystemExit) as stop:
        main(["train", "gan2d", "--out", "x", "--epochs", "3"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "playground train gan2d" in err and "unrecognized arguments: --epochs 3" in err
    # the image commands keep all of them
    with pytest.raises(SystemExit):
        main(["train", "dcgan", "--help"])
    text = capsys.readouterr().out
    assert all(f in text for f in ("--dataset", "--epochs", "--resume", "--save-every"))
