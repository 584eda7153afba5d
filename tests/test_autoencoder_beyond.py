"""Issue 15's autoencoders beyond the Gaussian VAE, without training: the maths of the ladder
VAE, the KL bookkeeping (per dimension, free bits, warm-up), WAE-MMD's penalty, the supervised
prior, the PixelCNN decoder's masks and sampler, the configuration's refusals, and the
inference API (prior samples, the two levels of the hierarchy, the collapse probe).

Training, checkpoints and the command line are in test_autoencoder_beyond_train.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from models.autoencoder import objectives
from models.autoencoder.api import AutoencoderModel
from models.autoencoder.hierarchy import HierarchicalVAE, gaussian_kl, precision_merge
from models.autoencoder.mmd import mmd2_unbiased
from models.autoencoder.nets import AEConfig, build_model, kl_to_standard_normal
from models.autoencoder.pixel_decoder import PixelDecoder
from models.autoencoder.priors import MIXTURE_RADIUS, mixture_means, prior_labels, sample_prior
from models.autoencoder.training import TrainConfig
from models.latent import prior_draws

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RING = tuple((float(np.cos(a)), float(np.sin(a))) for a in np.linspace(0, 6, 12))


def images(n: int = 4, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def no_grad_terms(*args, **kwargs) -> dict[str, torch.Tensor]:
    return objectives.terms(*args, **kwargs)


def tiny(kind: str, **options) -> AEConfig:
    options.setdefault("hidden", 16)
    return AEConfig(kind=kind, **options)


# --------------------------------------------------------------------------- the ladder's maths

def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mu_q, mu_p = torch.randn(5, 3, generator=g, dtype=torch.float64), \
        torch.randn(5, 3, generator=g, dtype=torch.float64)
    lv_q, lv_p = torch.randn(5, 3, generator=g, dtype=torch.float64), \
        torch.randn(5, 3, generator=g, dtype=torch.float64)
    want = kl_divergence(Normal(mu_q, (0.5 * lv_q).exp()), Normal(mu_p, (0.5 * lv_p).exp()))
    got = gaussian_kl(mu_q, lv_q, mu_p, lv_p)
    assert got.shape == (5,)
    torch.testing.assert_close(got, want.sum(-1))
    # KL(q ‖ q) = 0 and KL(q ‖ N(0, 1)) is the VAE's closed form
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, mu_q, lv_q),
                               torch.zeros(5, dtype=torch.float64))
    torch.testing.assert_close(gaussian_kl(mu_q, lv_q, 0 * mu_q, 0 * lv_q),
                               kl_to_standard_normal(mu_q, lv_q))


@pytest.mark.parametrize("a,b", [((0.0, 1.0), (0.0, 1.0)), ((-1.0, 0.3), (2.0, 2.5)),
                                 ((3.0, 0.05), (-2.0, 4.0))])
def test_precision_merge_is_the_normalised_product_of_the_densities(a, b):
    """The mean and variance of p_a · p_b / ∫ p_a p_b, integrated on a fine grid."""
    (mu_a, var_a), (mu_b, var_b) = a, b
    x = np.linspace(-12, 12, 400_001)
    dens = np.exp(-(x - mu_a) ** 2 / (2 * var_a) - (x - mu_b) ** 2 / (2 * var_b))
    dens /= dens.sum()
    mean = (x * dens).sum()
    var = ((x - mean) ** 2 * dens).sum()
    t = lambda v: torch.tensor([v], dtype=torch.float64)  # noqa: E731
    mu, logvar = precision_merge(t(mu_a), t(np.log(var_a)), t(mu_b), t(np.log(var_b)))
    assert float(mu) == pytest.approx(mean, abs=1e-6)
    assert float(logvar.exp()) == pytest.approx(var, rel=1e-5)


def _double_hvae(seed: int = 0, top_dim: int = 2) -> HierarchicalVAE:
    torch.manual_seed(seed)
    return build_model(tiny("hvae", arch="mlp", latent_dim=3, top_dim=top_dim)).double()


def test_hvae_terms_are_the_elbo_with_monte_carlo_kls():
    """kl_top = KL(q(z₂|x) ‖ N(0, I)) and kl_bottom = KL(q(z₁|x, z₂) ‖ p(z₁|z₂)) at the z₂
    the pass drew, each against E_q[log q − log p] over 200,000 draws; the loss is recon + β KL."""
    model = _double_hvae()
    x = images(3).double()
    terms = no_grad_terms(model, x, 0.7, torch.Generator().manual_seed(5))
    q = model.infer(x, torch.Generator().manual_seed(5))          # the same draws as terms'
    mc = torch.Generator().manual_seed(9)
    draws = 200_000

    def mc_kl(mu_q, lv_q, mu_p, lv_p):
        qd, pd = Normal(mu_q, (0.5 * lv_q).exp()), Normal(mu_p, (0.5 * lv_p).exp())
        z = mu_q + (0.5 * lv_q).exp() * torch.randn((draws,) + mu_q.shape, generator=mc,
                                                   dtype=mu_q.dtype)
        return float((qd.log_prob(z) - pd.log_prob(z)).sum(-1).mean())  # over draws and rows

    with torch.no_grad():
        top = mc_kl(q["mu2"], q["logvar2"], 0 * q["mu2"], 0 * q["logvar2"])
        bottom = mc_kl(q["mu1"], q["logvar1"], q["prior_mu"], q["prior_logvar"])
    assert float(terms["kl_top"]) == pytest.approx(top, rel=0.02, abs=2e-3)
    assert float(terms["kl_bottom"]) == pytest.approx(bottom, rel=0.02, abs=2e-3)
    assert float(terms["kl_top"]) > 0.01 and float(terms["kl_bottom"]) > 0.01  # not vacuous
    assert float(terms["kl"]) == pytest.approx(float(terms["kl_top"] + terms["kl_bottom"]))
    recon = torch.nn.functional.binary_cross_entropy_with_logits(
        model.decode_logits(q["z1"]), x, reduction="none").flatten(1).sum(1).mean().detach()
    assert float(terms["recon"]) == pytest.approx(float(recon))
    assert float(terms["loss"]) == pytest.approx(float(recon + 0.7 * terms["kl"]))


def test_hvae_encode_is_the_bottom_posterior_at_the_top_mean():
    model = _double_hvae()
    x = images(2).double()
    mu, logvar = model.encode(x)
    (mu1_hat, lv1_hat), (mu2, _) = model.bottom_up(x)
    mu_p, lv_p = model.top_down(mu2)
    # the merged precision is the sum of the two: tighter than either guess
    torch.testing.assert_close(torch.exp(-logvar), torch.exp(-lv1_hat) + torch.exp(-lv_p))
    torch.testing.assert_close(mu, (mu1_hat * torch.exp(-lv1_hat) + mu_p * torch.exp(-lv_p))
                               * torch.exp(logvar))


# --------------------------------------------------------------------------- KL bookkeeping

def test_kl_per_dim_sums_to_the_mean_kl():
    g = torch.Generator().manual_seed(2)
    mu, logvar = torch.randn(64, 5, generator=g), torch.randn(64, 5, generator=g)
    dims = objectives.kl_per_dim(mu, logvar)
    assert dims.shape == (5,)
    torch.testing.assert_close(dims.sum(), kl_to_standard_normal(mu, logvar).mean())


def test_free_bits_clamps_each_dimension_and_stops_its_gradient():
    # dimensions 0 and 2 near the prior (KL ≈ 0), 1 and 3 far from it
    mu = torch.tensor([[0.01, 2.0, -0.02, 1.5], [0.0, 2.5, 0.01, -1.0]], requires_grad=True)
    logvar = torch.tensor([[0.0, -1.0, 0.01, -2.0], [0.02, -0.5, 0.0, -1.0]], requires_grad=True)
    dims = objectives.kl_per_dim(mu, logvar)
    lam = 0.5
    assert (dims[[0, 2]] < lam).all() and (dims[[1, 3]] > lam).all()
    penalty = objectives.kl_penalty(dims, lam)
    assert float(penalty.detach()) == pytest.approx(sum(max(lam, float(k)) for k in dims.detach()))
    penalty.backward()
    for grad in (mu.grad, logvar.grad):
        assert (grad[:, [0, 2]] == 0).all()          # below λ: nothing to gain
        assert (grad[:, [1, 3]] != 0).all()
    dims = dims.detach()
    assert float(objectives.kl_penalty(dims, 0.0)) == pytest.approx(float(dims.sum()))


def test_free_bits_in_the_vae_loss():
    torch.manual_seed(0)
    model = build_model(tiny("vae", latent_dim=3))
    x = images(8)
    plain = no_grad_terms(model, x, 0.5, torch.Generator().manual_seed(1))
    free = no_grad_terms(model, x, 0.5, torch.Generator().manual_seed(1), free_bits=50.0)
    assert float(free["recon"]) == pytest.approx(float(plain["recon"]))
    assert float(free["kl"]) == pytest.approx(float(plain["kl"]))    # reported: the true KL
    assert float(plain["loss"]) == pytest.approx(float(plain["recon"] + 0.5 * plain["kl"]))
    assert float(free["loss"]) == pytest.approx(float(free["recon"]) + 0.5 * 3 * 50.0)


def test_beta_warm_up_ramps_linearly():
    cfg = TrainConfig(beta=0.5, kl_warmup=10)
    assert [cfg.beta_at(s) for s in (1, 2, 5, 10, 11, 1000)] == \
        pytest.approx([0.05, 0.1, 0.25, 0.5, 0.5, 0.5])
    assert TrainConfig(beta=0.5).beta_at(1) == 0.5
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="warm-up"):
            TrainConfig(kl_warmup=bad)
    with pytest.raises(ValueError, match="free bits"):
        TrainConfig(free_bits=float("nan"))


# --------------------------------------------------------------------------- WAE and the priors

@pytest.mark.parametrize("options", [{}, {"prior": "mixture10"}, {"stochastic": True}])
@torch.no_grad()
def test_wae_mmd_term_is_the_unbiased_mmd_of_codes_and_prior_draws(options):
    torch.manual_seed(0)
    model = build_model(tiny("wae", **options))
    x = images(16)
    terms = no_grad_terms(model, x, generator=torch.Generator().manual_seed(3), lam=2.5,
                          prior_generator=torch.Generator().manual_seed(4))
    mu, logvar = model.encode(x)
    z = mu if logvar is None else mu + (0.5 * logvar).exp() * torch.randn(
        mu.shape, generator=torch.Generator().manual_seed(3))
    prior = sample_prior(model.config.prior, 16, torch.Generator().manual_seed(4), 2)
    sigma2 = 1.0 if model.config.prior == "gaussian" else 8.25
    want = mmd2_unbiased(z, prior, sigma2)
    assert float(terms["mmd"]) == pytest.approx(float(want), rel=0.02)
    recon = ((torch.sigmoid(model.decode_logits(z)) - x) ** 2).flatten(1).sum(1).mean()
    assert float(terms["recon"]) == pytest.approx(float(recon), rel=1e-5)
    assert float(terms["loss"]) == pytest.approx(float(recon + 2.5 * terms["mmd"]), rel=1e-5)


def test_mixture_prior_variance_is_its_closed_form():
    """Means on a circle of radius R, σ per component: per-axis variance R²/2 + σ²."""
    got = objectives.prior_variance(tiny("aae", prior="mixture10"))
    assert got == pytest.approx(MIXTURE_RADIUS ** 2 / 2 + 0.25, rel=0.02)
    assert objectives.prior_variance(tiny("wae", latent_dim=7)) == 1.0


def test_supervised_prior_draws_sit_at_their_labels_component():
    config = tiny("aae", prior="mixture10", supervised=True)
    labels = torch.arange(2000) % 13                      # 10 … 12 wrap round to 0 … 2
    z = objectives.draw_prior(config, 2000, torch.Generator().manual_seed(0), "cpu", labels)
    want = (labels % 10).numpy()
    means = mixture_means()
    for k in range(10):
        assert np.abs(z[want == k].numpy().mean(0) - means[k]).max() < 0.1
    assert (prior_labels(z.numpy()) == want).mean() > 0.97
    # without labels: every component, about equally
    free = objectives.draw_prior(config, 2000, torch.Generator().manual_seed(0), "cpu")
    counts = np.bincount(prior_labels(free.numpy()), minlength=10)
    assert counts.min() > 150


# --------------------------------------------------------------------------- the PixelCNN decoder

def _pixel_decoder(layers: int = 2, seed: int = 0) -> PixelDecoder:
    torch.manual_seed(seed)
    return PixelDecoder(latent_dim=2, hidden=16, channels=4, layers=layers).eval()


def _binary(n: int, seed: int) -> torch.Tensor:
    return (torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) < 0.4).float()


def test_pixel_decoder_logit_i_never_sees_pixels_from_i_on():
    dec = _pixel_decoder()
    z = torch.randn(1, 2)
    x = _binary(1, 1)
    base = dec(z, x).detach().flatten()
    for i in (0, 1, 27, 28, 29, 300, 405, 783):
        changed = x.clone().flatten()
        changed[i:] = _binary(1, 100 + i).flatten()[i:]      # every pixel j ≥ i redrawn
        changed[i] = 1 - x.flatten()[i]                       # and pixel i surely differs
        after = dec(z, changed.reshape(x.shape)).detach().flatten()
        np.testing.assert_allclose(after[:i + 1].numpy(), base[:i + 1].numpy(), atol=1e-6)
        if i < 783:
            assert (after[i + 1:] != base[i + 1:]).any()      # a later pixel did notice
    # the gradient says the same for every pair: d logit_i / d x_j = 0 for j ≥ i
    xg = x.clone().requires_grad_()
    logits = dec(z, xg).flatten()
    for i in (0, 14, 28 * 5 + 3, 783):
        (grad,) = torch.autograd.grad(logits[i], xg, retain_graph=True)
        assert (grad.flatten()[i:] == 0).all()
        if i >= 28:
            assert (grad.flatten()[:i] != 0).any()


def test_pixel_decoder_is_conditioned_on_z():
    dec = _pixel_decoder()
    x = _binary(2, 3)
    a = dec(torch.tensor([[0.0, 0.0], [0.0, 0.0]]), x)
    b = dec(torch.tensor([[3.0, -2.0], [0.0, 0.0]]), x)
    assert (a[0] - b[0]).abs().max() > 1e-3                   # z moved every logit's input
    torch.testing.assert_close(a[1], b[1])                    # rows do not mix


def _reference_sample(dec: PixelDecoder, z: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Pixel by pixel on the whole image each time: the plainest sampler there is."""
    m = dec.condition(z)
    v = torch.zeros(len(z), 1, 28, 28)
    for r in range(28):
        for c in range(28):
            p = torch.sigmoid(dec._net(v, m)[:, 0, r, c])
            v[:, 0, r, c] = (torch.rand(len(z), generator=gen) < p).float()
    return v


