"""Helpers for tests/test_distributed.py: start W Gloo processes (torch.multiprocessing spawn,
each with torchrun's environment variables) and the functions they run.

Each worker writes what it saw into a .npz/.json file under the test's tmp folder; the test
reads them. `launch` never waits past its timeout: a hang kills the processes and fails.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _entry(rank: int, fn, world: int, port: int, out: str, args: tuple) -> None:
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                      LOCAL_WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port), OMP_NUM_THREADS="1")
    import torch
    torch.set_num_threads(1)
    fn(rank, Path(out), *args)


def launch(fn, world: int, out: Path, *args, timeout: float = 90.0) -> float:
    """Run fn(rank, out, *args) in `world` spawned processes; seconds it took. Raises if any
    fails, or kills them all and raises TimeoutError past `timeout`."""
    import torch.multiprocessing as mp

    t0 = time.monotonic()
    ctx = mp.start_processes(_entry, args=(fn, world, free_port(), str(out), args),
                             nprocs=world, join=False, start_method="spawn")
    deadline = t0 + timeout
    while not ctx.join(timeout=1.0):
        if time.monotonic() > deadline:
            for p in ctx.processes:
                if p.is_alive():
                    p.kill()
            raise TimeoutError(f"{world} ranks still running after {timeout} s (a hang?)")
    return time.monotonic() - t0


def tiny_dataset(n_train: int = 64, n_test: int = 16, seed: int = 0):
    from models.data import Dataset, Split

    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n_train + n_test, 28, 28), dtype=np.uint8)
    labels = (np.arange(n_train + n_test) % 10).astype(np.int64)
    return Dataset("synthetic", tuple(str(i) for i in range(10)),
                   Split(images[:n_train], labels[:n_train]),
                   Split(images[n_train:], labels[n_train:]), "synthetic digits")


def make_trainer(family: str, batch: int, epochs: int = 1, device="cpu", **extra):
    """A tiny trainer of `family` ("ae", "vae", "ddpm", "gan", "wgan-gp") on tiny_dataset, or
    of "pix2pix" on 32 landscapes (batch/2 of them a step)."""
    ds = tiny_dataset()
    if family in ("ae", "vae"):
        from models.autoencoder import AEConfig
        from models.autoencoder.training import AutoencoderTrainer, TrainConfig
        return AutoencoderTrainer(AEConfig(kind=family, arch="mlp", latent_dim=2),
                                  TrainConfig(**{"lr": 1e-3, **extra}, epochs=epochs,
                                              batch_size=batch, eval_points=8,
                                              preview_every_s=1e9, snapshot_every_s=1e9),
                                  ds, device)
    if family == "ddpm":
        from models.diffusion.training import DiffusionTrainConfig, DiffusionTrainer
        from models.diffusion.unet import DiffusionConfig
        return DiffusionTrainer(DiffusionConfig(timesteps=50, channels=(8, 16, 16)),
                                DiffusionTrainConfig(epochs=epochs, batch_size=batch,
                                                     samples_every_s=float("inf"),
                                                     snapshot_every_s=float("inf"),
                                                     test_points=8, **extra), ds, device)
    if family == "pix2pix":
        from models.pix2pix.training import Pix2PixConfig, Pix2PixTrainConfig, Pix2PixTrainer
        return Pix2PixTrainer(Pix2PixConfig("classes", size=32, depth=5, width=8),
                              Pix2PixTrainConfig(patch=16, epochs=epochs, batch_size=batch // 2,
                                                 preview_every_s=1e9, snapshot_every_s=1e9,
                                                 **extra), 32, device)
    from models.gan.nets import GANConfig
    from models.gan.training import GANTrainConfig, GANTrainer
    loss = "wgan-gp" if family == "wgan-gp" else "non-saturating"
    return GANTrainer(GANConfig(noise_dim=8, g_width=8, d_width=8),
                      GANTrainConfig(loss=loss, epochs=epochs, batch_size=batch, classifier=None,
                                     samples_every_s=1e9, health_every_s=1e9,
                                     snapshot_every_s=1e9, sample_count=4, **extra), ds, device)


def weights(trainer) -> dict[str, np.ndarray]:
    out = {}
    for name, module in trainer.train_parts().modules.items():
        for k, v in module.state_dict().items():
            out[f"{name}.{k}"] = v.detach().cpu().numpy().copy()
    return out


def drain(job, steps: int | None = None, on_step=None) -> int:
    """Run a job's generator; stop after `steps` Step events (closing it). Returns steps seen."""
    from models.events import Step

    seen = 0
    for event in job:
        if isinstance(event, Step):
            seen += 1
            if on_step is not None:
                on_step(seen)
            if steps is not None and seen >= steps:
                job.close()
                break
    return seen


