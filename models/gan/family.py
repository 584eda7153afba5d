"""The GAN family's declaration (see models/family.py): DCGANs on digits and the 2-D lab."""
from ..family import Family, Recipe

FAMILY = Family(
    name="gan", title="GANs", order=30,
    checkpoints={"gan": "models.gan.api:GANModel", "gan2d": "models.gan.toy2d_api:GAN2DModel"},
    cli="models.gan.cli",
    panel="playground.panels.gan.panel:GANPanel",
    rebuild=f"{__name__}:recipes",
    help="the 2-D lab and DCGANs on digits")


def recipes() -> list[Recipe]:
    # The unconditional DCGAN gets twice the epochs: at 40 its Fréchet distance was 171.7,
    # at 80 137.7.
    common = ("--dataset", "{data}", "--no-download", "--device", "cpu")
    return [Recipe("dcgan", "mnist-dcgan", ("dcgan", *common, "--epochs", "80"), 20,
                   "unconditional DCGAN, 80 epochs"),
            Recipe("cgan", "mnist-cgan", ("cgan", *common, "--epochs", "40"), 11,
                   "class-conditional DCGAN, 40 epochs")]
