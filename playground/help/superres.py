"""Help for the Translation panel's Super-resolution view (the lead registers PAGES)."""
from __future__ import annotations

from .. import keys as k
from . import Page
from .markup import experiments, formula, key, look_for, section, see_also

MSE = ("l<sub>MSE</sub> = <sup>1</sup>&frasl;<sub>r²WH</sub> "
       "Σ<sub>x=1</sub><sup>rW</sup> Σ<sub>y=1</sub><sup>rH</sup> "
       "(I<sup>HR</sup><sub>x,y</sub> − G(I<sup>LR</sup>)<sub>x,y</sub>)²")
PERCEPTUAL = "l<sup>SR</sup> = l<sub>content</sub> + 10<sup>−3</sup> · l<sub>adv</sub>"
CONTENT = ("l<sub>content</sub> = <sup>1</sup>&frasl;<sub>C·W'·H'</sub> Σ<sub>c,x,y</sub> "
           "(φ(I<sup>HR</sup>)<sub>c,x,y</sub> − φ(G(I<sup>LR</sup>))<sub>c,x,y</sub>)²")
ADVERSARIAL = ("l<sub>adv</sub> = <sup>1</sup>&frasl;<sub>N</sub> Σ<sub>n=1</sub><sup>N</sup> "
               "−log D(G(I<sup>LR</sup><sub>n</sub>))")
CRITIC = ("max<sub>D</sub> &nbsp; E[log D(I<sup>HR</sup>)] + E[log(1 − D(G(I<sup>LR</sup>)))]")
MEAN = ("argmin<sub>f</sub> E ‖I<sup>HR</sup> − f(I<sup>LR</sup>)‖² &nbsp; = &nbsp; "
        "f*(I<sup>LR</sup>) = E[I<sup>HR</sup> | I<sup>LR</sup>]")
PSNR = "PSNR = 10 log<sub>10</sub>(255² / MSE) &nbsp; dB"
SSIM = ("SSIM(x, y) = (2μ<sub>x</sub>μ<sub>y</sub> + C<sub>1</sub>)(2σ<sub>xy</sub> + C<sub>2</sub>)"
        " / ((μ<sub>x</sub>² + μ<sub>y</sub>² + C<sub>1</sub>)(σ<sub>x</sub>² + σ<sub>y</sub>² + "
        "C<sub>2</sub>)),<br>C<sub>1</sub> = (0.01·255)², C<sub>2</sub> = (0.03·255)²")
SHARPNESS = "sharpness = Var(∇²Y), &nbsp; ∇²Y<sub>x,y</sub> = Y<sub>x−1,y</sub> + " \
            "Y<sub>x+1,y</sub> + Y<sub>x,y−1</sub> + Y<sub>x,y+1</sub> − 4Y<sub>x,y</sub>"

