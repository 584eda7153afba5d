"""The diffusion training job: its event stream, EMA, divergence, stopping, label dropout."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

import models.diffusion.training as dtraining
from models.data import Dataset, Split
from models.diffusion import DiffusionConfig, DiffusionModel
from models.diffusion.training import EMA, DiffusionTrainConfig, DiffusionTrainer, Samples, simple_loss
from models.events import DatasetReady, EpochEnd, Snapshot, Step
from models.trainer import TrainingDiverged, to_signed
from job_events import run_all

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(channels=(8, 8, 8), timesteps=50, time_dim=32)
QUIET = dict(samples_every_s=math.inf, snapshot_every_s=math.inf)
EVERY_STEP = dict(samples_every_s=0.0, snapshot_every_s=0.0, live_budget=1.0)


def subset(ds: Dataset, n_train: int, n_test: int = 64) -> Dataset:
    return Dataset(ds.name, ds.classes, Split(ds.train.images[:n_train], ds.train.labels[:n_train]),
                   Split(ds.test.images[:n_test], ds.test.labels[:n_test]), ds.source)


def make_trainer(dataset, num_classes=0, model=None, **train) -> DiffusionTrainer:
    cfg = dict(epochs=1, batch_size=32, lr=3e-3, ema_decay=0.9, seed=0, sample_count=4,
               sample_steps=3, test_points=64, **QUIET)
    cfg.update(train)
    mc = model or DiffusionConfig(num_classes=num_classes, **TINY)
    return DiffusionTrainer(mc, DiffusionTrainConfig(**cfg), dataset, device="cpu", download=False)



def copy_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def same_state(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> bool:
    return all(torch.equal(v, state[k]) for k, v in module.state_dict().items())


def tensors_in(obj) -> bool:
    if isinstance(obj, torch.Tensor):
        return True
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return any(tensors_in(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    if isinstance(obj, dict):
        return any(tensors_in(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(tensors_in(v) for v in obj)
    return False


# --------------------------------------------------------------------------- the event stream

def test_the_event_stream(small_mnist):
    trainer = make_trainer(subset(small_mnist, 128), **EVERY_STEP)
    events, result = run_all(trainer.run())
    assert isinstance(events[0], DatasetReady) and events[0].classes == small_mnist.classes
    assert {type(e) for e in events} == {DatasetReady, Step, Samples, Snapshot, EpochEnd}
    assert not any(tensors_in(e) for e in events)

    steps = [e for e in events if isinstance(e, Step)]
    assert [s.step for s in steps] == [1, 2, 3, 4] and all(s.total_steps == 4 for s in steps)
    assert all(math.isfinite(s.losses["loss"]) and s.losses["loss"] > 0 for s in steps)
    assert all(type(s.losses["loss"]) is float for s in steps)

    (end,) = [e for e in events if isinstance(e, EpochEnd)]
    assert math.isfinite(end.test_losses["loss"]) and 0 < end.test_losses["loss"] < 2
    # every batch holds 32 images, so the epoch's train loss is the mean of the steps' losses
    assert end.train_losses["loss"] == pytest.approx(np.mean([s.losses["loss"] for s in steps]))
    assert result.steps == 4 and result.test_losses == end.test_losses

    samples = [e for e in events if isinstance(e, Samples)]
    assert len(samples) >= 2 and samples[-1].step == 4
    for s in samples:
        assert s.images.shape == (4, 28, 28) and s.images.dtype == np.float32
        assert s.images.min() >= 0 and s.images.max() <= 1 and s.labels is None

    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert snaps[0].step == 0 and snaps[-1].step == 4
    keys = set(trainer.model.state_dict())
    for snap in snaps:
        assert set(snap.state) == keys
    final = trainer.state_numpy()
    for k, v in snaps[-1].state.items():
        np.testing.assert_array_equal(v, final[k])
    # snapshots are the EMA weights, which lag behind the raw ones
    raw = {k: v.numpy() for k, v in trainer.model.state_dict().items()}
    assert any(not np.array_equal(raw[k], final[k]) for k in keys)
    # and they are copies: the first one still holds the initial weights
    assert any(not np.array_equal(snaps[0].state[k], final[k]) for k in keys)


def test_samples_every_n_steps(small_mnist):
    # 96 images / batch 32 = 3 steps per epoch, 3 epochs: samples after steps 4 and 8, then at the end
    trainer = make_trainer(subset(small_mnist, 96), epochs=3, samples_every_s=1e9,
                           samples_every_steps=4, live_budget=1e-9)
    events, _ = run_all(trainer.run())
    assert [e.step for e in events if isinstance(e, Samples)] == [4, 8, 9]


def test_conditional_samples_cycle_through_the_classes(small_mnist):
    trainer = make_trainer(subset(small_mnist, 32), num_classes=10, sample_count=12,
                           samples_every_s=1e9, live_budget=1.0)
    events, _ = run_all(trainer.run())
    (samples,) = [e for e in events if isinstance(e, Samples)]
    np.testing.assert_array_equal(samples.labels, np.arange(12) % 10)
    assert samples.images.shape == (12, 28, 28)


def test_a_command_line_run_makes_no_samples_and_short_schedules_still_sample(small_mnist):
    events, _ = run_all(make_trainer(subset(small_mnist, 32)).run())
    assert not [e for e in events if isinstance(e, Samples)]
    # T = 10 is shorter than the 20 sampling steps asked for; the job samples with 10
    short = DiffusionConfig(channels=(8, 8, 8), timesteps=10, time_dim=32)
    events, _ = run_all(make_trainer(subset(small_mnist, 32), model=short, sample_steps=20,
                                     samples_every_s=1e9, live_budget=1.0).run())
    (samples,) = [e for e in events if isinstance(e, Samples)]
    assert np.isfinite(samples.images).all()


def test_training_lowers_the_held_out_loss(small_mnist):
    ds = subset(small_mnist, 256)
    trainer = make_trainer(ds, batch_size=16)
    g = torch.Generator().manual_seed(9)
    x0 = torch.from_numpy(to_signed(small_mnist.test.images[-64:]))
    t = torch.randint(0, 50, (64,), generator=g)
    noise = torch.randn(x0.shape, generator=g)
    with torch.no_grad():
        before = float(simple_loss(trainer.ema.model, trainer.scheduler, x0, t, noise))
    assert before == pytest.approx(float(noise.pow(2).mean()))  # a fresh U-Net predicts ε = 0
    events, result = run_all(trainer.run())
    assert result.steps == 16
    with torch.no_grad():
        after = float(simple_loss(trainer.ema.model, trainer.scheduler, x0, t, noise))
    assert after < 0.8 * before
    assert result.test_losses["loss"] < 0.8 * before


# --------------------------------------------------------------------------- EMA

def test_ema_update_follows_the_formula_with_warm_up():
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    ema = EMA(net, decay=0.8)
    assert not any(p.requires_grad for p in ema.model.parameters())
    expected = [p.detach().clone() for p in net.parameters()]
    with torch.no_grad():
        net.weight.add_(1.0)
    assert not torch.equal(ema.model.weight, net.weight)  # a copy, not the same tensors
    decays = []
    for n in range(1, 40):
        with torch.no_grad():
            for p in net.parameters():
                p.copy_(torch.randn(p.shape))
        ema.update(net)
        d = min(0.8, (1 + n) / (10 + n))
        decays.append(d)
        expected = [d * e + (1 - d) * p.detach() for e, p in zip(expected, net.parameters())]
        for e, got in zip(expected, ema.model.parameters()):
            torch.testing.assert_close(got, e, rtol=1e-5, atol=1e-6)
    assert decays[0] == pytest.approx(2 / 11) and decays[-1] == 0.8  # both regimes were tested


# --------------------------------------------------------------------------- stopping

def test_a_nan_loss_stops_with_the_last_good_weights(small_mnist, monkeypatch):
    calls = {"n": 0}
    real = dtraining.simple_loss

    def poisoned(*args, **kwargs):
        calls["n"] += 1
        loss = real(*args, **kwargs)
        return loss * math.nan if calls["n"] == 3 else loss
    monkeypatch.setattr(dtraining, "simple_loss", poisoned)
    trainer = make_trainer(subset(small_mnist, 128))
    job = trainer.run()
    while not isinstance(event := next(job), Step) or event.step < 2:
        pass
    raw, ema = copy_state(trainer.model), copy_state(trainer.ema.model)
    assert not same_state(trainer.model, copy_state(trainer.ema.model))
    with pytest.raises(TrainingDiverged, match="step 3"):
        next(job)
    assert trainer.steps_done == 2
    assert same_state(trainer.model, raw) and same_state(trainer.ema.model, ema)
    assert all(np.isfinite(v).all() for v in trainer.state_numpy().values())


def test_a_huge_learning_rate_either_trains_or_diverges_cleanly(small_mnist):
    trainer = make_trainer(subset(small_mnist, 64), lr=1.0, batch_size=16)
    try:
        run_all(trainer.run())
    except TrainingDiverged:
        pass
    # whatever happened, the weights the job keeps are finite and can be saved
    assert all(np.isfinite(v).all() for v in trainer.state_numpy().values())


def test_closing_mid_run_keeps_the_last_finished_step(small_mnist):
    trainer = make_trainer(subset(small_mnist, 128), epochs=2)
    job = trainer.run()
    seen = []
    while len(seen) < 3:
        event = next(job)
        if isinstance(event, Step):
            seen.append(event.step)
    raw = copy_state(trainer.model)
    job.close()
    assert seen == [1, 2, 3] and trainer.steps_done == 3
    assert same_state(trainer.model, raw)
    meta = trainer.checkpoint_meta()
    assert meta["steps"] == 3 and meta["epochs"] == 0.75


# --------------------------------------------------------------------------- labels

def _spy_labels(trainer) -> list:
    seen = []
    forward = trainer.model.forward

    def spy(x, t, labels=None):
        seen.append(None if labels is None else labels.clone())
        return forward(x, t, labels)
    trainer.model.forward = spy  # the EMA copy (used for tests and samples) is not spied on
    return seen


@pytest.mark.parametrize("p_uncond", [1.0, 0.0])
def test_label_dropout(small_mnist, p_uncond):
    ds = subset(small_mnist, 64)
    trainer = make_trainer(ds, num_classes=10, p_uncond=p_uncond, samples_every_s=1e9, live_budget=1.0)
    seen = _spy_labels(trainer)
    run_all(trainer.run())
    assert len(seen) == 2
    passed = torch.cat(seen)
    if p_uncond == 1.0:
        assert (passed == 10).all()
    else:  # the control: without dropout every training label goes in, once per epoch
        assert sorted(passed.tolist()) == sorted(ds.train.labels.tolist())


def test_too_many_classes_and_an_empty_split_are_refused(small_mnist):
    job = make_trainer(subset(small_mnist, 32), num_classes=5).run()
    with pytest.raises(ValueError, match="10 classes"):
        run_all(job)
    with pytest.raises(ValueError, match="empty"):
        run_all(make_trainer(subset(small_mnist, 0)).run())


# --------------------------------------------------------------------------- config and result

@pytest.mark.parametrize("kwargs", [
    dict(epochs=0), dict(batch_size=0), dict(lr=0.0), dict(lr=math.nan), dict(ema_decay=1.0),
    dict(p_uncond=1.5), dict(precision="fp16"), dict(sample_count=0), dict(sample_steps=0),
    dict(sample_guidance=-1.0), dict(samples_every_s=math.nan), dict(samples_every_steps=-1),
    dict(samples_every_steps=2.5), dict(snapshot_every_s=-1.0),
])
def test_train_config_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        DiffusionTrainConfig(**kwargs)


def test_checkpoint_meta_and_the_weights_make_a_model(small_mnist):
    ds = subset(small_mnist, 32)
    trainer = make_trainer(ds, num_classes=10)
    _, result = run_all(trainer.run())
    meta = trainer.checkpoint_meta(result)
    assert meta["family"] == "diffusion" and meta["weights"] == "ema"
    assert meta["config"] == trainer.model_config.to_dict() and meta["training"]["ema_decay"] == 0.9
    assert meta["steps"] == 1 and meta["epochs"] == 1.0 and not meta["stopped_early"]
    assert meta["dataset"]["train_size"] == 32 and meta["dataset"]["classes"] == list(ds.classes)
    assert meta["metrics"]["test_simple_loss"] == result.test_losses["loss"]
    model = DiffusionModel.from_state(trainer.state_numpy(), meta)
    assert model.conditional and model.classes == list(ds.classes)
    images = model.sample(2, steps=2, label=[0, 1], generator=torch.Generator().manual_seed(0))
    assert images.shape == (2, 28, 28) and np.isfinite(images).all()
