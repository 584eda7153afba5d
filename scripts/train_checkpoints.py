"""Rebuild the shipped checkpoints and the bundled samples from ../shared/datasets.

    python scripts/train_checkpoints.py [--only NAME ...] [--list]

Each family says how its shipped checkpoints are made (models/<family>/family.py: rebuild →
recipes: the output folder, the `playground train` arguments, the minutes it takes on a
2-core CPU); this script runs them in family order, every one or those named with --only.
`--list` prints the plan. The digit classifier is the benchmarks' and GAN training's
feature extractor (models/classifier); it has no command and is fitted by its own function.

Split: MNIST's official one (../shared/datasets/mnist-full): the 60,000 train-* digits train,
the 10,000 t10k-* digits are held out and every figure is measured on them. The last 2,000
test digits are also written to assets/datasets/mnist-sample (the recipe named
"mnist-sample") so the app has real digits to show before any dataset is downloaded.

Each recipe prints the wall-clock time it took, and the end a table of them all; run it in
the background (`make checkpoints`, or `nohup python scripts/train_checkpoints.py &`).

Fashion-MNIST (the recipes fashion-vae and fashion-ae, from the fashion-mnist/ folder beside
the MNIST one): the shared folder holds its 60,000 training images only; the first 50,000
train, the last 10,000 are held out, and the first 2,000 of those are written to
assets/datasets/fashion-mnist-sample (the recipe "fashion-mnist-sample").
"""
from __future__ import annotations

import argparse
import gzip
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.data import load_dataset  # noqa: E402
from models.family import families, load  # noqa: E402
from playground.cli import main as cli  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets" / "mnist-full"
SAMPLE = "mnist-sample"
FASHION_SAMPLE = "fashion-mnist-sample"
SAMPLE_SIZE = 2000      # held-out images bundled per dataset: enough for the scatter, ~1 MB


def write_idx(path: Path, array, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(header + array.astype("uint8").tobytes())


def write_sample(data: str, name: str = SAMPLE, last: bool = False) -> int:
    """SAMPLE_SIZE held-out images of `data` (the first, or with `last` the last) as
    assets/datasets/<name>: t10k-* files only, which the app reads back split 80/20 and
    shows all of."""
    held_out = load_dataset(data, download=False).test
    part = slice(-SAMPLE_SIZE, None) if last else slice(0, SAMPLE_SIZE)
    sample = ROOT / "assets" / "datasets" / name
    sample.mkdir(parents=True, exist_ok=True)
    write_idx(sample / "t10k-images-idx3-ubyte.gz", held_out.images[part], 2051)
    write_idx(sample / "t10k-labels-idx1-ubyte.gz", held_out.labels[part], 2049)
    print(f"Wrote {len(held_out.images[part])} held-out images to {sample}")
    return 0


def recipes() -> list:
    return [recipe for family in families() for recipe in family.recipes()]


def fill(arg: str, data: str) -> str:
    """A recipe's argument with {data} (the MNIST folder, mnist-full/) and {datasets} (the
    folder holding it, for fashion-mnist/) and {checkpoints} (this repository's checkpoints/,
    for a recipe that starts from another one: SRGAN from SRResNet) filled in."""
    return arg.replace("{datasets}", str(Path(data).parent)).replace("{data}", data) \
        .replace("{checkpoints}", str(ROOT / "checkpoints"))


def rebuild(recipe, data: str) -> int:
    out = ROOT / "checkpoints" / recipe.out
    print(f"== {recipe.name}: {recipe.note} (about {recipe.minutes:g} min) → {out}", flush=True)
    if recipe.build:
        return load(recipe.build)(out, data)
    code = cli(["train", *(fill(a, data) for a in recipe.argv), "--out", str(out)])
    # the shipped folders hold what the app opens; the state --resume would read (optimiser
    # moments, D, …) is several times the weights' size and stays out of the repository
    (out / "train_state.safetensors").unlink(missing_ok=True)
    return code


def main() -> int:
    plan = recipes()
    names = [r.name for r in plan] + [SAMPLE, FASHION_SAMPLE]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(SHARED), help="the MNIST folder recipes train on")
    p.add_argument("--only", nargs="+", choices=names, default=None, metavar="NAME",
                   help=f"rebuild only these: {', '.join(names)} (default: all)")
    p.add_argument("--list", action="store_true", help="print the plan and exit")
    p.add_argument("--check", action="store_true",
                   help="check that the datasets the plan needs are there, and exit")
    args = p.parse_args()
    chosen = args.only or names
    if args.check:
        return check(plan, chosen, args.data)
    if args.list:
        for r in plan:
            print(f"{r.name:12} checkpoints/{r.out:22} ~{r.minutes:g} min  {r.note}")
        print(f"{SAMPLE:12} assets/datasets/{SAMPLE}      2,000 held-out digits")
        print(f"{FASHION_SAMPLE:12} assets/datasets/{FASHION_SAMPLE}  2,000 held-out clothes")
        return 0
    took = []
    for recipe in plan:
        if recipe.name in chosen:
            start = time.perf_counter()
            rc = rebuild(recipe, args.data)
            took.append((recipe.name, time.perf_counter() - start, rc))
            print(f"== {recipe.name}: {'done' if rc == 0 else f'FAILED ({rc})'} in "
                  f"{minutes(took[-1][1])}", flush=True)
            if rc:
                break
    if took:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"\nTime each took on this machine ({os.cpu_count()} cores, load now {load:.1f}):")
        for name, seconds, rc in took:
            print(f"  {name:12} {minutes(seconds):>8}{'' if rc == 0 else '  FAILED'}")
        if took[-1][2]:
            return took[-1][2]
    # the MNIST sample is the last 2,000 test digits: the same files the app has shipped since
    # the models trained on the first 8,000 test digits, and held out from every model since
    if SAMPLE in chosen and write_sample(args.data, last=True):
        return 1
    if FASHION_SAMPLE in chosen:
        return write_sample(fill("{datasets}/fashion-mnist", args.data), FASHION_SAMPLE)
    return 0


def check(plan, chosen, data: str) -> int:
    """Exit status 0 when every dataset folder the chosen recipes read holds its files; say
    which is missing otherwise (make checkpoints runs this before going to the background)."""
    from models.data import DataError
    needs = {data} if SAMPLE in chosen else set()
    if FASHION_SAMPLE in chosen:
        needs.add(fill("{datasets}/fashion-mnist", data))
    for recipe in plan:
        if recipe.name in chosen:
            if recipe.build:    # the classifier's build() reads {data}
                needs.add(data)
            needs.update(fill(a, data) for a in recipe.argv if "{data" in a)
    for folder in sorted(needs, key=lambda f: (f != data, f)):
        try:
            ds = load_dataset(folder, download=False)
        except (DataError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"ok: {folder}: {len(ds.train):,} train, {len(ds.test):,} held out")
    total = sum(r.minutes for r in plan if r.name in chosen)
    print(f"{sum(r.name in chosen for r in plan)} checkpoints, about {total:g} minutes on a 2-core CPU")
    return 0


def minutes(seconds: float) -> str:
    whole = round(seconds)      # rounded first: 3599.6 s is "60 min 00 s", not "59 min 60 s"
    return f"{whole // 60} min {whole % 60:02d} s"


if __name__ == "__main__":
    raise SystemExit(main())
