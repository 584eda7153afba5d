"""The GAN diagnostics: closed forms, and the monitor on synthetic training traces."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.gan.diagnostics import (REMEDIES, Diagnosis, Monitor, binary_entropy,
                                    class_histogram, classes_covered, d_loss_floor,
                                    diversity_ratio, mean_pairwise_distance, normalised_entropy,
                                    remedy)
from models.gan.losses import LabelTricks, d_loss, d_targets

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def H(p: float) -> float:
    """Binary entropy in nats, by hand."""
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def feed_d(monitor: Monitor, trace, start: int = 0) -> list[Diagnosis]:
    events = []
    for i, value in enumerate(trace):
        events += monitor.add_d_loss(start + i, float(value))
    return events


def healthy_trace(n: int, seed: int = 0, centre: float = 1.3) -> np.ndarray:
    """D's BCE loss near the game's equilibrium 2 log 2 ≈ 1.39, with step-to-step noise."""
    rng = np.random.default_rng(seed)
    return np.clip(centre + 0.04 * rng.standard_normal(n), centre - 0.1, centre + 0.1)


# --- closed forms ------------------------------------------------------------------------

def test_binary_entropy_closed_forms():
    assert binary_entropy(0.5) == pytest.approx(math.log(2))
    assert binary_entropy(0.9) == pytest.approx(0.325083, abs=1e-6)
    assert binary_entropy(0.1) == pytest.approx(binary_entropy(0.9))
    assert binary_entropy(0.25) == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    assert binary_entropy(0.0) == 0.0 and binary_entropy(1.0) == 0.0


def test_d_loss_floor_is_zero_without_tricks():
    assert d_loss_floor() == 0.0
    assert d_loss_floor(LabelTricks()) == 0.0


@pytest.mark.parametrize("tricks, real_mean, fake_mean", [
    (LabelTricks(smoothing=0.1), 0.9, 0.0),                     # H(0.9) ≈ 0.3251 nats
    (LabelTricks(noise=0.2), 0.9, 0.1),                         # targets 1 − U(0, .2) and U(0, .2)
    (LabelTricks(flip=0.1), 0.9, 0.1),                          # 10 % of each side flipped
    (LabelTricks(smoothing=0.1, flip=0.2), 0.9 * 0.8 + 0.1 * 0.2, 0.2),
    (LabelTricks(smoothing=0.1, noise=0.1, flip=0.1),
     0.85 * 0.9 + 0.15 * 0.1, 0.05 * 0.9 + 0.95 * 0.1),
])
def test_d_loss_floor_is_the_entropy_of_the_mean_targets(tricks, real_mean, fake_mean):
    expected = H(real_mean) + (H(fake_mean) if fake_mean else 0.0)
    assert d_loss_floor(tricks) == pytest.approx(expected, rel=1e-9)
    if tricks == LabelTricks(smoothing=0.1):
        assert expected == pytest.approx(0.3251, abs=1e-4)


def test_d_loss_floor_is_the_least_loss_a_d_blind_to_the_label_noise_reaches():
    # The best D outputs the mean target on each side; its loss on sampled targets is the floor,
    # and any other constant output does worse.
    tricks = LabelTricks(smoothing=0.1, noise=0.1, flip=0.1)
    real_t, fake_t = d_targets(200_000, tricks, torch.Generator().manual_seed(0))
    real_t, fake_t = real_t.double(), fake_t.double()
    p_r, p_f = float(real_t.mean()), float(fake_t.mean())

    def loss_at(pr: float, pf: float) -> float:
        lr = torch.full_like(real_t, math.log(pr / (1 - pr)))
        lf = torch.full_like(fake_t, math.log(pf / (1 - pf)))
        return float(d_loss(lr, lf, "non-saturating", real_t, fake_t))

    best = loss_at(p_r, p_f)
    # the sampled means are within ~1e-3 of 0.78 and 0.14, which moves H by < 0.005
    assert best == pytest.approx(d_loss_floor(tricks), abs=0.01)
    assert loss_at(p_r + 0.05, p_f) > best and loss_at(p_r, p_f + 0.05) > best


def test_mean_pairwise_distance_of_a_3_4_5_triangle():
    points = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    assert mean_pairwise_distance(points) == pytest.approx(4.0)          # (3 + 4 + 5)/3
    far = np.vstack([points, [[100.0, 100.0]]])
    assert mean_pairwise_distance(far, max_points=3) == pytest.approx(4.0)
    assert mean_pairwise_distance(points[:1]) == 0.0


def test_mean_pairwise_distance_flattens_images():
    images = np.stack([np.zeros((2, 2)), np.ones((2, 2))])        # ‖1 − 0‖ over 4 pixels = 2
    assert mean_pairwise_distance(images) == pytest.approx(2.0)


def test_diversity_ratio():
    rng = np.random.default_rng(0)
    real = rng.random((200, 28, 28))
    assert diversity_ratio(real.copy(), real) == pytest.approx(1.0)
    assert diversity_ratio(0.5 * real, real) == pytest.approx(0.5)
    collapsed = np.repeat(real[:1], 200, axis=0)
    assert diversity_ratio(collapsed, real) == pytest.approx(0.0, abs=1e-6)


def test_identical_rows_are_exactly_zero_apart_so_no_real_spread_gives_nan():
    real = np.random.default_rng(0).random((200, 28, 28))
    collapsed = np.repeat(real[:1], 200, axis=0)
    assert mean_pairwise_distance(collapsed) == 0.0
    assert math.isnan(diversity_ratio(real, collapsed))


def test_class_histogram():
    hist = class_histogram(np.array([0, 0, 1, 3]), 4)
    assert hist.tolist() == pytest.approx([0.5, 0.25, 0.0, 0.25])
    assert class_histogram(np.array([2, 2]), 3).tolist() == pytest.approx([0.0, 0.0, 1.0])
    assert class_histogram(np.array([], dtype=np.int64), 3).tolist() == [0.0, 0.0, 0.0]


def test_normalised_entropy():
    assert normalised_entropy(np.full(10, 0.1)) == pytest.approx(1.0)
    assert normalised_entropy(np.eye(10)[3]) == pytest.approx(0.0, abs=1e-12)
    two = np.array([0.5, 0.5] + [0.0] * 8)
    assert normalised_entropy(two) == pytest.approx(math.log(2) / math.log(10))
    assert normalised_entropy(np.array([2.0, 2.0, 0.0])) == pytest.approx(math.log(2) / math.log(3))


def test_classes_covered():
    assert classes_covered(np.full(10, 0.1)) == 10
    assert classes_covered(np.eye(10)[3]) == 1
    assert classes_covered(np.array([0.5, 0.5] + [0.0] * 8)) == 2
    # the default share is a quarter of a fair one: 0.025 of 10 classes
    hist = np.array([0.03, 0.02] + [0.95 / 8] * 8)
    assert classes_covered(hist) == 9
    assert classes_covered(hist, min_share=0.1) == 8


# --- D overpowering G --------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["minimax", "non-saturating"])
def test_a_healthy_bce_trace_never_fires(loss):
    monitor = Monitor(loss)
    assert feed_d(monitor, healthy_trace(1000)) == []
    assert monitor.active == {}


def test_brief_dips_to_zero_are_not_sustained_enough():
    trace = healthy_trace(600)
    trace[100:160] = 0.01                                          # 60 steps < the window of 100
    trace[300:350] = 0.01
    assert feed_d(Monitor("non-saturating", window=100), trace) == []


@pytest.mark.parametrize("loss", ["minimax", "non-saturating"])
def test_an_overpowered_trace_fires_once_when_the_window_is_full_and_clears_on_recovery(loss):
    monitor = Monitor(loss, window=100)
    assert feed_d(monitor, healthy_trace(300)) == []
    assert feed_d(monitor, [0.01] * 99, start=300) == []           # the window is not yet full
    events = feed_d(monitor, [0.01] * 400, start=399)              # and stays there a long time
    assert len(events) == 1
    fired = events[0]
    assert (fired.kind, fired.active, fired.step) == ("overpowered", True, 399)
    assert fired.evidence and monitor.active == {"overpowered": fired}

    events = feed_d(monitor, healthy_trace(300, seed=1), start=799)
    assert len(events) == 1
    cleared = events[0]
    assert (cleared.kind, cleared.active) == ("overpowered", False)
    assert 799 < cleared.step < 899                                # within one window of recovery
    assert monitor.active == {}

    # a second bout fires again
    again = feed_d(monitor, [0.005] * 150, start=1099)
    assert [(e.kind, e.active) for e in again] == [("overpowered", True)]


def test_with_smoothing_the_floor_moves_and_a_trace_near_it_fires():
    tricks = LabelTricks(smoothing=0.1)
    floor = d_loss_floor(tricks)
    smoothed = Monitor("non-saturating", tricks, window=100)
    assert feed_d(smoothed, healthy_trace(500)) == []
    events = feed_d(smoothed, [floor + 0.01] * 200, start=500)
    assert [(e.kind, e.active, e.step) for e in events] == [("overpowered", True, 599)]
    # without the floor, the same trace is 0.33 above 0 and says nothing
    assert feed_d(Monitor("non-saturating", window=100), [floor + 0.01] * 200) == []
    # nor does a smoothed D well above its floor
    assert feed_d(Monitor("non-saturating", tricks, window=100), [floor + 0.3] * 200) == []


def test_the_wasserstein_critic_is_never_called_overpowered():
    monitor = Monitor("wgan-gp", window=100)
    assert feed_d(monitor, [0.01] * 300 + [-5.0] * 300 + [0.0] * 300) == []
    assert monitor.active == {}


def test_non_finite_d_losses_are_skipped():
    monitor = Monitor("non-saturating", window=10)
    trace = [0.01] * 5 + [math.nan, math.inf] + [0.01] * 5
    events = feed_d(monitor, trace)
    assert [(e.active, e.step) for e in events] == [(True, 11)]   # the 10th finite value


# --- mode collapse -----------------------------------------------------------------------

def feed_health(monitor: Monitor, steps, diversity=None, entropy=None) -> list[Diagnosis]:
    events = []
    for i, step in enumerate(steps):
        div = diversity[i] if isinstance(diversity, (list, np.ndarray)) else diversity
        ent = entropy[i] if isinstance(entropy, (list, np.ndarray)) else entropy
        events += monitor.add_health(step, div, ent)
    return events


def test_healthy_diversity_and_entropy_stay_quiet():
    rng = np.random.default_rng(0)
    steps = range(0, 5000, 10)
    div = 0.95 + 0.03 * rng.standard_normal(len(steps))
    ent = 0.95 + 0.02 * rng.standard_normal(len(steps))
    monitor = Monitor(warmup=200)
    assert feed_health(monitor, steps, div, ent) == []
    assert monitor.active == {}


def test_collapse_fires_once_after_warmup_and_not_before():
    monitor = Monitor(warmup=200)
    # a random G is not diverse yet: quiet during warm-up
    assert feed_health(monitor, range(0, 200, 10), diversity=0.1) == []
    assert feed_health(monitor, range(200, 500, 10), diversity=0.95) == []
    events = feed_health(monitor, range(500, 1000, 10), diversity=0.1)
    assert len(events) == 1
    event = events[0]
    assert (event.kind, event.active, event.step) == ("collapse", True, 500)
    assert "0.10" in event.evidence
    assert set(monitor.active) == {"collapse"}


def test_collapse_at_the_first_step_after_warmup():
    monitor = Monitor(warmup=200)
    events = feed_health(monitor, range(0, 300, 10), diversity=0.1)
    assert [(e.kind, e.active, e.step) for e in events] == [("collapse", True, 200)]


@pytest.mark.parametrize("diversity", [None, 0.9])
def test_a_collapsing_class_histogram_alone_fires(diversity):
    monitor = Monitor(warmup=0)
    events = feed_health(monitor, range(0, 100, 10), diversity=diversity, entropy=0.3)
    assert [(e.kind, e.active, e.step) for e in events] == [("collapse", True, 0)]
    assert "entropy" in events[0].evidence


def test_collapse_has_hysteresis_and_clears_once_diverse_again():
    monitor = Monitor(warmup=0, diversity=0.4, hysteresis=0.1)
    # approaching the threshold from above: one event at the first dip below it
    wobble = [0.42, 0.38] * 25
    events = feed_health(monitor, range(len(wobble)), diversity=wobble)
    assert [(e.active, e.step) for e in events] == [(True, 1)]
    # still wobbling around 0.4 ± 0.02: no toggling
    assert feed_health(monitor, range(50, 100), diversity=wobble) == []
    assert feed_health(monitor, range(100, 110), diversity=0.45) == []    # below 0.4 + 0.1
    events = feed_health(monitor, range(110, 120), diversity=0.6)
    assert [(e.kind, e.active, e.step) for e in events] == [("collapse", False, 110)]
    assert monitor.active == {}


def test_a_diversity_collapse_clears_when_no_classifier_measures_entropy():
    # GANTrainer._health passes entropy = NaN when it has no classifier
    monitor = Monitor(warmup=0)
    fired = feed_health(monitor, range(0, 50, 10), diversity=0.1, entropy=math.nan)
    assert [(e.kind, e.active) for e in fired] == [("collapse", True)]
    cleared = feed_health(monitor, range(50, 100, 10), diversity=0.95, entropy=math.nan)
    assert [(e.kind, e.active, e.step) for e in cleared] == [("collapse", False, 50)]


# --- the remedies, and reset -------------------------------------------------------------

def test_each_diagnosis_has_its_own_title_and_remedy():
    over = Diagnosis("overpowered", True, 10, "evidence")
    collapse = Diagnosis("collapse", True, 10, "evidence")
    assert set(REMEDIES) == {"overpowered", "collapse"}
    for d in (over, collapse):
        assert len(d.title) > 5 and len(d.remedy) > 80
    assert over.title != collapse.title and over.remedy != collapse.remedy
    assert "label smoothing" in over.remedy and "learning rate" in over.remedy
    assert "Wasserstein" in collapse.remedy and "conditional" not in collapse.remedy


def test_only_views_with_labels_suggest_a_conditional_gan_for_collapse():
    """The 2-D lab's points have no labels: its banner told users to condition on them."""
    plain, labelled = remedy("collapse"), remedy("collapse", labelled=True)
    assert plain == REMEDIES["collapse"] and "conditional" not in plain
    assert "conditional GAN" in labelled
    # the suggestion joins the remedies, before the caveat about the weakening tricks
    assert (labelled.index("batch size") < labelled.index("conditional")
            < labelled.index("smoothing"))
    assert remedy("overpowered", labelled=True) == REMEDIES["overpowered"]


