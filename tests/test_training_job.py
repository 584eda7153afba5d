"""The training job: a generator of events that whoever drives it can stop between two steps."""
from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest
import torch

import models.autoencoder.training
from models.autoencoder.nets import AEConfig
from models.data import DataError, Dataset, Split, to_float
from models.events import CodeStats, DatasetReady, EpochEnd, LatentCodes, Preview, Snapshot, Status, Step, TrainResult
from models.latent import latent_box
from models.metrics import knn_accuracy
from models.autoencoder.training import (AutoencoderTrainer, epoch_test_size, TrainConfig, TrainingDiverged,
                                         encode_means, evaluate)
from job_events import run_all

MODEL = AEConfig(kind="vae", arch="conv", latent_dim=2, hidden=64)
# live_budget=1.0 lifts the cap on the time previews and snapshots may take, so these cadences
# hold exactly; test_live_views_keep_to_their_budget tests the cap itself.
EVERY_STEP = dict(preview_every_s=0.0, snapshot_every_s=0.0, live_budget=1.0)  # one per step
RARELY = dict(preview_every_s=1e9, snapshot_every_s=1e9, live_budget=1.0)  # ~once per epoch


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def make_trainer(dataset, model=MODEL, **train) -> AutoencoderTrainer:
    cfg = dict(epochs=1, batch_size=64, lr=2e-3, beta=1.0, seed=0)
    cfg.update(train)
    return AutoencoderTrainer(model, TrainConfig(**cfg), dataset, device="cpu", download=False)



def copy_state(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in state.items()}


def assert_same_state(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def states_differ(a, b) -> bool:
    return any(not np.array_equal(a[k], b[k]) for k in a)


def find_tensors(obj, path="event") -> list[str]:
    """Paths to every torch tensor inside dataclasses, dicts, lists and tuples."""
    if isinstance(obj, torch.Tensor):
        return [path]
    found = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            found += find_tensors(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, dict):
        for k, v in obj.items():
            found += find_tensors(k, f"{path}[key {k!r}]") + find_tensors(v, f"{path}[{k!r}]")
    elif isinstance(obj, (list, tuple, set)):
        for i, v in enumerate(obj):
            found += find_tensors(v, f"{path}[{i}]")
    return found


def test_find_tensors_sees_nested_tensors():
    # guards the event checks below against a walker that never finds anything
    ev = Snapshot(1, {"w": np.zeros(2), "deep": [{"t": torch.zeros(1)}]})
    assert find_tensors(ev) == ["event.state['deep'][0]['t']"]


# --------------------------------------------------------------------------- the event stream

def test_events_are_numpy_only_and_steps_count_up(small_mnist):
    trainer = make_trainer(small_mnist, epochs=2, beta=0.5, **EVERY_STEP)
    events, result = run_all(trainer.run())

    kinds = {type(e) for e in events}
    assert kinds == {DatasetReady, Snapshot, LatentCodes, CodeStats, Step, Preview, EpochEnd}
    assert isinstance(events[0], DatasetReady)
    for e in events:
        assert find_tensors(e) == [], type(e).__name__

    steps = [e for e in events if isinstance(e, Step)]
    per_epoch = math.ceil(512 / 64)
    assert [s.step for s in steps] == list(range(1, 2 * per_epoch + 1))
    assert all(s.total_steps == 2 * per_epoch and s.epochs == 2 for s in steps)
    assert [s.epoch for s in steps] == [1] * per_epoch + [2] * per_epoch
    for s in steps:
        assert set(s.losses) == {"loss", "recon", "kl"}
        assert all(type(v) is float for v in s.losses.values())
        assert s.losses["loss"] == pytest.approx(s.losses["recon"] + 0.5 * s.losses["kl"], rel=1e-5)
    elapsed = [s.elapsed_s for s in steps]
    assert all(b >= a for a, b in zip(elapsed, elapsed[1:])) and elapsed[0] > 0

    ready = events[0]
    n_eval = len(small_mnist.test)  # fewer than eval_points
    assert ready.name == "mnist" and ready.classes == small_mnist.classes
    assert ready.images.dtype == np.uint8
    np.testing.assert_array_equal(ready.images, small_mnist.test.images[:n_eval])
    np.testing.assert_array_equal(ready.labels, small_mnist.test.labels[:n_eval])

    expected_keys = set(trainer.model.state_dict())
    snaps = [i for i, e in enumerate(events) if isinstance(e, Snapshot)]
    assert snaps
    for i in snaps:
        snap, codes = events[i], events[i + 1]
        assert set(snap.state) == expected_keys
        assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in snap.state.values())
        # every Snapshot is followed by the codes under those weights
        assert isinstance(codes, LatentCodes) and codes.step == snap.step
        assert codes.latents.shape == (n_eval, 2) and isinstance(codes.latents, np.ndarray)
        np.testing.assert_array_equal(codes.labels, small_mnist.test.labels[:n_eval])
    assert sum(isinstance(e, LatentCodes) for e in events) == len(snaps)

    for prev in (e for e in events if isinstance(e, Preview)):
        assert prev.inputs.shape == prev.outputs.shape == (8, 28, 28)
        assert isinstance(prev.outputs, np.ndarray)
        assert prev.outputs.min() >= 0 and prev.outputs.max() <= 1
        np.testing.assert_allclose(prev.inputs, to_float(small_mnist.test.images[:8]))

    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in ends] == [1, 2]
    # every batch holds 64 images, so the epoch's train loss is the mean of its steps' losses
    for end in ends:
        mine = [s.losses["loss"] for s in steps if s.epoch == end.epoch]
        assert end.train_losses["loss"] == pytest.approx(np.mean(mine), rel=1e-9)
    assert isinstance(result, TrainResult)
    assert result.steps == 2 * per_epoch and result.epochs_done == 2
    assert result.test_losses == ends[-1].test_losses