@torch.no_grad()
def test_band_logits_equal_the_full_images():
    """The sampler runs the net on rows r − R … r only; row r's logits must not change."""
    dec = _pixel_decoder(layers=2)
    z, x = torch.randn(2, 2), _binary(2, 4)
    full = dec(z, x)
    m = dec.condition(z)
    for r in range(28):
        top = max(0, r - dec.rows)
        band = dec._net(x[:, :, top:r + 1], m[:, :, top:r + 1])[:, :, r - top]
        torch.testing.assert_close(band, full[:, :, r], atol=1e-5, rtol=0)


@torch.no_grad()
def test_band_sampler_equals_the_full_image_sampler():
    dec = _pixel_decoder(layers=1)
    z = torch.randn(2, 2, generator=torch.Generator().manual_seed(6))
    got = dec.sample(z, torch.Generator().manual_seed(7))
    want = _reference_sample(dec, z, torch.Generator().manual_seed(7))
    assert set(got.unique().tolist()) <= {0.0, 1.0}
    assert 0 < float(got.mean()) < 1
    torch.testing.assert_close(got, want, atol=0, rtol=0)


# --------------------------------------------------------------------------- configuration

POINTS = [(float(i), float(i % 3)) for i in range(12)]


@pytest.mark.parametrize("options,words", [
    ({"kind": "vae", "prior": "mixture10"}, "only an AAE or a WAE"),
    ({"kind": "hvae", "prior": "ring"}, "only an AAE or a WAE"),
    ({"kind": "aae", "prior": "swiss-roll", "latent_dim": 3}, "2-D; set latent_dim = 2"),
    ({"kind": "aae", "supervised": True}, "mixture10"),
    ({"kind": "wae", "prior": "mixture10", "supervised": True}, "needs an AAE"),
    ({"kind": "aae", "decoder": "pixelcnn"}, "PixelCNN decoder is for the VAE"),
    ({"kind": "hvae", "decoder": "pixelcnn"}, "PixelCNN decoder is for the VAE"),
    ({"kind": "aae", "prior": "points", "prior_points": POINTS[:3]}, "only 3 point(s)"),
    ({"kind": "aae", "prior": "points"}, "needs its points: draw or load at least 10"),
    ({"kind": "wae", "prior": "points", "prior_points": POINTS[:-1] + [(float("nan"), 0.0)]},
     "NaN or infinite"),
    ({"kind": "aae", "prior_points": POINTS}, "only for the 'points' prior"),
    ({"kind": "vae", "stochastic": True}, "deterministic/Gaussian encoder"),
    ({"kind": "aae", "regulariser": "mmd"}, "regularised by gan"),
    ({"kind": "wae", "regulariser": "kl"}, "regularised by mmd or gan"),
    ({"kind": "vae", "top_dim": 3}, "z₂"),
    ({"kind": "hvae", "top_dim": 0}, "top_dim must be in 1..256"),
    ({"kind": "vae", "decoder": "pixelcnn", "pixel_channels": 2}, "4..256 channels"),
    ({"kind": "aae", "prior": "moon"}, "unknown prior"),
    ({"kind": "aae", "stochastic": "yes"}, "true or false"),
])
def test_config_refusals_say_why(options, words):
    with pytest.raises(ValueError) as info:
        AEConfig(**options)
    assert words in str(info.value)


