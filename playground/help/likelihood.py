"""Help for the Likelihood panel: exact log-likelihood with NADE, PixelCNN and RealNVP.

The Sample/Complete, Score/Counting and Flows pages live in likelihood_sample.py,
likelihood_score.py and likelihood_flows.py (one module per pair of tabs); this module
registers them all with the Train page, in the panel's tab order."""
from __future__ import annotations

from . import Page, register
from .markup import experiments, formula, look_for, see_also

CHAIN = ("log p(x) = Σ<sub>i=1..n</sub> log p(x<sub>i</sub> | x<sub>&lt;i</sub>), &nbsp; "
         "n = 784 pixels in raster order")
NADE = ("h<sub>i</sub> = σ(W<sub>·,&lt;i</sub> x<sub>&lt;i</sub> + c), &nbsp; "
        "p(x<sub>i</sub> = 1 | x<sub>&lt;i</sub>) = σ(α<sub>i</sub> · h<sub>i</sub> + b<sub>i</sub>)")

TRAIN = f"""
<p>Train an autoregressive model of binary digits by maximum likelihood, live. Both models
factor the image's probability with the chain rule, so the loss is the exact negative
log-likelihood, not a bound:</p>
{formula(CHAIN)}
{formula(NADE, "NADE (Larochelle &amp; Murray 2011): one weight matrix W (H×n) shared by all n "
         "conditionals. h<sub>i+1</sub>'s pre-activation is h<sub>i</sub>'s plus one column of "
         "W times x<sub>i</sub>, so all n conditionals cost O(nH), one pass.")}
<p><b>PixelCNN</b> (van den Oord et al. 2016) computes every conditional with convolutions
whose kernels are masked: the first 7×7 layer (mask A) sees only pixels strictly above and to
the left of its centre, the later 3×3 layers (mask B) may also see their own position, which
by then holds only information from before it. One forward pass gives all 784
conditionals; sampling still needs 784 passes, one per pixel. The gated option replaces
ReLU blocks by tanh(W<sub>f</sub>∗x) ⊙ σ(W<sub>g</sub>∗x) (without the paper's vertical and
horizontal stacks, so it keeps the blind spot of the plain masks).</p>
<p><b>Data.</b> Grey digits are binarized afresh for every batch: each pixel is 1 with
probability intensity/255 (the literature's “dynamic binarization”); the held-out digits are
binarized once, with a fixed seed, so every figure scores the same images.</p>
<p><b>What is shown.</b> The curve: the training NLL in nats per image (faint per batch, solid
running mean); red dots: the held-out NLL on 1,000 test digits after each epoch (a saved
checkpoint's figure uses all 10,000). Below: four held-out digits and, under each, the map of
−log p(x<sub>i</sub> | x<sub>&lt;i</sub>) under the latest snapshot: bright pixels surprised the
model. Every snapshot (every 5 s of training) becomes the bar's <b>Trained here</b> model, so
Sample, Complete and Score work with it while it learns.</p>
<p><b>Units.</b> bits/dim = NLL / (784 ln 2). Published figures on binarized MNIST: NADE
88.9 nats (88.33 with an ensemble of orderings), PixelCNN 81.3 nats, after far longer
training than a CPU session allows. A NaN loss stops training with a message; the last
snapshot before it stays.</p>
{experiments([
    "Train NADE with H = 8 and with H = 500: the count of weights grows as 2nH, and the "
    "held-out NLL tells you how much the extra capacity buys.",
    "Train a PixelCNN with 0 blocks: only the 7×7 mask-A layer, so each pixel sees a small "
    "window above it. Sample it in the Sample tab: strokes do not join up.",
    "Watch the surprise maps: the edges of strokes stay bright longest (is the next pixel "
    "ink or background?), the empty border goes dark within the first steps.",
])}
{look_for(["The held-out dots below the training curve early on: each batch is a fresh random "
           "binarization, the held-out set a fixed one.",
           "How quickly the NLL falls from 543 nats (every pixel a coin flip: 784 ln 2) to "
           "about 200 (the background learned) and then slowly."])}
{see_also(("likelihood-sample", "Sample pixel by pixel"), ("likelihood-score", "Score any image"),
          ("likelihood-counting", "Counting parameters"))}
"""


def _pages() -> list[Page]:
    from . import likelihood_flows, likelihood_sample, likelihood_score
    pages = [*likelihood_sample.PAGES, *likelihood_score.PAGES, *likelihood_flows.PAGES,
             Page("likelihood-train", "Likelihood: Train", TRAIN)]
    order = ["likelihood-sample", "likelihood-complete", "likelihood-score",
             "likelihood-counting", "likelihood-flows", "likelihood-train"]
    return [Page(p.key, p.title, p.body, 50 + order.index(p.key)) for p in pages]


register(*_pages())
