"""pix2pix's objective against hand-computed values."""
from __future__ import annotations

import math

import pytest
import torch

from models.pix2pix.objective import OBJECTIVES, d_terms, g_terms, pair, uses_gan


class ConstantD(torch.nn.Module):
    """Logit r for pairs whose output channels are positive, f otherwise; records inputs."""

    def __init__(self, r: float, f: float):
        super().__init__()
        self.r, self.f, self.seen = r, f, []

    def forward(self, x):
        self.seen.append(x)
        real = x[:, 3:].mean() > 0
        return torch.full((len(x), 1, 2, 2), self.r if real else self.f) + 0 * x.sum()


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def test_d_terms_are_halved_and_see_input_and_output():
    a = torch.randn(2, 3, 8, 8)
    real_b, fake_b = torch.ones(2, 3, 8, 8), -torch.ones(2, 3, 8, 8)
    D = ConstantD(r=1.5, f=-0.5)
    t = d_terms(D, a, real_b, fake_b)
    d_real = softplus(-1.5)              # −log σ(1.5)
    d_fake = softplus(-0.5)              # −log(1 − σ(−0.5)) = log(1 + e^(−0.5))
    assert float(t["D_real"]) == pytest.approx(d_real, rel=1e-6)
    assert float(t["D_fake"]) == pytest.approx(d_fake, rel=1e-6)
    assert float(t["D"]) == pytest.approx((d_real + d_fake) / 2, rel=1e-6)
    assert [x.shape[1] for x in D.seen] == [6, 6]                 # a and b stacked
    torch.testing.assert_close(D.seen[0], pair(a, real_b))


def test_g_terms_l1_plus_cgan_with_lambda():
    a = torch.zeros(1, 3, 4, 4)
    real_b = torch.full((1, 3, 4, 4), 0.5)
    fake_b = torch.full((1, 3, 4, 4), -0.25, requires_grad=True)
    D = ConstantD(r=2.0, f=-1.0)
    t = g_terms(D, a, real_b, fake_b, "l1+cgan", lam=100.0)
    value = {k: float(v.detach()) for k, v in t.items()}
    assert value["G_GAN"] == pytest.approx(softplus(1.0), rel=1e-6)     # −log σ(−1)
    assert value["G_L1"] == pytest.approx(0.75, rel=1e-6)
    assert value["G"] == pytest.approx(softplus(1.0) + 75.0, rel=1e-6)
    t["G"].backward()
    # d(λ·mean|b − b̂|)/db̂ = −λ/N per element where b̂ < b
    assert float(fake_b.grad.mean()) == pytest.approx(-100.0 / fake_b.numel(), rel=1e-5)


@pytest.mark.parametrize("objective,gan,l1", [("l1", False, True), ("cgan", True, False),
                                              ("l1+cgan", True, True)])
def test_each_objective_keeps_only_its_terms(objective, gan, l1):
    a, real_b, fake_b = torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4), -torch.ones(1, 3, 4, 4)
    D = ConstantD(r=0.0, f=0.0)
    t = g_terms(D, a, real_b, fake_b, objective)
    assert (float(t["G_GAN"]) > 0) == gan and (float(t["G_L1"]) > 0) == l1
    assert bool(D.seen) == gan == uses_gan(objective)


def test_unknown_objective_is_refused():
    assert OBJECTIVES == ("l1", "cgan", "l1+cgan")
    with pytest.raises(ValueError, match="l1\\+cgan"):
        g_terms(ConstantD(0, 0), torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4),
                torch.zeros(1, 3, 4, 4), "gan")
