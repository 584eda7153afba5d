"""The pix2pix family's declaration (see models/family.py)."""
from ..family import Family, Recipe

FAMILY = Family(
    name="pix2pix", title="pix2pix", order=40,
    checkpoints={"pix2pix": "models.pix2pix.api:Pix2PixModel"},
    cli="models.pix2pix.cli",
    panel="playground.panels.pix2pix.panel:Pix2PixPanel",
    rebuild=f"{__name__}:recipes",
    help="paint a label map, train a translator")


def recipes() -> list[Recipe]:
    # the procedural landscapes need no dataset; 4,000 pairs × 10 epochs = 5,000 steps of 8
    return [Recipe("pix2pix", "landscapes-pix2pix",
                   ("pix2pix", "--dataset", "landscapes", "--size", "64", "--width", "32",
                    "--loss", "l1+cgan", "--patch", "70", "--pairs", "4000", "--epochs", "10",
                    "--device", "cpu"), 20, "64 px label maps → photos, 5,000 steps")]
