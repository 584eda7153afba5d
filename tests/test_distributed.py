"""Training on several processes (DDP with Gloo on this CPU machine) and resuming runs.

The multi-process tests spawn 2 real ranks (tests/ddp_workers.py) on tiny data and configs;
each waits at most a bounded time, so a hang fails instead of blocking the suite.
No GPU here: the NCCL / SyncBatchNorm path is exercised only on CUDA machines.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ddp_workers import drain, launch, make_trainer, scenarios, weights
from idx_files import write_split_folder
from models import distributed
from models.checkpoint import (CheckpointError, inspect_checkpoint, load_checkpoint,
                               read_checkpoint, read_meta, save_checkpoint)
from models.distributed import Dist
from models.train_state import TRAIN_STATE, capture, read_train_state, restore, save_train_state
from models.trainer import TrainingDiverged
from playground.cli import main


# ----------------------------------------------------------------------------- sharding
@pytest.mark.parametrize("n, batch, world", [(64, 16, 2), (60, 16, 4), (50, 8, 2), (48, 12, 3)])
def test_rank_batches_together_are_the_single_process_batch(n, batch, world):
    """Rank r's k-th batch of B/W, with the other ranks', is the one-process k-th batch of B
    (n divisible by W, so DistributedSampler pads nothing)."""
    per = batch // world
    steps = -(-n // batch)
    for epoch in (1, 2):
        single = distributed.epoch_indices(n, 7, epoch)
        shards = [distributed.epoch_indices(n, 7, epoch, Dist(rank=r, world_size=world))
                  for r in range(world)]
        assert sorted(torch.cat(shards).tolist()) == list(range(n))
        for k in range(steps):
            together = torch.cat([s[k * per:(k + 1) * per] for s in shards])
            assert sorted(together.tolist()) == sorted(single[k * batch:(k + 1) * batch].tolist())
    # the order depends on the epoch: that is what resuming mid-epoch relies on
    assert not torch.equal(distributed.epoch_indices(n, 7, 1), distributed.epoch_indices(n, 7, 2))


def test_a_batch_that_does_not_split_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="batch size 10 does not split over 4 processes; use a "
                                         "multiple of 4"):
        distributed.check_batch(10, Dist(world_size=4))
    assert distributed.check_batch(12, Dist(world_size=4)) == 3


def test_single_process_check_step_only_checks_its_loss():
    distributed.check_step(distributed.SINGLE, [1.0, 2.0], "unused")
    with pytest.raises(TrainingDiverged, match="became nan at step 3"):
        distributed.check_step(distributed.SINGLE, [1.0, float("nan")],
                               "The loss became nan at step 3")
    assert not distributed.launched_by_torchrun({})
    assert distributed.from_env("auto", {}) is distributed.SINGLE


def test_batch_norm_mode_names_what_normalises():
    bn = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    plain = torch.nn.Linear(2, 2)
    cpu = Dist(world_size=2, backend="gloo")
    assert distributed.batch_norm_mode([plain], cpu) == "none"
    assert distributed.batch_norm_mode([plain, bn], distributed.SINGLE) == "single"
    assert distributed.batch_norm_mode([bn], cpu) == "per-rank"
    # torch's SyncBatchNorm refuses CPU tensors: on Gloo the layers stay as they are
    assert distributed.sync_batch_norm(bn, cpu) is bn
    cuda = Dist(world_size=2, backend="nccl", device=torch.device("cuda", 0))
    assert distributed.batch_norm_mode([bn], cuda) == "sync"


# ----------------------------------------------------------------------------- resume, 1 process
@pytest.mark.parametrize("family", ["vae", "ddpm"])
def test_a_resumed_run_matches_an_uninterrupted_one(family, tmp_path):
    """Stop after 3 steps mid-epoch (4 per epoch), save, resume in a fresh trainer: the weights
    (and the optimiser's moments, the EMA, the noise drawn) end bit for bit where a straight
    run of the same 6 steps ends."""
    straight = make_trainer(family, 16, epochs=2)
    assert drain(straight.run(), 6) == 6

    first = make_trainer(family, 16, epochs=2)
    drain(first.run(), 3)
    tensors, header = capture(first.train_parts())
    save_train_state(tmp_path, tensors, header, {"steps": first.steps_done})

    resumed = make_trainer(family, 16, epochs=2)
    restore(*read_train_state(tmp_path), resumed)
    assert resumed.steps_done == 3
    assert drain(resumed.run(), 3) == 3
    a, b = weights(straight), weights(resumed)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    # and not trivially: the run moved the weights
    fresh = weights(make_trainer(family, 16, epochs=2))
    assert any(not np.array_equal(a[k], fresh[k]) for k in a)


def test_the_app_opens_a_folder_with_a_training_state(tmp_path):
    trainer = make_trainer("ae", 16)
    drain(trainer.run(), 2)
    state, meta = trainer.checkpoint()
    assert meta["distributed"] == {"world_size": 1, "global_batch": 16, "backend": "none",
                                   "batch_norm": "none"}
    save_checkpoint(tmp_path, state, meta)
    save_train_state(tmp_path, *capture(trainer.train_parts()), meta)
    assert load_checkpoint(tmp_path).family == "autoencoder"
    assert inspect_checkpoint(tmp_path)["steps"] == 2
    # a folder whose only file is a training state is not a checkpoint
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="no model.safetensors"):
        load_checkpoint(tmp_path)
    # and a folder without one cannot be resumed, with a message that says why
    with pytest.raises(CheckpointError, match=f"no {TRAIN_STATE}"):
        read_train_state(tmp_path / "elsewhere")


def test_a_training_state_is_never_unpickled(tmp_path):
    import pickle
    (tmp_path / TRAIN_STATE).write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(CheckpointError, match="pickle"):
        read_train_state(tmp_path)


# ----------------------------------------------------------------------------- 2 ranks
FAMILIES = ["ae", "vae", "ddpm", "gan", "wgan-gp", "pix2pix"]


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    """One 2-rank Gloo job runs every scenario (tests/ddp_workers.py: scenarios); the tests
    below read what each rank saved."""
    out = tmp_path_factory.mktemp("ddp")
    launch(scenarios, 2, out, FAMILIES, 16, 3, timeout=240)
    return out


def test_two_ranks_train_as_one_process_with_the_same_global_batch(two_ranks):
    """AE: deterministic, so 2 ranks × 8 images ≡ 1 process × 16 after 3 steps. VAE, DDPM and
    the GANs draw noise per rank (pix2pix its dropout): their ranks must agree with each
    other exactly (DDP averaged the gradients; WGAN-GP's penalty goes through the bare critic
    and joins the same backward), and have trained."""
    single = make_trainer("ae", 16)
    drain(single.run(), 3)
    one = weights(single)
    for family in FAMILIES:
        r0 = np.load(two_ranks / f"{family}-rank0.npz")
        r1 = np.load(two_ranks / f"{family}-rank1.npz")
        start = weights(make_trainer(family, 16))
        # G's batch-norm running statistics are each rank's own on the CPU (rank 0's are
        # broadcast at each forward, then updated locally): compare trained parameters
        params = [k for k in r0.files if "running_" not in k and "num_batches" not in k]
        for k in params:
            np.testing.assert_array_equal(r0[k], r1[k], err_msg=f"{family} {k}")
        assert all(not np.array_equal(r0[k], start[k])
                   for k in params if k.endswith("weight")), family
    r0 = np.load(two_ranks / "ae-rank0.npz")
    for k in one:
        np.testing.assert_allclose(r0[k], one[k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_a_two_rank_run_resumes_where_it_stopped(two_ranks):
    """A VAE saved after 3 steps by 2 ranks and resumed in fresh trainers on 2 ranks ends
    where a straight 6-step 2-rank run ends (each rank's own noise stream restored)."""
    for r in (0, 1):
        straight = np.load(two_ranks / f"straight-rank{r}.npz")
        resumed = np.load(two_ranks / f"resumed-rank{r}.npz")
        for k in straight.files:
            np.testing.assert_allclose(resumed[k], straight[k], rtol=1e-6, atol=1e-7,
                                       err_msg=f"rank {r} {k}")
    state = read_train_state(two_ranks / "saved")[0]
    assert {"rng/noise/0", "rng/noise/1"} <= state.keys()
    assert not np.array_equal(state["rng/noise/0"], state["rng/noise/1"])


@pytest.mark.parametrize("mode", ["sigint", "nan"])
def test_a_stop_or_a_nan_on_one_rank_ends_both_at_the_same_step(two_ranks, mode):
    ends = [json.loads((two_ranks / f"{mode}-rank{r}.json").read_text()) for r in (0, 1)]
    # both left before step 3 changed a weight
    assert [e["steps"] for e in ends] == [2, 2]
    if mode == "sigint":
        assert [e["ended"] for e in ends] == ["stopped", "stopped"]
    else:
        assert ends[1]["ended"].startswith("diverged: The loss became nan at step 3")
        assert ends[0]["ended"] == ("diverged: A loss became NaN or infinite in process 1 at "
                                    "step 3. Every process stopped before changing a weight; "
                                    "try a smaller learning rate.")


# ----------------------------------------------------------------------------- the command line
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (80, 28, 28), dtype=np.uint8)
    return write_split_folder(tmp_path_factory.mktemp("ddp-idx"), images,
                              (np.arange(80) % 10).astype(np.uint8), 64)


def ae_args(folder: Path, out: Path, epochs: int, *extra) -> list[str]:
    return ["train", "ae", "--arch", "mlp", "--dataset", str(folder), "--no-download",
            "--device", "cpu", "--batch-size", "16", "--epochs", str(epochs), "--out", str(out),
            *extra]


def child_env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def assert_same_weights(a: Path, b: Path, exact: bool) -> None:
    wa, wb = read_checkpoint(a)[0], read_checkpoint(b)[0]
    assert wa.keys() == wb.keys()
    for k in wa:
        if exact:
            np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
        else:
            # summing gradients in another order changes their last bits; where a gradient
            # is near 0, Adam's m/√v turns that into up to lr (1e-3) per step: a handful of
            # 300k weights differ by ~1e-5 after 8 steps
            np.testing.assert_allclose(wa[k], wb[k], rtol=1e-5, atol=1e-4, err_msg=k)


@pytest.fixture(scope="module")
def torchrun_run(idx_folder, tmp_path_factory):
    """One `torchrun --nproc_per_node=2 … playground train ae --save-every 2` run: (its
    checkpoint folder, the finished process)."""
    out = tmp_path_factory.mktemp("torchrun") / "two"
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                          "--nproc_per_node=2", "-m", "playground",
                          *ae_args(idx_folder, out, 1, "--save-every", "2")],
                         cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    return out, run


