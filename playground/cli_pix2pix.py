"""`playground train pix2pix`: image-to-image translation from the command line."""
from __future__ import annotations

import argparse
import sys

from .cli_out import check_out
from .cli_types import real, whole
from .torch_threads import adapting


def add_pix2pix_arguments(train: argparse.ArgumentParser) -> None:
    from models.pix2pix.networks import PATCHES

    # --loss is shared with the GANs: l1, cgan or l1+cgan here (default l1+cgan)
    p2p = train.add_argument_group(
        "pix2pix (--dataset landscapes, or a folder with train/ of A|B images)")
    p2p.add_argument("--direction", default="AtoB", choices=["AtoB", "BtoA"])
    p2p.add_argument("--size", type=whole, default=64, choices=[64, 128, 256],
                     help="image side (default 64: results in minutes on a CPU)")
    p2p.add_argument("--patch", type=whole, default=70, choices=sorted(PATCHES),
                     help="PatchGAN receptive field in pixels (default 70)")
    p2p.add_argument("--lambda-l1", type=real, default=100.0, help="weight λ of the L1 term")
    p2p.add_argument("--width", type=whole, default=32, help="U-Net width of the first level")
    p2p.add_argument("--pairs", type=whole, default=2000, help="procedural landscapes to train on")


def pix2pix_command(args) -> int:
    from tqdm import tqdm

    from models import CheckpointError, save_checkpoint
    from models.events import EpochEnd, Status, Step
    from models.pix2pix.objective import OBJECTIVES
    from models.pix2pix.paired import PairedDataError, PairedFolder
    from models.pix2pix.training import Pix2PixConfig, Pix2PixTrainConfig, Pix2PixTrainer
    from models.trainer import TrainingDiverged

    objective = args.loss or "l1+cgan"
    args.dataset = args.dataset or "landscapes"
    try:
        check_out(args.out)
        if objective not in OBJECTIVES:
            raise ValueError(f"--loss for pix2pix must be one of {', '.join(OBJECTIVES)}, not {objective}")
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
            objective=objective, lam=args.lambda_l1, patch=args.patch, epochs=args.epochs,
            batch_size=args.batch_size or 8, lr=2e-4 if args.lr is None else args.lr, seed=args.seed,
            preview_every_s=float("inf"), snapshot_every_s=float("inf"))
        trainer = Pix2PixTrainer(model_config, train_config, pairs, args.device)
    except (ValueError, PairedDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Training pix2pix ({objective}, {args.patch}×{args.patch} PatchGAN, {args.size} px) "
          f"on {args.dataset} with {trainer.device}", file=sys.stderr)
    stopped = False
    with tqdm(total=None, unit="step", dynamic_ncols=True, file=sys.stderr) as bar:
        try:
            for event in adapting(trainer.run()):
                if isinstance(event, Step):
                    bar.total = event.total_steps
                    bar.set_description(f"epoch {event.epoch}/{event.epochs}")
                    bar.set_postfix({k: f"{v:.3f}" for k, v in event.losses.items()}, refresh=False)
                    bar.update(1)
                elif isinstance(event, Status):
                    if event.fraction is None:
                        bar.write(event.message)        # e.g. files skipped
                    else:
                        bar.set_description(event.message, refresh=True)
                elif isinstance(event, EpochEnd):
                    bar.write(f"epoch {event.epoch}: " + ", ".join(
                        f"{k} {v:.4g}" for k, v in event.train_losses.items()))
        except KeyboardInterrupt:
            stopped = True
            bar.write("Interrupted: saving the weights of the last finished step.")
        except TrainingDiverged as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except PairedDataError as exc:            # e.g. no file of the folder could be read
            print(f"error: {exc}", file=sys.stderr)
            return 2
    state, meta = trainer.checkpoint()
    meta["stopped_early"] = stopped
    try:
        save_checkpoint(args.out, state, meta)
    except (OSError, CheckpointError) as exc:
        print(f"error: could not save the checkpoint to {args.out}: {exc}", file=sys.stderr)
        return 1
    print(f"Saved {args.out} ({trainer.steps_done} steps)")
    return 0
