"""`--out` is checked before training for every model (issue 11 §6): a run into an existing
file, or an unwritable place, used to train for nothing and then lose the weights."""
from __future__ import annotations

import os

import pytest

from playground.cli import main

MODELS = ["ae", "vae", "ddpm", "dcgan", "cgan", "wgan-gp", "gan2d", "pix2pix"]


@pytest.fixture
def no_training(monkeypatch):
    """Any training job starting fails the test: the check must come first."""
    def refuse(*args, **kwargs):
        raise AssertionError("training started")
    for target in ("models.autoencoder.training.AutoencoderTrainer.run", "models.diffusion.training.DiffusionTrainer.run",
                   "models.gan.training.GANTrainer.run", "models.gan.toy2d_train.GAN2DTrainer.step",
                   "models.pix2pix.training.Pix2PixTrainer.run"):
        monkeypatch.setattr(target, refuse)


@pytest.mark.parametrize("model", MODELS)
def test_out_naming_an_existing_file_is_refused_before_training(model, tmp_path, capsys, no_training):
    out = tmp_path / "taken"
    out.write_text("keep me")
    how_long = ["--steps", "1"] if model == "gan2d" else ["--epochs", "1", "--no-download"]
    assert main(["train", model, "--out", str(out), "--device", "cpu", *how_long]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "Traceback" not in err
    assert out.read_text() == "keep me"


@pytest.mark.parametrize("model", ["ae", "gan2d"])
def test_out_in_a_read_only_folder_or_too_long_is_refused(model, tmp_path, capsys, no_training):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        assert main(["train", model, "--out", str(locked / "run"),
                     *(["--steps", "1"] if model == "gan2d" else [])]) == 2
        assert "not a writable folder" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("model", ["vae", "pix2pix"])
def test_out_with_a_name_over_255_bytes_is_refused(model, tmp_path, capsys, no_training):
    assert main(["train", model, "--out", str(tmp_path / ("x" * 300))]) == 2
    assert "255" in capsys.readouterr().err
