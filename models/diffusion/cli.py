"""`playground train ddpm`: the diffusion family's command (argparse only at import)."""
from __future__ import annotations

import argparse
import math

from ..cli_types import finite, positive

COMMANDS = ("ddpm",)
HELP = {"ddpm": "a diffusion model (DDPM) on digits"}


def _channels(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        widths = ()
    if len(widths) != 3 or not all(8 <= w <= 1024 and w % 8 == 0 for w in widths):
        raise argparse.ArgumentTypeError(
            f"must be three multiples of 8 in 8..1024 separated by commas, not {text!r}")
    return widths


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("--conditional", action="store_true",
                        help="class-conditional, trained with label dropout for classifier-free guidance")
    parser.add_argument("--schedule", default="linear", choices=["linear", "cosine", "quadratic"])
    parser.add_argument("--timesteps", type=positive, default=1000, help="T (default 1000)")
    parser.add_argument("--channels", type=_channels, default=(32, 64, 64), metavar="C28,C14,C7",
                        help="U-Net widths at 28, 14 and 7 pixels (default 32,64,64; "
                             "8,16,16 trains in minutes on a CPU, for trying things out)")
    parser.add_argument("--ema-decay", type=finite, default=0.999)
    parser.add_argument("--p-uncond", type=finite, default=0.1,
                        help="label dropout probability (conditional models)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                        help="bf16 autocast is much faster on CPUs with AMX or AVX-512 BF16")


def make_trainer(args, command: str, load):
    """(trainer, title) for the parsed arguments; `load(name)` loads a named dataset."""
    from .training import DiffusionTrainConfig, DiffusionTrainer
    from .unet import DiffusionConfig

    dataset = load(args.dataset or "mnist")
    model_config = DiffusionConfig(schedule=args.schedule, timesteps=args.timesteps,
                                   channels=args.channels,
                                   num_classes=len(dataset.classes) if args.conditional else 0)
    # no live samples on the command line: they would only cost time
    train_config = DiffusionTrainConfig(epochs=args.epochs, batch_size=args.batch_size or 128,
                                        lr=1e-3 if args.lr is None else args.lr,
                                        ema_decay=args.ema_decay, p_uncond=args.p_uncond,
                                        seed=args.seed, precision=args.precision,
                                        samples_every_s=math.inf, snapshot_every_s=math.inf)
    trainer = DiffusionTrainer(model_config, train_config, dataset, args.device)
    title = (f"{'class-conditional ' if args.conditional else ''}DDPM "
             f"({args.schedule} schedule, T = {args.timesteps}, {args.precision})")
    return trainer, title
