"""Diffusion: the forward process, the learned reverse process, 2-D particles."""
from .. import PanelSpec

PANEL = PanelSpec(key="diffusion", title="Diffusion", factory=f"{__name__}.panel:DiffusionPanel",
                  families=("diffusion",), order=20)
