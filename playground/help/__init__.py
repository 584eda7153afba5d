"""In-app help: a "What am I seeing?" page per view, and the keyboard shortcuts.

Each family has one module here (autoencoder, diffusion, gan, pix2pix) that registers its
pages; a panel names the page of its current view with `help_topic()`, so the main window
never names a family. A topic is a page key, optionally with an anchor: "diffusion-reverse#guidance".
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    key: str      # "diffusion-reverse"
    title: str    # "Diffusion · Reverse process"
    body: str     # HTML (Qt rich text), without <html>/<body>
    order: int = 0


PAGES: dict[str, Page] = {}
FAMILY_MODULES = ("autoencoder", "diffusion", "gan", "pix2pix", "likelihood")
INDEX = "index"


def register(*pages: Page) -> None:
    for page in pages:
        PAGES[page.key] = page


def all_pages() -> list[Page]:
    """Every page, in the order of the app's tabs (importing a family module registers it)."""
    for name in FAMILY_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return sorted(PAGES.values(), key=lambda p: p.order)


def split_topic(topic: str) -> tuple[str, str]:
    key, _, anchor = (topic or INDEX).partition("#")
    return key, anchor
