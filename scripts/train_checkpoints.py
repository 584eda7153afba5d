"""Rebuild the shipped checkpoints and the bundled MNIST sample from ../shared/datasets/mnist.

    python scripts/train_checkpoints.py [--epochs 60]

Split: the shared set is MNIST's 10,000 test images; the first 8,000 train, the last 2,000
are held out. The held-out 2,000 are also written to assets/datasets/mnist-sample so the app
has real digits to show before any dataset is downloaded.
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


def write_idx(path: Path, array, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(header + array.astype("uint8").tobytes())


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--data", default=str(SHARED))
    args = p.parse_args()
    for kind in ("vae", "ae"):
        rc = cli(["train", kind, "--dataset", args.data, "--latent-dim", "2", "--epochs",
                  str(args.epochs), "--device", "cpu", "--no-download",
                  "--out", str(ROOT / "checkpoints" / f"mnist-{kind}-2d")])
        if rc:
            return rc
    held_out = load_dataset(args.data).test
    sample = ROOT / "assets" / "datasets" / "mnist-sample"
    sample.mkdir(parents=True, exist_ok=True)
    write_idx(sample / "t10k-images-idx3-ubyte.gz", held_out.images, 2051)
    write_idx(sample / "t10k-labels-idx1-ubyte.gz", held_out.labels, 2049)
    print(f"Wrote {len(held_out)} held-out images to {sample}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
