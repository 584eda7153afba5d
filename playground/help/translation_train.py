"""Help for the Translation panel's Train view: CycleGAN and UNIT trained live.

PAGES is registered by the translation family's help module."""
from __future__ import annotations

from models.translation.domains import MAX_IMAGES, MAX_SIDE, MIN_IMAGES

from .. import keys as k
from . import Page
from .markup import experiments, formula, key, look_for, section, see_also

D_LOSS = ("L<sub>D<sub>B</sub></sub> = ½ E<sub>b</sub>[(D<sub>B</sub>(b) − 1)²] + "
          "½ E<sub>a</sub>[D<sub>B</sub>(G(a))²], &nbsp; and L<sub>D<sub>A</sub></sub> the same "
          "with a, F(b)")
G_LOSS = ("L<sub>GAN</sub> = E<sub>a</sub>[(D<sub>B</sub>(G(a)) − 1)²] + "
          "E<sub>b</sub>[(D<sub>A</sub>(F(b)) − 1)²]")
CYCLE = ("L<sub>cyc</sub> = E<sub>a</sub>‖F(G(a)) − a‖<sub>1</sub> + "
         "E<sub>b</sub>‖G(F(b)) − b‖<sub>1</sub>, &nbsp; "
         "L<sub>id</sub> = E<sub>b</sub>‖G(b) − b‖<sub>1</sub> + E<sub>a</sub>‖F(a) − a‖<sub>1</sub>")
TOTAL = ("G, F minimise &nbsp; L<sub>GAN</sub> + λ L<sub>cyc</sub> + λ<sub>id</sub> λ "
         "L<sub>id</sub>, &nbsp; λ = 10, λ<sub>id</sub> = 0.5")
OPTIMUM = ("D*(x) = p<sub>B</sub>(x) / (p<sub>B</sub>(x) + p<sub>G(A)</sub>(x)); &nbsp; at "
           "p<sub>G(A)</sub> = p<sub>B</sub>: D* = ½, &nbsp; L<sub>D</sub> = ½(½ − 1)² + ½(½)² "
           "= 0.25, &nbsp; L<sub>GAN</sub> = (½ − 1)² + (½ − 1)² = 0.5")
UNIT_VAE = ("z<sub>i</sub> = E<sub>i</sub>(x<sub>i</sub>) + ε, ε ~ N(0, I); &nbsp; "
            "VAE<sub>i</sub>: λ<sub>1</sub>‖G<sub>i</sub>(z<sub>i</sub>) − x<sub>i</sub>‖<sub>1</sub>"
            " + λ<sub>2</sub> · ½‖E<sub>i</sub>(x<sub>i</sub>)‖²")
UNIT_CYCLE = ("cycle<sub>A</sub>: λ<sub>3</sub>‖G<sub>A</sub>(E<sub>B</sub>(G<sub>B</sub>"
              "(z<sub>A</sub>)) + ε) − a‖<sub>1</sub> + λ<sub>4</sub> · "
              "½‖E<sub>B</sub>(G<sub>B</sub>(z<sub>A</sub>))‖², &nbsp; "
              "λ<sub>1</sub> = λ<sub>3</sub> = 10, λ<sub>2</sub> = λ<sub>4</sub> = 0.1")

