"""Classifier-free guidance: class accuracy against diversity of the conditional DDPM.

    .venv/bin/python benchmarks/diffusion_guidance.py [--checkpoint checkpoints/mnist-ddpm-cond]
        [--per-class 50] [--ws 0,1,3,7] [--steps 50]

For each guidance scale w it asks for --per-class images of every digit 0–9 (DDIM, η = 0,
--steps steps; the same x_T and labels for every w) and reports, under the shipped
classifier (checkpoints/mnist-classifier):

  accuracy       the share of samples classified as the digit that was asked for;
  p(y)           the classifier's mean probability of the requested digit;
  diversity      mean pairwise distance of the classifier features within each class,
                 averaged over classes, relative to the same figure for the held-out real
                 digits (1.0 = as varied as real digits of one class; lower = more alike);
  Fréchet        distance of all samples to the held-out digits (features as in
                 diffusion_quality.py): guidance trades this away for accuracy;

and the wall time per w (a guided step runs the U-Net on twice the batch).
"""
from __future__ import annotations

import _common
from diffusion_quality import (add_common_args, duration, load_or_exit, sample_batched,
                               save_grid)

from models.metrics import within_class_spread

DEFAULT_CHECKPOINT = _common.ROOT / "checkpoints" / "mnist-ddpm-cond"


def main() -> int:
    def extra(p):
        p.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT),
                       help="class-conditional diffusion checkpoint")
        p.add_argument("--per-class", type=int, default=50, help="samples per digit (default 50)")
        p.add_argument("--ws", default="0,1,3,7", help="guidance scales w")
        p.add_argument("--steps", type=int, default=50, help="DDIM steps (default 50)")
        add_common_args(p)
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")

    import time

    import numpy as np
    import torch

    from models.data import load_dataset
    from models.frechet import frechet_distance, gaussian_stats

    if args.threads:
        torch.set_num_threads(args.threads)
    print(_common.machine_line())
    model = load_or_exit(args.checkpoint, "diffusion")
    if not model.conditional:
        raise SystemExit(f"error: {args.checkpoint} is unconditional; guidance needs a "
                         "class-conditional model (checkpoints/mnist-ddpm-cond)")
    clf = load_or_exit(args.classifier, "classifier")
    ws = [float(w) for w in args.ws.split(",") if w.strip()]
    k = max(2, args.per_class)
    classes = model.config.num_classes
    labels = np.repeat(np.arange(classes), k)
    ds = load_dataset(args.data)
    print(f"data: {ds.source}")
    print(f"model: {args.checkpoint} ({model.config.schedule} schedule, T = {model.config.timesteps}, "
          f"trained {model.meta.get('epochs', '?')} epochs)")
    print(f"{k} samples per class × {classes} classes = {len(labels)} per w, DDIM-{args.steps}, η = 0, "
          f"seed {args.seed}, {args.precision}, torch threads {torch.get_num_threads()}")

    real = clf.features(ds.test.images)
    ref = gaussian_stats(real)
    real_spread = within_class_spread(real, ds.test.labels)
    real_acc = clf.accuracy(ds.test.images, ds.test.labels)
    print(f"RESULT reference: held-out digits, classifier accuracy {real_acc:.2%}, "
          f"within-class feature spread {real_spread:.3f} (= diversity 1.00)")
    # the Fréchet estimate is biased upwards at small N: the floor for k per class
    rng = np.random.default_rng(args.seed)
    pick = np.concatenate([rng.choice(np.flatnonzero(ds.train.labels == c),
                                      min(k, int((ds.train.labels == c).sum())), replace=False)
                           for c in range(classes)])
    floor = frechet_distance(*gaussian_stats(clf.features(ds.train.images[pick])), *ref)
    print(f"RESULT reference: Fréchet distance, {len(pick)} training digits ({k} per class) vs "
          f"held-out = {floor:.2f} (the floor at this N)")

    rows, start = [], time.perf_counter()
    cost = [1 if w == 0 else 2 for w in ws]
    for i, w in enumerate(ws):
        images, seconds = sample_batched(model, len(labels), batch=args.batch, seed=args.seed,
                                         steps=args.steps, labels=labels, guidance=w,
                                         precision=args.precision, progress=f"w = {w:g}")
        probs = clf.probs(images)
        acc = float((probs.argmax(1) == labels).mean())
        p_y = float(probs[np.arange(len(labels)), labels].mean())
        feats = clf.features(images)
        diversity = within_class_spread(feats, labels) / real_spread
        fd = frechet_distance(*gaussian_stats(feats), *ref)
        per_class = [(probs.argmax(1)[labels == c] == c).mean() for c in range(classes)]
        rows.append((w, acc, p_y, diversity, fd, seconds))
        # a grid of 10 per digit, one digit per row
        pick = np.concatenate([np.flatnonzero(labels == c)[:10] for c in range(classes)])
        save_grid(images[pick], args.save_grids, f"guidance-w{w:g}")
        left = (time.perf_counter() - start) * sum(cost[i + 1:]) / sum(cost[:i + 1])
        print(f"RESULT w = {w:g}: accuracy {acc:.2%}, p(y) {p_y:.3f}, diversity {diversity:.2f}, "
              f"Fréchet {fd:.2f}, wall {seconds:.1f} s; per digit "
              + " ".join(f"{c}:{a:.0%}" for c, a in enumerate(per_class))
              + f"   [about {duration(left)} left]", flush=True)

    print(f"\n**Classifier-free guidance, DDIM-{args.steps}, {len(labels)} samples per w "
          f"({k} per digit; Fréchet floor of real digits at this N: {floor:.2f})**\n")
    print("| w | accuracy | p(y) | diversity | Fréchet distance | wall time (s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for w, acc, p_y, div, fd, sec in rows:
        print(f"| {w:g} | {acc:.1%} | {p_y:.3f} | {div:.2f} | {fd:.2f} | {sec:.1f} |")
    print("\naccuracy/p(y): the shipped classifier's verdict on the requested digit; diversity: "
          "within-class feature spread relative to real held-out digits; Fréchet: to the "
          "held-out digits (class-balanced samples vs the held-out set's own class mix).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
