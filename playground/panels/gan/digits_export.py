"""Saving the digits view's pictures: a remembered export folder, and a dialog on failure."""
from __future__ import annotations

from ... import settings as app_settings
from ... import widgets

EXPORT_DIR_KEY = "gan/digits/export_dir"
EXPORT_DIR = app_settings.Setting(EXPORT_DIR_KEY, "", app_settings.path, kind="str")
write_or_warn = widgets.write_or_warn


def ask_save_path(parent, title: str, name: str, filt: str) -> str | None:
    """A path in the view's remembered export folder (see widgets.ask_save_path), or None."""
    return widgets.ask_save_path(parent, EXPORT_DIR, title, name, filt)
