"""The README's pictures of the pix2pix tab (scripts/make_screenshots.py)."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from playground.screenshots import settle, wait_for


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


# pix2pix-paint: the paint view alone, without the training run
SHOTS = {"pix2pix": pix2pix_shots, "pix2pix-paint": partial(pix2pix_shots, train=False)}
