"""GANs: the 2-D lab and DCGANs on digits."""
from .. import PanelSpec

PANEL = PanelSpec(key="gan", title="GANs", factory=f"{__name__}.panel:GANPanel",
                  families=("gan", "gan2d"), order=30)