def test_points_prior_config_round_trips_through_a_dict():
    config = AEConfig(kind="aae", prior="points", prior_points=np.array(POINTS))
    assert config.prior_points == tuple(POINTS)
    assert all(type(v) is float for p in config.prior_points for v in p)   # JSON-ready
    d = config.to_dict()
    assert d["prior_points"] == [list(p) for p in POINTS]
    assert AEConfig.from_dict(d) == config


@pytest.mark.parametrize("points,words", [
    (5, "prior_points must be a list of [x, y] pairs"),
    ([1.0, 2.0, 3.0], "prior_points must be a list of [x, y] pairs"),
    ([[1.0, 2.0, 3.0]] * 12, "N×2"),
    ([[1.0, "x"]] * 12, "N×2 array of numbers"),
    ("abcdefghijkl", "N×2"),
    ([[0.0, 0.0]] * 12, "no spread"),
    ([[1e39, 2e39], [3e39, 1e39]] * 6, "too large for float32"),
])
def test_from_dict_refuses_foreign_prior_points(points, words):
    d = AEConfig(kind="aae", prior="points", prior_points=POINTS).to_dict()
    d["prior_points"] = points
    with pytest.raises(ValueError) as info:
        AEConfig.from_dict(d)
    assert words in str(info.value)


