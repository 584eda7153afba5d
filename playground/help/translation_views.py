"""Help for the Translation panel's Translate and Shared latent views (the lead registers
PAGES with the rest of the translation family's help)."""
from __future__ import annotations

from .. import keys as k
from . import Page
from .markup import experiments, formula, key, look_for, see_also

# CycleGAN as models/translation/cyclegan.py codes it: LSGAN, cycle λ = 10, identity 0.5 λ.
FULL = ("L(G, F, D<sub>A</sub>, D<sub>B</sub>) = L<sub>GAN</sub>(G, D<sub>B</sub>) + "
        "L<sub>GAN</sub>(F, D<sub>A</sub>) + λ L<sub>cyc</sub>(G, F) + "
        "0.5 λ L<sub>id</sub>(G, F), &nbsp; λ = 10")
LSGAN = ("G: &nbsp; min E<sub>a</sub>[(D<sub>B</sub>(G(a)) − 1)²], &nbsp;&nbsp; "
         "D<sub>B</sub>: &nbsp; min ½ E<sub>b</sub>[(D<sub>B</sub>(b) − 1)²] + "
         "½ E<sub>a</sub>[D<sub>B</sub>(G(a))²]")
CYCLE = ("L<sub>cyc</sub> = E<sub>a</sub>‖F(G(a)) − a‖<sub>1</sub> + "
         "E<sub>b</sub>‖G(F(b)) − b‖<sub>1</sub>, &nbsp;&nbsp; "
         "L<sub>id</sub> = E<sub>b</sub>‖G(b) − b‖<sub>1</sub> + E<sub>a</sub>‖F(a) − a‖<sub>1</sub>")
ERROR = ("e(p) = (1/3) Σ<sub>c</sub> |x<sub>c</sub>(p) − F(G(x))<sub>c</sub>(p)| / 255, &nbsp; "
         "mean error = (1/HW) Σ<sub>p</sub> e(p)")
TRANSLATE = f"""
<p>Unpaired translation (Zhu et al. 2017): a picture x of one domain (a summer landscape, an
MNIST digit), the generator's translation into the other domain, the way back, and where the
way back fails. CycleGAN never saw a pair: it learnt from two separate piles of pictures.</p>
<p><b>What is shown.</b> From left to right: <b>x</b>; <b>G(x)</b>, its translation (F(x) in
the direction B → A); <b>F(G(x))</b>, translated back; the <b>cycle error map</b>
|x − F(G(x))|; and, for a held-out example, the <b>truth</b>: the same scene (or digit) really
drawn in the other style, which the model has never seen. Under the row, the mean error as a
number. The direction switch ({key(k.SWAP)}) swaps the roles: B → A shows F(x), G(F(x)).</p>
<p><b>The cycle error map</b> is the absolute difference per pixel, averaged over the three
colour channels, on a scale where 1 means 255 levels apart. Black: back exactly; pale yellow:
off by the top of the scale (the bar beside it; pick a fixed scale to compare models by eye,
or fit it to the picture):</p>
{formula(ERROR, "Training measures the same on images scaled to [−1, 1], so this picture's "
         "cycle term there is twice the mean shown. F(G(x)) is computed from G(x) "
         "before it is rounded to 8-bit for display, as training computes it.")}
<p><b>The objective.</b> Two generators, G: A → B and F: B → A, two discriminators D<sub>A</sub>,
D<sub>B</sub> (70×70 PatchGANs, one score per patch), least-squares GAN losses:</p>
{formula(FULL)}
{formula(LSGAN, "and the same for F and D<sub>A</sub>. D's fakes come from a history pool of 50 "
         "past translations, which damps oscillation.")}
{formula(CYCLE, "The cycle loss asks every picture to come back after a round trip. The "
         "adversarial losses alone only ask G(a) to look like <i>some</i> B picture: any "
         "mapping onto the B distribution wins, including one that forgets what a showed. "
         "The identity term keeps colours when a picture is already of the target domain.")}
<p><b>Inputs.</b> <b>Random example</b> ({key(k.RANDOM)}): a held-out pair of the model's
domains (landscapes: both styles of one map no training picture used; digits: the held-out
MNIST digits of assets/datasets/mnist-sample, as they are and textured). <b>Open image…</b>
({key(k.LOAD_INPUT)}): any picture; it is made RGB (transparency laid on white), its largest
centred square is cut out and resized bicubically to the model's side, and for UNIT's MNIST
side made grey (L = 0.299 R + 0.587 G + 0.114 B). A picture painted in pix2pix's Paint view
arrives with its <i>Translate →</i> button. Export the row as PNG with {key(k.EXPORT)}.</p>
{experiments([
    "Pick <i>Shipped · CycleGAN landscapes</i> and press " + key(k.RANDOM) + " a few times: "
    "winter is not a colour filter (grass and sand turn to snow cover, water to ice with cracks, "
    "the sky to a grey overcast), so G must know what it looks at. The horizon, trees and "
    "mountains should stay where they were; compare G(x) with the truth: the layout should "
    "match, the texture is the model's own guess.",
    "Now pick <i>CycleGAN landscapes, no cycle loss</i> (λ = 0) on the same kind of picture: "
    "G(x) may still look like a winter landscape, but often not <i>this</i> landscape, and the "
    "error map lights up with a mean several times larger: without the cycle, nothing ties "
    "the output to the input.",
    "Swap the direction (" + key(k.SWAP) + ") and translate winter → summer: is the way back "
    "as good? The two generators are trained together but are different networks.",
    "Paint a landscape in pix2pix, press <i>Translate →</i>, and see your picture in winter.",
    "Open a photo of your own with a landscape model: far from the training pictures, G(x) "
    "degrades, but the cycle can stay small: CycleGAN may hide the information it needs to "
    "come back in faint patterns of G(x) (a known effect: low error is not a good translation).",
])}
{look_for([
    "Where the error map is bright: thin structures (branches, a cloud edge) and flat areas "
    "whose colour G changed completely.",
    "A small mean error with a G(x) that looks unchanged: the generator can satisfy the cycle "
    "by doing almost nothing; the adversarial term is what pushes it into the other style.",
])}
{see_also(("translation-latent", "UNIT's shared latent space"),
          ("pix2pix-paint", "pix2pix: paired translation"))}
"""

