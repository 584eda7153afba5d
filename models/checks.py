"""Checks the model configs share: a whole number within bounds, refused in words."""
from __future__ import annotations

import operator


def whole(name: str, value, low: int, high: int) -> int:
    """`value` as an int if it is a whole number (not a bool, not 2.5) in low..high, else
    ValueError naming `name`."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, not {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, not {value!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, not {value}")
    return value