BODY = f"""
<p>One low-resolution picture, made four times larger in each direction by three methods, side
by side: <b>bicubic</b> interpolation (no learning), <b>SRResNet</b> (a network trained to
minimise the pixel error) and <b>SRGAN</b> (the same network trained with a perceptual loss),
and the <b>truth</b> when it is known. The input pane shows the small picture with square
pixels, so you see exactly what the methods were given.</p>
<p><b>Inputs.</b> <b>Random held-out landscape</b> ({key(k.RANDOM)}) renders a 128-px
landscape photo from a seed none of the models trained on and shrinks it to 32 px by averaging
each 4×4 block (as the training pairs were made), so the 128-px truth is known and PSNR and
SSIM can be measured. <b>Open image…</b> ({key(k.LOAD_INPUT)}) takes a picture of yours: up to
64×64 as it is (each side at least 8 px), a larger one shrunk to 64 px on its long side by area
averaging (the view says so), transparency laid on white, grey made RGB. The pix2pix painter's
<b>Upscale 4× →</b> button sends its 64-px picture here: paint → pix2pix 64 px → SRGAN
256 px.</p>
<p><b>Zoom.</b> All panes show the same region: the wheel zooms where the cursor is, a drag
pans, {key(k.ZOOM_IN)} and {key(k.ZOOM_OUT)} zoom on the centre, {key(k.FIT)} or a
double-click shows everything again. Close up, pixels are drawn as squares. <b>Export
panes…</b> ({key(k.EXPORT)}) saves what you see; <b>Save output…</b> saves one output at
its full size.</p>

{section("srresnet", "SRResNet: the pixel loss")}
<p>The generator (Ledig et al. 2017): a 9×9 convolution, residual blocks (conv, batch norm,
PReLU, conv, batch norm, plus the input), a long skip over all of them, then two ×2 sub-pixel
stages (a convolution to 4C channels and a pixel shuffle that rearranges them into twice the
side) and a 9×9 convolution to RGB. The shipped one has 32 channels and 8 blocks (the paper's
64 and 16). Trained alone on the mean squared error over the r·W × r·H output (r = 4):</p>
{formula(MSE)}

{section("srgan", "SRGAN: content + 10⁻³ × adversarial")}
<p>SRGAN starts from the trained SRResNet and goes on with a discriminator D (eight
convolutions, every other one strided, then a dense verdict) and the perceptual loss:</p>
{formula(PERCEPTUAL)}
{formula(CONTENT, "φ: a fixed feature network; its maps have C channels of W'×H'. The "
         "paper's VGG loss divides by W'·H' only, which is the same up to the constant C.")}
{formula(ADVERSARIAL, "−log D rather than log(1 − D): the non-saturating form, strong "
         "gradients while D still rejects G's outputs easily.")}
{formula(CRITIC, "D learns to tell true photos (target 1) from upscaled ones (target 0).")}
<p><b>What replaces VGG here.</b> The paper compares VGG19 feature maps, trained on ImageNet;
those weights are a download of over 500 MB and this app works offline. Here φ is the encoder
of the landscape segmenter that pix2pix's FCN-score uses, trained in this app on 128-px
landscape photos to tell grass, trees, water, sand, rock, mountains and sky apart: its deepest
maps (64 channels at a quarter of the side, about 40 px of view). Like VGG's, they know which
texture a region is rather than its exact pixels. Their limits: they have seen only this one
procedural world, and they are a few hundred thousand weights, not VGG's twenty million.</p>

{section("blur", "Why the pixel loss gives blur")}
<p>A 32-px input does not say what the 128-px picture was: every 4×4 block only has to
average to its input pixel, and grass, bark or ripples with their detail shifted a pixel or
two all fit. The function that minimises the expected squared error is the conditional
mean:</p>
{formula(MEAN, "The average of every picture that fits the input.")}
<p>Averaging many plausible textures whose detail sits in different places cancels the
detail: what is left is smooth. That is SRResNet's look: clean edges where the input pins
them down, and a soft wash where it only says "grass". SRGAN's adversarial term punishes
exactly that wash (D has never seen a blurry true photo), and the content loss on features
allows a texture that is right in kind without being right pixel for pixel.</p>

{section("measures", "PSNR and SSIM against sharpness")}
{formula(PSNR, "On the luminance Y = 0.299 R + 0.587 G + 0.114 B, as SR papers measure. "
         "Higher is closer to the truth; identical pictures give ∞.")}
{formula(SSIM, "Local means μ, variances σ² and covariance σ<sub>xy</sub> under an 11×11 "
         "Gaussian window (σ = 1.5) on the luminance, averaged over every position "
         "(Wang et al. 2004). 1 for identical pictures.")}
{formula(SHARPNESS, "The variance of the Laplacian of the luminance: high where there are "
         "edges and texture, 0 on a flat or evenly sloping picture. It needs no truth.")}
<p>PSNR is a pixel error, so it rewards the conditional mean: SRResNet usually has the best
PSNR and the blurriest picture. A texture that is plausible but shifted costs twice its
variance in squared error, so SRGAN's sharper outputs often score <i>lower</i> PSNR than
SRResNet's, sometimes lower than bicubic's. SSIM compares local structure (brightness,
contrast and correlation in each window) rather than single pixels, but it too prefers the
right texture to a plausible one. Sharpness says how much detail there is, not
whether it is right: noise is sharp too. Read them together: a good output has a sharpness
near the truth's and a PSNR not far below SRResNet's. (That both cannot be maximised at once
is the perception–distortion trade-off, Blau &amp; Michaeli 2018.)</p>

{experiments([
    "Press Random, zoom on a patch of grass or a tree top with the wheel: bicubic and "
    "SRResNet smooth it, SRGAN draws blades and leaves. Compare their sharpness with the "
    "truth's.",
    "Note the PSNR row: SRResNet ahead, SRGAN behind it, although SRGAN looks closer to the "
    "photo. That is the pixel error rewarding the mean.",
    "Zoom on a shoreline or a mountain edge: all three get the edge right where the input "
    "shows it; the differences are in the texture between edges.",
    "Paint a map in pix2pix's painter, press Upscale 4× →: the chain paint → pix2pix 64 px → "
    "SRGAN 256 px. Neither has a truth, so only sharpness is measured.",
    "Open a photo of your own (it is shrunk to 64 px): the models know only this procedural "
    "world, so on a face or a street SRGAN draws landscape texture where there is none.",
])}
{look_for([
    "Checkerboard patterns in SRGAN's output close up: the sub-pixel stages can leave them "
    "where training was short.",
    "Colours: all three keep the input's block means closely; what differs is the detail "
    "inside each 4×4 block.",
])}
{see_also(("pix2pix-paint", "pix2pix: paint a landscape"),
          ("gan-digits", "GANs: the adversarial loss"))}
"""

PAGES = [Page("superres", "Translation: Super-resolution", BODY, order=45)]
