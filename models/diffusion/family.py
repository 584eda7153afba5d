"""The diffusion family's declaration (see models/family.py)."""
from ..family import Family, Recipe

FAMILY = Family(
    name="diffusion", title="Diffusion", order=20,
    checkpoints={"diffusion": "models.diffusion.api:DiffusionModel"},
    cli="models.diffusion.cli",
    panel="playground.panels.diffusion.panel:DiffusionPanel",
    rebuild=f"{__name__}:recipes",
    help="DDPM: the forward process, the learned reverse process, 2-D particles")


def recipes() -> list[Recipe]:
    # MNIST's 60,000 training digits, 5 epochs (2,345 steps of 128; the models trained on
    # 8,000 digits had 2,520) with bf16 autocast: about 40 minutes each on a 2-core CPU
    common = ("--dataset", "{data}", "--no-download", "--device", "cpu", "--precision", "bf16",
              "--epochs", "5")
    return [Recipe("ddpm", "mnist-ddpm", ("ddpm", *common, "--schedule", "linear"), 40,
                   "unconditional, linear schedule"),
            Recipe("ddpm-cond", "mnist-ddpm-cond",
                   ("ddpm", *common, "--conditional", "--schedule", "cosine"), 40,
                   "class-conditional, cosine schedule")]
