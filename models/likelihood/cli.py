"""`playground train nade|pixelcnn|realnvp`: the likelihood family's commands (argparse only
at import; the flow's options and trainer live in flow_cli.py).

One function per command builds its model config; `make_trainer` dispatches on the command,
so another model of this family adds a COMMANDS entry, a HELP line and its own branch."""
from __future__ import annotations

import argparse

from ..cli_types import in_range
from . import flow_cli

COMMANDS = ("nade", "pixelcnn", "realnvp")
HELP = {"nade": "NADE, an autoregressive model of binarized digits (exact likelihood)",
        "pixelcnn": "a PixelCNN of binarized digits (masked convolutions, exact likelihood)",
        "realnvp": flow_cli.HELP}
_BINARIZED = ("mnist (default), fashion-mnist, or a folder of IDX files; grey images are "
              "binarized: each pixel is 1 with probability intensity/255")
DATASET_HELP = {"nade": _BINARIZED, "pixelcnn": _BINARIZED, "realnvp": flow_cli.DATASET_HELP}
DEFAULT_BATCH = 64
DEFAULT_LR = 1e-3


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    if command == "realnvp":
        flow_cli.add_flow_arguments(parser)
    elif command == "nade":
        parser.add_argument("--hidden", type=in_range(int, 1, 4096, description="in 1..4096"),
                            default=500, help="hidden units H (default 500, the paper's)")
    else:
        parser.add_argument("--channels", type=in_range(int, 1, 512, description="in 1..512"),
                            default=64, help="feature maps per layer (default 64)")
        parser.add_argument("--layers", type=in_range(int, 0, 64, description="in 0..64"),
                            default=7, help="residual blocks after the first 7×7 mask-A layer "
                                            "(default 7)")
        parser.add_argument("--gated", action="store_true",
                            help="gated blocks: tanh(W_f∗x) ⊙ σ(W_g∗x) instead of ReLU")


def _model_config(args, command: str):
    if command == "nade":
        from .nade import NADEConfig
        return NADEConfig(hidden=args.hidden), f"NADE (H = {args.hidden})"
    from .pixelcnn import PixelCNNConfig
    gated = " gated" if args.gated else ""
    return (PixelCNNConfig(channels=args.channels, layers=args.layers, gated=args.gated),
            f"PixelCNN{gated} ({args.channels} channels, {args.layers} blocks)")


def make_trainer(args, command: str, load):
    """(trainer, title) for the parsed arguments; `load(name)` loads a named dataset."""
    if command == "realnvp":
        return flow_cli.make_flow_trainer(args, load)
    from .training import LikelihoodTrainConfig, NADETrainer, PixelCNNTrainer

    model_config, title = _model_config(args, command)
    dataset = load(args.dataset or "mnist")
    train_config = LikelihoodTrainConfig(
        epochs=args.epochs, batch_size=args.batch_size or DEFAULT_BATCH,
        lr=DEFAULT_LR if args.lr is None else args.lr, seed=args.seed)
    trainer_class = NADETrainer if command == "nade" else PixelCNNTrainer
    return trainer_class(model_config, train_config, dataset, args.device), title
