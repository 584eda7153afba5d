"""argparse errors: one short usage line and the message in words, exit 2, for every option."""
from __future__ import annotations

import argparse

import pytest

from playground.cli import build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


# every `playground train` command (one per command a family declares) and its typed options
COMMANDS = _subparsers(_subparsers(build_parser())["train"])
TYPED = sorted({(command, a.option_strings[0]) for command, parser in COMMANDS.items()
                for a in parser._actions if a.type is not None and a.option_strings})


def _refused(capsys, argv) -> list[str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


def test_every_typed_option_is_covered():
    # the options that parse numbers: if one is added, it is checked below too
    assert {"--epochs", "--lr", "--seed", "--channels", "--k-d", "--noise-dim", "--size",
            "--lambda-l1", "--label-smoothing", "--gp-weight"} <= {o for _, o in TYPED}
    assert {"vae", "ddpm", "dcgan", "gan2d", "pix2pix"} <= {c for c, _ in TYPED}


@pytest.mark.parametrize("command,option", TYPED)
@pytest.mark.parametrize("text", ["abc", "1.5x"])
def test_bad_text_is_refused_in_words(capsys, tmp_path, command, option, text):
    lines = _refused(capsys, ["train", command, "--out", str(tmp_path / "out"), option, text])
    assert len(lines) == 2
    assert lines[0] == f"usage: playground train {command} --out FOLDER [options]"
    assert lines[1].startswith(f"playground train {command}: error: argument {option}: must be")
    assert repr(text) in lines[1]
    # argparse's own wording names the type function: "invalid _finite_float value"
    assert "invalid" not in lines[1] and "_" not in lines[1].split(":", 2)[2].replace(option, "")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv,words", [
    (["train", "vae", "--epochs", "1.5"], "--epochs: must be a whole number, not '1.5'"),
    (["train", "vae", "--lr", "nan"], "--lr: must be a finite number"),
    (["train", "vae"], "the following arguments are required: --out"),
    (["train", "pix2pix", "--size", "65", "--out", "x"], "invalid choice: 65"),
    (["train", "vae", "--channels", "8,8,8", "--out", "x"], "unrecognized arguments: --channels"),
])
def test_train_errors_are_two_short_lines(capsys, argv, words):
    lines = _refused(capsys, argv)
    assert len(lines) == 2 and lines[0] == f"usage: playground train {argv[1]} --out FOLDER [options]"
    assert words in lines[1]


@pytest.mark.parametrize("argv", [["train", "vea", "--out", "x"], ["train"]])
def test_an_unknown_or_missing_model_is_two_short_lines(capsys, argv):
    lines = _refused(capsys, argv)
    assert len(lines) == 2 and lines[0] == "usage: playground train MODEL --out FOLDER [options]"
    assert ("invalid choice: 'vea'" if len(argv) > 1 else "required: MODEL") in lines[1]


def test_top_level_and_gui_errors_are_short(capsys):
    lines = _refused(capsys, ["trian"])
    assert len(lines) == 2 and lines[0].startswith("usage: playground ")
    assert "invalid choice: 'trian'" in lines[1]
    lines = _refused(capsys, ["gui", "--device", "tpu"])
    assert len(lines) == 2 and all(len(line) <= 120 for line in lines)


def test_help_lists_every_model_and_each_models_help_every_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "-h"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: playground train MODEL --out FOLDER [options]" in out
    assert all(f"    {command} " in out for command in COMMANDS)
    for command in COMMANDS:
        with pytest.raises(SystemExit) as info:
            main(["train", command, "-h"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert f"usage: playground train {command} --out FOLDER [options]" in out
        assert all(option in out for c, option in TYPED if c == command)
