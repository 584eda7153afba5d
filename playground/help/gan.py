"""Help for the GANs panel: the 2-D lab and Digits."""
from __future__ import annotations

from .. import keys as k
from . import Page, register
from .markup import experiments, formula, key, look_for, misprint, section, see_also

# The objective as models.gan.losses codes it: D's target is 1 on real data (D = P(real)).
MINIMAX = ("min<sub>G</sub> max<sub>D</sub> &nbsp; E<sub>x~p<sub>data</sub></sub>[log D(x)] + "
           "E<sub>z~p(z)</sub>[log(1 − D(G(z)))], &nbsp; D(x) = P(x is real)")
MISPRINT = "D(x) = P(x is fake), &nbsp; with the same objective max<sub>D</sub> E[log D(x)] + E[log(1 − D(G(z)))]"
WHY = ("One set of notes labels D as the probability that x is <i>fake</i> but keeps the "
       "objective. Then maximising log D(x) on real data would push D to call real data fake, "
       "and log(1 − D(G(z))) would push it to call G's samples real: D would be rewarded for "
       "being wrong, and G (which minimises) for looking fake. The labels and the objective "
       "must agree: D = P(real), target 1 on real data, 0 on G(z) — as the app's loss does.")
HEAT_MAP = (" The heat map shows it: green where D says real, purple where it says fake, white "
            "where it cannot tell.")
NON_SATURATING = "G: &nbsp; max<sub>G</sub> E<sub>z</sub>[log D(G(z))] &nbsp; (instead of min log(1 − D(G(z))))"

LAB = f"""
<p>The minimax game on points you can see. G maps noise z to points; D scores every point of
the plane. G and D are small MLPs trained on the CPU, live.</p>
<p><b>What is plotted.</b> Layers you toggle with {key(k.CHOOSE[1])}–{key(k.CHOOSE[5])}: real points, G's points,
D's output over the plane as a heat map, G's gradient arrows −∂L<sub>G</sub>/∂x on its points,
and the image under G of a regular grid of z (the generator's manifold). Charts below: the D
and G losses, mean D(x) and D(G(z)), and the Jensen–Shannon and KL divergences between binned
real and generated densities.</p>
{formula(MINIMAX)}
{misprint(MISPRINT, WHY + HEAT_MAP)}
{formula(NON_SATURATING, "The non-saturating loss has the same fixed point but strong gradients "
         "when D confidently rejects G's samples early on, where log(1 − D(G(z))) is flat.")}
{formula("D*(x) = p<sub>data</sub>(x) / (p<sub>data</sub>(x) + p<sub>G</sub>(x)),<br>"
         "at p<sub>G</sub> = p<sub>data</sub>: D* = ½ and D's loss = 2 log 2 ≈ 1.386",
         "The optimal D for a fixed G; with it, G's minimax objective is 2·JS(p<sub>data</sub> ‖ "
         "p<sub>G</sub>) − log 4.")}
<p>Controls: Play / pause ({key(k.PLAY)}), one round ({key(k.STEP)}: k D-steps, then
one G-step), <b>Train D only</b> ({key(k.STEP_D)}), <b>Train G only</b> ({key(k.STEP_G)}), Reset
({key(k.RESET)}), k D-steps per G-step, learning rates and optimisers for D and G, the loss
(minimax, non-saturating, WGAN-GP) and the label tricks — all applied live.</p>
{experiments([
    "Ring of 8 Gaussians, press Play and watch G's points: they often cover a few modes and "
    "hop between them before (or instead of) spreading over all eight — mode collapse, which "
    "the banner reports when it lasts.",
    "Pause, press D ten times: the heat map sharpens around the real points; then press G a "
    "few times and watch the arrows carry G's points up D's slope.",
    "Switch to the minimax loss and raise D's rate ×10: as D wins, D(G(z)) → 0 and G's arrows "
    "shrink (log(1 − D) saturates). Switch back to non-saturating and G moves again.",
])}
{look_for(["The heat map fading to white (D = ½) where G matches the data.",
           "JS falling towards 0 while the losses keep oscillating: the losses alone do not "
           "tell you whether G is good."])}
{see_also(("gan-digits", "GANs on digits"), ("pix2pix-train", "pix2pix: a conditional GAN"))}
"""

