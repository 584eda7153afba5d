"""`playground train cyclegan|unit|srgan`: unpaired translation and super-resolution
(argparse only at import; the trainers are imported when a command runs)."""
from __future__ import annotations

import argparse
import sys

from ..cli_types import in_range, real, whole

COMMANDS = ("cyclegan", "unit", "srgan")
HELP = {"cyclegan": "CycleGAN: two unpaired domains (landscapes summer ↔ winter, digits, or "
                    "your folders A/ and B/)",
        "unit": "UNIT: MNIST ↔ textured digits through one shared latent space",
        "srgan": "SRGAN or SRResNet: 4× super-resolution of landscapes (32 → 128 px)"}
DATASET_HELP = {
    "cyclegan": "landscapes (the default), digits (MNIST ↔ textured; the digits come from "
                "--digits), or a folder holding A/ and B/ of your own images",
    "unit": "ignored: UNIT trains on the digits named by --digits",
    "srgan": "ignored: SRGAN trains on rendered landscape photos"}
# these train for --steps steps, not epochs; UNIT and SRGAN draw their own data
NOT_TAKEN = {"cyclegan": ("--epochs", "--resume", "--save-every"),
             "unit": ("--dataset", "--epochs", "--resume", "--save-every"),
             "srgan": ("--dataset", "--epochs", "--resume", "--save-every", "--data-dir",
                       "--no-download")}


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    weight = in_range(float, 0, 1000, description="in [0, 1000]")
    if command in ("cyclegan", "unit"):
        parser.add_argument("--digits", default="mnist",
                            help="where the MNIST digits come from: mnist (found in --data-dir "
                                 "or downloaded) or a folder of IDX files (default mnist)")
    if command == "cyclegan":
        from ..pix2pix.networks import PATCHES
        parser.add_argument("--steps", type=whole, default=2000, help="training steps (default 2000)")
        parser.add_argument("--size", type=whole, default=None,
                            help="image side, a multiple of 4 (default 64; 28 for the digits)")
        parser.add_argument("--width", type=whole, default=32,
                            help="the generators' first-layer channels (default 32)")
        parser.add_argument("--blocks", type=whole, default=6, help="residual blocks (default 6)")
        parser.add_argument("--patch", type=whole, default=None, choices=sorted(PATCHES),
                            help="PatchGAN receptive field (default 70; 16 for the digits)")
        parser.add_argument("--cycle", type=weight, default=10.0,
                            help="λ of the cycle loss; 0 switches it off (default 10)")
        parser.add_argument("--identity", type=weight, default=0.5,
                            help="identity loss weight, relative to λ (default 0.5)")
        parser.add_argument("--train-images", type=whole, default=1000,
                            help="landscapes rendered per domain (default 1000)")
        parser.add_argument("--pool", type=whole, default=50, help="history pool size (default 50)")
    elif command == "unit":
        parser.add_argument("--steps", type=whole, default=3000, help="training steps (default 3000)")
        parser.add_argument("--width", type=whole, default=32, help="network width (default 32)")
        parser.add_argument("--latent", type=whole, default=64,
                            help="channels of the 7×7 shared code (default 64)")
        parser.add_argument("--cycle", type=weight, default=10.0,
                            help="weight of the cycle-reconstruction term λ₃ (default 10)")
    else:
        parser.add_argument("--loss", default="perceptual", choices=("perceptual", "mse"),
                            help="perceptual: SRGAN (content on feature maps + 10⁻³ × "
                                 "adversarial); mse: SRResNet (default perceptual)")
        parser.add_argument("--content", default="features", choices=("features", "pixels"),
                            help="SRGAN's content term: the feature network trained here "
                                 "(default), or pixel MSE")
        parser.add_argument("--init", default=None,
                            help="start from this SRResNet checkpoint (the paper's SRGAN does)")
        parser.add_argument("--steps", type=whole, default=2000, help="training steps (default 2000)")
        parser.add_argument("--channels", type=whole, default=32, help="generator channels (default 32)")
        parser.add_argument("--blocks", type=whole, default=8, help="residual blocks (default 8)")
        parser.add_argument("--hr-size", type=whole, default=128,
                            help="high-resolution side of the training photos (default 128)")
        parser.add_argument("--train-images", type=whole, default=800,
                            help="landscape photos to train on (default 800)")
        parser.add_argument("--adversarial", type=real, default=1e-3,
                            help="weight of the adversarial term (default 10⁻³, the paper's)")


