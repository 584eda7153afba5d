"""`playground train realnvp`: the flow's options and trainer, for models/likelihood/cli.py.

    playground train realnvp --data moons --steps 5000 --out runs/moons   # the 2-D flow
    playground train realnvp --image --epochs 5 --out runs/flow-mnist      # dequantized MNIST

The likelihood family's CLI module calls add_flow_arguments(parser) for its `realnvp`
command and make_flow_trainer(args, load) to build the job; flow_recipes() lists the shipped
2-D flow. argparse only at import; the trainers are imported when a command runs.
"""
from __future__ import annotations

import argparse
import os

from ..cli_types import in_range, positive
from ..family import Recipe

HELP = "RealNVP: a 2-D flow on toy points, or (--image) a flow on dequantized digits"
DATASET_HELP = ("with --image: mnist, fashion-mnist, or a folder of IDX files (default mnist); "
                "giving it implies --image")
DEFAULT_STEPS = 5000
DEFAULT_POINTS = 20_000
# per kind: (layers, hidden, depth, batch size, learning rate)
DEFAULTS = {"2d": (8, 64, 2, 256, 1e-3), "image": (8, 32, 2, 64, 1e-3)}


def add_flow_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default=None,
                        help="the 2-D flow's points: moons, rings, or FILE.npy / FILE.csv "
                             "holding N×2 x, y rows (default moons)")
    parser.add_argument("--image", action="store_true",
                        help="train the image flow on dequantized digits (--dataset, --epochs) "
                             "instead of the 2-D one")
    parser.add_argument("--layers", type=in_range(int, 1, 64, description="in 1..64"),
                        default=None, help="coupling layers (default 8)")
    parser.add_argument("--hidden", type=in_range(int, 2, 1024, description="in 2..1024"),
                        default=None,
                        help="width of each coupling's network: MLP units for 2-D (default 64), "
                             "convolution channels with --image (default 32)")
    parser.add_argument("--steps", type=positive, default=None,
                        help=f"2-D flow: training steps (default {DEFAULT_STEPS}); the image "
                             "flow counts --epochs instead")


def make_flow_trainer(args, load):
    """(trainer, title) for the parsed arguments; ValueError for options that do not fit
    together. `load(name)` loads a named image dataset with the common options."""
    from .realnvp import RealNVPConfig

    image = bool(args.image or args.dataset)
    kind = "image" if image else "2d"
    layers, hidden, depth, batch, lr = DEFAULTS[kind]
    config = RealNVPConfig(kind=kind, layers=_or(args.layers, layers),
                           hidden=_or(args.hidden, hidden), depth=depth)
    if image:
        if args.data is not None:
            raise ValueError("--data names the 2-D flow's points; the image flow (--image) "
                             "trains on --dataset")
        if args.steps is not None:
            raise ValueError("--steps is for the 2-D flow; the image flow trains for --epochs")
        from .flow_training import FlowImageTrainConfig, FlowImageTrainer
        train = FlowImageTrainConfig(epochs=args.epochs, batch_size=_or(args.batch_size, batch),
                                     lr=_or(args.lr, lr), seed=args.seed)
        trainer = FlowImageTrainer(config, train, load(args.dataset or "mnist"), args.device)
        return trainer, f"RealNVP ({config.layers} checkerboard couplings) on dequantized images"

    from .flow_data import DATASETS, load_points, make_points
    from .flow_training import Flow2DTrainConfig, Flow2DTrainer
    data = args.data or "moons"
    if data not in DATASETS and not os.path.exists(data):
        raise ValueError(f"--data {data}: neither a named set ({', '.join(DATASETS)}) nor a file "
                         "that exists")
    points = (make_points(data, DEFAULT_POINTS, seed=args.seed) if data in DATASETS
              else load_points(data))
    train = Flow2DTrainConfig(steps=_or(args.steps, DEFAULT_STEPS),
                              batch_size=_or(args.batch_size, batch), lr=_or(args.lr, lr),
                              seed=args.seed, progress_every_s=0.2, snapshot_every_s=1e9)
    name = data if data in DATASETS else _file_name(data)
    trainer = Flow2DTrainer(points, config, train, args.device, data_name=name)
    return trainer, f"a 2-D RealNVP ({config.layers} couplings) on {data}: {len(points):,} points"


def flow_recipes() -> list[Recipe]:
    """The shipped 2-D RealNVP on two moons (checkpoints/moons-realnvp)."""
    return [Recipe("realnvp-moons", "moons-realnvp",
                   ("realnvp", "--data", "moons", "--steps", "10000", "--device", "cpu"), 2,
                   "2-D RealNVP, 8 couplings, on two moons (10,000 steps)")]


def _or(value, default):
    return default if value is None else value


def _file_name(path: str) -> str:
    # the checkpoint records the file's name, never this machine's folders
    return os.path.basename(path)
