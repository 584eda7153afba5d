"""Help for the Likelihood panel's Flows 2-D tab: a RealNVP on points in the plane."""
from __future__ import annotations

from .. import keys as k
from . import Page
from .markup import experiments, formula, key, look_for, misprint, section, see_also

CHANGE_OF_VARIABLES = ("log p<sub>X</sub>(x) = log p<sub>Z</sub>(f(x)) + "
                       "log |det ∂f(x)/∂x|, &nbsp; p<sub>Z</sub> = N(0, I)")
COUPLING = ("y<sub>a</sub> = x<sub>a</sub>, &nbsp; y<sub>b</sub> = x<sub>b</sub> ⊙ "
            "exp(s(x<sub>a</sub>)) + t(x<sub>a</sub>)")
LOG_DET = "log |det ∂y/∂x| = Σ<sub>j</sub> s<sub>j</sub>(x<sub>a</sub>)"
INVERSE = ("x<sub>a</sub> = y<sub>a</sub>, &nbsp; x<sub>b</sub> = (y<sub>b</sub> − "
           "t(y<sub>a</sub>)) ⊙ exp(−s(y<sub>a</sub>))")
JACOBIAN = ("∂y/∂x = [ I &nbsp; 0 ; &nbsp; ∂y<sub>b</sub>/∂x<sub>a</sub> &nbsp; "
            "diag(exp(s(x<sub>a</sub>))) ]")
MISPRINT = "log p<sub>X</sub>(x) = log p<sub>Z</sub>(f(x)) − log |det ∂f(x)/∂x|"
WHY = ("With f mapping data to noise, the Jacobian term is <i>added</i>: where f stretches a "
       "small patch of x-space over a large patch of z-space, that patch of x must hold the "
       "same probability in less room, so its density is higher. The minus sign belongs to "
       "the other direction, with g = f⁻¹ going from z to x: log p<sub>X</sub>(x) = "
       "log p<sub>Z</sub>(z) − log |det ∂g(z)/∂z|.")

BODY = f"""
<p>A normalizing flow is an invertible network f that maps data x to a Gaussian z = f(x).
Because f can be undone, its density is <b>exact</b>: no bound, no sampling. Here f is a
RealNVP of L affine coupling layers (the shipped one: 8 couplings trained on two moons), on
points in the plane, where every part of it can be seen.</p>

{section("screen", "What is on the screen")}
<ul>
<li><b>Heat map</b>: the flow's density p(x) at every pixel, computed exactly with the formula
below (“as log p(x)” shows the 10 nats below its peak, so thin tails show too). It follows the
view: zoom in and it is recomputed at the finer scale.</li>
<li><b>Grey dots</b>: the data (two moons, two rings, or your own points).</li>
<li><b>Coloured dots</b>: draws z ~ N(0, I), coloured by the direction of z, pushed through the
first k couplings; <b>lines</b>: a square grid in z-space (orange: z₁ constant, green: z₂
constant) pushed through the same couplings.</li>
<li><b>The slider k</b> (Play: {key(k.PLAY.keys[1])}): k = 0 shows the Gaussian base (drawn in
the data's frame: the flow's fixed standardisation, a shift and a scale per axis fitted to its
training points, undone); each step applies one more coupling in the <i>sampling</i> direction
z → x; k = L is the data space, where the coloured dots are samples of the model.</li>
<li>Under the plot: the mean −log p(x) of the data shown under the flow shown, in nats.</li>
</ul>

{section("maths", "The change of variables")}
{formula(CHANGE_OF_VARIABLES,
         "f maps data to noise. Training maximises this log-likelihood of the data; the "
         "loss on the chart is its negative, averaged over a batch, in nats.")}
{misprint(MISPRINT, WHY)}
<p>For this to be usable, f must be invertible and its Jacobian determinant cheap. A general
2×2 network has neither property; a coupling layer has both.</p>

{section("coupling", "Affine coupling layers")}
<p>Split the coordinates in two: a part x<sub>a</sub> that is kept, and a part x<sub>b</sub>
that is scaled and shifted by amounts computed from the kept part (s and t are small MLPs, as
free as you like, never inverted):</p>
{formula(COUPLING)}
{formula(JACOBIAN,
         "y<sub>a</sub> does not depend on x<sub>b</sub> (the zero block), and each "
         "y<sub>b</sub> depends on its own x<sub>b</sub> only through exp(s): the Jacobian "
         "is triangular, so its determinant is the product of its diagonal.")}
{formula(LOG_DET, "one sum, no matrix: s is bounded (s = c·tanh(ŝ/c), c = 3) so a layer "
         "scales by at most e<sup>±3</sup>.")}
{formula(INVERSE, "the inverse needs s and t only forwards, because y<sub>a</sub> = "
         "x<sub>a</sub> is known: sampling costs one pass, like scoring.")}
<p><b>Alternating masks.</b> One coupling leaves x<sub>a</sub> untouched, so layers alternate
which coordinate they keep: in the plane, coupling 1 changes x₁ given x₂, coupling 2 changes
x₂ given x₁, and so on. The composition's log-det is the sum of the layers' log-dets. Watch the
slider: from one k to the next the points move along one axis only.</p>

{section("train", "Training here")}
<p>Choose the data, the number of couplings (2–16), the width of their networks, the steps,
learning rate and batch, then Train ({key(k.TRAIN)}); Pause ({key(k.PAUSE)}) and Stop
({key(k.STOP)}) keep the weights so far. The heat map and the warp update from snapshots of
the weights twice a second, shown as “Trained here”. A learning rate that is too large makes
the log-likelihood explode: the run stops with a message, and “Trained here” keeps the last
finite weights. <b>My points</b>: click or drag on the plot to add points, right-click (or
Shift-click) to remove those nearby, or Load points… ({key(k.LOAD_INPUT)}) from a .csv, .txt
or .npy file of x, y rows.</p>

{experiments([
    "Drag the slider from 0 to L (or press Play): the Gaussian is bent one axis at a time into "
    "two moons. The colours show which part of the Gaussian becomes which part of the moons; "
    "the grid lines show where the plane is stretched (sparse lines: low density) and "
    "squeezed (dense lines: high density).",
    "Turn on “as log p(x)”: the thin bridge of density between the moons. A flow is a "
    "continuous bijection of the whole plane, so it cannot cut the Gaussian in two: some mass "
    "is always left between the modes.",
    "Choose Concentric rings and train with 2 couplings, then with 8: two couplings move x₁ "
    "once and x₂ once, too little to bend a Gaussian into rings (about 2.6 nats after 3,000 "
    "steps here); eight come much closer (about 1.9).",
    "Train with learning rate 1: within a few steps the gradient overflows, training stops "
    "with a message, and “Trained here” keeps the last finite weights.",
    "Choose My points, click a few clusters and train: the density gathers on them. With a "
    "dozen points and many steps it starts to pile up on the points themselves: the exact "
    "likelihood of the training points rewards memorising them (overfitting).",
])}
{look_for([
    "Samples at k = L covering the data, and none of them where the heat map is white.",
    "The mean −log p under the plot: lower is better; the shipped flow reaches about 0.85 nats "
    "on fresh moons.",
])}
{see_also(("gan-lab", "GANs: 2-D lab (no density at all)"),
          ("diffusion-2d", "Diffusion: 2-D particles"))}
"""

PAGES = [Page("likelihood-flows", "Likelihood: Flows 2-D", BODY, order=54)]