# ----------------------------------------------------------------------------- workers
def scenarios(rank: int, out: Path, families: list, batch: int, steps: int) -> None:
    """Everything test_distributed.py checks with 2 ranks, in one process group (starting
    processes costs more than the training):
    1. `steps` steps of each family; the weights into {family}-rank{r}.npz;
    2. a VAE run saved after 3 steps (every rank gathers, rank 0 writes), resumed in fresh
       trainers for 3 more, and a straight 6-step run: resumed-rank{r}.npz, straight-rank{r}.npz;
    3. SIGINT to rank 1 at its step 3, then a NaN on rank 1 at step 3: how each rank ended,
       in sigint-rank{r}.json and nan-rank{r}.json."""
    from models import distributed
    from models.train_state import capture, read_train_state, restore, save_train_state

    d = distributed.from_env("cpu")
    for family in families:
        trainer = make_trainer(family, batch)
        trainer.dist = d
        drain(trainer.run(), steps)
        np.savez(out / f"{family}-rank{rank}.npz", **weights(trainer))

    straight = make_trainer("vae", 16, epochs=2)
    straight.dist = d
    drain(straight.run(), 6)
    np.savez(out / f"straight-rank{rank}.npz", **weights(straight))
    first = make_trainer("vae", 16, epochs=2)
    first.dist = d
    drain(first.run(), 3)
    tensors, header = capture(first.train_parts(), d)
    if d.is_main:
        save_train_state(out / "saved", tensors, header, {"steps": first.steps_done})
    import torch.distributed as dist
    dist.barrier()
    resumed = make_trainer("vae", 16, epochs=2)
    resumed.dist = d
    restore(*read_train_state(out / "saved"), resumed, d)
    drain(resumed.run(), 3)
    np.savez(out / f"resumed-rank{rank}.npz", **weights(resumed))

    for mode in ("sigint", "nan"):
        stop_or_nan(rank, out, d, "ae", mode, 3)
    distributed.shutdown(d, together=True)


def stop_or_nan(rank: int, out: Path, d, family: str, mode: str, at: int) -> None:
    """Rank 1 gets SIGINT (mode "sigint") or sees a NaN loss (mode "nan") at its step `at`;
    record which exception each rank ended with and at which step."""
    import torch

    from models import distributed
    from models.trainer import TrainingDiverged

    distributed.install_stop_handlers(d)
    d.stop_flag.clear()
    trainer = make_trainer(family, 8, epochs=20)
    trainer.dist = d

    def act(step):
        if rank != 1 or step != at - 1:
            return
        if mode == "sigint":
            os.kill(os.getpid(), signal.SIGINT)
        else:   # a NaN in this rank's weights makes its next loss NaN, not the other rank's
            with torch.no_grad():
                next(trainer.train_parts().modules["model"].parameters()).fill_(float("nan"))

    ended = "finished"
    try:
        drain(trainer.run(), None, act)
    except TrainingDiverged as exc:
        ended = f"diverged: {exc}"
    except distributed.StopRequested:
        ended = "stopped"
    (out / f"{mode}-rank{rank}.json").write_text(json.dumps({"ended": ended,
                                                             "steps": trainer.steps_done}))
    distributed.restore_stop_handlers()
