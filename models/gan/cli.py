"""`playground train dcgan|cgan|wgan-gp|gan2d`: the GAN family's commands.

argparse only at import; the trainers are imported when a command runs."""
from __future__ import annotations

import argparse
import math

from ..cli_types import in_range, real, whole

IMAGE_GANS = ("dcgan", "cgan", "wgan-gp")
COMMANDS = (*IMAGE_GANS, "gan2d")
HELP = {"dcgan": "a DCGAN on digits", "cgan": "a class-conditional DCGAN",
        "wgan-gp": "a DCGAN with the WGAN-GP loss",
        "gan2d": "a 2-D GAN on a named distribution or your own points"}
# gan2d trains on --data's points for --steps steps, in one process, in seconds
NOT_TAKEN = {"gan2d": ("--dataset", "--data-dir", "--no-download", "--epochs", "--resume",
                       "--save-every")}
# what --batch-size and --lr mean when not given, per command
DEFAULT_BATCH = {"dcgan": 64, "cgan": 64, "wgan-gp": 64, "gan2d": 256}


def _or(value, default):
    return default if value is None else value


def _share(text: str) -> float:
    value = real(text)
    if not (math.isfinite(value) and 0 <= value <= 0.5):
        raise argparse.ArgumentTypeError(f"must be in [0, 0.5], not {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    from .losses import LOSSES

    two_d = command == "gan2d"
    parser.add_argument("--loss", default=None, choices=LOSSES,
                        help="objective (default non-saturating; wgan-gp for the wgan-gp command)")
    parser.add_argument("--noise-dim", type=whole, default=None,
                        help=f"dimension of z (default {2 if two_d else 64})")
    parser.add_argument("--g-width", type=whole, default=None,
                        help=f"generator width (default {128 if two_d else 64})")
    parser.add_argument("--d-width", type=whole, default=None,
                        help=f"discriminator width (default {128 if two_d else 64})")
    rate = in_range(float, 0, 1, low_open=True, description="in (0, 1]")
    parser.add_argument("--lr-g", type=rate, default=None, help="G's learning rate (default: --lr)")
    parser.add_argument("--lr-d", type=rate, default=None, help="D's learning rate (default: --lr)")
    parser.add_argument("--k-d", type=in_range(int, 1, 50, description="in 1..50"), default=None,
                        help="D steps per G step (default 1; 5 with the wgan-gp loss)")
    parser.add_argument("--label-smoothing", type=_share, default=0.0,
                        help="one-sided label smoothing: D's real targets become 1 − s")
    parser.add_argument("--label-noise", type=_share, default=0.0, help="jitter D's targets by U(0, x)")
    parser.add_argument("--label-flip", type=_share, default=0.0,
                        help="flip each D target with this probability")
    parser.add_argument("--d-dropout", type=in_range(float, 0, 0.9, high_open=True,
                                                     description="in [0, 0.9)"),
                        default=0.0, help="dropout in D")
    parser.add_argument("--gp-weight", type=in_range(float, 0, math.inf,
                                                     description="a finite number ≥ 0"),
                        default=None, help=f"λ of the gradient penalty (default {0.1 if two_d else 10})")
    if two_d:
        parser.add_argument("--data", default="8gaussians",
                            help="8gaussians, 25gaussians, moons, spiral, or FILE.npy with an N×2 array")
        parser.add_argument("--steps", type=whole, default=5000, help="training steps (default 5000)")


def make_trainer(args, command: str, load):
    """(trainer, title) for the parsed arguments; `load(name)` loads a named dataset."""
    if command == "gan2d":
        return _gan2d_job(args)
    return image_gan_job(args, load(args.dataset or "mnist"), command)


def image_gan_job(args, dataset, command: str | None = None):
    """The DCGAN trainer `playground train <command>` runs on `dataset`, and its title."""
    from .losses import LabelTricks
    from .nets import GANConfig
    from .training import GANTrainConfig, GANTrainer

    command = command or args.model
    wgan = command == "wgan-gp"
    loss = args.loss or ("wgan-gp" if wgan else "non-saturating")
    lr = args.lr if args.lr is not None else (1e-4 if loss == "wgan-gp" else 2e-4)
    model_config = GANConfig(noise_dim=_or(args.noise_dim, 64), g_width=_or(args.g_width, 64),
                             d_width=_or(args.d_width, 64), d_dropout=args.d_dropout,
                             num_classes=len(dataset.classes) if command == "cgan" else 0)
    train_config = GANTrainConfig(
        loss=loss, epochs=args.epochs, batch_size=_or(args.batch_size, DEFAULT_BATCH[command]),
        lr_g=_or(args.lr_g, lr), lr_d=_or(args.lr_d, lr),
        k_d=_or(args.k_d, 5 if loss == "wgan-gp" else 1),
        tricks=LabelTricks(args.label_smoothing, args.label_noise, args.label_flip),
        gp_weight=10.0 if args.gp_weight is None else args.gp_weight, seed=args.seed,
        # nobody watches live samples on the command line
        samples_every_s=math.inf, snapshot_every_s=math.inf, health_every_s=30.0)
    trainer = GANTrainer(model_config, train_config, dataset, args.device)
    title = {"dcgan": "DCGAN", "cgan": "conditional DCGAN", "wgan-gp": "DCGAN"}[command]
    return trainer, f"{title} ({loss} loss)"


def _gan2d_job(args):
    from .losses import LabelTricks
    from .toy2d import DATASETS, GAN2DConfig, load_points_file, make_points
    from .toy2d_train import GAN2DTrainConfig, GAN2DTrainer

    if args.steps < 1:
        raise ValueError(f"--steps must be at least 1, not {args.steps}")
    if args.data in DATASETS:
        points = make_points(args.data, 20_000, seed=args.seed)
    else:
        points = load_points_file(args.data)
    lr = args.lr if args.lr is not None else 1e-3
    model_config = GAN2DConfig(noise_dim=_or(args.noise_dim, 2), g_width=_or(args.g_width, 128),
                               d_width=_or(args.d_width, 128), d_dropout=args.d_dropout)
    train_config = GAN2DTrainConfig(
        loss=args.loss or "non-saturating", k_d=_or(args.k_d, 1), lr_d=_or(args.lr_d, lr),
        lr_g=_or(args.lr_g, lr), batch_size=_or(args.batch_size, DEFAULT_BATCH["gan2d"]),
        tricks=LabelTricks(args.label_smoothing, args.label_noise, args.label_flip),
        gp_weight=0.1 if args.gp_weight is None else args.gp_weight, seed=args.seed)
    trainer = GAN2DTrainer(points, model_config, train_config, args.device)
    trainer.data_name = args.data
    return (GAN2DJob(trainer, args.steps),
            f"a 2-D GAN ({train_config.loss}) on {args.data}: {len(points)} points")


class GAN2DJob:
    """The lab's open-ended trainer as a bounded command-line job: `steps` steps, a Step
    about every 0.2 s and no epoch lines (an "epoch" of 2-D points is a few dozen steps);
    the checkpoint's metrics are the final divergences, which the command prints."""

    def __init__(self, trainer, steps: int):
        self.trainer, self.steps = trainer, steps

    def __getattr__(self, name):                 # device, steps_done, … are the trainer's
        return getattr(self.trainer, name)

    def run(self):
        from ..events import Step

        # no divergence estimates on the way: only the final one is shown
        job = self.trainer.run(steps=self.steps, progress_every_s=0.2,
                               divergence_every_s=math.inf)
        try:
            while True:
                event = next(job)
                if isinstance(event, Step):
                    yield event
        except StopIteration as done:
            return done.value
        finally:
            job.close()

    def checkpoint(self, result=None):
        state, meta = self.trainer.checkpoint(result)
        meta["metrics"] = {f"divergence_{k}": v for k, v in self.trainer.divergences().items()}
        return state, meta
