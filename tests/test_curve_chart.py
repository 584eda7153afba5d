"""The shared live-curve chart: bounded series that still span the run, a running mean that
matches its closed form, and the chart's series kinds, log axis, legend and saved state."""
from __future__ import annotations

import math

import numpy as np
import pytest

from playground.curve_chart import MARKERS, MAX_POINTS, PLAIN, Curve, CurveChart, Series


def test_a_long_run_stays_bounded_and_spans_the_first_to_the_last_step():
    s = Series()
    n = 200_000
    for step in range(1, n + 1):
        s.add(step, 1.0 / step)
        assert len(s) <= MAX_POINTS             # bounded at every moment, not only at the end
        assert s.x[-1] == step                  # the latest step is always drawn
    assert MAX_POINTS // 2 <= len(s) <= MAX_POINTS
    assert s.x[0] == 1 and s.x[-1] == n
    assert all(a < b for a, b in zip(s.x, s.x[1:]))
    # thinned evenly: the gaps between kept steps are the stride (the last one may be shorter)
    gaps = np.diff(s.x[:-1])
    assert set(gaps.tolist()) == {float(s.stride)}
    assert s.stride * MAX_POINTS >= n // 2
    # the values stored are the values given at those steps
    np.testing.assert_allclose(s.y, 1.0 / np.asarray(s.x))


def test_the_running_mean_matches_its_closed_form():
    # constant input: the mean is the constant from the first step on
    s = Series(smooth=0.95)
    for step in range(1, 20_001):
        s.add(step, 3.25)
    np.testing.assert_allclose(s.s, 3.25, rtol=0, atol=1e-12)

    # β_k = min(0.95, 1 − 1/k): the first 20 values are plainly averaged, then an EMA, so a
    # step from 0 to 1 at k = 20 reads 1 − 0.95^m m steps later
    s = Series(smooth=0.95)
    values = [float(k % 2) for k in range(1, 21)]            # 1, 0, 1, 0, … : mean ½
    for k, v in enumerate(values, 1):
        s.add(k, v)
        assert s.s[-1] == pytest.approx(np.mean(values[:k]), abs=1e-12)
    s = Series(smooth=0.95)
    for k in range(1, 21):
        s.add(k, 0.0)
    for m in range(1, 200):
        s.add(20 + m, 1.0)
        assert s.last() == pytest.approx(1 - 0.95 ** m, abs=1e-12)


def test_warmup_weights_the_early_values_as_the_diffusion_trainer_did():
    # β_k = min(0.98, 1 − 5/(k + 4)): the first value counts fully, the window grows after
    s = Series(smooth=0.98, warmup=5)
    ema = 0.0
    for k in range(1, 500):
        v = math.sin(k) + 2
        s.add(k, v)
        beta = min(0.98, 1 - 5 / (k + 4))
        ema = beta * ema + (1 - beta) * v
        assert s.last() == pytest.approx(ema, rel=1e-12)


def test_bad_values_are_left_out():
    s = Series(positive=True)
    for step, v in enumerate([1.0, math.nan, math.inf, 0.0, -2.0, 2.0]):
        s.add(step, v)
    assert s.x == [0.0, 5.0] and s.y == [1.0, 2.0]


def test_the_chart_draws_each_kind_and_keeps_its_items_bounded(qtbot):
    c = CurveChart("loss", "loss", {"a": "#1f77b4", "b": Curve("#d62728", kind=PLAIN),
                                    "test": Curve("#2ca02c", kind=MARKERS, line=False)})
    qtbot.addWidget(c)
    for step in range(1, 3 * MAX_POINTS):
        c.add(step, {"a": 2.0, "b": 1.0 / step})
    c.add(3 * MAX_POINTS, {"test": 0.5})
    c.redraw()
    raw, smooth = c.curves["a"]
    x, y = raw.getData()
    assert len(x) == c.point_count("a") <= MAX_POINTS and x[-1] == 3 * MAX_POINTS - 1
    np.testing.assert_allclose(smooth.getData()[1], 2.0)
    assert c.curves["b"][0] is None                         # a plain series has no faint curve
    np.testing.assert_allclose(c.curves["b"][1].getData()[1], 1.0 / c.curves["b"][1].getData()[0])
    assert c.curves["test"][1].getData()[1].tolist() == [0.5]
    assert c.legend_labels() == ["a", "b", "test"]

    state = c.state()
    c.clear_data()
    assert c.point_count("a") == 0 and len(raw.getData()[0] or []) == 0
    c.restore(state)
    assert c.point_count("a") == len(x) and raw.getData()[0][-1] == x[-1]


def test_log_axis_legend_renames_and_hidden_series(qtbot):
    c = CurveChart(None, "loss", {"D": "#1f77b4", "GP": "#7f7f7f"}, log_y=True)
    qtbot.addWidget(c)
    c.add(1, {"D": 0.0, "GP": 1.0})                         # a log axis cannot show 0
    c.add(2, {"D": 0.5})
    assert c.series["D"].y == [0.5]
    c.rename_series("D", "critic")
    c.show_series("GP", False)
    assert c.legend_labels() == ["critic"]
    c.show_series("GP", True)
    assert c.legend_labels() == ["critic", "GP"]


def test_a_steady_chart_widens_its_ranges_in_round_steps(qtbot):
    c = CurveChart("loss", "loss", {"D": "#1f77b4"}, steady_range=True)
    qtbot.addWidget(c)
    c.add(1, {"D": 1.0})
    c.add(8, {"D": 2.0})
    c.redraw()
    (x0, x1), (y0, y1) = c.getViewBox().viewRange()
    assert x0 == 0 and x1 == 10 and y0 < 1 and y1 > 2
    c.add(11, {"D": 1.5})
    c.redraw()
    assert c.getViewBox().viewRange()[0] == [0, 15]         # 1.15 × 11 = 12.65 → the next round number
