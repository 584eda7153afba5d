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
    # 40 epochs with bf16 autocast: about three quarters of an hour each on a 2-core CPU
    common = ("--dataset", "{data}", "--no-download", "--device", "cpu", "--precision", "bf16",
              "--epochs", "40")
    return [Recipe("ddpm", "mnist-ddpm", ("ddpm", *common, "--schedule", "linear"), 45,
                   "unconditional, linear schedule"),
            Recipe("ddpm-cond", "mnist-ddpm-cond",
                   ("ddpm", *common, "--conditional", "--schedule", "cosine"), 45,
                   "class-conditional, cosine schedule")]