def test_config_properties_per_kind():
    assert tiny("vae").variational and tiny("hvae").variational
    assert not tiny("aae").variational and not tiny("aae").gaussian_encoder
    assert tiny("aae", stochastic=True).gaussian_encoder and tiny("aae").adversarial
    assert not tiny("wae").adversarial and tiny("wae", regulariser="gan").adversarial
    assert tiny("hvae", latent_dim=3).top_dim == 3 and tiny("vae").top_dim == 0
    assert build_model(tiny("wae")).critic is None
    assert build_model(tiny("aae", prior="mixture10", supervised=True)).critic[0].in_features == 12


# --------------------------------------------------------------------------- the inference API

def _api(kind: str, seed: int = 0, **options) -> AutoencoderModel:
    torch.manual_seed(seed)
    options.setdefault("pixel_channels", 4)
    options.setdefault("pixel_layers", 1)
    return AutoencoderModel(tiny(kind, **options))


@pytest.mark.parametrize("kind,options,dim", [
    ("vae", {"latent_dim": 3}, 3), ("aae", {"prior": "mixture10"}, 2),
    ("wae", {"prior": "square"}, 2), ("wae", {"prior": "points", "prior_points": RING}, 2),
    ("hvae", {"latent_dim": 3, "top_dim": 2}, 3),
])
def test_prior_sample_shapes_and_determinism(kind, options, dim):
    model = _api(kind, **options)
    a = model.prior_sample(500, seed=1)
    assert a.shape == (500, dim) and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, model.prior_sample(500, seed=1))
    assert not np.array_equal(a, model.prior_sample(500, seed=2))
    assert model.prior_sample(0).shape == (0, dim)
    if options.get("prior") == "square":
        assert np.abs(a).max() <= 2.0 and np.abs(a).max() > 1.9
    if options.get("prior") == "points":                # the points, jittered by 0.05
        d = np.linalg.norm(a[:, None] - np.array(RING)[None], axis=-1).min(1)
        assert d.max() < 0.3
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="whole number"):
            model.prior_sample(bad)


