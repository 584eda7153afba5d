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
    # MNIST's 60,000 training digits in batches of 64 (938 steps an epoch). The unconditional
    # DCGAN gets about twice the steps of the conditional one: on 8,000 digits it scored a
    # Fréchet distance of 171.7 after 5,000 steps and 137.7 after 10,000.
    common = ("--dataset", "{data}", "--no-download", "--device", "cpu")
    return [Recipe("dcgan", "mnist-dcgan", ("dcgan", *common, "--epochs", "11"), 21,
                   "unconditional DCGAN, 11 epochs (10,318 steps)"),
            Recipe("cgan", "mnist-cgan", ("cgan", *common, "--epochs", "6"), 12,
                   "class-conditional DCGAN, 6 epochs (5,628 steps)")]
