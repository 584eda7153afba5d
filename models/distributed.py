"""Training on several processes with PyTorch's own DistributedDataParallel, started by torchrun.

    torchrun --standalone --nproc_per_node=N -m playground train <model> ...

torchrun starts N copies of the command and tells each its RANK, LOCAL_RANK and WORLD_SIZE
in the environment; `from_env` turns that into a `Dist` (and joins the process group).
Without those variables everything here is a no-op and a trainer runs as it always has.

What each piece does, and why:
- The backend follows the device: NCCL for CUDA (one GPU per process, cuda:LOCAL_RANK),
  Gloo for the CPU. Apple's MPS has no collective backend, so torchrun refuses it.
- Data: a global batch of B images is split over W ranks, B/W each (B % W must be 0).
  `epoch_indices` uses torch's DistributedSampler as the index source over the in-memory
  tensors: in epoch e, rank r's k-th batch of B/W together with the other ranks' is exactly
  the k-th batch of B a single process draws with the same seed. With per-image mean losses
  DDP's gradient average is then the single-process gradient.
- Batch norm: on CUDA it becomes SyncBatchNorm (statistics over the global batch). torch's
  SyncBatchNorm refuses CPU tensors, so on Gloo each rank normalises with its own B/W images
  and DDP broadcasts rank 0's running statistics every forward; `batch_norm_mode` names which
  happened, and the checkpoint records it.
- Stopping: under torchrun SIGINT/SIGTERM only set a flag (raising in the middle of a
  collective would leave the other ranks waiting forever). Every step the ranks all_reduce
  (MAX) [stop, non-finite loss] before the backward pass, so all leave at the same step:
  a NaN on any rank raises TrainingDiverged on every rank, a stop raises StopRequested,
  and the caller (rank 0) saves the last finished step.
"""
from __future__ import annotations

import math
import os
import signal
import threading
from dataclasses import dataclass, field

import torch

BACKENDS = {"cuda": "nccl", "cpu": "gloo"}


class StopRequested(Exception):
    """Some rank was asked to stop (Ctrl+C, SIGTERM); every rank leaves at the same step,
    with the weights of the last finished one."""


@dataclass
class Dist:
    """Where this process stands in a distributed run; the default is a single process."""
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_world_size: int = 1
    backend: str | None = None          # None: no process group (a plain single-process run)
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    stop_flag: threading.Event = field(default_factory=threading.Event)

    @property
    def active(self) -> bool:
        """True when a process group exists: collectives happen, models are DDP-wrapped."""
        return self.backend is not None

    @property
    def is_main(self) -> bool:
        """Rank 0 prints progress and writes checkpoints."""
        return self.rank == 0

    def rank_seed(self, seed: int) -> int:
        """A seed for this rank's own noise (VAE samples, diffusion's t and ε, GAN z): rank 0
        keeps `seed`, so a one-process run draws what it always drew."""
        return seed + 1_000_003 * self.rank

    def seed_global_rng(self, seed: int) -> None:
        """Ranks other than 0 reseed torch's global generator (dropout draws from it) once
        the models exist: every rank built them from the same seed, and identical dropout
        masks on every rank would be noise drawn W times over."""
        if self.rank:
            torch.manual_seed(self.rank_seed(seed))

    def meta(self, global_batch: int, bn_mode: str) -> dict:
        """The checkpoint's "distributed" entry."""
        return {"world_size": self.world_size, "global_batch": int(global_batch),
                "backend": self.backend or "none", "batch_norm": bn_mode}


SINGLE = Dist()


def launched_by_torchrun(environ=os.environ) -> bool:
    return "WORLD_SIZE" in environ and "RANK" in environ


def from_env(device_choice: str = "auto", environ=os.environ) -> Dist:
    """The Dist torchrun's environment describes, with its process group joined; SINGLE when
    not started by torchrun. ValueError for a device no backend serves."""
    if not launched_by_torchrun(environ):
        return SINGLE
    import torch.distributed as dist

    rank, world = int(environ["RANK"]), int(environ["WORLD_SIZE"])
    local_rank = int(environ.get("LOCAL_RANK", rank))
    local_world = int(environ.get("LOCAL_WORLD_SIZE", world))
    choice = (device_choice or "auto").lower()
    if choice == "mps":
        raise ValueError("--device mps cannot train on several processes (PyTorch has no "
                         "collective backend for MPS); use --device cpu or cuda")
    use_cuda = choice == "cuda" or (choice == "auto" and torch.cuda.is_available())
    if use_cuda:
        if not torch.cuda.is_available():
            raise ValueError("--device cuda: no CUDA device here")
        if local_rank >= torch.cuda.device_count():
            raise ValueError(f"{local_world} processes on this machine but only "
                             f"{torch.cuda.device_count()} GPU(s): use --nproc_per_node="
                             f"{torch.cuda.device_count()} or fewer")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    backend = BACKENDS[device.type]
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=rank, world_size=world)
    return Dist(rank, world, local_rank, local_world, backend, device)


def shutdown(d: Dist, together: bool = False) -> None:
    """Leave the process group (quietly: a rank that failed may already have left).

    together: wait for every rank first (a run that ended normally), so no rank tears down
    its connections while another still uses them. Not after an error, where a rank may
    never come."""
    if d.active:
        import gc

        import torch.distributed as dist
        if dist.is_initialized():
            try:
                if together:
                    dist.barrier()
                gc.collect()        # DDP reducers the finished jobs left behind
                dist.destroy_process_group()
            except Exception:   # noqa: BLE001 – leaving anyway
                pass


