"""Prior samples of the shipped 2-D autoencoders: does sampling the prior give real-looking images?

    .venv/bin/python benchmarks/prior_samples.py [--models mnist fashion] [--n 2000]

The lectures' contrast in numbers: a VAE's decoder has been trained on codes that fill
N(0, I), so decoding draws from N(0, I) gives images like the data; a plain AE's codes fill an
irregular region, so decoding draws from the box around them (the app's "prior" for an AE,
models/latent.py: prior_draws) often lands between its groups. For each shipped pair
(checkpoints/<dataset>-{vae,ae}-2d), N draws decoded, against the held-out images of the split
it was trained with:

  Fréchet distance   of the samples' classifier features to the held-out images' (lower is
                     better), with the floor of N real training images beside it;
  confident          share of samples the classifier assigns to one class with probability
                     ≥ 0.9 (real held-out images: the same figure, for scale);
  classes covered    classes holding at least 2.5% of the samples.

Features: for MNIST the shipped classifier (checkpoints/mnist-classifier); for Fashion-MNIST
the same small CNN fitted here on the 50,000 training images (3 epochs, about two minutes on
two cores, cached in --cache), since no Fashion classifier ships. The distances compare within
a dataset, not across.
"""
from __future__ import annotations

from pathlib import Path

import _common

CACHE = _common.ROOT / "benchmarks" / ".cache" / "prior_samples"
FOLDER = {"mnist": "mnist-full", "fashion": "fashion-mnist"}


def extra(p) -> None:
    p.add_argument("--models", nargs="+", choices=sorted(FOLDER), default=["mnist", "fashion"])
    p.add_argument("--n", type=int, default=2000, help="samples per model (default 2000)")
    p.add_argument("--cache", default=str(CACHE), help=f"where the Fashion classifier is kept ({CACHE})")
    p.add_argument("--checkpoints", default=str(_common.ROOT / "checkpoints"),
                   help="folder holding the <dataset>-{vae,ae}-2d pairs (default: the shipped ones)")


def features_for(which: str, ds, cache: Path):
    from models import load_checkpoint
    from models.checkpoint import CheckpointError
    from models.classifier.model import ClassifierTrainConfig, fit
    if which == "mnist":
        return load_checkpoint(_common.ROOT / "checkpoints" / "mnist-classifier")
    folder = cache / f"{which}-classifier"
    try:
        return load_checkpoint(folder)
    except (CheckpointError, OSError):
        pass
    print(f"fitting a {which} classifier on {len(ds.train):,} images (cached in {folder})…", flush=True)
    model = fit(ds, train_config=ClassifierTrainConfig(epochs=3))
    model.save(folder)
    return model


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], extra, needs_data=False)
    print(_common.machine_line())
    import numpy as np

    from models import load_checkpoint
    from models.data import load_dataset
    from models.frechet import frechet_distance, gaussian_stats
    from models.gan.diagnostics import class_histogram, classes_covered

    lines = ["| model | samples from | Fréchet distance ↓ | confident (p ≥ 0.9) | classes covered |",
             "|---|---|---:|---:|---:|"]
    for which in args.models:
        ds = load_dataset(str(_common.DATASETS / FOLDER[which]), download=False)
        clf = features_for(which, ds, Path(args.cache))
        acc = clf.accuracy(ds.test.images, ds.test.labels)
        print(f"{which}: {ds.source}; classifier held-out accuracy {acc:.2%}")
        ref = gaussian_stats(clf.features(ds.test.images))

        def row(images) -> tuple[float, float, int]:
            probs = clf.probs(images)
            hist = class_histogram(probs.argmax(1), probs.shape[1])
            fd = frechet_distance(*gaussian_stats(clf.features(images)), *ref)
            return fd, float((probs.max(1) >= 0.9).mean()), classes_covered(hist)

        pick = np.random.default_rng(0).choice(len(ds.train), args.n, replace=False)
        fd, conf, cov = row(ds.train.images[pick])
        lines.append(f"| real: {args.n:,} {which} training images (the floor) | – | {fd:.1f} | "
                     f"{conf:.1%} | {cov}/10 |")
        print(f"RESULT {which} floor: Fréchet {fd:.2f}, confident {conf:.1%}, covered {cov}/10")
        for kind in ("vae", "ae"):
            model = load_checkpoint(Path(args.checkpoints) / f"{which}-{kind}-2d")
            fd, conf, cov = row(model.sample(args.n, seed=0))
            where = "N(0, I)" if model.variational else "the box around the codes"
            print(f"RESULT {which} {kind}: Fréchet {fd:.2f}, confident {conf:.1%}, covered {cov}/10",
                  flush=True)
            lines.append(f"| `{which}-{kind}-2d` | {where} | {fd:.1f} | {conf:.1%} | {cov}/10 |")
    print(f"\nN = {args.n:,} samples per row (seed 0), against each dataset's held-out images\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
