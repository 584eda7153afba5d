"""Sampling an autoregressive model a few pixels at a time, for views that show it happening.

`model.sample` and `model.complete` draw every unknown pixel in one call. A RasterSampler
draws them in pieces: each `step(k)` draws the unknown pixels at the next k raster positions,
given every pixel before them. Each step is one `model.complete` call with only that piece
unknown, and complete draws one uniform per raster position that some image needs, in raster
order, from the generator it is given; the sampler hands it the same generator every time. So
any sequence of steps ends with exactly the images that one `model.complete(x, known, seed)`
(or `model.sample(n, seed)`) gives for the same seed, which the tests check.

`fill_job` runs a sampler to the end in growing pieces for a worker thread, yielding a
`Status` with the fraction done after each piece.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..events import Status
from .api import AutoregressiveModel, as_generator


class RasterSampler:
    """N images, the `known` pixels given, the rest drawn in raster order a piece at a time.

    x, known: N×S×S (or one S×S image); known pixels of x must be binary, the others are
    ignored. Without x, n blank images with nothing known: plain sampling."""

    def __init__(self, model: AutoregressiveModel, x=None, known=None, n: int = 1,
                 generator=None):
        s = model.size
        if x is None:
            x = np.zeros((n, s, s), np.float32)
            known = np.zeros((n, s, s), bool) if known is None else known
        a = model._images(x)
        if known is None:
            raise ValueError("known is needed with x: which pixels of x to keep")
        m = model._mask(known, a.shape)
        bad = m & (a != 0) & (a != 1)
        if bad.any():
            raise ValueError(f"the known pixels must be binary (0 or 1): found {a[bad][0]:g}")
        self.model = model
        self.images = np.where(m, a, 0).astype(np.float32)    # undrawn pixels are 0, as in complete
        self.unknown = ~m
        self.position = 0                                     # the next raster index to draw
        self.generator = as_generator(generator, model.device)

    # ---------------------------------------------------------------- state
    @property
    def pixels(self) -> int:
        return self.model.pixels

    @property
    def done(self) -> bool:
        return self.position >= self.pixels

    def pixel(self, index: int) -> tuple[int, int]:
        """Raster index → (row, column)."""
        return divmod(int(index), self.model.size)

    def drawn(self) -> np.ndarray:
        """N×S×S bool: the pixels drawn so far (unknown and before the position)."""
        before = (np.arange(self.pixels) < self.position).reshape(self.model.size, self.model.size)
        return self.unknown & before

    # ---------------------------------------------------------------- drawing
    def step(self, count: int = 1) -> int:
        """Draw the unknown pixels at the next `count` raster positions (fewer at the end);
        returns how many positions it advanced."""
        stop = min(self.pixels, self.position + max(0, int(count)))
        if stop <= self.position:
            return 0
        piece = np.zeros(self.pixels, bool)
        piece[self.position:stop] = True
        todo = self.unknown & piece.reshape(self.model.size, self.model.size)
        if todo.any():
            out = self.model.complete(self.images, ~todo, generator=self.generator)
            self.images = out.astype(np.float32)
        advanced, self.position = stop - self.position, stop
        return advanced

    def finish(self) -> int:
        return self.step(self.pixels - self.position)

    def result(self) -> np.ndarray:
        """N×S×S uint8 {0, 1}: the images as they stand (undrawn pixels 0)."""
        return self.images.astype(np.uint8)

    def prefix_log_prob(self) -> np.ndarray:
        """N float64: log p(x_<i) = Σ_{j<i} log p(x_j | x_<j) in nats, i = the position: the
        exact log-probability of the pixels so far (known ones included), one forward pass.
        At the end it is log p(x)."""
        nll = self.model.pixel_nll(self.images).astype(np.float64)
        n = len(nll)
        return -nll.reshape(n, -1)[:, :self.position].sum(axis=1)


@dataclass(frozen=True)
class FillResult:
    images: np.ndarray        # N×S×S uint8 {0, 1}
    log_probs: np.ndarray     # N log p(x) in nats
    seconds: float            # the drawing's wall time (the scoring pass not included)


def fill_job(sampler: RasterSampler, what: str = "Sampling", piece_s: float = 0.25):
    """Run `sampler` to the end, a piece at a time: one row first, twice as many positions
    while a piece takes under `piece_s` (NADE's sampling pass costs about the same for any
    piece, PixelCNN's grows with it), so a job reports and can be stopped every fraction of a
    second either way. Yields Status events; returns a FillResult."""
    start = time.perf_counter()
    count = sampler.model.size
    yield Status(f"{what}…", 0.0)
    while not sampler.done:
        t = time.perf_counter()
        sampler.step(count)
        if time.perf_counter() - t < piece_s:
            count *= 2
        yield Status(f"{what}: pixel {sampler.position} of {sampler.pixels}",
                     sampler.position / sampler.pixels)
    seconds = time.perf_counter() - start
    images = sampler.result()
    return FillResult(images, sampler.model.log_prob(images), seconds)