TRAIN = f"""
<p>Train an unpaired translator live: a <b>CycleGAN</b> (Zhu et al. 2017) or a <b>UNIT</b>
(Liu, Breuel and Kautz 2017). Nobody tells the model which b belongs to which a: each step
draws a batch of domain A and, independently, a batch of domain B. The domains: landscapes
in summer (A) and winter (B), each picture from its own map; MNIST digits (A) and textured
digits (B), different digits on each side; or your own two folders.</p>

{section("pictures", "What the pictures show")}
<p>Four held-out pictures of each domain and their round trips, refreshed about every two
seconds: <b>a</b>, <b>G(a)</b> (its translation into B), <b>F(G(a))</b> (translated back);
below, <b>b</b>, <b>F(b)</b>, <b>G(F(b))</b>. The heading gives the mean round-trip error
|F(G(a)) − a| and |G(F(b)) − b| on a 0–1 scale. For UNIT the rows read a → B and back through
the shared code. For the landscapes and digits the a and b columns show the same scene or
digit, so you can judge G(a) against the truth; the model never saw such pairs. Export the
six rows as a PNG ({key(k.EXPORT)}).</p>

{section("objective", "The objective: least squares, real → 1, fake → 0")}
<p>CycleGAN uses the least-squares GAN (Mao et al. 2017) instead of the log loss: each
PatchGAN discriminator gives a score per patch and is pulled towards the target
<b>1 for real</b> pictures and <b>0 for translations</b>; the generators want their
translations scored 1.</p>
{formula(D_LOSS, "The ½ slows the discriminators against the generators, as in the paper. "
         "Fakes come from a history pool of 50 earlier translations, half the time, so D does "
         "not chase G's latest trick only.")}
{formula(G_LOSS)}
{formula(CYCLE, "‖·‖<sub>1</sub> is the mean absolute difference over pixels, pictures "
         "in [−1, 1].")}
{formula(TOTAL, "λ<sub>id</sub> is relative to λ: with the cycle loss off (λ = 0) the "
         "identity term goes too. The learning rate (2·10⁻⁴, Adam β₁ = 0.5) stays constant "
         "for half the steps, then falls linearly to 0.")}
<p><b>The balance point.</b> For a fixed G, the best least-squares D is</p>
{formula(OPTIMUM, "p<sub>G(A)</sub>: the distribution of translations G(a). The dashed lines "
         "on the charts mark these values: where D can no longer tell.")}

{section("curves", "The four charts")}
<ul>
<li><b>Generators: adversarial</b> — <i>gan</i> = L<sub>GAN</sub>, the two generators' least-squares
terms together. Near 0.5 the translations pass for real as often as not; above it D wins.</li>
<li><b>Cycle</b> — <i>cycle</i> = L<sub>cyc</sub>, how far the round trips land from where they
started (before the factor λ). With the cycle loss off there is no such term and nothing is
plotted. UNIT: <i>recon</i>, each VAE's own reconstruction, and <i>cycle</i>, the way back
through the other domain.</li>
<li><b>Identity</b> — <i>identity</i> = L<sub>id</sub>: how much G changes a picture that is
already in B (and F one in A); it keeps colours from drifting. UNIT: <i>kl</i> and
<i>cycle_kl</i>, ½‖μ‖² of the codes and of the translated codes.</li>
<li><b>Discriminators</b> — <i>d_a</i> and <i>d_b</i>, each L<sub>D</sub> above. The dashed line at
0.25 is D ≡ ½; a curve sinking towards 0 means that discriminator tells real from fake
easily.</li>
</ul>
<p>Faint lines are per step, solid ones a running mean.</p>

{section("cycle", "The cycle switch: what the cycle loss prevents")}
<p>The adversarial terms only ask that translations <i>look like</i> the other domain: that the
distribution of G(a) match that of b. Infinitely many maps do that, and nothing in
L<sub>GAN</sub> ties G(a) to its own a. Untick <b>Cycle loss (λ = 10)</b> to train with
λ = 0 and watch what follows:</p>
<ul>
<li><b>Mode collapse</b>: G maps many or all a onto one plausible picture of B (the same
winter scene, the same textured digit), which D_B cannot fault picture by picture;</li>
<li><b>content not kept</b>: the mountains move, the lake disappears, a 3 becomes an 8; the
translation is a good B but not <i>this</i> a's B;</li>
<li>F(G(a)) no longer returns a: the round-trip rows and their error show it.</li>
</ul>
<p>With the cycle term, F must be able to undo G, so G(a) has to keep what identifies a: G
becomes close to one-to-one, and the content stays while the style changes.</p>

{section("unit", "UNIT")}
<p>Two VAE-GANs whose last encoder layers and first generator layers are shared, so a digit of
either domain encodes into one latent space and decodes into either: a → z → G<sub>B</sub>(z)
translates. Only the mean of q(z|x) is learnt (q = N(E(x), I)), so the KL to N(0, I) is
½‖μ‖².</p>
{formula(UNIT_VAE)}
{formula(UNIT_CYCLE, "The GAN terms are least squares, as CycleGAN's. The Shared latent view "
         "plots both domains' codes in one plane.")}

{section("data", "Your folders")}
<p>Pick one folder holding A/ and B/, or the two folders apart. Every readable image is taken
in name order (at most {MAX_IMAGES:,} a side) and becomes RGB (grey and palette images are
expanded, transparency is laid on white); its largest centred square is cut out and resized
to the chosen size (bicubic), so mixed sizes and shapes are fine. Unreadable files are
skipped and reported; an image over {MAX_SIDE:,} px a side is skipped; a side with fewer than
{MIN_IMAGES} usable images is refused. The folders are checked as soon as you pick them, and
again at Start; a bad folder is refused with the reason and nothing trains. The files are only
read, and a checkpoint keeps the folders' names, never their paths.</p>
<p>The digits come from the app's data folder (the MNIST training digits, split in two), or,
if MNIST is not there, from the 2,000 digits bundled in assets/datasets/mnist-sample; the
status line says which.</p>

{section("controls", "Controls")}
<p>Start ({key(k.TRAIN)}), pause and resume ({key(k.PAUSE)}), stop ({key(k.STOP)}): a stopped
run keeps the weights of its last step. Every snapshot goes to the Translate view at once;
Save checkpoint (here or in the File menu) writes the latest to a folder. If a loss becomes NaN,
training stops with a message and the last snapshot stays usable.</p>

{experiments([
    "Train the landscapes twice, with and without the cycle loss, a few hundred steps each: "
    "compare the G(a) rows, then the round-trip error in the heading.",
    "Set the identity weight λ<sub>id</sub> to 0: the sky's and the water's colours drift "
    "more, since nothing asks G to leave winter-like parts alone.",
    "Train UNIT on the digits and open the Shared latent view: plain and textured 7s "
    "should land near each other.",
])}
{look_for(["d_a and d_b hovering near the dashed 0.25 while gan sits near 0.5: a balanced game.",
           "Without the cycle loss: the four G(a) pictures becoming alike (mode collapse).",
           "The cycle curve falling steadily while gan hovers: content is being kept."])}
{see_also(("pix2pix-train", "Paired translation: pix2pix"), ("gan-digits#train", "GAN training tips"))}
"""

PAGES = [Page("translation-train", "Translation: Train", TRAIN, order=43)]
