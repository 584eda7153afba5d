"""RasterSampler: drawing a few pixels at a time ends exactly where one call of the model's
sample / complete does for the same seed, and its running log p is the exact marginal."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from models.likelihood.api import NADEModel, PixelCNNModel
from models.likelihood.nade import NADEConfig
from models.likelihood.pixelcnn import PixelCNNConfig
from models.likelihood.stepwise import FillResult, RasterSampler, fill_job


def _nade(size=6, seed=0):
    torch.manual_seed(seed)
    m = NADEModel(NADEConfig(size=size, hidden=8))
    with torch.no_grad():      # weights large enough that the conditionals differ a lot
        for p in m.module.parameters():
            p.normal_(0, 1.5)
    return m


def _pixelcnn(size=6, seed=0):
    torch.manual_seed(seed)
    return PixelCNNModel(PixelCNNConfig(size=size, channels=8, layers=2))


MODELS = {"nade": _nade, "pixelcnn": _pixelcnn}


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    pass


@pytest.mark.parametrize("family", MODELS)
def test_steps_of_any_size_end_at_model_sample(family):
    model = MODELS[family]()
    sampler = RasterSampler(model, n=3, generator=11)
    for k in itertools.cycle([1, 5, 0, 7, 2, 13]):
        if sampler.done:
            break
        before = sampler.position
        assert sampler.step(k) == min(k, model.pixels - before)
        assert sampler.position == before + min(k, model.pixels - before)
    expected = model.sample(3, generator=11)
    assert np.array_equal(sampler.result(), expected)
    assert sampler.step(4) == 0          # nothing left to draw
    # a different seed draws something else (the check above can fail)
    assert not np.array_equal(model.sample(3, generator=12), expected)


@pytest.mark.parametrize("family", MODELS)
def test_completion_in_pieces_is_model_complete_and_keeps_known_pixels(family):
    model = MODELS[family]()
    rng = np.random.default_rng(0)
    x = (rng.random((4, 6, 6)) < 0.5).astype(np.float32)
    known = np.ones((6, 6), bool)
    known[3:, :] = False                  # bottom half hidden
    known[1, 4] = False                   # and one pixel above it
    sampler = RasterSampler(model, x, np.broadcast_to(known, x.shape), generator=5)
    while not sampler.done:
        sampler.step(4)
    out = sampler.result()
    assert np.array_equal(out, model.complete(x, known, generator=5))
    assert np.array_equal(out[:, known], x[:, known])


def test_step_draws_only_the_positions_it_covers():
    model = _nade()
    sampler = RasterSampler(model, n=2, generator=3)
    sampler.step(8)
    drawn = sampler.drawn()
    assert drawn.reshape(2, -1)[:, :8].all() and not drawn.reshape(2, -1)[:, 8:].any()
    assert not sampler.result().reshape(2, -1)[:, 8:].any()     # undrawn pixels stay 0
    assert sampler.pixel(8) == (1, 2)


def _brute_marginal(model, prefix: np.ndarray) -> float:
    """log Σ over every value of the pixels after the prefix of p(x): the marginal p(x_<i)."""
    n, i = model.pixels, len(prefix)
    values = list(itertools.product([0, 1], repeat=n - i))
    rest = np.array(values, np.float32).reshape(len(values), n - i)
    full = np.concatenate([np.broadcast_to(prefix, (len(rest), i)), rest], axis=1)
    s = model.size
    logp = model.log_prob(full.reshape(-1, s, s))
    return float(np.logaddexp.reduce(logp))


@pytest.mark.parametrize("family", MODELS)
def test_prefix_log_prob_is_the_marginal_of_the_pixels_so_far(family):
    model = MODELS[family](size=3)            # 9 pixels: 512 images to sum over
    sampler = RasterSampler(model, n=1, generator=2)
    assert sampler.prefix_log_prob()[0] == 0.0          # nothing drawn: log 1
    for k in (1, 3, 4, 1):
        sampler.step(k)
        prefix = sampler.result().reshape(-1)[:sampler.position].astype(np.float32)
        assert sampler.prefix_log_prob()[0] == pytest.approx(_brute_marginal(model, prefix),
                                                             abs=1e-4)
    assert sampler.done
    assert sampler.prefix_log_prob()[0] == pytest.approx(model.log_prob(sampler.result())[0],
                                                         abs=1e-9)
    assert math.isclose(np.exp(_brute_marginal(model, np.zeros(0, np.float32))), 1, rel_tol=1e-5)


@pytest.mark.parametrize("family", MODELS)
def test_fill_job_reports_progress_and_returns_model_sample(family):
    model = MODELS[family](size=5)
    job = fill_job(RasterSampler(model, n=2, generator=9), "Sampling", piece_s=10.0)
    statuses = []
    try:
        while True:
            statuses.append(next(job))
    except StopIteration as stop:
        result = stop.value
    assert isinstance(result, FillResult)
    assert np.array_equal(result.images, model.sample(2, generator=9))
    assert np.allclose(result.log_probs, model.log_prob(result.images))
    fractions = [s.fraction for s in statuses]
    assert fractions[0] == 0 and fractions[-1] == 1 and fractions == sorted(fractions)
    # pieces double while fast: 5, 10, 20 positions, then the last 25 − 35 < 0 ones
    assert len(statuses) == 1 + 3
    assert result.seconds >= 0


def test_bad_input_is_refused_with_a_reason():
    model = _nade()
    x = np.zeros((1, 6, 6), np.float32)
    with pytest.raises(ValueError, match="known"):
        RasterSampler(model, x)
    x[0, 0, 0] = 0.5
    with pytest.raises(ValueError, match="binary"):
        RasterSampler(model, x, np.ones((1, 6, 6), bool))
    # a grey pixel where it is unknown is ignored, as complete ignores it
    sampler = RasterSampler(model, x, np.zeros((1, 6, 6), bool), generator=0)
    assert sampler.images[0, 0, 0] == 0
    with pytest.raises(ValueError, match="6×6"):
        RasterSampler(model, np.zeros((1, 5, 5)), np.ones((1, 5, 5), bool))
