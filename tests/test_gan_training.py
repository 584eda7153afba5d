"""The image-GAN training job and the inference model it saves, on tiny networks."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import models.gan.training as training
from models import load_checkpoint, save_checkpoint
from models.checkpoint import read_checkpoint
from models.data import Dataset, Split
from models.events import DatasetReady, EpochEnd, Snapshot, Step, TrainResult
from models.gan.api import GANModel
from models.gan.diagnostics import Diagnosis, Monitor, classes_covered, mean_pairwise_distance
from models.gan.losses import LabelTricks
from models.gan.nets import GANConfig
from models.gan.training import GANSamples, GANTrainConfig, GANTrainer, Health, with_loss_defaults
from models.trainer import TrainingDiverged

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = GANConfig(noise_dim=8, g_width=8, d_width=8)
TINY_COND = GANConfig(noise_dim=8, g_width=8, d_width=8, num_classes=10)
BASE_KEYS = {"D", "G", "D(x)", "D(G(z))"}


def train_config(**kw) -> GANTrainConfig:
    return GANTrainConfig(**{"epochs": 1, "batch_size": 64, "classifier": None, **kw})


def run(trainer: GANTrainer) -> tuple[list, TrainResult]:
    events, job = [], trainer.run()
    while True:
        try:
            events.append(next(job))
        except StopIteration as stop:
            return events, stop.value


def of(events, kind) -> list:
    return [e for e in events if isinstance(e, kind)]


def subset(ds: Dataset, n: int) -> Dataset:
    return Dataset(ds.name, ds.classes, Split(ds.train.images[:n], ds.train.labels[:n]), ds.test, ds.source)


@pytest.fixture(scope="module")
def two_epochs(small_mnist, one_torch_thread):
    """An unconditional run of 2 epochs with the shipped classifier judging health."""
    trainer = GANTrainer(TINY, train_config(epochs=2, classifier="auto", seed=3), small_mnist, "cpu")
    events, result = run(trainer)
    return trainer, events, result


# --- the events of a run --------------------------------------------------------------------

def test_a_run_yields_every_kind_of_event_in_order(two_epochs, small_mnist):
    trainer, events, result = two_epochs
    assert isinstance(events[0], DatasetReady)
    assert events[0].name == "mnist" and tuple(events[0].classes) == tuple(small_mnist.classes)
    per_epoch = math.ceil(512 / 64)
    steps = of(events, Step)
    assert [s.step for s in steps] == list(range(1, 2 * per_epoch + 1))
    assert {s.total_steps for s in steps} == {2 * per_epoch}
    assert [s.epoch for s in steps] == [1] * per_epoch + [2] * per_epoch
    assert result == TrainResult(2 * per_epoch, 2.0)
    assert trainer.steps_done == 2 * per_epoch
    for s in steps:
        assert set(s.losses) == BASE_KEYS
        assert all(math.isfinite(v) for v in s.losses.values())
        assert 0 < s.losses["D(x)"] < 1 and 0 < s.losses["D(G(z))"] < 1
        assert s.losses["D"] > 0 and s.losses["G"] > 0      # BCE losses
    assert steps[-1].elapsed_s > 0 and steps[-1].images_per_s > 0

    ends = of(events, EpochEnd)
    assert [(e.epoch, e.epochs) for e in ends] == [(1, 2), (2, 2)]
    for e in ends:
        mine = [s.losses for s in steps if s.epoch == e.epoch]
        assert e.train_losses["D"] == pytest.approx(np.mean([m["D"] for m in mine]), rel=1e-9)
        assert e.train_losses["G"] == pytest.approx(np.mean([m["G"] for m in mine]), rel=1e-9)
        # the epoch's samples come just before its end
        before = events[events.index(e) - 1]
        assert isinstance(before, GANSamples) and before.epoch_end and before.step == e.epoch * per_epoch


def test_samples_come_from_fixed_noise(two_epochs):
    trainer, events, _ = two_epochs
    samples = of(events, GANSamples)
    assert not samples[0].epoch_end and samples[0].step == 0
    assert sum(s.epoch_end for s in samples) == 2
    for s in samples:
        assert s.images.shape == (64, 28, 28) and s.images.dtype == np.float32
        assert s.images.min() >= 0 and s.images.max() <= 1
        assert s.labels is None
    # training moved G, so the same z gives different pictures
    assert np.abs(samples[-1].images - samples[0].images).max() > 0.01


def test_health_and_snapshots(two_epochs):
    trainer, events, _ = two_epochs
    health = of(events, Health)
    assert health and health[-1] is trainer.last_health
    h = health[-1]
    assert h.step == trainer.steps_done
    assert math.isfinite(h.diversity) and h.diversity > 0
    assert h.class_hist.shape == (10,) and h.class_hist.sum() == pytest.approx(1.0)
    assert 0 <= h.entropy <= 1
    assert h.covered == classes_covered(h.class_hist)

    snaps = of(events, Snapshot)
    assert snaps[0].step == 0 and snaps[-1].step == trainer.steps_done
    final = trainer.state_numpy()
    assert set(snaps[-1].state) == set(final) == set(trainer.G.state_dict())
    for k, v in final.items():
        assert isinstance(snaps[-1].state[k], np.ndarray)
        np.testing.assert_array_equal(snaps[-1].state[k], v)
    # snapshots are copies: the one from step 0 kept the initial weights
    weights = [k for k in final if final[k].dtype.kind == "f"]
    assert any(not np.array_equal(snaps[0].state[k], final[k]) for k in weights)


def test_steps_follow_batch_times_k_per_epoch(small_mnist):
    trainer = GANTrainer(TINY, train_config(epochs=2, k_d=3), small_mnist, "cpu")
    events, result = run(trainer)
    per_epoch = math.ceil(512 / (64 * 3))
    assert result.steps == len(of(events, Step)) == 2 * per_epoch
    assert result.epochs_done == pytest.approx(2.0)


def test_k_d_updates_d_k_times_per_g_update_and_each_only_its_own_net(small_mnist):
    trainer = GANTrainer(TINY, train_config(epochs=1, k_d=3), subset(small_mnist, 384), "cpu")
    calls = []

    def spy(name, opt, watched):
        real_step = opt.step

        def step(*args, **kwargs):
            before = [p.detach().clone() for p in watched.parameters()]
            out = real_step(*args, **kwargs)
            calls.append((name, all(torch.equal(a, p) for a, p in zip(before, watched.parameters()))))
            return out
        opt.step = step

    spy("D", trainer.opt_d, trainer.G)   # D's update must leave G alone
    spy("G", trainer.opt_g, trainer.D)   # and G's update (through D's output) must leave D alone
    _, result = run(trainer)
    assert result.steps == 2                       # 384 images / (64 × 3) per step
    assert [name for name, _ in calls] == ["D", "D", "D", "G"] * 2
    assert all(untouched for _, untouched in calls)


def test_the_monitors_diagnoses_reach_the_event_stream(small_mnist):
    trainer = GANTrainer(TINY, train_config(), subset(small_mnist, 256), "cpu")
    # thresholds no run can meet: D counts as overpowering after 3 steps, G as collapsed at once
    trainer.monitor = Monitor("non-saturating", LabelTricks(), window=3, d_margin=100.0, warmup=0,
                              diversity=10.0)
    events, _ = run(trainer)
    found = of(events, Diagnosis)
    assert [(d.kind, d.active, d.step) for d in found] == [("overpowered", True, 3), ("collapse", True, 4)]
    assert events.index(found[0]) == events.index(of(events, Step)[2]) + 1
    assert "spread" in found[1].evidence and found[1].remedy


# --- the lectures' tricks and the Wasserstein loss ------------------------------------------

def test_label_tricks_reach_d_targets_and_d_loss(small_mnist, monkeypatch):
    tricks = LabelTricks(smoothing=0.1, noise=0.05, flip=0.0)
    made, used = [], []
    real_targets, real_loss = training.d_targets, training.d_loss

    def targets(n, t, *args, **kwargs):
        out = real_targets(n, t, *args, **kwargs)
        made.append((t, out))
        return out

    def loss(real_logits, fake_logits, kind, rt, ft):
        used.append((kind, rt, ft))
        return real_loss(real_logits, fake_logits, kind, rt, ft)
    monkeypatch.setattr(training, "d_targets", targets)
    monkeypatch.setattr(training, "d_loss", loss)
    run(GANTrainer(TINY, train_config(tricks=tricks), subset(small_mnist, 128), "cpu"))
    assert len(made) == len(used) == 2
    for (t, (rt, ft)), (kind, rt_used, ft_used) in zip(made, used):
        assert t == tricks and kind == "non-saturating"
        assert rt_used is rt and ft_used is ft
        assert rt.shape == ft.shape == (64,)
        assert float(rt.max()) <= 0.9 + 1e-6 and float(rt.min()) >= 0.85 - 1e-6
        assert float(ft.min()) >= 0 and float(ft.max()) <= 0.05 + 1e-6
        assert float(rt.std()) > 0          # noise drawn per sample


def test_tricks_given_as_a_dict_become_label_tricks():
    cfg = GANTrainConfig(tricks={"smoothing": 0.2, "flip": 0.05})
    assert cfg.tricks == LabelTricks(smoothing=0.2, flip=0.05)
    assert cfg.to_dict()["tricks"] == {"smoothing": 0.2, "noise": 0.0, "flip": 0.05}


def test_wgan_d_loss_adds_lambda_times_the_gradient_penalty(small_mnist, monkeypatch):
    ds = subset(small_mnist, 64)
    seen = []
    real_gp = training.gradient_penalty

    def gp(critic, real, fake, generator=None, alpha=None):
        alpha = torch.rand(len(real), generator=generator)
        value = real_gp(critic, real, fake, generator, alpha)
        # the penalty worked out here, on the same critic and the same interpolates
        x_hat = (alpha.view(-1, 1, 1, 1) * real + (1 - alpha.view(-1, 1, 1, 1)) * fake).detach()
        x_hat.requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat)
        norms = grad.reshape(len(grad), -1).pow(2).sum(1).sqrt()
        seen.append(float(((norms - 1) ** 2).mean()))
        return value
    monkeypatch.setattr(training, "gradient_penalty", gp)

    def first_step(weight):
        config = train_config(loss="wgan-gp", gp_weight=weight, k_d=1, lr_g=1e-4, lr_d=1e-4)
        events, _ = run(GANTrainer(TINY, config, ds, "cpu"))
        return of(events, Step)[0].losses

    with_gp, without = first_step(10.0), first_step(0.0)
    assert set(with_gp) == BASE_KEYS | {"GP"}
    assert len(seen) == 1                     # λ = 0 computes no penalty at all
    assert with_gp["GP"] == pytest.approx(seen[0], rel=1e-4) and seen[0] > 0
    assert without["GP"] == 0.0
    # same start, same batch, same z: only the λ·GP term differs
    assert with_gp["D"] - without["D"] == pytest.approx(10.0 * seen[0], rel=1e-4)
    # the critic's outputs are reported as they are, not as probabilities
    assert with_gp["D(x)"] == pytest.approx(without["D(x)"], rel=1e-5)


def test_wgan_gets_its_published_settings():
    cfg = with_loss_defaults(GANTrainConfig(loss="wgan-gp"))
    assert (cfg.k_d, cfg.lr_g, cfg.lr_d, cfg.betas) == (5, 1e-4, 1e-4, (0.0, 0.9))
    chosen = with_loss_defaults(GANTrainConfig(loss="wgan-gp", k_d=2))
    assert chosen.k_d == 2 and chosen.lr_g == 2e-4
    assert with_loss_defaults(GANTrainConfig()).betas == (0.5, 0.999)


@pytest.mark.parametrize("bad", [
    dict(loss="hinge"), dict(epochs=0), dict(batch_size=0), dict(lr_g=0.0), dict(lr_d=float("nan")),
    dict(lr_g=2.0), dict(k_d=0), dict(k_d=2.5), dict(gp_weight=-1.0), dict(gp_weight=float("inf")),
    dict(sample_count=0), dict(samples_every_s=-1.0), dict(tricks={"smoothing": 0.9}),
])
def test_train_config_refuses_bad_values(bad):
    with pytest.raises(ValueError):
        GANTrainConfig(**bad)


# --- failure ----------------------------------------------------------------------------------

def test_a_nan_discriminator_stops_training_with_a_message(small_mnist):
    trainer = GANTrainer(TINY, train_config(), small_mnist, "cpu")
    forward = trainer.D.forward
    trainer.D.forward = lambda x, labels=None: forward(x, labels) * float("nan")
    with pytest.raises(TrainingDiverged, match="D's loss became nan at step 1") as info:
        run(trainer)
    assert "learning rate" in str(info.value)


def test_a_nan_generator_loss_stops_training_with_a_message(small_mnist, monkeypatch):
    """G's loss is checked after D's update of the same step: that update (and batch norm's
    running statistics in both networks) is undone, so every weight and buffer is exactly as
    before the step (models.trainer.whole_step)."""
    monkeypatch.setattr(training, "g_loss", lambda logits, loss: logits.mean() * float("inf") * 0)
    trainer = GANTrainer(TINY, train_config(), small_mnist, "cpu")
    before = {name: {k: v.clone() for k, v in net.state_dict().items()}
              for name, net in (("G", trainer.G), ("D", trainer.D))}
    with pytest.raises(TrainingDiverged, match="G's loss became nan"):
        run(trainer)
    for name, net in (("G", trainer.G), ("D", trainer.D)):
        for k, v in net.state_dict().items():
            assert torch.equal(v, before[name][k]), f"{name}.{k} changed"


# --- reproducibility and the conditional model --------------------------------------------------

def test_fixed_noise_samples_repeat_for_a_seed_and_change_with_it(small_mnist):
    ds = subset(small_mnist, 128)

    def samples(seed):
        return [s.images for s in of(run(GANTrainer(TINY, train_config(seed=seed, sample_count=16),
                                                    ds, "cpu"))[0], GANSamples)]
    a, b, c = samples(5), samples(5), samples(6)
    assert len(a) == len(b) == 2 and a[0].shape == (16, 28, 28)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    for x, z in zip(a, c):
        assert np.abs(x - z).max() > 1e-3


def test_conditional_training_labels_its_samples(small_mnist):
    trainer = GANTrainer(TINY_COND, train_config(sample_count=25), subset(small_mnist, 128), "cpu")
    events, result = run(trainer)
    samples = of(events, GANSamples)
    assert result.steps == 2
    for s in samples:
        assert s.images.shape == (25, 28, 28)
        np.testing.assert_array_equal(s.labels, np.arange(25) % 10)
    # the label reaches G: two images from the same z and different digits differ
    model = GANModel.from_state(trainer.state_numpy(), trainer.checkpoint_meta(result))
    z = model.latent(1, generator=0)
    assert np.abs(model.generate(z, [1]) - model.generate(z, [8])).max() > 1e-4


def test_more_classes_than_the_model_knows_is_refused(small_mnist):
    trainer = GANTrainer(GANConfig(noise_dim=8, g_width=8, d_width=8, num_classes=5), train_config(),
                         small_mnist, "cpu")
    with pytest.raises(ValueError, match="10 classes"):
        run(trainer)


def test_an_empty_training_split_is_refused(small_mnist):
    with pytest.raises(ValueError, match="empty"):
        run(GANTrainer(TINY, train_config(), subset(small_mnist, 0), "cpu"))


# --- checkpoints and the inference model ----------------------------------------------------------

def test_checkpoint_meta(two_epochs):
    trainer, _, result = two_epochs
    meta = trainer.checkpoint_meta(result)
    assert meta["family"] == "gan" and meta["weights"] == "generator"
    assert meta["config"] == TINY.to_dict()
    assert meta["training"]["loss"] == "non-saturating" and meta["training"]["seed"] == 3
    assert meta["training"]["tricks"] == {"smoothing": 0.0, "noise": 0.0, "flip": 0.0}
    assert meta["epochs"] == 2.0 and meta["steps"] == 16 and not meta["stopped_early"]
    assert meta["dataset"]["name"] == "mnist" and meta["dataset"]["train_size"] == 512
    h = trainer.last_health
    assert meta["metrics"] == {"diversity": h.diversity, "class_entropy": h.entropy,
                               "classes_covered": h.covered}


def test_from_state_reproduces_the_trained_generator(two_epochs):
    trainer, _, result = two_epochs
    model = GANModel.from_state(trainer.state_numpy(), trainer.checkpoint_meta(result))
    assert model.family == "gan" and not model.conditional and model.noise_dim == 8
    assert model.classes == [str(i) for i in range(10)]
    z = model.latent(6, generator=1)
    trainer.G.eval()
    with torch.no_grad():
        expected = (trainer.G(torch.from_numpy(z))[:, 0].clamp(-1, 1) + 1) / 2
    np.testing.assert_allclose(model.generate(z), expected.numpy(), atol=1e-6)
    images = model.sample(5, generator=2)
    assert images.shape == (5, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1


def test_checkpoint_round_trip_gives_identical_samples(two_epochs, tmp_path):
    trainer, _, result = two_epochs
    save_checkpoint(tmp_path / "gan", trainer.state_numpy(), trainer.checkpoint_meta(result))
    state, _ = read_checkpoint(tmp_path / "gan")
    counters = [k for k in state if k.endswith("num_batches_tracked")]
    assert counters and all(state[k].shape == () for k in counters)
    loaded = load_checkpoint(tmp_path / "gan")
    assert isinstance(loaded, GANModel) and loaded.config == TINY
    model = GANModel.from_state(trainer.state_numpy(), trainer.checkpoint_meta(result))
    np.testing.assert_array_equal(loaded.sample(8, generator=4), model.sample(8, generator=4))
    # and GANModel.save writes the same thing back
    loaded.save(tmp_path / "again")
    np.testing.assert_array_equal(load_checkpoint(tmp_path / "again").sample(8, generator=4),
                                  model.sample(8, generator=4))


@pytest.fixture(scope="module")
def cond_model():
    torch.manual_seed(0)
    return GANModel(TINY_COND, meta={})


@pytest.mark.parametrize("label", [10, -1, 2.5, [1, 2], [0, 1, 2, 3, 4], ["a", "b", "c"], True])
def test_bad_labels_are_refused(cond_model, label):
    with pytest.raises(ValueError, match="label"):
        cond_model.sample(3, label=label, generator=0)


def test_labels_cycle_when_not_given_and_broadcast_when_single(cond_model):
    z = cond_model.latent(12, generator=5)
    np.testing.assert_array_equal(cond_model.sample(12, generator=5),
                                  cond_model.generate(z, np.arange(12) % 10))
    np.testing.assert_array_equal(cond_model.sample(12, label=3, generator=5),
                                  cond_model.generate(z, [3] * 12))
    assert np.abs(cond_model.sample(12, label=3, generator=5)
                  - cond_model.sample(12, label=4, generator=5)).max() > 1e-4


def test_labels_cycle_over_all_samples_not_per_chunk(cond_model):
    """generate() works in chunks of 512; sample 512 must get label 512 % 10 = 2, not 0."""
    z = cond_model.latent(600, generator=7)
    np.testing.assert_allclose(cond_model.sample(600, generator=7),
                               cond_model.generate(z, np.arange(600) % 10), atol=1e-6)


def test_generate_in_chunks_keeps_each_label_with_its_z(cond_model):
    z = cond_model.latent(600, generator=6)
    labels = np.arange(600) % 7
    whole = cond_model.generate(z, labels)
    for i in (0, 511, 512, 599):
        np.testing.assert_allclose(whole[i], cond_model.generate(z[i:i + 1], labels[i:i + 1])[0], atol=1e-6)


def test_generate_checks_its_noise(cond_model):
    assert cond_model.generate(np.zeros(8, np.float32), [0]).shape == (1, 28, 28)
    with pytest.raises(ValueError, match="N×8"):
        cond_model.generate(np.zeros((2, 5)), [0, 1])
    with pytest.raises(ValueError, match="finite"):
        cond_model.generate(np.full((1, 8), np.nan), [0])


def test_truncation_narrows_the_samples():
    torch.manual_seed(0)
    model = GANModel(TINY, meta={})
    assert np.abs(model.latent(500, truncation=0.5, generator=1)).max() <= 0.5
    free = mean_pairwise_distance(model.sample(64, generator=7))
    narrow = mean_pairwise_distance(model.sample(64, truncation=0.01, generator=7))
    assert free > 0 and narrow < 0.1 * free
    np.testing.assert_array_equal(model.latent(4, generator=3), model.latent(4, generator=3))


@pytest.mark.parametrize("mode", ["linear", "slerp"])
def test_interpolation_starts_and_ends_at_its_endpoints(cond_model, mode):
    z0, z1 = cond_model.latent(2, generator=8)
    path = cond_model.interpolate(z0, z1, 7, mode=mode, label=4)
    assert path.shape == (7, 28, 28)
    np.testing.assert_allclose(path[0], cond_model.generate(z0, [4])[0], atol=1e-6)
    np.testing.assert_allclose(path[-1], cond_model.generate(z1, [4])[0], atol=1e-6)
    assert np.abs(path[3] - path[0]).max() > 1e-4
    assert cond_model.interpolate(z0, z1, 1, mode=mode, label=4).shape == (2, 28, 28)


def test_interpolation_mode_is_checked(cond_model):
    z0, z1 = cond_model.latent(2, generator=9)
    with pytest.raises(ValueError, match="slerp"):
        cond_model.interpolate(z0, z1, 5, mode="cubic", label=0)
