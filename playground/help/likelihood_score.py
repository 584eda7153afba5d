"""Help for the Likelihood panel's Score and Counting tabs: an exact log-likelihood beside a
VAE's bounds, and how many parameters a distribution over binary pixels needs."""
from __future__ import annotations

from .. import keys as k
from . import Page
from .markup import experiments, formula, key, look_for, misprint, section, see_also

CHAIN_RULE = ("log p(x) = Σ<sub>i=1</sub><sup>n</sup> log p(x<sub>i</sub> | x<sub>&lt;i</sub>), "
              "&nbsp; x<sub>&lt;i</sub> = the pixels before i in raster order")
SURPRISE = ("surprise of pixel i = −log p(x<sub>i</sub> | x<sub>&lt;i</sub>) = "
            "−[x<sub>i</sub> log π<sub>i</sub> + (1 − x<sub>i</sub>) log(1 − π<sub>i</sub>)], "
            "&nbsp; π<sub>i</sub> = p(x<sub>i</sub> = 1 | x<sub>&lt;i</sub>)")
BITS = "bits/dim = −log p(x) / (n ln 2)"
# the literature's NADE figure, as a worked example (tests check the arithmetic)
EXAMPLE_NATS, EXAMPLE_BITS = 88.9, 0.1636
ELBO = ("ELBO(x) = E<sub>q(z|x)</sub>[log p(x|z)] − KL(q(z|x) ‖ p(z)) "
        "&nbsp;=&nbsp; log p(x) − KL(q(z|x) ‖ p(z|x)) &nbsp;≤&nbsp; log p(x)")
IWAE = ("L<sub>k</sub> = E[log (1/k) Σ<sub>i=1</sub><sup>k</sup> w<sub>i</sub>], &nbsp; "
        "w<sub>i</sub> = p(x|z<sub>i</sub>) p(z<sub>i</sub>) / q(z<sub>i</sub>|x), &nbsp; "
        "z<sub>i</sub> ~ q(z|x)")
ORDER = ("ELBO = L<sub>1</sub> ≤ L<sub>10</sub> ≤ L<sub>100</sub> ≤ L<sub>1000</sub> ≤ "
         "log p(x), &nbsp; L<sub>k</sub> → log p(x) as k → ∞")
ELBO_MISPRINT = "ELBO(x) = E<sub>q(z|x)</sub>[log p(x|z)] + KL(q(z|x) ‖ p(z))"
ELBO_WHY = ("The KL term is subtracted. KL is never negative, so with a plus sign the "
            "“lower bound” would sit above the reconstruction term and could exceed log p(x); "
            "the VAE's training loss is the negative ELBO, reconstruction error <i>plus</i> KL, "
            "which is where the plus sign comes from.")

