"""The command line's side of several-process training, resuming and periodic saving.

    torchrun --standalone --nproc_per_node=N -m playground train <model> ... [--save-every S]
    playground train <model> ... --resume FOLDER          (the same command, continued)

A `Session` wraps one `playground train` run: it joins torchrun's process group (or does
nothing in a plain run), hands the trainer its rank, restores a saved run, saves a checkpoint
with its training state every S steps and at the end (only rank 0 writes; every rank takes
part in gathering the generators' states), and leaves the group. Each family's command calls
it at the same few places. Nothing here imports Qt.
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from models import distributed
from models.train_state import (capture, check_same_run, read_train_state, restore,
                                save_train_state)

from models.cli_types import whole


def _save_every(text: str) -> int:
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 step, not {value}")
    return value


def add_distributed_arguments(options) -> None:
    """--resume and --save-every, through the command line's option adder (playground/cli.py),
    which leaves out those a command does not take."""
    if {"--resume", "--save-every"} <= options.not_taken:
        options.add("--resume", default=None)
        options.add("--save-every", default=None)
        return
    group = options.parser.add_argument_group(
        "long runs (resume, several processes)",
        "Start with torchrun --standalone --nproc_per_node=N -m playground train … to train on "
        "N processes (N GPUs with CUDA, else N CPU processes); --batch-size is the global "
        "batch, split evenly between them.")
    options.add("--resume", group, metavar="FOLDER", default=None,
                help="continue the run saved in FOLDER (its train_state.safetensors): "
                     "give the same command that started it; --epochs may be larger")
    options.add("--save-every", group, metavar="STEPS", type=_save_every, default=None,
                help="also save the checkpoint and training state every STEPS steps, "
                     "so a run killed midway loses at most that many")


class Session:
    """One run's process group, signals, resume and saving. `device` is what to build the
    trainer on: the rank's own device under torchrun, the --device choice otherwise."""

    def __init__(self, args):
        self.args = args
        self.dist = distributed.from_env(args.device)          # ValueError: a bad device
        self.device = self.dist.device if self.dist.active else args.device
        self.trainer = None
        self._write: Callable | None = None
        self.note: Callable[[str], None] = lambda message: print(message, file=sys.stderr)

    @property
    def main(self) -> bool:
        """Rank 0 (or the only process): it prints and writes."""
        return self.dist.is_main

    def say(self, message: str) -> None:
        if self.main:
            print(message, file=sys.stderr)

    def main_first(self, load: Callable):
        """load() on rank 0 first, then on the others: a dataset that must be downloaded is
        fetched once, not by every process into the same folder at the same time."""
        if not self.dist.active:
            return load()
        import torch.distributed as dist
        if self.main:
            try:
                return load()
            finally:
                dist.barrier()     # a failure too: the others then fail to load, or are
                                   # stopped by torchrun when this process exits
        dist.barrier()
        return load()

    def describe(self) -> str:
        d = self.dist
        return f" on {d.world_size} processes ({d.backend})" if d.active else ""

    def start(self, trainer, write_checkpoint: Callable) -> None:
        """Before trainer.run(): give it its rank, check the global batch splits, restore
        --resume's state. `write_checkpoint(result)` saves the checkpoint (rank 0 only) and
        returns its metadata. ValueError / CheckpointError say what is wrong."""
        self.trainer, self._write = trainer, write_checkpoint
        if not getattr(trainer, "resumable", False):   # a trainer without train_parts()
            if self.dist.active or self.args.resume or self.args.save_every:
                raise ValueError(f"playground train {self.args.model} trains in one process "
                                 "and cannot resume: torchrun, --resume and --save-every are "
                                 "for the image models")
            return
        trainer.dist = self.dist
        distributed.check_batch(trainer.config.batch_size, self.dist)
        if self.args.resume:
            tensors, header = read_train_state(self.args.resume)
            check_same_run(header["run"], trainer.run_identity(), self.args.resume)
            restore(tensors, header, trainer, self.dist)
            saved_world = header.get("world_size", 1)
            self.say(f"Resuming {self.args.resume} at step {trainer.steps_done}"
                     + (f" (saved by {saved_world} processes, continued on "
                        f"{self.dist.world_size}: a process the save holds no generator "
                        "state for draws fresh noise)"
                        if saved_world != self.dist.world_size else ""))
        distributed.install_stop_handlers(self.dist)

    def threads(self, job):
        """A plain run uses the cores other programs leave free (torch_threads); under
        torchrun the ranks would count each other as such programs and shrink one another,
        so each keeps the threads torchrun gave it (OMP_NUM_THREADS, 1 unless set)."""
        if self.dist.active:
            return job
        from .torch_threads import adapting
        return adapting(job)

    def after_step(self, step: int) -> None:
        """Call on every rank at every Step event: saves on --save-every's steps."""
        every = self.args.save_every
        if every and step % every == 0:
            self.save(None, periodic=True)

    def save(self, result, periodic: bool = False) -> dict | None:
        """Checkpoint + training state of the last finished step. Every rank must call it (the
        generators' states are gathered); rank 0 writes and returns the metadata. A periodic
        save that fails is reported and training goes on; a final one raises."""
        from models import CheckpointError

        trainer = self.trainer
        if not getattr(trainer, "resumable", False):   # e.g. the 2-D GAN: the checkpoint only
            return self._write(result)
        tensors, header = capture(trainer.train_parts(), self.dist)
        if not self.main:
            return None
        try:
            meta = self._write(result)
            save_train_state(self.args.out, tensors, header,
                             {**trainer.run_identity(), "steps": trainer.steps_done})
        except (OSError, CheckpointError) as exc:
            if not periodic:
                raise
            self.note(f"warning: could not save step {trainer.steps_done} to "
                      f"{self.args.out}: {exc}")
            return None
        if periodic:
            self.note(f"saved step {trainer.steps_done} to {self.args.out}")
        return meta

    def close(self, together: bool = False) -> None:
        """Leave the process group; `together` after a run every rank finished (see
        models.distributed.shutdown)."""
        distributed.restore_stop_handlers()
        distributed.shutdown(self.dist, together)