@pytest.mark.usefixtures("one_torch_thread")
def test_torchrun_trains_records_and_one_process_continues(torchrun_run, idx_folder, tmp_path,
                                                           capsys):
    """torchrun with 2 Gloo ranks: one checkpoint (rank 0's) whose metadata records the world
    size and the global batch, --save-every saving midway (said once), the app opens it; one
    process resumes it to 2 epochs and ends where a straight one-process run ends."""
    saved, run = torchrun_run
    out = tmp_path / "two"
    shutil.copytree(saved, out)
    assert run.stdout.count("saved step 2 to") == 1 and run.stdout.count(f"Saved {saved}") == 1
    assert "on 2 processes (gloo)" in run.stderr
    meta = read_meta(out)
    assert meta["steps"] == 4
    assert meta["distributed"] == {"world_size": 2, "global_batch": 16, "backend": "gloo",
                                   "batch_norm": "none"}
    assert load_checkpoint(out).family == "autoencoder"
    assert read_train_state(out)[1]["world_size"] == 2

    assert main(ae_args(idx_folder, out, 2, "--resume", str(out))) == 0
    assert f"Resuming {out} at step 4 (saved by 2 processes" in capsys.readouterr().err
    assert read_meta(out)["steps"] == 8
    straight = tmp_path / "one"
    assert main(ae_args(idx_folder, straight, 2)) == 0
    assert_same_weights(out, straight, exact=False)

    # a different run is refused, with what differs
    assert main(ae_args(idx_folder, tmp_path / "x", 3, "--latent-dim", "3",
                        "--resume", str(out))) == 2
    assert "cannot resume: the model settings differ" in capsys.readouterr().err


