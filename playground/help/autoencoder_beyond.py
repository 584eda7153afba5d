"""Help sections for the Autoencoders panel's Codes, Collapse and Levels tabs (issue 15), and
the prior cloud: `SECTIONS = [(anchor, title, html), ...]`, which autoencoder_priors.py appends
to its page. The anchors are the tab names in lower case, which is what F1 asks for
(AutoencoderPanel.help_topic)."""
from __future__ import annotations

from .markup import bullets, experiments, formula, look_for

CODES = f"""
<p>The <b>Prior samples</b> box (above the plot) draws 1,000 codes from the model's prior
p(z) as a light grey cloud under the coloured codes: N(0, I) for a VAE, the prior an AAE or a
WAE was matched to (a Gaussian, ten Gaussians on a circle, a swiss roll, …), and for the
hierarchical VAE z₁ drawn through its top level (z₂ ~ N(0, I), z₁ ~ p(z₁|z₂)). A plain AE has
no prior. Where the cloud and the codes disagree, samples from the prior decode to images the
model never learned.</p>
<p>The <b>Codes</b> tab asks what the regulariser actually constrains: each image's posterior,
or only their mixture. <b>Red</b> is the encoder's distribution q, <b>green, dashed</b> the
prior p(z) — the lectures' “red balls and green ball”.</p>
{bullets([
    "<b>Per example</b> (Gaussian encoders: VAE, the hierarchical VAE's z₁, an AAE or a WAE "
    "trained with the stochastic encoder): each shown code's posterior "
    "q(z|x) = N(μ(x), diag σ²(x)) as its 1-σ ellipse, for up to 300 images picked evenly.",
    "<b>Aggregate</b>: the mixture of all the posteriors, shaded, with the contours that hold "
    "39% and 86% of its mass; for a deterministic encoder (AE, and AAE / WAE by default) each "
    "image has one code z = f(x), so q(z) is estimated with a Gaussian kernel around the codes "
    "(Scott's bandwidth h = std · N<sup>−1/6</sup> per axis). The prior's contours hold the same "
    "masses; for N(0, I) they are the circles of radius 1 and 2, since in two dimensions "
    "P(‖z‖ ≤ r) = 1 − e<sup>−r²/2</sup>.",
])}
{formula("aggregate posterior: &nbsp; q(z) = (1/N) Σ<sub>i</sub> q(z | x<sub>i</sub>) = "
         "(1/N) Σ<sub>i</sub> N(z; μ<sub>i</sub>, diag σ<sub>i</sub>²)",
         "N held-out images. The VAE's KL term acts on every q(z|x<sub>i</sub>) separately; "
         "the WAE's MMD (or the AAE's critic) compares only q(z) with p(z).")}
{formula("VAE: &nbsp; Σ<sub>i</sub> KL(q(z|x<sub>i</sub>) ‖ p(z)) &nbsp;&nbsp; vs &nbsp;&nbsp; "
         "WAE: &nbsp; λ · MMD²(q(z), p(z))")}
<p><b>More than two dimensions.</b> The plane is a PCA projection z ↦ B(z − m), B with two
orthonormal rows. A Gaussian N(μ, diag σ²) projects to N(B(μ − m), B diag σ² Bᵀ): a tilted
ellipse, the exact marginal on the plane (not a slice through it), and that is what is drawn.
For the aggregate of tilted Gaussians, 500 evenly picked images are summed (the sum is
evaluated on a 64 × 64 grid); each Gaussian is widened by half a grid cell so that very
narrow ones still show (the mass stays 1).</p>
{experiments([
    "Pick the VAE, open Codes, choose <b>Per example</b>: every red ball is small "
    "(σ ≈ 0.05–0.3) against the green circles, yet the KL pulls each towards N(0, 1); switch "
    "to <b>Aggregate</b> and compare the red contours with the green circles.",
    "Pick the WAE (Fashion-MNIST, 2-D): no balls at all, but the aggregate's contours follow "
    "the prior — the WAE only matches the mixture.",
    "Pick the AAE with the ten-Gaussian prior and turn <b>Prior samples</b> on: the codes "
    "should cover the ten blobs; an empty blob decodes to poor images.",
])}
{look_for([
    "Red 86% contour inside the green one: the codes use less of the space than the prior "
    "(sampling from p(z) then wanders off the data).",
    "Prior mass (green) where no codes are: holes in the aggregate posterior.",
])}
"""

