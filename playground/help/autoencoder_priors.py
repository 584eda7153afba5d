"""Help for the Autoencoders panel beyond the VAE: the adversarial and Wasserstein
autoencoders, posterior collapse and the hierarchical VAE (issue 15). One page; the tools
that show them (Codes, Collapse, Levels) add their sections from autoencoder_beyond.py, and
the Train column's options for these kinds theirs from autoencoder_train_kinds.py."""
from __future__ import annotations

from . import Page
from .markup import experiments, formula, look_for, section, see_also

AGGREGATE = ("q(z) = E<sub>x ~ data</sub> q(z|x) = (1/N) Σ<sub>n</sub> q(z|x<sub>n</sub>) "
             "&nbsp; (the aggregated posterior)")
VAE_TERM = ("VAE: &nbsp; E<sub>x</sub> [ −log p(x|z) ] + E<sub>x</sub> KL(q(z|x) ‖ p(z)) "
            "&nbsp; — every q(z|x) is pulled towards p(z)")
WAE_TERM = ("WAE: &nbsp; E<sub>x</sub> E<sub>q(z|x)</sub> c(x, dec(z)) + λ · D(q(z), p(z)) "
            "&nbsp; — only their mixture q(z) must look like p(z)")
MMD = ("MMD²(q, p) = E k(z, z′) + E k(z̃, z̃′) − 2 E k(z, z̃), &nbsp; z, z′ ~ q, &nbsp; "
       "z̃, z̃′ ~ p, &nbsp; k(a, b) = C / (C + ‖a − b‖²), &nbsp; C = 2dσ²")
AAE_D = ("critic: &nbsp; max<sub>D</sub> E<sub>z̃ ~ p(z)</sub> log D(z̃) + "
         "E<sub>x</sub> log (1 − D(enc(x)))")
AAE_G = "encoder as the generator: &nbsp; max<sub>enc</sub> E<sub>x</sub> log D(enc(x))"
FREE_BITS = ("free bits: &nbsp; Σ<sub>j</sub> max(λ, E<sub>x</sub> KL(q(z<sub>j</sub>|x) ‖ "
             "p(z<sub>j</sub>))) &nbsp;&nbsp; warm-up: &nbsp; β<sub>t</sub> = β · min(1, t / T)")
HVAE_ELBO = ("log p(x) ≥ E<sub>q</sub>[log p(x|z₁)] − KL(q(z₂|x) ‖ p(z₂)) − "
             "E<sub>q(z₂|x)</sub> KL(q(z₁|x, z₂) ‖ p(z₁|z₂))")
LADDER = ("σ<sub>q</sub>⁻² = σ̂⁻² + σ<sub>p</sub>⁻², &nbsp; μ<sub>q</sub> = (μ̂ σ̂⁻² + "
          "μ<sub>p</sub> σ<sub>p</sub>⁻²) σ<sub>q</sub>²")

