"""`playground train dcgan|cgan|wgan-gp|gan2d`: the GAN parts of the command line."""
from __future__ import annotations

import argparse
import math
import sys

from .cli_out import check_out
from .cli_types import real, whole
from .torch_threads import adapting

GAN_MODELS = ("dcgan", "cgan", "wgan-gp")
# what --batch-size and --lr mean when not given, per model
DEFAULT_BATCH = {"dcgan": 64, "cgan": 64, "wgan-gp": 64, "gan2d": 256}


def _or(value, default):
    return default if value is None else value


def _share(text: str) -> float:
    value = real(text)
    if not (math.isfinite(value) and 0 <= value <= 0.5):
        raise argparse.ArgumentTypeError(f"must be in [0, 0.5], not {text}")
    return value


def _in_range(kind, low: float, high: float, low_open: bool = False, high_open: bool = False,
              description: str | None = None):
    """An argparse type: a finite number of `kind` in [low, high] (ends optionally open)."""
    def parse(text: str):
        value = whole(text) if kind is int else real(text)
        if not (math.isfinite(value) and (low < value if low_open else low <= value)
                and (value < high if high_open else value <= high)):
            raise argparse.ArgumentTypeError(f"must be {description}, not {text}")
        return value
    return parse


def add_gan_arguments(train: argparse.ArgumentParser) -> None:
    from models.gan.losses import LOSSES
    from models.pix2pix.objective import OBJECTIVES

    gan = train.add_argument_group("GANs (dcgan, cgan, wgan-gp, gan2d)")
    gan.add_argument("--loss", default=None, choices=LOSSES + OBJECTIVES,
                     help="objective (GANs: default non-saturating, wgan-gp for the wgan-gp "
                          "model; pix2pix: l1, cgan or l1+cgan, default l1+cgan)")
    gan.add_argument("--noise-dim", type=whole, default=None, help="dimension of z (default 64; 2 for gan2d)")
    gan.add_argument("--g-width", type=whole, default=None, help="generator width (default 64; 128 for gan2d)")
    gan.add_argument("--d-width", type=whole, default=None,
                     help="discriminator width (default 64; 128 for gan2d)")
    rate = _in_range(float, 0, 1, low_open=True, description="in (0, 1]")
    gan.add_argument("--lr-g", type=rate, default=None, help="G's learning rate (default: --lr)")
    gan.add_argument("--lr-d", type=rate, default=None, help="D's learning rate (default: --lr)")
    gan.add_argument("--k-d", type=_in_range(int, 1, 50, description="in 1..50"), default=None,
                     help="D steps per G step (default 1; 5 for wgan-gp)")
    gan.add_argument("--label-smoothing", type=_share, default=0.0,
                     help="one-sided label smoothing: D's real targets become 1 − s")
    gan.add_argument("--label-noise", type=_share, default=0.0, help="jitter D's targets by U(0, x)")
    gan.add_argument("--label-flip", type=_share, default=0.0,
                     help="flip each D target with this probability")
    gan.add_argument("--d-dropout", type=_in_range(float, 0, 0.9, high_open=True, description="in [0, 0.9)"),
                     default=0.0, help="dropout in D")
    gan.add_argument("--gp-weight", type=_in_range(float, 0, math.inf, description="a finite number ≥ 0"),
                     default=None,
                     help="λ of the gradient penalty (default 10; 0.1 for gan2d)")
    gan.add_argument("--data", default="8gaussians",
                     help="gan2d: 8gaussians, 25gaussians, moons, spiral, or FILE.npy with an N×2 array")
    gan.add_argument("--steps", type=whole, default=5000, help="gan2d: training steps (default 5000)")


