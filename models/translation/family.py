"""The translation family's declaration (see models/family.py): unpaired translation
(CycleGAN, UNIT) and super-resolution (SRResNet, SRGAN)."""
from ..family import Family, Recipe

FAMILY = Family(
    name="translation", title="Translation", order=45,
    checkpoints={"cyclegan": "models.translation.api:CycleGANModel",
                 "unit": "models.translation.api:UNITModel",
                 "superres": "models.translation.api:SRModel"},
    cli="models.translation.cli",
    panel="playground.panels.translation.panel:TranslationPanel",
    receives=("photo/translate", "photo/upscale"),
    rebuild=f"{__name__}:recipes",
    help="unpaired translation (CycleGAN, UNIT) and 4× super-resolution (SRGAN)")


def recipes() -> list[Recipe]:
    cpu = ("--device", "cpu")
    landscapes = ("cyclegan", "--dataset", "landscapes", "--width", "24", "--steps", "1500",
                  "--train-images", "1000", *cpu)
    sr = ("srgan", "--channels", "32", "--blocks", "8", "--hr-size", "128",
          "--train-images", "800", *cpu)
    return [
        Recipe("cyclegan", "landscapes-cyclegan", landscapes, 60,
               "summer ↔ winter landscapes, 64 px, cycle λ = 10, 1,500 steps of 4"),
        Recipe("cyclegan-nocycle", "landscapes-cyclegan-nocycle",
               (*landscapes, "--cycle", "0"), 45,
               "the same without the cycle loss: what it prevents"),
        Recipe("cyclegan-digits", "digits-cyclegan",
               ("cyclegan", "--dataset", "digits", "--digits", "{data}", "--no-download",
                "--width", "16", "--blocks", "4", "--steps", "2000", *cpu), 15,
               "MNIST ↔ textured digits, 28 px, 2,000 steps of 16"),
        Recipe("unit", "digits-unit",
               ("unit", "--digits", "{data}", "--no-download", "--steps", "3000", *cpu), 15,
               "MNIST ↔ textured digits, one shared latent space, 3,000 steps of 32"),
        Recipe("srresnet", "landscapes-srresnet", (*sr, "--loss", "mse", "--steps", "1500"), 30,
               "4× landscapes, 32 → 128 px, pixel MSE, 1,500 steps of 8"),
        Recipe("srgan", "landscapes-srgan",
               (*sr, "--loss", "perceptual", "--init", "{checkpoints}/landscapes-srresnet",
                "--steps", "600"), 30,
               "SRGAN from the SRResNet: content on the segmenter's features + 10⁻³ × "
               "adversarial, 600 steps of 8"),
    ]
