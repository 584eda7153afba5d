"""In-app help: a "What am I seeing?" page per view, and the keyboard shortcuts.

Each family with a panel has one module here, named after the family (autoencoder.py,
likelihood.py, …), that registers its pages; a panel names the page of its current view
with `help_topic()`, so the main window never names a family. A topic is a page key, optionally with an anchor: "diffusion-reverse#guidance".
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    key: str      # "diffusion-reverse"
    title: str    # "Diffusion · Reverse process"
    body: str     # HTML (Qt rich text), without <html>/<body>
    order: int = 0


PAGES: dict[str, Page] = {}
INDEX = "index"


def family_modules() -> list[str]:
    """The help module of every registered family that has one: playground/help/<name>.py,
    found by the family's name, so a new family adds its file and touches nothing here."""
    from models.family import families
    return [f.name for f in families()
            if importlib.util.find_spec(f"{__name__}.{f.name}") is not None]


def register(*pages: Page) -> None:
    for page in pages:
        PAGES[page.key] = page


def all_pages() -> list[Page]:
    """Every page, in the order of the app's tabs (importing a family module registers it)."""
    for name in family_modules():
        importlib.import_module(f"{__name__}.{name}")
    return sorted(PAGES.values(), key=lambda p: p.order)


def split_topic(topic: str) -> tuple[str, str]:
    key, _, anchor = (topic or INDEX).partition("#")
    return key, anchor
