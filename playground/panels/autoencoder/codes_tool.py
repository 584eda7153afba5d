"""The Codes tool: per-example posteriors against the aggregate posterior.

A VAE's KL term pulls every q(z|x) towards p(z): each held-out image's posterior is a small
Gaussian ball (a "red ball"), and every one of them is asked to look like the prior (the "green
ball"). A WAE (or an AAE) only asks the mixture of all codes, the aggregate
q(z) = (1/N) Σᵢ q(z|xᵢ), to match p(z); its encoder may be deterministic, each code a point.

The tool draws, on the latent plot:
  * "Per example": each code's 1-σ ellipse, for a Gaussian encoder;
  * "Aggregate": the density of q(z) on a grid (the mixture Σ N(μᵢ, σᵢ²)/N, or for a
    deterministic encoder a Gaussian kernel density estimate of the codes), with the
    contours that enclose 39% and 86% of its mass (in red) and of the prior's (green, dashed).
    For N(0, I) those prior contours are exactly the 1-σ and 2-σ circles.

For d > 2 the plane is a PCA projection z ↦ B(z − m) (B: 2×d, orthonormal rows). A Gaussian
N(μ, diag σ²) projects to N(B(μ − m), B diag σ² Bᵀ), a tilted 2-D Gaussian: that is what is
drawn, so the ellipses are the honest marginals on the plane, not a slice.

Everything here is numpy on at most a few thousand codes and a 64×64 grid (tens of ms).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QRadioButton, QSpinBox, QVBoxLayout

from .space import LatentSpace
from .tools import _Tool

# the mass inside the 1-σ and 2-σ circles of a 2-D standard normal: 1 − e^(−r²/2)
MASSES = (1.0 - np.exp(-0.5), 1.0 - np.exp(-2.0))
GRID = 64
PRIOR_DRAWS = 1000
ELLIPSE_POINTS = 40


# ------------------------------------------------------------------ maths (numpy only)
def projected_covariances(projection, scales: np.ndarray) -> np.ndarray:
    """N×2×2: B diag(σᵢ²) Bᵀ, each posterior's covariance on the plane."""
    b = np.asarray(projection.basis, np.float64)            # 2×d
    var = np.asarray(scales, np.float64) ** 2                 # N×d
    return np.einsum("ad,nd,bd->nab", b, var, b)


def ellipse_curves(centres: np.ndarray, covs: np.ndarray, points: int = ELLIPSE_POINTS):
    """The 1-σ contour of each N(cᵢ, Cᵢ) as one (x, y) pair of arrays, ellipses separated by
    NaN: cᵢ + Lᵢ (cos t, sin t) with Lᵢ Lᵢᵀ = Cᵢ (the points where (z−c)ᵀ C⁻¹ (z−c) = 1)."""
    c = np.asarray(centres, np.float64)
    if len(c) == 0:
        return np.zeros(0), np.zeros(0)
    jitter = 1e-12 * np.eye(2)
    chol = np.linalg.cholesky(np.asarray(covs, np.float64) + jitter)     # N×2×2
    t = np.linspace(0.0, 2.0 * np.pi, points)
    circle = np.stack([np.cos(t), np.sin(t)])                          # 2×T
    ring = c[:, :, None] + chol @ circle                               # N×2×T
    ring = np.concatenate([ring, np.full((len(c), 2, 1), np.nan)], 2)  # a break after each
    return ring[:, 0].ravel(), ring[:, 1].ravel()