@pytest.mark.usefixtures("one_torch_thread")
def test_a_killed_run_resumes_from_its_last_save(idx_folder, tmp_path):
    """SIGKILL a one-process run right after its first --save-every save; --resume continues
    it, and it ends bit for bit where an uninterrupted run ends."""
    out = tmp_path / "killed"
    argv = ae_args(idx_folder, out, 40, "--save-every", "40")
    proc = subprocess.Popen([sys.executable, "-m", "playground", *argv], cwd=ROOT,
                            env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / TRAIN_STATE).exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "no save within 120 s"
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait()
    saved = read_train_state(out)[1]["run"]["steps"]
    assert saved % 40 == 0 and 0 < saved < 160
    assert main([*argv, "--resume", str(out)]) == 0
    assert read_meta(out)["steps"] == 160
    straight = tmp_path / "straight"
    assert main(ae_args(idx_folder, straight, 40)) == 0
    assert_same_weights(out, straight, exact=True)


def test_torchrun_trains_a_wgan_gp_whose_ranks_exit_cleanly(idx_folder, tmp_path):
    """The image GANs under torchrun: two DDP modules, the penalty through the bare critic,
    G's batch norm per rank on Gloo (recorded); every rank exits 0 (a DDP view left on the
    trainer once made a rank abort as the interpreter shut down)."""
    out = tmp_path / "wgan"
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                          "--nproc_per_node=2", "-m", "playground", "train", "wgan-gp",
                          "--dataset", str(idx_folder), "--no-download", "--device", "cpu",
                          "--g-width", "8", "--d-width", "8", "--noise-dim", "8",
                          "--batch-size", "8", "--epochs", "1", "--out", str(out)],
                         cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "terminate called" not in run.stderr
    meta = read_meta(out)
    assert meta["steps"] == 2          # 64 images, 5 critic batches of 8 a step: 40, then 24
    assert meta["distributed"] == {"world_size": 2, "global_batch": 8, "backend": "gloo",
                                   "batch_norm": "per-rank"}
    assert load_checkpoint(out).family == "gan"


