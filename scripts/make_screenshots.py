"""Render the app's panels to PNG on the offscreen platform, for the README.

    QT_QPA_PLATFORM=offscreen python scripts/make_screenshots.py [--out docs]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def settle(app, ms: int = 300) -> None:
    """Let layouts, auto-ranges and debounced redraws finish before grabbing."""
    import time
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=str(ROOT / "docs"))
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import tempfile

    os.environ["PLAYGROUND_SETTINGS"] = str(Path(tempfile.mkdtemp()) / "settings.ini")
    from PySide6.QtWidgets import QApplication

    from playground.app import configure_pyqtgraph

    configure_pyqtgraph()
    app = QApplication.instance() or QApplication([])
    from playground.main_window import MainWindow

    win = MainWindow(device="cpu")
    win.resize(1500, 900)
    win.show()
    panel = win.autoencoder
    app.processEvents()
    settle(app)
    panel.decode_at(0.8, -0.6)
    panel.sample_tool.draw()
    panel.tools.setCurrentWidget(panel.sample_tool)
    app.processEvents()
    win.grab().save(str(out / "autoencoder.png"))

    panel.tools.setCurrentWidget(panel.morph_tool)
    panel.morph_tool.slider.setValue(400)
    panel.plot.set_prior_points(None)
    app.processEvents()
    win.grab().save(str(out / "autoencoder-morph.png"))

    panel.compare_btn.setChecked(True)
    settle(app)
    win.grab().save(str(out / "autoencoder-compare.png"))
    panel.compare_btn.setChecked(False)
    print(f"wrote {out}/autoencoder.png, autoencoder-morph.png, autoencoder-compare.png")
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
