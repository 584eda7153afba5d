"""The Translate view's inputs, made ready for one model and one direction (no Qt here).

An input is either a held-out example (an index into the pairs of the model's domains) or a
picture (opened from a file, or handed over by another panel). The same input is re-made for
every model and direction the user switches to:

* landscapes: held-out pair i of UnpairedLandscapes (both styles of one map no training image
  used), at the model's size; the other style is the "truth";
* digits: digit i of the first N_DIGITS held-out MNIST digits in assets/datasets/mnist-sample,
  as it is (A) and textured (B, MNIST-M's rule, texture seed DIGIT_SEED); the other form is
  the truth;
* a picture, by the folder rule of models/translation/domains.square_rgb (RGB, transparency on
  white, the largest centred square, bicubic resize to the model's side), then grey (PIL's
  luma, L = 0.299 R + 0.587 G + 0.114 B) where the model's input side is grey (UNIT's MNIST).

Rendering a landscape pair or texturing the digits takes from a tenth of a second to seconds,
so `prepare` runs on the view's worker thread, never on the GUI thread.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.translation.domains import MAX_SIDE, square_rgb

from .translate_source import DIGITS, LANDSCAPES, data_kind, grey_side, model_size

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "assets" / "datasets" / "mnist-sample"
N_DIGITS = 500          # held-out digits used as examples and in the latent plot
DIGIT_SEED = 1          # the texture seed of held-out digits (DigitDomains' previews use seed + 1)
LANDSCAPE_PAIRS = 10_000   # random examples are drawn from the first this many held-out pairs
GREY_RULE = "grey by luma, L = 0.299 R + 0.587 G + 0.114 B"
SQUARE_RULE = ("made RGB (transparency laid on white), the largest centred square cut out "
               "and resized bicubically to the model's side")


class InputError(ValueError):
    """The input cannot be made for this model; the message says why and what to do."""


@dataclass(frozen=True)
class HeldDigits:
    grey: np.ndarray        # N×28×28 uint8
    textured: np.ndarray    # N×28×28×3 uint8, the same digits
    labels: np.ndarray      # N int64
    source: str


_digits: HeldDigits | None = None
_digits_lock = threading.Lock()


def held_digits() -> HeldDigits:
    """The first N_DIGITS held-out digits and their textured twins (made once, then cached:
    texturing renders 64 landscape photos first, seconds on a busy CPU)."""
    global _digits
    with _digits_lock:
        if _digits is None:
            from models.data import DataError, load_dataset
            from models.translation.textured_digits import textured_digits
            try:
                ds = load_dataset(str(SAMPLE))
            except (DataError, OSError, ValueError) as exc:
                raise InputError(f"the held-out digits in {SAMPLE} cannot be read: {exc}") from exc
            grey = np.concatenate([ds.train.images, ds.test.images])[:N_DIGITS]
            labels = np.concatenate([ds.train.labels, ds.test.labels])[:N_DIGITS]
            _digits = HeldDigits(np.ascontiguousarray(grey, np.uint8),
                                 textured_digits(grey, seed=DIGIT_SEED),
                                 labels.astype(np.int64),
                                 f"the first {len(grey)} of the 2,000 held-out MNIST digits in "
                                 "assets/datasets/mnist-sample")
        return _digits


def digits_ready() -> bool:
    """Whether held_digits() is made already (else the first call takes seconds). Read
    without the lock, which the worker holds while it textures: the GUI must not wait."""
    return _digits is not None


@dataclass(frozen=True)
class Source:
    """What the user chose: example `index`, or `picture` (a PIL image) with its caption."""
    index: int = 0
    picture: object = None
    caption: str = ""

    @property
    def is_example(self) -> bool:
        return self.picture is None


@dataclass(frozen=True)
class Prepared:
    x: np.ndarray               # the model's input: H×W×3 uint8, or H×W for a grey side
    truth: np.ndarray | None    # the held-out other-style picture, where one exists
    caption: str


def has_examples(model) -> bool:
    return data_kind(model) in (LANDSCAPES, DIGITS)


def picture_input(picture, model, direction: str) -> np.ndarray:
    """A PIL image → the model's input by the rule above."""
    from PIL import Image
    rgb = square_rgb(picture, model_size(model))
    if grey_side(model, direction):
        return np.asarray(Image.fromarray(rgb).convert("L"), np.uint8).copy()
    return rgb


def example_input(index: int, model, direction: str) -> Prepared:
    kind = data_kind(model)
    if kind == LANDSCAPES:
        from models.translation.unpaired import UnpairedLandscapes
        i = index % LANDSCAPE_PAIRS
        a, b, _ = UnpairedLandscapes(1, model_size(model)).paired(i)
        caption = f"held-out landscape pair {i}"
    elif kind == DIGITS:
        d = held_digits()
        i = index % len(d.grey)
        a, b = d.grey[i], d.textured[i]
        if not grey_side(model, "AtoB"):            # a CycleGAN's A side is grey as RGB
            a = np.repeat(a[..., None], 3, axis=-1)
        caption = f"held-out digit {i} (a {d.labels[i]})"
    else:
        raise InputError("This model was trained on your own folders, so there are no "
                         "held-out examples of its domains: open an image instead.")
    x, truth = (a, b) if direction == "AtoB" else (b, a)
    return Prepared(x, truth, caption)


def prepare(source: Source, model, direction: str) -> Prepared:
    if source.is_example:
        return example_input(source.index, model, direction)
    return Prepared(picture_input(source.picture, model, direction), None, source.caption)


def open_picture(path: str):
    """A decoded PIL image from any picture file; InputError with the reason otherwise."""
    from models.imaging import open_image
    im = open_image(path, InputError, max_side=MAX_SIDE)
    if min(im.size) < 1:
        raise InputError(f"{path} has no pixels")
    return im


def picture_from_array(image) -> object:
    """A picture handed over as an array (H×W×3 or H×W uint8) → a PIL image; InputError if
    it is not one."""
    from PIL import Image
    a = np.asarray(image)
    if a.dtype != np.uint8 or not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (3, 4))) \
            or min(a.shape[:2]) < 1:
        raise InputError(f"expected an H×W×3 uint8 picture, got {a.dtype} {a.shape}")
    return Image.fromarray(np.ascontiguousarray(a))


def cycle_error(x: np.ndarray, back: np.ndarray) -> np.ndarray:
    """|x − F(G(x))| per pixel, averaged over the channels, in [0, 1] (1 = 255 levels)."""
    d = np.abs(np.asarray(x, np.float64) - np.asarray(back, np.float64)) / 255.0
    return d.mean(axis=-1) if d.ndim == 3 else d


def round_trip(model, source: Source, direction: str) -> dict:
    """The whole job of one request (worker thread): the input, G(x), F(G(x)), the error."""
    p = prepare(source, model, direction)
    y, back = model.round_trip(p.x, direction)
    return {"x": p.x, "y": y, "back": back, "truth": p.truth, "caption": p.caption,
            "error": cycle_error(p.x, back)}
