"""Training RealNVP (models/likelihood/flow_training.py) and `playground train realnvp`
(flow_cli.py): the trainers keep the family contract, maximum likelihood raises the
likelihood of held-out points, a NaN stops training with the last good weights, and the
command line trains, saves and refuses what does not fit together."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.checkpoint import load_checkpoint, save_checkpoint
from models.data import Dataset, Split
from models.events import DatasetReady, EpochEnd, Snapshot, Step, TrainResult
from models.likelihood.flow_api import RealNVPModel
from models.likelihood.flow_data import make_points
from models.likelihood.flow_training import (Flow2DTrainConfig, Flow2DTrainer,
                                             FlowImageTrainConfig, FlowImageTrainer)
from models.likelihood.realnvp import RealNVPConfig
from models.trainer import Trainer, TrainingDiverged
from job_events import run_all

SMALL_2D = RealNVPConfig(layers=4, hidden=16)
TINY_IMAGE = RealNVPConfig(kind="image", layers=2, hidden=4, depth=0)



def few_digits(ds: Dataset, n_train: int = 64, n_test: int = 16) -> Dataset:
    return Dataset(ds.name, ds.classes, Split(ds.train.images[:n_train], ds.train.labels[:n_train]),
                   Split(ds.test.images[:n_test], ds.test.labels[:n_test]), ds.source)


def check_contract(trainer: Trainer, events: list, result: TrainResult) -> None:
    """What tests/test_trainer_contract.py asks of every checkpoint family's trainer."""
    assert trainer.family == "realnvp"
    steps = [e.step for e in events if isinstance(e, Step)]
    assert steps and all(b > a for a, b in zip(steps, steps[1:])) and steps[-1] == trainer.steps_done
    assert all(type(v) is float for e in events if isinstance(e, Step) for v in e.losses.values())
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert ends and [e.epoch for e in ends] == list(range(1, len(ends) + 1))
    assert isinstance(result, TrainResult) and result.steps == trainer.steps_done
    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert snaps[0].step == 0 and snaps[-1].step == trainer.steps_done
    final = trainer.state_numpy()
    assert all(np.array_equal(snaps[-1].state[k], final[k]) for k in final)
    state, meta = trainer.checkpoint(result)
    assert meta["family"] == "realnvp" and meta["config"] == trainer.model_config.to_dict()
    assert meta["steps"] == trainer.steps_done and meta["stopped_early"] is False
    assert all({k: (v.shape, v.dtype) for k, v in s.state.items()} ==
               {k: (v.shape, v.dtype) for k, v in state.items()} for s in snaps)


# ------------------------------------------------------------------ the 2-D flow

def test_training_on_moons_raises_the_likelihood_of_fresh_points(tmp_path,
                                                                 one_torch_thread):
    trainer = Flow2DTrainer(make_points("moons", 4000, seed=0), SMALL_2D,
                            Flow2DTrainConfig(steps=300, batch_size=128, lr=3e-3), "cpu",
                            data_name="moons")
    test = make_points("moons", 2000, seed=99)
    before = trainer.mean_nll(test)
    events, result = run_all(trainer.run())
    after = trainer.mean_nll(test)
    # untrained: the standardised Gaussian, ≈ 2.4 nats; after 300 steps ≈ 1.3 (measured);
    # the moons' true entropy, with their noise of σ 0.065, is lower still
    assert after < before - 0.5, (before, after)
    check_contract(trainer, events, result)
    # open-ended: the run gives a Step now and then, not 300
    assert 1 <= sum(isinstance(e, Step) for e in events) < 300

    state, meta = trainer.checkpoint(result)
    assert meta["data"] == "moons" and meta["points"] == 4000
    assert meta["metrics"]["train_nll_nats"] == pytest.approx(trainer.mean_nll(trainer.points))
    assert meta["metrics"]["test_nll_nats"] < before - 0.5
    save_checkpoint(tmp_path / "moons", state, meta)
    model = load_checkpoint(tmp_path / "moons")
    np.testing.assert_allclose(-model.log_prob(test).mean(), after, rtol=1e-5)


def test_an_open_ended_run_trains_until_closed_and_keeps_its_last_step():
    trainer = Flow2DTrainer(make_points("rings", 500), SMALL_2D,
                            Flow2DTrainConfig(batch_size=64, progress_every_s=0), "cpu")
    job = trainer.run()
    assert isinstance(next(job), Snapshot)
    steps = [next(job) for _ in range(60)]
    job.close()
    last = [e for e in steps if isinstance(e, Step)][-1]
    assert last.total_steps == 0 and last.step == trainer.steps_done
    state = trainer.state_numpy()
    assert all(np.isfinite(v).all() for v in state.values())
    # and it goes on from there
    _, result = run_all(trainer.run(steps=5))
    assert result.steps == trainer.steps_done == last.step + 5


