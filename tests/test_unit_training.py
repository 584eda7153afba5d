"""Issue 16: the UNIT training job (models/translation/unit_training.py)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import models.translation.unit_training as ut
from job_events import run_all
from models.events import Snapshot, Status, Step, TrainResult
from models.trainer import TrainingDiverged, state_to_numpy
from models.translation.api import UNITModel
from models.translation.cyclegan_training import TranslationPreview
from models.translation.domains import DigitDomains, UnpairedData
from models.translation.unit import UNITConfig
from models.translation.unit_training import UNITTrainer, UnitTrainConfig

TINY = UNITConfig(width=4, latent=2)
LOSSES = {"loss", "gan", "recon", "kl", "cycle", "cycle_kl", "d_a", "d_b"}


@pytest.fixture
def cheap_texture(monkeypatch):
    """The real texture renders 64 landscapes per seed (seconds); its rule has its own tests.
    Here any fixed RGB form of the digits will do."""
    def fake(images, seed=0, offset=0):
        x = np.asarray(images)
        return np.stack([x, 255 - x, x // 2], axis=-1).astype(np.uint8)
    monkeypatch.setattr("models.translation.textured_digits.textured_digits", fake)


class Domains:
    """Given arrays as the two domains (to hand the trainer shapes DigitDomains never makes)."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def load(self):
        yield Status("here they are", 0.0)
        return UnpairedData("given", "given", self.a, self.b, self.a[:2], self.b[:2])


def trainer(digits, **train) -> UNITTrainer:
    settings = dict(steps=3, batch_size=4, preview_every_s=1e9)
    settings.update(train)
    domains = DigitDomains(digits, limit=40, preview=3)
    return UNITTrainer(TINY, UnitTrainConfig(**settings), device="cpu", domains=domains)


def all_weights(t: UNITTrainer) -> dict[str, np.ndarray]:
    out = {f"model.{k}": v for k, v in state_to_numpy(t.model).items()}
    out.update({f"d_a.{k}": v for k, v in state_to_numpy(t.d_a).items()})
    out.update({f"d_b.{k}": v for k, v in state_to_numpy(t.d_b).items()})
    return {k: v.copy() for k, v in out.items()}


def test_the_job_yields_small_numpy_events(mnist, cheap_texture):
    t = trainer(mnist)
    events, result = run_all(t.run())
    kinds = [type(e) for e in events]
    assert kinds[0] is Status and kinds.count(Step) == 3 and kinds.count(Snapshot) == 2
    assert isinstance(result, TrainResult) and result.steps == 3 == t.steps_done
    steps = [e for e in events if isinstance(e, Step)]
    assert [s.step for s in steps] == [1, 2, 3] and steps[0].total_steps == 3
    for s in steps:
        assert set(s.losses) == LOSSES
        assert all(isinstance(v, float) and np.isfinite(v) for v in s.losses.values())
    # the loss is the weighted sum the paper gives
    w = UnitTrainConfig()
    s = steps[0].losses
    assert s["loss"] == pytest.approx(s["gan"] + w.recon * s["recon"] + w.kl * s["kl"]
                                      + w.cycle * s["cycle"] + w.cycle_kl * s["cycle_kl"], rel=1e-5)
    previews = [e for e in events if isinstance(e, TranslationPreview)]
    assert [p.step for p in previews] == [1, 3]          # at once, then at the end
    preview = previews[-1]
    for name in ("a", "fake_b", "cycle_a", "b", "fake_a", "cycle_b"):
        x = getattr(preview, name)
        assert isinstance(x, np.ndarray) and x.shape == (3, 28, 28, 3), name
        assert 0 <= x.min() and x.max() <= 1
    # the grey A side is shown as three equal channels, and it is the held-out digits
    assert (preview.a[..., 0] == preview.a[..., 2]).all()
    np.testing.assert_allclose(preview.a[..., 0], mnist.test.images[:3] / 255, atol=1e-6)


