"""The importance-weighted bound of a VAE: the ELBO at k = 1, growing with k."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models.autoencoder.api import AutoencoderModel
from models.autoencoder.iwae import elbo, iwae_bound, score_images
from models.autoencoder.nets import AEConfig
from models.likelihood.binarize import binarize_fixed


@pytest.fixture(scope="module")
def vae_and_digits(mnist):
    torch.manual_seed(0)
    model = AutoencoderModel(AEConfig(kind="vae", arch="mlp", latent_dim=2, hidden=32))
    x = torch.from_numpy(binarize_fixed(mnist.test.images[:4]).astype(np.float32)[:, None])
    return model, x


def test_k_equal_one_is_the_elbo_on_average(vae_and_digits):
    model, x = vae_and_digits
    g = torch.Generator().manual_seed(0)
    one = torch.stack([iwae_bound(model.module, x, 1, g) for _ in range(2000)]).mean(0)
    with torch.no_grad():
        reference = elbo(model.module, x, samples=20000, generator=g)
    # the per-draw spread of log w is a few nats here: 2,000 draws give ±0.1 or so
    np.testing.assert_allclose(one.numpy(), reference.numpy(), atol=0.5)


def test_the_bound_grows_with_k_and_stays_below_what_is_possible(vae_and_digits):
    model, x = vae_and_digits
    g = torch.Generator().manual_seed(1)
    means = [torch.stack([iwae_bound(model.module, x, k, g) for _ in range(40)]).mean(0)
             for k in (1, 10, 100)]
    assert (means[0] < means[1]).all() and (means[1] < means[2]).all()
    assert (means[2] < 0).all()                 # a log-probability of a binary image


def test_score_images_takes_binary_images_and_refuses_grey(vae_and_digits, mnist):
    model, _ = vae_and_digits
    x = binarize_fixed(mnist.test.images[:3])
    out = score_images(model, x, k=5)
    assert out.shape == (3,) and np.isfinite(out).all()
    np.testing.assert_array_equal(out, score_images(model, x.astype(bool), k=5))
    with pytest.raises(ValueError, match="binary"):
        score_images(model, mnist.test.images[:3], k=5)
    with pytest.raises(ValueError, match="k must be"):
        score_images(model, x, k=0)


def test_a_plain_autoencoder_has_no_bound():
    ae = AutoencoderModel(AEConfig(kind="ae", arch="mlp", latent_dim=2, hidden=16))
    with pytest.raises(ValueError, match="plain autoencoder"):
        score_images(ae, np.zeros((1, 28, 28), np.uint8), k=2)


def test_with_one_latent_dimension_the_bound_approaches_the_integral(mnist):
    # log p(x) = log ∫ p(x|z) p(z) dz, by quadrature on a fine grid: the bound at k = 1,000
    # is close below it, the ELBO much further
    torch.manual_seed(3)
    model = AutoencoderModel(AEConfig(kind="vae", arch="mlp", latent_dim=1, hidden=16))
    x = torch.from_numpy(binarize_fixed(mnist.test.images[:2]).astype(np.float32)[:, None])
    z = torch.linspace(-10, 10, 8001)[:, None]
    with torch.no_grad():
        logits = model.module.decode_logits(z).reshape(len(z), -1)
        log_px = -torch.nn.functional.binary_cross_entropy_with_logits(
            logits[None].expand(2, -1, -1), x.reshape(2, 1, -1).expand(-1, len(z), -1),
            reduction="none").sum(-1)                                     # 2×grid
        log_pz = -0.5 * (z[:, 0] ** 2 + np.log(2 * np.pi))
        exact = torch.logsumexp(log_px + log_pz, 1) + np.log(float(z[1, 0] - z[0, 0]))
    g = torch.Generator().manual_seed(0)
    k1000 = torch.stack([iwae_bound(model.module, x, 1000, g) for _ in range(4)]).mean(0)
    elbo1 = elbo(model.module, x, samples=4000, generator=g)
    assert (k1000 <= exact + 0.05).all()
    assert (exact - k1000 < 0.5).all()
    assert (elbo1 < k1000).all()


def test_the_bounds_read_the_image_through_a_pixelcnn_decoder_and_refuse_other_kinds():
    """With the PixelCNN decoder, log p(x|z) needs x itself (teacher forcing): the bounds
    repeat x for every draw. L_k ≥ ELBO (in expectation; here with 400 draws), and kinds
    whose p(z) is not N(0, I) (AAE, WAE, HVAE) are refused rather than mis-scored."""
    from models.autoencoder.nets import build_model

    torch.manual_seed(0)
    module = build_model(AEConfig(kind="vae", latent_dim=3, hidden=16, decoder="pixelcnn",
                                  pixel_channels=4, pixel_layers=1)).eval()
    x = (torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(1)) < 0.3).float()
    lk = iwae_bound(module, x, 400, torch.Generator().manual_seed(2))
    lb = elbo(module, x, 400, torch.Generator().manual_seed(3))
    assert torch.isfinite(lk).all() and torch.isfinite(lb).all()
    assert (lk >= lb - 0.5).all()
    for cfg in (AEConfig(kind="aae", hidden=16), AEConfig(kind="wae", hidden=16),
                AEConfig(kind="hvae", hidden=16)):
        with pytest.raises(ValueError, match="not bounded here"):
            iwae_bound(build_model(cfg), x, 2)
