"""Command line: `playground` opens the app; `playground train ...` trains headless.

The train command never imports Qt, so it runs on servers and in CI.
"""
from __future__ import annotations

import argparse
import math
import sys

from .cli_gan import GAN_MODELS, add_gan_arguments, gan2d_command, image_gan_job
from .cli_out import check_out
from .cli_pix2pix import add_pix2pix_arguments, pix2pix_command
from .cli_types import Parser, real, whole
from .torch_threads import adapting


def _positive_int(text: str) -> int:
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _finite_float(text: str) -> float:
    value = real(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def _channels(text: str) -> tuple[int, ...]:
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        widths = ()
    if len(widths) != 3 or not all(8 <= w <= 1024 and w % 8 == 0 for w in widths):
        raise argparse.ArgumentTypeError(
            f"must be three multiples of 8 in 8..1024 separated by commas, not {text!r}")
    return widths


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="playground",
        description="Generative Playground. With no command, opens the app.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")

    gui = sub.add_parser("gui", help="open the app (the default)")
    gui.add_argument("--device", default=None, choices=["auto", "cpu", "cuda", "mps"])

    train = sub.add_parser("train", help="train a model headless and save a checkpoint",
                           usage="%(prog)s MODEL --out FOLDER [options]")
    train.add_argument("model", choices=["ae", "vae", "ddpm", *GAN_MODELS, "gan2d", "pix2pix"],
                       help="autoencoder, variational autoencoder, diffusion model (DDPM), "
                            "DCGAN, conditional DCGAN, DCGAN with the WGAN-GP loss, a 2-D GAN, "
                            "or pix2pix")
    train.add_argument("--dataset", default=None,
                       help="mnist, fashion-mnist, or a folder of IDX files (default: mnist); "
                            "for pix2pix: landscapes (the default) or a folder of A|B pairs")
    train.add_argument("--data-dir", default=None,
                       help="where to look for (and download) named datasets "
                            "(default: $PLAYGROUND_DATA, then ~/.cache/generative-playground/data)")
    train.add_argument("--no-download", action="store_true",
                       help="never download; fail with a message if the data is not found")
    train.add_argument("--arch", default="conv", choices=["conv", "mlp"],
                       help="conv: small CNN (default); mlp: the pytorch/examples VAE 784-400-d")
    train.add_argument("--latent-dim", type=_positive_int, default=2)
    train.add_argument("--epochs", type=_positive_int, default=10)
    train.add_argument("--batch-size", type=_positive_int, default=None,
                       help="default 128; 64 for image GANs, 256 for gan2d")
    train.add_argument("--lr", type=_finite_float, default=None,
                       help="learning rate (default 1e-3; 2e-4 for GANs, 1e-4 for WGAN-GP)")
    train.add_argument("--beta", type=_finite_float, default=1.0, help="weight of the KL term")
    train.add_argument("--seed", type=whole, default=0)
    diffusion = train.add_argument_group("diffusion (ddpm)")
    diffusion.add_argument("--conditional", action="store_true",
                           help="class-conditional, trained with label dropout for classifier-free guidance")
    diffusion.add_argument("--schedule", default="linear", choices=["linear", "cosine", "quadratic"])
    diffusion.add_argument("--timesteps", type=_positive_int, default=1000, help="T (default 1000)")
    diffusion.add_argument("--channels", type=_channels, default=(32, 64, 64), metavar="C28,C14,C7",
                           help="U-Net widths at 28, 14 and 7 pixels (default 32,64,64; "
                                "8,16,16 trains in minutes on a CPU, for trying things out)")
    diffusion.add_argument("--ema-decay", type=_finite_float, default=0.999)
    diffusion.add_argument("--p-uncond", type=_finite_float, default=0.1,
                           help="label dropout probability (conditional models)")
    diffusion.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                           help="bf16 autocast is much faster on CPUs with AMX or AVX-512 BF16")
    add_gan_arguments(train)
    add_pix2pix_arguments(train)
    train.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    train.add_argument("--out", required=True, help="folder to write the checkpoint into")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        from . import __version__
        print(f"generative-playground {__version__}")
        return 0
    if args.command == "train":
        return train_command(args)
    from .app import run_app
    return run_app(device=getattr(args, "device", None))


