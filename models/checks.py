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


def from_fields(cls, d):
    """A frozen config dataclass from a checkpoint's JSON object: its known fields, each then
    checked by the class itself. Anything but an object is refused (a string would pass
    `in` tests and quietly give the defaults)."""
    if not isinstance(d, dict):
        raise ValueError(f"a {cls.__name__} is a JSON object, not {type(d).__name__}")
    return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})