def mixture_density(centres: np.ndarray, covs: np.ndarray, xs: np.ndarray,
                    ys: np.ndarray) -> np.ndarray:
    """(1/N) Σᵢ N(g; cᵢ, Cᵢ) at every grid point g = (xs[j], ys[i]): a len(ys)×len(xs) array,
    row i at height ys[i] (row-major, y up). `covs` is N×2×2, or one 2×2 for all (a KDE)."""
    c = np.asarray(centres, np.float64)
    cov = np.asarray(covs, np.float64)
    if cov.ndim == 2:
        cov = np.broadcast_to(cov, (len(c), 2, 2))
    if len(c) == 0:
        return np.zeros((len(ys), len(xs)))
    if not np.any(cov[:, 0, 1]) and not np.any(cov[:, 1, 0]):
        # diagonal covariances factorise: N(x; cₓ, a) N(y; c_y, b), so the sum over the
        # components is one matrix product (N×Y)ᵀ(N×X) instead of N×X×Y exponentials
        fx = _normal(xs[None, :], c[:, 0, None], cov[:, 0, 0, None])
        fy = _normal(ys[None, :], c[:, 1, None], cov[:, 1, 1, None])
        return fy.T @ fx / len(c)
    # float32 from here: the exponentials dominate and are several times faster in it
    gx, gy = np.meshgrid(xs, ys)
    g = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)     # G×2
    c32 = c.astype(np.float32)
    out = np.zeros(len(g))
    det = np.maximum(cov[:, 0, 0] * cov[:, 1, 1] - cov[:, 0, 1] * cov[:, 1, 0], 1e-300)
    # the inverse of [[a, b], [b, c]] is [[c, −b], [−b, a]] / det
    ia, ib, ic = ((cov[:, 1, 1] / det).astype(np.float32), (-cov[:, 0, 1] / det).astype(np.float32),
                  (cov[:, 0, 0] / det).astype(np.float32))
    norm = (1.0 / (2.0 * np.pi * np.sqrt(det))).astype(np.float32)
    for s in range(0, len(c), 256):     # chunks bound the memory to 256 × G numbers
        e = slice(s, s + 256)
        dx = g[None, :, 0] - c32[e, 0, None]
        dy = g[None, :, 1] - c32[e, 1, None]
        quad = ia[e, None] * dx * dx + 2.0 * ib[e, None] * dx * dy + ic[e, None] * dy * dy
        out += (norm[e, None] * np.exp(-0.5 * quad)).sum(0, dtype=np.float64)
    return (out / len(c)).reshape(len(ys), len(xs))


def _normal(x, mean, var):
    var = np.maximum(var, 1e-300)
    return np.exp(-0.5 * (x - mean) ** 2 / var) / np.sqrt(2.0 * np.pi * var)


def kde_bandwidth(xy: np.ndarray) -> np.ndarray:
    """Scott's rule for a 2-D Gaussian kernel: h_k = σ_k · n^(−1/6), as a diagonal 2×2."""
    xy = np.asarray(xy, np.float64)
    std = xy.std(0) if len(xy) > 1 else np.ones(2)
    h = np.maximum(std, 1e-3 * max(float(std.max()), 1e-6)) * max(len(xy), 1) ** (-1.0 / 6.0)
    return np.diag(h ** 2)


def mass_levels(density: np.ndarray, cell_area: float, masses=MASSES) -> list[float]:
    """The density values whose upper level sets hold each mass (highest-density regions):
    the contour at level ℓ encloses ∫_{p > ℓ} p = mass."""
    p = np.sort(np.asarray(density, np.float64).ravel())[::-1]
    cum = np.cumsum(p) * cell_area
    total = cum[-1] if len(cum) else 0.0
    if total <= 0:
        return []
    return [float(p[min(np.searchsorted(cum, m * total), len(p) - 1)]) for m in masses]


def contour_lines(density: np.ndarray, levels, xs: np.ndarray, ys: np.ndarray):
    """Iso-lines of the grid density at each level in plane coordinates, NaN-separated."""
    import pyqtgraph as pg      # its marching squares; no widget is made
    px, py = [], []
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    for level in levels:
        # isocurve takes data[x, y]; the density is row-major [y, x]
        for line in pg.functions.isocurve(density.T, level, connected=True):
            arr = np.asarray(line, np.float64)
            px.extend(xs[0] + (arr[:, 0] - 0.5) * dx)
            py.extend(ys[0] + (arr[:, 1] - 0.5) * dy)
            px.append(np.nan)
            py.append(np.nan)
    return np.asarray(px), np.asarray(py)


