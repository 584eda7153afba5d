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


def wait_for(app, done, timeout_s: float = 600) -> None:
    import time
    end = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the screenshot's job did not finish")
        app.processEvents()
        time.sleep(0.02)
    settle(app)


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
    shared = ROOT.parent / "shared" / "datasets" / "mnist"
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


def pix2pix_shots(app, win, out: Path, train: bool = True) -> None:
    import numpy as np

    from models.pix2pix.landscapes import MOUNTAIN, SNOW, TREE, WATER, render_label_map
    from playground.panels.pix2pix.painting import fill_rect, paint_segment
    p = win.pix2pix
    win.tabs.setCurrentWidget(p)
    v = p.paint
    p.views.setCurrentWidget(v)
    v.select_model("landscapes")
    # a layout from the dataset, then "painted" on: a lake, a new peak with snow, a few trees
    lab = render_label_map(21, 64)
    fill_rect(lab, 0, 40, 63, 47, WATER)
    for x in range(20, 44):
        paint_segment(lab, x, 40, x, 40 - min(x - 20, 44 - x), 0.5, MOUNTAIN)
    paint_segment(lab, 30, 30, 34, 30, 1.5, SNOW)
    for x in (6, 14, 52):
        paint_segment(lab, x, 50, x, 58, 2.5, TREE)
    v.canvas.set_map(np.ascontiguousarray(lab))
    wait_for(app, lambda: not v.translator.busy and not v._asked)
    win.grab().save(str(out / "pix2pix-paint.png"))
    if not train:
        print(f"wrote {out}/pix2pix-paint.png")
        return

    t = p.train
    p.views.setCurrentWidget(t)
    t.form.set_values({"dataset": "landscapes", "size": 64, "width": 32, "pairs": 800,
                       "epochs": 2, "objective": "l1+cgan", "patch": 70, "seed": 0})
    t.start()
    wait_for(app, lambda: not t.busy(), timeout_s=1800)
    win.grab().save(str(out / "pix2pix-train.png"))
    p.views.setCurrentWidget(v)
    print(f"wrote {out}/pix2pix-paint.png, pix2pix-train.png")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=str(ROOT / "docs"))
    p.add_argument("--only", nargs="+", default=["autoencoder", "diffusion", "gan", "pix2pix"],
                   choices=["autoencoder", "diffusion", "gan", "gan-lab", "pix2pix", "pix2pix-paint"],
                   help="which panels to draw (gan-lab, pix2pix-paint: without the training runs)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import tempfile

    os.environ["PLAYGROUND_SETTINGS"] = str(Path(tempfile.mkdtemp()) / "settings.ini")
    from PySide6.QtWidgets import QApplication

    from playground.app import configure_pyqtgraph

    configure_pyqtgraph()
    app = QApplication.instance() or QApplication([])
    from playground.help.hint import SHOWN
    from playground.main_window import MainWindow

    SHOWN.set("yes")            # the pictures show the views, not the first-run hint
    win = MainWindow(device="cpu")
    win.resize(1500, 900)
    win.show()
    panel = win.autoencoder
    app.processEvents()
    settle(app)
    if "autoencoder" in args.only:
        autoencoder_shots(app, win, panel, out)
    if "diffusion" in args.only:
        diffusion_shots(app, win, out)
    if "gan" in args.only or "gan-lab" in args.only:
        gan_shots(app, win, out, digits="gan" in args.only)
    if "pix2pix" in args.only or "pix2pix-paint" in args.only:
        pix2pix_shots(app, win, out, train="pix2pix" in args.only)
    win.close()
    return 0


def autoencoder_shots(app, win, panel, out: Path) -> None:
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


if __name__ == "__main__":
    raise SystemExit(main())
