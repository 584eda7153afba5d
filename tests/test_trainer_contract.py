"""Every trainer keeps one contract (models/trainer.py): run() is a generator of Step, EpochEnd,
Snapshot (numpy weights, exactly what a checkpoint stores) and its family's own events,
returning a TrainResult; checkpoint() gives the weights and meta that save and load back.

Each family trains for a couple of steps on tiny networks and a few images."""
from __future__ import annotations

import math

import numpy as np
import pytest

from models.checkpoint import load_checkpoint, save_checkpoint
from models.data import Dataset, Split
from models.events import EpochEnd, Snapshot, Step, TrainResult
from models.family import checkpoint_families
from models.trainer import Trainer
import job_events

QUIET = math.inf     # no live samples / previews on a timer: the run's end still yields its own


def _images(ds: Dataset, n_train: int = 96, n_test: int = 32) -> Dataset:
    return Dataset(ds.name, ds.classes, Split(ds.train.images[:n_train], ds.train.labels[:n_train]),
                   Split(ds.test.images[:n_test], ds.test.labels[:n_test]), ds.source)


def autoencoder(ds):
    from models.autoencoder.nets import AEConfig
    from models.autoencoder.training import AutoencoderTrainer, TrainConfig
    return AutoencoderTrainer(AEConfig(kind="vae", arch="mlp", latent_dim=2, hidden=16),
                              TrainConfig(epochs=2, batch_size=32, preview_every_s=QUIET,
                                          snapshot_every_s=QUIET), _images(ds), "cpu")


def diffusion(ds):
    from models.diffusion.training import DiffusionTrainConfig, DiffusionTrainer
    from models.diffusion.unet import DiffusionConfig
    return DiffusionTrainer(DiffusionConfig(channels=(8, 8, 8), timesteps=20, time_dim=32),
                            DiffusionTrainConfig(epochs=2, batch_size=32, sample_count=2,
                                                 sample_steps=2, test_points=16,
                                                 samples_every_s=QUIET, snapshot_every_s=QUIET),
                            _images(ds), "cpu")


def gan(ds):
    from models.gan.nets import GANConfig
    from models.gan.training import GANTrainConfig, GANTrainer
    return GANTrainer(GANConfig(noise_dim=8, g_width=8, d_width=8),
                      GANTrainConfig(epochs=2, batch_size=32, classifier=None, sample_count=4,
                                     samples_every_s=QUIET, health_every_s=QUIET,
                                     snapshot_every_s=QUIET), _images(ds), "cpu")


def gan2d(_ds):
    from models.gan.toy2d import GAN2DConfig, make_points
    from models.gan.toy2d_train import GAN2DTrainConfig, GAN2DTrainer
    trainer = GAN2DTrainer(make_points("8gaussians", 128, seed=0), GAN2DConfig(g_width=16, d_width=16),
                           GAN2DTrainConfig(batch_size=32), "cpu")
    trainer.data_name = "8gaussians"
    return trainer


def pix2pix(_ds):
    from models.pix2pix.api import Pix2PixConfig
    from models.pix2pix.training import Pix2PixTrainConfig, Pix2PixTrainer
    return Pix2PixTrainer(Pix2PixConfig(size=32, depth=3, width=8),
                          Pix2PixTrainConfig(patch=16, epochs=2, batch_size=4, preview_every_s=QUIET,
                                             snapshot_every_s=QUIET), 8, "cpu")


def nade(ds):
    from models.likelihood.nade import NADEConfig
    from models.likelihood.training import LikelihoodTrainConfig, NADETrainer
    return NADETrainer(NADEConfig(hidden=8), LikelihoodTrainConfig(epochs=2, batch_size=32,
                                                                   snapshot_every_s=QUIET),
                       _images(ds), "cpu")


def pixelcnn(ds):
    from models.likelihood.pixelcnn import PixelCNNConfig
    from models.likelihood.training import LikelihoodTrainConfig, PixelCNNTrainer
    return PixelCNNTrainer(PixelCNNConfig(channels=4, layers=1, gated=True),
                           LikelihoodTrainConfig(epochs=2, batch_size=32, snapshot_every_s=QUIET),
                           _images(ds), "cpu")


def realnvp(_ds):
    from models.likelihood.flow_data import make_points
    from models.likelihood.flow_training import Flow2DTrainConfig, Flow2DTrainer
    from models.likelihood.realnvp import RealNVPConfig
    return Flow2DTrainer(make_points("moons", 128), RealNVPConfig(layers=2, hidden=8),
                         Flow2DTrainConfig(steps=10, batch_size=32), "cpu", data_name="moons")


def toy_diffusion(_ds):
    from models.diffusion.toy2d import Toy2DConfig, make_points
    from models.diffusion.toy2d_train import ToyTrainConfig, ToyTrainer
    return ToyTrainer(make_points("moons", 128, seed=0), Toy2DConfig(timesteps=20, hidden=16, depth=1),
                      ToyTrainConfig(steps=10, batch_size=32, snapshot_every=4), "cpu")


def cyclegan(_ds):
    from models.translation.cyclegan import CycleGANConfig
    from models.translation.cyclegan_training import CycleGANTrainer, CycleTrainConfig
    return CycleGANTrainer(CycleGANConfig(size=16, width=4, blocks=0, critic_width=4, patch=16),
                           CycleTrainConfig(steps=3, batch_size=2, train_images=4, pool=2,
                                            preview_every_s=QUIET, preview_images=2), "cpu")


def unit(ds):
    from models.translation.domains import DigitDomains
    from models.translation.unit import UNITConfig
    from models.translation.unit_training import UNITTrainer, UnitTrainConfig
    return UNITTrainer(UNITConfig(width=4, latent=2), UnitTrainConfig(steps=3, batch_size=4,
                                                                      preview_every_s=QUIET),
                       "cpu", DigitDomains(_images(ds), preview=2, limit=32))


