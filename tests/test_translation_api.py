"""Issue 16: the translation family's inference API (models/translation/api.py): CycleGAN's and
UNIT's translate / cycle / round_trip, UNIT's encode, SRGAN's upscale, and their checkpoints."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from models import load_checkpoint
from models.checkpoint import CheckpointError, open_checkpoint
from models.translation.api import (MAX_LOW_SIDE, MAX_SIDE, CycleGANModel, SRModel, UNITModel,
                                    bicubic_upscale)
from models.translation.cyclegan import CycleGANConfig
from models.translation.srgan import SRConfig
from models.translation.unit import UNITConfig

CYC = CycleGANConfig(size=32, width=4, blocks=1, critic_width=4, patch=16)
UNI = UNITConfig(width=4, latent=2)
SR = SRConfig(channels=4, blocks=1, critic_width=4)
RNG = np.random.default_rng(0)


def images(*shape) -> np.ndarray:
    return RNG.integers(0, 256, shape, dtype=np.uint8)


def by_hand(nets, x: np.ndarray) -> np.ndarray:
    """The networks run on x as the API says it does: uint8 → [−1, 1] → nets → uint8."""
    t = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        for net in nets:
            t = net(t)
    return ((t.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


@pytest.fixture(scope="module")
def cyc():
    torch.manual_seed(0)
    return CycleGANModel(CYC)


@pytest.fixture(scope="module")
def unit():
    torch.manual_seed(1)
    return UNITModel(UNI)


@pytest.fixture(scope="module")
def sr():
    torch.manual_seed(2)
    return SRModel(SR)


# ------------------------------------------------------------------ CycleGAN

def test_cyclegan_keeps_the_shape_of_an_image_and_of_a_batch(cyc):
    one = cyc.translate(images(32, 32, 3))
    assert one.shape == (32, 32, 3) and one.dtype == np.uint8
    assert cyc.translate(images(2, 32, 32, 3)).shape == (2, 32, 32, 3)
    assert cyc.translate(images(20, 12, 3), "BtoA").shape == (20, 12, 3)   # any multiple of 4
    assert cyc.cycle(images(1, 16, 16, 3)).shape == (1, 16, 16, 3)
    assert cyc.round_trip(images(8, 8, 3))[1].shape == (8, 8, 3)          # the least side


def test_cyclegan_takes_grey_as_rgb(cyc):
    grey = images(16, 16)
    out = cyc.translate(grey)
    assert out.shape == (16, 16, 3)
    np.testing.assert_array_equal(out, cyc.translate(np.repeat(grey[..., None], 3, -1)))
    assert cyc.translate(images(3, 16, 16)).shape == (3, 16, 16, 3)      # a grey batch


def test_cyclegan_translate_is_one_generator_and_cycle_is_both(cyc):
    x = images(2, 16, 16, 3)
    g, f = cyc.module.G, cyc.module.F
    np.testing.assert_array_equal(cyc.translate(x, "AtoB"), by_hand([g], x))
    np.testing.assert_array_equal(cyc.translate(x, "BtoA"), by_hand([f], x))
    np.testing.assert_array_equal(cyc.cycle(x, "AtoB"), by_hand([g, f], x))
    np.testing.assert_array_equal(cyc.cycle(x, "BtoA"), by_hand([f, g], x))
    assert not np.array_equal(cyc.translate(x, "AtoB"), cyc.translate(x, "BtoA"))


def test_cyclegan_round_trip_agrees_with_translate_and_cycle(cyc):
    for direction in ("AtoB", "BtoA"):
        x = images(3, 16, 16, 3)
        there, back = cyc.round_trip(x, direction)
        np.testing.assert_array_equal(there, cyc.translate(x, direction))
        np.testing.assert_array_equal(back, cyc.cycle(x, direction))
        one = cyc.round_trip(x[0], direction)
        assert one[0].shape == one[1].shape == (16, 16, 3)


@pytest.mark.parametrize("x, match", [
    (np.zeros((16, 16, 3), np.float32), "uint8"),
    (np.zeros((16, 18, 3), np.uint8), "multiples of 4"),
    (np.zeros((2, 16, 18, 3), np.uint8), "multiples of 4"),
    (np.zeros((MAX_SIDE + 4, 16, 3), np.uint8), "larger"),
    (np.zeros((16, 16, 4), np.uint8), "4 channels"),
    (np.zeros((4, 16, 3), np.uint8), "smaller than the 8×8"),
    (np.zeros((0, 16, 16, 3), np.uint8), "non-empty"),
    (np.zeros((2, 2, 16, 16, 3), np.uint8), "shape"),
])
def test_cyclegan_refuses_what_it_cannot_take(cyc, x, match):
    with pytest.raises(ValueError, match=match):
        cyc.translate(x)


def test_a_direction_must_be_named_rightly(cyc):
    with pytest.raises(ValueError, match="AtoB"):
        cyc.translate(images(16, 16, 3), "AB")
    with pytest.raises(ValueError, match="AtoB"):
        cyc.cycle(images(16, 16, 3), "btoa")


def test_cyclegan_saves_and_loads_to_the_same_outputs(cyc, tmp_path):
    cyc.save(tmp_path / "c", training={"cycle": 0.0})
    back = load_checkpoint(tmp_path / "c")
    assert isinstance(back, CycleGANModel) and back.config == CYC
    assert back.cycle_weight == 0.0 and cyc.cycle_weight == 10.0       # the default when unsaid
    x = images(2, 16, 16, 3)
    np.testing.assert_array_equal(back.translate(x), cyc.translate(x))
    np.testing.assert_array_equal(back.cycle(x, "BtoA"), cyc.cycle(x, "BtoA"))


def test_read_only_images_are_copied_before_torch_sees_them(cyc, unit, sr, monkeypatch):
    """A dataset's images are read-only views; torch.from_numpy on one warns that writing
    would be undefined (once per process, so it is checked here directly)."""
    real = torch.from_numpy

    def strict(a):
        assert a.flags.writeable, "a read-only array reached torch.from_numpy"
        return real(a)
    monkeypatch.setattr(torch, "from_numpy", strict)
    x = images(2, 28, 28)
    x.flags.writeable = False
    cyc.translate(x)
    unit.translate(x)
    sr.upscale(x)
    sr.bicubic(x)


# ------------------------------------------------------------------ UNIT

def test_unit_a_is_grey_and_b_is_rgb(unit):
    a, b = images(28, 28), images(28, 28, 3)
    assert unit.translate(a).shape == (28, 28, 3)
    assert unit.translate(b, "BtoA").shape == (28, 28)
    assert unit.translate(images(4, 28, 28)).shape == (4, 28, 28, 3)
    assert unit.translate(images(4, 28, 28, 3), "BtoA").shape == (4, 28, 28)
    assert unit.cycle(a).shape == (28, 28) and unit.cycle(b, "BtoA").shape == (28, 28, 3)
    # grey on the RGB side is repeated; RGB on the grey side is refused
    np.testing.assert_array_equal(unit.translate(a, "BtoA"),
                                  unit.translate(np.repeat(a[..., None], 3, -1), "BtoA"))
    with pytest.raises(ValueError, match="grey"):
        unit.translate(b, "AtoB")
    with pytest.raises(ValueError, match="grey"):
        unit.encode(b, "A")


def test_unit_encodes_both_domains_into_one_flat_space(unit):
    za, zb = unit.encode(images(3, 28, 28), "A"), unit.encode(images(3, 28, 28, 3), "B")
    assert za.shape == zb.shape == (3, UNI.latent * 49) and za.dtype == np.float32
    assert unit.encode(images(28, 28), "A").shape == (UNI.latent * 49,)
    x = images(2, 28, 28, 3)
    t = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 127.5 - 1
    with torch.no_grad():
        want = unit.module.encode(t, "B").flatten(1).numpy()
    np.testing.assert_allclose(unit.encode(x, "B"), want, rtol=1e-6)
    with pytest.raises(ValueError, match="domain"):
        unit.encode(images(28, 28), "C")


def test_unit_translates_and_cycles_through_the_shared_code(unit):
    m = unit.module
    a = images(2, 28, 28)
    to_b = lambda t: m.translate(t, "A", "B")          # noqa: E731
    to_a = lambda t: m.translate(t, "B", "A")          # noqa: E731
    np.testing.assert_array_equal(unit.translate(a), by_hand([to_b], a[..., None]))
    np.testing.assert_array_equal(unit.cycle(a), by_hand([to_b, to_a], a[..., None])[..., 0])
    b = images(2, 28, 28, 3)
    np.testing.assert_array_equal(unit.translate(b, "BtoA"), by_hand([to_a], b)[..., 0])
    np.testing.assert_array_equal(unit.cycle(b, "BtoA"), by_hand([to_a, to_b], b))
    there, back = unit.round_trip(b, "BtoA")
    np.testing.assert_array_equal(there, unit.translate(b, "BtoA"))
    np.testing.assert_array_equal(back, unit.cycle(b, "BtoA"))


@pytest.mark.parametrize("x", [images(32, 32), images(28, 32, 3), images(2, 14, 14),
                               np.zeros((28, 28), np.float64)])
def test_unit_refuses_other_sizes_and_types(unit, x):
    with pytest.raises(ValueError, match="28×28|uint8"):
        unit.translate(x, "BtoA")


def test_unit_saves_and_loads_to_the_same_outputs(unit, tmp_path):
    unit.save(tmp_path / "u")
    back = load_checkpoint(tmp_path / "u")
    assert isinstance(back, UNITModel) and back.config == UNI
    a = images(2, 28, 28)
    np.testing.assert_array_equal(back.encode(a, "A"), unit.encode(a, "A"))
    np.testing.assert_array_equal(back.cycle(a), unit.cycle(a))


# ------------------------------------------------------------------ super-resolution

def test_upscale_is_four_times_the_size(sr):
    assert sr.upscale(images(8, 12, 3)).shape == (32, 48, 3)
    assert sr.upscale(images(2, 8, 8, 3)).shape == (2, 32, 32, 3)
    assert sr.upscale(images(8, 8)).shape == (32, 32, 3)            # grey repeated
    assert sr.kind == "SRResNet"
    with pytest.raises(ValueError, match="larger"):
        sr.upscale(images(MAX_LOW_SIDE + 1, 8, 3))
    with pytest.raises(ValueError, match="uint8"):
        sr.upscale(np.zeros((8, 8, 3), np.float32))


def test_upscale_runs_the_network_in_eval_mode(sr):
    """SRResNet has batch norm: an upscaled image must not depend on the others in its batch."""
    x = images(3, 8, 8, 3)
    np.testing.assert_array_equal(sr.upscale(x)[1], sr.upscale(x[1]))


def test_the_bicubic_baseline_is_torchs_interpolate(sr):
    x = images(2, 6, 10, 3)
    t = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 127.5 - 1
    up = F.interpolate(t, scale_factor=4, mode="bicubic", align_corners=False).clamp(-1, 1)
    want = ((up + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    np.testing.assert_array_equal(bicubic_upscale(x, 4), want)
    np.testing.assert_array_equal(sr.bicubic(x), want)
    assert bicubic_upscale(x[0], 2).shape == (12, 20, 3)
    # a flat image stays flat
    np.testing.assert_array_equal(sr.bicubic(np.full((4, 4, 3), 77, np.uint8)),
                                  np.full((16, 16, 3), 77))


def test_sr_saves_and_loads_and_says_its_kind(sr, tmp_path):
    sr.save(tmp_path / "s", training={"mode": "gan"})
    back = load_checkpoint(tmp_path / "s")
    assert isinstance(back, SRModel) and back.kind == "SRGAN"
    x = images(8, 8, 3)
    np.testing.assert_array_equal(back.upscale(x), sr.upscale(x))


# ------------------------------------------------------------------ wrong checkpoints

def test_a_checkpoint_of_another_family_is_refused(cyc, unit, tmp_path):
    cyc.save(tmp_path / "c")
    weights, tensors, meta = open_checkpoint(tmp_path / "c")
    with pytest.raises(CheckpointError, match="cyclegan"):
        SRModel.from_checkpoint(weights, tensors, meta, source="c")
    with pytest.raises(CheckpointError, match="'unit' checkpoint, not a 'cyclegan'"):
        CycleGANModel.from_state(unit.state_numpy(), {"config": UNI.to_dict(),
                                                      "family": "unit"})
    with pytest.raises(CheckpointError, match="'cyclegan' checkpoint"):
        UNITModel.from_state(cyc.state_numpy(), {"config": CYC.to_dict(),
                                                 "family": "cyclegan"})
    # with no family said, the weights' names still tell them apart
    with pytest.raises(CheckpointError, match="do not match"):
        UNITModel.from_state(cyc.state_numpy(), {"config": CYC.to_dict()})


@pytest.mark.parametrize("cls, config", [(CycleGANConfig, CYC), (UNITConfig, UNI),
                                         (SRConfig, SR)])
def test_configs_come_only_from_an_object(cls, config):
    assert cls.from_dict(config.to_dict()) == config
    for bad in ("width=4", [4, 1], None, 3):
        with pytest.raises(ValueError, match="JSON object"):
            cls.from_dict(bad)


def test_a_configuration_that_is_not_an_object_is_a_checkpoint_error(cyc):
    with pytest.raises(CheckpointError, match="bad cyclegan configuration"):
        CycleGANModel.from_state(cyc.state_numpy(), {"config": "size=32"})
