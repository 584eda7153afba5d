"""`playground train ae|vae`: the autoencoder family's commands (argparse only at import)."""
from __future__ import annotations

import argparse

from ..cli_types import finite, positive

COMMANDS = ("ae", "vae")
HELP = {"ae": "an autoencoder", "vae": "a variational autoencoder"}


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("--arch", default="conv", choices=["conv", "mlp"],
                        help="conv: small CNN (default); mlp: the pytorch/examples VAE 784-400-d")
    parser.add_argument("--latent-dim", type=positive, default=2)
    parser.add_argument("--beta", type=finite, default=1.0,
                        help="weight of the KL term" if command == "vae" else "(VAEs only)")


def make_trainer(args, command: str, load):
    """(trainer, title) for the parsed arguments; `load(name)` loads a named dataset."""
    from .nets import AEConfig
    from .training import AutoencoderTrainer, TrainConfig

    dataset = load(args.dataset or "mnist")
    model_config = AEConfig(kind=command, arch=args.arch, latent_dim=args.latent_dim)
    default = TrainConfig()
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size or default.batch_size,
                               lr=default.lr if args.lr is None else args.lr,
                               beta=args.beta, seed=args.seed)
    trainer = AutoencoderTrainer(model_config, train_config, dataset, args.device)
    return trainer, f"{command.upper()} ({args.arch}, latent {args.latent_dim})"
