"""The README's pictures of the Diffusion tab (scripts/make_screenshots.py)."""
from __future__ import annotations

from pathlib import Path

from playground.screenshots import settle, wait_for


def diffusion_shots(app, win, out: Path) -> None:
    d = win.diffusion
    win.tabs.setCurrentWidget(d)
    d.views.setCurrentWidget(d.forward)
    d.forward.set_t(250)
    settle(app, 1500)    # the moments plot is computed by a job once the view is shown
    wait_for(app, lambda: not d.forward.moments.busy())
    win.grab().save(str(out / "diffusion-forward.png"))

    rev = d.reverse
    d.views.setCurrentWidget(rev)
    rev.select_model("cond")
    rev.controls.set_values({"sampler": "ddim", "steps": 50, "eta": 0.0, "n": 16, "seed": 3,
                             "label": "each", "guidance": 3.0})
    rev.sample()
    wait_for(app, lambda: not rev.runner.busy)
    rev.chain.bar.set_index(30)
    settle(app)
    win.grab().save(str(out / "diffusion-reverse.png"))

    rev.controls.set_values({"label": 3, "guidance": 3.0})
    rev.guidance_grid()
    wait_for(app, lambda: not rev.runner.busy)
    win.grab().save(str(out / "diffusion-guidance.png"))

    toy = d.toy
    d.views.setCurrentWidget(toy)
    toy.start_training()
    wait_for(app, lambda: not toy.runner.busy and not toy.path_runner.busy
             and toy.paths is not None)
    toy.playback.pause()
    toy.playback.set_index(toy.playback.count() - 1)
    settle(app)
    win.grab().save(str(out / "diffusion-2d.png"))
    print(f"wrote {out}/diffusion-forward.png, diffusion-reverse.png, diffusion-guidance.png, "
          "diffusion-2d.png")


SHOTS = {"diffusion": diffusion_shots}
