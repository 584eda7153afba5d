"""Training NADE and PixelCNN by maximum likelihood: the NLL falls, a NaN stops training with
the last good weights, the command line writes a checkpoint that loads and scores."""
from __future__ import annotations

import math

import numpy as np
import pytest

from models.checkpoint import load_checkpoint
from models.events import EpochEnd, Snapshot, Step
from models.likelihood import training
from models.likelihood.nade import NADEConfig
from models.likelihood.pixelcnn import PixelCNNConfig
from models.likelihood.training import (LikelihoodTrainConfig, NADETrainer, PixelCNNTrainer,
                                        TrainingDiverged)


def trainer(kind, ds, **cfg):
    config = dict(epochs=2, batch_size=32, lr=1e-2, epoch_test_points=64)
    config.update(cfg)
    if kind == "nade":
        return NADETrainer(NADEConfig(hidden=16), LikelihoodTrainConfig(**config), ds, "cpu")
    return PixelCNNTrainer(PixelCNNConfig(channels=8, layers=1), LikelihoodTrainConfig(**config),
                           ds, "cpu")


def drain(job):
    events = []
    try:
        while True:
            events.append(next(job))
    except StopIteration as stop:
        return events, stop.value


@pytest.mark.parametrize("kind", ["nade", "pixelcnn"])
def test_a_short_training_lowers_the_test_nll(kind, small_mnist, one_torch_thread):
    t = trainer(kind, small_mnist)
    before = training.mean_nll(t.model, t._test_set()[:64])
    events, result = drain(t.run())
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.test_images for e in ends] == [64, 64]
    assert ends[-1].test_losses["nll"] < 0.8 * before
    # nats and bits/dim are the same figure
    loss = ends[-1].test_losses
    assert math.isclose(loss["bits_per_dim"], loss["nll"] / (784 * math.log(2)))
    steps = [e for e in events if isinstance(e, Step)]
    assert steps[-1].losses["nll"] < steps[0].losses["nll"]
    _, meta = t.checkpoint(result)
    assert meta["family"] == kind and meta["dataset"]["name"] == "mnist"
    assert set(meta["metrics"]) >= {"test_nll", "test_bits_per_dim"}
    assert "256 held-out" in meta["metrics_scope"]


def test_a_nan_stops_training_and_keeps_the_last_good_weights(small_mnist, monkeypatch,
                                                              one_torch_thread):
    t = trainer("nade", small_mnist)
    real = training.nll_per_image
    calls = {"n": 0}

    def poisoned(module, x):
        calls["n"] += 1
        out = real(module, x)
        return out * math.nan if calls["n"] == 4 else out

    monkeypatch.setattr(training, "nll_per_image", poisoned)
    job = t.run()
    good = None
    with pytest.raises(TrainingDiverged, match="step 4.*weights of step 3"):
        for event in job:
            if isinstance(event, Step) and event.step == 3:
                good = t.state_numpy()
    assert t.steps_done == 3
    state = t.state_numpy()
    assert all(np.array_equal(state[k], good[k]) for k in good)


def test_the_trainer_binarizes_each_epoch_afresh_and_reproducibly(small_mnist, one_torch_thread):
    a, b = trainer("nade", small_mnist, epochs=1), trainer("nade", small_mnist, epochs=1)
    sa = [e for e in drain(a.run())[0] if isinstance(e, Snapshot)][-1].state
    sb = [e for e in drain(b.run())[0] if isinstance(e, Snapshot)][-1].state
    assert all(np.array_equal(sa[k], sb[k]) for k in sa)     # same seed, same run


def test_images_of_another_size_are_refused(small_mnist):
    t = NADETrainer(NADEConfig(size=8, hidden=4), LikelihoodTrainConfig(epochs=1), small_mnist,
                    "cpu")
    with pytest.raises(ValueError, match="28×28 images; this model is 8×8"):
        drain(t.run())


@pytest.mark.parametrize("command, options", [("nade", ["--hidden", "8"]),
                                              ("pixelcnn", ["--channels", "4", "--layers", "1",
                                                            "--gated"])])
def test_the_cli_trains_a_tiny_model_that_loads_and_scores(command, options, tmp_path,
                                                           one_torch_thread):
    from playground.cli import main
    from tests.conftest import SAMPLE_MNIST
    out = tmp_path / command
    assert main(["train", command, "--dataset", str(SAMPLE_MNIST), "--no-download",
                 "--epochs", "1", "--batch-size", "64", "--device", "cpu",
                 *options, "--out", str(out)]) == 0
    model = load_checkpoint(out)
    assert model.family == command
    if command == "pixelcnn":
        assert model.config.gated and model.config.channels == 4
    else:
        assert model.config.hidden == 8
    x = model.sample(2, generator=0)
    logp = model.log_prob(x)
    assert logp.shape == (2,) and (logp < 0).all()
    assert model.meta["metrics"]["test_nll"] > 0


def test_the_cli_refuses_bad_sizes(capsys):
    from playground.cli import main
    with pytest.raises(SystemExit) as exit_:
        main(["train", "nade", "--hidden", "0", "--out", "x"])
    assert exit_.value.code == 2
    assert "--hidden" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["nade", "pixelcnn"])
def test_a_resumed_run_ends_where_a_straight_one_ends(kind, small_mnist, tmp_path,
                                                      one_torch_thread):
    # stop after 5 of 32 steps, save the training state, resume in a fresh trainer: the same
    # weights bit for bit (the Adam moments and the binarization draws were restored too)
    from models.train_state import capture, read_train_state, restore, save_train_state

    def steps(t, n):
        job, done = t.run(), 0
        for event in job:
            if isinstance(event, Step):
                done += 1
                if done == n:
                    break
        job.close()

    straight = trainer(kind, small_mnist, epochs=1, batch_size=64)
    steps(straight, 8)
    first = trainer(kind, small_mnist, epochs=1, batch_size=64)
    steps(first, 5)
    tensors, header = capture(first.train_parts())
    save_train_state(tmp_path, tensors, header, {"steps": first.steps_done})
    resumed = trainer(kind, small_mnist, epochs=1, batch_size=64)
    restore(*read_train_state(tmp_path), resumed)
    assert resumed.steps_done == 5
    steps(resumed, 3)
    a, b = straight.state_numpy(), resumed.state_numpy()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], first.state_numpy()[k]) for k in a)
