"""Old against new shipped checkpoints, on digits neither ever trained on.

    git archive REV checkpoints | tar -x -C /tmp/old      # the checkpoints of revision REV
    .venv/bin/python benchmarks/retrain_compare.py --old /tmp/old/checkpoints

Until issue 13 the MNIST checkpoints trained on the first 8,000 digits of MNIST's test set and
were measured on its last 2,000; since then they train on the 60,000 training digits and are
measured on all 10,000 test digits. The two sets of figures are therefore over different
digits. This script puts both on the same footing: the last 2,000 test digits, held out from
both, with one yardstick (the classifier of --features, by default the new one, which never
saw a test digit) for every Fréchet distance. Per model kind:

  autoencoders  test loss per image (BCE + KL, β = 1), 5-NN accuracy of the 2-D codes (the
                60,000 training digits' codes voting: the same reference set for old and new),
                and the Fréchet distance of --n decoded prior draws (benchmarks/prior_samples.py)
  classifier    accuracy
  GANs          Fréchet distance of --n samples (the same seed) to the 2,000 digits; the
                conditional one also the share classified as the requested digit
  DDPMs         Fréchet distance of --n DDIM samples (--steps, η = 1, the same x_T)

A reference line gives the floor: --n real training digits against the same 2,000.
About 5 minutes on a 2-core CPU (the DDPM samples take most of it).
"""
from __future__ import annotations

import time
from pathlib import Path

import _common

NEW = _common.ROOT / "checkpoints"
COMMON = 2000       # the last COMMON test digits: held out from the old and the new models


def extra(p) -> None:
    p.add_argument("--old", required=True, help="folder holding the old checkpoints "
                   "(git archive REV checkpoints | tar -x -C DIR; then DIR/checkpoints)")
    p.add_argument("--new", default=str(NEW), help=f"folder holding the new ones (default {NEW})")
    p.add_argument("--features", default=None,
                   help="classifier checkpoint for the Fréchet distances (default: NEW/mnist-classifier)")
    p.add_argument("--n", type=int, default=1000, help="samples per generative model (default 1000)")
    p.add_argument("--steps", type=int, default=20, help="DDIM steps for the DDPMs (default 20)")
    p.add_argument("--only", nargs="+", default=None,
                   help="model folders to compare (default: every mnist-* in both)")


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")
    print(_common.machine_line())
    import numpy as np
    import torch

    from models.autoencoder.training import encode_means, evaluate
    from models.checkpoint import load_checkpoint, read_meta
    from models.data import load_dataset, to_float
    from models.frechet import frechet_distance, gaussian_stats
    from models.metrics import knn_accuracy

    ds = load_dataset(args.data, download=False)
    if len(ds.train) < 60000 or len(ds.test) < 10000:
        raise SystemExit(f"{ds.source}: needs MNIST's official split (60,000 + 10,000)")
    images, labels = ds.test.images[-COMMON:], ds.test.labels[-COMMON:]
    print(f"data: {ds.source}; measured on the last {COMMON:,} test digits")
    old_root, new_root = Path(args.old), Path(args.new)
    clf = load_checkpoint(args.features or new_root / "mnist-classifier")
    ref = gaussian_stats(clf.features(images))
    pick = np.random.default_rng(0).choice(len(ds.train), args.n, replace=False)
    floor = frechet_distance(*gaussian_stats(clf.features(ds.train.images[pick])), *ref)
    print(f"RESULT floor: {args.n} training digits vs the {COMMON} = {floor:.1f}")

    def fd(samples) -> float:
        return frechet_distance(*gaussian_stats(clf.features(samples)), *ref)

    train_x, test_x = (torch.from_numpy(to_float(a)) for a in (ds.train.images, images))

    def autoencoder(model) -> dict:
        loss = evaluate(model.module, test_x, beta=1.0)["loss"]
        knn = knn_accuracy(encode_means(model.module, train_x), ds.train.labels,
                           encode_means(model.module, test_x), labels, k=5)
        return {"test loss": f"{loss:.1f}", "5-NN": f"{knn:.3f}",
                "Fréchet (prior samples)": f"{fd(model.sample(args.n, seed=0)):.1f}"}

    def classifier(model) -> dict:
        return {"accuracy": f"{model.accuracy(images, labels):.2%}"}

    def gan(model) -> dict:
        wanted = np.arange(args.n) % 10 if model.conditional else None
        samples = model.sample(args.n, label=wanted, generator=0) if wanted is not None else \
            model.sample(args.n, generator=0)
        row = {"Fréchet": f"{fd(samples):.1f}"}
        if wanted is not None:
            row["requested digit"] = f"{(clf.predict(samples) == wanted).mean():.1%}"
        return row

    def diffusion(model) -> dict:
        gen = torch.Generator().manual_seed(0)
        wanted = list(np.arange(args.n) % 10) if model.conditional else None
        out = [model.sample(min(250, args.n - i), steps=args.steps, eta=1.0, generator=gen,
                            label=None if wanted is None else wanted[i:i + 250])
               for i in range(0, args.n, 250)]
        samples = np.concatenate(out)
        row = {"Fréchet": f"{fd(samples):.1f}"}
        if wanted is not None:
            row["requested digit"] = f"{(clf.predict(samples) == np.array(wanted)).mean():.1%}"
        return row

    measure = {"autoencoder": autoencoder, "classifier": classifier, "gan": gan,
               "diffusion": diffusion}
    names = args.only or sorted(p.name for p in new_root.glob("mnist-*")
                                if (old_root / p.name).is_dir())
    lines = [f"| checkpoint | trained on | figure | old | new |", "|---|---|---|---|---|"]
    for name in names:
        rows = {}
        for which, root in (("old", old_root), ("new", new_root)):
            start = time.perf_counter()
            model = load_checkpoint(root / name)
            rows[which] = measure[read_meta(root / name)["family"]](model)
            split = read_meta(root / name).get("dataset", {}).get("split", "?")
            print(f"RESULT {name} {which} ({split}): {rows[which]} "
                  f"[{time.perf_counter() - start:.0f} s]", flush=True)
        for figure in rows["new"]:
            lines.append(f"| `{name}` | 8,000 → 60,000 | {figure} | {rows['old'].get(figure, '–')} "
                         f"| {rows['new'][figure]} |")
    print(f"\nOn the last {COMMON:,} MNIST test digits (held out from both); Fréchet distances "
          f"on {Path(args.features or new_root / 'mnist-classifier').name}'s features, "
          f"N = {args.n}, floor {floor:.1f}; DDPMs: DDIM-{args.steps}, η = 1\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