SCORE = f"""
<p>Draw a digit, pick one of the held-out digits, or load any image, and see how likely the
selected exact model (NADE or PixelCNN, in the bar above) finds it — and, beside it, what a
VAE can say about the <i>same binary image</i>: only bounds.</p>

{section("screen", "What is on the screen")}
<p><b>Left: the image</b>, 28×28 binary pixels (the model's size). Paint with the left button,
erase with the right; {key(k.SMALLER)} and {key(k.LARGER)} change the brush. Clear
({key(k.CLEAR)}), Undo ({key(k.UNDO)}), Redo ({key(k.REDO)}), Invert (1 − x), a held-out digit
by number or at random ({key(k.RANDOM)}): 2,000 MNIST test digits no shipped model trained on,
binarized once. Load image… ({key(k.LOAD_INPUT)}) scores a file of your own; Export PNG…
({key(k.EXPORT)}) saves the image and its surprise map side by side.</p>
<p><b>Middle: the exact score.</b> An autoregressive model writes p(x) as a product of
conditionals, each a Bernoulli given the pixels before it, so its log-likelihood is a sum that
one forward pass computes exactly:</p>
{formula(CHAIN_RULE)}
<p>The map shows each term's negative, the pixel's <i>surprise</i>; the map sums to −log p(x).
Hover a pixel (on either image) for its numbers: its value, the probability the model gave
that value, and the surprise in nats.</p>
{formula(SURPRISE, "Dark: the model expected this value. Bright: it bet on the other one.")}
<p><b>Nats and bits/dim.</b> Natural logarithms give nats. Dividing by the number of pixels
and by ln 2 gives bits per dimension, the average number of bits an ideal code built from the
model would spend per pixel: comparable across image sizes and data sets.</p>
{formula(BITS, f"n = 784 for 28×28. Example: NADE's published {EXAMPLE_NATS} nats on binarized "
         f"MNIST is {EXAMPLE_NATS} / (784 · 0.6931) = {EXAMPLE_BITS} bits/dim. A model that "
         "knows nothing (p = ½ everywhere) scores 784 ln 2 = 543.4 nats = 1 bit/dim.")}

{section("vae", "Exact against a bound: the VAE")}
<p><b>Right: the shipped VAE</b> (checkpoints/mnist-vae-2d: 2-D latent, Bernoulli decoder over
the pixels). Its log p(x) = log ∫ p(x|z) p(z) dz has no closed form; what it gives are lower
bounds. The evidence lower bound:</p>
{formula(ELBO, "p(z) = N(0, I), q(z|x) = the encoder's Gaussian; the gap is the KL from q to "
         "the true posterior p(z|x).")}
{misprint(ELBO_MISPRINT, ELBO_WHY)}
<p>The importance-weighted bound (Burda et al., 2016) averages k weights inside the log:</p>
{formula(IWAE)}
{formula(ORDER, "Jensen's inequality: the log of an average is at least the average of the "
         "logs; the more samples inside the log, the tighter. k = 1 is the ELBO's own "
         "estimator.")}
<p>Pick k in the box (1, 10, 100, 1,000). Each L<sub>k</sub> shown is the mean of several
independent k-sample estimates (about 2,000 draws in all, seeded, so an image always gets the
same figures) ± its standard error; the ELBO uses the closed-form KL and 1,000 draws. They are
computed after each change without freezing the window (“computing…”); every k computed for
the image so far is listed. These are bounds on the <i>VAE's</i> log-likelihood, a different
model: compare them with the exact figure as two models' opinions of the same image, with the
VAE's opinion known only from below.</p>

{section("load", "Loading an image: the rule")}
<p>Any image (1-bit, grey, palette, RGB, with alpha, 16-bit, CMYK …) becomes one binary digit by
a fixed rule, stated in the line under the image (e.g. “converted: 640×480 RGB → 28×28 binary,
inverted”):</p>
<ol>
<li><b>Grey</b>: colours by luma; 16-bit and float images by their range; transparent pixels
become the background, white behind dark strokes and black behind light ones.</li>
<li><b>Fit</b>: the longer side scaled to 28 (each new pixel the mean of the area it covers),
the aspect ratio kept, the rest padded with the border's grey.</li>
<li><b>Invert</b> when the background is light (the border's mean above 0.5), so ink is white
on black, as in MNIST.</li>
<li><b>Threshold</b>: 1 where the grey level is above 0.5, else 0.</li>
</ol>
<p>Refused, with the reason: a missing, unreadable, corrupt or empty file, something that is not
an image, an image with no pixels, or one wider or taller than 8,192 pixels.</p>

{experiments([
    "Take a few held-out digits, then draw your own: your digit is usually less likely — "
    "strokes thicker or thinner than MNIST's cost nats on every edge pixel.",
    "Press Invert: a white page with a black digit is a very unlikely MNIST image; the map "
    "lights up over the whole background.",
    "Draw one stray dot far from the digit: watch one bright pixel on the map, and log p drop "
    "by its surprise.",
    "Switch k from 1 to 1,000 on the same digit: the bound climbs, fast at first, then slowly.",
    "Photograph a handwritten digit on paper and load it: the rule inverts it and scales it "
    "into the frame.",
])}
{look_for([
    "Where the surprise sits: often on the first pixel of a stroke in raster order (nothing "
    "before it announced it) and along edges, rarely inside a stroke the model has seen start.",
    "The gap L<sub>k</sub> − ELBO: a large gap means the encoder's q(z|x) fits the true "
    "posterior badly for this image.",
])}
{see_also(("likelihood-counting", "Counting parameters"),
          ("autoencoder", "Autoencoders: AE and VAE"))}
"""

