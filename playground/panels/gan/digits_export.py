"""Saving the digits view's pictures: a remembered export folder, and a dialog on failure."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ... import settings as app_settings

EXPORT_DIR_KEY = "gan/digits/export_dir"
EXPORT_DIR = app_settings.Setting(EXPORT_DIR_KEY, "", app_settings.path, kind="str")


def ask_save_path(parent: QWidget, title: str, name: str, filt: str) -> str | None:
    """A path chosen by the user (with `name`'s suffix added if they left it off), or None."""
    start = Path(EXPORT_DIR.get() or Path.home())
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start / name), filt)
    if not path:
        return None
    EXPORT_DIR.set(str(Path(path).parent))
    suffix = Path(name).suffix
    return path if path.lower().endswith(suffix) else path + suffix


def write_or_warn(parent: QWidget, save: Callable[[], object], path: str) -> bool:
    """Run `save()`; an unwritable path or bad data is a dialog, not an exception."""
    try:
        save()
    except (OSError, ValueError) as exc:
        QMessageBox.warning(parent, "Export failed", f"Could not write {path}:\n{exc}")
        return False
    return True