def test_a_plain_autoencoder_has_no_prior_to_sample():
    model = _api("ae")
    assert not model.has_prior
    with pytest.raises(ValueError, match="no prior"):
        model.prior_sample(3, seed=0)
    # the naive box sampling of latent.prior_draws still works for it
    assert prior_draws(model, 4, seed=0).shape == (4, 2)


def test_hvae_prior_sample_is_ancestral():
    """z₂ ~ N(0, I) then z₁ ~ p(z₁ | z₂): with the top-down net's output fixed to
    (μ, log σ²) = (1, log 4), z₁ is N(1, 4) whatever z₂ is."""
    model = _api("hvae", latent_dim=2, top_dim=3)
    with torch.no_grad():
        m = model.module
        for layer, value in ((m.prior_mu, 1.0), (m.prior_logvar, np.log(4.0))):
            layer.weight.zero_()
            layer.bias.fill_(value)
    z = model.prior_sample(20_000, seed=0)
    np.testing.assert_allclose(z.mean(0), [1.0, 1.0], atol=0.05)
    np.testing.assert_allclose(z.std(0), [2.0, 2.0], rtol=0.03)


def test_latent_prior_draws_use_the_matched_prior():
    model = _api("aae", prior="mixture10")
    z = prior_draws(model, 2000, seed=3)
    assert z.shape == (2000, 2)
    radius = np.linalg.norm(z, axis=1)
    assert abs(np.median(radius) - MIXTURE_RADIUS) < 0.2
    np.testing.assert_array_equal(z, prior_draws(model, 2000, seed=3))
    vae = prior_draws(_api("vae"), 2000, seed=3)       # N(0, I): median radius √(2 ln 2)
    assert abs(np.median(np.linalg.norm(vae, axis=1)) - np.sqrt(2 * np.log(2))) < 0.1


