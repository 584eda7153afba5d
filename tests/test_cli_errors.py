"""argparse errors: one short usage line and the message in words, exit 2, for every option."""
from __future__ import annotations

import argparse

import pytest

from playground.cli import build_parser, main


def _train_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


TYPED = [a.option_strings[0] for a in _train_parser()._actions
         if a.type is not None and a.option_strings]


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
            "--lambda-l1", "--label-smoothing", "--gp-weight"} <= set(TYPED)


@pytest.mark.parametrize("option", TYPED)
@pytest.mark.parametrize("text", ["abc", "1.5x"])
def test_bad_text_is_refused_in_words(capsys, tmp_path, option, text):
    lines = _refused(capsys, ["train", "vae", "--out", str(tmp_path / "out"), option, text])
    assert len(lines) == 2
    assert lines[0] == "usage: playground train MODEL --out FOLDER [options]"
    assert lines[1].startswith(f"playground train: error: argument {option}: must be")
    assert repr(text) in lines[1]
    # argparse's own wording names the type function: "invalid _finite_float value"
    assert "invalid" not in lines[1] and "_" not in lines[1].split(":", 2)[2].replace(option, "")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv,words", [
    (["train", "vae", "--epochs", "1.5"], "--epochs: must be a whole number, not '1.5'"),
    (["train", "vae", "--lr", "nan"], "--lr: must be a finite number"),
    (["train", "vae"], "the following arguments are required: --out"),
    (["train", "vea", "--out", "x"], "invalid choice: 'vea'"),
    (["train", "pix2pix", "--size", "65", "--out", "x"], "invalid choice: 65"),
])
def test_train_errors_are_two_short_lines(capsys, argv, words):
    lines = _refused(capsys, argv)
    assert len(lines) == 2 and lines[0] == "usage: playground train MODEL --out FOLDER [options]"
    assert words in lines[1]


def test_top_level_and_gui_errors_are_short(capsys):
    lines = _refused(capsys, ["trian"])
    assert len(lines) == 2 and lines[0].startswith("usage: playground ")
    assert "invalid choice: 'trian'" in lines[1]
    lines = _refused(capsys, ["gui", "--device", "tpu"])
    assert len(lines) == 2 and all(len(line) <= 120 for line in lines)


def test_help_still_lists_every_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "-h"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: playground train MODEL --out FOLDER [options]" in out
    assert all(option in out for option in TYPED)
