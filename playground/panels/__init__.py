"""The registry of panels: what the main window shows, without naming any of them.

Each panel package declares a `PANEL = PanelSpec(...)` in its `__init__.py`: its tab title,
where its widget class lives (imported only when the tab is first needed, so starting the
app does not pay for the panels nobody has opened yet), the checkpoint families it opens,
and its place in the tab bar. `registry()` finds them by listing this folder, so adding a
family means adding a package here and nothing in the central files.
"""
from __future__ import annotations

import importlib
import pkgutil
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

    def build(self, device: str, data_dir: str | None):
        module, name = self.factory.split(":")
        return getattr(importlib.import_module(module), name)(device=device, data_dir=data_dir)


def registry() -> list[PanelSpec]:
    """Every panel package's spec, in tab order. Imports only the packages' `__init__`s."""
    specs = []
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg:
            continue
        spec = getattr(importlib.import_module(f"{__name__}.{info.name}"), "PANEL", None)
        if isinstance(spec, PanelSpec):
            specs.append(spec)
    return sorted(specs, key=lambda s: s.order)