def image_gan_job(args, dataset):
    from models.gan.losses import LabelTricks
    from models.gan.nets import GANConfig
    from models.gan.training import GANTrainConfig, GANTrainer

    wgan = args.model == "wgan-gp"
    loss = args.loss or ("wgan-gp" if wgan else "non-saturating")
    lr = args.lr if args.lr is not None else (1e-4 if loss == "wgan-gp" else 2e-4)
    model_config = GANConfig(noise_dim=_or(args.noise_dim, 64), g_width=_or(args.g_width, 64),
                             d_width=_or(args.d_width, 64), d_dropout=args.d_dropout,
                             num_classes=len(dataset.classes) if args.model == "cgan" else 0)
    train_config = GANTrainConfig(
        loss=loss, epochs=args.epochs, batch_size=_or(args.batch_size, DEFAULT_BATCH[args.model]),
        lr_g=_or(args.lr_g, lr), lr_d=_or(args.lr_d, lr),
        k_d=_or(args.k_d, 5 if loss == "wgan-gp" else 1),
        tricks=LabelTricks(args.label_smoothing, args.label_noise, args.label_flip),
        gp_weight=10.0 if args.gp_weight is None else args.gp_weight, seed=args.seed,
        # nobody watches live samples on the command line
        samples_every_s=math.inf, snapshot_every_s=math.inf, health_every_s=30.0)
    trainer = GANTrainer(model_config, train_config, dataset, args.device)
    title = {"dcgan": "DCGAN", "cgan": "conditional DCGAN", "wgan-gp": "DCGAN"}[args.model]
    return trainer, f"{title} ({loss} loss)"


def gan2d_command(args) -> int:
    """Train a 2-D GAN on a named distribution or the user's own points."""
    from tqdm import tqdm

    from models import CheckpointError, save_checkpoint
    from models.events import Step, TrainResult
    from models.gan.losses import LabelTricks
    from models.gan.toy2d import DATASETS, GAN2DConfig, load_points_file, make_points
    from models.gan.toy2d_train import GAN2DTrainConfig, GAN2DTrainer
    from models.trainer import TrainingDiverged

    try:
        check_out(args.out)
        if args.data in DATASETS:
            points, name = make_points(args.data, 20_000, seed=args.seed), args.data
        else:
            points, name = load_points_file(args.data), args.data
        lr = args.lr if args.lr is not None else 1e-3
        model_config = GAN2DConfig(noise_dim=_or(args.noise_dim, 2), g_width=_or(args.g_width, 128),
                                   d_width=_or(args.d_width, 128), d_dropout=args.d_dropout)
        train_config = GAN2DTrainConfig(
            loss=args.loss or "non-saturating", k_d=_or(args.k_d, 1), lr_d=_or(args.lr_d, lr),
            lr_g=_or(args.lr_g, lr), batch_size=_or(args.batch_size, DEFAULT_BATCH["gan2d"]),
            tricks=LabelTricks(args.label_smoothing, args.label_noise, args.label_flip),
            gp_weight=0.1 if args.gp_weight is None else args.gp_weight, seed=args.seed)
        if args.steps < 1:
            raise ValueError(f"--steps must be at least 1, not {args.steps}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Training a 2-D GAN ({train_config.loss}) on {name}: {len(points)} points", file=sys.stderr)
    trainer = GAN2DTrainer(points, model_config, train_config, args.device)
    trainer.data_name = name
    # a Step about every 0.2 s; no divergence estimates on the way (only the final one is shown)
    job = trainer.run(steps=args.steps, progress_every_s=0.2, divergence_every_s=math.inf)
    result = None
    with tqdm(total=args.steps, unit="step", dynamic_ncols=True, file=sys.stderr) as bar:
        try:
            for event in adapting(job):
                if isinstance(event, Step):
                    bar.set_postfix({k: f"{v:.3f}" for k, v in event.losses.items()}, refresh=False)
                    bar.update(event.step - bar.n)
        except KeyboardInterrupt:
            job.close()
            result = TrainResult(trainer.steps_done, 0.0, stopped_early=True)
            bar.write("Interrupted: saving the weights of the last finished step.")
        except TrainingDiverged as exc:
            bar.close()
            print(f"error: {exc}", file=sys.stderr)
            return 1
    try:
        save_checkpoint(args.out, *trainer.checkpoint(result))
    except (OSError, CheckpointError) as exc:
        print(f"error: could not save the checkpoint to {args.out}: {exc}", file=sys.stderr)
        return 1
    print(f"Saved {args.out} ({trainer.steps_done} steps; divergence "
          + ", ".join(f"{k} {v:.3g}" for k, v in trainer.divergences().items()) + ")")
    return 0
