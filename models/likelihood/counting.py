"""How many parameters a distribution over n binary pixels needs, model by model (the
lectures' table), as exact Python integers however large.

  full joint table        2ⁿ − 1        one probability per image, less one (they sum to 1)
  independent pixels      n             p(x_i = 1) per pixel
  Markov chain            2n − 1        p(x_1) and p(x_i | x_{i−1}) for each value of x_{i−1}
  FVSBN                   n(n + 1)/2    pixel i: a logistic regression on x_<i (i − 1 weights
                                        and a bias)
  NADE, H hidden units    2nH + n + H   W (H×n), c (H), α = V (n×H), b (n): shared weights
  PixelCNN                fixed         convolutions slide over the image: their kernels do
                                        not grow with n; counted from the module itself

The full joint and the chain rule with full conditional tables count the same:
Σ_i 2^{i−1} = 2ⁿ − 1; every model below it buys tractability with an assumption.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from .nade import DEFAULT_HIDDEN, _int
from .pixelcnn import FIRST_KERNEL, PixelCNNConfig

MAX_PIXELS = 64 * 64


def _pixels(n) -> int:
    return _int("n", n, 1, MAX_PIXELS)


def full_joint(n: int) -> int:
    """A probability table over all 2ⁿ binary images: 2ⁿ entries that sum to 1."""
    return 2 ** _pixels(n) - 1


def independent(n: int) -> int:
    return _pixels(n)


def markov_chain(n: int) -> int:
    """p(x_1): 1, then p(x_i = 1 | x_{i−1}) for x_{i−1} ∈ {0, 1}: 2 for each later pixel."""
    return 2 * _pixels(n) - 1


def fvsbn(n: int) -> int:
    """Fully visible sigmoid belief net: p(x_i = 1 | x_<i) = σ(b_i + Σ_{j<i} w_ij x_j)."""
    n = _pixels(n)
    return n * (n + 1) // 2


def nade(n: int, hidden: int = DEFAULT_HIDDEN) -> int:
    """W (H×n) and c (H) into the hidden layer, V (n×H, row i is α_i) and b (n) out."""
    n, h = _pixels(n), _int("hidden", hidden, 1, 4096)
    return 2 * n * h + n + h


@lru_cache(maxsize=64)
def pixelcnn(channels: int = 64, layers: int = 7, gated: bool = False) -> int:
    """Every weight the PixelCNN module holds (masked-out kernel entries included: they are
    stored, only multiplied by zero), counted on a module built on PyTorch's `meta` device,
    which allocates nothing. The image size does not enter: a convolution's kernel is the
    same whatever it slides over."""
    import torch

    from .pixelcnn import PixelCNN
    config = PixelCNNConfig(size=1, channels=channels, layers=layers, gated=gated)
    with torch.device("meta"):
        module = PixelCNN(config)
    return sum(p.numel() for p in module.parameters())


def pixelcnn_unmasked(channels: int = 64, layers: int = 7, gated: bool = False) -> int:
    """The weights a PixelCNN really uses: as `pixelcnn` but without the kernel entries the
    masks zero (mask A's 7×7 keeps 24 of 49, mask B's 3×3 keeps 5 of 9)."""
    c = PixelCNNConfig(size=1, channels=channels, layers=layers, gated=gated)
    k = FIRST_KERNEL // 2
    seen_a = k * FIRST_KERNEL + k                  # rows above the centre, then left of it
    seen_b = 1 * 3 + 2                             # a 3×3 mask B: the row above, left and centre
    out = 2 * c.channels if c.gated else c.channels
    first = c.channels * seen_a + c.channels
    block = out * c.channels * seen_b + out + c.channels * c.channels + c.channels
    head = c.channels * c.channels + c.channels + c.channels + 1
    return first + c.layers * block + head


@dataclass(frozen=True)
class Row:
    key: str
    name: str
    formula: str
    count: int


def table(n: int, hidden: int = DEFAULT_HIDDEN, channels: int = 64, layers: int = 7,
          gated: bool = False) -> list[Row]:
    """The lectures' table for n binary pixels, in its order."""
    return [
        Row("full", "Full joint table", "2ⁿ − 1", full_joint(n)),
        Row("independent", "Independent pixels", "n", independent(n)),
        Row("markov", "Markov chain (previous pixel)", "2n − 1", markov_chain(n)),
        Row("fvsbn", "FVSBN (logistic regression per pixel)", "n(n + 1)/2", fvsbn(n)),
        Row("nade", f"NADE, H = {hidden}", "2nH + n + H", nade(n, hidden)),
        Row("pixelcnn", f"PixelCNN{' gated' if gated else ''}, {channels} ch × {layers} blocks",
            "fixed: kernels do not grow with n", pixelcnn(channels, layers, gated)),
    ]


# ---------------------------------------------------------------------- showing them
def log10(count: int) -> float:
    """log₁₀ of a positive integer of any size (floats overflow at 10³⁰⁸; math.log10 of an
    int does not)."""
    if count < 1:
        raise ValueError(f"a count must be positive, not {count}")
    return math.log10(count)


def decimal_exponent(count: int) -> int:
    """k with 10^k ≤ count < 10^{k+1}, exactly (the float log10 can be one off near 10^k)."""
    k = int(log10(count))
    while 10 ** k > count:
        k -= 1
    while 10 ** (k + 1) <= count:
        k += 1
    return k


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_count(count: int, exact_below: int = 10 ** 15, superscript: bool = False) -> str:
    """Exact with thousands separators when small ("65,535"); else "≈ 1.8 × 10^19", and
    plain "≈ 10^1233" when the leading figure rounds to 1.0 (2^4096 − 1)."""
    if count < exact_below:
        return f"{count:,}"
    k = decimal_exponent(count)
    lead = count // 10 ** (k - 2) if k >= 2 else count * 10 ** (2 - k)     # three digits
    mantissa = round(lead / 100, 1)
    if mantissa >= 10:
        mantissa, k = 1.0, k + 1
    power = f"10{str(k).translate(SUPERSCRIPT)}" if superscript else f"10^{k}"
    return f"≈ {power}" if mantissa == 1.0 else f"≈ {mantissa:.1f} × {power}"


def digits(count: int) -> int:
    return decimal_exponent(count) + 1