def test_epoch_test_losses_are_the_held_out_evaluation(small_mnist):
    trainer = make_trainer(small_mnist, **RARELY)
    test_x = torch.from_numpy(to_float(small_mnist.test.images))
    size = epoch_test_size(trainer.config, len(small_mnist.train), len(test_x))
    # 512 training images: 1/16 is 32, raised to the floor of 100 held-out images
    assert size == 100
    for event in trainer.run():
        if isinstance(event, EpochEnd):
            # the job is paused at this yield: the model is exactly as it was evaluated
            assert event.test_losses == evaluate(trainer.model, test_x[:size], 1.0)
            assert event.test_losses != evaluate(trainer.model, test_x, 1.0)
            break
    else:
        pytest.fail("no EpochEnd")


def test_snapshots_are_copies_of_the_weights(small_mnist):
    trainer = make_trainer(small_mnist, **EVERY_STEP)
    seen = []
    for event in trainer.run():
        if isinstance(event, Snapshot):
            now = trainer.state_numpy()
            assert_same_state(event.state, now)
            seen.append((event, copy_state(event.state)))
    # later training changed the model, but no snapshot changed with it
    assert states_differ(seen[0][1], trainer.state_numpy())
    for event, at_the_time in seen:
        assert_same_state(event.state, at_the_time)


def test_loss_goes_down(small_mnist):
    trainer = make_trainer(small_mnist, epochs=2, **RARELY)
    test_x = torch.from_numpy(to_float(small_mnist.test.images))
    before = evaluate(trainer.model, test_x, 1.0)["loss"]
    events, result = run_all(trainer.run())
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert ends[1].train_losses["loss"] < ends[0].train_losses["loss"]
    assert ends[1].test_losses["loss"] < ends[0].test_losses["loss"] < before
    assert result.test_losses["loss"] < 0.85 * before


# --------------------------------------------------------------------------- stopping and pausing

def test_closing_mid_epoch_keeps_the_last_snapshot(small_mnist):
    trainer = make_trainer(small_mnist, **EVERY_STEP)
    job = trainer.run()
    snaps = []
    for event in job:
        if isinstance(event, Snapshot):
            snaps.append(event)
            if event.step == 5:  # of 8 steps in the epoch
                break
    job.close()
    assert trainer.steps_done == 5
    assert_same_state(trainer.state_numpy(), snaps[-1].state)
    # every step changes the weights, so a step after close would have been seen
    assert states_differ(snaps[-2].state, snaps[-1].state)
    with pytest.raises(StopIteration):
        next(job)


