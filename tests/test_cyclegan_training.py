"""Issue 16 groundwork: the CycleGAN training job on the unpaired landscapes."""
from __future__ import annotations

import numpy as np
import pytest

import models.translation.cyclegan_training as ct
from job_events import run_all
from models.events import Snapshot, Status, Step, TrainResult
from models.trainer import TrainingDiverged, state_to_numpy
from models.translation.cyclegan import CycleGANConfig
from models.translation.cyclegan_training import (CycleGANTrainer, CycleTrainConfig,
                                                  TranslationPreview)

TINY = CycleGANConfig(size=32, width=4, blocks=1, critic_width=4, patch=16)


def tiny_trainer(**train) -> CycleGANTrainer:
    settings = dict(steps=3, batch_size=2, train_images=6, preview_images=2, pool=2,
                    preview_every_s=1e9)
    settings.update(train)
    return CycleGANTrainer(TINY, CycleTrainConfig(**settings), device="cpu")


def test_the_job_yields_small_numpy_events_and_trains_every_network():
    trainer = tiny_trainer()
    before = {k: v.copy() for k, v in state_to_numpy(trainer.model).items()}
    events, result = run_all(trainer.run())
    kinds = [type(e) for e in events]
    assert kinds[0] is Status and kinds.count(Step) == 3 and kinds.count(Snapshot) == 2
    assert isinstance(result, TrainResult) and result.steps == 3
    steps = [e for e in events if isinstance(e, Step)]
    assert [s.step for s in steps] == [1, 2, 3]
    assert {"gan", "cycle", "identity", "loss", "d_a", "d_b"} <= set(steps[0].losses)
    assert all(np.isfinite(v) for s in steps for v in s.losses.values())
    preview = next(e for e in events if isinstance(e, TranslationPreview))   # the last step's
    for name in ("a", "fake_b", "cycle_a", "b", "fake_a", "cycle_b"):
        x = getattr(preview, name)
        assert isinstance(x, np.ndarray) and x.shape == (2, 32, 32, 3)
        assert 0 <= x.min() and x.max() <= 1
    after = state_to_numpy(trainer.model)
    for net in ("G.", "F.", "D_A.", "D_B."):
        assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith(net))


def test_the_learning_rate_is_constant_then_falls_linearly_to_zero():
    cfg = CycleTrainConfig(steps=100, lr=2e-4)
    assert cfg.lr_at(1) == cfg.lr_at(50) == 2e-4
    assert cfg.lr_at(75) == pytest.approx(1e-4)
    assert cfg.lr_at(100) == 0


def test_a_nan_stops_before_any_weight_changes(monkeypatch):
    real = ct.generator_terms
    calls = {"n": 0}

    def flaky(model, a, b, weights):
        calls["n"] += 1
        terms = real(model, a, b, weights)
        if calls["n"] == 2:
            terms["loss"] = terms["loss"] * float("nan")
        return terms

    monkeypatch.setattr(ct, "generator_terms", flaky)
    trainer = tiny_trainer()
    gen = trainer.run()
    kept = None
    with pytest.raises(TrainingDiverged, match="step 2"):
        for event in gen:
            if isinstance(event, Step):
                kept = {k: v.copy() for k, v in state_to_numpy(trainer.model).items()}
    assert trainer.steps_done == 1
    now = state_to_numpy(trainer.model)
    assert all(np.array_equal(kept[k], now[k]) for k in kept)


def test_closing_the_job_keeps_the_last_finished_step():
    trainer = tiny_trainer(steps=10)
    gen = trainer.run()
    for event in gen:
        if isinstance(event, Step) and event.step == 2:
            break
    gen.close()
    assert trainer.steps_done == 2
    assert trainer.checkpoint_meta()["steps"] == 2


@pytest.mark.parametrize("kwargs", [dict(steps=0), dict(batch_size=True), dict(lr=0.0),
                                    dict(cycle=-1.0), dict(preview_every_s=0.0),
                                    dict(train_images=2.5)])
def test_settings_are_checked(kwargs):
    with pytest.raises(ValueError):
        CycleTrainConfig(**kwargs)


def test_the_cycle_switch_removes_the_cycle_terms():
    trainer = tiny_trainer(cycle=0.0, steps=1)
    events, _ = run_all(trainer.run())
    step = next(e for e in events if isinstance(e, Step))
    assert "cycle" not in step.losses and "identity" not in step.losses
    assert step.losses["loss"] == pytest.approx(step.losses["gan"])


def test_a_nan_in_a_discriminator_loss_puts_back_the_generators_step_too(monkeypatch):
    real = ct.discriminator_terms
    calls = {"n": 0}

    def flaky(model, a, b, fake_a, fake_b):
        calls["n"] += 1
        terms = real(model, a, b, fake_a, fake_b)
        if calls["n"] == 2:                     # G and F have already stepped by now
            terms["d_a"] = terms["d_a"] * float("nan")
        return terms

    monkeypatch.setattr(ct, "discriminator_terms", flaky)
    trainer = tiny_trainer()
    kept = None
    with pytest.raises(TrainingDiverged, match="step 2"):
        for event in trainer.run():
            if isinstance(event, Step):
                kept = {k: v.copy() for k, v in state_to_numpy(trainer.model).items()}
    assert trainer.steps_done == 1
    now = state_to_numpy(trainer.model)
    assert all(np.array_equal(kept[k], now[k]) for k in kept)