COLLAPSE = f"""
<p><b>Posterior collapse</b>: with a decoder strong enough to model x by itself — the PixelCNN
decoder sees the pixels above and to the left of each one — the VAE's cheapest optimum is to
make q(z|x) = p(z) for every x, paying no KL and ignoring z. This tab shows whether that
happened, for the held-out images shown on the plot.</p>
{formula("KL<sub>j</sub> = (1/N) Σ<sub>i</sub> ½ (μ<sub>ij</sub>² + σ<sub>ij</sub>² − 1 − "
         "log σ<sub>ij</sub>²) &nbsp;&nbsp; (nats, per dimension j)",
         "KL(q(z<sub>j</sub>|x) ‖ N(0, 1)) averaged over the images; the bars sum to the "
         "model's KL term. Shown for the VAE only: the hierarchical VAE's z₁ has the prior "
         "p(z₁|z₂), and the AAE / WAE have no KL term.")}
{formula("A<sub>j</sub> = Var<sub>x</sub>( E<sub>q</sub>[z<sub>j</sub> | x] ) &gt; 0.01 "
         "&nbsp; ⇒ &nbsp; unit j is active",
         "Burda et al. (2016). The right chart is A<sub>j</sub> on a log scale with the 0.01 "
         "line; grey bars are inactive units. While a model trains, both charts follow the "
         "training job's snapshots (“live, step …”).")}
<p>Below, for eight held-out images: the input; the decoder's output at z = μ(x); and its
output at a random z drawn from the prior (<b>New random z</b> draws others). For the
PixelCNN decoder the outputs are p(x<sub>i</sub> = 1 | x<sub>&lt;i</sub>, z) with the
(binarised) image itself as the context — one pass, and exactly what would change if the
decoder read z. For a plain decoder they are the Bernoulli means dec(z). The
<b>difference</b> is the mean over pixels and images of |p(x | μ(x)) − p(x | random z)|.</p>
{bullets([
    "<b>Collapsed</b>: KL bars ≈ 0, no unit above the line, bottom row identical to the "
    "middle one, difference ≈ 0.",
    "<b>Healthy</b>: a few dimensions carry several nats, the bottom row shows other "
    "images (other digits, other garments).",
])}
{experiments([
    "Train a VAE with the PixelCNN decoder (β = 1, no remedy) for an epoch, then open "
    "Collapse: the KL bars fall towards 0 and the two rows agree.",
    "Train it again with KL warm-up, free bits (e.g. 0.5 nats per dimension) or β &lt; 1: "
    "units stay active and the random-z row changes.",
    "Compare with the plain-decoder VAE: its two dimensions both carry a few nats.",
])}
{look_for(["How many units stay active as training goes on, and the KL in nats they carry."])}
"""

LEVELS = f"""
<p>For the hierarchical VAE only (z₂ → z₁ → x, inferred ladder-style). Pick a held-out image
(click near its point on the plot, or type its number). Its z₂ and z₁ sit at their posterior
means, and ε₁ = (z₁ − μ<sub>p</sub>(z₂)) / σ<sub>p</sub>(z₂) is the bottom level's own
noise. Then:</p>
{formula("new top: &nbsp; z₁ = μ<sub>p</sub>(z₂') + σ<sub>p</sub>(z₂') ⊙ ε₁, &nbsp; "
         "z₂' ~ N(0, I)<br>new bottom: &nbsp; z₁ = μ<sub>p</sub>(z₂) + σ<sub>p</sub>(z₂) ⊙ "
         "ε₁', &nbsp; ε₁' ~ N(0, I)",
         "Each row decodes six such z₁. <b>Resample</b> draws new z₂' and ε₁'; "
         "<b>Export PNG…</b> saves the input, its reconstruction and both rows.")}
<p>What stays the same along a row is what the level that was kept holds: if the top level
carries the class and overall shape, the first row changes them and the second keeps them
while varying details such as stroke width or slant.</p>
{experiments([
    "Train a hierarchical VAE (2-D z₁, 2-D z₂) for a few epochs and open Levels on a 7: "
    "does the top row keep the class? Does the bottom row?",
    "Compare with a larger z₁ (8-D): the bottom level has more room, and often takes over "
    "(the top level's KL falls, a collapse of the top).",
])}
{look_for(["Whether the two rows differ in what changes; if both look alike, one level "
           "is unused."])}
"""

SECTIONS = [
    ("codes", "Codes: per-example balls vs the aggregate posterior", CODES),
    ("collapse", "Collapse: KL per dimension, active units, does the decoder read z?",
     COLLAPSE),
    ("levels", "Levels: the hierarchical VAE's top and bottom", LEVELS),
]