def test_collapse_remedy_strengthens_D_and_does_not_prescribe_the_weakening_tricks():
    """Smoothing, noisy labels, flips and D dropout weaken D: remedies for the other failure."""
    text = REMEDIES["collapse"]
    for remedy in ("strengthen D", "Wasserstein", "lower both learning rates", "batch size"):
        assert remedy in text
    # the weakening tricks appear only in the sentence that says they are not for collapse
    sentences = [s for s in text.split(". ") if "smoothing" in s or "dropout" in s]
    assert len(sentences) == 1 and "weaken D" in sentences[0] and "not a collapse" in sentences[0]
    assert "label smoothing" in REMEDIES["overpowered"] and "dropout" in REMEDIES["overpowered"]


def test_reset_clears_the_window_and_the_active_conditions():
    monitor = Monitor("non-saturating", window=50, warmup=0)
    feed_d(monitor, [0.01] * 60)
    monitor.add_health(0, diversity=0.1)
    assert set(monitor.active) == {"overpowered", "collapse"}

    monitor.reset()
    assert monitor.active == {}
    assert feed_d(monitor, [0.01] * 49) == []                      # the window restarted
    assert len(feed_d(monitor, [0.01], start=49)) == 1

    monitor.reset(loss="wgan-gp")
    assert feed_d(monitor, [0.01] * 200) == []

    tricks = LabelTricks(smoothing=0.1)
    monitor.reset(loss="minimax", tricks=tricks)
    assert monitor.floor == pytest.approx(d_loss_floor(tricks))
    assert len(feed_d(monitor, [d_loss_floor(tricks) + 0.01] * 50)) == 1