BODY = f"""
<p>The VAE asks one thing of its codes beyond reconstruction: that every posterior q(z|x) be
close to the prior N(0, I). The models on this page change that request. All of them are in
the <b>Train</b> column's <i>Model</i> box and in the model list; every tool of the panel
(click to decode, Sample, Grid, Attributes, Morph) works with them, and "Draw from prior"
draws from the prior each was trained to match.</p>

{section("aae", "Adversarial autoencoder (AAE)")}
<p>A deterministic (or Gaussian) encoder and a decoder reconstruct as a plain autoencoder does;
a small network D on the <i>codes</i> learns to tell draws of the prior from codes of real
images, and the encoder learns to fool it. The prior can be anything you can draw from:
N(0, I), ten Gaussians on a circle, a swiss roll, a square, a ring, or your own points. Each
batch makes three optimiser steps, as in the paper: reconstruction (encoder and decoder),
then the critic, then the encoder alone.</p>
{formula(AAE_D)}
{formula(AAE_G, "With the <b>supervised</b> option (mixture of 10 only), the critic also "
         "sees the image's class, and class k's prior draws come from component k: each "
         "class is sent to its own petal.")}

{section("wae", "Wasserstein autoencoder (WAE)")}
{formula(VAE_TERM)}
{formula(WAE_TERM, "c is the squared error ‖x − dec(z)‖², as in the paper's experiments; "
         "D is the MMD below (WAE-MMD) or an adversarial critic as the AAE's (WAE-GAN).")}
{formula(AGGREGATE)}
{formula(MMD, "The app uses the unbiased estimate (the i = j terms left out), with σ² "
         "the prior's variance per dimension.")}
<p>The lectures' picture: the VAE pushes each example's ball q(z|x) (red) onto the prior
(green), so the balls overlap and the decoder must blur; the WAE only asks the <i>union</i>
of the balls to fill the green one, so the codes of different images may stay apart. The
<b>Codes</b> tool draws both.</p>

{section("collapse", "Posterior collapse")}
<p>A decoder strong enough to model x on its own (here a PixelCNN that, given z, still reads
the pixels above and to the left) can reach a good likelihood while ignoring z. The KL term
then pays it to set q(z|x) = p(z) exactly: KL → 0 nats, the codes carry nothing, and
replacing z by a random draw changes nothing. The <b>active units</b> count how many
dimensions still carry information: A<sub>j</sub> = Var<sub>x</sub>(E<sub>q</sub>[z<sub>j</sub>|x])
&gt; 0.01. The remedies, all switches in the Train column:</p>
{formula(FREE_BITS, "Free bits: a dimension's KL below λ nats costs nothing extra, so there "
         "is no gain in collapsing it. Warm-up: the KL enters gradually over T steps. "
         "β &lt; 1 weighs it less throughout (then the bound is no longer the ELBO).")}

{section("hvae", "Hierarchical VAE")}
<p>Two stochastic layers, z₂ → z₁ → x. Inference goes up (a Gaussian guess (μ̂, σ̂) at each
level from x), then down: the top is its guess, and the bottom combines its guess with what the
top predicts, p(z₁|z₂) = N(μ<sub>p</sub>, σ<sub>p</sub>²), as a product of Gaussians (the
ladder VAE):</p>
{formula(LADDER)}
{formula(HVAE_ELBO, "Both KLs are between Gaussians and computed in closed form; the plot shows "
         "z₁, the code the decoder reads.")}
<p>Train it with a <b>KL warm-up</b> (the ladder paper did). Measured here on MNIST
(benchmarks/hvae_elbo.py, 5 epochs): without one the ladder ended 22 nats worse than a one-layer
VAE of the same widths (test −ELBO 127.1 against 105.2), with a one-epoch warm-up 5 nats worse
(107.7 against 102.9), with two epochs 1.4 nats worse (103.7 against 102.3), using only a few of
its z₂ dimensions. Two levels are not free: the top must learn to predict the bottom first.</p>
{experiments([
    "Pick the shipped <b>AAE (Fashion-MNIST)</b>: the held-out codes lie on the ring of the ten "
    "components, like the grey prior draws under them, each kind of garment in its own arc, and "
    "the hole in the middle decodes to nothing. Pick the <b>VAE</b> of the same data: one round "
    "cloud.",
    "Train a VAE with the PixelCNN decoder and no remedy: watch the KL curve fall towards 0 and "
    "the Collapse tool's bars flatten. Train again with free bits 0.25.",
    "Train an AAE on the ring or your own points: the codes take the shape you drew.",
])}
{look_for([
    "Gaps: where the prior has mass and the codes none, sampling gives poor images (and the "
    "reverse: codes outside the prior are never sampled).",
    "The WAE's codes of one class stay compact while the VAE's spread towards the centre.",
])}
{see_also(("autoencoder", "Autoencoders: AE and VAE"))}
"""

def _body() -> str:
    """The page, then the sections of the tabs that show it (Codes, Collapse, Levels: F1
    there opens "autoencoder-priors#<tab>")."""
    from .autoencoder_beyond import SECTIONS
    from .autoencoder_train_kinds import SECTION
    return BODY + "".join(section(a, t) + html for a, t, html in SECTIONS) + SECTION


PAGES = [Page("autoencoder-priors", "Autoencoders: AAE, WAE, collapse, hierarchy", _body(),
              order=11)]