def test_resample_levels_shapes_and_that_top_keeps_the_bottom_noise():
    model = _api("hvae", latent_dim=3, top_dim=2)
    x = images(2).numpy()[:, 0]
    out = model.resample_levels(x, n=4, seed=5)
    assert out["input"].shape == (2, 28, 28)
    assert out["top"].shape == out["bottom"].shape == (2, 4, 28, 28)
    np.testing.assert_allclose(out["input"], model.decode(model.encode(x)), atol=1e-6)
    # recompute "top": ε₁ = (μ₁ − μ_p(μ₂)) / σ_p(μ₂) of each image, new z₂ from the seed
    m = model.module
    with torch.no_grad():
        q = m.infer(torch.from_numpy(x), sample=False)
        eps1 = (q["mu1"] - q["prior_mu"]) / torch.exp(0.5 * q["prior_logvar"])
        g = torch.Generator().manual_seed(5)
        new_z2 = torch.randn(8, 2, generator=g)
        top = m.decode(m.sample_z1(new_z2, eps1.repeat_interleave(4, 0)))[:, 0]
        # with z₂ at its mean, the kept ε₁ gives back z₁ = μ₁ exactly
        torch.testing.assert_close(m.sample_z1(q["mu2"], eps1), q["mu1"])
    np.testing.assert_allclose(out["top"], top.numpy().reshape(2, 4, 28, 28), atol=1e-6)
    assert out["bottom"].std(1).max() > 1e-4                     # new ε₁: the images vary
    with pytest.raises(ValueError, match="only the hierarchical VAE"):
        _api("vae").resample_levels(x)


