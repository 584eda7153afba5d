"""The DCGAN networks, their configuration, truncated noise and latent interpolation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from models.gan.nets import Discriminator, GANConfig, Generator, lerp, slerp, truncated_normal

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(noise_dim=8, g_width=8, d_width=8)


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def built(module_class, **config):
    torch.manual_seed(0)
    return module_class(GANConfig(**{**TINY, **config}))


# --- configuration --------------------------------------------------------------------------

def test_config_defaults_and_conditional_flag():
    c = GANConfig()
    assert (c.noise_dim, c.g_width, c.d_width, c.num_classes, c.d_dropout) == (64, 64, 64, 0, 0.0)
    assert not c.conditional
    assert GANConfig(num_classes=10).conditional


@pytest.mark.parametrize("bad", [
    dict(noise_dim=8.5), dict(noise_dim="8"), dict(noise_dim=True), dict(g_width=None),
    dict(num_classes=2.0), dict(d_width=[8]),
    dict(noise_dim=0), dict(noise_dim=1025), dict(g_width=3), dict(d_width=1025),
    dict(num_classes=1), dict(num_classes=-1), dict(num_classes=101),
    dict(d_dropout=0.9), dict(d_dropout=-0.1), dict(d_dropout=float("nan")), dict(d_dropout="0.1"),
])
def test_config_refuses_bad_types_and_ranges(bad):
    with pytest.raises(ValueError):
        GANConfig(**{**TINY, **bad})


def test_config_accepts_numpy_integers_and_stores_python_ints():
    c = GANConfig(noise_dim=np.int64(8), g_width=np.int32(8), d_width=8, num_classes=np.int16(10))
    assert c.noise_dim == 8 and c.num_classes == 10
    assert all(type(v) is int for v in (c.noise_dim, c.g_width, c.num_classes))


def test_config_round_trips_through_a_dict():
    c = GANConfig(noise_dim=16, g_width=12, d_width=20, num_classes=10, d_dropout=0.3)
    d = c.to_dict()
    assert d == {"noise_dim": 16, "g_width": 12, "d_width": 20, "num_classes": 10, "d_dropout": 0.3}
    assert GANConfig.from_dict(d) == c
    # keys a later version might add are ignored rather than fatal
    assert GANConfig.from_dict({**d, "future_field": 1}) == c
    with pytest.raises(ValueError):
        GANConfig.from_dict({**d, "noise_dim": 0})


# --- the networks ---------------------------------------------------------------------------

def test_generator_makes_28x28_images_in_the_tanh_range():
    g = built(Generator)
    with torch.no_grad():
        # large weights drive tanh into saturation: the range must still hold
        for p in g.parameters():
            p.mul_(20)
        x = g(torch.randn(5, 8, generator=seeded(1)))
    assert x.shape == (5, 1, 28, 28)
    assert x.min() >= -1 and x.max() <= 1
    assert x.min() < -0.99 and x.max() > 0.99      # saturated both ways, so not merely squashed


def test_discriminator_gives_one_logit_per_image():
    d = built(Discriminator)
    out = d(torch.rand(7, 1, 28, 28, generator=seeded(2)) * 2 - 1)
    assert out.shape == (7,)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("num_classes", [0, 10])
def test_discriminator_has_no_batch_norm_and_judges_each_sample_alone(num_classes):
    d = built(Discriminator, num_classes=num_classes)
    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm, nn.InstanceNorm2d)
    assert not [m for m in d.modules() if isinstance(m, norms)]
    # per-sample gradients (WGAN-GP) need D(x_i) to ignore the rest of the batch, in train mode
    d.train()
    x = torch.rand(4, 1, 28, 28, generator=seeded(3)) * 2 - 1
    y = torch.tensor([1, 2, 3, 4]) if num_classes else None
    alone = d(x[:1], None if y is None else y[:1])
    other = x.clone()
    other[1:] = -other[1:]
    assert torch.allclose(d(other, y)[:1], alone, atol=1e-6)


def test_conditional_generator_needs_labels_and_uses_them():
    g = built(Generator, num_classes=10).eval()
    z = torch.randn(4, 8, generator=seeded(4))
    with pytest.raises(ValueError, match="label"):
        g(z)
    with torch.no_grad():
        a, b = g(z, torch.tensor([0, 0, 0, 0])), g(z, torch.tensor([7, 7, 7, 7]))
        mixed = g(z, torch.tensor([0, 7, 0, 7]))
    assert (a - b).abs().amax(dim=(1, 2, 3)).min() > 1e-4
    # in eval mode each image depends on its own label only
    assert torch.allclose(mixed[0::2], a[0::2], atol=1e-6)
    assert torch.allclose(mixed[1::2], b[1::2], atol=1e-6)


def test_conditional_discriminator_needs_labels_and_uses_them():
    d = built(Discriminator, num_classes=10)
    x = torch.rand(3, 1, 28, 28, generator=seeded(5)) * 2 - 1
    with pytest.raises(ValueError, match="label"):
        d(x)
    a, b = d(x, torch.tensor([0, 1, 2])), d(x, torch.tensor([9, 8, 7]))
    assert a.shape == (3,)
    assert (a - b).abs().min() > 1e-6


def test_unconditional_networks_ignore_the_absence_of_labels():
    g, d = built(Generator).eval(), built(Discriminator)
    z = torch.randn(2, 8, generator=seeded(6))
    with torch.no_grad():
        assert d(g(z)).shape == (2,)


# --- truncated noise ------------------------------------------------------------------------

@pytest.mark.parametrize("t", [0.25, 1.0, 2.0])
def test_truncated_normal_stays_inside_the_bound(t):
    z = truncated_normal((4000, 16), t, seeded(7))
    assert z.shape == (4000, 16)
    assert z.abs().max() <= t


def test_truncation_redraws_rather_than_clamps():
    """N(0,1) restricted to [-1, 1] has variance 1 − 2φ(1)/(2Φ(1) − 1) ≈ 0.2911; clamping
    would pile mass at ±1 and give about 0.5."""
    z = truncated_normal((200_000,), 1.0, seeded(8)).double()
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    mass = math.erf(1 / math.sqrt(2))
    assert float(z.var()) == pytest.approx(1 - 2 * phi / mass, abs=0.005)
    assert float((z.abs() > 0.999).double().mean()) < 0.002
    assert abs(float(z.mean())) < 0.01


def test_no_truncation_is_a_plain_standard_normal():
    z = truncated_normal((200_000,), None, seeded(9)).double()
    assert abs(float(z.mean())) < 0.01
    assert float(z.std()) == pytest.approx(1.0, abs=0.01)
    assert float(z.abs().max()) > 3.5          # tails survive
    assert float((z.abs() > 2).double().mean()) == pytest.approx(0.0455, abs=0.003)


def test_truncated_normal_follows_its_generator():
    a = truncated_normal((10, 4), 0.5, seeded(10))
    assert torch.equal(a, truncated_normal((10, 4), 0.5, seeded(10)))
    assert not torch.equal(a, truncated_normal((10, 4), 0.5, seeded(11)))


def test_a_tiny_truncation_still_returns_bounded_values():
    z = truncated_normal((50, 8), 1e-4, seeded(12))
    assert z.abs().max() <= 1e-4


@pytest.mark.parametrize("bad", [0, 0.0, -1.0, float("nan")])
def test_truncation_must_be_positive(bad):
    with pytest.raises(ValueError, match="truncation"):
        truncated_normal((3, 2), bad)


# --- interpolation --------------------------------------------------------------------------

def test_lerp_endpoints_and_midpoint():
    rng = np.random.default_rng(0)
    z0, z1 = rng.normal(size=16), rng.normal(size=16)
    np.testing.assert_allclose(lerp(z0, z1, 0.0), z0, rtol=1e-6)
    np.testing.assert_allclose(lerp(z0, z1, 1.0), z1, rtol=1e-6)
    np.testing.assert_allclose(lerp(z0, z1, 0.5), (z0 + z1) / 2, rtol=1e-6)
    assert lerp(z0, z1, 0.3).dtype == np.float32


def test_slerp_endpoints():
    rng = np.random.default_rng(1)
    z0, z1 = rng.normal(size=16), 3 * rng.normal(size=16)
    np.testing.assert_allclose(slerp(z0, z1, 0.0), z0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(slerp(z0, z1, 1.0), z1, rtol=1e-5, atol=1e-6)


def test_slerp_between_orthogonal_unit_vectors_is_the_quarter_circle():
    e1, e2 = np.eye(4)[0] * 2, np.eye(4)[1] * 2
    for t in (0.1, 0.25, 0.5, 0.9):
        expected = 2 * (math.cos(t * math.pi / 2) * np.eye(4)[0] + math.sin(t * math.pi / 2) * np.eye(4)[1])
        np.testing.assert_allclose(slerp(e1, e2, t), expected, atol=1e-6)


def test_slerp_keeps_the_norm_of_equal_norm_endpoints():
    rng = np.random.default_rng(2)
    z0 = rng.normal(size=32)
    z1 = rng.normal(size=32)
    z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)
    r = np.linalg.norm(z0)
    norms = [np.linalg.norm(slerp(z0, z1, t)) for t in np.linspace(0, 1, 11)]
    np.testing.assert_allclose(norms, r, rtol=1e-5)
    # the linear path dips towards the origin, which is the point of slerp
    assert np.linalg.norm(lerp(z0, z1, 0.5)) < 0.9 * r


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    z = np.array([0.5, -1.0, 2.0])
    for t in (0.0, 0.3, 0.5, 1.0):
        np.testing.assert_allclose(slerp(z, 3 * z, t), lerp(z, 3 * z, t), rtol=1e-6)
    np.testing.assert_allclose(slerp(np.zeros(3), z, 0.25), 0.25 * z, rtol=1e-6)


def test_slerp_of_opposite_vectors_stays_bounded():
    """z and −2z: the angle is π, sin(π) is ~1e-16, so the spherical formula divides by
    almost nothing. The path must stay finite and within the endpoints' norms."""
    z = np.array([1.0, 0.5, -0.25])
    top = 2 * np.linalg.norm(z) * (1 + 1e-5)
    for t in np.linspace(0, 1, 9):
        w = slerp(z, -2 * z, t)
        assert np.isfinite(w).all()
        assert np.linalg.norm(w) <= top, (t, w)
