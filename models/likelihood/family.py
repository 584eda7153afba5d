"""The likelihood family's declaration (see models/family.py): models with exact likelihood."""
from ..family import Family, Recipe

FAMILY = Family(
    name="likelihood", title="Likelihood", order=50,
    checkpoints={"nade": "models.likelihood.api:NADEModel",
                 "pixelcnn": "models.likelihood.api:PixelCNNModel"},
    cli="models.likelihood.cli",
    panel=None,
    rebuild=f"{__name__}:recipes",
    help="exact likelihood: NADE and PixelCNN on binarized digits")


def recipes() -> list[Recipe]:
    # MNIST's 60,000 training digits, binarized afresh each epoch; scored on the 10,000 test
    # digits binarized once. Minutes are for a 2-core CPU, measured on 1 thread at about
    # one third of the machine (see the epoch costs in benchmarks/likelihood_nll.py's notes).
    common = ("--dataset", "{datasets}/mnist-full", "--no-download", "--device", "cpu")
    return [
        # NADE H=500 (785,284 weights) at batch 64: ~938 steps an epoch, ~40 s an epoch on
        # 2 cores; 20 epochs come near the paper's 88.9 nats (which took far longer)
        Recipe("nade", "mnist-nade", ("nade", *common, "--epochs", "20"), 15,
               "NADE, H = 500, 20 epochs (18,760 steps)"),
        # PixelCNN 32 channels, 5 residual blocks (~40k weights): ~5 min an epoch on 2 cores
        Recipe("pixelcnn", "mnist-pixelcnn",
               ("pixelcnn", *common, "--channels", "32", "--layers", "5", "--epochs", "6"), 30,
               "PixelCNN, 32 channels, 5 residual blocks, 6 epochs (5,628 steps)"),
    ]
