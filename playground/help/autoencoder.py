"""Help for the Autoencoders panel: one page, a section per tool (F1 opens the tool on screen)."""
from __future__ import annotations

from .. import keys as k
from . import Page, register
from .markup import experiments, formula, key, link, look_for, misprint, section, see_also

# The KL term of the VAE, as the app computes it (models.autoencoder.nets.kl_to_standard_normal).
KL = ("KL(q<sub>φ</sub>(z|x) ‖ N(0, I)) = −½ Σ<sub>j</sub> (1 + log σ<sub>j</sub><sup>2</sup> "
      "− μ<sub>j</sub><sup>2</sup> − σ<sub>j</sub><sup>2</sup>)")
KL_MISPRINT = ("+½ Σ<sub>j</sub> (1 + log σ<sub>j</sub><sup>2</sup> − μ<sub>j</sub><sup>2</sup> "
               "− σ<sub>j</sub><sup>2</sup>)")

BODY = f"""
<p>The left column trains a fresh model; the middle is the <b>latent plane</b>; the right shows
the decoded image of the point you clicked and four tools (Sample, Grid, Attributes, Morph).
The model box at the top picks which model every part uses: the pretrained 2-D VAE and AE
on MNIST digits and on Fashion-MNIST clothes, checkpoints you open, and models you train
here.</p>
<p><b>Fashion-MNIST</b> is the lectures' own demonstration: trained without labels, the plane
still puts trousers, footwear and bags apart from the tops, and drawing from the prior gives
garments for the VAE but, for the AE, many faint smudges from the empty parts of its plane.
Each model is shown over 2,000 held-out images of its own dataset (for Fashion-MNIST the last
10,000 of its training set were held out; the shipped sample is 2,000 of them).</p>

{section("latent", "The latent plane (click-to-sample)")}
<p><b>What is plotted:</b> every dot is one of 2,000 held-out images x (digits or clothes, as
the model was trained), placed at its code
z = enc(x) (the mean μ(x) for a VAE), coloured by its class. For latent dimensions above 2 the
plane is a PCA projection of the codes and a click decodes the point of that plane.
Clicking (or dragging) at a point z decodes it: the image on the right is dec(z).</p>
{formula("AE: &nbsp; z = enc(x), &nbsp; x̂ = dec(z), &nbsp; loss = −Σ<sub>pixels</sub> "
         "[x log x̂ + (1 − x) log(1 − x̂)] &nbsp; (binary cross-entropy)"
         "<br>VAE: &nbsp; q<sub>φ</sub>(z|x) = N(μ(x), diag σ²(x)), &nbsp; z = μ + σ ⊙ ε, "
         "ε ~ N(0, I), &nbsp; p(z) = N(0, I)",
         "The decoder outputs a Bernoulli probability per pixel, so −log p(x|z) is the "
         "binary cross-entropy summed over the 784 pixels.")}
<p>Modes above the plot: {key(k.EXPLORE)} Explore (click to decode), {key(k.LASSO)} Lasso and
{key(k.RECTANGLE)} Box (select points for an attribute vector).</p>
{experiments([
    "With the <b>VAE</b> selected, drag slowly from the middle of one class's cloud to another: "
    "the digit changes smoothly, and the images between clouds are still digit-like.",
    "Select the <b>AE</b> and do the same, then click in a gap between clouds and far outside "
    "them: the AE decodes garbage where it has no data; the VAE, near its prior, rarely does.",
    "Click the centre (0, 0) of the VAE's plane: it decodes an 'average' digit, because the KL "
    "term pulls every code towards the prior's mean.",
])}
{look_for([
    "How tightly each class clusters and whether clusters overlap (1, 7 and 9 often do).",
    "The AE's codes can sit anywhere and leave gaps; the VAE's fill a roughly round region "
    "around 0 (the prior N(0, I)).",
])}

{section("sample", "Sample: drawing from the prior")}
<p><b>Draw from prior</b> ({key(k.SAMPLE)}) draws N codes, marks them on the plane as numbered
crosses and shows their decodings. For the VAE, z ~ N(0, I), the prior it was trained towards;
the AE has no prior, so the app draws uniformly in a box around its codes.</p>
{experiments([
    "Draw 16 from the VAE, then 16 from the AE: count how many of each look like digits.",
    "Train a VAE with <b>β = 0</b> (Train, left column, β (KL weight)), then sample from its "
    "prior: with no KL term it is an autoencoder with noise, its codes drift away from "
    "N(0, I), and samples from the prior land where no data is — this is why an AE cannot "
    "generate.",
    "Train with β = 4: samples are more often digits but blurrier; the crosses fall inside the "
    "data's cloud.",
])}
{look_for(["Crosses that land in empty regions of the plane: their decodings are the bad ones."])}

{section("grid", "Grid: the decoder over a region")}
<p><b>Decode visible region</b> ({key(k.GRID)}) decodes a regular n×n grid of z over what
the plot shows and tiles the images; <b>Follow the view</b> redraws it while you pan and zoom.</p>
{experiments([
    "Zoom out on the VAE until the grid spans ±4: digits morph continuously, and the border "
    "(far from the prior) turns blurry.",
    "Do the same with the AE: sharp digits inside the clouds, nonsense in the gaps.",
    "Zoom into the border between two classes: see the decoder blend them.",
])}
{look_for(["Smoothness: neighbouring tiles should look alike for a VAE."])}

{section("attributes", "Attributes: vector arithmetic in z")}
<p>An attribute vector is v = mean z(with) − mean z(without), from a class (“is a 7”) or from
points you select with Lasso ({key(k.LASSO)}) or Box ({key(k.RECTANGLE)}). The image shown is
dec(z + Σ<sub>i</sub> α<sub>i</sub> v<sub>i</sub>), one slider per attribute,
α ∈ [−3, 3]; the base z is the last point you clicked.</p>
{formula("z' = z + Σ<sub>i</sub> α<sub>i</sub> v<sub>i</sub>, &nbsp; "
         "v = (1/|S|) Σ<sub>x∈S</sub> enc(x) − (1/|S̄|) Σ<sub>x∉S</sub> enc(x)")}
{experiments([
    "Click a 1, add the class attribute “is a 0” and slide α up: the stroke opens into a loop.",
    "Lasso the slanted digits of one class, add the selection, and move α from −2 to 2 on "
    "another digit: the slant carries over.",
    "Push α to ±3 on the AE: you leave the data and the image breaks down.",
])}
{look_for(["Whether an attribute changes only what you selected for (slant) or everything."])}

{section("morph", "Morph: interpolating between two codes")}
<p>Pick A and B on the plot (or by held-out index); slide α ∈ [0, 1] or press
<b>▶ Play</b> ({key(k.PLAY)}), which runs A → B → A at the speed in the fps box. Linear: z = (1 − α) z<sub>A</sub> + α z<sub>B</sub>;
<b>Spherical (slerp)</b> follows the great circle, which keeps ‖z‖ typical of the prior in
high dimensions. Export a PNG strip or a GIF.</p>
{formula("slerp(z<sub>A</sub>, z<sub>B</sub>; α) = sin((1−α)θ)/sin θ · z<sub>A</sub> + "
         "sin(αθ)/sin θ · z<sub>B</sub>,<br>cos θ = ⟨z<sub>A</sub>, z<sub>B</sub>⟩ / "
         "(‖z<sub>A</sub>‖ ‖z<sub>B</sub>‖)")}
{experiments([
    "Morph a 3 into an 8 with the VAE, then with the AE: the AE's middle frames are blurrier "
    "or not digits at all.",
    "Pick A and B on opposite sides of 0 and compare linear with slerp: linear passes through "
    "the mean digit at α = ½.",
    "Export the GIF and watch where the class flips.",
])}
{look_for(["The frame where the identity switches, and whether every frame is a plausible digit."])}

{section("compare", "Compare AE ↔ VAE")}
<p>{key(k.COMPARE)} shows both latent planes side by side with a decoded grid under each: the AE
packs codes wherever it likes and leaves gaps that decode to nonsense; the VAE's KL term pulls
codes towards N(0, I), so its plane is filled in.</p>
{experiments([
    "Compare the ranges of the two planes' axes: the AE's is arbitrary, the VAE's is about ±3.",
    "Click the same empty spot in both planes.",
    "Train an AE here, then compare it with the pretrained VAE.",
])}
{look_for(["Gaps between clusters in the AE's grid that the VAE fills with in-between digits."])}

{section("train", "Train: the loss curves")}
<p>Train ({key(k.TRAIN)}), Pause ({key(k.PAUSE)}), Stop ({key(k.STOP)}). The top chart is
the reconstruction loss per image, the bottom the KL per image (VAE), per step, with the test
loss as dots per epoch. The AAE, the WAE, the hierarchical VAE and the VAE with a PixelCNN
decoder train here too: their options and curves are explained on
{link("autoencoder-priors#train-kinds", "their own page")}. For the VAE, the loss is the
negative ELBO, with β weighting the KL (β = 1 is the ELBO):</p>
{formula("L(x) = E<sub>q<sub>φ</sub>(z|x)</sub>[−log p<sub>θ</sub>(x|z)] + β · KL(q<sub>φ</sub>(z|x) ‖ N(0, I))")}
{formula(KL, "μ, σ² are the encoder's outputs for x; the sum runs over the latent dimensions. "
         "Each term is ≥ 0, and the KL is 0 only at μ = 0, σ² = 1.")}
{misprint(KL_MISPRINT,
          "Some printed notes lose the minus sign. Check: at μ = 0, σ² = 2 the correct KL is "
          "½(2 − 1 − log 2) ≈ 0.15 &gt; 0, the misprint gives −0.15. A KL is never negative; with "
          "the wrong sign, minimising the loss would <i>reward</i> a posterior far from the prior "
          "(large μ², σ² growing without bound), the opposite of what the term is for.")}
<p>The form starts at batch 64 and Adam 2·10⁻³. With a 2-D latent, how far the classes
separate in a short run depends mostly on how many updates it makes: on 4,000 Fashion-MNIST
images for 10 epochs these defaults reach a 5-NN accuracy of 0.61 on held-out codes, where
batch 128 and 10⁻³ (the defaults before) reached 0.56 (three seeds each). Larger batches train
faster per epoch on a big dataset; give them more epochs or a larger learning rate.</p>
{experiments([
    "Train a VAE for 2 epochs at β = 1 and watch the KL chart rise first, then settle.",
    "Train with β = 0: the KL curve climbs freely, the reconstruction is better, and Sample "
    "(above) shows the cost.",
    "Train the MLP (784-400-d) and the CNN side by side in turns and compare test losses.",
])}
{look_for(["Test dots above the training curve: overfitting.",
           "A KL that collapses to ~0 with large β: the decoder ignores z (posterior collapse)."])}
{see_also(("gan-digits#latent", "A GAN's latent space"), ("diffusion-forward", "Diffusion"))}
"""

def _pages() -> list[Page]:
    from . import autoencoder_priors
    return [Page("autoencoder", "Autoencoders: AE and VAE", BODY, order=10),
            *autoencoder_priors.PAGES]


register(*_pages())
