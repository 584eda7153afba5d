"""The likelihood family's declaration (see models/family.py): models with exact likelihood."""
from ..family import Family, Recipe

FAMILY = Family(
    name="likelihood", title="Likelihood", order=50,
    checkpoints={"nade": "models.likelihood.api:NADEModel",
                 "pixelcnn": "models.likelihood.api:PixelCNNModel",
                 "realnvp": "models.likelihood.flow_api:RealNVPModel"},
    cli="models.likelihood.cli",
    panel=None,
    rebuild=f"{__name__}:recipes",
    help="exact likelihood: NADE and PixelCNN on binarized digits, RealNVP flows")


def recipes() -> list[Recipe]:
    from .flow_cli import flow_recipes
    return autoregressive_recipes() + flow_recipes()


def autoregressive_recipes() -> list[Recipe]:
    # MNIST's 60,000 training digits, binarized afresh for every batch, batch 64 (938 steps an
    # epoch); scored on the 10,000 test digits binarized once. Minutes are estimates for an
    # idle 2-core CPU from the CPU time a training step took on a loaded one (batch 64, one
    # thread): NADE H = 500 about 0.6 s, PixelCNN 64 channels × 7 blocks about 0.55 s (32 × 5:
    # 0.18 s, and 94.3 nats on 1,000 test digits after one epoch). Two threads are about 1.6×
    # faster than one. Neither reaches the published figures in so few epochs (NADE 88.9,
    # PixelCNN 81.3 took far longer); benchmarks/likelihood_nll.py says where they land.
    common = ("--dataset", "{datasets}/mnist-full", "--no-download", "--device", "cpu")
    return [
        Recipe("nade", "mnist-nade", ("nade", *common, "--hidden", "500", "--epochs", "10"), 60,
               "NADE, H = 500 (785,284 weights), 10 epochs (9,380 steps)"),
        Recipe("pixelcnn", "mnist-pixelcnn",
               ("pixelcnn", *common, "--channels", "64", "--layers", "7", "--epochs", "8"), 60,
               "PixelCNN, 64 channels, 7 residual blocks (295,041 weights), 8 epochs (7,504 steps)"),
    ]