DIGITS = f"""
<p>DCGAN, conditional DCGAN and WGAN-GP on MNIST or Fashion-MNIST, trained live, or the
shipped models. The same objective as in the 2-D lab, with convolutional G and D:</p>
{formula(MINIMAX)}
{misprint(MISPRINT, WHY)}
{section("train", "Train")}
<p>Start ({key(k.TRAIN)}), Pause ({key(k.PAUSE)}), Stop ({key(k.STOP)}). The live view shows
a sample grid from fixed noise, a strip of one grid per epoch, D and G losses, D(x) and
D(G(z)), and health charts. The lectures' tips are switches, each with a tooltip: one-sided
label smoothing, noisy labels, label flips, dropout in D, D's width, separate learning rates,
k D-steps, minimax vs non-saturating loss, Wasserstein loss with gradient penalty:</p>
{formula("WGAN-GP: &nbsp; L<sub>D</sub> = E[D(G(z))] − E[D(x)] + λ E[(‖∇<sub>x̂</sub> "
         "D(x̂)‖ − 1)²],<br>x̂ = εx + (1 − ε)G(z)",
         "D is a critic with no sigmoid: its output is a score, not a probability.")}
<p><b>Diagnostics.</b> <i>D overpowering G</i>: D's loss within 0.05 of its floor for 100 steps.
<i>Mode collapse</i>: G's outputs on a fixed z batch spread less than 0.4 as much as real data,
or their class histogram drops below 0.7 of the maximum entropy. A banner names the measure and
the remedy.</p>
{experiments([
    "Train a DCGAN for 2 epochs with the defaults and watch the fixed-noise grid: blobs, then "
    "strokes, then digits, the same z keeping its rough shape.",
    "Break it on purpose: D's rate ×10, wider D, minimax loss. The “D overpowering G” banner "
    "fires; D(G(z)) sinks to 0 and G stops improving.",
    "Turn on one-sided label smoothing (real target 0.9) on the broken run: D(x) stops at 0.9 "
    "and G gets gradients again.",
])}
{look_for(["D(x) and D(G(z)) drifting towards ½ together in a healthy run.",
           "The class histogram: a few bars dominating means mode collapse."])}

{section("latent", "Samples & latent")}
<p>Resample ({key(k.NEW_NOISE)}), a seed, a truncation slider (BigGAN's truncated normal: z redrawn
until every |z<sub>i</sub>| ≤ τ), and interpolation between two z with a slider, linear or
spherical; swap its ends ({key(k.SWAP)}); export a PNG strip ({key(k.EXPORT)}) or a GIF
({key(k.EXPORT_MORE)}).</p>
{experiments([
    "Tick “Truncate z” and lower the slider from 2 to 0.3: samples become cleaner and more alike — fidelity for "
    "diversity.",
    "Interpolate between two samples linearly and spherically: in 64 dimensions the linear "
    "midpoint has a norm ~0.7× typical, and looks washed out.",
    "Resample until you find a bad sample, then truncate: does it heal?",
])}
{look_for(["Smooth interpolations: a GAN's latent space has no encoder, but it is continuous."])}

{section("conditional", "Conditional")}
<p>For a conditional GAN G(z, y): pick the class ({key(k.CHOOSE[0])}–{key(k.CHOOSE[9])}, {key(k.ANY_CLASS)} for any) and
see a grid with one row per class over shared z — the same z down each column.</p>
{experiments([
    "Compare columns: the same z gives the same style (slant, thickness) in every class.",
    "Pick a class and resample: all samples are that class, unlike an unconditional GAN.",
    "Train a conditional DCGAN with label flips on and see whether rows stay clean.",
])}
{look_for(["Style shared along a column and class along a row: z and y have separated."])}
{see_also(("gan-lab", "The 2-D lab"), ("diffusion-reverse#guidance", "Class-conditional diffusion"))}
"""

register(Page("gan-lab", "GANs: 2-D lab", LAB, order=30),
         Page("gan-digits", "GANs: Digits", DIGITS, order=31))
