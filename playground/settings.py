"""Persistent settings (QSettings): data folder, device, last hyperparameters, window layout.

Every key the app keeps is declared once, as a `Setting` with its default and the shape of a
valid value (the validators below). Reading checks what is stored — its type, size, nesting,
that numbers are finite and fit a Qt spin box, and the declared shape — and where it is wrong
logs one line ("settings: ignored <key> (<why>); using the default") and returns the default.
So a hand-edited, truncated or hostile ini file can never stop the app from starting.
Nothing stored is ever evaluated: values are plain strings parsed as JSON, or raw bytes.

All declared keys are in `REGISTRY`; the settings fuzz test poisons each of them.
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORG, APP = "GenerativePlayground", "Generative Playground"

log = logging.getLogger(__name__)

MAX_CHARS = 20_000        # far above any form's JSON; keys holding drawings declare more
MAX_DEPTH = 8             # the deepest shape declared is 3 (strokes: lists of [x, y] pairs)
NUMBER_LIMIT = 2 ** 31    # a QSpinBox holds int32; no number the app stores comes near it
PATH_CHARS = 4096         # PATH_MAX on Linux
NAME_CHARS = 200          # a choice from a combo box, a model key

Check = Callable[[Any], Any]     # returns the value (maybe cleaned) or raises Invalid


class Invalid(ValueError):
    """A stored value that does not have the declared shape; the message says why."""


def settings() -> QSettings:
    # Tests point this at a temporary folder so they never read or write the user's settings.
    path = os.environ.get("PLAYGROUND_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORG, APP)


def ignored(key: str, why: str) -> None:
    """The one line a bad stored value costs (also for callers that find a value unusable
    only when they apply it, e.g. a window geometry Qt rejects)."""
    log.warning("settings: ignored %s (%s); using the default", key, why)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# ------------------------------------------------------------------ safe JSON
_JSON_TOKENS = re.compile(r'[\[\]{}"\\]')


def _nesting(text: str) -> int:
    """How deeply `text` nests [ and { outside strings, without recursing (json.loads recurses
    once per level, so 100,000 levels would exhaust the stack before it could say no)."""
    depth = deepest = 0
    in_string = False
    skip = -1                       # position of a character escaped by a backslash
    for m in _JSON_TOKENS.finditer(text):
        i, ch = m.start(), m.group()
        if i == skip:
            continue
        if in_string:
            if ch == "\\":
                skip = i + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


class _Unusable:
    """Stands in for a number no setting can hold (NaN, ±inf, beyond int32), so that in a form
    only its field is refused; any that a check lets through refuses the whole value."""

    def __init__(self, text: str, why: str):
        self.text, self.why = text, why

    def __repr__(self) -> str:
        return f"{_short(self.text)[1:-1]} ({self.why})"


def _int(digits: str):
    # Python refuses to convert over 4,300 digits, and no spin box holds more than 10 digits.
    if len(digits.lstrip("-")) > 10 or abs(int(digits)) >= NUMBER_LIMIT:
        return _Unusable(digits, "out of range")
    return int(digits)


def _float(text: str):
    x = float(text)
    if not math.isfinite(x) or abs(x) >= NUMBER_LIMIT:
        return _Unusable(text, "out of range")
    return x


def _constant(name: str):
    return _Unusable(name, "not a number")


def _decode(raw: Any, max_chars: int) -> Any:
    if not isinstance(raw, str):
        raise Invalid(f"expected JSON text, got {type(raw).__name__}")
    if len(raw) > max_chars:
        raise Invalid(f"{len(raw):,} characters, more than {max_chars:,}")
    if _nesting(raw) > MAX_DEPTH:
        raise Invalid(f"nested deeper than {MAX_DEPTH}")
    try:
        return json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"not JSON: {str(exc).splitlines()[0][:60]}") from None


def _refuse_unusable(value: Any) -> None:
    todo = [value]                  # the nesting is bounded (MAX_DEPTH), but walk without recursion
    while todo:
        v = todo.pop()
        if isinstance(v, _Unusable):
            raise Invalid(f"the number {v!r}")
        if isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)


def decode_json(raw: Any, max_chars: int = MAX_CHARS) -> Any:
    """Parse a stored JSON string; raises Invalid unless it is short, shallow and its numbers
    are finite and fit a spin box."""
    value = _decode(raw, max_chars)
    _refuse_unusable(value)
    return value


# ------------------------------------------------------------------ validators
def integer(lo: int | None = None, hi: int | None = None) -> Check:
    def check(v):
        if not isinstance(v, int) or isinstance(v, bool):
            raise Invalid(f"expected a whole number, got {_short(v)}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise Invalid(f"{v} is outside {lo}..{hi}")
        return v
    return check


def number(v):
    """Any finite number (decode_json already bounds its size)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise Invalid(f"expected a number, got {_short(v)}")
    return v


def number_in(lo: float, hi: float) -> Check:
    def check(v):
        number(v)
        if not lo <= v <= hi:
            raise Invalid(f"{v} is outside {lo}..{hi}")
        return v
    return check


def boolean(v):
    if not isinstance(v, bool):
        raise Invalid(f"expected true or false, got {_short(v)}")
    return v


def text(max_chars: int = NAME_CHARS) -> Check:
    def check(v):
        if not isinstance(v, str):
            raise Invalid(f"expected text, got {type(v).__name__}")
        if len(v) > max_chars:
            raise Invalid(f"{len(v):,} characters, more than {max_chars:,}")
        if "\0" in v:
            raise Invalid("it holds a NUL character")
        return v
    return check


path = text(PATH_CHARS)
name = text(NAME_CHARS)


def one_of(*choices) -> Check:
    def check(v):
        # type first: True == 1 and 1.0 == 1 would otherwise pass for an int choice
        if not any(type(v) is type(c) and v == c for c in choices):
            raise Invalid(f"{_short(v)} is not one of {', '.join(map(repr, choices))}")
        return v
    return check


def either(*checks: Check) -> Check:
    def check(v):
        reasons = []
        for c in checks:
            try:
                return c(v)
            except Invalid as exc:
                reasons.append(str(exc))
        raise Invalid(" and ".join(reasons))
    return check


def list_of(item: Check, max_len: int = 1000, length: int | None = None) -> Check:
    def check(v):
        if not isinstance(v, list):
            raise Invalid(f"expected a list, got {type(v).__name__}")
        if length is not None and len(v) != length:
            raise Invalid(f"expected {length} items, got {len(v)}")
        if len(v) > max_len:
            raise Invalid(f"{len(v):,} items, more than {max_len:,}")
        for i, x in enumerate(v):
            try:
                item(x)
            except Invalid as exc:
                raise Invalid(f"item {i}: {exc}") from None
        return v
    return check


point = list_of(number, length=2)
strokes = list_of(list_of(point, max_len=100_000), max_len=10_000)


class record:  # noqa: N801 (reads as a type in declarations)
    """A dict of named fields (a form's values). A field of the wrong shape is dropped with its
    own warning, so one bad field does not lose the others; unknown fields are dropped silently
    (an older version may have saved them)."""

    def __init__(self, **fields: Check):
        self.fields = fields

    def __call__(self, v, key: str = "?"):
        if not isinstance(v, dict):
            raise Invalid(f"expected a dict of fields, got {type(v).__name__}")
        out = {}
        for field, check in self.fields.items():
            if field in v:
                try:
                    out[field] = check(v[field])
                except Invalid as exc:
                    ignored(f"{key}.{field}", str(exc))
        return out


# ------------------------------------------------------------------ declared keys
REGISTRY: dict[str, "Setting"] = {}
MISSING = object()          # Setting.stored() when nothing valid is stored


class Setting:
    """One key: its default, its kind ("json", "str" or "bytes") and the check of its value."""

    def __init__(self, key: str, default: Any, check: Check | None = None, kind: str = "json",
                 max_chars: int = MAX_CHARS, register: bool = True):
        if kind not in ("json", "str", "bytes"):
            raise ValueError(f"unknown settings kind {kind!r}")
        old = REGISTRY.get(key)
        if register and old is not None and (old.kind, old.default) != (kind, default):
            raise ValueError(f"settings key {key!r} is declared twice, differently")
        self.key, self.default, self.kind, self.max_chars = key, default, kind, max_chars
        self.check = check or (lambda v: v)
        if register:
            REGISTRY[key] = self

    def __repr__(self) -> str:
        return f"Setting({self.key!r}, {self.kind})"

    def parse(self, raw: Any) -> Any:
        """The value `raw` (as QSettings returns it) stands for; raises Invalid."""
        if self.kind == "bytes":
            if not isinstance(raw, (QByteArray, bytes, bytearray)):
                raise Invalid(f"expected bytes, got {type(raw).__name__}")
            if len(raw) > self.max_chars:
                raise Invalid(f"{len(raw):,} bytes, more than {self.max_chars:,}")
            value = QByteArray(raw)
        elif self.kind == "str":
            if not isinstance(raw, str):
                raise Invalid(f"expected text, got {type(raw).__name__}")
            if len(raw) > self.max_chars:
                raise Invalid(f"{len(raw):,} characters, more than {self.max_chars:,}")
            value = raw
        else:
            value = _decode(raw, self.max_chars)
        value = self.check(value, self.key) if isinstance(self.check, record) else self.check(value)
        _refuse_unusable(value)
        return value

    def get(self) -> Any:
        """The stored value if it is valid; otherwise the default (with one warning line)."""
        value = self.stored()
        return self.default if value is MISSING else value

    def stored(self) -> Any:
        """The stored value if there is a valid one, else MISSING (warning if it was bad)."""
        try:
            raw = settings().value(self.key)
        except Exception as exc:  # noqa: BLE001  a value QSettings cannot even convert
            ignored(self.key, f"unreadable: {type(exc).__name__}")
            return MISSING
        if raw is None:
            return MISSING
        try:
            return self.parse(raw)
        except Invalid as exc:
            ignored(self.key, str(exc))
            return MISSING

    def set(self, value: Any) -> None:
        s = settings()
        if self.kind == "json":
            s.setValue(self.key, json.dumps(value))
        else:
            s.setValue(self.key, value)
        s.sync()


def declared(key: str) -> Setting:
    return REGISTRY[key]


# ------------------------------------------------------------------ by key (tests, scripts)
def _by_key(key: str, default, kind: str):
    # A key nobody declared still gets the generic checks (a new reader cannot crash the app),
    # but tests/test_settings.py fails on any read in playground/ that bypasses a Setting.
    s = REGISTRY.get(key) or Setting(key, default, text(MAX_CHARS) if kind == "str" else None,
                                     kind, register=False)
    value = s.stored()
    return default if value is MISSING else value


def get_json(key: str, default=None):
    """The stored value of a JSON key, or `default` when nothing valid is stored."""
    return _by_key(key, default, "json")


def set_json(key: str, value) -> None:
    s = settings()
    s.setValue(key, json.dumps(value))
    s.sync()


def get_str(key: str, default: str = "") -> str:
    return _by_key(key, default, "str")


def set_str(key: str, value: str) -> None:
    s = settings()
    s.setValue(key, value)
    s.sync()
