"""The README's pictures of the Likelihood tab (scripts/make_screenshots.py)."""
from __future__ import annotations

from pathlib import Path

from playground.screenshots import settle, wait_for


def likelihood_shots(app, win, out: Path) -> None:
    p = win.likelihood
    win.tabs.setCurrentWidget(p)
    p.source.select_model("pixelcnn")
    written = []

    def shot(view, name: str) -> None:
        p.views.setCurrentWidget(view)
        settle(app, 600)
        win.grab().save(str(out / f"likelihood-{name}.png"))
        written.append(f"likelihood-{name}.png")

    s = p.sample                      # half a digit drawn, the conditionals of the rest
    p.views.setCurrentWidget(s)
    s.seed.setValue(7)
    s.restart()
    for _ in range(400):
        s.step()
    s.sample_grid()
    wait_for(app, lambda: not s.runner.busy, timeout_s=900)
    shot(s, "sample")

    c = p.complete                    # the bottom half of a held-out digit, eight ways
    p.views.setCurrentWidget(c)
    c.index.setValue(3)
    c.set_preset("bottom")
    c.complete()
    wait_for(app, lambda: not c.runner.busy, timeout_s=900)
    shot(c, "complete")

    sc = p.score                      # a held-out digit: exact log p against the VAE's bounds
    p.views.setCurrentWidget(sc)
    sc.set_digit(11)
    settle(app, 300)
    wait_for(app, lambda: not sc.vae.runner.busy, timeout_s=300)
    shot(sc, "score")

    shot(p.counting, "counting")

    f = p.flows                       # the shipped moons flow, halfway through its couplings
    p.views.setCurrentWidget(f)
    f.layers_bar.set_index(4)
    shot(f, "flows")
    p.views.setCurrentWidget(s)
    print("wrote " + ", ".join(f"{out}/{n}" for n in written))


SHOTS = {"likelihood": likelihood_shots}
