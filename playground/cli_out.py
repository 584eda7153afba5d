"""The --out check every `playground train` command makes before training, not after: a
run whose checkpoint cannot be written would train for nothing and lose the weights."""
from __future__ import annotations

import os
from pathlib import Path


def check_out(out: str) -> None:
    """ValueError if `out` cannot become a checkpoint folder (a file, a read-only place)."""
    path = Path(out).expanduser()
    try:
        if path.exists() and not path.is_dir():
            raise ValueError(f"--out {out} is a file; give a folder for the checkpoint")
        parent = path
        while not parent.exists():
            parent = parent.parent
    except OSError as exc:      # e.g. a name over 255 bytes
        raise ValueError(f"--out {out} cannot be used: {exc.strerror or exc}") from exc
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"--out {out} cannot be created: {parent} is not a writable folder")
    if len(path.name.encode()) > 255:
        raise ValueError(f"--out {out}: a folder name may have at most 255 bytes")
