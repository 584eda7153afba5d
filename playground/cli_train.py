"""`playground train <command>`: drive any family's training job to a saved checkpoint.

The family's CLI module builds the trainer (models/<family>/cli.py: make_trainer); this
loop is the same for all of them: it prints progress, saves the checkpoint the trainer
describes (trainer.checkpoint(result) → weights, metadata), and turns every failure into a
message and an exit status. It never imports Qt.
"""
from __future__ import annotations

import sys

from .cli_out import check_out
from .torch_threads import adapting


def run_job(args, family_cli) -> int:
    """Train as `args` say with the family CLI module's trainer; 0 saved, 1 failed, 2 refused."""
    from tqdm import tqdm

    from models import CheckpointError, DataError, load_dataset, save_checkpoint
    from models.events import EpochEnd, Status, Step, TrainResult
    from models.trainer import TrainingDiverged

    def report(message: str, fraction: float | None) -> None:
        print(f"{message} ({fraction:.0%})" if fraction is not None else message, file=sys.stderr)

    loaded = []

    def load(name: str):
        args.dataset = name
        loaded.append(load_dataset(name, args.data_dir, download=not args.no_download,
                                   progress=report))
        return loaded[-1]

    try:
        check_out(args.out)
        trainer, title = family_cli.make_trainer(args, args.model, load)
    except (ValueError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = f" on {loaded[-1].source}" if loaded else ""
    print(f"Training {title}{where} with {trainer.device}", file=sys.stderr)

    job, result = trainer.run(), None
    bar = tqdm(total=None, unit="step", dynamic_ncols=True, file=sys.stderr)
    try:
        for event in adapting(job):     # threads for the cores other programs leave free
            if isinstance(event, Step):
                bar.total = event.total_steps
                if event.epochs > 1:
                    bar.set_description(f"epoch {event.epoch}/{event.epochs}")
                bar.set_postfix({k: f"{v:.3g}" for k, v in event.losses.items()}, refresh=False)
                bar.update(event.step - bar.n)
            elif isinstance(event, EpochEnd):
                kind, losses = ("test", event.test_losses) if event.test_losses else \
                    ("mean train", event.train_losses)
                bar.write("epoch {}: {} {}".format(
                    event.epoch, kind, ", ".join(f"{k} {v:.4g}" for k, v in losses.items())))
            elif getattr(event, "log_line", None):    # a family's own news (a GAN diagnosis)
                bar.write(event.log_line)
            elif isinstance(event, Status):
                if event.fraction is None:
                    bar.write(event.message)
                else:                                  # e.g. pairs being drawn: 40 %
                    bar.set_description(event.message, refresh=True)
    except KeyboardInterrupt:
        job.close()
        bar.write("Interrupted: saving the weights of the last finished step.")
        result = TrainResult(trainer.steps_done, 0.0, stopped_early=True)
    except TrainingDiverged as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, DataError) as exc:        # e.g. no file of a folder could be read
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        bar.close()
    try:
        state, meta = trainer.checkpoint(result)
        save_checkpoint(args.out, state, meta)
    except (OSError, CheckpointError) as exc:
        print(f"error: could not save the checkpoint to {args.out}: {exc}", file=sys.stderr)
        return 1
    figures = ", ".join(f"{k} {v:.4g}" for k, v in meta.get("metrics", {}).items()
                        if isinstance(v, (int, float)))
    print(f"Saved {args.out} ({trainer.steps_done} steps" + (f"; {figures})" if figures else ")"))
    return 0
