"""Help for the Autoencoders panel's Train column: the kinds beyond the AE and VAE (AAE, WAE,
hierarchical VAE, the VAE with a PixelCNN decoder) and every option the form shows for them.

`SECTION` (anchor "train-kinds") is part of the page on the AAE, WAE, collapse and hierarchy
(autoencoder_priors.py).
"""
from __future__ import annotations

from .markup import experiments, formula, look_for, section

SECTION = f"""
{section("train-kinds", "Train: the kinds and their options")}
<p>The <b>Model</b> box picks what to train; only the options of that kind are shown. Every
kind shares the encoder and decoder of the chosen architecture, so they compare fairly. The
charts below the buttons show, per step, the reconstruction term (top) and what keeps the
codes in shape (bottom); the dots are the held-out losses at the end of each epoch.</p>

<h3>VAE and the β-VAE</h3>
{formula("L(x) = E<sub>q(z|x)</sub>[−log p(x|z)] + β · KL(q(z|x) ‖ N(0, I)), &nbsp; "
         "KL = ½ Σ<sub>j</sub> (μ<sub>j</sub><sup>2</sup> + σ<sub>j</sub><sup>2</sup> − 1 − "
         "log σ<sub>j</sub><sup>2</sup>)",
         "β = 1 is the negative ELBO; the lower chart shows the KL (nats per image).")}
<p><b>Decoder: PixelCNN.</b> The plain decoder makes every pixel independent given z,
p(x|z) = Π<sub>i</sub> p(x<sub>i</sub>|z), so the only way to model strokes is through z. The
PixelCNN decoder is autoregressive, p(x|z) = Π<sub>i</sub> p(x<sub>i</sub>|x<sub>&lt;i</sub>,
z): it can model the digits on its own, and the KL term then pays nothing to push every
q(z|x) onto the prior. That is <b>posterior collapse</b>: the KL chart drops to about 0 and z
is ignored. It trains on binarised images and costs about 0.4 s a step on a CPU.</p>
<p>The three <b>remedies</b>:</p>
<ul>
<li><b>β &lt; 1</b> makes information in z cheaper.</li>
<li><b>KL warm-up</b> (steps): β<sub>t</sub> = β · min(1, t / T), so for the first T steps the
decoder learns to read z before the KL pulls on it.</li>
<li><b>Free bits</b> λ (nats): the penalty is Σ<sub>j</sub> max(λ, KL<sub>j</sub>), with
KL<sub>j</sub> the batch mean of dimension j's KL; below λ a dimension's KL costs nothing
more, so there is no gain in collapsing it. The KL chart still shows the true KL.</li>
</ul>

<h3>HVAE: two latent layers</h3>
{formula("p(x, z<sub>1</sub>, z<sub>2</sub>) = p(z<sub>2</sub>) p(z<sub>1</sub>|z<sub>2</sub>) "
         "p(x|z<sub>1</sub>), &nbsp; L = E[−log p(x|z<sub>1</sub>)] + β · "
         "(KL(q(z<sub>2</sub>|x) ‖ N(0, I)) + E<sub>q(z<sub>2</sub>|x)</sub> "
         "KL(q(z<sub>1</sub>|x, z<sub>2</sub>) ‖ p(z<sub>1</sub>|z<sub>2</sub>)))",
         "The ladder's q(z<sub>1</sub>|x, z<sub>2</sub>) merges the bottom-up and the top-down "
         "Gaussians by precision: 1/σ² = 1/σ<sub>q</sub>² + 1/σ<sub>p</sub>², "
         "μ = σ² (μ<sub>q</sub>/σ<sub>q</sub>² + μ<sub>p</sub>/σ<sub>p</sub>²).")}
<p><b>Top dim</b> is z<sub>2</sub>'s size; the latent dim is z<sub>1</sub>'s, the code the plane
shows. The lower chart splits the KL into the top and bottom levels. The same remedies (β,
warm-up, free bits, per dimension of each level) apply.</p>

<h3>AAE: a critic on z</h3>
<p>Each step has three phases, each its own optimiser step: (1) encoder and decoder minimise
the reconstruction −log p(x|z); (2) the critic D learns to tell prior draws (real) from codes
(fake); (3) the encoder learns to fool D.</p>
{formula("L<sub>D</sub> = −E<sub>z~p(z)</sub>[log D(z)] − E<sub>x</sub>[log(1 − D(enc(x)))], "
         "&nbsp; L<sub>enc</sub> = −E<sub>x</sub>[log D(enc(x))]",
         "When D cannot tell the two apart (D = ½ everywhere), L<sub>D</sub> = 2 log 2 ≈ 1.39 and "
         "L<sub>enc</sub> = log 2 ≈ 0.69: the dashed lines on the lower chart.")}
<ul>
<li><b>Prior</b>: anything that can be sampled works, since only draws are needed: N(0, I); a
mixture of 10 Gaussians (σ = 0.5) on a circle of radius 4; a swiss roll; the square
[−2, 2]²; a ring of radius 2; or your own points (drawn with replacement, plus noise of
σ = 0.05). The shaped priors are 2-D, so the latent dim is fixed at 2 while one is chosen.</li>
<li><b>Your points</b>: <i>Load points…</i> reads a .csv / .txt (x, y per row) or a .npy N×2
array; <i>Draw</i> shows a canvas of [−4, 4]² where a click adds a point and a drag a trail
of them; <i>Clear</i> starts a new drawing. A set needs 10 to 5,000 finite points with some
spread; one that fails is not used (the reason shows in red) and training keeps the last good
set.</li>
<li><b>Gaussian encoder</b>: q(z|x) = N(μ(x), σ²(x)) and a sample z = μ + σε goes on, instead
of the deterministic z = f(x).</li>
<li><b>Supervised</b> (mixture of 10 only): the critic also sees the one-hot label, and prior
draws for class k come from component k, so each class lands on its own component.</li>
</ul>

<h3>WAE: match the mixture, not each posterior</h3>
{formula("L = E<sub>x</sub> ‖x − dec(enc(x))‖² + λ · D(q<sub>Z</sub>, p<sub>Z</sub>), &nbsp; "
         "q<sub>Z</sub> = E<sub>x</sub>[q(z|x)]",
         "The cost is the squared error (the top chart's unit). A VAE's KL pulls every q(z|x) "
         "towards the prior; the WAE only asks the aggregate q<sub>Z</sub> to look like it.")}
<ul>
<li><b>MMD</b> (IMQ kernel): D = MMD²(codes, prior draws), with k(z, z′) = C / (C + ‖z − z′‖²)
and C = 2 d σ<sub>p</sub><sup>2</sup> (σ<sub>p</sub><sup>2</sup> the prior's variance per dimension: 1 for N(0, I)), estimated without bias
(1/(n(n−1)) Σ<sub>i≠j</sub> k(z<sub>i</sub>, z<sub>j</sub>) + the same for the prior − 2/n²
Σ<sub>i,j</sub> k(z<sub>i</sub>, z̃<sub>j</sub>)): it can dip below 0 when the two match.
Default λ = 10.</li>
<li><b>Adversarial</b>: D = −E<sub>x</sub> log D(enc(x)) with a critic trained as the AAE's;
default λ = 1. Picking a regulariser sets its default λ.</li>
</ul>
{experiments([
    "AAE, mixture of 10, 2 epochs on MNIST: the codes gather on ten blobs around the circle, "
    "but a blob holds several digits. Tick <b>Supervised</b> and train again: each digit has "
    "its own blob.",
    "VAE with the PixelCNN decoder, 1 epoch: the KL chart falls to about 0 (collapse). Train "
    "again with free bits 0.5 or a warm-up of 500 steps and compare the KL.",
    "WAE-MMD vs VAE at d = 2: the WAE's codes fill N(0, I) as a whole, while each VAE code "
    "keeps its own σ near 1 and the classes overlap more.",
    "Draw a heart as your points and train an AAE on it: the codes take its shape.",
])}
{look_for([
    "An adversarial run whose critic loss drops far below 1.39 while the encoder's climbs: "
    "the critic is winning; a smaller learning rate helps.",
    "A run that diverges (a NaN loss) stops with a message; the model keeps the weights of its "
    "last whole step and is listed as stopped.",
])}
"""
