"""pix2pix: paint a label map, train a translator."""
from .. import PanelSpec

PANEL = PanelSpec(key="pix2pix", title="pix2pix", factory=f"{__name__}.panel:Pix2PixPanel",
                  families=("pix2pix",), order=40)