def test_ctrl_c_under_torchrun_saves_the_last_step_of_both_ranks(idx_folder, tmp_path):
    """Ctrl+C sends SIGINT to torchrun and both ranks (the terminal's process group), and
    torchrun sends it to the ranks once more: they stop at one step, rank 0 saves it, and
    everything exits well within torchrun's 30 s grace period."""
    out = tmp_path / "ctrl-c"
    proc = subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone",
                             "--nproc_per_node=2", "-m", "playground",
                             *ae_args(idx_folder, out, 1000, "--save-every", "20")],
                            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / TRAIN_STATE).exists():
            assert proc.poll() is None and time.monotonic() < deadline, "no save"
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    meta = read_meta(out)
    assert meta["stopped_early"] is True and 20 <= meta["steps"] < 4000
    assert output.count("Interrupted: saving the weights of the last finished step.") == 1
    assert read_train_state(out)[1]["run"]["steps"] == meta["steps"]


def test_the_app_opens_a_checkpoint_of_a_two_process_run(torchrun_run, make_window, messages):
    w = make_window()
    w.tabs.setCurrentWidget(w.diffusion)
    assert w.open_checkpoint(str(torchrun_run[0])) is True
    assert w.tabs.currentWidget() is w.autoencoder
    assert "two" in w.autoencoder.active_name()
    assert messages == []
    # the info line says how it was trained, as model_source.training_facts words it
    assert "2 processes, global batch" in w.autoencoder.info.text()
