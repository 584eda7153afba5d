"""Training throughput on 1 process against 2 DDP processes (Gloo, CPU), per image family.

    .venv/bin/python benchmarks/ddp_scaling.py [--steps 10] [--warmup 3] [--only vae,ddpm]

What a `torchrun --nproc_per_node=2` run costs or gains on this machine. Each run is a fresh
set of processes started like torchrun's (RANK, WORLD_SIZE, … in the environment; the
trainer's own models.distributed code joins the group):

  1 process   the plain trainer, as `playground train` runs it (no process group, as many
              threads as cores other programs leave free: playground.torch_threads);
  2 processes two Gloo ranks with one thread each (torchrun's OMP_NUM_THREADS=1 default), the
              same global batch split in halves, DDP averaging the gradients.

Throughput = global images per second over `--steps` steps after `--warmup` steps, timed on
rank 0 (the ranks move in lockstep). The data is random 28×28 images (throughput does not
depend on what they show); pix2pix renders 64-px landscapes. Configurations are small CPU
ones: conv VAE (latent 2, batch 128), DDPM U-Net 8,16,16 (T = 1000, batch 128), DCGAN widths
32 (batch 64), WGAN-GP widths 32 (k_d 5, batch 64), pix2pix 64 px width 16 (batch 8).

On a 2-core CPU two processes can at best match one process using both cores: the figure
is the overhead (gradient all-reduce over Gloo, one tiny all-reduce per step for stop/NaN,
a Python process each). With several GPUs the same code uses NCCL and scales with the GPUs.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine_line  # noqa: E402

FAMILIES = {
    "vae": 128,
    "ddpm": 128,
    "dcgan": 64,
    "wgan-gp": 64,
    "pix2pix": 8,
}


def make_trainer(family: str, batch: int):
    import numpy as np

    from models.data import Dataset, Split

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (4096 + 64, 28, 28), dtype=np.uint8)
    labels = (np.arange(len(images)) % 10).astype(np.int64)
    ds = Dataset("random", tuple(str(i) for i in range(10)), Split(images[:4096], labels[:4096]),
                 Split(images[4096:], labels[4096:]), "random images")
    inf = float("inf")
    if family == "vae":
        from models.autoencoder import AEConfig
        from models.autoencoder.training import AutoencoderTrainer, TrainConfig
        return AutoencoderTrainer(AEConfig(kind="vae", arch="conv", latent_dim=2),
                                  TrainConfig(epochs=50, batch_size=batch, preview_every_s=inf,
                                              snapshot_every_s=inf, eval_points=16,
                                              epoch_test_points=16), ds, "cpu")
    if family == "ddpm":
        from models.diffusion.training import DiffusionTrainConfig, DiffusionTrainer
        from models.diffusion.unet import DiffusionConfig
        return DiffusionTrainer(DiffusionConfig(channels=(8, 16, 16)),
                                DiffusionTrainConfig(epochs=50, batch_size=batch,
                                                     samples_every_s=inf, snapshot_every_s=inf,
                                                     test_points=16), ds, "cpu")
    if family == "pix2pix":
        from models.pix2pix.training import Pix2PixConfig, Pix2PixTrainConfig, Pix2PixTrainer
        return Pix2PixTrainer(Pix2PixConfig("classes", size=64, depth=6, width=16),
                              Pix2PixTrainConfig(epochs=50, batch_size=batch, preview_every_s=inf,
                                                 snapshot_every_s=inf), 256, "cpu")
    from models.gan.nets import GANConfig
    from models.gan.training import GANTrainConfig, GANTrainer, with_loss_defaults
    loss = "wgan-gp" if family == "wgan-gp" else "non-saturating"
    config = with_loss_defaults(GANTrainConfig(loss=loss, epochs=50, batch_size=batch,
                                               classifier=None, samples_every_s=inf,
                                               health_every_s=inf, snapshot_every_s=inf))
    return GANTrainer(GANConfig(noise_dim=64, g_width=32, d_width=32), config, ds, "cpu")


def child(family: str, warmup: int, steps: int, out: str) -> None:
    """One rank (or the only process): train, time steps warmup … warmup + steps on rank 0."""
    from models import distributed
    from models.events import Step

    d = distributed.from_env("cpu")
    batch = FAMILIES[family]
    trainer = make_trainer(family, batch)
    trainer.dist = d
    job = trainer.run()
    if not d.active:
        # as `playground train` runs: with the cores other programs leave free
        from playground.torch_threads import adapting
        job = adapting(job)
    t0 = None
    per_step = batch * getattr(trainer.config, "k_d", 1)     # GAN steps take k_d batches
    for event in job:
        if isinstance(event, Step):
            if event.step == warmup:
                t0 = time.perf_counter()
            elif event.step == warmup + steps:
                dt = time.perf_counter() - t0
                job.close()
                break
    if d.is_main:
        Path(out).write_text(json.dumps({"images_per_s": steps * per_step / dt,
                                         "threads": _threads()}))   # at the end of the run
    distributed.shutdown(d, together=True)


def _threads() -> int:
    import torch
    return torch.get_num_threads()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(family: str, world: int, warmup: int, steps: int, timeout: float) -> dict:
    out = (Path(os.environ.get("TMPDIR", "/tmp"))
           / f"ddp-scaling-{os.getpid()}-{family}-{world}.json")
    port = free_port()
    procs = []
    for rank in range(world):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        if world > 1:
            env.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank),
                       LOCAL_WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1",
                       MASTER_PORT=str(port), OMP_NUM_THREADS="1")
        procs.append(subprocess.Popen([sys.executable, __file__, "--child", family, str(warmup),
                                       str(steps), str(out)], env=env, cwd=ROOT))
    deadline = time.monotonic() + timeout
    try:
        for p in procs:
            p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        return {"error": f"timed out after {timeout:.0f} s"}
    if any(p.returncode for p in procs) or not out.exists():
        return {"error": f"exit codes {[p.returncode for p in procs]}"}
    result = json.loads(out.read_text())
    out.unlink()
    return result


def load() -> str:
    try:
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load average unknown"


def main() -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--only", default=",".join(FAMILIES),
                   help=f"comma-separated families (default: {','.join(FAMILIES)})")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per run at most")
    args = p.parse_args()
    families = [f for f in args.only.split(",") if f]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        p.error(f"unknown families: {', '.join(unknown)}")
    print(machine_line())
    print(f"before: {load()}")
    print(f"{'family':8s} {'batch':>5s} {'1 process':>16s} {'2 processes':>16s} {'2 / 1':>6s}")
    for family in families:
        one = run(family, 1, args.warmup, args.steps, args.timeout)
        two = run(family, 2, args.warmup, args.steps, args.timeout)
        cells = []
        for r in (one, two):
            cells.append(f"{r['images_per_s']:8.0f} img/s ({r['threads']}t)" if "images_per_s" in r
                         else r["error"])
        ratio = (f"{two['images_per_s'] / one['images_per_s']:6.2f}"
                 if "images_per_s" in one and "images_per_s" in two else "     –")
        print(f"{family:8s} {FAMILIES[family]:5d} {cells[0]:>16s} {cells[1]:>16s} {ratio}",
              flush=True)
    print(f"after: {load()}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(main())
