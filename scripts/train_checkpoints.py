"""Rebuild the shipped checkpoints and the bundled MNIST sample from ../shared/datasets/mnist.

    python scripts/train_checkpoints.py [--only NAME ...] [--list]

Each family says how its shipped checkpoints are made (models/<family>/family.py: rebuild →
recipes: the output folder, the `playground train` arguments, the minutes it takes on a
2-core CPU); this script runs them in family order, every one or those named with --only.
`--list` prints the plan. The digit classifier is the benchmarks' and GAN training's
feature extractor (models/classifier); it has no command and is fitted by its own function.

Split: the shared set is MNIST's 10,000 test images; the first 8,000 train, the last 2,000
are held out. The held-out 2,000 are also written to assets/datasets/mnist-sample (the
recipe named "mnist-sample") so the app has real digits to show before any dataset is
downloaded.
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.data import load_dataset  # noqa: E402
from models.family import families, load  # noqa: E402
from playground.cli import main as cli  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets" / "mnist"
SAMPLE = "mnist-sample"


def write_idx(path: Path, array, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(header + array.astype("uint8").tobytes())


def write_sample(data: str) -> int:
    held_out = load_dataset(data, download=False).test
    sample = ROOT / "assets" / "datasets" / SAMPLE
    sample.mkdir(parents=True, exist_ok=True)
    write_idx(sample / "t10k-images-idx3-ubyte.gz", held_out.images, 2051)
    write_idx(sample / "t10k-labels-idx1-ubyte.gz", held_out.labels, 2049)
    print(f"Wrote {len(held_out)} held-out images to {sample}")
    return 0


def recipes() -> list:
    return [recipe for family in families() for recipe in family.recipes()]


def rebuild(recipe, data: str) -> int:
    out = ROOT / "checkpoints" / recipe.out
    print(f"== {recipe.name}: {recipe.note} (about {recipe.minutes:g} min) → {out}", flush=True)
    if recipe.build:
        return load(recipe.build)(out, data)
    code = cli(["train", *(a.replace("{data}", data) for a in recipe.argv), "--out", str(out)])
    # the shipped folders hold what the app opens; the state --resume would read (optimiser
    # moments, D, …) is several times the weights' size and stays out of the repository
    (out / "train_state.safetensors").unlink(missing_ok=True)
    return code


def main() -> int:
    plan = recipes()
    names = [r.name for r in plan] + [SAMPLE]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(SHARED), help="the MNIST folder recipes train on")
    p.add_argument("--only", nargs="+", choices=names, default=None, metavar="NAME",
                   help=f"rebuild only these: {', '.join(names)} (default: all)")
    p.add_argument("--list", action="store_true", help="print the plan and exit")
    args = p.parse_args()
    chosen = args.only or names
    if args.list:
        for r in plan:
            print(f"{r.name:12} checkpoints/{r.out:22} ~{r.minutes:g} min  {r.note}")
        print(f"{SAMPLE:12} assets/datasets/{SAMPLE}      the held-out digits")
        return 0
    for recipe in plan:
        if recipe.name in chosen:
            rc = rebuild(recipe, args.data)
            if rc:
                return rc
    return write_sample(args.data) if SAMPLE in chosen else 0


if __name__ == "__main__":
    raise SystemExit(main())
