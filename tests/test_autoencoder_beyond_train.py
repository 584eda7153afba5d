"""Issue 15's autoencoders in training: every kind trains a few steps and reports its collapse
figures, the AAE's three phases each move only their own weights, a NaN anywhere in a step
leaves every weight as it was, checkpoints keep every kind (and the user's prior points), and
`playground train aae|wae|hvae` works end to end and refuses bad prior files cleanly."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from idx_files import write_split_folder
from job_events import run_all

import models.autoencoder.training as training
from models import load_checkpoint
from models.autoencoder.api import AutoencoderModel
from models.autoencoder.nets import AEConfig
from models.autoencoder.training import AutoencoderTrainer, TrainConfig, TrainingDiverged
from models.data import Dataset, Split
from models.distributed import Dist
from models.events import CodeStats, LatentCodes, Snapshot, Step
from playground.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RING = [(float(np.cos(a)), float(np.sin(a))) for a in np.linspace(0, 6, 12)]
TINY = dict(hidden=16, pixel_channels=4, pixel_layers=1)
KINDS = {   # name → AEConfig options, and the loss names a step reports
    "ae": ({"kind": "ae"}, {"loss", "recon"}),
    "vae": ({"kind": "vae", "latent_dim": 3}, {"loss", "recon", "kl"}),
    "vae-pixelcnn": ({"kind": "vae", "decoder": "pixelcnn"}, {"loss", "recon", "kl"}),
    "aae": ({"kind": "aae", "prior": "ring"}, {"loss", "recon", "d_loss", "g_loss"}),
    "aae-supervised": ({"kind": "aae", "prior": "mixture10", "supervised": True,
                        "stochastic": True}, {"loss", "recon", "d_loss", "g_loss"}),
    "wae-mmd": ({"kind": "wae", "prior": "points", "prior_points": RING},
                {"loss", "recon", "mmd"}),
    "wae-gan": ({"kind": "wae", "regulariser": "gan"}, {"loss", "recon", "g_loss", "d_loss"}),
    "hvae": ({"kind": "hvae", "latent_dim": 3, "top_dim": 2},
             {"loss", "recon", "kl", "kl_top", "kl_bottom"}),
}


@pytest.fixture(scope="module")
def tiny_mnist(mnist) -> Dataset:
    """64 training and 32 held-out digits: two steps of 32 an epoch."""
    return Dataset("mnist", mnist.classes, Split(mnist.train.images[:64], mnist.train.labels[:64]),
                   Split(mnist.test.images[:32], mnist.test.labels[:32]), "MNIST (tiny)")


def config(name: str) -> AEConfig:
    return AEConfig(**{**TINY, **KINDS[name][0]})


def trainer_for(dataset, model: AEConfig, **train) -> AutoencoderTrainer:
    torch.manual_seed(0)
    cfg = dict(epochs=1, batch_size=32, seed=0, eval_points=32, epoch_test_points=32,
               preview_every_s=1e9, snapshot_every_s=1e9, live_budget=1.0)
    cfg.update(train)
    return AutoencoderTrainer(model, TrainConfig(**cfg), dataset, device="cpu", download=False)


def state(module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before: dict, after: dict, prefix: str = "") -> set[str]:
    """The top-level parts (encoder, decoder, to_mu, critic, …) with a weight that moved."""
    return {k.split(".")[0] for k in before
            if k.startswith(prefix) and not torch.equal(before[k], after[k])}


# --------------------------------------------------------------------------- each kind trains

@pytest.mark.parametrize("name", list(KINDS))
def test_each_kind_trains_and_reports_code_stats(tiny_mnist, name):
    model_config = config(name)
    trainer = trainer_for(tiny_mnist, model_config, lam=2.0, free_bits=0.1, kl_warmup=3)
    before = state(trainer.model)
    events, result = run_all(trainer.run())
    steps = [e for e in events if isinstance(e, Step)]
    assert [s.step for s in steps] == [1, 2] and result.steps == 2
    for s in steps:
        assert set(s.losses) == KINDS[name][1]
        assert all(np.isfinite(v) for v in s.losses.values()), s.losses
    stats = [e for e in events if isinstance(e, CodeStats)]
    codes = [e for e in events if isinstance(e, LatentCodes)]
    assert len(stats) == len(codes) >= 2 and stats[-1].step == 2
    d = model_config.latent_dim
    assert stats[-1].unit_variance.shape == (d,) and 0 <= stats[-1].active_units <= d
    np.testing.assert_allclose(stats[-1].unit_variance, codes[-1].latents.var(0), rtol=1e-4)
    if model_config.kind == "vae":           # the KL per dimension: the VAE's collapse bars
        assert stats[-1].kl_per_dim.shape == (d,) and (stats[-1].kl_per_dim >= 0).all()
    else:
        assert stats[-1].kl_per_dim is None
    assert (codes[-1].scales is not None) == model_config.gaussian_encoder
    moved = changed(before, state(trainer.model))
    assert {"encoder", "decoder"} <= moved
    assert ("critic" in moved) == model_config.adversarial


def test_warm_up_and_free_bits_reach_the_loss(tiny_mnist, monkeypatch):
    seen = []                   # (β, free bits) of each training step (the model in train mode)
    real = training.loss_terms

    def spy(model, x, beta, generator, **options):
        if model.training:
            seen.append((beta, options["free_bits"]))
        return real(model, x, beta, generator, **options)

    monkeypatch.setattr(training, "loss_terms", spy)
    trainer = trainer_for(tiny_mnist, config("vae"), epochs=3, beta=0.6, kl_warmup=4,
                          free_bits=0.25)
    run_all(trainer.run())
    assert [b for b, _ in seen] == pytest.approx([0.15, 0.3, 0.45, 0.6, 0.6, 0.6])
    assert all(fb == 0.25 for _, fb in seen)


# --------------------------------------------------------------------------- the AAE's phases

def _one_step(trainer, dataset, supervised=False):
    x = torch.from_numpy(dataset.train.images[:32].astype(np.float32) / 255)
    y = torch.from_numpy(dataset.train.labels[:32].astype(np.int64)) if supervised else None
    return trainer._update(trainer.model, x, y, torch.Generator().manual_seed(1),
                           torch.Generator().manual_seed(2), epoch=1)


@pytest.mark.parametrize("name", ["aae", "aae-supervised", "wae-gan"])
def test_each_phase_moves_only_its_own_weights(tiny_mnist, monkeypatch, name):
    trainer = trainer_for(tiny_mnist, config(name))
    marks = {"start": state(trainer.model)}

    def mark(label, real):
        def wrapped(model, *args):
            marks[label] = state(trainer.model)
            return real(model, *args)
        return wrapped

    monkeypatch.setattr(training, "critic_loss", mark("critic", training.critic_loss))
    monkeypatch.setattr(training, "fool_loss", mark("fool", training.fool_loss))
    losses = _one_step(trainer, tiny_mnist, supervised=config(name).supervised)
    end = state(trainer.model)
    encoder = {"encoder", "to_mu"} | ({"to_logvar"} if config(name).stochastic else set())
    # phase 1: reconstruction (+ the WAE's penalty) moves encoder and decoder, not the critic
    assert changed(marks["start"], marks["critic"]) == encoder | {"decoder"}
    if name == "wae-gan":                          # two phases: the critic's is the last
        assert "fool" not in marks and set(losses) == KINDS[name][1]
        assert changed(marks["critic"], end) == {"critic"}
        return
    # phase 2: the critic alone; phase 3: the encoder alone (the decoder gets no gradient)
    assert changed(marks["critic"], marks["fool"]) == {"critic"}
    assert changed(marks["fool"], end) == encoder


@pytest.mark.parametrize("name,where", [("aae", "critic_loss"), ("aae", "fool_loss"),
                                        ("aae-supervised", "fool_loss"),
                                        ("wae-gan", "critic_loss")])
def test_a_nan_in_a_later_phase_puts_every_weight_back(tiny_mnist, monkeypatch, name, where):
    trainer = trainer_for(tiny_mnist, config(name))
    real = getattr(training, where)
    monkeypatch.setattr(training, where, lambda *args: real(*args) * float("nan"))
    before = state(trainer.model)
    with pytest.raises(TrainingDiverged) as info:
        _one_step(trainer, tiny_mnist, supervised=config(name).supervised)
    message = str(info.value)
    assert "The loss became nan at step 1 (epoch 1)" in message
    assert "keeps the weights of step 0" in message
    after = state(trainer.model)
    assert changed(before, after) == set()          # the critic's and the decoder's too
    assert trainer.steps_done == 0


def test_a_diverging_run_keeps_the_last_snapshots_weights(tiny_mnist, monkeypatch):
    calls = []
    real = training.critic_loss

    def nan_on_third(*args):
        calls.append(1)
        return real(*args) * (float("nan") if len(calls) == 3 else 1.0)

    monkeypatch.setattr(training, "critic_loss", nan_on_third)
    trainer = trainer_for(tiny_mnist, config("aae"), epochs=3, snapshot_every_s=0.0)
    job, events = trainer.run(), []
    with pytest.raises(TrainingDiverged, match="step 3 .*weights of step 2"):
        for event in job:
            events.append(event)
    last = [e for e in events if isinstance(e, Snapshot)][-1]
    assert last.step == 2
    now = trainer.state_numpy()
    assert now.keys() == last.state.keys()
    for k in now:
        np.testing.assert_array_equal(now[k], last.state[k], err_msg=k)


@pytest.mark.parametrize("name", ["aae", "wae-mmd"])
def test_matched_prior_kinds_refuse_several_processes(tiny_mnist, name):
    trainer = trainer_for(tiny_mnist, config(name))
    trainer.dist = Dist(rank=0, world_size=2)
    with pytest.raises(ValueError, match="train in one process"):
        run_all(trainer.run())


# --------------------------------------------------------------------------- checkpoints

@pytest.mark.parametrize("name", list(KINDS))
def test_checkpoint_round_trip_for_every_kind(tmp_path, name):
    torch.manual_seed(3)
    model = AutoencoderModel(config(name), {"note": name})
    model.save(tmp_path / name)
    loaded = load_checkpoint(tmp_path / name)
    assert isinstance(loaded, AutoencoderModel) and loaded.config == model.config
    for k, v in model.state_numpy().items():             # the critic's weights too
        np.testing.assert_array_equal(loaded.state_numpy()[k], v, err_msg=k)
    x = np.random.default_rng(0).uniform(size=(3, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(loaded.encode(x), model.encode(x))
    if model.autoregressive:                         # decode() would draw 784 pixels
        np.testing.assert_array_equal(loaded.recon_probabilities(x), model.recon_probabilities(x))
    else:
        z = model.encode(x)
        np.testing.assert_array_equal(loaded.decode(z), model.decode(z))
    if model.has_prior:
        np.testing.assert_array_equal(loaded.prior_sample(20, seed=4),
                                      model.prior_sample(20, seed=4))
    if model.config.prior == "points":
        assert loaded.config.prior_points == model.config.prior_points   # exactly
        np.testing.assert_allclose(loaded.config.prior_points, RING, rtol=1e-6)


def test_a_trained_aae_checkpoint_round_trips(tiny_mnist, tmp_path):
    trainer = trainer_for(tiny_mnist, config("aae-supervised"))
    _, result = run_all(trainer.run())
    state, meta = trainer.checkpoint(result)
    assert any(k.startswith("critic.") for k in state)
    meta = {**meta, "family": "autoencoder", "config": trainer.model_config.to_dict()}
    AutoencoderModel.from_state(state, meta).save(tmp_path / "c")
    loaded = load_checkpoint(tmp_path / "c")
    assert loaded.config.supervised and loaded.config.stochastic
    assert 0 <= loaded.meta["metrics"]["knn5_accuracy"] <= 1


def test_a_checkpoint_with_bad_prior_points_is_refused(tmp_path):
    from models.checkpoint import CONFIG, WEIGHTS, CheckpointError
    from safetensors.numpy import load_file, save_file

    AutoencoderModel(config("wae-mmd")).save(tmp_path / "c")
    meta = json.loads((tmp_path / "c" / CONFIG).read_text())
    meta["config"]["prior_points"] = meta["config"]["prior_points"][:3]
    text = json.dumps(meta)
    (tmp_path / "c" / CONFIG).write_text(text)
    save_file(load_file(str(tmp_path / "c" / WEIGHTS)), str(tmp_path / "c" / WEIGHTS),
              metadata={"playground": text})
    with pytest.raises(CheckpointError, match="only 3 point"):
        load_checkpoint(tmp_path / "c")


# --------------------------------------------------------------------------- the command line

@pytest.fixture(scope="module")
def folder(mnist, tmp_path_factory):
    """96 training and 32 held-out digits as IDX files."""
    return write_split_folder(tmp_path_factory.mktemp("tiny-idx"), mnist.train.images[:128],
                              mnist.train.labels[:128], 96)


def _train(folder, out, command, *extra) -> list[str]:
    return ["train", command, "--dataset", str(folder), "--epochs", "1", "--out", str(out),
            "--device", "cpu", "--no-download", "--batch-size", "32", *extra]


@pytest.mark.parametrize("command,extra,want", [
    ("aae", ["--prior", "mixture10", "--supervised"],
     {"kind": "aae", "prior": "mixture10", "supervised": True, "regulariser": "gan"}),
    ("wae", ["--prior", "swiss-roll", "--stochastic", "--lam", "3"],
     {"kind": "wae", "prior": "swiss-roll", "stochastic": True, "regulariser": "mmd"}),
    ("wae", ["--regulariser", "gan"], {"kind": "wae", "regulariser": "gan"}),
    ("hvae", ["--latent-dim", "3", "--top-dim", "2", "--free-bits", "0.1", "--kl-warmup", "2"],
     {"kind": "hvae", "latent_dim": 3, "top_dim": 2}),
    ("vae", ["--decoder", "pixelcnn", "--pixel-channels", "4", "--pixel-layers", "1"],
     {"kind": "vae", "decoder": "pixelcnn", "pixel_channels": 4}),
])
def test_cli_trains_each_new_kind(folder, tmp_path, capsys, command, extra, want):
    out = tmp_path / "out"
    assert main(_train(folder, out, command, *extra)) == 0, capsys.readouterr().err
    meta = json.loads((out / "config.json").read_text())
    assert want.items() <= meta["config"].items()
    if command == "wae" and "--lam" in extra:
        assert meta["training"]["lam"] == 3.0
    elif command == "wae":                       # the paper's λ = 1 for the GAN penalty
        assert meta["training"]["lam"] == 1.0
    model = load_checkpoint(out)
    assert model.kind == command
    assert np.isfinite(model.prior_sample(5, seed=0)).all()


def test_cli_points_prior_from_a_csv(folder, tmp_path):
    csv = tmp_path / "prior.csv"
    csv.write_text("x,y\n" + "".join(f"{x},{y}\n" for x, y in RING))
    out = tmp_path / "out"
    assert main(_train(folder, out, "aae", "--prior", "points", "--prior-points", str(csv))) == 0
    model = load_checkpoint(out)
    assert model.config.prior == "points"
    np.testing.assert_allclose(model.config.prior_points, RING, rtol=1e-6)


@pytest.mark.parametrize("content,args,words", [
    ("x,y\n0,0\n1,1\n2,0\n", ["--prior", "points"], "only 3 point(s); the prior needs at least 10"),
    ("x,y\n" + "1,2\n" * 11 + "nan,3\n", ["--prior", "points"], "NaN or infinite"),
    ("1,2,3\n" * 12, ["--prior", "points"], "every row needs exactly two"),
    ("", ["--prior", "points"], "no points in the file"),
    (None, ["--prior", "points"], "--prior points needs --prior-points"),
    ("0,1\n" * 12, ["--prior", "ring"], "--prior-points is for --prior points"),
])
def test_cli_bad_prior_points_exit_2_without_a_traceback(folder, tmp_path, capsys, content,
                                                         args, words):
    extra = list(args)
    if content is not None:
        (tmp_path / "p.csv").write_text(content)
        extra += ["--prior-points", str(tmp_path / "p.csv")]
    assert main(_train(folder, tmp_path / "out", "wae", *extra)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and words in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_prior_points_of_the_wrong_shape(folder, tmp_path, capsys):
    np.save(tmp_path / "p.npy", np.zeros((12, 3)))
    assert main(_train(folder, tmp_path / "out", "aae", "--prior", "points",
                       "--prior-points", str(tmp_path / "p.npy"))) == 2
    err = capsys.readouterr().err
    assert "N×2" in err and "Traceback" not in err


def test_cli_shaped_prior_needs_a_2d_latent(folder, tmp_path, capsys):
    assert main(_train(folder, tmp_path / "out", "aae", "--prior", "ring",
                       "--latent-dim", "3")) == 2
    assert "set latent_dim = 2" in capsys.readouterr().err
