"""Autoencoders and VAEs: train live, explore the latent space."""
from .. import PanelSpec

PANEL = PanelSpec(key="autoencoder", title="Autoencoders", factory=f"{__name__}.panel:AutoencoderPanel",
                  families=("autoencoder",), order=10)
