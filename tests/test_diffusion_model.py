"""The U-Net and the sampling API (DiffusionModel, load_checkpoint), with tiny random models.

A fresh U-Net predicts ε = 0 exactly (conv_out starts at zero), so the tests give it a random
output layer first; nothing here depends on sample quality.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file, save_file

from models import CheckpointError, load_checkpoint
from models.checkpoint import CONFIG, WEIGHTS
from models.diffusion import DiffusionConfig, DiffusionModel, UNet
from models.diffusion.sampling import guided_eps

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(channels=(8, 8, 8), timesteps=20, time_dim=32)


def wake(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Give the zero-initialised output layer random weights, so outputs depend on the input."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        module.conv_out.weight.copy_(torch.randn(module.conv_out.weight.shape, generator=g) * 0.3)
        module.conv_out.bias.fill_(0.05)
    return module


def tiny_model(num_classes: int = 0, schedule: str = "linear", seed: int = 0) -> DiffusionModel:
    torch.manual_seed(seed)
    model = DiffusionModel(DiffusionConfig(schedule=schedule, num_classes=num_classes, **TINY),
                           meta={"note": "tiny"})
    wake(model.module, seed)
    return model


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def xs(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randn((n, 1, 28, 28), generator=gen(seed))


# --------------------------------------------------------------------------- U-Net

def test_a_fresh_unet_predicts_zero_noise():
    net = UNet(DiffusionConfig(**TINY))
    out = net(xs(2), torch.tensor([3, 7]))
    assert out.shape == (2, 1, 28, 28) and torch.count_nonzero(out) == 0


@pytest.mark.parametrize("batch", [1, 3])
def test_output_shape_matches_input(batch):
    net = wake(UNet(DiffusionConfig(**TINY))).eval()
    out = net(xs(batch), torch.arange(batch))
    assert out.shape == (batch, 1, 28, 28) and out.dtype == torch.float32
    assert torch.isfinite(out).all() and out.abs().max() > 0
    # a 0-dim t applies to the whole batch
    torch.testing.assert_close(net(xs(batch), torch.tensor(5)), net(xs(batch), torch.full((batch,), 5)))


def test_samples_in_a_batch_do_not_mix():
    net = wake(UNet(DiffusionConfig(**TINY))).eval()
    x, t = xs(3), torch.tensor([0, 9, 19])
    with torch.no_grad():
        together = net(x, t)
        for i in range(3):
            torch.testing.assert_close(together[i:i + 1], net(x[i:i + 1], t[i:i + 1]), rtol=1e-4, atol=1e-5)


def test_the_time_embedding_makes_the_output_depend_on_t():
    net = wake(UNet(DiffusionConfig(**TINY))).eval()
    x = xs(2)
    with torch.no_grad():
        early, late = net(x, torch.tensor([0, 0])), net(x, torch.tensor([19, 19]))
        again = net(x, torch.tensor([0, 0]))
    torch.testing.assert_close(early, again)
    assert (early - late).abs().mean() > 1e-3


def test_conditional_unet_uses_its_labels_and_the_null_label():
    cfg = DiffusionConfig(num_classes=10, **TINY)
    net = wake(UNet(cfg)).eval()
    assert net.label_emb.num_embeddings == 11  # ten classes and "no label"
    x, t = xs(3), torch.tensor([4, 4, 4])
    with torch.no_grad():
        a = net(x, t, torch.tensor([0, 1, 2]))
        b = net(x, t, torch.tensor([7, 8, 9]))
        null = net(x, t, torch.full((3,), 10))
        none = net(x, t, None)
    assert a.shape == (3, 1, 28, 28)
    assert (a - b).abs().mean() > 1e-4 and (a - null).abs().mean() > 1e-4
    torch.testing.assert_close(none, null)  # no labels means the null label
    with pytest.raises(IndexError):
        net(x, t, torch.tensor([0, 1, 11]))


def test_config_round_trip_and_defaults():
    cfg = DiffusionConfig(schedule="cosine", timesteps=50, channels=[16, 32, 32], time_dim=64,
                          num_classes=10, attention=False)
    d = cfg.to_dict()
    assert d["channels"] == [16, 32, 32] and "extra" not in d
    again = DiffusionConfig.from_dict(json.loads(json.dumps(d)))
    assert again == cfg and again.channels == (16, 32, 32) and again.conditional
    assert DiffusionConfig.from_dict({"schedule": "quadratic", "future_key": 1}) == \
        DiffusionConfig(schedule="quadratic")
    assert DiffusionConfig().to_dict() == {"schedule": "linear", "timesteps": 1000,
                                           "channels": [32, 64, 64], "time_dim": 128,
                                           "num_classes": 0, "image_size": 28, "attention": True}


@pytest.mark.parametrize("bad", [
    dict(schedule="sigmoid"), dict(timesteps=0), dict(timesteps=1.5), dict(timesteps=True),
    dict(channels=(8, 8)), dict(channels=(12, 16, 16)), dict(channels=(8, 8, 2048)),
    dict(channels=(4, 8, 8)), dict(num_classes=-1), dict(num_classes=2.0), dict(time_dim=127),
    dict(time_dim=0), dict(image_size=32), dict(attention="yes"),
])
def test_config_validation(bad):
    with pytest.raises(ValueError):
        DiffusionConfig(**bad)
    with pytest.raises(ValueError):
        DiffusionConfig.from_dict({**DiffusionConfig().to_dict(), **bad})


def test_from_dict_refuses_what_is_not_a_mapping():
    with pytest.raises(ValueError):
        DiffusionConfig.from_dict("linear")


# --------------------------------------------------------------------------- sampling API

def test_sample_returns_unit_range_float_images():
    model = tiny_model()
    images = model.sample(3, steps=5, generator=gen(0))
    assert images.shape == (3, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1 and images.std() > 0.01


def test_same_seed_same_images_and_eta_matters():
    model = tiny_model()
    a = model.sample(2, steps=5, eta=0.5, generator=gen(1))
    b = model.sample(2, steps=5, eta=0.5, generator=gen(1))
    c = model.sample(2, steps=5, eta=0.5, generator=gen(2))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 0.05
    # from the same x_T, η = 0 is deterministic and η = 1 is not
    x_T = model.noise(2, seed=3)
    d0 = model.sample(steps=5, eta=0.0, x_T=x_T, generator=gen(4))
    np.testing.assert_array_equal(d0, model.sample(steps=5, eta=0.0, x_T=x_T, generator=gen(5)))
    d1 = model.sample(steps=5, eta=1.0, x_T=x_T, generator=gen(4))
    assert np.abs(d0 - d1).max() > 0.05


def _drain(chain):
    frames = []
    while True:
        try:
            frames.append(next(chain))
        except StopIteration as done:
            return frames, done.value


@pytest.mark.parametrize("sampler,steps,expected", [("ddim", 7, 7), ("ddim", 20, 20), ("ddpm", 5, 20)])
def test_sample_chain_yields_every_step_and_ends_where_sample_does(sampler, steps, expected):
    model = tiny_model()
    frames, final = _drain(model.sample_chain(2, steps=steps, sampler=sampler, generator=gen(6)))
    assert len(frames) == expected
    assert [f.index for f in frames] == list(range(1, expected + 1))
    assert all(f.steps == expected for f in frames)
    ts = [f.t for f in frames]
    assert ts[0] == 20 and ts == sorted(ts, reverse=True) and len(set(ts)) == expected
    for f in frames:
        assert f.x_t.shape == f.x0.shape == (2, 28, 28) and f.x_t.dtype == np.float32
        assert 0 <= f.x_t.min() and f.x_t.max() <= 1 and 0 <= f.x0.min() and f.x0.max() <= 1
    np.testing.assert_array_equal(frames[-1].x_t, final)
    # the chain moves: early and late frames differ
    assert np.abs(frames[0].x_t - frames[-1].x_t).max() > 0.05
    np.testing.assert_array_equal(final, model.sample(2, steps=steps, sampler=sampler, generator=gen(6)))


def test_sample_chain_leaves_gradients_on_between_frames():
    model = tiny_model()
    chain = model.sample_chain(1, steps=3, generator=gen(0))
    next(chain)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
    chain.close()


def test_label_validation():
    uncond, cond = tiny_model(), tiny_model(num_classes=10)
    with pytest.raises(ValueError, match="unconditional"):
        uncond.sample(2, steps=2, label=3)
    for bad in (10, -1, [1, 2, 3], [[1, 2]], 2.5, "3"):
        with pytest.raises(ValueError):
            cond.sample(2, steps=2, label=bad)
        with pytest.raises(ValueError):
            next(cond.sample_chain(2, steps=2, label=bad))
    for bad_n in (0, -3, 1.5):
        with pytest.raises(ValueError):
            cond.sample(bad_n, steps=2)
    for bad in (dict(steps=0), dict(steps=21), dict(eta=1.5), dict(guidance=-1.0), dict(sampler="euler")):
        with pytest.raises(ValueError):
            cond.sample(1, **{"steps": 2, **bad})
    per_sample = cond.sample(3, steps=2, label=[0, 5, 9], generator=gen(0))
    assert per_sample.shape == (3, 28, 28)


def test_labels_steer_a_conditional_model():
    cond = tiny_model(num_classes=10)
    a = cond.sample(2, steps=4, label=1, generator=gen(7))
    b = cond.sample(2, steps=4, label=8, generator=gen(7))
    assert np.abs(a - b).max() > 0.01


def test_guidance_formula_and_w_0_is_the_plain_conditional_model():
    cond = tiny_model(num_classes=10)
    net, x, labels = cond.module, xs(2), torch.tensor([3, 6])
    t = torch.full((2,), 11)
    with torch.no_grad():
        plain, null = net(x, t, labels), net(x, t, torch.full((2,), 10))
        torch.testing.assert_close(guided_eps(net, x, 11, labels, 0.0, 10), plain)
        torch.testing.assert_close(guided_eps(net, x, 11, labels, 2.5, 10), 3.5 * plain - 2.5 * null,
                                   rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(guided_eps(net, x, 11, None, 2.5, 10), null)
    w0 = cond.sample(2, steps=4, label=[3, 6], guidance=0.0, generator=gen(8))
    w3 = cond.sample(2, steps=4, label=[3, 6], guidance=3.0, generator=gen(8))
    assert np.abs(w0 - w3).max() > 0.01


# --------------------------------------------------------------------------- checkpoints

@pytest.mark.parametrize("num_classes,schedule", [(0, "linear"), (10, "cosine")])
def test_save_and_load_checkpoint_sample_identically(tmp_path, num_classes, schedule):
    model = tiny_model(num_classes, schedule, seed=3)
    model.save(tmp_path / "ckpt", steps=np.int64(42))
    loaded = load_checkpoint(tmp_path / "ckpt")
    assert isinstance(loaded, DiffusionModel)
    assert loaded.config == model.config and loaded.conditional == bool(num_classes)
    assert loaded.scheduler.schedule == schedule and loaded.meta["steps"] == 42
    assert loaded.meta["family"] == "diffusion" and loaded.meta["note"] == "tiny"
    label = 4 if num_classes else None
    np.testing.assert_array_equal(loaded.sample(2, steps=3, label=label, generator=gen(9)),
                                  model.sample(2, steps=3, label=label, generator=gen(9)))
    other = tiny_model(num_classes, schedule, seed=4)  # guards against a test that cannot fail
    assert np.abs(other.sample(2, steps=3, label=label, generator=gen(9))
                  - loaded.sample(2, steps=3, label=label, generator=gen(9))).max() > 0.01


def _rewrite_meta(folder, change) -> None:
    meta = json.loads((folder / CONFIG).read_text())
    change(meta)
    text = json.dumps(meta)
    (folder / CONFIG).write_text(text)
    save_file(load_file(str(folder / WEIGHTS)), str(folder / WEIGHTS), metadata={"playground": text})


def _refused(folder, *words) -> None:
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(folder)
    for w in words:
        assert w in str(info.value), str(info.value)


def test_checkpoint_for_another_shape_is_refused(tmp_path):
    tiny_model().save(tmp_path)
    _rewrite_meta(tmp_path, lambda m: m["config"].update(channels=[16, 8, 8]))
    _refused(tmp_path, str(tmp_path), "do not match", "conv_in.weight", "(16, 1, 3, 3)")


def test_unconditional_weights_under_a_conditional_config_are_refused(tmp_path):
    tiny_model().save(tmp_path)
    _rewrite_meta(tmp_path, lambda m: m["config"].update(num_classes=10))
    _refused(tmp_path, "missing weights", "label_emb.weight")


@pytest.mark.parametrize("change,words", [
    (lambda m: m.update(family="flow"), ["'flow'"]),
    (lambda m: m["config"].update(schedule="sigmoid"), ["configuration", "sigmoid"]),
    (lambda m: m["config"].update(time_dim=31), ["configuration", "time_dim"]),
    (lambda m: m.update(config="linear"), ["configuration"]),
    (lambda m: m.update(config=[1, 2]), ["configuration"]),
])
def test_foreign_or_broken_metadata_is_refused(tmp_path, change, words):
    tiny_model().save(tmp_path)
    _rewrite_meta(tmp_path, change)
    _refused(tmp_path, str(tmp_path), *words)


# --------------------------------------------------------------------------- network evaluations

class _CountingNet(torch.nn.Module):
    """Wraps the U-Net and counts ε̂ evaluations: one per sample row it is asked about."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net, self.calls, self.rows = net, 0, 0

    def forward(self, x, t, y):
        self.calls += 1
        self.rows += x.shape[0]
        return self.net(x, t, y)


@pytest.mark.parametrize("sampler,steps,guidance,per_step", [
    ("ddpm", 7, 0.0, 1), ("ddim", 7, 0.0, 1), ("ddim", 1, 0.0, 1), ("ddim", 20, 0.0, 1),
    ("ddim", 5, 2.0, 2), ("ddpm", 5, 1.5, 2)])
def test_chain_counts_its_network_evaluations_against_T_and_S(sampler, steps, guidance, per_step):
    model = tiny_model(num_classes=10)
    n = 3
    counter = _CountingNet(model.module)
    model.module = counter
    frames = list(model.sample_chain(n, steps=steps, guidance=guidance, label=4,
                                     generator=gen(0), sampler=sampler))
    T = model.config.timesteps
    expected_steps = T if sampler == "ddpm" else steps
    assert len(frames) == expected_steps
    assert [f.evaluations for f in frames] == [i * per_step for i in range(1, expected_steps + 1)]
    # what the network really saw: one call per step, on a doubled batch when guided
    assert counter.calls == expected_steps
    assert counter.rows == n * frames[-1].evaluations
