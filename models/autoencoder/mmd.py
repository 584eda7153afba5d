"""Maximum mean discrepancy with the inverse multiquadratic kernel: WAE-MMD's regulariser.

    MMD²(P, Q) = E k(z, z') + E k(z̃, z̃') − 2 E k(z, z̃),   z, z' ~ P,  z̃, z̃' ~ Q
    k(x, y) = C / (C + ‖x − y‖²),   C = 2 d σ²

(Tolstikhin et al. 2018; σ² = 1 for the prior N(0, I)).

`mmd2_unbiased` is the U-statistic (the diagonal terms left out, so its mean over draws is
exactly MMD²; a single value can be negative). The paper sums the kernel over several scales
C ∈ {0.1, 0.2, 0.5, 1, 2, 5, 10} × 2dσ², which `scales` selects.
"""
from __future__ import annotations

import torch

WAE_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def imq_kernel(x: torch.Tensor, y: torch.Tensor, c: float) -> torch.Tensor:
    """The n×m matrix k(x_i, y_j) = c / (c + ‖x_i − y_j‖²)."""
    return c / (c + torch.cdist(x, y).pow(2))


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor, sigma2: float = 1.0,
                  scales: tuple[float, ...] = (1.0,)) -> torch.Tensor:
    """The unbiased estimate of MMD² between the samples x (n×d) and y (m×d), n, m ≥ 2,
    summed over the kernel scales C = s · 2 d σ²."""
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must be n×d and m×d, got {tuple(x.shape)} and "
                         f"{tuple(y.shape)}")
    n, m, d = len(x), len(y), x.shape[1]
    if n < 2 or m < 2:
        raise ValueError("the unbiased MMD needs at least two samples on each side")
    total = x.new_zeros(())
    for s in scales:
        c = s * 2.0 * d * sigma2
        kxx, kyy, kxy = imq_kernel(x, x, c), imq_kernel(y, y, c), imq_kernel(x, y, c)
        total = total + ((kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
                         + (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
                         - 2 * kxy.mean())
    return total
