"""Helpers for the panels' screenshot scripts (playground/panels/<family>/screenshots.py,
run by scripts/make_screenshots.py on the offscreen platform)."""
from __future__ import annotations


def settle(app, ms: int = 300) -> None:
    """Let layouts, auto-ranges and debounced redraws finish before grabbing."""
    import time
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.01)


def wait_for(app, done, timeout_s: float = 600) -> None:
    import time
    end = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the screenshot's job did not finish")
        app.processEvents()
        time.sleep(0.02)
    settle(app)