def evenly(n: int, k: int) -> np.ndarray:
    """k indices spread evenly over range(n) (all of them when n ≤ k)."""
    return np.arange(n) if n <= k else np.linspace(0, n - 1, k).round().astype(int)


# ------------------------------------------------------------------ the tool
class CodesTool(_Tool):
    """Per-example q(z|x) ellipses or the aggregate q(z) against p(z), drawn on the plot."""
    overlayChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.overlay: dict | None = None
        self.per_example = QRadioButton("Per example")
        self.per_example.setToolTip("Each shown code's posterior q(z|x) as its 1-σ ellipse "
                                    "(Gaussian encoders only: VAE, HVAE z₁, stochastic AAE/WAE)")
        self.aggregate = QRadioButton("Aggregate")
        self.aggregate.setToolTip("The mixture of all posteriors q(z) = (1/N) Σ q(z|xᵢ) as a "
                                  "density, against the prior's (green, dashed)")
        self.modes = QButtonGroup(self)
        for b in (self.per_example, self.aggregate):
            self.modes.addButton(b)
        self.aggregate.setChecked(True)
        self.count = QSpinBox(minimum=10, maximum=300, value=150, singleStep=10)
        self.count.setToolTip("How many ellipses to draw (picked evenly over the held-out "
                              "images; more hide the codes)")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.legend = QLabel(
            "<span style='color:#d62728'>red</span>: q — each q(z|x) (ellipses) or the "
            "aggregate q(z) (shading, contours at 39% / 86% of its mass); "
            "<span style='color:#1a9641'><b>green, dashed</b></span>: the prior p(z), "
            "contours at the same masses (for N(0, I) the 1-σ and 2-σ circles).")
        self.legend.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.per_example)
        top.addWidget(self.aggregate)
        top.addStretch(1)
        top.addWidget(QLabel("ellipses"))
        top.addWidget(self.count)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.legend)
        lay.addWidget(self.note)
        lay.addStretch(1)
        # while a model trains, snapshots come several times a second: compute once per burst
        self._timer = QTimer(self, singleShot=True, interval=60)
        self._timer.timeout.connect(self.refresh)
        self.modes.buttonClicked.connect(lambda _: self.refresh())
        self.count.valueChanged.connect(lambda _: self._timer.start())

    def set_space(self, space: LatentSpace | None) -> None:
        super().set_space(space)
        gaussian = space is not None and space.scales is not None
        self.per_example.setEnabled(gaussian)
        if not gaussian and self.per_example.isChecked():
            self.aggregate.setChecked(True)
        self.count.setEnabled(gaussian)
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.refresh()

    def mode(self) -> str:
        return "per-example" if self.per_example.isChecked() else "aggregate"

    # ---------------------------------------------------------------- computing
    def prior_plane(self) -> np.ndarray | None:
        """Prior draws on the plane (fixed seed), or None for a plain AE."""
        s = self.space
        if s is None or not s.model.has_prior:
            return None
        return s.projection.to_plane(s.model.prior_sample(PRIOR_DRAWS, seed=0))

    def _gaussian_prior(self) -> bool:
        """p(z) = N(0, I) exactly (its plane marginal is N(B(0 − m), I), drawn in closed form);
        the shaped priors and the HVAE's z₁ use a density estimate of their draws."""
        c = self.space.model.config
        return c.kind == "vae" or (c.kind in ("aae", "wae") and c.prior == "gaussian")

    def compute(self) -> dict:
        """The overlay for the current space and mode (see LatentPlot.set_codes_overlay)."""
        s = self.space
        out: dict = {}
        centres = s.plane.astype(np.float64)
        covs = (projected_covariances(s.projection, s.scales) if s.scales is not None else None)
        prior = self.prior_plane()
        # a checkpoint that encodes some image to inf/NaN must not blank the whole view
        ok = np.isfinite(centres).all(1)
        if covs is not None:
            ok &= np.isfinite(covs).all((1, 2))
            covs = covs[ok]
        centres = centres[ok]
        if prior is not None:
            prior = prior[np.isfinite(prior).all(1)]
        if self.mode() == "per-example" and covs is not None:
            pick = evenly(len(centres), self.count.value())
            out["ellipses"] = ellipse_curves(centres[pick], covs[pick])
        # one grid over the codes and the prior draws, so both densities share it
        pts = centres if prior is None else np.concatenate([centres, prior])
        if not len(pts):
            return out
        lo, hi = pts.min(0), pts.max(0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3)
        lo, hi = lo - pad, hi + pad
        xs, ys = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
        area = (xs[1] - xs[0]) * (ys[1] - ys[0])
        # a Gaussian narrower than a grid cell cannot be drawn on the grid (and a 1-D code's
        # plane y has no spread at all): widen each by half a cell, a blur that keeps the mass
        floor = np.diag([(0.5 * (xs[1] - xs[0])) ** 2, (0.5 * (ys[1] - ys[0])) ** 2])
        if self.mode() == "aggregate":
            if covs is None:
                q = mixture_density(centres, kde_bandwidth(centres) + floor, xs, ys)
            else:
                # tilted (PCA-projected) Gaussians do not factorise: 500 of them, evenly
                # picked, keep this near 0.1 s
                pick = (evenly(len(centres), 500) if np.any(covs[:, 0, 1])
                        else np.arange(len(centres)))
                q = mixture_density(centres[pick], covs[pick] + floor, xs, ys)
            out["density"] = q
            out["rect"] = (xs[0] - (xs[1] - xs[0]) / 2, ys[0] - (ys[1] - ys[0]) / 2,
                           hi[0] - lo[0] + (xs[1] - xs[0]), hi[1] - lo[1] + (ys[1] - ys[0]))
            out["q_contours"] = contour_lines(q, mass_levels(q, area), xs, ys)
        if prior is not None:
            if self._gaussian_prior():
                p = mixture_density(s.projection.to_plane(np.zeros((1, s.model.latent_dim))),
                                    np.eye(2), xs, ys)
            else:
                p = mixture_density(prior, kde_bandwidth(prior) + floor, xs, ys)
            out["p_contours"] = contour_lines(p, mass_levels(p, area), xs, ys)
        out["grid"] = (xs, ys)
        return out

    def refresh(self) -> None:
        if self.space is None or not self.isVisible():
            return
        s = self.space
        self.overlay = self.compute()
        kind = s.model.kind.upper()
        if s.scales is None:
            self.note.setText(
                f"The {kind}'s encoder is deterministic: each image has one code z = f(x), "
                "no ball. Only the aggregate q(z), the cloud of all codes (estimated with a "
                "Gaussian kernel), is pushed towards p(z)." if s.model.has_prior else
                "A plain autoencoder has no prior and a deterministic encoder: its codes "
                "(estimated density shown) may sit anywhere.")
        elif self.mode() == "per-example":
            n = min(len(s.latents), self.count.value())
            self.note.setText(
                f"{n} of {len(s.latents):,} posteriors q(z|x) = N(μ(x), σ²(x)), 1-σ ellipses"
                + ("" if s.projection.is_identity else
                   " projected onto the plane (the marginal B diag σ² Bᵀ, hence tilted)")
                + (". The KL term pulls every one of them towards the green prior."
                   if s.model.variational else
                   ". Only their mixture is asked to match the prior."))
        else:
            self.note.setText(
                f"The aggregate q(z) = (1/N) Σ N(μᵢ, σᵢ²) over {len(s.latents):,} held-out "
                "images. Compare its red contours with the green prior's.")
        self.overlayChanged.emit()