def test_closing_right_after_a_step(small_mnist):
    trainer = make_trainer(small_mnist, **RARELY)
    job = trainer.run()
    for event in job:
        if isinstance(event, Step) and event.step == 3:
            at_step = copy_state(trainer.state_numpy())
            break
    job.close()
    assert trainer.steps_done == 3
    assert_same_state(trainer.state_numpy(), at_step)


def test_pausing_is_not_calling_next(small_mnist):
    trainer = make_trainer(small_mnist, **RARELY)
    job = trainer.run()
    steps, busy_wall = [], 0.0
    paused_after = None
    while True:
        t0 = time.perf_counter()
        try:
            event = next(job)
        except StopIteration:
            break
        call = time.perf_counter() - t0
        if isinstance(event, Step):
            if paused_after is not None and event.step == 4:
                gap = event.elapsed_s - paused_after.elapsed_s
                wall_between = busy_wall + call
            steps.append(event.step)
            if event.step == 3:
                paused_after, busy_wall = event, 0.0
                frozen = copy_state(trainer.state_numpy())
                time.sleep(0.3)  # the pause: nobody asks for the next step
                assert trainer.steps_done == 3
                assert_same_state(trainer.state_numpy(), frozen)
        elif paused_after is not None:
            busy_wall += call
    assert steps == list(range(1, 9))
    # elapsed time counts only the job's own work: between steps 3 and 4 it cannot exceed
    # the time spent inside next(), which excludes the pause
    assert 0 < gap <= wall_between

    # a run that was paused ends exactly where an uninterrupted one does
    straight = make_trainer(small_mnist, **RARELY)
    run_all(straight.run())
    assert_same_state(trainer.state_numpy(), straight.state_numpy())


def test_a_nan_loss_stops_training_with_the_previous_weights(small_mnist, monkeypatch):
    real = models.autoencoder.training.loss_terms
    calls = {"n": 0}

    def flaky(model, x, beta=1.0, generator=None, **options):
        calls["n"] += 1
        terms = real(model, x, beta, generator, **options)
        if calls["n"] == 3:
            terms = {k: v * float("nan") for k, v in terms.items()}
        return terms
    monkeypatch.setattr(models.autoencoder.training, "loss_terms", flaky)

    trainer = make_trainer(small_mnist, **RARELY)
    job = trainer.run()
    after_step_2 = None
    with pytest.raises(TrainingDiverged) as info:
        for event in job:
            if isinstance(event, Step) and event.step == 2:
                after_step_2 = copy_state(trainer.state_numpy())
    assert calls["n"] == 3
    assert trainer.steps_done == 2
    assert_same_state(trainer.state_numpy(), after_step_2)
    assert "step 3" in str(info.value) and "step 2" in str(info.value)


def test_empty_training_split_is_refused(small_mnist):
    empty = Dataset("mnist", small_mnist.classes,
                    Split(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)),
                    small_mnist.test, "empty")
    job = make_trainer(empty).run()
    assert isinstance(next(job), DatasetReady)
    with pytest.raises(ValueError, match="empty"):
        next(job)


# --------------------------------------------------------------------------- datasets by name

def test_a_dataset_name_is_loaded_by_the_job(mnist):
    trainer = make_trainer("mnist", **RARELY)
    assert trainer.dataset is None  # nothing loaded before the job runs
    job = trainer.run()
    first, second = next(job), next(job)
    job.close()
    assert isinstance(first, Status) and "mnist" in first.message
    assert isinstance(second, DatasetReady) and second.name == "mnist"
    # the named set is the one the fixture read: 8,000 + 2,000, or the sample's 1,600 + 400
    assert (len(trainer.dataset.train), len(trainer.dataset.test)) == (len(mnist.train), len(mnist.test))
    np.testing.assert_array_equal(second.labels, mnist.test.labels)
    assert len(second.images) == min(2000, len(mnist.test))  # eval_points, or all held out


