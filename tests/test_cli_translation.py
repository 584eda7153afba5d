"""Issue 16: `playground train cyclegan|unit|srgan` and the translation family's recipes."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models import load_checkpoint
from models.translation.api import CycleGANModel, SRModel, UNITModel
from models.translation.family import FAMILY, recipes
from playground.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "assets" / "datasets" / "mnist-sample")
CPU = ["--device", "cpu"]
CYCLEGAN = ["train", "cyclegan", "--size", "32", "--patch", "16", "--width", "4", "--blocks", "1",
            "--steps", "2", "--batch-size", "2", "--pool", "2", *CPU]
SRRESNET = ["train", "srgan", "--loss", "mse", "--channels", "4", "--blocks", "1",
            "--hr-size", "32", "--train-images", "4", "--steps", "2", "--batch-size", "2", *CPU]


@pytest.fixture
def cheap_texture(monkeypatch):
    """The textured digits render 64 landscapes per seed (seconds); their rule has its own
    tests, and here any fixed RGB form of the digits will do."""
    def fake(images, seed=0, offset=0):
        x = np.asarray(images)
        return np.stack([x, 255 - x, x // 2], axis=-1).astype(np.uint8)
    monkeypatch.setattr("models.translation.textured_digits.textured_digits", fake)


def test_cyclegan_on_landscapes_saves_a_loadable_checkpoint(tmp_path, one_torch_thread, capsys):
    out = tmp_path / "cyc"
    assert main([*CYCLEGAN, "--train-images", "4", "--out", str(out)]) == 0
    assert "Saved" in capsys.readouterr().out
    model = load_checkpoint(out)
    assert isinstance(model, CycleGANModel) and model.meta["steps"] == 2
    assert model.config.width == 4 and model.config.size == 32 and model.cycle_weight == 10
    assert model.meta["dataset"]["name"] == "landscapes-unpaired"
    assert model.translate(np.zeros((32, 32, 3), np.uint8)).shape == (32, 32, 3)


def test_cycle_0_is_recorded(tmp_path, one_torch_thread):
    out = tmp_path / "nocycle"
    assert main([*CYCLEGAN, "--train-images", "4", "--cycle", "0", "--steps", "1",
                 "--out", str(out)]) == 0
    model = load_checkpoint(out)
    assert model.meta["training"]["cycle"] == 0 and model.cycle_weight == 0


def test_cyclegan_on_digits_takes_them_grey_as_rgb(tmp_path, one_torch_thread, cheap_texture):
    out = tmp_path / "digits"
    assert main(["train", "cyclegan", "--dataset", "digits", "--digits", SAMPLE, "--no-download",
                 "--width", "4", "--blocks", "1", "--steps", "1", "--batch-size", "2",
                 "--out", str(out), *CPU]) == 0
    model = load_checkpoint(out)
    assert model.config.size == 28 and model.config.patch == 16
    assert model.translate(np.zeros((28, 28), np.uint8)).shape == (28, 28, 3)
    assert model.meta["dataset"]["name"] == "digits-textured"


def test_cyclegan_digits_refuse_another_size(tmp_path, capsys, cheap_texture):
    assert main(["train", "cyclegan", "--dataset", "digits", "--digits", SAMPLE, "--no-download",
                 "--size", "32", "--patch", "16", "--out", str(tmp_path / "x"), *CPU]) == 2
    assert "the digits are 28×28" in capsys.readouterr().err


def _folders(root: Path, n_a: int, n_b: int) -> Path:
    for side, n, colour in (("A", n_a, (200, 40, 40)), ("B", n_b, (40, 40, 200))):
        (root / side).mkdir(parents=True)
        for k in range(n):
            Image.new("RGB", (20 + k, 16), (colour[0], k * 20, colour[2])).save(
                root / side / f"{k}.png")
    return root


def test_cyclegan_trains_on_a_users_two_folders(tmp_path, one_torch_thread):
    root = _folders(tmp_path / "mine", 8, 8)
    (root / "B" / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "cyc"
    assert main([*CYCLEGAN, "--size", "16", "--dataset", str(root), "--out", str(out)]) == 0
    model = load_checkpoint(out)
    data = model.meta["dataset"]
    assert data == {"name": "folders A ↔ B", "split": data["split"], "train_a": 8, "train_b": 8}
    assert data["split"].startswith("8 A and 8 B images")
    assert str(tmp_path) not in str(model.meta)


def test_cyclegan_refuses_folders_with_too_few_images(tmp_path, capsys):
    root = _folders(tmp_path / "few", 3, 8)
    out = tmp_path / "x"
    assert main([*CYCLEGAN, "--size", "16", "--dataset", str(root), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "has 3 usable image(s); a domain needs at least 8" in err
    assert not (out / "model.safetensors").exists()


def test_cyclegan_refuses_a_folder_without_a_and_b(tmp_path, capsys):
    (tmp_path / "flat").mkdir()
    assert main([*CYCLEGAN, "--dataset", str(tmp_path / "flat"),
                 "--out", str(tmp_path / "x")]) == 2
    assert "A/ and B/" in capsys.readouterr().err


def test_unit_saves_a_loadable_checkpoint(tmp_path, one_torch_thread, cheap_texture):
    out = tmp_path / "unit"
    assert main(["train", "unit", "--digits", SAMPLE, "--no-download", "--width", "4",
                 "--latent", "2", "--steps", "2", "--batch-size", "4", "--cycle", "5",
                 "--out", str(out), *CPU]) == 0
    model = load_checkpoint(out)
    assert isinstance(model, UNITModel) and model.config.latent == 2
    assert model.meta["training"]["cycle"] == 5 and model.meta["steps"] == 2
    assert model.encode(np.zeros((28, 28), np.uint8), "A").shape == (2 * 49,)
    assert SAMPLE not in str(model.meta)


def test_srresnet_and_srgan_save_loadable_checkpoints(tmp_path, one_torch_thread):
    first = tmp_path / "srresnet"
    assert main([*SRRESNET, "--out", str(first)]) == 0
    model = load_checkpoint(first)
    assert isinstance(model, SRModel) and model.kind == "SRResNet"
    assert model.upscale(np.zeros((8, 8, 3), np.uint8)).shape == (32, 32, 3)
    # SRGAN from it (pixel content: the feature network would train for minutes)
    second = tmp_path / "srgan"
    argv = [a if a != "mse" else "perceptual" for a in SRRESNET]
    assert main([*argv, "--content", "pixels", "--steps", "1", "--init", str(first),
                 "--out", str(second)]) == 0
    gan = load_checkpoint(second)
    assert gan.kind == "SRGAN" and gan.meta["steps"] == 1


def test_srgan_refuses_an_init_of_another_shape_or_family(tmp_path, one_torch_thread, capsys):
    first = tmp_path / "srresnet"
    assert main([*SRRESNET, "--steps", "1", "--out", str(first)]) == 0
    capsys.readouterr()
    argv = [a if a != "4" or i != SRRESNET.index("--channels") + 1 else "8"
            for i, a in enumerate(SRRESNET)]
    assert "8" in argv
    out = tmp_path / "x"
    assert main([*argv, "--init", str(first), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "give the same --channels and --blocks" in err
    assert not (out / "model.safetensors").exists()
    # a CycleGAN checkpoint is no start for a super-resolution network
    cyc = tmp_path / "cyc"
    CycleGANModel().save(cyc)
    assert main([*SRRESNET, "--init", str(cyc), "--out", str(out)]) == 2
    assert "'cyclegan' checkpoint, not a 'superres'" in capsys.readouterr().err
    assert main([*SRRESNET, "--init", str(tmp_path / "nothing"), "--out", str(out)]) == 2


def test_options_a_command_does_not_take_are_refused(tmp_path):
    for argv in (["train", "unit", "--dataset", "landscapes"],
                 ["train", "srgan", "--data-dir", "x"], ["train", "cyclegan", "--epochs", "3"]):
        with pytest.raises(SystemExit) as info:
            main([*argv, "--out", str(tmp_path / "x"), *CPU])
        assert info.value.code == 2


# ------------------------------------------------------------------ the recipes

def _script():
    spec = importlib.util.spec_from_file_location("train_checkpoints_for_translation",
                                                  ROOT / "scripts" / "train_checkpoints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _options(command: str) -> set[str]:
    """Every option string `playground train COMMAND` has, exactly (argparse would also take
    a prefix of one, which a recipe must not rely on)."""
    parser = build_parser()
    train = next(a for a in parser._subparsers._group_actions if a.dest == "command")
    models = next(a for a in train.choices["train"]._subparsers._group_actions)
    return {s for action in models.choices[command]._actions for s in action.option_strings}


def test_every_recipe_names_options_that_exist():
    plan = recipes()
    assert {r.out for r in plan} == {"landscapes-cyclegan", "landscapes-cyclegan-nocycle",
                                     "digits-cyclegan", "digits-unit", "landscapes-srresnet",
                                     "landscapes-srgan"}
    for recipe in plan:
        command = recipe.argv[0]
        assert command in FAMILY.commands()
        options = _options(command)
        flags = [a for a in recipe.argv[1:] if a.startswith("--")]
        assert flags and not [f for f in flags if f not in options], (recipe.name, options)
        assert "--out" not in recipe.argv                  # the script adds it


def test_the_srgan_recipe_starts_from_the_srresnet_one():
    script = _script()
    by_name = {r.name: r for r in recipes()}
    srgan, srresnet = by_name["srgan"], by_name["srresnet"]
    init = srgan.argv[srgan.argv.index("--init") + 1]
    assert "{checkpoints}" in init
    filled = script.fill(init, "/data/mnist-full")
    assert filled == str(ROOT / "checkpoints" / srresnet.out)
    # and it runs after the one it starts from
    order = [r.name for r in script.recipes()]
    assert order.index("srresnet") < order.index("srgan")
    # the same network shape, or --init would be refused
    for flag in ("--channels", "--blocks", "--hr-size"):
        value = lambda argv: argv[argv.index(flag) + 1]        # noqa: E731
        assert value(srgan.argv) == value(srresnet.argv)
    filled_args = [script.fill(a, "/data/mnist-full") for a in srgan.argv]
    assert not [a for a in filled_args if "{" in a]
    args = build_parser().parse_args(["train", *filled_args, "--out", "x"])
    assert args.init == str(ROOT / "checkpoints" / "landscapes-srresnet")
    assert args.loss == "perceptual"


def test_the_nocycle_recipe_is_the_cycle_one_without_the_cycle():
    by_name = {r.name: r for r in recipes()}
    with_cycle, without = by_name["cyclegan"].argv, by_name["cyclegan-nocycle"].argv
    assert without[:len(with_cycle)] == with_cycle and without[len(with_cycle):] == ("--cycle", "0")
    args = build_parser().parse_args(["train", *without, "--out", "x"])
    assert args.cycle == 0