def test_a_nan_loss_stops_training_with_the_last_good_weights():
    trainer = Flow2DTrainer(make_points("moons", 200), SMALL_2D,
                            Flow2DTrainConfig(steps=10, batch_size=32, progress_every_s=0), "cpu")
    job = trainer.run()
    while trainer.steps_done < 3:
        next(job)
    good = trainer.state_numpy()
    trainer.flow.log_prob = lambda x: torch.full((len(x),), math.nan)
    with pytest.raises(TrainingDiverged, match="loss became nan at step 4.*weights of step 3"):
        while True:
            next(job)
    assert trainer.steps_done == 3
    assert all(np.array_equal(good[k], v) for k, v in trainer.state_numpy().items())


def test_an_infinite_gradient_stops_training_before_the_weights_change():
    trainer = Flow2DTrainer(make_points("moons", 200), SMALL_2D,
                            Flow2DTrainConfig(steps=10, batch_size=32), "cpu")
    good = trainer.state_numpy()
    real, w = trainer.flow.log_prob, next(trainer.flow.parameters())
    # a finite loss (sqrt(0) = 0) whose gradient is not: d sqrt(u)/du = ∞ at 0
    trainer.flow.log_prob = lambda x: real(x) + torch.sqrt(w.sum() * 0)
    with pytest.raises(TrainingDiverged, match="gradient norm became"):
        run_all(trainer.run())
    assert trainer.steps_done == 0
    assert all(np.array_equal(good[k], v) for k, v in trainer.state_numpy().items())


@pytest.mark.parametrize("points, words", [
    (np.zeros((3, 2)), "needs at least"),
    (np.full((50, 2), np.inf), "NaN or infinite"),
    (np.zeros((50, 5)), "N×2"),
])
def test_bad_training_points_are_refused_before_training(points, words):
    with pytest.raises(ValueError, match=words):
        Flow2DTrainer(points, SMALL_2D)


def test_the_2d_trainer_refuses_an_image_flow_and_bad_settings():
    with pytest.raises(ValueError, match="kind='2d'"):
        Flow2DTrainer(make_points("moons", 100), TINY_IMAGE)
    with pytest.raises(ValueError, match="learning rate"):
        Flow2DTrainConfig(lr=0)
    with pytest.raises(ValueError, match="batch_size"):
        Flow2DTrainConfig(batch_size=0)


# ------------------------------------------------------------------ the image flow

def test_the_image_flow_trains_in_bits_per_dim(mnist, tmp_path, one_torch_thread):
    trainer = FlowImageTrainer(TINY_IMAGE, FlowImageTrainConfig(epochs=2, batch_size=32, lr=1e-2),
                               few_digits(mnist), "cpu")
    events, result = run_all(trainer.run())
    check_contract(trainer, events, result)
    assert isinstance(events[0], DatasetReady)
    bpd = [e.losses["bpd"] for e in events if isinstance(e, Step)]
    assert len(bpd) == 4
    tests = [e.test_losses["bpd"] for e in events if isinstance(e, EpochEnd)]
    # an untrained flow is the identity after the logit: a black pixel (most of a digit),
    # x ≈ 0.002, scores log N(logit 0.052) + its log-det ≈ −5.24 + 2.94 nats, so digits come
    # to about 11 bits/dim (worse than the uniform density's 8); training brings it down
    assert 10 < bpd[0] < 12
    assert tests[1] < tests[0] < bpd[0] and bpd[-1] < bpd[0] - 1
    assert len(tests) == 2 and tests[-1] == result.test_losses["bpd"]
    state, meta = trainer.checkpoint(result)
    assert meta["dataset"]["train_size"] == 64 and "test_bpd" in meta["metrics"]
    save_checkpoint(tmp_path / "img", state, meta)
    model = load_checkpoint(tmp_path / "img")
    assert model.kind == "image"
    # the checkpoint's figure is the model's own bits/dim of the 16 test digits (its seed)
    got = model.bits_per_dim(mnist.test.images[:16], torch.Generator().manual_seed(1234))
    assert meta["metrics"]["test_bpd"] == pytest.approx(float(got.mean()), rel=1e-5)


