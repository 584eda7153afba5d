"""argparse pieces for the command line: errors in two short lines, and value types whose
refusals say what was expected in words (argparse would otherwise print the whole usage, 20
lines for `train`, and name the type function: "invalid _finite_float value: 'abc'")."""
from __future__ import annotations

import argparse


class Parser(argparse.ArgumentParser):
    """An ArgumentParser (and, through add_subparsers, its subcommands) whose errors are the
    one-line usage and the message, exit status 2. `-h` still prints the full help."""

    def error(self, message: str):
        usage = " ".join(self.format_usage().split())       # argparse wraps long usages
        if len(usage) > 100:                                # still long: name the way to the rest
            usage = f"usage: {self.prog} [options] (see {self.prog} -h)"
        self.exit(2, f"{usage}\n{self.prog}: error: {message}\n")


def whole(text: str) -> int:
    """An integer, refused in words when the text is not one ("1.5", "two")."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None


def real(text: str) -> float:
    """A number (it may still be inf or nan: callers that care check), refused in words."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
