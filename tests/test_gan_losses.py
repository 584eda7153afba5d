"""The GAN objectives against values worked out by hand with math.log, not with torch."""
from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from models.gan.losses import (LOSS_NAMES, LOSSES, LabelTricks, check_loss, d_loss, d_outputs,
                               d_targets, g_loss, gradient_penalty)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

BCE_LOSSES = ("minimax", "non-saturating")


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def bce(logit: float, target: float) -> float:
    p = sigmoid(logit)
    return -(target * math.log(p) + (1 - target) * math.log(1 - p))


def t64(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def grad_wrt_logit(logit: float, loss: str) -> float:
    x = torch.tensor([logit], dtype=torch.float64, requires_grad=True)
    g_loss(x, loss).backward()
    return float(x.grad[0])


# --- names -------------------------------------------------------------------------------

def test_every_loss_has_a_display_name_and_unknown_losses_are_refused():
    assert set(LOSS_NAMES) == set(LOSSES) == {"minimax", "non-saturating", "wgan-gp"}
    assert all(LOSS_NAMES[name].strip() for name in LOSSES)
    for loss in LOSSES:
        assert check_loss(loss) == loss
    with pytest.raises(ValueError, match="bce"):
        check_loss("bce")
    with pytest.raises(ValueError):
        d_loss(t64([0.0]), t64([0.0]), "hinge")
    with pytest.raises(ValueError):
        g_loss(t64([0.0]), "hinge")


# --- D's loss ----------------------------------------------------------------------------

@pytest.mark.parametrize("loss", BCE_LOSSES)
def test_bce_d_loss_is_minus_log_d_real_minus_log_one_minus_d_fake(loss):
    real, fake = [0.0, 2.0], [-1.0, 1.0]
    expected = (-mean(math.log(sigmoid(r)) for r in real)
                - mean(math.log(1 - sigmoid(f)) for f in fake))
    assert expected == pytest.approx(1.22334, abs=1e-4)        # worked on paper, too
    assert float(d_loss(t64(real), t64(fake), loss)) == pytest.approx(expected, rel=1e-12)
    # D's heads give N×1 logits: same loss
    column = d_loss(t64(real).reshape(-1, 1), t64(fake).reshape(-1, 1), loss)
    assert float(column) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss", BCE_LOSSES)
def test_bce_d_loss_with_smoothed_and_per_sample_targets(loss):
    real, fake = [0.0, 2.0], [-1.0, 1.0]
    smoothed = mean(bce(r, 0.9) for r in real) + mean(bce(f, 0.0) for f in fake)
    got = d_loss(t64(real), t64(fake), loss, real_target=0.9, fake_target=0.0)
    assert float(got) == pytest.approx(smoothed, rel=1e-12)
    # differs from the unsmoothed loss, so the target really is used
    assert abs(smoothed - float(d_loss(t64(real), t64(fake), loss))) > 0.05

    rt, ft = [0.9, 0.7], [0.2, 0.0]
    expected = (mean(bce(r, t) for r, t in zip(real, rt))
                + mean(bce(f, t) for f, t in zip(fake, ft)))
    got = d_loss(t64(real), t64(fake), loss, real_target=t64(rt), fake_target=t64(ft))
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_wgan_d_loss_is_mean_fake_minus_mean_real_and_ignores_targets():
    real, fake = [0.5, 3.0], [-1.0, 2.0]
    expected = mean(fake) - mean(real)                           # 0.5 − 1.75
    assert expected == pytest.approx(-1.25)
    assert float(d_loss(t64(real), t64(fake), "wgan-gp")) == pytest.approx(expected, abs=1e-12)
    smoothed = d_loss(t64(real), t64(fake), "wgan-gp", real_target=0.9, fake_target=0.1)
    assert float(smoothed) == pytest.approx(expected, abs=1e-12)


def test_bce_losses_stay_finite_at_confident_logits():
    real, fake = t64([60.0, -60.0]), t64([-60.0, 60.0])
    # log σ(−60) ≈ −60 and log(1 − σ(60)) ≈ −60: each batch contributes 60/2
    assert float(d_loss(real, fake, "minimax")) == pytest.approx(60.0, rel=1e-6)
    assert float(g_loss(t64([-100.0]), "non-saturating")) == pytest.approx(100.0, rel=1e-9)
    assert float(g_loss(t64([100.0]), "minimax")) == pytest.approx(-100.0, rel=1e-9)


# --- G's loss ----------------------------------------------------------------------------

FAKE = [-1.0, 0.5, 3.0]


def test_minimax_g_loss_is_mean_log_one_minus_d():
    expected = mean(math.log(1 - sigmoid(f)) for f in FAKE)
    assert expected < 0
    assert float(g_loss(t64(FAKE), "minimax")) == pytest.approx(expected, rel=1e-12)


def test_non_saturating_g_loss_is_minus_mean_log_d():
    expected = -mean(math.log(sigmoid(f)) for f in FAKE)
    assert expected > 0
    assert float(g_loss(t64(FAKE), "non-saturating")) == pytest.approx(expected, rel=1e-12)


def test_wgan_g_loss_is_minus_mean_critic_value():
    assert float(g_loss(t64(FAKE), "wgan-gp")) == pytest.approx(-mean(FAKE), abs=1e-12)
    assert float(g_loss(t64(FAKE).reshape(-1, 1), "wgan-gp")) == pytest.approx(-mean(FAKE))


def test_minimax_saturates_where_d_rejects_fakes_and_non_saturating_does_not():
    # d/dl log(1 − σ(l)) = −σ(l);  d/dl −log σ(l) = −(1 − σ(l))
    minimax, non_sat = grad_wrt_logit(-10.0, "minimax"), grad_wrt_logit(-10.0, "non-saturating")
    assert minimax == pytest.approx(-sigmoid(-10.0), rel=1e-9)          # ≈ −4.5e−5
    assert non_sat == pytest.approx(-(1 - sigmoid(-10.0)), rel=1e-9)    # ≈ −1
    assert abs(minimax) < 1e-4 and non_sat < -0.999
    # the reverse once D is fooled: minimax pushes l up the harder
    assert grad_wrt_logit(10.0, "minimax") == pytest.approx(-sigmoid(10.0), rel=1e-9)
    assert grad_wrt_logit(10.0, "non-saturating") == pytest.approx(-sigmoid(-10.0), rel=1e-9)
    assert grad_wrt_logit(-10.0, "wgan-gp") == pytest.approx(-1.0)


# --- gradient penalty --------------------------------------------------------------------

def linear_critic(w):
    w = t64(w)
    return lambda x: x.flatten(1) @ w


REAL_2D = t64([[1.0, 2.0], [-3.0, 0.5], [0.2, 0.2], [4.0, -1.0]])
FAKE_2D = t64([[0.0, 0.0], [2.0, 2.0], [-1.0, 3.0], [0.5, 0.5]])


def test_gradient_penalty_is_zero_for_a_unit_gradient_linear_critic():
    gp = gradient_penalty(linear_critic([0.6, 0.8]), REAL_2D, FAKE_2D)
    assert gp.item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("w, expected", [([1.8, 2.4], 4.0),     # ‖w‖ = 3 → (3 − 1)²
                                         ([0.3, 0.4], 0.25)])   # ‖w‖ = ½: the penalty is two-sided
def test_gradient_penalty_is_squared_gap_of_the_gradient_norm_from_one(w, expected):
    gp = gradient_penalty(linear_critic(w), REAL_2D, FAKE_2D)
    assert gp.item() == pytest.approx(expected, rel=1e-12)


def test_gradient_penalty_is_zero_for_the_euclidean_norm_away_from_its_kink():
    # ∇‖x‖ = x/‖x‖ has norm 1 except at 0; every x̂ between these points has positive coordinates
    real = t64([[3.0, 4.0], [1.0, 0.1], [0.5, 2.0]])
    fake = t64([[0.1, 0.1], [5.0, 5.0], [2.0, 0.3]])
    gp = gradient_penalty(lambda x: x.norm(dim=1), real, fake, generator=seeded(1))
    assert gp.item() == pytest.approx(0.0, abs=1e-12)


def test_gradient_penalty_evaluates_the_gradient_at_alpha_real_plus_one_minus_alpha_fake():
    # f = ½‖x‖² has ∇f(x̂) = x̂. Sample 1: x̂ = 0.4·(3, 4) + 0.6·(0, 0) = (1.2, 1.6), norm 2 → 1.
    # Sample 2: x̂ = 1·(0, 1) + 0·(5, 5) = (0, 1), norm 1 → 0. Mean 0.5.
    real, fake = t64([[3.0, 4.0], [0.0, 1.0]]), t64([[0.0, 0.0], [5.0, 5.0]])
    gp = gradient_penalty(lambda x: 0.5 * (x * x).sum(1), real, fake, alpha=t64([0.4, 1.0]))
    assert gp.item() == pytest.approx(0.5, rel=1e-12)


def test_gradient_penalty_draws_one_uniform_alpha_per_sample():
    # f = ½‖x‖², real = (2, 0), fake = 0: ‖x̂‖ = 2α, so E(2α − 1)² = E u² = 1/3 for u ~ U(−1, 1)
    n = 4000
    real, fake = t64([[2.0, 0.0]] * n), torch.zeros(n, 2, dtype=torch.float64)
    critic = lambda x: 0.5 * (x * x).sum(1)  # noqa: E731

    def penalty(seed: int) -> float:
        return gradient_penalty(critic, real, fake, generator=seeded(seed)).item()

    gp = penalty(3)
    assert gp == pytest.approx(1 / 3, abs=0.03)                  # the mean's s.d. is ≈ 0.005
    again, other = penalty(3), penalty(4)
    assert again == gp and other != gp


def test_gradient_penalty_on_images_takes_each_samples_norm_over_all_pixels():
    n = 3
    real = torch.rand(n, 1, 28, 28, generator=seeded(0), dtype=torch.float64)
    fake = torch.rand(n, 1, 28, 28, generator=seeded(1), dtype=torch.float64)
    # every pixel's weight 1/28: the norm over 784 pixels is 1, each pixel's own is 1/28
    w = torch.full((1, 28, 28), 1 / 28, dtype=torch.float64)
    gp = gradient_penalty(lambda x: (x * w).sum((1, 2, 3)), real, fake)
    assert gp.item() == pytest.approx(0.0, abs=1e-12)
    # sample i's output scaled by i + 1: norms 1, 2, 3 → (0 + 1 + 4)/3
    scale = t64([1.0, 2.0, 3.0])
    gp = gradient_penalty(lambda x: scale * (x * w).sum((1, 2, 3)), real, fake)
    assert gp.item() == pytest.approx(5 / 3, rel=1e-12)


def test_gradient_penalty_trains_the_critic_and_not_the_generator():
    critic = nn.Linear(2, 1).double()
    with torch.no_grad():
        critic.weight.copy_(t64([[1.8, 2.4]]))                    # ‖w‖ = 3
        critic.bias.fill_(0.7)
    fake = FAKE_2D.clone().requires_grad_(True)                   # as if it came out of G
    gp = gradient_penalty(critic, REAL_2D, fake)
    assert gp.item() == pytest.approx(4.0, rel=1e-12)
    gp.backward()
    # d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖ = 2·2·(0.6, 0.8)
    assert critic.weight.grad.flatten().tolist() == pytest.approx([2.4, 3.2], rel=1e-12)
    assert fake.grad is None
    # a curved critic's gradient depends on x̂, yet the penalty still must not reach G
    fake = FAKE_2D.clone().requires_grad_(True)
    gradient_penalty(lambda x: 0.5 * (x * x).sum(1), REAL_2D, fake).backward()
    assert fake.grad is None


# --- D's targets -------------------------------------------------------------------------

def test_plain_and_smoothed_targets():
    real, fake = d_targets(5, LabelTricks())
    assert real.tolist() == [1.0] * 5 and fake.tolist() == [0.0] * 5
    real, fake = d_targets(5, LabelTricks(smoothing=0.1))
    assert real.tolist() == pytest.approx([0.9] * 5) and fake.tolist() == [0.0] * 5   # one-sided


def test_noisy_targets_stay_in_their_bands_and_vary():
    n = 10_000
    real, fake = d_targets(n, LabelTricks(smoothing=0.1, noise=0.2), seeded(0))
    assert real.shape == fake.shape == (n,)
    assert float(real.min()) >= 0.7 - 1e-6 and float(real.max()) <= 0.9 + 1e-6
    assert float(fake.min()) >= 0.0 and float(fake.max()) <= 0.2 + 1e-6
    assert float(real.mean()) == pytest.approx(0.8, abs=0.01)    # 0.9 − E U(0, 0.2)
    assert float(fake.mean()) == pytest.approx(0.1, abs=0.01)
    assert float(real.std()) > 0.04 and float(fake.std()) > 0.04   # U(0, 0.2) has s.d. 0.058


@pytest.mark.parametrize("p", [0.5, 0.1])
def test_flipped_targets_flip_about_p_of_each_side(p):
    n = 10_000
    real, fake = d_targets(n, LabelTricks(flip=p), seeded(0))
    assert set(real.tolist()) <= {0.0, 1.0} and set(fake.tolist()) <= {0.0, 1.0}
    # binomial s.d. ≤ 0.005; the seed is fixed anyway
    assert float((real == 0).float().mean()) == pytest.approx(p, abs=0.03)
    assert float((fake == 1).float().mean()) == pytest.approx(p, abs=0.03)


def test_a_flipped_smoothed_real_target_becomes_its_complement():
    real, _ = d_targets(2000, LabelTricks(smoothing=0.1, flip=0.5), seeded(0))
    values = sorted({round(v, 6) for v in real.tolist()})
    assert values == [0.1, 0.9]


def test_targets_are_reproducible_with_a_seeded_generator():
    tricks = LabelTricks(smoothing=0.05, noise=0.1, flip=0.2)
    a = d_targets(100, tricks, seeded(7))
    b = d_targets(100, tricks, seeded(7))
    c = d_targets(100, tricks, seeded(8))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[0], c[0])


