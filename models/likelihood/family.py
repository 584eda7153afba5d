"""The likelihood family's declaration (see models/family.py): models with exact likelihood."""
from ..family import Family, Recipe

FAMILY = Family(
    name="likelihood", title="Likelihood", order=50,
    checkpoints={"nade": "models.likelihood.api:NADEModel",
                 "pixelcnn": "models.likelihood.api:PixelCNNModel",
                 "realnvp": "models.likelihood.flow_api:RealNVPModel"},
    cli="models.likelihood.cli",
    panel="playground.panels.likelihood.panel:LikelihoodPanel",
    rebuild=f"{__name__}:recipes",
    help="exact likelihood: NADE and PixelCNN on binarized digits, RealNVP flows")


def recipes() -> list[Recipe]:
    from .flow_cli import flow_recipes
    return autoregressive_recipes() + flow_recipes()


def autoregressive_recipes() -> list[Recipe]:
    # MNIST's 60,000 training digits, binarized afresh for every batch, batch 64 (938 steps an
    # epoch); scored on the 10,000 test digits binarized once. One training step (batch 64, one
    # thread, the other core busy) took 0.82 s for NADE H = 500 and 1.36 s for PixelCNN
    # 64 channels × 7 blocks, so the epochs are chosen for about an hour each on one core; the
    # two run side by side on a 2-core machine. Neither reaches the published figures in so few
    # epochs (NADE 88.9, PixelCNN 81.3 nats took days of GPU); benchmarks/likelihood_nll.py
    # says where they land.
    common = ("--dataset", "{datasets}/mnist-full", "--no-download", "--device", "cpu")
    return [
        Recipe("nade", "mnist-nade", ("nade", *common, "--hidden", "500", "--epochs", "5"), 65,
               "NADE, H = 500 (785,284 weights), 5 epochs (4,690 steps)"),
        Recipe("pixelcnn", "mnist-pixelcnn",
               ("pixelcnn", *common, "--channels", "64", "--layers", "7", "--epochs", "3"), 65,
               "PixelCNN, 64 channels, 7 residual blocks (295,041 weights), 3 epochs (2,814 steps)"),
    ]
