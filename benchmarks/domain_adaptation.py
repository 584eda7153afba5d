"""Domain adaptation by translation: the shipped MNIST classifier on textured digits, as they are and translated back to MNIST.

    .venv/bin/python benchmarks/domain_adaptation.py [--data DIR] [--checkpoints DIR] [--n N] [--quick]

UNIT (Liu et al. 2017, §5, Table 3) measures domain adaptation by accuracy on the target
domain's test digits. Here the question is the issue's: the shipped classifier
(checkpoints/mnist-classifier, trained on MNIST only) meets textured digits, an MNIST-M-like
domain made here (models/translation/textured_digits.py, |landscape patch − digit|). How much
of its accuracy do the two unpaired translators give back?

Protocol. The 10,000 MNIST test digits (the t10k files of --data, default
../shared/datasets/mnist-full; never seen by the classifier or the translators, which train
on train-* digits), with their labels:
  1. as they are: the ceiling;
  2. textured, `textured_digits(test, seed=1)` (the held-out texturing of
     models/translation/domains.DigitDomains, seed 0 + 1), seen by the classifier as grey
     luminance Y = (0.299 R + 0.587 G + 0.114 B) / 255, unrounded floats (how the 10.8 % in
     the issue 16 groundwork notes was measured);
  3. textured → MNIST by the digits CycleGAN (checkpoints/digits-cyclegan,
     `.translate(x, "BtoA")`, an RGB picture; then the same luminance);
  4. textured → MNIST by UNIT (checkpoints/digits-unit, `.translate(x, "BtoA")`, grey).
Accuracy is the share of digits whose argmax class is the label. Everything runs batched on
the CPU, a few seconds (texturing the 10,000 digits takes about 10 s). A missing checkpoint
is named and its row left empty. --quick: the first 200 digits.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import _common
from _shipped import add_checkpoints_option, chunked, load_shipped, markdown

TEXTURE_SEED = 1
LUMA = (0.299, 0.587, 0.114)
CHUNK = 500


def luminance(rgb):
    """N×28×28×3 uint8 → N×28×28 float32 in [0, 1]: what the grey classifier is shown."""
    import numpy as np
    return (np.asarray(rgb, np.float32) @ np.asarray(LUMA, np.float32)) / 255


def read_test_digits(folder: Path):
    """The t10k images and labels of an IDX folder (MNIST's official test split)."""
    from models.data import read_idx
    found = {}
    for kind, magic in (("images-idx3", 2051), ("labels-idx1", 2049)):   # IDX magic numbers
        path = next((folder / f"t10k-{kind}-ubyte{gz}" for gz in ("", ".gz")
                     if (folder / f"t10k-{kind}-ubyte{gz}").is_file()), None)
        if path is None:
            raise SystemExit(f"error: {folder} has no t10k-{kind}-ubyte[.gz]; pass --data with "
                             "MNIST's test files (e.g. ../shared/datasets/mnist-full)")
        found[kind] = read_idx(path, magic)
    images, labels = found["images-idx3"], found["labels-idx1"].astype("int64")
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise SystemExit(f"error: {folder}: t10k files hold {images.shape} images and "
                         f"{labels.shape} labels; expected N×28×28 and N")
    return images, labels


def main(argv=None) -> int:
    def extra(p):
        add_checkpoints_option(p)
        p.add_argument("--n", type=int, default=None,
                       help="use only the first N test digits (default: all of them)")
        p.add_argument("--quick", action="store_true", help="smoke run: the first 200 digits")
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full", argv=argv)
    n = 200 if args.quick and args.n is None else args.n
    if n is not None and n < 1:
        raise SystemExit("error: --n must be ≥ 1")

    from models.translation.textured_digits import textured_digits
    print(_common.machine_line())
    images, labels = read_test_digits(Path(args.data))
    images, labels = images[:n], labels[:n]
    count = len(labels)
    print(f"protocol: {count:,} test digits from {args.data} (t10k), textured with seed "
          f"{TEXTURE_SEED}; the classifier sees grey luminance; checkpoints from {args.checkpoints}",
          flush=True)

    clf = load_shipped(args.checkpoints, "mnist-classifier", "classifier")
    if clf is None:
        print("nothing to measure without the classifier")
        print(_common.load_line())
        return 0
    cyc = load_shipped(args.checkpoints, "digits-cyclegan", "cyclegan")
    unit = load_shipped(args.checkpoints, "digits-unit", "unit")

    start = time.perf_counter()
    textured = textured_digits(images, seed=TEXTURE_SEED)
    print(f"textured {count:,} digits in {time.perf_counter() - start:.1f} s", flush=True)

    # label → (what the classifier sees, or None when the model is missing; seconds to make it)
    seen = {"MNIST test digits (ceiling)": (images, 0.0),
            "textured, as they are": (luminance(textured), 0.0)}
    for label, model, to_grey in (("textured → MNIST by CycleGAN", cyc, luminance),
                                  ("textured → MNIST by UNIT", unit, None)):
        if model is None:
            seen[label] = (None, None)
            continue
        start = time.perf_counter()
        out = chunked(lambda x: model.translate(x, "BtoA"), textured, CHUNK)
        seen[label] = (to_grey(out) if to_grey else out, time.perf_counter() - start)

    rows, results = [], {}
    for label, (x, seconds) in seen.items():
        acc = None if x is None else clf.accuracy(x, labels)
        results[label] = acc
        if acc is not None:
            extra_s = f", translation {seconds * 1e3 / count:.2f} ms/digit" if seconds else ""
            print(f"RESULT {label}: accuracy {acc:.2%} on {count:,} digits{extra_s}", flush=True)
        rows.append([label, "–" if acc is None else f"{acc:.2%}",
                     "–" if acc is None else f"{count:,}"])

    print()
    print(markdown("Domain adaptation: the MNIST classifier on textured test digits, as they are "
                   "and translated to MNIST", ["Method", "Accuracy", "Digits"], rows))
    print("\nUNIT's paper (Table 3) reports 90.53 % for SVHN → MNIST, with a classifier "
          "trained together with the UNIT networks; here a fixed classifier judges "
          "translated pictures, on another pair of domains: compare the ordering, not the "
          "values.")
    print(_common.load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
