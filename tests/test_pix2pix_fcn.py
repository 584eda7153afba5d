"""The FCN-score: confusion matrix and scores against hand-computed values, the segmenter that
judges generated landscapes, and the shape of the benchmark's tables."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from models import CheckpointError
from models.events import EpochEnd, Status, Step
from models.pix2pix.fcn_score import confusion_matrix, fcn_score, scores
from models.pix2pix.landscapes import CLASSES, GRASS, SKY, TREE, LandscapeDataset, class_colours, colourise
from models.pix2pix.segmentation import (Segmenter, class_weights, encode_photos, load_segmenter,
                                         train_segmenter)

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- confusion matrix

def test_confusion_matrix_counts_truth_rows_and_prediction_columns():
    truth = np.array([[0, 0, 0], [1, 1, 2]])
    pred = np.array([[0, 0, 1], [1, 2, 2]])
    c = confusion_matrix(pred, truth, 4)
    assert c.dtype == np.int64 and c.shape == (4, 4)
    np.testing.assert_array_equal(c, [[2, 1, 0, 0],
                                      [0, 1, 1, 0],
                                      [0, 0, 1, 0],
                                      [0, 0, 0, 0]])


def test_confusion_matrix_matches_a_pixel_by_pixel_count():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, (3, 7, 9)).astype(np.uint8)
    pred = rng.integers(0, 5, (3, 7, 9))
    expected = np.zeros((5, 5), np.int64)
    for t, p in zip(truth.ravel(), pred.ravel()):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(pred, truth, 5), expected)


@pytest.mark.parametrize("pred, truth, match", [
    (np.zeros((2, 3), int), np.zeros((3, 2), int), "shape"),
    (np.array([0, 3]), np.array([0, 1]), "outside 0..2"),
    (np.array([0, 1]), np.array([-1, 1]), "outside 0..2"),
    (np.array([0.0, 1.0]), np.array([0, 1]), "integer"),
])
def test_confusion_matrix_refuses_bad_input(pred, truth, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(pred, truth, 3)


# --------------------------------------------------------------------------- scores

def test_scores_closed_form_with_an_absent_class():
    # truth 0 0 0 1 1 2, prediction 0 0 1 1 2 2; class 3 appears in neither
    s = scores(confusion_matrix(np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 0, 1, 1, 2]), 4))
    assert s["per_pixel_acc"] == pytest.approx(4 / 6)
    assert s["per_class_acc"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)      # 13/18, not /4
    assert s["class_iou"] == pytest.approx((2 / 3 + 1 / 3 + 1 / 2) / 3)      # 0.5
    assert s["present_classes"] == [0, 1, 2]
    assert np.isnan(s["class_acc"][3]) and np.isnan(s["class_iou_each"][3])


def test_a_class_only_predicted_counts_in_iou_not_in_accuracy():
    s = scores(confusion_matrix(np.array([0, 2, 1, 1]), np.array([0, 0, 1, 1]), 3))
    assert s["per_class_acc"] == pytest.approx((1 / 2 + 1) / 2)
    assert s["class_iou"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert s["present_classes"] == [0, 1, 2]


def test_a_perfect_prediction_scores_one():
    truth = LandscapeDataset(2, 32, seed=7).batch(range(2))[0]     # no mountains or snow
    s = scores(confusion_matrix(truth, truth, len(CLASSES)))
    assert s["per_pixel_acc"] == s["per_class_acc"] == s["class_iou"] == 1.0
    assert s["present_classes"] == sorted(np.unique(truth).tolist())
    assert 2 <= len(s["present_classes"]) < len(CLASSES)   # some absent classes were left out


def test_a_constant_prediction():
    truth = np.array([0, 0, 0, 0, 2, 2, 5, 5, 5, 5])      # three classes present out of six
    s = scores(confusion_matrix(np.full_like(truth, 5), truth, 6))
    assert s["per_class_acc"] == pytest.approx(1 / 3)
    assert s["per_pixel_acc"] == pytest.approx(4 / 10)
    assert s["class_iou"] == pytest.approx((4 / 10) / 3)


def test_scores_of_nothing_are_nan_and_bad_matrices_are_refused():
    s = scores(np.zeros((3, 3), np.int64))
    assert np.isnan(s["per_pixel_acc"]) and np.isnan(s["class_iou"]) and s["present_classes"] == []
    with pytest.raises(ValueError, match="square"):
        scores(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="negative"):
        scores(np.array([[1, -1], [0, 1]]))


# --------------------------------------------------------------------------- fcn_score

class ColourLookup:
    """A fake segmenter: the class whose flat colour a pixel has (colourise's palette)."""
    num_classes = len(CLASSES)

    def __init__(self, swap: dict[int, int] | None = None):
        self.swap = swap or {}

    def predict(self, images):
        codes = images.astype(np.int64) @ np.array([1, 256, 65536])
        palette = class_colours().astype(np.int64) @ np.array([1, 256, 65536])
        out = np.argmax(codes[..., None] == palette, axis=-1).astype(np.uint8)
        for a, b in self.swap.items():
            out[out == a] = b
        return out


def test_fcn_score_with_a_fake_segmenter():
    maps = LandscapeDataset(4, 32, seed=11).batch(range(4))[0]
    images = np.stack([colourise(m) for m in maps])
    perfect = fcn_score(ColourLookup(), images, maps)
    assert perfect["per_pixel_acc"] == perfect["per_class_acc"] == perfect["class_iou"] == 1.0
    assert perfect["n"] == 4 and perfect["confusion"].sum() == maps.size

    # every tree pixel labelled grass: grass's IoU shrinks, tree's recall and IoU are 0
    assert (maps == TREE).any() and (maps == GRASS).any()
    s = fcn_score(ColourLookup({TREE: GRASS}), images, maps)
    n_tree, n_grass = (maps == TREE).sum(), (maps == GRASS).sum()
    present = len(np.unique(maps))
    assert s["per_pixel_acc"] == pytest.approx(1 - n_tree / maps.size)
    assert s["per_class_acc"] == pytest.approx((present - 1) / present)
    assert s["class_iou"] == pytest.approx((present - 2 + n_grass / (n_grass + n_tree)) / present)


def test_fcn_score_refuses_mismatched_images_and_maps():
    maps = np.zeros((2, 8, 8), np.uint8)
    with pytest.raises(ValueError, match="same N"):
        fcn_score(ColourLookup(), np.zeros((3, 8, 8, 3), np.uint8), maps)


# --------------------------------------------------------------------------- the segmenter

def test_encode_photos_checks_its_input():
    x = encode_photos(np.full((1, 8, 8, 3), 255, np.uint8))
    assert x.shape == (1, 3, 8, 8) and float(x.min()) == 1.0
    for bad in (np.zeros((8, 8, 3), np.uint8), np.zeros((1, 8, 8, 3), np.float32),
                np.zeros((1, 10, 8, 3), np.uint8)):
        with pytest.raises(ValueError):
            encode_photos(bad)


def test_class_weights_favour_rare_classes():
    # frequencies 0.64, 0.32, 0.04 and an absent class: median 0.32
    maps = np.repeat([0, 1, 2], [16, 8, 1])
    w = class_weights(maps, 4).numpy()
    np.testing.assert_allclose(w, [np.sqrt(0.5), 1.0, np.sqrt(8.0), 1.0], rtol=1e-6)
    assert class_weights(np.repeat([0, 1], [10_000, 1]), 2).numpy()[1] == 4.0     # clipped


def test_a_tiny_segmenter_learns_and_round_trips(one_torch_thread, tmp_path):
    job = train_segmenter(size=32, pairs=48, epochs=4, batch_size=8, lr=1e-2, width=8, val=8, seed=3)
    events = []
    while True:
        try:
            events.append(next(job))
        except StopIteration as done:
            seg = done.value
            break
    assert isinstance(events[0], Status)
    steps = [e for e in events if isinstance(e, Step)]
    ends = [e for e in events if isinstance(e, EpochEnd)]
    assert len(steps) == steps[-1].total_steps == 24 and len(ends) == 4
    losses = [s.losses["loss"] for s in steps]
    assert np.mean(losses[-4:]) < 0.7 * np.mean(losses[:4])
    assert 0.0 <= ends[-1].test_losses["accuracy"] <= 1.0

    maps, photos = LandscapeDataset(6, 32, seed=500).batch(range(6))
    pred = seg.predict(photos)
    assert pred.shape == maps.shape and pred.dtype == np.uint8
    assert (pred == SKY).any()
    s = fcn_score(seg, photos, maps)
    assert s["per_pixel_acc"] == pytest.approx(seg.pixel_accuracy(photos, maps))
    majority = np.bincount(maps.ravel()).max() / maps.size
    assert s["per_pixel_acc"] > majority + 0.1      # better than painting everything sky

    seg.save(tmp_path / "seg")
    again = load_segmenter(tmp_path / "seg")
    np.testing.assert_array_equal(again.predict(photos), pred)
    assert again.meta["training"]["pairs"] == 48 and again.config.width == 8


def test_load_segmenter_refuses_other_checkpoints(tmp_path):
    from models.checkpoint import save_checkpoint
    save_checkpoint(tmp_path / "other", {"w": np.zeros(2, np.float32)}, {"family": "gan", "config": {}})
    with pytest.raises(CheckpointError, match="not a segmenter"):
        load_segmenter(tmp_path / "other")
    with pytest.raises(ValueError):
        Segmenter().predict(np.zeros((2, 8, 8), np.uint8))


# --------------------------------------------------------------------------- benchmark tables

@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        yield importlib.import_module("pix2pix_fcn")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_benchmark_tables_have_the_papers_shape(bench):
    def r(x):
        return {"per_pixel_acc": x, "per_class_acc": x / 2, "class_iou": x / 4}
    results = {"l1": r(0.42), "cgan": r(0.57), "l1+cgan": r(0.66), "patch1": r(0.39),
               "patch16": None, bench.TRUTH: r(0.8)}
    t1, t2 = bench.build_tables(results)
    cols = ("Per-pixel acc.", "Per-class acc.", "Class IOU")
    assert t1["header"] == "Loss" and t1["columns"] == cols == t2["columns"]
    assert [label for label, _ in t1["rows"]] == ["L1", "cGAN", "L1+cGAN", "Ground truth"]
    assert t2["header"] == "Discriminator receptive field"
    assert [label for label, _ in t2["rows"]] == ["1×1", "16×16", "70×70", "Ground truth"]
    assert dict(t1["rows"])["cGAN"] == (0.57, 0.285, 0.1425)
    assert dict(t2["rows"])["70×70"] == dict(t1["rows"])["L1+cGAN"]     # one shared model
    assert dict(t2["rows"])["16×16"] == (None, None, None)
    with_286 = bench.build_tables(results, with_286=True)[1]
    assert [label for label, _ in with_286["rows"]][-2:] == ["286×286", "Ground truth"]

    md = bench.markdown(t1).splitlines()
    assert md[2] == "| Loss | Per-pixel acc. | Per-class acc. | Class IOU |"
    assert "| L1 | 0.420 | 0.210 | 0.105 |" in md and "| Ground truth | 0.800 | 0.400 | 0.200 |" in md
    assert "| 16×16 | – | – | – |" in bench.markdown(t2)


def test_gradient_energy_sees_blur_and_is_zero_on_flat_images(bench):
    rng = np.random.default_rng(0)
    sharp = rng.integers(0, 256, (2, 16, 16, 3)).astype(np.uint8)
    flat = np.full_like(sharp, 77)
    assert bench.gradient_energy(flat) == 0.0
    # a 2×2 box blur averages neighbours, so differences shrink
    f = sharp.astype(np.float32)
    blurred = (f[:, :-1, :-1] + f[:, 1:, :-1] + f[:, :-1, 1:] + f[:, 1:, 1:]) / 4
    assert bench.gradient_energy(blurred) < 0.7 * bench.gradient_energy(sharp[:, :-1, :-1])
    # one vertical step edge of height 10 in a 4-pixel-wide image: 10 over 3 gaps, averaged
    # with zero vertical differences
    edge = np.zeros((1, 4, 4, 1), np.float32)
    edge[:, :, 2:] = 10
    assert bench.gradient_energy(edge) == pytest.approx((10 / 3 + 0) / 2)
