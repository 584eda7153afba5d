"""Help for the Translation panel: Translate, Train, Shared latent and Super-resolution.

The pages live in their views' modules; this file (named after the family, so the help finds
it) registers them. Super-resolution's page arrives with its view."""
from __future__ import annotations

import importlib

from . import register

_MODULES = ("translation_views", "translation_train", "superres")


def _pages():
    pages = []
    for name in _MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{name}":
                raise
            continue
        pages += module.PAGES
    return pages


register(*_pages())
