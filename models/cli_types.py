"""argparse pieces for the command line (here in models/, beside the families' CLI modules
that use them; argparse only, no Qt, nothing heavy): errors in two short lines, and value types whose
refusals say what was expected in words (argparse would otherwise print the whole usage, 20
lines for `train`, and name the type function: "invalid _finite_float value: 'abc'")."""
from __future__ import annotations

import argparse
import math


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


def positive(text: str) -> int:
    """A whole number ≥ 1."""
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def finite(text: str) -> float:
    """A number that is neither infinite nor nan."""
    value = real(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def in_range(kind, low: float, high: float, low_open: bool = False, high_open: bool = False,
             description: str | None = None):
    """An argparse type: a finite number of `kind` in [low, high] (ends optionally open)."""
    def parse(text: str):
        value = whole(text) if kind is int else real(text)
        if not (math.isfinite(value) and (low < value if low_open else low <= value)
                and (value < high if high_open else value <= high)):
            raise argparse.ArgumentTypeError(f"must be {description}, not {text}")
        return value
    return parse