def check_batch(global_batch: int, d: Dist) -> int:
    """Images per rank per batch; ValueError unless the global batch splits evenly."""
    if global_batch % d.world_size:
        raise ValueError(f"the batch size {global_batch} does not split over {d.world_size} "
                         f"processes; use a multiple of {d.world_size} (the batch size is the "
                         "global batch, each process takes an equal share)")
    return global_batch // d.world_size


def epoch_indices(n: int, seed: int, epoch: int, d: Dist = SINGLE,
                  device: torch.device | str = "cpu") -> torch.Tensor:
    """This rank's share of epoch `epoch`'s shuffled order of n images.

    DistributedSampler draws randperm(n) from a generator seeded seed + epoch and gives rank r
    the positions r, r + W, r + 2W, …; its k-th run of B/W positions, over all ranks, is
    positions kB … (k+1)B − 1 of that order: the k-th batch of a single process. The order
    depends only on (seed, epoch), which is what lets a run resume mid-epoch. When W does not
    divide n the sampler repeats a few images so every rank has as many."""
    from torch.utils.data import DistributedSampler

    sampler = DistributedSampler(range(n), num_replicas=d.world_size, rank=d.rank,
                                 shuffle=True, seed=seed, drop_last=False)
    sampler.set_epoch(epoch)
    return torch.tensor(list(sampler), dtype=torch.long).to(device)


# ----------------------------------------------------------------------------- models
def has_batch_norm(module: torch.nn.Module) -> bool:
    return any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())


def batch_norm_mode(modules, d: Dist) -> str:
    """How batch norm normalises in this run: "none" (no BN layer), "single" (one process),
    "sync" (SyncBatchNorm over the global batch, CUDA) or "per-rank" (each rank's own B/W
    images; rank 0's running statistics, broadcast by DDP)."""
    if not any(has_batch_norm(m) for m in modules):
        return "none"
    if not d.active:
        return "single"
    return "sync" if d.device.type == "cuda" else "per-rank"


def sync_batch_norm(module: torch.nn.Module, d: Dist) -> torch.nn.Module:
    """`module` with BatchNorm layers turned into SyncBatchNorm on CUDA runs (the layers'
    parameters are the same objects, so an optimiser made earlier still holds them)."""
    if d.active and d.device.type == "cuda" and has_batch_norm(module):
        return torch.nn.SyncBatchNorm.convert_sync_batchnorm(module)
    return module


def wrap(module: torch.nn.Module, d: Dist) -> torch.nn.Module:
    """A DistributedDataParallel view of `module` for the training forward pass, or `module`
    itself in a single process. The trainer keeps `module` for everything else (state_dict,
    eval, samples): the wrapper shares its parameters."""
    if not d.active:
        return module
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [d.device.index] if d.device.type == "cuda" else None
    # buffers (BN's running statistics) follow rank 0's at each forward: DDP's default
    return DDP(module, device_ids=ids, output_device=ids[0] if ids else None)


# ----------------------------------------------------------------------------- stopping
_installed: dict[int, object] = {}


def install_stop_handlers(d: Dist) -> None:
    """Under torchrun: SIGINT/SIGTERM set `d.stop_flag` instead of raising, so the rank stops
    at the next step with the others, and rank 0 saves. Every later signal only sets it again:
    on Ctrl+C each rank gets SIGINT from the terminal and once more from torchrun, which then
    waits 30 s for the ranks to leave before it kills them. Only from the main thread;
    nothing happens in a single-process run (Ctrl+C stays a KeyboardInterrupt there)."""
    if not d.active or threading.current_thread() is not threading.main_thread():
        return

    def handler(signum, frame):
        d.stop_flag.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        _installed.setdefault(sig, signal.signal(sig, handler))


def restore_stop_handlers() -> None:
    while _installed:
        sig, previous = _installed.popitem()
        signal.signal(sig, previous)


def agree(d: Dist, nonfinite: bool) -> tuple[bool, int]:
    """(some rank wants to stop, 1 + the highest rank whose loss is not finite, or 0): one
    tiny all_reduce(MAX). A single process only reports its own loss (its stop comes from
    closing the job, or Ctrl+C's KeyboardInterrupt)."""
    if not d.active:
        return False, int(bool(nonfinite))
    import torch.distributed as dist

    flags = torch.tensor([float(d.stop_flag.is_set()), float(d.rank + 1 if nonfinite else 0)],
                         device=d.device)
    dist.all_reduce(flags, op=dist.ReduceOp.MAX)
    stop, bad = flags.tolist()
    return stop > 0, int(bad)


def check_step(d: Dist, values, message: str, step: int | None = None,
               can_stop: bool = True) -> None:
    """Call once per step on every rank, after the losses and before the backward pass.

    `values`: this rank's loss values (floats). Raises TrainingDiverged (`message` on the
    rank that saw it; the others name that rank) if any rank's are not all finite, and
    StopRequested if any rank was asked to stop; both before any rank changes a weight.
    A step that checks several losses (a GAN's D updates, then G's) passes can_stop only at
    its first check, so a stop never leaves D a step ahead of G."""
    from .trainer import TrainingDiverged

    mine = not all(math.isfinite(v) for v in values)
    stop, bad = agree(d, mine)
    if bad:
        if mine:
            raise TrainingDiverged(message)
        at = f" at step {step}" if step is not None else ""
        raise TrainingDiverged(f"A loss became NaN or infinite in process {bad - 1}{at}. "
                               "Every process stopped before changing a weight; try a "
                               "smaller learning rate.")
    if stop and can_stop:
        raise StopRequested("stopped on request")
