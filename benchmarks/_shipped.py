"""Helpers for the benchmarks that measure shipped checkpoints (the translation family's three):
find one by name in a checkpoints folder and say plainly when it is not there, and print a
markdown table with "–" for a figure that could not be measured.

Nothing here imports torch at module level.
"""
from __future__ import annotations

import math
from pathlib import Path

import _common

DEFAULT_CHECKPOINTS = _common.ROOT / "checkpoints"


def add_checkpoints_option(p) -> None:
    p.add_argument("--checkpoints", default=str(DEFAULT_CHECKPOINTS), metavar="DIR",
                   help=f"folder holding the shipped checkpoints by name (default {DEFAULT_CHECKPOINTS})")


def load_shipped(root, name: str, family: str | None = None):
    """The model in root/name, or None after printing why not (missing, unreadable, or of
    another family): a fresh clone before the checkpoints land must still run the script."""
    from models import CheckpointError, load_checkpoint
    folder = Path(root) / name
    if not folder.exists():
        print(f"MISSING checkpoint {folder}: not there (not trained or not shipped yet?); "
              f"its row stays empty", flush=True)
        return None
    try:
        model = load_checkpoint(folder)
    except (CheckpointError, OSError, ValueError) as exc:
        print(f"UNREADABLE checkpoint {folder}: {exc}; its row stays empty", flush=True)
        return None
    if family is not None and getattr(model, "family", None) != family:
        print(f"WRONG checkpoint {folder}: a {getattr(model, 'family', '?')} model, not "
              f"{family}; its row stays empty", flush=True)
        return None
    steps = model.meta.get("steps")
    print(f"checkpoint {folder}: {model.family}" + (f", {steps:,} steps" if isinstance(steps, int) else ""),
          flush=True)
    return model


def fmt(value, spec: str = ".3f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return format(value, spec)


def markdown(title: str, header: list[str], rows: list[list[str]]) -> str:
    """A titled table; the first column left-aligned, the others right-aligned."""
    lines = [f"**{title}**", "", "| " + " | ".join(header) + " |",
             "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def chunked(fn, x, chunk: int):
    """fn over x in chunks, concatenated (keeps memory flat for big N)."""
    import numpy as np
    return np.concatenate([fn(x[i:i + chunk]) for i in range(0, len(x), chunk)])
