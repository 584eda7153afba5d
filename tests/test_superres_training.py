"""Issue 16 groundwork: super-resolution data and the SRResNet / SRGAN training job."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import models.translation.superres as sr_mod
from job_events import run_all
from models.events import Snapshot, Status, Step
from models.trainer import TrainingDiverged
from models.translation.srgan import SRConfig
from models.translation.superres import (SRPreview, SRTrainConfig, SRTrainer, downscale,
                                         landscape_photos)

TINY = SRConfig(scale=4, channels=4, blocks=1, critic_width=4)


def tiny(**train) -> SRTrainer:
    settings = dict(steps=2, batch_size=2, hr_size=32, train_images=4, held_out=2,
                    preview_every_s=1e9)
    settings.update(train)
    return SRTrainer(TINY, SRTrainConfig(**settings), device="cpu")


def test_downscale_averages_each_block_exactly():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (2, 8, 12, 3), dtype=np.uint8)
    y = downscale(x, 4)
    assert y.shape == (2, 2, 3, 3)
    want = x[1, 4:8, 8:12, 2].astype(float).mean()
    assert y[1, 1, 2, 2] == int(want + 0.5)
    with pytest.raises(ValueError, match="blocks"):
        downscale(x[:, :7], 4)
    with pytest.raises(ValueError, match="N×H×W×3"):
        downscale(x[..., 0], 4)


def test_training_and_held_out_photos_never_share_a_seed():
    assert sr_mod.HELD_OUT_OFFSET > 10**9
    a = landscape_photos(2, 16, 0)
    assert a.shape == (2, 16, 16, 3) and not np.array_equal(a[0], a[1])
    assert landscape_photos(0, 16).shape == (0, 16, 16, 3)


@pytest.mark.parametrize("mode", ["mse", "gan"])
def test_the_job_trains_and_previews_at_four_times_the_size(mode):
    trainer = tiny(mode=mode)
    before = {k: v.copy() for k, v in trainer.state_numpy().items()}
    events, result = run_all(trainer.run())
    kinds = [type(e) for e in events]
    assert kinds[0] is Status and kinds.count(Step) == 2 and kinds.count(Snapshot) == 2
    step = [e for e in events if isinstance(e, Step)][-1]
    assert ("d_loss" in step.losses) == (mode == "gan")
    assert ("adversarial" in step.losses) == (mode == "gan")
    preview = next(e for e in events if isinstance(e, SRPreview))
    assert preview.low.shape == (2, 8, 8, 3)
    for name in ("bicubic", "output", "truth"):
        assert getattr(preview, name).shape == (2, 32, 32, 3)
    after = trainer.state_numpy()
    assert any(not np.array_equal(before[k], after[k]) for k in before)
    assert result.steps == 2


def test_a_feature_network_makes_the_content_term_feature_mse():
    """With a feature network (here a frozen average pool) the content term is the MSE of its
    maps, and the network itself never trains."""
    pool = nn.Sequential(nn.Conv2d(3, 2, 1), nn.AvgPool2d(2))
    kept = {k: v.clone() for k, v in pool.state_dict().items()}
    trainer = SRTrainer(TINY, SRTrainConfig(steps=1, batch_size=2, hr_size=32, train_images=2,
                                            held_out=1, preview_every_s=1e9),
                        device="cpu", features=pool)
    run_all(trainer.run())
    assert all(torch.equal(kept[k], v) for k, v in pool.state_dict().items())


def test_srgan_can_start_from_srresnet_weights():
    first = tiny()
    run_all(first.run())
    second = SRTrainer(TINY, SRTrainConfig(mode="gan", steps=1, hr_size=32, train_images=2,
                                           held_out=1), device="cpu",
                       initial=first.state_numpy())
    now = second.state_numpy()
    assert all(np.array_equal(now[k], v) for k, v in first.state_numpy().items())


def test_a_nan_stops_before_the_weights_change(monkeypatch):
    real = sr_mod.perceptual_terms
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        terms = real(*args, **kwargs)
        if calls["n"] == 2:
            terms["loss"] = terms["loss"] * float("nan")
        return terms

    monkeypatch.setattr(sr_mod, "perceptual_terms", flaky)
    trainer = tiny(steps=3)
    kept = None
    with pytest.raises(TrainingDiverged, match="step 2"):
        for event in trainer.run():
            if isinstance(event, Step):
                kept = {k: v.copy() for k, v in trainer.state_numpy().items()}
    assert all(np.array_equal(kept[k], v) for k, v in trainer.state_numpy().items())


@pytest.mark.parametrize("kwargs", [dict(mode="l1"), dict(steps=0), dict(lr=0.0),
                                    dict(adversarial=float("nan")), dict(batch_size=True)])
def test_settings_are_checked(kwargs):
    with pytest.raises(ValueError):
        SRTrainConfig(**kwargs)


def test_a_photo_size_the_scale_does_not_divide_is_refused():
    with pytest.raises(ValueError, match="multiple of the scale"):
        SRTrainer(TINY, SRTrainConfig(hr_size=30), device="cpu")