def test_the_snapshot_loads_as_the_inference_model(mnist, cheap_texture):
    t = trainer(mnist, steps=2)
    events, _ = run_all(t.run())
    first, last = [e for e in events if isinstance(e, Snapshot)]
    assert first.step == 0 and last.step == 2
    assert all(isinstance(v, np.ndarray) for v in last.state.values())
    assert not any(k.startswith(("d_a", "d_b")) for k in last.state)   # the VAE-GAN pair only
    state, meta = t.checkpoint()
    model = UNITModel.from_state(last.state, meta)
    digits = mnist.test.images[:2]
    t.model.eval()
    with torch.no_grad():
        x = torch.from_numpy(digits[:, None].copy()).float() / 127.5 - 1
        want = ((t.model.translate(x, "A", "B").clamp(-1, 1) + 1) * 127.5).round()
    np.testing.assert_array_equal(model.translate(digits),
                                  want.to(torch.uint8).permute(0, 2, 3, 1).numpy())
    assert set(state) == set(last.state)


def test_every_network_trains(mnist, cheap_texture):
    t = trainer(mnist, steps=2, lr=1e-2)
    before = all_weights(t)
    run_all(t.run())
    after = all_weights(t)
    for part in ("model.enc.A.", "model.enc.B.", "model.enc_shared.", "model.gen_shared.",
                 "model.gen.A.", "model.gen.B.", "d_a.", "d_b."):
        keys = [k for k in before if k.startswith(part)]
        assert keys and any(not np.array_equal(before[k], after[k]) for k in keys), part


@pytest.mark.parametrize("where", ["generator_terms", "discriminator_terms"])
def test_a_nan_stops_the_job_and_undoes_the_whole_step(mnist, cheap_texture, monkeypatch, where):
    """A NaN in the generators' loss, or in the discriminators' after the generators have
    stepped: either way every weight of the model and of both discriminators is as it was
    before the step."""
    real = getattr(ut, where)
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        terms = real(*args, **kwargs)
        if calls["n"] == 2:
            key = "loss" if where == "generator_terms" else "d_b"
            terms[key] = terms[key] * float("nan")
        return terms

    monkeypatch.setattr(ut, where, flaky)
    t = trainer(mnist, steps=4, lr=1e-2)
    kept = None
    with pytest.raises(TrainingDiverged, match="step 2"):
        for event in t.run():
            if isinstance(event, Step):
                kept = all_weights(t)
    assert t.steps_done == 1 and kept is not None
    now = all_weights(t)
    changed = [k for k in kept if not np.array_equal(kept[k], now[k])]
    assert changed == []


@pytest.mark.parametrize("a, b, match", [
    (np.zeros((20, 28, 28, 3), np.uint8), np.zeros((20, 28, 28, 3), np.uint8), "domain A"),
    (np.zeros((20, 28, 28, 1), np.uint8), np.zeros((20, 28, 28, 1), np.uint8), "domain B"),
    (np.zeros((20, 32, 32, 1), np.uint8), np.zeros((20, 32, 32, 3), np.uint8), "28×28×1"),
])
def test_domains_of_the_wrong_shape_are_refused(a, b, match):
    t = UNITTrainer(TINY, UnitTrainConfig(steps=1, batch_size=2), device="cpu",
                    domains=Domains(a, b))
    with pytest.raises(ValueError, match=match):
        run_all(t.run())
    assert t.steps_done == 0


def test_no_domains_is_refused():
    with pytest.raises(ValueError, match="two domains"):
        UNITTrainer(TINY, UnitTrainConfig(steps=1), device="cpu")


def test_the_checkpoint_names_the_data_and_split_never_a_path(mnist, cheap_texture):
    t = trainer(mnist, steps=1)
    assert t.checkpoint_meta()["dataset"] == {}          # before the data is loaded
    run_all(t.run())
    state, meta = t.checkpoint()
    assert meta["family"] == "unit" and meta["steps"] == 1
    assert meta["config"] == TINY.to_dict() and meta["training"]["steps"] == 1
    data = meta["dataset"]
    assert data["name"] == "digits-textured" and data["train_a"] == data["train_b"] == 20
    assert "even-numbered" in data["split"]
    text = json.dumps(meta)
    assert "/" not in text.replace("N/A", ""), text        # no folder of this machine
    assert UNITModel.from_state(state, meta).config == TINY


@pytest.mark.parametrize("kwargs", [dict(steps=0), dict(batch_size=True), dict(lr=0.0),
                                    dict(lr=float("nan")), dict(recon=-1.0),
                                    dict(preview_every_s=0.0), dict(seed=-1)])
def test_settings_are_checked(kwargs):
    with pytest.raises(ValueError):
        UnitTrainConfig(**kwargs)
