"""Help for the Diffusion panel: the forward process, the reverse process, 2-D particles."""
from __future__ import annotations

from .. import keys as k
from . import Page, register
from .markup import experiments, formula, key, look_for, misprint, section, see_also

A = "α<sub>t</sub>"
AB = "ᾱ<sub>t</sub>"
AB1 = "ᾱ<sub>t−1</sub>"
B = "β<sub>t</sub>"
EPS = "ε̂<sub>θ</sub>(x<sub>t</sub>, t)"

# What models.diffusion.scheduler.NoiseScheduler.step_ddpm computes (tests/test_help_formulas.py)
DDPM_STEP = (f"x<sub>t−1</sub> = (1/√{A}) (x<sub>t</sub> − ({B}/√(1 − {AB})) {EPS}) "
             "+ σ<sub>t</sub> z, &nbsp; z ~ N(0, I) (z = 0 at the last step)")
DDPM_MISPRINT_ABAR = f"x<sub>t−1</sub> = (1/√{AB}) (x<sub>t</sub> − ({B}/√(1 − {AB})) {EPS}) + σ<sub>t</sub> z"
DDPM_MISPRINT_EPS = (f"x<sub>t−1</sub> = (1/√{A}) (x<sub>t</sub> − (√(1 − {A})/√(1 − {AB})) {EPS})"
                     " + σ<sub>t</sub> z")
POSTERIOR_MEAN = (f"μ̃<sub>t</sub>(x<sub>t</sub>, x<sub>0</sub>) = (√{AB1} {B} / (1 − {AB})) x<sub>0</sub>"
                  f" + (√{A} (1 − {AB1}) / (1 − {AB})) x<sub>t</sub>")
POSTERIOR_MISPRINT = f"… + (√{AB} (1 − {AB1}) / (1 − {AB})) x<sub>t</sub>"
CLOSED_FORM = f"q(x<sub>t</sub> | x<sub>0</sub>) = N(√{AB} x<sub>0</sub>, (1 − {AB}) I), &nbsp; " \
              f"x<sub>t</sub> = √{AB} x<sub>0</sub> + √(1 − {AB}) ε"

FORWARD = f"""
<p>The forward process adds Gaussian noise in T small steps until nothing of the image is
left. Nothing is learned here: it is the fixed process the model learns to undo.</p>
<p><b>What is plotted.</b> Top: the three schedules overlaid (linear β 1e-4 → 0.02; cosine,
s = 0.008, β ≤ 0.999; quadratic), as β<sub>t</sub>, {AB} and log-SNR = log({AB}/(1 − {AB}))
against t, with a marker at the current t. Below: the digit (or your image, {key(k.LOAD_INPUT)})
at the t of the slider, drawn from the closed form with fixed noise ε so dragging is smooth;
beside it the histogram of its pixels against N(0, 1), and the empirical mean and variance of
stepping q(x<sub>t</sub>|x<sub>t−1</sub>) t times against the closed form (the band).</p>
{formula(f"q(x<sub>t</sub> | x<sub>t−1</sub>) = N(√(1 − {B}) x<sub>t−1</sub>, {B} I), &nbsp; "
         f"{A} = 1 − {B}, &nbsp; {AB} = Π<sub>s≤t</sub> α<sub>s</sub>")}
{formula(CLOSED_FORM, "Composing t Gaussian steps gives one Gaussian: the means multiply, the "
         "variances add up to 1 − ᾱ<sub>t</sub> (the process keeps unit variance).")}
<p>Controls: <b>Schedule</b>, <b>T</b>, the t slider with ▶ (Space while the slider has the
focus), <b>New noise</b> ({key(k.NEW_NOISE)}), <b>Random</b> digit ({key(k.RANDOM)}),
<b>Open image…</b> ({key(k.LOAD_INPUT)}), and the strip export ({key(k.EXPORT)}).</p>
{experiments([
    "Drag t from 0 to T with the linear schedule, then with cosine: with the linear schedule "
    "the digit is gone by t ≈ T/2, with cosine it survives much longer — the log-SNR curve "
    "shows why (cosine falls evenly).",
    "Set T = 100 with the linear schedule: ᾱ<sub>T</sub> is no longer near 0 (the note turns "
    "orange) — x<sub>T</sub> is not pure noise, so sampling from N(0, I) starts off the "
    "training distribution.",
    "Watch the histogram as t grows: two spikes (black and white pixels) blur into N(0, 1).",
])}
{look_for(["The stepped mean and variance (solid) inside the formula's band: the closed form is "
           "exact, not an approximation.",
           "Where log-SNR crosses 0: signal and noise have equal power."])}
{see_also(("diffusion-reverse", "Reverse process"), ("diffusion-2d", "2-D particles"))}
"""

