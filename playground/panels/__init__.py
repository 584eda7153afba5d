"""The panels the main window shows, derived from the family registry (models/family.py).

A family with a `panel` ("module:Class") gets a tab: its title, its place in the tab bar,
and the checkpoint families File → Open routes to it all come from its Family. The widget
class is imported only when the tab is first needed, so starting the app does not pay for
the panels nobody has opened yet. Families registered at run time (tests, plugins) appear
in the next registry() call, so a window built after register() has their tab.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

# The folder of shipped checkpoints: where "Open checkpoint…" starts.
CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"


@dataclass(frozen=True)
class PanelSpec:
    key: str                     # settings / attribute name, e.g. the saved tab
    title: str                   # the tab's text
    factory: str                 # "module:Class"; the class takes (device=, data_dir=)
    families: tuple[str, ...]    # checkpoint families ("family" in config.json) it opens
    order: int                   # place in the tab bar, smallest first
    receives: tuple[str, ...] = ()   # image kinds it takes from other panels (hand-off)

    def build(self, device: str, data_dir: str | None):
        module, name = self.factory.split(":")
        return getattr(importlib.import_module(module), name)(device=device, data_dir=data_dir)


def registry() -> list[PanelSpec]:
    """A spec for every registered family that has a panel, in tab order."""
    from models.family import families

    return [PanelSpec(key=f.name, title=f.title, factory=f.panel, families=tuple(f.checkpoints),
                      order=f.order, receives=tuple(f.receives))
            for f in families() if f.panel]


# Hand-off: a panel passes a picture to whichever panel takes its kind, naming neither.
# The sender has a `sendImage = Signal(str, object, str)` (kind, H×W×3 uint8 numpy, caption);
# the main window finds the panel whose family `receives` that kind, shows it and calls its
# `receive(kind, image, caption)`. Kinds so far:
PHOTO_TRANSLATE = "photo/translate"     # an RGB picture to translate to another domain
PHOTO_UPSCALE = "photo/upscale"         # an RGB picture to upscale


def receivers(kind: str) -> list[PanelSpec]:
    """The panels that take pictures of `kind` (a sender enables its button by this)."""
    return [spec for spec in registry() if kind in spec.receives]
