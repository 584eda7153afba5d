"""The autoencoder family's declaration (see models/family.py)."""
from ..family import Family, Recipe

FAMILY = Family(
    name="autoencoder", title="Autoencoders", order=10,
    checkpoints={"autoencoder": "models.autoencoder.api:AutoencoderModel"},
    cli="models.autoencoder.cli",
    panel="playground.panels.autoencoder.panel:AutoencoderPanel",
    rebuild=f"{__name__}:recipes",
    help="autoencoders and VAEs: train live, explore the latent space")


def recipes() -> list[Recipe]:
    # about a minute each on a 2-core CPU; scripts/train_checkpoints.py also writes the
    # held-out digits the app shows before any download (assets/datasets/mnist-sample)
    return [Recipe(kind, f"mnist-{kind}-2d",
                   (kind, "--dataset", "{data}", "--latent-dim", "2", "--epochs", "60",
                    "--device", "cpu", "--no-download"), 1, f"{kind.upper()}, 2-D latent space")
            for kind in ("vae", "ae")]
