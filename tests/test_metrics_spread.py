"""within_class_spread: the diversity figure of the guidance grid and its benchmark."""
from __future__ import annotations

import numpy as np
import pytest

from models.metrics import within_class_spread


def test_closed_form_for_two_points_per_class():
    # class 0: distance 5 (3-4-5); class 1: distance 1 → mean 3
    x = np.array([[0, 0], [3, 4], [10, 10], [10, 11]], float)
    assert within_class_spread(x, [0, 0, 1, 1]) == pytest.approx(3.0)


def test_spread_across_classes_does_not_count():
    """The guidance defect: samples of different classes look 'diverse' to a row-wide spread.

    Ten classes, each with near-identical samples: moving the classes further apart
    (as guidance makes digits more distinct) must not raise the measure, while the old
    row-wide per-pixel standard deviation rises with it.
    """
    rng = np.random.default_rng(0)
    labels = np.tile(np.arange(10), 4)
    jitter = rng.normal(0, 0.01, (40, 784))
    centres = rng.normal(0, 1, (10, 784))
    near = centres[labels] * 0.1 + jitter
    far = centres[labels] * 1.0 + jitter
    assert within_class_spread(far, labels) == pytest.approx(within_class_spread(near, labels))
    assert far.std(axis=0).mean() > 5 * near.std(axis=0).mean()    # what the old figure did
    # and it does fall when each class's samples grow more alike
    assert within_class_spread(centres[labels] + jitter * 0.1, labels) < \
        within_class_spread(near, labels)


def test_images_are_flattened_and_singletons_skipped():
    imgs = np.zeros((3, 28, 28))
    imgs[1, 0, 0] = 2.0
    assert within_class_spread(imgs, [7, 7, 3]) == pytest.approx(2.0)
    assert np.isnan(within_class_spread(imgs, [0, 1, 2]))
    with pytest.raises(ValueError, match="labels"):
        within_class_spread(imgs, [0, 1])