def test_a_nan_loss_stops_the_image_flow_with_the_last_good_weights(mnist):
    trainer = FlowImageTrainer(TINY_IMAGE, FlowImageTrainConfig(epochs=1, batch_size=16),
                               few_digits(mnist), "cpu")
    job = trainer.run()
    while trainer.steps_done < 2:
        next(job)
    good = trainer.state_numpy()
    trainer.flow.log_prob = lambda x: torch.full((len(x),), math.inf)
    with pytest.raises(TrainingDiverged, match="loss became -inf at step 3.*weights of step 2"):
        while True:
            next(job)
    assert all(np.array_equal(good[k], v) for k, v in trainer.state_numpy().items())


def test_the_image_trainer_loads_a_named_dataset_on_its_own_thread(mnist):
    trainer = FlowImageTrainer(TINY_IMAGE, FlowImageTrainConfig(epochs=1, batch_size=512),
                               "mnist", "cpu")
    assert trainer.dataset is None
    job = trainer.run()
    assert "Loading mnist" in next(job).message
    assert isinstance(next(job), DatasetReady)
    job.close()


# ------------------------------------------------------------------ the command line

def _train(*argv) -> int:
    from playground.cli import main
    return main(["train", "realnvp", *argv])


def test_the_command_trains_a_2d_flow_and_saves_it(tmp_path, capsys):
    out = tmp_path / "moons"
    assert _train("--data", "rings", "--steps", "40", "--layers", "2", "--hidden", "8",
                  "--device", "cpu", "--out", str(out)) == 0
    model = load_checkpoint(out)
    printed = capsys.readouterr()
    assert f"Saved {out} (40 steps; on the 20,000 training points" in printed.out
    assert "test_nll_nats" in printed.out
    assert isinstance(model, RealNVPModel) and model.kind == "2d"
    assert model.config == RealNVPConfig(layers=2, hidden=8)
    assert model.meta["data"] == "rings" and model.meta["training"]["steps"] == 40


def test_the_command_trains_on_a_points_file(tmp_path, capsys):
    pts = make_points("moons", 100)
    (tmp_path / "mine.csv").write_text("\n".join(f"{a} {b}" for a, b in pts))
    assert _train("--data", str(tmp_path / "mine.csv"), "--steps", "5", "--layers", "2",
                  "--hidden", "4", "--out", str(tmp_path / "f")) == 0
    assert load_checkpoint(tmp_path / "f").meta["data"] == "mine.csv"   # the name, no folder


def test_the_command_trains_an_image_flow(tmp_path, capsys, mnist):
    assert _train("--dataset", "mnist", "--epochs", "1",
                  "--layers", "1", "--hidden", "2", "--batch-size", "1024", "--device", "cpu",
                  "--out", str(tmp_path / "img")) == 0
    model = load_checkpoint(tmp_path / "img")
    assert model.kind == "image" and model.config.layers == 1
    assert "test_bpd" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (("--image", "--data", "moons"), "--data names the 2-D flow's points"),
    (("--image", "--steps", "5"), "--steps is for the 2-D flow"),
    (("--data", "spiral"), "--data spiral: neither a named set (moons, rings) nor a file"),
    (("--data", "nowhere.csv"), "nor a file that exists"),
])
def test_the_command_refuses_options_that_do_not_fit(tmp_path, capsys, argv, words):
    assert _train(*argv, "--out", str(tmp_path / "x")) == 2
    assert words in capsys.readouterr().err


def test_the_command_refuses_a_file_of_something_else(tmp_path, capsys):
    (tmp_path / "notes.npy").write_text("not an array")
    assert _train("--data", str(tmp_path / "notes.npy"), "--out", str(tmp_path / "x")) == 2
    assert "notes.npy: not a NumPy .npy file" in capsys.readouterr().err


def test_the_command_refuses_a_bad_layer_count(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        _train("--layers", "0", "--out", str(tmp_path / "x"))
    assert info.value.code == 2
    assert "--layers: must be in 1..64, not 0" in capsys.readouterr().err


def test_the_shipped_recipe_parses():
    from models.likelihood.flow_cli import flow_recipes
    from playground.cli import build_parser
    (recipe,) = flow_recipes()
    assert recipe.name == "realnvp-moons" and recipe.argv[0] == "realnvp"
    args = build_parser().parse_args(["train", *recipe.argv, "--out", "x"])
    assert args.model == "realnvp" and args.data == "moons" and args.steps == 10_000
