"""The README's pictures of the Autoencoders tab (scripts/make_screenshots.py)."""
from __future__ import annotations

from pathlib import Path

from playground.screenshots import settle, wait_for


def autoencoder_shots(app, win, out: Path) -> None:
    panel = win.autoencoder
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

    # the lectures' own demonstration: Fashion-MNIST without labels, VAE and AE side by side
    from .source import VAE_NAME
    panel.model_box.setCurrentText("VAE · pretrained (Fashion-MNIST, 2-D)")
    panel.decode_at(0.3, -1.2)
    panel.sample_tool.draw()                          # the VAE's prior draws are garments
    panel.tools.setCurrentWidget(panel.sample_tool)
    panel.compare_btn.setChecked(True)
    settle(app)
    win.grab().save(str(out / "autoencoder-fashion.png"))
    panel.compare_btn.setChecked(False)
    panel.model_box.setCurrentText(VAE_NAME)
    settle(app)
    print(f"wrote {out}/autoencoder.png, autoencoder-morph.png, autoencoder-compare.png, "
          "autoencoder-fashion.png")


SHOTS = {"autoencoder": autoencoder_shots}
