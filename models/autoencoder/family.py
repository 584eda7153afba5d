"""The autoencoder family's declaration (see models/family.py)."""
from ..family import Family, Recipe

FAMILY = Family(
    name="autoencoder", title="Autoencoders", order=10,
    checkpoints={"autoencoder": "models.autoencoder.api:AutoencoderModel"},
    cli="models.autoencoder.cli",
    panel="playground.panels.autoencoder.panel:AutoencoderPanel",
    rebuild=f"{__name__}:recipes",
    help="autoencoders and VAEs: train live, explore the latent space")


def recipes() -> list[Recipe]:
    # MNIST's 60,000 training digits, 10 epochs at the default batch of 64 (9,380 steps):
    # about 5 minutes each on a 2-core CPU; scripts/train_checkpoints.py also writes the
    # held-out digits the app shows before any download (assets/datasets/mnist-sample)
    mnist = [Recipe(kind, f"mnist-{kind}-2d",
                    (kind, "--dataset", "{data}", "--latent-dim", "2", "--epochs", "10",
                     "--device", "cpu", "--no-download"), 5, f"{kind.upper()}, 2-D latent space")
             for kind in ("vae", "ae")]
    # the lectures' own demonstration: clothes group by kind in a 2-D latent space learnt
    # without labels. The shared folder holds only Fashion-MNIST's 60,000 training images:
    # the first 50,000 train, the last 10,000 are held out (models/data.py). 20 epochs of 128
    # at Adam 1e-3 (7,820 steps; the defaults when they were trained, pinned so a rebuild
    # makes the shipped pair), about 6.5 minutes each on a 2-core CPU; the script also writes
    # the held-out images the app shows (assets/datasets/fashion-mnist-sample)
    fashion = [Recipe(f"fashion-{kind}", f"fashion-{kind}-2d",
                      (kind, "--dataset", "{datasets}/fashion-mnist", "--latent-dim", "2",
                       "--epochs", "20", "--batch-size", "128", "--lr", "1e-3", "--device", "cpu",
                       "--no-download"), 6.5,
                      f"{kind.upper()}, 2-D latent space, Fashion-MNIST")
               for kind in ("vae", "ae")]
    # issue 15: the lectures' "beyond the Gaussian prior" pair on the same clothes, split and
    # schedule as the VAE above: an AAE whose 2-D codes are matched to a mixture of 10
    # Gaussians on a circle (unsupervised: no labels reach the critic) and a WAE-MMD (λ = 10,
    # the paper's; squared-error cost) matched to N(0, I)
    common = ("--dataset", "{datasets}/fashion-mnist", "--latent-dim", "2", "--epochs", "20",
              "--batch-size", "128", "--lr", "1e-3", "--device", "cpu", "--no-download")
    matched = [Recipe("fashion-aae", "fashion-aae-2d", ("aae", "--prior", "mixture10", *common),
                      14, "AAE, 2-D, mixture-of-10 prior, Fashion-MNIST"),
               Recipe("fashion-wae", "fashion-wae-2d", ("wae", "--regulariser", "mmd", "--lam",
                                                        "10", *common), 14,
                      "WAE-MMD, 2-D, N(0, I) prior, Fashion-MNIST")]
    # posterior collapse, ready to look at: a VAE whose decoder is a PixelCNN conditioned on z
    # (16-D codes), one epoch of binarised MNIST digits. Without a remedy the KL falls to
    # ~0.005 nats by step 100, stays under 0.2 to step 560 and climbs to ~1.3 by the epoch's
    # end, mostly in two dimensions; with free bits (0.25 nats a dimension, benchmarks/
    # posterior_collapse.py's setting) every dimension holds ~0.2. About 10 minutes each.
    pixel = ("vae", "--decoder", "pixelcnn", "--latent-dim", "16", "--dataset", "{data}",
             "--epochs", "1", "--device", "cpu", "--no-download")
    collapse = [Recipe("mnist-pixelvae", "mnist-pixelvae", pixel, 10,
                       "VAE with a PixelCNN decoder, no remedy: KL near 0"),
                Recipe("mnist-pixelvae-freebits", "mnist-pixelvae-freebits",
                       (*pixel, "--free-bits", "0.25"), 10,
                       "the same with free bits 0.25 nats/dim: every dimension used")]
    return mnist + fashion + matched + collapse
