"""What the Super-resolution view upscales, and the rule for pictures from outside.

Held-out landscapes: a 128-px photo from seed HELD_OUT_OFFSET + k (never a training photo),
shrunk 4× by exact block means to 32 px, the way the models were trained: the truth is known,
so PSNR and SSIM can be measured.

A picture of the user's (a file, or one handed over by the painter), by a stated rule:
  * transparency is laid on white, grey becomes RGB;
  * up to 64×64 it is taken as it is (any size, odd ones too, with each side ≥ 8 px);
  * a larger one is shrunk to 64 px on its long side by area averaging, keeping its aspect,
    and the note says so (64 px becomes 256 px: a 4× model on a bigger input would take
    seconds per picture on a CPU, and the output would not fit on screen);
  * a file over 8192 px on a side is refused from its header, before it is decoded; a
    corrupt one is refused with the reason.
No Qt here: the view shows the note and the errors.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.translation.superres import HELD_OUT_OFFSET, downscale, landscape_photos

SCALE = 4
HR_SIZE = 128            # the held-out photos, as the shipped models were trained
MAX_LOW = 64             # the largest low-resolution input taken as it is
MIN_SIDE = 8             # smaller than this there is nothing to upscale
MAX_FILE_SIDE = 8192     # models.imaging.open_image refuses larger from the header
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class LowRes:
    """A low-resolution picture to upscale, the truth when known, and where it came from."""
    image: np.ndarray                  # h×w×3 uint8
    truth: np.ndarray | None           # (4h)×(4w)×3 uint8, or None
    source: str                        # what it is, for the view's status line
    note: str = ""                     # what the rule did to it ("" when nothing)


def held_out(k: int) -> LowRes:
    """Held-out landscape k: its 32-px block means and the 128-px truth."""
    truth = landscape_photos(1, HR_SIZE, HELD_OUT_OFFSET + int(k))
    return LowRes(downscale(truth, SCALE)[0], truth[0],
                  f"held-out landscape #{k} (seed {HELD_OUT_OFFSET} + {k}): "
                  f"{HR_SIZE} px shrunk to {HR_SIZE // SCALE} px")


def _flatten(im):
    """A PIL image → RGB: transparency laid on white, grey (and palettes) into RGB."""
    from PIL import Image
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or \
            (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, WHITE + (255,))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):     # 16-bit grey: scale to 8 bits, not clip
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") else max(float(arr.max()), 1.0)
        return Image.fromarray(np.clip(arr / top * 255 + 0.5, 0, 255).astype(np.uint8)).convert("RGB")
    return im.convert("RGB")


def fit_rule(im, source: str) -> LowRes:
    """Apply the rule to a decoded PIL image; ValueError with the reason if refused."""
    from PIL import Image
    w, h = im.size
    if min(w, h) < MIN_SIDE:
        raise ValueError(f"{source} is {w}×{h} px: each side must be at least {MIN_SIDE} px")
    rgb = _flatten(im)
    note = ""
    if max(w, h) > MAX_LOW:
        f = MAX_LOW / max(w, h)
        nw, nh = max(1, round(w * f)), max(1, round(h * f))
        if min(nw, nh) < MIN_SIDE:
            raise ValueError(f"{source} is {w}×{h} px: shrunk to {MAX_LOW} px on its long side "
                             f"it would be {nw}×{nh}, under {MIN_SIDE} px across")
        rgb = rgb.resize((nw, nh), Image.Resampling.BOX)        # box filter = area average
        note = (f"shrunk from {w}×{h} to {nw}×{nh} px (area averaging; inputs over "
                f"{MAX_LOW} px are shrunk, so the 4× output is at most {SCALE * MAX_LOW} px)")
    if im.mode != "RGB":
        transparent = "A" in im.mode or (im.mode == "P" and "transparency" in im.info)
        grey = im.mode in ("L", "1") or im.mode.startswith("I")
        kind = ("transparency laid on white" if transparent
                else "grey made RGB" if grey else f"{im.mode} made RGB")
        note = "; ".join(filter(None, [note, kind]))
    return LowRes(np.asarray(rgb, dtype=np.uint8).copy(), None, source, note)


def open_low_res(path: str) -> LowRes:
    """A picture file by the rule; ValueError with a readable reason if refused."""
    from pathlib import Path

    from models.imaging import open_image
    im = open_image(path, ValueError, max_side=MAX_FILE_SIDE)
    return fit_rule(im, Path(path).name)


def from_array(image, source: str) -> LowRes:
    """A picture handed over as an array (H×W grey, H×W×3 RGB or H×W×4 RGBA, uint8)."""
    from PIL import Image
    x = np.asarray(image)
    if x.dtype != np.uint8 or not (x.ndim == 2 or (x.ndim == 3 and x.shape[-1] in (1, 3, 4))):
        raise ValueError(f"expected an H×W(×3) uint8 picture, not {x.dtype} of shape {x.shape}")
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    mode = "L" if x.ndim == 2 else {3: "RGB", 4: "RGBA"}[x.shape[-1]]
    return fit_rule(Image.fromarray(np.ascontiguousarray(x), mode), source)
