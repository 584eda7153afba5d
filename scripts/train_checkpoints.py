"""Rebuild the shipped checkpoints and the bundled MNIST sample from ../shared/datasets/mnist.

    python scripts/train_checkpoints.py [--epochs 60] [--only FAMILY ...]

Split: the shared set is MNIST's 10,000 test images; the first 8,000 train, the last 2,000
are held out. The held-out 2,000 are also written to assets/datasets/mnist-sample so the app
has real digits to show before any dataset is downloaded (with the autoencoders).

Families, each rebuildable alone with --only:
  vae, ae      checkpoints/mnist-{vae,ae}-2d          (about a minute each on a 2-core CPU)
  classifier   checkpoints/mnist-classifier           (the benchmarks' feature extractor, ~3 min)
  ddpm         checkpoints/mnist-ddpm                 (unconditional, linear schedule)
  ddpm-cond    checkpoints/mnist-ddpm-cond            (class-conditional, cosine schedule)
  dcgan        checkpoints/mnist-dcgan                (unconditional DCGAN, 80 epochs, ~20 min)
  cgan         checkpoints/mnist-cgan                 (class-conditional DCGAN, 40 epochs, ~11 min)
  pix2pix      checkpoints/landscapes-pix2pix         (64 px label maps → photos, 5,000 steps, ~20 min)
The unconditional DCGAN gets twice the epochs: at 40 its Fréchet distance was 171.7, at 80 137.7.
The diffusion models train 40 epochs with bf16 autocast, about three quarters of an hour
each on a 2-core CPU. Without --only, everything is rebuilt, in the order above.
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.data import load_dataset  # noqa: E402
from playground.cli import main as cli  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets" / "mnist"
FAMILIES = ("vae", "ae", "classifier", "ddpm", "ddpm-cond", "dcgan", "cgan", "pix2pix")
DIFFUSION_EPOCHS = 40
GAN_EPOCHS = {"dcgan": 80, "cgan": 40}


def write_idx(path: Path, array, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(header + array.astype("uint8").tobytes())


def train_autoencoder(kind: str, data: str, epochs: int) -> int:
    return cli(["train", kind, "--dataset", data, "--latent-dim", "2", "--epochs",
                str(epochs), "--device", "cpu", "--no-download",
                "--out", str(ROOT / "checkpoints" / f"mnist-{kind}-2d")])


def train_ddpm(conditional: bool, data: str) -> int:
    args = ["train", "ddpm", "--dataset", data, "--no-download", "--device", "cpu",
            "--precision", "bf16", "--epochs", str(DIFFUSION_EPOCHS)]
    if conditional:
        args += ["--conditional", "--schedule", "cosine", "--out",
                 str(ROOT / "checkpoints" / "mnist-ddpm-cond")]
    else:
        args += ["--schedule", "linear", "--out", str(ROOT / "checkpoints" / "mnist-ddpm")]
    return cli(args)


def train_gan(kind: str, data: str) -> int:
    return cli(["train", kind, "--dataset", data, "--no-download", "--device", "cpu",
                "--epochs", str(GAN_EPOCHS[kind]), "--out", str(ROOT / "checkpoints" / f"mnist-{kind}")])


def train_pix2pix() -> int:
    # the procedural landscapes need no dataset; 4,000 pairs × 10 epochs = 5,000 steps of 8
    return cli(["train", "pix2pix", "--dataset", "landscapes", "--size", "64", "--width", "32",
                "--loss", "l1+cgan", "--patch", "70", "--pairs", "4000", "--epochs", "10",
                "--device", "cpu", "--out", str(ROOT / "checkpoints" / "landscapes-pix2pix")])


def train_classifier(data: str) -> int:
    from models.classifier import fit
    from models.events import EpochEnd

    def report(event) -> None:
        if isinstance(event, EpochEnd):
            print(f"classifier epoch {event.epoch}/{event.epochs}: train loss "
                  f"{event.train_losses['loss']:.4f}, held-out loss {event.test_losses['loss']:.4f}, "
                  f"held-out accuracy {event.test_losses['accuracy']:.2%}", flush=True)

    model = fit(load_dataset(data), on_event=report)
    out = ROOT / "checkpoints" / "mnist-classifier"
    model.save(out)
    m = model.meta["metrics"]
    print(f"Saved {out} (held-out accuracy {m['test_accuracy']:.2%}, "
          f"train accuracy {m['train_accuracy']:.2%}, {model.meta['train_seconds']:.0f} s)")
    return 0


def write_sample(data: str) -> None:
    held_out = load_dataset(data).test
    sample = ROOT / "assets" / "datasets" / "mnist-sample"
    sample.mkdir(parents=True, exist_ok=True)
    write_idx(sample / "t10k-images-idx3-ubyte.gz", held_out.images, 2051)
    write_idx(sample / "t10k-labels-idx1-ubyte.gz", held_out.labels, 2049)
    print(f"Wrote {len(held_out)} held-out images to {sample}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=60, help="autoencoder epochs (default 60)")
    p.add_argument("--data", default=str(SHARED))
    p.add_argument("--only", nargs="+", choices=FAMILIES, default=None, metavar="FAMILY",
                   help=f"rebuild only these: {', '.join(FAMILIES)} (default: all)")
    args = p.parse_args()
    families = args.only or FAMILIES
    for kind in ("vae", "ae"):
        if kind in families:
            rc = train_autoencoder(kind, args.data, args.epochs)
            if rc:
                return rc
    if "vae" in families or "ae" in families:
        write_sample(args.data)
    if "classifier" in families:
        rc = train_classifier(args.data)
        if rc:
            return rc
    for name, conditional in (("ddpm", False), ("ddpm-cond", True)):
        if name in families:
            rc = train_ddpm(conditional, args.data)
            if rc:
                return rc
    for kind in ("dcgan", "cgan"):
        if kind in families:
            rc = train_gan(kind, args.data)
            if rc:
                return rc
    if "pix2pix" in families:
        return train_pix2pix()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