@pytest.mark.parametrize("field", ["smoothing", "noise", "flip"])
@pytest.mark.parametrize("bad", [-0.01, 0.51, 1.0, float("nan"), "0.1", None])
def test_label_tricks_refuse_values_outside_zero_to_half(field, bad):
    with pytest.raises(ValueError, match=field):
        LabelTricks(**{field: bad})


def test_label_tricks_accept_the_bounds_and_report_activity():
    assert not LabelTricks().active
    assert LabelTricks(smoothing=0.5).active and LabelTricks(noise=0.5).active
    assert LabelTricks(flip=0).flip == 0 and not LabelTricks(flip=0).active
    with pytest.raises(dataclasses.FrozenInstanceError):
        LabelTricks().smoothing = 0.2


# --- what the charts show ----------------------------------------------------------------

def test_d_outputs_are_mean_probability_for_bce_and_mean_value_for_wgan():
    logits = [0.0, 2.0, -1.0]
    x = t64(logits).reshape(-1, 1).requires_grad_(True)
    for loss in BCE_LOSSES:
        got = d_outputs(x, loss)
        assert isinstance(got, float)
        assert got == pytest.approx(mean(sigmoid(v) for v in logits), rel=1e-6)
    assert d_outputs(x, "wgan-gp") == pytest.approx(1 / 3, rel=1e-6)
