"""`playground train pix2pix`: image-to-image translation (argparse only at import)."""
from __future__ import annotations

import argparse
import sys

from ..cli_types import real, whole

COMMANDS = ("pix2pix",)
HELP = {"pix2pix": "pix2pix: label maps → landscapes, or a folder of A|B pairs"}
DATASET_HELP = "landscapes (the default) or a folder with train/ of A|B images"


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    from .networks import PATCHES
    from .objective import OBJECTIVES

    parser.add_argument("--loss", default="l1+cgan", choices=OBJECTIVES,
                        help="objective: l1, cgan or l1+cgan (default l1+cgan)")
    parser.add_argument("--direction", default="AtoB", choices=["AtoB", "BtoA"])
    parser.add_argument("--size", type=whole, default=64, choices=[64, 128, 256],
                        help="image side (default 64: results in minutes on a CPU)")
    parser.add_argument("--patch", type=whole, default=70, choices=sorted(PATCHES),
                        help="PatchGAN receptive field in pixels (default 70)")
    parser.add_argument("--lambda-l1", type=real, default=100.0, help="weight λ of the L1 term")
    parser.add_argument("--width", type=whole, default=32, help="U-Net width of the first level")
    parser.add_argument("--pairs", type=whole, default=2000, help="procedural landscapes to train on")


def make_trainer(args, command: str, load):
    """(trainer, title); pix2pix reads its own pairs, so `load` is not used."""
    from .paired import PairedFolder
    from .training import Pix2PixConfig, Pix2PixTrainConfig, Pix2PixTrainer

    args.dataset = args.dataset or "landscapes"
    depth = {64: 6, 128: 7, 256: 8}[args.size]
    if args.dataset == "landscapes":
        if args.direction != "AtoB":
            raise ValueError("--direction applies to folders of A|B pairs; the landscapes "
                             "always go from label map to photo")
        model_config = Pix2PixConfig("classes", size=args.size, depth=depth, width=args.width)
        pairs = args.pairs
    else:
        model_config = Pix2PixConfig("rgb", size=args.size, depth=depth, width=args.width)
        pairs = PairedFolder(args.dataset, "train", args.direction, args.size)
        print(f"{len(pairs):,} files in {args.dataset}/train", file=sys.stderr)
    train_config = Pix2PixTrainConfig(
        objective=args.loss, lam=args.lambda_l1, patch=args.patch, epochs=args.epochs,
        batch_size=args.batch_size or 8, lr=2e-4 if args.lr is None else args.lr, seed=args.seed,
        preview_every_s=float("inf"), snapshot_every_s=float("inf"))
    trainer = Pix2PixTrainer(model_config, train_config, pairs, args.device)
    return trainer, (f"pix2pix ({args.loss}, {args.patch}×{args.patch} PatchGAN, {args.size} px) "
                     f"on {args.dataset}")
