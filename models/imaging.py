"""Image helpers shared by the app and the CLI: tiling, conversion, PNG and GIF export."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from struct import error as struct_error

import numpy as np


def to_uint8(images: np.ndarray) -> np.ndarray:
    return (np.clip(np.asarray(images, np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def tile(images: np.ndarray, ncols: int, pad: int = 0, fill: float = 1.0) -> np.ndarray:
    """N×H×W → one (rows·H)×(ncols·W) mosaic, row-major, with `pad` pixels of `fill` between."""
    images = np.asarray(images)
    n, h, w = images.shape
    ncols = max(1, min(ncols, n)) if n else 1
    nrows = max(1, -(-n // ncols))
    out = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), fill, dtype=images.dtype)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = images[i]
    return out


def open_image(path: str | os.PathLike, error: type[Exception] = ValueError,
               max_side: int | None = None):
    """A fully decoded PIL image, or `error` with a readable reason. Pillow's
    decompression-bomb guard stays on, and its warning band counts as a refusal too: files
    come from strangers, and a tiny PNG that inflates to gigapixels must be refused before
    it is decoded. `max_side` refuses a wider or taller image from its header alone, before
    any pixel is decoded."""
    import warnings

    from PIL import Image, UnidentifiedImageError
    try:
        st = os.stat(path)
    except FileNotFoundError as e:
        raise error(f"{path} does not exist") from e
    except OSError as e:           # e.g. a name over 255 bytes
        raise error(f"{path} cannot be read: {e.strerror or e}") from e
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{path} is a folder, not an image")
    if not stat.S_ISREG(st.st_mode):   # a FIFO would hang in open(), /dev/zero never end
        raise error(f"{path} is not a regular file (a pipe, device or socket)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                size = im.size
                if max_side is None or max(size) <= max_side:
                    im.load()
                    return im.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        limit = Image.MAX_IMAGE_PIXELS
        over = f" (over {limit:,} pixels)" if limit else ""
        raise error(f"{path} is too large to open safely{over}: {e}") from e
    except FileNotFoundError as e:
        raise error(f"{path} does not exist") from e
    except IsADirectoryError as e:
        raise error(f"{path} is a folder, not an image") from e
    except UnidentifiedImageError as e:
        raise error(f"{path} is not an image Pillow can read") from e
    except (OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError, EOFError,
            struct_error, ZeroDivisionError, OverflowError, MemoryError) as e:
        # Pillow's decoders and header parsers raise many kinds on damaged files
        raise error(f"{path} cannot be read (corrupt or truncated?): {e}") from e
    raise error(f"{path} is {size[0]}×{size[1]} pixels; at most {max_side}×{max_side} is "
                "accepted here")


def save_png(image: np.ndarray, path: str | os.PathLike, scale: int = 1) -> Path:
    from PIL import Image
    img = Image.fromarray(to_uint8(image), mode="L")
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    path = Path(path)
    img.save(path)
    return path


def save_gif(frames: np.ndarray, path: str | os.PathLike, fps: float = 20.0, scale: int = 4,
             loop: bool = True) -> Path:
    """Animated GIF of N×H×W frames in [0, 1]."""
    from PIL import Image
    if len(frames) == 0:
        raise ValueError("no frames to save")
    imgs = [Image.fromarray(f, mode="L") for f in to_uint8(frames)]
    if scale > 1:
        imgs = [im.resize((im.width * scale, im.height * scale), Image.NEAREST) for im in imgs]
    path = Path(path)
    imgs[0].save(path, save_all=True, append_images=imgs[1:], duration=max(20, int(1000 / fps)),
                 loop=0 if loop else 1)
    return path
