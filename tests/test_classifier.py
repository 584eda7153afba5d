"""The MNIST classifier: its inputs, features, training job, checkpoint, and the shipped one."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models import CheckpointError, load_checkpoint
from models.classifier import (ClassifierConfig, ClassifierModel, ClassifierTrainConfig, evaluate,
                               fit, random_shift, train_classifier)
from models.events import EpochEnd, Status, Step

pytestmark = pytest.mark.usefixtures("one_torch_thread")
SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints" / "mnist-classifier"


def tiny_model(seed: int = 0) -> ClassifierModel:
    torch.manual_seed(seed)
    return ClassifierModel(ClassifierConfig(channels=(8, 16), hidden=32))


def test_config_validation_and_round_trip():
    c = ClassifierConfig(channels=[16, 32], hidden=64, dropout=0.1)
    assert c.channels == (16, 32)
    assert ClassifierConfig.from_dict(c.to_dict()) == c
    for bad in ({"channels": (8,)}, {"hidden": 1}, {"num_classes": 1}, {"dropout": 1.0},
                {"hidden": True}, {"channels": (8, 2.5)}):
        with pytest.raises(ValueError):
            ClassifierConfig(**bad)
    with pytest.raises(ValueError):
        ClassifierTrainConfig(epochs=0)
    with pytest.raises(ValueError):
        ClassifierTrainConfig(lr=float("nan"))


def test_outputs_shapes_and_consistency(mnist):
    model = tiny_model()
    images = mnist.test.images[:20]
    feats, probs = model.features(images), model.probs(images)
    assert feats.shape == (20, 32) and feats.dtype == np.float32
    assert (feats >= 0).all()                        # after the ReLU
    assert probs.shape == (20, 10)
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(images), probs.argmax(1))
    # the features are the penultimate layer: the logits are one linear map of them
    w = model.module.fc2.weight.detach().numpy()
    b = model.module.fc2.bias.detach().numpy()
    np.testing.assert_allclose(model.logits(images), feats @ w.T + b, rtol=1e-4, atol=1e-5)
    # uint8 0–255, float 0–1 and N×1×28×28 are the same images
    as_float = images.astype(np.float32) / 255
    np.testing.assert_allclose(model.features(as_float), feats, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.features(as_float[:, None]), feats, rtol=1e-5, atol=1e-6)
    assert model.features(np.zeros((0, 28, 28), np.uint8)).shape == (0, 32)


def test_bad_images_raise_value_errors():
    model = tiny_model()
    bad = np.zeros((2, 28, 28), np.float32)
    bad[1, 3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.predict(bad)
    with pytest.raises(ValueError, match="28×28"):
        model.features(np.zeros((2, 32, 32), np.uint8))


def test_random_shift_moves_each_image_by_at_most_the_shift():
    x = torch.zeros(400, 1, 28, 28)
    x[:, 0, 14, 10] = 1.0
    out = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert torch.equal(out.sum((1, 2, 3)), torch.ones(400))   # the pixel stays, nothing else
    where = out[:, 0].flatten(1).argmax(1)
    dy, dx = where // 28 - 14, where % 28 - 10
    assert dy.abs().max() <= 2 and dx.abs().max() <= 2
    assert len(set(zip(dy.tolist(), dx.tolist()))) == 25       # every offset in ±2 × ±2 is used
    assert torch.equal(random_shift(x, 0, torch.Generator()), x)
    # zero fill: a pixel on the border can leave the image
    edge = torch.zeros(200, 1, 28, 28)
    edge[:, 0, 0, 0] = 1.0
    lost = random_shift(edge, 1, torch.Generator().manual_seed(1)).sum((1, 2, 3))
    assert (lost == 0).any() and (lost == 1).any()


def test_training_job_learns_and_reports(small_mnist):
    cfg = ClassifierConfig(channels=(8, 16), hidden=32)
    tc = ClassifierTrainConfig(epochs=3, batch_size=32, lr=1e-2, shift=0)
    events = []
    before = evaluate(ClassifierModel(cfg), small_mnist.test.images, small_mnist.test.labels)
    model = fit(small_mnist, cfg, tc, on_event=events.append)
    steps = [e for e in events if isinstance(e, Step)]
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert isinstance(events[0], Status)
    assert [s.step for s in steps] == list(range(1, 3 * 16 + 1))
    assert all(s.total_steps == 48 for s in steps) and all(np.isfinite(s.losses["loss"]) for s in steps)
    assert [e.epoch for e in ends] == [1, 2, 3]
    acc = ends[-1].test_losses["accuracy"]
    assert acc > 0.6 > before["accuracy"] + 0.3                # chance is ~0.1
    assert ends[-1].test_losses["loss"] < before["loss"] - 1.0
    assert model.meta["metrics"]["test_accuracy"] == acc
    assert model.meta["dataset"]["train_size"] == 512
    assert model.accuracy(small_mnist.test.images, small_mnist.test.labels) == pytest.approx(acc)


def test_training_is_reproducible_with_a_seed(small_mnist):
    cfg, tc = ClassifierConfig(channels=(8, 8), hidden=16), ClassifierTrainConfig(epochs=1, batch_size=128)
    a = fit(small_mnist, cfg, tc).state_numpy()
    b = fit(small_mnist, cfg, tc).state_numpy()
    c = fit(small_mnist, cfg, ClassifierTrainConfig(epochs=1, batch_size=128, seed=1)).state_numpy()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_save_and_load_round_trip(tmp_path, mnist):
    model = tiny_model(seed=3)
    model.meta = {"metrics": {"test_accuracy": 0.5}}
    model.save(tmp_path / "clf")
    loaded = load_checkpoint(tmp_path / "clf")
    assert isinstance(loaded, ClassifierModel)
    assert loaded.config == model.config and loaded.meta["metrics"]["test_accuracy"] == 0.5
    images = mnist.test.images[:16]
    np.testing.assert_array_equal(loaded.logits(images), model.logits(images))
    # weights of another shape are named in the error, never loaded half-way
    other = ClassifierModel(ClassifierConfig(channels=(8, 16), hidden=64))
    with pytest.raises(CheckpointError, match="fc1.weight"):
        other.load_state(model.state_numpy(), "x")
    with pytest.raises(CheckpointError, match="bad classifier configuration"):
        ClassifierModel.from_state(model.state_numpy(), {"config": {"hidden": -1}})


def test_empty_training_split_is_an_error(small_mnist):
    from models.data import Dataset, Split
    empty = Dataset("mnist", small_mnist.classes, Split(small_mnist.train.images[:0],
                    small_mnist.train.labels[:0]), small_mnist.test, "empty")
    with pytest.raises(ValueError, match="empty"):
        next(train_classifier(empty))


def test_shipped_classifier_is_accurate_on_the_held_out_digits(held_out_digits):
    model = load_checkpoint(SHIPPED)
    assert isinstance(model, ClassifierModel) and model.feature_dim == 128
    acc = model.accuracy(held_out_digits.images, held_out_digits.labels)
    assert acc >= 0.98
    # trained on MNIST's 60,000 training digits; its recorded accuracy is on all 10,000 test
    # digits, of which these 2,000 are the last
    assert model.meta["dataset"]["train_size"] == 60000 and model.meta["dataset"]["test_size"] == 10000
    assert model.meta["metrics"]["test_accuracy"] >= 0.98
    # the features tell real digits from noise: far apart in feature space
    noise = np.random.default_rng(0).uniform(0, 1, (64, 28, 28)).astype(np.float32)
    real = model.features(held_out_digits.images[:64])
    assert np.linalg.norm(real.mean(0) - model.features(noise).mean(0)) > 0.5 * np.linalg.norm(real.mean(0))


def test_the_recorded_accuracy_is_on_all_10000_test_digits(full_mnist):
    """The shared mnist/ folder holds MNIST's 10,000 test digits (split 8,000/2,000 for the
    tests): together they are the set the shipped classifier was measured on."""
    model = load_checkpoint(SHIPPED)
    images = np.concatenate([full_mnist.train.images, full_mnist.test.images])
    labels = np.concatenate([full_mnist.train.labels, full_mnist.test.labels])
    assert len(labels) == 10000
    assert model.accuracy(images, labels) == pytest.approx(model.meta["metrics"]["test_accuracy"],
                                                           abs=1e-9)
