"""The README's pictures of the GANs tab (scripts/make_screenshots.py)."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from playground.screenshots import settle, wait_for


def gan_shots(app, win, out: Path, digits: bool = True) -> None:
    g = win.gan
    win.tabs.setCurrentWidget(g)
    lab = g.lab
    g.views.setCurrentWidget(lab)
    lab.controls.set_values({"dataset": "8gaussians"})
    for box in lab.controls.layer_boxes.values():
        box.setChecked(True)
    settle(app)
    lab.play()
    wait_for(app, lambda: lab.steps_done >= 2500)
    lab.pause()
    wait_for(app, lambda: not lab.runner.busy)
    win.grab().save(str(out / "gan-lab.png"))
    if not digits:
        print(f"wrote {out}/gan-lab.png")
        return

    d = g.digits
    g.views.setCurrentWidget(d)
    shared = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "mnist"
    dataset = str(shared) if shared.is_dir() else "mnist"
    d.train_controls.set_values({"dataset": dataset, "kind": "dcgan", "epochs": 4})
    d.start_training()
    wait_for(app, lambda: not d.training_busy, timeout_s=1800)
    win.grab().save(str(out / "gan-digits-train.png"))
    # broken on purpose: D ten times faster than G, wider, and the saturating minimax loss
    d.train_controls.set_values({"dataset": dataset, "epochs": 2, "loss": "minimax",
                                 "separate_lr": True, "lr_d": 2e-3, "lr_g": 2e-4, "d_width": 128})
    d.start_training()
    wait_for(app, lambda: not d.training_busy, timeout_s=1800)
    win.grab().save(str(out / "gan-digits-broken.png"))
    d.train_controls.set_values({"epochs": 4, "loss": "non-saturating", "separate_lr": False,
                                 "d_width": 64})

    d.select_model("dcgan")
    d.tabs.setCurrentWidget(d.samples)
    d.samples.pick("A", 3)
    d.samples.pick("B", 25)
    d.samples.interp.t_bar.set_index(45)
    settle(app)
    win.grab().save(str(out / "gan-digits-latent.png"))

    d.select_model("cgan")
    d.tabs.setCurrentWidget(d.conditional)
    settle(app)
    win.grab().save(str(out / "gan-digits-conditional.png"))
    print(f"wrote {out}/gan-lab.png, gan-digits-train.png, gan-digits-broken.png, gan-digits-latent.png, "
          "gan-digits-conditional.png")


# gan-lab: the lab alone, without the digit trainings (minutes)
SHOTS = {"gan": gan_shots, "gan-lab": partial(gan_shots, digits=False)}