def _autoencoder_job(args, dataset):
    from models.autoencoder.nets import AEConfig
    from models.autoencoder.training import AutoencoderTrainer, TrainConfig

    model_config = AEConfig(kind=args.model, arch=args.arch, latent_dim=args.latent_dim)
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size or 128,
                               lr=1e-3 if args.lr is None else args.lr,
                               beta=args.beta, seed=args.seed)
    trainer = AutoencoderTrainer(model_config, train_config, dataset, args.device)
    title = f"{args.model.upper()} ({args.arch}, latent {args.latent_dim})"
    return trainer, title


def _diffusion_job(args, dataset):
    from models.diffusion.training import DiffusionTrainConfig, DiffusionTrainer
    from models.diffusion.unet import DiffusionConfig

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


def train_command(args) -> int:
    if args.model == "gan2d":
        return gan2d_command(args)
    if args.model == "pix2pix":
        return pix2pix_command(args)
    args.dataset = args.dataset or "mnist"
    from tqdm import tqdm

    from models import CheckpointError, DataError, load_dataset, save_checkpoint
    from models.events import EpochEnd, Status, Step
    from models.gan.diagnostics import Diagnosis
    from models.trainer import TrainingDiverged

    def report(message: str, fraction: float | None) -> None:
        print(f"{message} ({fraction:.0%})" if fraction is not None else message, file=sys.stderr)

    try:
        check_out(args.out)
        dataset = load_dataset(args.dataset, args.data_dir, download=not args.no_download,
                               progress=report)
        make = {"ddpm": _diffusion_job, **dict.fromkeys(GAN_MODELS, image_gan_job)}.get(
            args.model, _autoencoder_job)
        trainer, title = make(args, dataset)
    except (ValueError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Training {title} on {dataset.source} with {trainer.device}", file=sys.stderr)

    job = trainer.run()
    result = None
    bar = tqdm(total=None, unit="step", dynamic_ncols=True, file=sys.stderr)
    try:
        for event in adapting(job):     # threads for the cores other programs leave free
            if isinstance(event, Step):
                bar.total = event.total_steps
                bar.set_description(f"epoch {event.epoch}/{event.epochs}")
                bar.set_postfix({k: f"{v:.2f}" for k, v in event.losses.items()}, refresh=False)
                bar.update(1)
            elif isinstance(event, EpochEnd):
                kind, losses = ("test", event.test_losses) if event.test_losses else \
                    ("mean train", event.train_losses)
                bar.write("epoch {}: {} {}".format(
                    event.epoch, kind, ", ".join(f"{k} {v:.4g}" for k, v in losses.items())))
            elif isinstance(event, Diagnosis):
                bar.write(f"{'warning' if event.active else 'cleared'}: {event.title}: "
                          f"{event.evidence} (step {event.step})")
            elif isinstance(event, Status):
                bar.write(event.message)
    except KeyboardInterrupt:
        job.close()
        bar.write("Interrupted: saving the weights of the last finished step.")
        from models.events import TrainResult
        result = TrainResult(trainer.steps_done, 0.0, stopped_early=True)
    except TrainingDiverged as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    state, meta = trainer.checkpoint(result)
    try:
        save_checkpoint(args.out, state, meta)
    except (OSError, CheckpointError) as exc:
        print(f"error: could not save the checkpoint to {args.out}: {exc}", file=sys.stderr)
        return 1
    figures = ", ".join(f"{k} {v:.4g}" for k, v in meta["metrics"].items())
    print(f"Saved {args.out} ({figures})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
