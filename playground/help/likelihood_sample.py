"""Help for the Likelihood panel's Sample and Complete tabs (the lead registers PAGES)."""
from __future__ import annotations

from .. import keys as k
from . import Page
from .markup import experiments, formula, key, look_for, section, see_also

CHAIN = ("p(x) = ∏<sub>i=1</sub><sup>n</sup> p(x<sub>i</sub> | x<sub>1</sub>, …, "
         "x<sub>i−1</sub>) = ∏<sub>i</sub> p(x<sub>i</sub> | x<sub>&lt;i</sub>), &nbsp; "
         "log p(x) = Σ<sub>i</sub> log p(x<sub>i</sub> | x<sub>&lt;i</sub>)")
BERNOULLI = ("p(x<sub>i</sub> = 1 | x<sub>&lt;i</sub>) = σ(f<sub>i</sub>(x<sub>&lt;i</sub>)), "
             "&nbsp; x<sub>i</sub> = 1 if u<sub>i</sub> &lt; p(x<sub>i</sub> = 1 | "
             "x<sub>&lt;i</sub>), u<sub>i</sub> ~ U(0, 1)")
NADE = ("NADE: &nbsp; h<sub>i</sub> = σ(W<sub>·,&lt;i</sub> x<sub>&lt;i</sub> + c), &nbsp; "
        "p(x<sub>i</sub> = 1 | x<sub>&lt;i</sub>) = σ(V<sub>i</sub> · h<sub>i</sub> + "
        "b<sub>i</sub>)")
PREFIX = ("log p(x<sub>1</sub>, …, x<sub>i</sub>) = Σ<sub>j ≤ i</sub> log p(x<sub>j</sub> | "
          "x<sub>&lt;j</sub>) &nbsp; ≤ 0, and it only goes down as i grows")
BITS = "bits per pixel = −log p(x) / (n ln 2), &nbsp; n = 28 × 28 = 784"
COMPLETE = ("x<sub>i</sub> ~ p(x<sub>i</sub> | x<sub>&lt;i</sub>) for each hidden i, in raster "
            "order, with the known pixels fixed wherever they come")
TRUE_CONDITIONAL = ("p(x<sub>H</sub> | x<sub>K</sub>) = p(x<sub>H</sub>, x<sub>K</sub>) / "
                    "Σ<sub>x′<sub>H</sub></sub> p(x′<sub>H</sub>, x<sub>K</sub>)")

SAMPLE = f"""
<p>An autoregressive model (NADE or PixelCNN, picked in the bar above the tabs) draws a binary
digit one pixel at a time. <b>Being drawn</b> is the image so far, in <i>raster order</i>: row
0 left to right, then row 1, and so on; the red square is the pixel drawn last. The readout
under it says which pixel that was, the probability the model gave it of being ink, and what
the draw gave.</p>
{formula(CHAIN, "The chain rule of probability: exact for any distribution, in any order of "
         "the n pixels. An autoregressive model fixes an order (raster order here) and "
         "learns each factor.")}
{formula(BERNOULLI, "Each factor is a Bernoulli distribution: a network f<sub>i</sub> that "
         "sees only the pixels before i gives its probability. The draw compares it with a "
         "uniform number from a generator seeded from the <b>Seed</b> box, so a seed always "
         "draws the same digit.")}
{formula(NADE, "How NADE computes it (one hidden layer per pixel, all sharing W); a "
         "PixelCNN uses masked convolutions, whose kernels are zero on every pixel after i.")}

{section("heat", "The heat map")}
<p><b>p(x<sub>i</sub> = 1 | pixels drawn so far)</b> is one forward pass of the network on the
image as it stands, giving a probability at every position at once (dark: the model expects
black, yellow: ink). Read it in three parts:</p>
<ul>
<li><b>Positions already drawn</b>: exactly the probabilities those pixels were drawn from
(each depends only on the pixels before it, which have not changed since).</li>
<li><b>The next position</b>: the true conditional the next draw will use.</li>
<li><b>Positions further on</b>: computed as if every pixel not yet drawn were black, which
is not what the model will see when it gets there. They change as the drawing goes on: watch
the region below the last row light up as a stroke comes down.</li>
</ul>
<p>For a PixelCNN a conditional need not depend on <i>every</i> earlier pixel: the plain masked
stack has a blind spot up and to the right of each pixel. The product is still an exact p(x),
because no factor looks at a later pixel.</p>

{section("cost", "Why sampling takes n steps and scoring one")}
<p>To <i>score</i> a digit every pixel is known, so all n conditionals come from one forward
pass (the masks stop each from seeing its own pixel or later ones). To <i>sample</i>, pixel i's
conditional needs x<sub>1</sub>, …, x<sub>i−1</sub>, which do not exist until they are drawn:
n = 784 passes, one after another. <b>Sample 16</b> draws 16 digits at once (16 images per
pass, still 784 passes) and reports the time: a PixelCNN on a CPU takes many seconds where NADE,
whose running sum makes each step one small matrix product, takes a fraction of one.</p>

{section("logp", "log p so far")}
{formula(PREFIX, "The exact log-probability of the pixels drawn so far (the marginal of the "
         "first i pixels): each term is the log of the probability of what was drawn. A likely "
         "pixel (p = 0.97 of black, drawn black) costs 0.03 nats; a surprise (p = 0.1 of ink, "
         "drawn ink) costs 2.3.")}
{formula(BITS, "At the end, log p(x) of the whole digit, in nats and in bits per pixel, the "
         "figure papers report (binarized MNIST: NADE ≈ 88.9 nats, PixelCNN ≈ 81.3).")}

<p>Controls: Play / pause ({key("Space")} while the tab has the focus, or
{key("Ctrl+Shift+P")}), Step one pixel ({key("Right")}), Finish (draw the rest as fast as the
model can), Restart (the same seed draws the same digit again), the speed (1 to 784 pixels a
second, or instant; the model sets the real top speed and the tab shows it), the seed and New
seed ({key(k.NEW_NOISE)}), Sample 16 ({key(k.SAMPLE)}, stopped with {key(k.CANCEL)}), and
Save PNG ({key(k.EXPORT)}) for the drawing beside its heat map. Click in the tab first for
Space and Right to reach it.</p>
{experiments([
    "Step ten times at the start: the top rows are background, p is tiny and log p barely "
    "moves. Then play at 25 pixels a second and watch the heat map when the first ink appears.",
    "Pause right after a surprising pixel (p below 0.2, drew 1) and look at the heat map just "
    "below it: the model now expects the stroke to continue there.",
    "Restart: the same digit again, pixel for pixel. New seed: another digit.",
    "Sample 16 with NADE, then with PixelCNN: compare the times and the mean log p.",
])}
{look_for(["The heat map of a finished digit: the probabilities every pixel was drawn from. "
           "Confident (dark or yellow) almost everywhere, uncertain on the stroke edges.",
           "log p dropping in steps where ink is drawn: ink is rarer than background, so each "
           "stroke pixel costs more."])}
{see_also(("likelihood-complete", "Complete: hide part of a digit"))}
"""