REVERSE = f"""
<p>A U-Net ε̂<sub>θ</sub>(x<sub>t</sub>, t) was trained to predict the noise in x<sub>t</sub>;
sampling runs the process backwards from x<sub>T</sub> ~ N(0, I). The left column holds the
model and the <b>Sampling</b> controls (Sampler, Steps S, η, Images, Seed, Class, Guidance w);
the tabs show the chain, DDPM vs DDIM, the guidance grid and training.</p>
{formula("L<sub>simple</sub> = E<sub>t, x<sub>0</sub>, ε</sub> ‖ε − ε̂<sub>θ</sub>(√ᾱ<sub>t</sub> "
         "x<sub>0</sub> + √(1 − ᾱ<sub>t</sub>) ε, t)‖², &nbsp; x̂₀ = (x<sub>t</sub> − "
         "√(1 − ᾱ<sub>t</sub>) ε̂<sub>θ</sub>) / √ᾱ<sub>t</sub>")}

{section("chain", "Chain: every step of the sampler")}
<p><b>Sample chain</b> ({key(k.SAMPLE)}) runs DDPM ancestral sampling (all T steps) or
DDIM with S steps and noise η, and records every step: x<sub>t</sub> on the left, the model's
current guess x̂₀ on the right. Scrub, play (Space on the slider), step with ← →,
export a GIF. Stop ({key(k.CANCEL)}) keeps the finished frames.</p>
<h3>DDPM's step (Ho et al. 2020, Algorithm 2)</h3>
{formula(DDPM_STEP, f"α<sub>t</sub> = 1 − β<sub>t</sub>; σ<sub>t</sub>² = β<sub>t</sub> "
         f"or β̃<sub>t</sub> = β<sub>t</sub>(1 − ᾱ<sub>t−1</sub>)/(1 − ᾱ<sub>t</sub>).")}
<p><b>Where it comes from.</b> The posterior of one forward step is Gaussian,
q(x<sub>t−1</sub>|x<sub>t</sub>, x<sub>0</sub>) = N(μ̃<sub>t</sub>, β̃<sub>t</sub> I), with</p>
{formula(POSTERIOR_MEAN)}
<p>Substituting x<sub>0</sub> = (x<sub>t</sub> − √(1 − {AB}) ε)/√{AB} and using
{AB} = {A} ᾱ<sub>t−1</sub> and 1 − {AB} = (1 − ᾱ<sub>t−1</sub>){A} + {B}, the
x<sub>t</sub> terms add up to x<sub>t</sub>/√{A} and the ε term to
−{B}/(√{A} √(1 − {AB})) ε: exactly the DDPM step above with ε replaced by the network's
estimate.</p>
{misprint(DDPM_MISPRINT_ABAR,
          "1/√ᾱ<sub>t</sub> instead of 1/√α<sub>t</sub>: one step undoes one step's shrinking by "
          "√α<sub>t</sub>, not all t of them. Near t = T, ᾱ<sub>t</sub> ≈ 0, so the misprint "
          "divides by almost 0 and the sample explodes.")}
{misprint(DDPM_MISPRINT_EPS,
          "√(1 − α<sub>t</sub>) = √β<sub>t</sub> in place of β<sub>t</sub>: the derivation "
          "above gives β<sub>t</sub>/√(1 − ᾱ<sub>t</sub>). With β<sub>t</sub> ≈ 0.01, √β<sub>t</sub> "
          "is 10× larger, so the misprint removes ten times the predicted noise every step.")}
{misprint(POSTERIOR_MISPRINT,
          "The x<sub>t</sub> coefficient of μ̃<sub>t</sub> is √α<sub>t</sub> — one step's "
          "shrinking, since x<sub>t</sub> = √α<sub>t</sub> x<sub>t−1</sub> + √β<sub>t</sub> ε — "
          "not √ᾱ<sub>t</sub>. Check it without noise (ε = 0): then x<sub>t</sub> = √ᾱ<sub>t</sub> "
          "x<sub>0</sub>, and the step back must land on √ᾱ<sub>t−1</sub> x<sub>0</sub>. The "
          "correct coefficients give exactly that, because β<sub>t</sub> + α<sub>t</sub>(1 − "
          "ᾱ<sub>t−1</sub>) = 1 − ᾱ<sub>t</sub>; the misprint does not, and shrinks x<sub>t</sub> "
          "by a further √ᾱ<sub>t−1</sub> every step.")}
<h3>DDIM (Song et al. 2021)</h3>
{formula("x<sub>t'</sub> = √ᾱ<sub>t'</sub> x̂₀ + √(1 − ᾱ<sub>t'</sub> − σ²) "
         "ε̂<sub>θ</sub> + σ z, &nbsp; σ = η √((1 − ᾱ<sub>t'</sub>)/(1 − ᾱ<sub>t</sub>)) "
         "√(1 − ᾱ<sub>t</sub>/ᾱ<sub>t'</sub>)",
         "t' is the previous of the S chosen steps. η = 0: deterministic (the probability-flow "
         "ODE); η = 1 with all T steps: DDPM with σ<sub>t</sub>² = β̃<sub>t</sub>.")}
{experiments([
    "Sample a DDPM chain and scrub it: x̂₀ is a blurry average early on and commits "
    "to one digit halfway; x<sub>t</sub> stays noisy until the very end.",
    "Switch to DDIM, S = 20, η = 0, and sample twice with the same seed: identical results. "
    "Then η = 1: different each time.",
    "DDIM with S = 5, 10, 50: find the smallest S that still gives clean digits.",
])}
{look_for(["The step at which x̂₀ stops changing class: the coarse structure is decided "
           "at high noise, the details at low noise."])}

{section("compare", "DDPM vs DDIM")}
<p>{key(k.COMPARE)} runs DDPM (all T steps) and DDIM (S steps) from the same x<sub>T</sub>.
The headline is the cost S controls: the number of network evaluations ε̂<sub>θ</sub> each
sampler made, T against S (two per step under guidance: ε̂(x, y) and ε̂(x, ∅)). Wall times and
the time per evaluation stand beside it; they are noisy (warm-up, other programs), so the
evaluation count, not a ratio of wall times, is the speed-up.</p>
{experiments([
    "Compare the two grids at S = 50: similar quality from 50 evaluations instead of 1,000.",
    "Lower S to 10: DDIM degrades gracefully.",
    "Raise S from 10 to 100: DDIM's evaluations (and roughly its wall time) grow in "
    "proportion, DDPM's (always all T steps) stay put.",
])}
{look_for(["The evaluation count against the picture: how few ε̂ calls still give a clean "
           "digit.",
           "The time per evaluation: about the same for both samplers, so the wall times "
           "follow the counts."])}

{section("guidance", "Guidance: classifier-free guidance")}
<p>{key(k.GRID)} (class-conditional models only) draws one row per guidance scale w
(Scales w, e.g. 0, 1, 3, 7) from the same noise and the same classes. With Class set to
<b>Each class in turn</b> a row shows all ten classes, one column each, Samples per class
deep; with one class a row is a line of its samples. Beside each row: the <b>spread within
a class</b>, the mean pixel distance between two samples of the same class, averaged over
the classes shown.</p>
{formula("ε̂ = (1 + w) ε̂<sub>θ</sub>(x<sub>t</sub>, t, y) − w ε̂<sub>θ</sub>(x<sub>t</sub>, t, ∅)",
         "w = 0 is the plain conditional model; larger w moves further from the unconditional "
         "prediction, towards what makes the class y likely.")}
{experiments([
    "Pick class 3 and run w = 0, 1, 3, 7: digits get cleaner and more alike.",
    "Read the spread within a class beside each row: it falls as w grows (fidelity for "
    "diversity). It is measured within each class because guidance makes different classes "
    "more distinct, which would raise a spread across classes.",
    "Try w = 10 on a class that the w = 0 row gets wrong.",
])}
{look_for(["Over-saturated, thick strokes at large w: guidance overshoots."])}

{section("train", "Train")}
<p>Train ({key(k.TRAIN)}), Pause ({key(k.PAUSE)}), Stop ({key(k.STOP)}): the loss curve,
test loss per epoch and a grid sampled from fixed noise every N steps (with the EMA weights,
which the sampler uses).</p>
{experiments([
    "Train a few hundred steps and watch the sample grid go from noise to blobs to strokes.",
    "Train class-conditional (for guidance), then use the Guidance tab on it.",
    "Compare the loss curve's level at the start and after 1,000 steps: ε-prediction loss "
    "falls fast and then very slowly while samples keep improving.",
])}
{look_for(["Samples that improve while the loss hardly moves."])}
{see_also(("diffusion-forward", "Forward process"), ("diffusion-2d", "2-D particles"))}
"""

