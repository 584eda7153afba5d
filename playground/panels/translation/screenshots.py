"""The README's pictures of the Translation tab (scripts/make_screenshots.py)."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from playground.screenshots import settle, wait_for


def translation_shots(app, win, out: Path, train: bool = True) -> None:
    p = win.translation
    win.tabs.setCurrentWidget(p)
    names = []

    t = p.translate
    p.views.setCurrentWidget(t)
    t.select_model("landscapes")
    t.set_direction("AtoB")
    t.random_example()
    wait_for(app, t.settled)
    settle(app)
    win.grab().save(str(out / "translation-cyclegan.png"))
    names.append("translation-cyclegan.png")

    lat = p.latent
    p.views.setCurrentWidget(lat)
    lat.select_model("digits-unit")
    wait_for(app, lat.settled, timeout_s=900)
    settle(app)
    win.grab().save(str(out / "translation-latent.png"))
    names.append("translation-latent.png")

    sr = p.superres
    p.views.setCurrentWidget(sr)
    sr.use_shipped()
    sr.show_held_out(3)
    wait_for(app, lambda: not sr.busy)
    settle(app)
    win.grab().save(str(out / "translation-superres.png"))
    names.append("translation-superres.png")

    if train:
        tr = p.train
        p.views.setCurrentWidget(tr)
        tr.form.set_values({"model": "unit", "domains": "digits", "unit_steps": 400,
                            "unit_width": 16, "unit_latent": 16, "unit_batch": 16,
                            "train_images": 2000, "seed": 0})
        tr.start()
        wait_for(app, lambda: not tr.busy(), timeout_s=1800)
        settle(app)
        win.grab().save(str(out / "translation-train.png"))
        names.append("translation-train.png")
    p.views.setCurrentWidget(t)
    print(f"wrote {', '.join(f'{out}/{n}' for n in names)}")


SHOTS = {"translation": translation_shots,
         "translation-views": partial(translation_shots, train=False)}