COMPLETE_BODY = f"""
<p>Take a digit (a held-out MNIST digit by its index, <b>Random digit</b>
({key(k.RANDOM)}), or your own: <b>Clear</b> ({key(k.CLEAR)}) and draw with the left button,
erase with the right), hide a region (orange), and let the model draw the hidden pixels 8
times from the same known ones. Hide a preset region or choose <b>Paint hidden region</b>:
the left button hides, the right button reveals. In each completion the pixels the model drew
are tinted; under it is log p(x) of the completed image in nats.</p>
{formula(COMPLETE, "What Complete ×8 does: the ordinary sampling loop of the Sample tab, except "
         "that a known pixel is kept instead of drawn. Each hidden pixel sees the known and "
         "already drawn pixels before it in raster order, and nothing after it.")}
{formula(TRUE_CONDITIONAL, "The completion one would want: every hidden pixel given every "
         "known one. The model gives p(x<sub>H</sub>, x<sub>K</sub>) exactly, but the sum runs "
         "over 2<sup>|H|</sup> fillings; the loop above draws from it only when every known "
         "pixel comes before every hidden one.")}

{section("order", "What raster order means for each region")}
<ul>
<li><b>Bottom half</b>: every known pixel comes first, so each hidden pixel is drawn given the
whole top half, and the loop draws from the true conditional. The case raster order suits.</li>
<li><b>Right half</b>: a hidden pixel in row r sees the left halves of rows 0 … r, but not the
left halves of the rows below. Row 10's right half is drawn without knowing how the left half
goes on in rows 11 and down; the known pixels there are only scored, never consulted.</li>
<li><b>Top half</b>: every hidden pixel comes before every known one. The top is a plain sample
of the model's top halves, drawn blind, and the known bottom is pasted under it: expect seams,
and a low log p where they do not fit.</li>
<li><b>Left half</b>: a hidden pixel sees only the right halves of the rows above it: the
first rows are drawn almost blind, the later ones with more to go on.</li>
<li><b>Centre square</b>: the square sees every row above it and, in its own rows, the known
pixels to its left; never the ones to its right or below.</li>
<li><b>Painted</b>: the same rule, pixel by pixel: rows above, and the left of its own row.</li>
</ul>
<p>log p(x) under a completion scores the whole completed image, known pixels included: a
known pixel after the hidden region is scored given what the model drew, so a completion that
does not fit what follows it scores low: compare the 8. The seed box makes the 8
reproducible; New seed ({key(k.NEW_NOISE)}) draws another 8. Complete ×8 is {key(k.SAMPLE)}, Stop {key(k.CANCEL)},
Save PNG {key(k.EXPORT)} (the given digit and the 8 completions with their log p).</p>
{experiments([
    "Bottom half of a 7, then top half of the same 7: the bottom completions continue the "
    "stroke; the top ones are digits of their own, and score lower.",
    "Right half of a 0: the upper rows close the loop nicely, the lower rows often miss where "
    "the left half actually turns.",
    "Paint a small hole in the middle of a stroke: a few pixels with the rows above as "
    "context are filled in almost the same way 8 times.",
    "Clear and draw half a digit yourself, then hide the other half.",
])}
{look_for(["How much the 8 completions differ: little where the context decides (the model is "
           "confident), a lot where it does not.",
           "The log p of each completion beside that of the original digit (shown under "
           "it): the model may well find its own completions more probable than the truth."])}
{see_also(("likelihood-sample", "Sample: pixel by pixel"))}
"""

PAGES = [
    Page("likelihood-sample", "Likelihood: Sample pixel by pixel", SAMPLE, order=50),
    Page("likelihood-complete", "Likelihood: Complete a digit", COMPLETE_BODY, order=51),
]