TOY = f"""
<p>Diffusion on 2-D points, where every particle is visible. Data: two moons, a swiss roll, 8
Gaussians, or points you draw. An MLP ε-predictor trains in a few seconds ({key(k.TRAIN)});
then 1,000 particles run the reverse process twice from the same x<sub>T</sub>
({key(k.SAMPLE)}): DDPM (the reverse SDE) and DDIM with η = 0 (the probability-flow ODE), side
by side, with their trajectories.</p>
<p><b>What is plotted.</b> Left: the data noised to the t of the slider,
x<sub>t</sub> ~ q(x<sub>t</sub> | x<sub>0</sub>), with the learned field as arrows; middle and
right: the SDE and ODE particles.</p>
{formula(CLOSED_FORM)}
{formula("∇<sub>x</sub> log q(x<sub>t</sub>) ≈ −ε̂<sub>θ</sub>(x<sub>t</sub>, t) / "
         "√(1 − ᾱ<sub>t</sub>)",
         "The score points towards the data; ε̂ points away from it (Arrows: score or ε̂).")}
<p>Shortcuts: {key(k.CYCLE)} cycles the trajectories shown, {key(k.COLOUR)} colours particles by
where they start, {key(k.NEW_NOISE)} new noise, {key(k.PLAY)} plays (slider focused).</p>
{experiments([
    "Train on two moons and generate, with “Colour particles by where they start” on (C "
    "toggles it): the ODE keeps neighbouring starts together (bands of colour); the SDE mixes "
    "them.",
    "Drag the time slider from T to 0 with score arrows on: the field is smooth and points to "
    "the centre at large t, and sharpens onto the moons as t → 0.",
    "Draw your own shape, train, generate: see which details the particles miss.",
])}
{look_for(["The ODE's trajectories are smooth curves, the SDE's jitter.",
           "Particles piling onto the modes but thin in between: an under-trained score."])}
{see_also(("diffusion-forward", "Forward process"), ("diffusion-reverse#chain", "DDPM and DDIM"))}
"""

register(Page("diffusion-forward", "Diffusion: Forward process", FORWARD, order=20),
         Page("diffusion-reverse", "Diffusion: Reverse process", REVERSE, order=21),
         Page("diffusion-2d", "Diffusion: 2-D particles", TOY, order=22))
