"""Image GANs with a last batch of one image (issue 11 §6): training size ≡ 1 mod the batch
(or mod batch × k_d, or inside the last chunk's D batches) used to end in BatchNorm's
"Expected more than 1 value per channel" after a whole epoch, with no checkpoint."""
from __future__ import annotations

import numpy as np
import pytest

from models.data import Dataset, Split
from models.events import Step
from models.gan.nets import GANConfig
from models.gan.training import GANTrainConfig, GANTrainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _data(n: int) -> Dataset:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n, dtype=np.int64) % 10
    return Dataset("mnist", tuple(str(i) for i in range(10)), Split(images, labels),
                   Split(images[:2], labels[:2]), "synthetic")


@pytest.mark.parametrize("loss,classes,n,batch,k_d", [
    ("non-saturating", 0, 9, 4, 1),      # DCGAN: 4 + 4 + 1
    ("non-saturating", 10, 9, 4, 1),     # cGAN
    ("wgan-gp", 0, 9, 4, 2),             # WGAN-GP: one chunk of 8, then a chunk of 1
    ("wgan-gp", 0, 13, 4, 2),            # chunks 8 and 5: the second's D batches are 4 + 1
])
def test_a_last_batch_of_one_image_trains(loss, classes, n, batch, k_d):
    config = GANConfig(noise_dim=4, g_width=4, d_width=4, num_classes=classes)
    train = GANTrainConfig(loss=loss, epochs=2, batch_size=batch, k_d=k_d, classifier=None,
                           samples_every_s=1e9, health_every_s=1e9, snapshot_every_s=1e9)
    trainer = GANTrainer(config, train, _data(n), "cpu")
    seen = []
    job = trainer.run()
    try:
        while True:
            event = next(job)
            if isinstance(event, Step):
                seen.append(event)
    except StopIteration as stop:
        result = stop.value
    # every image is used once per epoch: the single one joins the batch before it
    per_step = batch * k_d
    steps = -(-n // per_step) - (n % per_step == 1)
    assert result.steps == len(seen) == 2 * steps
    assert result.epochs_done == pytest.approx(2.0)
    assert all(np.isfinite(s.losses["D"]) for s in seen)


def test_chunk_bounds_cover_every_image_once_and_never_leave_one_alone():
    from models.gan.training import chunk_bounds
    for n in range(1, 40):
        for per_step in (1, 2, 3, 4, 8):
            bounds = chunk_bounds(n, per_step)
            assert bounds[0][0] == 0 and bounds[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
            if n > 1 and per_step > 1:
                assert all(e - s >= 2 for s, e in bounds), (n, per_step, bounds)
