"""Persistent settings (QSettings): data folder, device, last hyperparameters, window layout."""
from __future__ import annotations

import json
import os

from PySide6.QtCore import QSettings

ORG, APP = "GenerativePlayground", "Generative Playground"


def settings() -> QSettings:
    # Tests point this at a temporary folder so they never read or write the user's settings.
    path = os.environ.get("PLAYGROUND_SETTINGS")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORG, APP)


def get_json(key: str, default):
    raw = settings().value(key)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return default


def set_json(key: str, value) -> None:
    s = settings()
    s.setValue(key, json.dumps(value))
    s.sync()


def get_str(key: str, default: str = "") -> str:
    value = settings().value(key)
    return value if isinstance(value, str) else default


def set_str(key: str, value: str) -> None:
    s = settings()
    s.setValue(key, value)
    s.sync()
