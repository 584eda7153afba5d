"""`playground train ae|vae|aae|wae|hvae`: the autoencoder family's commands (argparse only
at import)."""
from __future__ import annotations

import argparse

from ..cli_types import finite, positive, whole

COMMANDS = ("ae", "vae", "aae", "wae", "hvae")
HELP = {"ae": "an autoencoder", "vae": "a variational autoencoder (β-VAE; PixelCNN decoder)",
        "aae": "an adversarial autoencoder (codes matched to a prior by a critic)",
        "wae": "a Wasserstein autoencoder (MMD or adversarial penalty)",
        "hvae": "a hierarchical VAE with two stochastic layers (ladder inference)"}
PRIOR_HELP = ("the prior the codes are matched to: gaussian (N(0, I)), mixture10 (10 "
              "Gaussians on a circle), swiss-roll, square, ring, or points (needs "
              "--prior-points); the shaped ones need --latent-dim 2")


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    from .priors import PRIORS
    parser.add_argument("--arch", default="conv", choices=["conv", "mlp"],
                        help="conv: small CNN (default); mlp: the pytorch/examples VAE 784-400-d")
    parser.add_argument("--latent-dim", type=positive, default=2,
                        help="z₁'s dimension for hvae" if command == "hvae" else None)
    parser.add_argument("--beta", type=finite, default=1.0,
                        help="weight of the KL term" if command in ("vae", "hvae")
                        else "(VAEs only)")
    if command in ("vae", "hvae"):
        parser.add_argument("--free-bits", type=finite, default=0.0,
                            help="nats each latent dimension's KL counts as at least (0: off)")
        parser.add_argument("--kl-warmup", type=whole, default=0,
                            help="steps over which β grows linearly from 0 (0: off)")
    else:
        parser.set_defaults(free_bits=0.0, kl_warmup=0)
    if command == "vae":
        parser.add_argument("--decoder", default="plain", choices=["plain", "pixelcnn"],
                            help="pixelcnn: an autoregressive decoder conditioned on z (shows "
                                 "posterior collapse)")
        parser.add_argument("--pixel-channels", type=positive, default=32)
        parser.add_argument("--pixel-layers", type=whole, default=3)
    if command == "hvae":
        parser.add_argument("--top-dim", type=positive, default=None,
                            help="z₂'s dimension (default: as --latent-dim)")
    if command in ("aae", "wae"):
        parser.add_argument("--prior", default="gaussian", choices=PRIORS, help=PRIOR_HELP)
        parser.add_argument("--prior-points", default=None, metavar="FILE",
                            help="a .csv / .txt / .npy file of x, y rows for --prior points")
        parser.add_argument("--stochastic", action="store_true",
                            help="a Gaussian encoder q(z|x) instead of a deterministic one")
    if command == "aae":
        parser.add_argument("--supervised", action="store_true",
                            help="tie class k to mixture component k (needs --prior mixture10)")
    if command == "wae":
        parser.add_argument("--regulariser", default="mmd", choices=["mmd", "gan"],
                            help="mmd: the inverse multiquadratic MMD; gan: a critic on z")
        parser.add_argument("--lam", type=finite, default=None,
                            help="λ, the penalty's weight (default 10 for mmd, 1 for gan)")


def make_trainer(args, command: str, load):
    """(trainer, title) for the parsed arguments; `load(name)` loads a named dataset."""
    from .nets import AEConfig
    from .priors import load_prior_points
    from .training import AutoencoderTrainer, TrainConfig

    options = {}
    if command in ("aae", "wae"):
        options.update(prior=args.prior, stochastic=args.stochastic)
        if args.prior == "points":
            if not args.prior_points:
                raise ValueError("--prior points needs --prior-points FILE (x, y rows)")
            options["prior_points"] = tuple(map(tuple, load_prior_points(args.prior_points)))
        elif args.prior_points:
            raise ValueError("--prior-points is for --prior points")
    if command == "aae":
        options["supervised"] = args.supervised
    if command == "wae":
        options["regulariser"] = args.regulariser
    if command == "vae":
        options.update(decoder=args.decoder, pixel_channels=args.pixel_channels,
                       pixel_layers=args.pixel_layers)
    if command == "hvae":
        options["top_dim"] = args.top_dim
    model_config = AEConfig(kind=command, arch=args.arch, latent_dim=args.latent_dim, **options)
    dataset = load(args.dataset or "mnist")
    default = TrainConfig()
    lam = getattr(args, "lam", None)
    if lam is None:
        lam = 1.0 if getattr(args, "regulariser", "mmd") == "gan" else default.lam
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size or default.batch_size,
                               lr=default.lr if args.lr is None else args.lr,
                               beta=args.beta, seed=args.seed, lam=lam,
                               free_bits=args.free_bits, kl_warmup=args.kl_warmup)
    trainer = AutoencoderTrainer(model_config, train_config, dataset, args.device)
    extra = {"aae": f", prior {model_config.prior}", "wae": f", {model_config.regulariser}, "
             f"prior {model_config.prior}", "hvae": f" + top {model_config.top_dim}"}.get(command, "")
    if command == "vae" and args.decoder == "pixelcnn":
        extra = ", PixelCNN decoder"
    return trainer, f"{command.upper()} ({args.arch}, latent {args.latent_dim}{extra})"