def test_resample_top_changes_nothing_when_the_bottom_ignores_z2():
    model = _api("hvae", latent_dim=3, top_dim=2)
    with torch.no_grad():
        model.module.down[0].weight.zero_()                   # p(z₁ | z₂) no longer reads z₂
    x = images(2).numpy()[:, 0]
    out = model.resample_levels(x, n=3, seed=0)
    np.testing.assert_allclose(out["top"], np.repeat(out["input"][:, None], 3, 1), atol=1e-5)
    assert np.abs(out["bottom"] - out["input"][:, None]).max() > 1e-4


def test_recon_probabilities_with_the_pixel_decoder():
    model = _api("vae", decoder="pixelcnn")
    assert model.autoregressive
    x = images(3).numpy()[:, 0]
    p = model.recon_probabilities(x)
    assert p.shape == (3, 28, 28) and ((p > 0) & (p < 1)).all()
    with torch.no_grad():
        xt = torch.from_numpy(x)
        mu = model.module.encode(xt)[0]
        want = torch.sigmoid(model.module.decoder(mu, (xt > 0.5).float()))[:, 0]
    np.testing.assert_allclose(p, want.numpy(), atol=1e-6)
    far = model.recon_probabilities(x, z=np.full((3, 2), 4.0, np.float32))
    assert np.abs(far - p).max() > 1e-3                      # z reaches the pixels
    with pytest.raises(ValueError, match="3 codes for 2 images"):
        model.recon_probabilities(x[:2], z=np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        model.recon_probabilities(x, z=np.full((3, 2), np.nan, np.float32))
    # a plain decoder's probabilities are its decode()
    vae = _api("vae")
    np.testing.assert_allclose(vae.recon_probabilities(x), vae.decode(vae.encode(x)), atol=1e-6)


def test_pixel_decoder_decode_is_seeded_binary():
    model = _api("vae", decoder="pixelcnn")
    z = np.zeros((1, 2), np.float32)
    a = model.decode(z, seed=3)
    assert a.shape == (1, 28, 28) and set(np.unique(a)) <= {0.0, 1.0}
    np.testing.assert_array_equal(a, model.decode(z, seed=3))


def test_encode_posterior_sigma_per_kind():
    x = images(3).numpy()[:, 0]
    for kind, options, has_sigma in (("ae", {}, False), ("aae", {}, False),
                                     ("aae", {"stochastic": True}, True), ("wae", {}, False),
                                     ("vae", {}, True), ("hvae", {}, True)):
        mu, sigma = _api(kind, **options).encode_posterior(x)
        assert mu.shape == (3, 2)
        assert (sigma is not None) == has_sigma, (kind, options)
        if has_sigma:
            assert sigma.shape == (3, 2) and (sigma > 0).all()
