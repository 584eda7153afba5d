"""The pix2pix job and Pix2PixModel.translate, on tiny networks and a few steps."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models import load_checkpoint
from models.events import EpochEnd, Snapshot, Step, TrainResult
from models.pix2pix.api import Pix2PixConfig, Pix2PixModel
from models.pix2pix.landscapes import CLASSES, landscape_pair
from models.pix2pix.training import Pix2PixPreview, Pix2PixTrainConfig, Pix2PixTrainer
from models.trainer import TrainingDiverged

TINY = Pix2PixConfig(size=32, depth=3, width=8)


def run(trainer):
    events, job = [], trainer.run()
    while True:
        try:
            events.append(next(job))
        except StopIteration as done:
            return events, done.value


@pytest.mark.parametrize("objective", ["l1", "cgan", "l1+cgan"])
def test_the_job_yields_named_terms_previews_and_a_result(objective, one_torch_thread):
    tc = Pix2PixTrainConfig(objective=objective, patch=16, epochs=2, batch_size=4, seed=1)
    events, result = run(Pix2PixTrainer(TINY, tc, pairs=8, device="cpu"))
    steps = [e for e in events if isinstance(e, Step)]
    assert isinstance(result, TrainResult) and result.steps == len(steps) == 4
    assert set(steps[0].losses) == {"G_GAN", "G_L1", "D_real", "D_fake"}
    if objective == "l1":
        assert all(s.losses["G_GAN"] == 0 and s.losses["D_real"] == 0 for s in steps)
    else:
        assert all(s.losses["D_real"] > 0 and s.losses["G_GAN"] > 0 for s in steps)
    if objective == "cgan":
        assert all(s.losses["G_L1"] == 0 for s in steps)
    previews = [e for e in events if isinstance(e, Pix2PixPreview)]
    assert previews and previews[-1].outputs.shape == (4, 32, 32, 3)
    assert previews[-1].inputs.dtype == np.uint8 and previews[-1].targets.shape == (4, 32, 32, 3)
    assert len([e for e in events if isinstance(e, EpochEnd)]) == 2
    assert isinstance(events[-1], Snapshot)


def test_l1_training_moves_outputs_towards_targets(one_torch_thread):
    tc = Pix2PixTrainConfig(objective="l1", epochs=15, batch_size=8, lr=2e-3, seed=0)
    trainer = Pix2PixTrainer(TINY, tc, pairs=8, device="cpu")
    events, _ = run(trainer)
    l1 = [e.losses["G_L1"] for e in events if isinstance(e, Step)]
    assert np.mean(l1[-3:]) < 0.6 * np.mean(l1[:3])


def test_a_nan_loss_stops_training(one_torch_thread):
    trainer = Pix2PixTrainer(TINY, Pix2PixTrainConfig(patch=16, epochs=1, batch_size=4), 4, "cpu")
    with torch.no_grad():
        next(trainer.D.parameters()).fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match="D's loss"):
        run(trainer)


def test_translate_round_trips_through_a_checkpoint(tmp_path, one_torch_thread):
    trainer = Pix2PixTrainer(TINY, Pix2PixTrainConfig(patch=1, epochs=1, batch_size=4), 4, "cpu")
    run(trainer)
    model = Pix2PixModel.from_state(*trainer.checkpoint())
    model.save(tmp_path / "p2p")
    loaded = load_checkpoint(tmp_path / "p2p")
    label, _ = landscape_pair(3, 32)
    a = model.translate(label, seed=5)
    assert a.shape == (32, 32, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(loaded.translate(label, seed=5), a)
    np.testing.assert_array_equal(model.translate(label, noise=False), model.translate(label, noise=False))
    assert model.translate(np.stack([label, label]), noise=False).shape == (2, 32, 32, 3)
    # dropout is the noise: with it on, two seeds give two pictures (depth 3 has no dropout
    # layer, so use a deeper tiny net)
    deep = Pix2PixModel(Pix2PixConfig(size=64, depth=6, width=4))
    big, _ = landscape_pair(4, 64)
    assert not np.array_equal(deep.translate(big, seed=1), deep.translate(big, seed=2))
    with pytest.raises(ValueError):
        model.translate(np.full((32, 32), len(CLASSES), np.uint8))
    with pytest.raises(ValueError):
        model.translate(np.zeros((16, 16), np.uint8))


def test_configs_are_validated():
    with pytest.raises(ValueError):
        Pix2PixConfig(size=48)
    with pytest.raises(ValueError):
        Pix2PixConfig(size=32, depth=6)
    with pytest.raises(ValueError):
        Pix2PixTrainConfig(patch=64)
    with pytest.raises(ValueError):
        Pix2PixTrainConfig(objective="gan")
    assert Pix2PixConfig.from_dict(TINY.to_dict()) == TINY


def test_seeded_translation_leaves_the_global_rng_alone():
    # the painter translates on its own thread while a training job may be drawing from
    # torch's global RNG: a seeded translation must neither reseed it nor depend on it
    deep = Pix2PixModel(Pix2PixConfig(size=64, depth=6, width=4))
    label, _ = landscape_pair(6, 64)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = deep.translate(label, seed=9)
    torch.rand(5)                       # disturb the global stream between the two calls
    b = deep.translate(label, seed=9)
    np.testing.assert_array_equal(a, b)
    torch.manual_seed(123)
    deep.translate(label, seed=9)
    assert torch.equal(torch.rand(3), expected)


def test_checkpoint_config_is_strict_json_even_with_schedules_off(tmp_path, one_torch_thread):
    # the CLI turns live previews off with an infinite interval; JSON has no Infinity
    import json
    trainer = Pix2PixTrainer(TINY, Pix2PixTrainConfig(patch=1, epochs=1, batch_size=4,
                                                      preview_every_s=float("inf")), 4, "cpu")
    Pix2PixModel.from_state(*trainer.checkpoint()).save(tmp_path / "p")

    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    meta = json.loads((tmp_path / "p" / "config.json").read_text(), parse_constant=refuse)
    assert meta["training"]["preview_every_s"] is None


def test_the_shipped_checkpoint_config_is_strict_json():
    import json
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "checkpoints" / "landscapes-pix2pix" / "config.json"
    json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"{c} in {path}"))


def test_a_patchgan_too_large_for_the_images_is_refused_up_front():
    with pytest.raises(ValueError, match="286×286 PatchGAN has no output on 64×64"):
        Pix2PixTrainer(Pix2PixConfig(size=64, depth=6, width=4),
                       Pix2PixTrainConfig(patch=286, epochs=1), 4, "cpu")
    # L1 alone has no D, so any patch setting is moot
    Pix2PixTrainer(Pix2PixConfig(size=64, depth=6, width=4),
                   Pix2PixTrainConfig(objective="l1", patch=286, epochs=1), 4, "cpu")


def test_preparing_the_pairs_reports_progress_and_can_be_stopped(monkeypatch, one_torch_thread):
    import models.pix2pix.training as training
    from models.events import Status
    monkeypatch.setattr(training, "PROGRESS_S", 0.0)        # report after every pair
    trainer = Pix2PixTrainer(TINY, Pix2PixTrainConfig(patch=1, epochs=1, batch_size=4), 6, "cpu")
    run = trainer.run()
    fractions = []
    for event in run:
        assert isinstance(event, Status)
        if event.fraction:
            fractions.append(event.fraction)
        if len(fractions) == 3:
            break
    assert fractions == pytest.approx([1 / 6, 2 / 6, 3 / 6])
    run.close()                     # Stop, before the first step
    assert trainer.steps_done == 0


def test_unreadable_files_are_skipped_and_reported(tmp_path, one_torch_thread):
    from PIL import Image

    from models.events import Status
    from models.pix2pix.paired import PairedFolder
    train = tmp_path / "d" / "train"
    train.mkdir(parents=True)
    for i in range(4):
        Image.fromarray(np.full((32, 64, 3), 40 * i, np.uint8)).save(train / f"{i}.png")
    (train / "x.png").write_bytes(b"broken")
    cfg = Pix2PixConfig(input="rgb", size=32, depth=3, width=4)
    trainer = Pix2PixTrainer(cfg, Pix2PixTrainConfig(patch=1, epochs=1, batch_size=4),
                             PairedFolder(tmp_path / "d", "train", "AtoB", 32), "cpu")
    events = list(run_events(trainer))
    notes = [e.message for e in events if isinstance(e, Status) and e.fraction is None]
    assert any("4 pairs; skipped 1" in m and "x.png" in m for m in notes)
    assert trainer.steps_done == 1


def run_events(trainer):
    run = trainer.run()
    while True:
        try:
            yield next(run)
        except StopIteration:
            return


def test_too_many_pairs_for_memory_are_refused_up_front():
    with pytest.raises(ValueError, match=r"need .* GiB of memory.*at most 16,384 pairs"):
        Pix2PixTrainer(Pix2PixConfig(size=256, depth=8, width=4), Pix2PixTrainConfig(patch=70),
                       100_000, "cpu")
    with pytest.raises(ValueError, match="no training pairs"):
        Pix2PixTrainer(TINY, Pix2PixTrainConfig(patch=1), 0, "cpu")


def test_translate_refuses_what_it_cannot_read_with_a_clear_message():
    maps = Pix2PixModel(Pix2PixConfig(size=32, depth=3, width=4))
    for bad in (np.zeros((32, 32, 3), np.uint8), np.zeros(32, np.uint8), np.uint8(3),
                np.zeros((0, 32, 32), np.uint8)):
        with pytest.raises(ValueError, match="give a 32×32 class map"):
            maps.translate(bad)
    photos = Pix2PixModel(Pix2PixConfig(input="rgb", size=32, depth=3, width=4))
    for bad in (np.zeros((32, 32, 3), np.float32), np.full((32, 32, 3), np.nan),
                np.zeros((32, 32, 3), bool)):
        with pytest.raises(ValueError, match="uint8"):
            photos.translate(bad)
    assert photos.translate(np.zeros((32, 32, 3), np.uint8)).shape == (32, 32, 3)


def test_batch_stats_at_inference_is_a_train_mode_bn_forward_that_leaves_running_stats(
        one_torch_thread):
    """The paper's test-time batch norm: the input's own statistics, running averages kept."""
    import copy
    model = Pix2PixModel(Pix2PixConfig(size=64, depth=6, width=4))
    # give the running averages values far from a fresh batch's, so the two modes differ
    g = torch.Generator().manual_seed(0)
    for m in model.module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g))
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) * 3 + 0.2)
    before = {k: v.clone() for k, v in model.module.state_dict().items()}
    maps = np.stack([landscape_pair(i, 64)[0] for i in (1, 2, 3)])

    # the reference: a copy with every BN layer in train mode (and dropout off)
    ref = copy.deepcopy(model.module).eval()
    for m in ref.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.train(True)
    from models.pix2pix.training import decode_rgb, encode_inputs
    with torch.no_grad():
        expected = decode_rgb(ref(encode_inputs(maps, model.config)))
        single = decode_rgb(ref(encode_inputs(maps[:1], model.config)))

    np.testing.assert_array_equal(model.translate(maps, noise=False, batch_stats=True), expected)
    # one map alone: its own statistics (instance-norm-like), not the three maps' together
    np.testing.assert_array_equal(model.translate(maps[0], noise=False, batch_stats=True),
                                  single[0])
    assert not np.array_equal(single[0], expected[0])
    # the running averages (and the batch counter) are untouched, and the switch is off after
    after = model.module.state_dict()
    for k, v in before.items():
        assert torch.equal(after[k], v), k
    assert not np.array_equal(model.translate(maps, noise=False), expected)
    assert all(not m.training and m.track_running_stats for m in model.module.modules()
               if isinstance(m, torch.nn.BatchNorm2d))
