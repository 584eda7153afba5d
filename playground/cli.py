"""Command line: `playground` opens the app; `playground train ...` trains headless.

The train command never imports Qt, so it runs on servers and in CI.
"""
from __future__ import annotations

import argparse

from models.cli_types import Parser, finite, positive, whole

COMMON_DATASET_HELP = "mnist, fashion-mnist, or a folder of IDX files (default: mnist)"


class _Options:
    """Adds the common options a command takes; those its family lists in NOT_TAKEN get
    only their default, so `-h` never offers an option the command would ignore or refuse."""

    def __init__(self, parser: argparse.ArgumentParser, not_taken):
        self.parser, self.not_taken = parser, set(not_taken)

    def add(self, flag: str, group=None, **kwargs) -> None:
        if flag in self.not_taken:
            dest = flag.lstrip("-").replace("-", "_")
            default = False if kwargs.get("action") == "store_true" else kwargs.get("default")
            self.parser.set_defaults(**{dest: default})
        else:
            (group or self.parser).add_argument(flag, **kwargs)


def _common_arguments(parser: argparse.ArgumentParser, family_cli, command: str) -> None:
    """The options every `playground train` command takes, whatever its family. A family's
    DATASET_HELP (text, or text per command) says what --dataset means to it; its NOT_TAKEN
    (command → flags) names common options a command has no use for (gan2d: the data and
    epoch options, resuming)."""
    dataset_help = getattr(family_cli, "DATASET_HELP", {})
    if isinstance(dataset_help, dict):
        dataset_help = dataset_help.get(command, COMMON_DATASET_HELP)
    options = _Options(parser, getattr(family_cli, "NOT_TAKEN", {}).get(command, ()))
    options.add("--dataset", default=None, help=dataset_help)
    options.add("--data-dir", default=None,
                help="where to look for (and download) named datasets "
                     "(default: $PLAYGROUND_DATA, then ~/.cache/generative-playground/data)")
    options.add("--no-download", action="store_true",
                help="never download; fail with a message if the data is not found")
    options.add("--epochs", type=positive, default=10,
                help="passes over the training data (default 10)")
    options.add("--batch-size", type=positive, default=None,
                help="images per step (each command has its own default)")
    options.add("--lr", type=finite, default=None,
                help="learning rate (each command has its own default)")
    options.add("--seed", type=whole, default=0,
                help="seeds the weights, the data order and the noise: the same seed "
                     "and options train the same model (default 0)")
    options.add("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"],
                help="auto: CUDA, then MPS, then the CPU (under torchrun each process "
                     "takes the GPU of its local rank)")
    options.add("--out", required=True, help="folder to write the checkpoint into")
    from .cli_distributed import add_distributed_arguments
    add_distributed_arguments(options)


def build_parser() -> argparse.ArgumentParser:
    """The command line; `train` has one subcommand per command a registered family declares
    (models/<family>/cli.py), each with the common options and the family's own."""
    from models.family import commands

    parser = Parser(
        prog="playground",
        description="Generative Playground. With no command, opens the app.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    gui = sub.add_parser("gui", help="open the app (the default)")
    gui.add_argument("--device", default=None, choices=["auto", "cpu", "cuda", "mps"])

    train = sub.add_parser("train", help="train a model headless and save a checkpoint",
                           usage="%(prog)s MODEL --out FOLDER [options]",
                           description="Train a model headless and save a checkpoint. "
                                       "`playground train MODEL -h` lists MODEL's options.")
    models = train.add_subparsers(dest="model", metavar="MODEL", required=True,
                                  title="models (one per command of each family)")
    for command, family in commands().items():
        family_cli = family.cli_module()
        one = models.add_parser(
            command, help=getattr(family_cli, "HELP", {}).get(command, family.help),
            prog=f"playground train {command}", usage="%(prog)s --out FOLDER [options]")
        one.set_defaults(family_cli=family_cli, command_parser=one)
        _common_arguments(one, family_cli, command)
        family_cli.add_arguments(one.add_argument_group(f"{command} ({family.title})"), command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:     # refused by the command they were given to, whose usage says what it takes
        getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.version:
        from . import __version__
        print(f"generative-playground {__version__}")
        return 0
    if args.command == "train":
        return train_command(args)
    from .app import run_app
    return run_app(device=getattr(args, "device", None))


def train_command(args) -> int:
    from .cli_train import run_job
    return run_job(args, args.family_cli)


if __name__ == "__main__":
    raise SystemExit(main())
