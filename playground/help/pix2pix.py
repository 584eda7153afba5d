"""Help for the pix2pix panel: Paint and Train."""
from __future__ import annotations

from .. import keys as k
from . import Page, register
from .markup import experiments, formula, key, look_for, misprint, see_also

OBJECTIVE = ("G* = arg min<sub>G</sub> max<sub>D</sub> &nbsp; L<sub>cGAN</sub>(G, D) + "
             "λ L<sub>L1</sub>(G), &nbsp; λ = 100")
CGAN = ("L<sub>cGAN</sub> = E<sub>x,y</sub>[log D(x, y)] + E<sub>x</sub>[log(1 − D(x, G(x)))], "
        "&nbsp; L<sub>L1</sub> = E<sub>x,y</sub>‖y − G(x)‖<sub>1</sub>")
GAN_LABELS = ("D(x, y) is the probability that y is the <i>real</i> picture for label map x, "
              "computed for every N×N patch. A printed version calls D the probability of "
              "“fake” while keeping this objective: then maximising log D(x, y) on real pairs "
              "would train D to call them fake. The labels and the objective must agree.")

PAINT = f"""
<p>Paint a landscape as a label map (sky, cloud, mountain, snow, water, grass, tree, sand,
rock) and a pix2pix generator (Isola et al. 2017) turns it into a picture after every
stroke. Beside it, the procedural renderer's own photo of your map shows what the generator
imitates.</p>
<p><b>What is shown.</b> Left: your label map, one colour per class. Middle: G(x), the
generator's picture. Right (Show renderer): the renderer's picture of the same map. The
palette shows each class's share of the map.</p>
{formula("y = G(x, z)", "x: the label map; z: noise given only as dropout, which stays on at "
         "test time — New noise (N) draws a new dropout mask; the Dropout noise switch turns it "
         "off for the deterministic picture. <b>Batch stats at inference</b> normalises "
         "batch norm with this map's own statistics, as the paper does at test time, instead "
         "of the running averages from training; for one map that acts like instance norm.")}
{formula(OBJECTIVE)}
{formula(CGAN)}
{misprint("D(x, y) = P(fake)", GAN_LABELS)}
<p>Tools: Brush ({key(k.BRUSH)}, size {key(k.SMALLER)} {key(k.LARGER)}), Rectangle ({key(k.RECTANGLE)}), Fill
({key(k.FILL)}), Eraser ({key(k.ERASER)}, paints sky), Eyedropper ({key(k.PICK)} or Alt+click), classes
{key(k.CHOOSE[1])}–{key(k.CHOOSE[9])}; Undo {key(k.UNDO)}, Redo {key(k.REDO)}, Clear
{key(k.CLEAR)}, a random example {key(k.RANDOM)}; label maps load and save as PNG
({key(k.LOAD_INPUT)}, {key(k.SAVE_INPUT)}); export the picture ({key(k.EXPORT)}).</p>
{experiments([
    "Paint a mountain with a lake below it: the water mirrors the mountain, because G learned "
    "from the renderer that water reflects what stands above the horizon.",
    "Press N a few times: only small details change — pix2pix's dropout noise is weak, G is "
    "nearly deterministic. Turn Dropout noise off to see the mean picture.",
    "Paint something the renderer never makes (snow at the bottom, sky below grass): G "
    "produces plausible textures in implausible places — it maps patches, not scenes.",
])}
{look_for(["Seams at class boundaries, and how far the U-Net's skip connections keep edges "
           "exactly where you painted them.",
           "Differences between G's picture and the renderer's: what G has not learned.",
           "With Batch stats at inference ticked, a stroke can change the picture far from "
           "where you painted: every pixel is normalised by the whole map's statistics."])}
{see_also(("pix2pix-train", "Train a translator"), ("gan-lab", "The GAN game in 2-D"))}
"""

TRAIN = f"""
<p>Train a translator live on the procedural landscapes or on your own folder of A|B pairs
(train/, val/, test/; A→B or B→A). The generator is a U-Net (decoder level i concatenates
encoder level n−i); the discriminator is a PatchGAN that judges each N×N patch of
(input, picture) pairs.</p>
{formula(OBJECTIVE, "D's objective is halved, to slow D relative to G (as in the paper).")}
{formula(CGAN)}
{misprint("D(x, y) = P(fake)", GAN_LABELS)}
<p><b>What is plotted.</b> Four fixed examples show input, output and target as G learns;
curves of the four losses:</p>
{formula("G_GAN = −log D(x, G(x)), &nbsp; G_L1 = ‖y − G(x)‖<sub>1</sub><br>"
         "D_real = −log D(x, y), &nbsp; D_fake = −log(1 − D(x, G(x)))")}
<p>Controls: Dataset, Folder, Direction, Size (64, 128, 256); Loss (L1, cGAN, L1 + cGAN),
PatchGAN (1×1 … 286×286), λ (L1 weight), U-Net width; Epochs, Batch size, Seed. Start
({key(k.TRAIN)}), pause and resume ({key(k.PAUSE)}), stop ({key(k.STOP)}). The generator becomes paintable at once as “Trained here”.</p>
{experiments([
    "Train with Loss = L1 only: the pictures are right in layout but blurry — L1 is minimised "
    "by the median of the plausible colours.",
    "Train with cGAN only: sharp textures, but colours and layout wander from the target.",
    "L1 + cGAN with PatchGAN 1×1 and then 70×70: 1×1 only sees colour; 70×70 judges texture, "
    "and the pictures become crisp.",
])}
{look_for(["D_real and D_fake near log 2 ≈ 0.69: D cannot tell; one falling to 0: D is winning.",
           "G_L1 falling steadily while G_GAN hovers: G keeps learning the layout."])}
{see_also(("pix2pix-paint", "Paint with the result"), ("gan-digits#train", "GAN training tips"))}
"""

register(Page("pix2pix-paint", "pix2pix: Paint", PAINT, order=40),
         Page("pix2pix-train", "pix2pix: Train", TRAIN, order=41))