def superres(_ds):
    from models.translation.srgan import SRConfig
    from models.translation.superres import SRTrainConfig, SRTrainer
    return SRTrainer(SRConfig(channels=4, blocks=0, critic_width=4),
                     SRTrainConfig(mode="gan", steps=3, batch_size=2, hr_size=16, train_images=4,
                                   held_out=1, preview_every_s=QUIET), "cpu")


CHECKPOINT_FAMILIES = {"autoencoder": autoencoder, "diffusion": diffusion, "gan": gan,
                       "gan2d": gan2d, "pix2pix": pix2pix, "nade": nade, "pixelcnn": pixelcnn,
                       "realnvp": realnvp, "cyclegan": cyclegan, "unit": unit,
                       "superres": superres}
ALL = {**CHECKPOINT_FAMILIES, "toy-diffusion": toy_diffusion}
# the 2-D GAN's run() trains until closed unless told how many steps
RUN_ARGS = {"gan2d": {"steps": 10}}


def run_all(trainer: Trainer, **kwargs) -> tuple[list, TrainResult]:
    return job_events.run_all(trainer.run(**kwargs))


@pytest.fixture(scope="module")
def runs(small_mnist, one_torch_thread):
    """Each family's trainer after one full run, with what it yielded and returned."""
    out = {}
    for name, make in ALL.items():
        trainer = make(small_mnist)
        events, result = run_all(trainer, **RUN_ARGS.get(name, {}))
        out[name] = trainer, events, result
    return out


def test_every_checkpoint_family_but_the_classifier_has_a_trainer_here():
    # a new family must join this contract test
    assert set(CHECKPOINT_FAMILIES) == set(checkpoint_families()) - {"classifier"}


@pytest.mark.parametrize("name", list(ALL))
def test_run_yields_the_shared_events_and_returns_a_result(runs, name):
    trainer, events, result = runs[name]
    assert isinstance(trainer, Trainer)
    assert trainer.family == (name if name in CHECKPOINT_FAMILIES else "")
    for attr in ("model_config", "config", "dataset", "device"):
        assert getattr(trainer, attr) is not None, attr

    steps = [e.step for e in events if isinstance(e, Step)]
    assert steps and all(b > a for a, b in zip(steps, steps[1:]))
    assert steps[-1] == trainer.steps_done
    assert all(isinstance(e.losses, dict) and all(type(v) is float for v in e.losses.values())
               for e in events if isinstance(e, Step))
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert ends and [e.epoch for e in ends] == list(range(1, len(ends) + 1))
    assert isinstance(result, TrainResult) and result.steps == trainer.steps_done

    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert snaps, "no Snapshot"
    # the last Snapshot is the trainer's weights at the end, copied
    final = trainer.state_numpy()
    assert snaps[-1].step == trainer.steps_done
    assert set(snaps[-1].state) == set(final)
    assert all(np.array_equal(snaps[-1].state[k], final[k]) for k in final)
    assert all(snaps[-1].state[k] is not final[k] for k in final)


@pytest.mark.parametrize("name", list(CHECKPOINT_FAMILIES))
def test_snapshots_hold_exactly_what_a_checkpoint_stores(runs, name):
    trainer, events, result = runs[name]
    state, meta = trainer.checkpoint(result)
    for snap in (e for e in events if isinstance(e, Snapshot)):
        assert {k: (v.shape, v.dtype) for k, v in snap.state.items()} == \
               {k: (v.shape, v.dtype) for k, v in state.items()}
        assert all(isinstance(v, np.ndarray) for v in snap.state.values())
    assert meta["family"] == trainer.family and meta["config"] == trainer.model_config.to_dict()
    assert meta["steps"] == trainer.steps_done and meta["stopped_early"] is False
    stopped = trainer.checkpoint_meta(TrainResult(trainer.steps_done, 0.0, stopped_early=True))
    assert stopped["stopped_early"] is True


@pytest.mark.parametrize("name", list(CHECKPOINT_FAMILIES))
def test_a_checkpoint_round_trips(runs, name, tmp_path):
    trainer, _, result = runs[name]
    state, meta = trainer.checkpoint(result)
    save_checkpoint(tmp_path / name, state, meta)
    model = load_checkpoint(tmp_path / name)
    assert model.family == trainer.family
    loaded = model.state_numpy()
    assert set(loaded) == set(state)
    assert all(np.array_equal(loaded[k], state[k]) for k in state)


def test_a_trainer_that_is_no_checkpoint_family_says_so(runs):
    trainer, _, _ = runs["toy-diffusion"]
    with pytest.raises(NotImplementedError):
        trainer.checkpoint()


def test_whole_step_puts_back_parameters_and_buffers_only_when_a_step_diverges():
    import torch
    from torch import nn

    from models.trainer import TrainingDiverged, whole_step

    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(TrainingDiverged):
        with whole_step(net):
            net(torch.randn(8, 3))                    # moves the running statistics
            with torch.no_grad():
                net[0].weight.add_(1.0)               # and a weight, as a first phase would
            raise TrainingDiverged("a later phase's loss was NaN")
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())
    with whole_step(net):                             # a step that succeeds keeps its changes
        with torch.no_grad():
            net[0].weight.add_(1.0)
    assert not torch.equal(net[0].weight, before["0.weight"])
    with pytest.raises(ValueError):                   # other errors are not divergence
        with whole_step(net):
            with torch.no_grad():
                net[0].bias.add_(1.0)
            raise ValueError("not a divergence")
    assert not torch.equal(net[0].bias, before["0.bias"])
