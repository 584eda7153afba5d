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
    beyond_gaussian_shots(app, win, out)
    panel.model_box.setCurrentText(VAE_NAME)
    settle(app)
    print(f"wrote {out}/autoencoder.png, autoencoder-morph.png, autoencoder-compare.png, "
          "autoencoder-fashion.png, autoencoder-aae.png, autoencoder-collapse.png")


def beyond_gaussian_shots(app, win, out: Path) -> None:
    """Issue 15: the shipped AAE's codes on its prior (Codes, aggregate), and the
    PixelCNN-decoder VAE without a remedy in the Collapse tab."""
    from .source import FASHION_AAE_NAME, PIXEL_VAE_NAME
    panel = win.autoencoder
    panel.model_box.setCurrentText(FASHION_AAE_NAME)
    panel.decode_at(0.0, 4.0)
    panel.tools.setCurrentWidget(panel.codes_tool)
    panel.codes_tool.aggregate.setChecked(True)
    settle(app, 600)
    win.grab().save(str(out / "autoencoder-aae.png"))

    panel.model_box.setCurrentText(PIXEL_VAE_NAME)
    panel.tools.setCurrentWidget(panel.collapse_tool)
    # the click's pixel-by-pixel drawing: it starts once the mouse rests, then takes seconds
    wait_for(app, lambda: panel.image._caption.startswith("one sample at"))
    win.grab().save(str(out / "autoencoder-collapse.png"))


SHOTS = {"autoencoder": autoencoder_shots}
