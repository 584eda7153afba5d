"""Render the app's panels to PNG on the offscreen platform, for the README.

    QT_QPA_PLATFORM=offscreen python scripts/make_screenshots.py [--out docs] [--only NAME ...]

Each family's panel package may hold a screenshots.py whose SHOTS maps names to functions
(app, window, out folder) that draw its views; the name equal to the family's is its full
set, the default. This script gathers them from every registered family with a panel.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def all_shots() -> tuple[dict, list[str]]:
    """name → function over every panel's screenshots.py, and the default names (in tab order)."""
    from playground.panels import registry

    shots, default = {}, []
    for spec in registry():
        package = spec.factory.split(":")[0].rsplit(".", 1)[0]
        try:
            module = importlib.import_module(f"{package}.screenshots")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.screenshots":
                raise
            continue
        shots.update(module.SHOTS)
        default += [name for name in module.SHOTS if name == spec.key]
    return shots, default


def main() -> int:
    shots, default = all_shots()
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=str(ROOT / "docs"))
    p.add_argument("--only", nargs="+", default=default, choices=list(shots),
                   help="which panels to draw (gan-lab, pix2pix-paint: without the training runs)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import tempfile

    os.environ["PLAYGROUND_SETTINGS"] = str(Path(tempfile.mkdtemp()) / "settings.ini")
    from PySide6.QtWidgets import QApplication

    from playground.app import configure_pyqtgraph
    from playground.screenshots import settle

    configure_pyqtgraph()
    app = QApplication.instance() or QApplication([])
    from playground.help.hint import SHOWN
    from playground.main_window import MainWindow

    SHOWN.set("yes")            # the pictures show the views, not the first-run hint
    win = MainWindow(device="cpu")
    win.resize(1500, 900)
    win.show()
    app.processEvents()
    settle(app)
    for name in args.only:
        shots[name](app, win, out)
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
