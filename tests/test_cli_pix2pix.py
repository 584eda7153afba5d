"""`playground train pix2pix` on procedural landscapes and on a folder of A|B pairs."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from models import load_checkpoint
from models.pix2pix.landscapes import landscape_pair
from playground.cli import main

TINY = ["--size", "64", "--width", "4", "--epochs", "1", "--batch-size", "4", "--device", "cpu"]


def test_landscapes_train_a_checkpoint_that_translates(tmp_path, one_torch_thread, capsys):
    out = tmp_path / "p2p"
    assert main(["train", "pix2pix", "--pairs", "8", "--patch", "16", "--loss", "l1",
                 "--out", str(out), *TINY]) == 0
    model = load_checkpoint(out)
    assert model.family == "pix2pix" and model.config.input == "classes"
    assert model.meta["training"]["objective"] == "l1" and model.meta["training"]["patch"] == 16
    assert model.meta["steps"] == 2
    label, _ = landscape_pair(1, 64)
    assert model.translate(label, seed=0).shape == (64, 64, 3)
    assert "Saved" in capsys.readouterr().out


def test_a_folder_of_pairs_trains_in_either_direction(tmp_path, one_torch_thread):
    train = tmp_path / "facades" / "train"
    train.mkdir(parents=True)
    for i in range(4):
        ab = np.zeros((64, 128, 3), np.uint8)
        ab[:, :64, 0] = 200 + i        # A: red
        ab[:, 64:, 2] = 200            # B: blue
        Image.fromarray(ab).save(train / f"{i}.png")
    (train / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "ab"
    assert main(["train", "pix2pix", "--dataset", str(tmp_path / "facades"), "--direction", "BtoA",
                 "--out", str(out), *TINY]) == 0
    model = load_checkpoint(out)
    assert model.config.input == "rgb" and model.meta["data"] == "folder"
    assert model.translate(np.zeros((64, 64, 3), np.uint8)).shape == (64, 64, 3)


def test_a_missing_folder_exits_2_with_a_message(tmp_path, capsys):
    assert main(["train", "pix2pix", "--out", str(tmp_path / "x"), *TINY,
                 "--dataset", "/no/such/folder"]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("command,loss,choices", [
    ("pix2pix", "minimax", "'l1', 'cgan', 'l1+cgan'"),
    # each command has its own --loss: the GANs refuse pix2pix's objectives, naming theirs
    ("dcgan", "l1", "'minimax', 'non-saturating', 'wgan-gp'"),
])
def test_each_command_refuses_the_others_objectives(tmp_path, capsys, command, loss, choices):
    with pytest.raises(SystemExit) as info:
        main(["train", command, "--loss", loss, "--out", str(tmp_path / "x"), "--device", "cpu"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"invalid choice: '{loss}'" in err and choices in err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("pairs", ["0", "-5"])
def test_no_pairs_is_a_clear_error_not_a_traceback(tmp_path, pairs, capsys):
    assert main(["train", "pix2pix", "--pairs", pairs, "--out", str(tmp_path / "x"), *TINY]) == 2
    assert "error: there are no training pairs" in capsys.readouterr().err


def test_an_unusable_out_is_refused_before_training(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "below"):
        assert main(["train", "pix2pix", "--pairs", "8", "--out", str(out), *TINY]) == 2
        err = capsys.readouterr().err
        assert "error: --out" in err and "Training pix2pix" not in err


def test_a_folder_where_no_file_can_be_read_is_an_error(tmp_path, one_torch_thread, capsys):
    train = tmp_path / "bad" / "train"
    train.mkdir(parents=True)
    for i in range(3):
        (train / f"{i}.png").write_bytes(b"garbage")
    assert main(["train", "pix2pix", "--dataset", str(tmp_path / "bad"),
                 "--out", str(tmp_path / "o"), *TINY]) == 2
    err = capsys.readouterr().err
    assert "none of the 3 training pairs can be used" in err
    assert not (tmp_path / "o").exists()


def test_direction_is_refused_for_the_landscapes(tmp_path, capsys):
    assert main(["train", "pix2pix", "--direction", "BtoA", "--out", str(tmp_path / "x"), *TINY]) == 2
    assert "--direction applies to folders" in capsys.readouterr().err