TABLE_ROWS = [
    ("Full joint table", "2<sup>n</sup> − 1", "one probability per image, less one: they sum "
     "to 1"),
    ("Independent pixels", "n", "p(x<sub>i</sub> = 1) per pixel; no pixel knows another"),
    ("Markov chain", "2n − 1", "p(x<sub>1</sub>), then p(x<sub>i</sub> = 1 | x<sub>i−1</sub>) "
     "for each value of the previous pixel"),
    ("FVSBN", "n(n + 1)/2", "pixel i: a logistic regression σ(b<sub>i</sub> + Σ<sub>j&lt;i</sub> "
     "w<sub>ij</sub> x<sub>j</sub>), i − 1 weights and a bias"),
    ("NADE", "2nH + n + H", "W (H×n), c (H), α = V (n×H), b (n): every conditional shares W"),
    ("PixelCNN", "fixed", "masked convolutions: the same kernels at every pixel, so the count "
     "does not depend on n"),
]


def _table() -> str:
    rows = "".join(f"<tr><td>{a}</td><td class='m'>{b}</td><td>{c}</td></tr>"
                   for a, b, c in TABLE_ROWS)
    return ("<table cellpadding='4' cellspacing='0' border='1' style='border-collapse: "
            "collapse'><tr><th>Model</th><th>Parameters</th><th>Why</th></tr>" + rows
            + "</table>")


COUNTING = f"""
<p>How many numbers does it take to write down a distribution over n binary pixels? The
lectures' table, live: move the image side from 2 to 64 (n = side²) and watch the counts, exact
when they are small and as powers of ten when they are not (2<sup>4096</sup> − 1 has 1,234
digits: ≈ 10<sup>1233</sup>). The bar chart puts them on one scale, log₁₀ of the count; untick
“Full joint in the chart” to compare the rest. Export PNG… ({key(k.EXPORT)}) saves the
chart.</p>
{_table()}
{section("chain", "The chain rule costs nothing, full tables cost everything")}
{formula("p(x) = p(x<sub>1</sub>) p(x<sub>2</sub> | x<sub>1</sub>) … p(x<sub>n</sub> | "
         "x<sub>1</sub>, …, x<sub>n−1</sub>)",
         "Exact for every distribution. With a full table per conditional, pixel i needs one "
         "number per context x<sub>&lt;i</sub>: Σ<sub>i</sub> 2<sup>i−1</sup> = 2<sup>n</sup> − 1, "
         "the same as the joint table.")}
<p>Every row below the first makes an assumption to cut the count: independence (n), a
one-pixel memory (2n − 1), or conditionals of a fixed parametric form. The autoregressive
models keep the chain rule <i>exact</i> and restrict only the form of each conditional:</p>
<ul>
<li><b>FVSBN</b>: a logistic regression per pixel, n(n + 1)/2 weights: quadratic in n.</li>
<li><b>NADE</b> shares its input weights between the conditionals: the hidden pre-activation
of pixel i is that of pixel i − 1 plus one column, a<sub>i</sub> = a<sub>i−1</sub> +
W<sub>·,i−1</sub> x<sub>i−1</sub>, so 2nH + n + H parameters (linear in n) and all n
conditionals in O(nH) time.</li>
<li><b>PixelCNN</b> shares much more: one set of convolution kernels slides over every pixel,
masked so that position i sees only pixels before it. Its count is set by channels and blocks
and stays the same for any image size (the tooltip on its count says how many of the stored
kernel weights the masks leave non-zero).</li>
</ul>
<p><b>Why this is what makes them tractable.</b> Shared weights mean few parameters to learn,
and the masks make every conditional available from <i>one</i> forward pass: log p(x) is exact
and as cheap as one evaluation of the network (see the Score tab). Sampling is the price:
n passes, one pixel at a time.</p>
{experiments([
    "Slide the side from 2 to 64: the full table passes the number of atoms in the universe "
    "(about 10<sup>80</sup>) at side 17 (n = 289).",
    "At side 2 or 3 the full table, which can hold every distribution, needs fewer numbers "
    "than NADE or PixelCNN: sharing weights pays off only when there are many pixels.",
    "Raise NADE's H to 4,096: the FVSBN no longer catches up below side 64. Raise PixelCNN's "
    "blocks: its bar grows, but moving the side still never moves it.",
])}
{look_for(["The FVSBN bar (n²) rising faster than NADE's (n) as the side grows, and "
           "passing it when n(n + 1)/2 > 2nH + n + H, i.e. n a little above 4H + 1: side 45 "
           "for H = 500."])}
{see_also(("likelihood-score", "Score any image"))}
"""

PAGES = [Page("likelihood-score", "Likelihood: Score", SCORE, order=52),
         Page("likelihood-counting", "Likelihood: Counting", COUNTING, order=53)]