UNIT_OBJECTIVE = ("VAE<sub>i</sub>: λ<sub>1</sub>‖G<sub>i</sub>(z<sub>i</sub>) − x<sub>i</sub>‖<sub>1</sub>"
                  " + λ<sub>2</sub>·½‖μ<sub>i</sub>‖², &nbsp; z<sub>i</sub> = μ<sub>i</sub> + ε, "
                  "μ<sub>i</sub> = E<sub>i</sub>(x<sub>i</sub>), ε ~ N(0, I)")
UNIT_CYCLE = ("cycle<sub>i</sub>: λ<sub>3</sub>‖G<sub>i</sub>(E<sub>j</sub>(G<sub>j</sub>(z<sub>i</sub>))"
              " + ε) − x<sub>i</sub>‖<sub>1</sub> + λ<sub>4</sub>·½‖E<sub>j</sub>(G<sub>j</sub>(z<sub>i</sub>))‖²,"
              " &nbsp; λ<sub>1</sub> = λ<sub>3</sub> = 10, λ<sub>2</sub> = λ<sub>4</sub> = 0.1")
DISTANCES = ("paired = (1/N) Σ<sub>i</sub> ‖z<sub>A</sub>(i) − z<sub>B</sub>(i)‖, &nbsp; "
             "random = 1/(N(N−1)) Σ<sub>i≠j</sub> ‖z<sub>A</sub>(i) − z<sub>B</sub>(j)‖")

LATENT = f"""
<p>UNIT (Liu, Breuel and Kautz 2017) assumes a <b>shared latent space</b>: a digit and its
textured twin have the same code z. Each domain has an encoder E<sub>i</sub> and a generator
G<sub>i</sub>; their last and first layers are shared. Translating is encoding in one domain
and decoding in the other: x<sub>A</sub> → z = E<sub>A</sub>(x<sub>A</sub>) →
G<sub>B</sub>(z). This view tests the assumption on digits the model never saw.</p>
<p><b>What is plotted.</b> 500 held-out MNIST digits (the first 500 of
assets/datasets/mnist-sample) encoded twice: as they are, with E<sub>A</sub> (● circles), and
textured (the same digits over landscape patches, MNIST-M's rule), with E<sub>B</sub>
(▲ triangles). Each code is the mean μ of q(z|x), a latent×7×7 map flattened. Both sets are
projected onto a plane with <b>one</b> projection: the PCA of their union (centred on the mean
of all 1,000 codes, the two directions of largest variance; the axis labels give each one's
share). A projection fitted on each domain alone would place the two clouds on top of each
other whatever the codes, and prove nothing. Colour by domain, or by class (the digit) to
see whether codes group by digit rather than by domain.</p>
{formula(UNIT_OBJECTIVE, "q(z|x) = N(E(x), I): only the mean is learnt, so the KL to N(0, I) "
         "is ½‖μ‖².")}
{formula(UNIT_CYCLE, "plus least-squares GAN losses on each domain's translations. Sharing "
         "the layers is what ties the two codes together; the cycle term enforces it.")}
<p><b>The number under the plot</b> measures the claim in the full code space, not the plane
(a plane can hide or fake closeness):</p>
{formula(DISTANCES, "A shared space puts a digit's two codes far closer than two different "
         "digits' codes: a ratio paired / random well below 1. Independent encoders give a "
         "ratio near 1.")}
<p><b>Click a point</b> to see that digit: as MNIST, textured, and both translations (MNIST →
textured, G<sub>B</sub>(E<sub>A</sub>(x)); textured → MNIST, G<sub>A</sub>(E<sub>B</sub>(x))). The
line joins its two codes. Wheel or right-drag to zoom, middle-drag to pan. Export the view
with {key(k.EXPORT)}. A CycleGAN has no shared space (G and F map pictures to pictures), so for
one the view says so instead of plotting.</p>
{experiments([
    "With <i>Shipped · UNIT digits</i>, colour by class: if the space is shared, the circles "
    "and triangles of one digit share a region, and the ratio is well below 1.",
    "Click a triangle far from its circle: often a digit whose texture hides it (dark ink on a "
    "dark patch); the textured → MNIST translation shows what UNIT read.",
    "Train a UNIT in the Train tab and watch this view while it trains: early, the two clouds "
    "sit apart (ratio near 1); they merge as the cycle and the shared layers take hold.",
])}
{look_for([
    "Two clouds apart with colour by domain: the encoders have not agreed on one space.",
    "By class: whether the same digits gather across both symbols.",
])}
{see_also(("translation", "Translate: CycleGAN's cycle"))}
"""

PAGES = [Page("translation", "Translation: Translate", TRANSLATE, order=42),
         Page("translation-latent", "Translation: Shared latent", LATENT, order=44)]