def make_trainer(args, command: str, load):
    if command == "cyclegan":
        return _cyclegan(args, load)
    if command == "unit":
        return _unit(args, load)
    return _srgan(args)


def _cyclegan(args, load):
    from .cyclegan import CycleGANConfig
    from .cyclegan_training import CycleGANTrainer, CycleTrainConfig
    from .domains import DigitDomains, FolderDomains, LandscapeDomains

    dataset = args.dataset or "landscapes"
    digits = dataset == "digits"
    size = args.size or (28 if digits else 64)
    patch = args.patch or (16 if digits else 70)
    model_config = CycleGANConfig(size=size, width=args.width, blocks=args.blocks, patch=patch)
    train_config = CycleTrainConfig(
        steps=args.steps, batch_size=args.batch_size or (16 if digits else 4),
        lr=2e-4 if args.lr is None else args.lr, cycle=args.cycle, identity=args.identity,
        pool=args.pool, train_images=args.train_images, seed=args.seed,
        preview_every_s=float("inf"))
    if dataset == "landscapes":
        domains = LandscapeDomains(args.train_images, size, args.seed)
        where = "the landscapes, summer ↔ winter"
    elif digits:
        if size != 28:
            raise ValueError("the digits are 28×28: leave --size out or give 28")
        domains = DigitDomains(load(args.digits), rgb_a=True, seed=args.seed)
        where = "MNIST ↔ textured digits"
    else:
        domains = FolderDomains(args.dataset, size)
        where = f"{args.dataset} (A/ ↔ B/)"
    trainer = CycleGANTrainer(model_config, train_config, args.device, domains)
    cycle = f"cycle λ = {args.cycle:g}" if args.cycle > 0 else "no cycle loss"
    return trainer, f"CycleGAN ({cycle}, {size} px) on {where}"


def _unit(args, load):
    from .domains import DigitDomains
    from .unit import UNITConfig
    from .unit_training import UNITTrainer, UnitTrainConfig

    model_config = UNITConfig(width=args.width, latent=args.latent)
    train_config = UnitTrainConfig(
        steps=args.steps, batch_size=args.batch_size or 32,
        lr=1e-4 if args.lr is None else args.lr, cycle=args.cycle, seed=args.seed,
        preview_every_s=float("inf"))
    domains = DigitDomains(load(args.digits), rgb_a=False, seed=args.seed)
    return UNITTrainer(model_config, train_config, args.device, domains), \
        "UNIT on MNIST ↔ textured digits"


def _srgan(args):
    from ..checkpoint import open_checkpoint
    from .api import SRModel
    from .features import DESCRIPTION, FEATURE_EPOCHS, FEATURE_PAIRS, landscape_features
    from .srgan import SRConfig
    from .superres import SRTrainConfig, SRTrainer

    model_config = SRConfig(channels=args.channels, blocks=args.blocks)
    mode = "gan" if args.loss == "perceptual" else "mse"
    train_config = SRTrainConfig(
        mode=mode, steps=args.steps, batch_size=args.batch_size or 8,
        lr=1e-4 if args.lr is None else args.lr, hr_size=args.hr_size,
        train_images=args.train_images, adversarial=args.adversarial, seed=args.seed,
        preview_every_s=float("inf"))
    initial = None
    if args.init:
        weights, tensors, meta = open_checkpoint(args.init)
        start = SRModel.from_checkpoint(weights, tensors, meta, source=args.init)
        if start.config != model_config:
            raise ValueError(f"{args.init} is a {start.config} model; give the same --channels "
                             "and --blocks to start from it")
        initial = start.state_numpy()
        print(f"starting from {args.init} ({meta.get('steps', '?')} steps)", file=sys.stderr)
    feature_job, content = None, "pixels (MSE)"
    if mode == "gan" and args.content == "features":
        # called on the job's thread, once the trainer (and its device) exists
        feature_job = lambda: landscape_features(args.hr_size, device=trainer.device)  # noqa: E731
        content = DESCRIPTION.format(pairs=FEATURE_PAIRS, epochs=FEATURE_EPOCHS, size=args.hr_size)
    trainer = SRTrainer(model_config, train_config, args.device, initial=initial,
                        feature_job=feature_job, content=content)
    name = "SRGAN" if mode == "gan" else "SRResNet"
    return trainer, f"{name} ({model_config.scale}×, {args.hr_size // model_config.scale} → " \
                    f"{args.hr_size} px, content: {content.split(',')[0]})"
