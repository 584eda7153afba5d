"""`playground train <command>`: drive any family's training job to a saved checkpoint.

The family's CLI module builds the trainer (models/<family>/cli.py: make_trainer); this
loop is the same for all of them: it prints progress, saves the checkpoint the trainer
describes (trainer.checkpoint(result) → weights, metadata), and turns every failure into a
message and an exit status. It never imports Qt.
"""
from __future__ import annotations

import sys

from .cli_distributed import Session
from .cli_out import check_out


def run_job(args, family_cli) -> int:
    """Train as `args` say with the family CLI module's trainer; 0 saved, 1 failed, 2 refused."""
    from tqdm import tqdm

    from models import CheckpointError, DataError, distributed, load_dataset, save_checkpoint
    from models.events import EpochEnd, Status, Step, TrainResult
    from models.trainer import TrainingDiverged

    def report(message: str, fraction: float | None) -> None:
        if session is None or session.main:
            print(f"{message} ({fraction:.0%})" if fraction is not None else message,
                  file=sys.stderr)

    loaded = []

    def load(name: str):
        args.dataset = name
        loaded.append(session.main_first(lambda: load_dataset(
            name, args.data_dir, download=not args.no_download, progress=report)))
        return loaded[-1]

    def write_checkpoint(result):
        state, meta = trainer.checkpoint(result)
        save_checkpoint(args.out, state, meta)
        return meta

    session = None
    try:
        check_out(args.out)
        # under torchrun: join the other processes; the trainer is built on this rank's device
        session = Session(args)
        args.device = session.device
        trainer, title = family_cli.make_trainer(args, args.model, load)
        session.start(trainer, write_checkpoint)   # --resume restores the saved run here
    except (ValueError, DataError, CheckpointError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        if session is not None:
            session.close()
        return 2
    where = f" on {loaded[-1].source}" if loaded else ""
    session.say(f"Training {title}{where} with {trainer.device}{session.describe()}")

    job, result = trainer.run(), None
    # only rank 0 shows progress (the others would print the same lines again)
    # into a log file (make checkpoints) the bar redraws every 30 s, not ten times a second
    bar = tqdm(total=None, unit="step", dynamic_ncols=True, file=sys.stderr,
               disable=not session.main, mininterval=0.1 if sys.stderr.isatty() else 30)
    write = bar.write if session.main else (lambda _message: None)
    session.note = write
    try:
        for event in session.threads(job):    # one process: the cores others leave free
            if isinstance(event, Step):
                bar.total = event.total_steps
                if event.epochs > 1:
                    bar.set_description(f"epoch {event.epoch}/{event.epochs}")
                bar.set_postfix({k: f"{v:.3g}" for k, v in event.losses.items()}, refresh=False)
                bar.update(event.step - bar.n)     # a resumed run starts mid-way
                session.after_step(event.step)     # --save-every
            elif isinstance(event, EpochEnd):
                kind, losses = ("test", event.test_losses) if event.test_losses else \
                    ("mean train", event.train_losses)
                if event.test_losses and event.test_images:   # a subset: say how many
                    kind = f"test ({event.test_images:,} held-out images)"
                write("epoch {}: {} {}".format(
                    event.epoch, kind, ", ".join(f"{k} {v:.4g}" for k, v in losses.items())))
            elif getattr(event, "log_line", None):    # a family's own news (a GAN diagnosis)
                write(event.log_line)
            elif isinstance(event, Status):
                if event.fraction is None:
                    write(event.message)
                else:                                  # e.g. pairs being drawn: 40 %
                    bar.set_description(event.message, refresh=True)
    except (KeyboardInterrupt, distributed.StopRequested):
        # Ctrl+C in one process; under torchrun a signal to any rank stops all at one step
        job.close()
        write("Interrupted: saving the weights of the last finished step.")
        result = TrainResult(trainer.steps_done, 0.0, stopped_early=True)
    except TrainingDiverged as exc:
        bar.close()
        if session.main:
            print(f"error: {exc}", file=sys.stderr)
        session.close()
        return 1
    except (ValueError, DataError) as exc:        # e.g. no file of a folder could be read
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        session.close()
        return 2
    finally:
        bar.close()
    try:
        meta = session.save(result)                # every rank takes part; rank 0 writes
    except (OSError, CheckpointError) as exc:
        print(f"error: could not save the checkpoint to {args.out}: {exc}", file=sys.stderr)
        session.close()
        return 1
    session.close(together=True)
    if meta is None:                               # ranks other than 0
        return 0
    figures = ", ".join(f"{k} {v:.4g}" for k, v in meta.get("metrics", {}).items()
                        if isinstance(v, (int, float)))
    scope = meta.get("metrics_scope")       # e.g. "all 2,000 held-out images"
    if figures and isinstance(scope, str) and scope:
        figures = f"on {scope}: {figures}"
    print(f"Saved {args.out} ({trainer.steps_done} steps" + (f"; {figures})" if figures else ")"))
    return 0
