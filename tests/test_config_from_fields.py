"""Every config that rebuilds from a checkpoint's JSON goes through models.checks.from_fields:
its own fields back, unknown keys ignored, anything but a JSON object refused in words."""
from __future__ import annotations

import pytest

from models.gan.nets import GANConfig
from models.pix2pix.api import Pix2PixConfig
from models.pix2pix.networks import UNetConfig
from models.pix2pix.segmentation import SegmenterConfig
from models.translation.cyclegan import CycleGANConfig
from models.translation.srgan import SRConfig
from models.translation.unit import UNITConfig

CONFIGS = [GANConfig(noise_dim=8), Pix2PixConfig(width=16), UNetConfig(depth=5, width=8),
           SegmenterConfig(width=8), CycleGANConfig(width=8, blocks=2), SRConfig(channels=8),
           UNITConfig(latent=4)]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: type(c).__name__)
def test_a_config_round_trips_and_ignores_unknown_keys(config):
    d = {**config.to_dict(), "written_by_a_later_version": 1}
    assert type(config).from_dict(d) == config


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("bad", ["size", ["width", 8], 3, None])
def test_anything_but_an_object_is_refused(config, bad):
    with pytest.raises(ValueError, match="JSON object"):
        type(config).from_dict(bad)


def test_every_family_refuses_another_familys_checkpoint_by_name(tmp_path):
    """models.weights: the family is checked before the configuration is read, for all."""
    from models.checkpoint import CheckpointError, open_checkpoint
    from models.gan.api import GANModel
    from models.pix2pix.api import Pix2PixModel
    GANModel(GANConfig(noise_dim=8, g_width=8, d_width=8)).save(tmp_path / "gan")
    weights, tensors, meta = open_checkpoint(tmp_path / "gan")
    with pytest.raises(CheckpointError, match="is a 'gan' checkpoint, not a 'pix2pix' one"):
        Pix2PixModel.from_checkpoint(weights, tensors, meta, source="gan")