def test_a_missing_dataset_name_fails_in_the_job(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA", str(tmp_path))
    job = make_trainer("mnist").run()
    assert isinstance(next(job), Status)
    with pytest.raises(DataError, match="PLAYGROUND_DATA"):
        next(job)


# --------------------------------------------------------------------------- checkpoint metadata

def test_checkpoint_meta(small_mnist):
    model = AEConfig(kind="ae", arch="mlp", latent_dim=3, hidden=64)
    trainer = make_trainer(small_mnist, model=model, **RARELY)
    _, result = run_all(trainer.run())
    meta = trainer.checkpoint_meta(result)

    assert meta["family"] == "autoencoder"
    assert meta["config"] == model.to_dict()
    assert meta["training"]["batch_size"] == 64
    assert meta["steps"] == trainer.steps_done == 8 and meta["epochs"] == 1.0
    assert meta["stopped_early"] is False
    assert meta["dataset"]["train_size"] == 512 and meta["dataset"]["test_size"] == 256

    train_z = encode_means(trainer.model, torch.from_numpy(to_float(small_mnist.train.images)))
    test_z = encode_means(trainer.model, torch.from_numpy(to_float(small_mnist.test.images)))
    knn = meta["metrics"]["knn5_accuracy"]
    assert 0.0 <= knn <= 1.0
    assert knn == knn_accuracy(train_z, small_mnist.train.labels, test_z, small_mnist.test.labels)
    # the checkpoint's figures cover the whole held-out split, not the per-epoch subset
    full = evaluate(trainer.model, torch.from_numpy(to_float(small_mnist.test.images)), 1.0)
    assert meta["metrics"]["test_loss"] == pytest.approx(full["loss"], rel=1e-12)
    box = np.asarray(meta["latent_box"])
    assert box.shape == (2, 3)
    np.testing.assert_allclose(box, latent_box(train_z, margin=0.0))
    assert (box[0] < box[1]).all()
    stopped = trainer.checkpoint_meta(TrainResult(4, 0.5, stopped_early=True))
    assert stopped["stopped_early"] is True


# --------------------------------------------------------------------------- configuration

@pytest.mark.parametrize("kwargs", [
    {"epochs": 0}, {"epochs": 10_001}, {"batch_size": 0}, {"lr": 0.0}, {"lr": float("nan")},
    {"lr": 2.0}, {"beta": -0.1}, {"beta": float("inf")},
])
def test_train_config_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        TrainConfig(**kwargs)


def test_step_progress_and_eta():
    s = Step(step=25, total_steps=100, epoch=1, epochs=4, losses={}, elapsed_s=10.0, images_per_s=1.0)
    assert s.fraction == 0.25
    assert s.eta_s == pytest.approx(30.0)  # 10 s for 25 steps → 30 s for the remaining 75
    assert math.isnan(Step(0, 100, 1, 1, {}, 0.0, 0.0).eta_s)


def test_live_views_keep_to_their_budget(small_mnist):
    # With a budget no preview can fit in, only the first step's and the final epoch's come,
    # even though the intervals ask for one every step; training itself is untouched.
    trainer = make_trainer(small_mnist, epochs=3, preview_every_s=0.0, snapshot_every_s=0.0,
                           live_budget=1e-9)
    events = list(trainer.run())
    steps = [i for i, e in enumerate(events) if isinstance(e, Step)]
    previews = [i for i, e in enumerate(events) if isinstance(e, Preview)]
    snapshots = [i for i, e in enumerate(events) if isinstance(e, Snapshot)]
    assert len(steps) == trainer.steps_done == 3 * math.ceil(len(small_mnist.train) / 64)
    assert len(previews) == 2 and previews[0] == steps[0] + 1 and previews[1] > steps[-1]
    # before training, after step 1 (snapshots have a budget of their own, unspent until then),
    # and after the last epoch
    assert len(snapshots) == 3 and snapshots[0] < steps[0] and snapshots[-1] > steps[-1]
    assert snapshots[1] in (steps[0] + 1, steps[0] + 2)
