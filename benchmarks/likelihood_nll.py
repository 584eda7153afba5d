"""Exact likelihood against a bound, on binarized MNIST: test NLL in nats per image.

    .venv/bin/python benchmarks/likelihood_nll.py [--nade DIR] [--pixelcnn DIR] [--vae DIR]

The test set is MNIST's 10,000 test digits binarized once (models/likelihood/binarize.py:
P(x_i = 1) = intensity / 255, seed TEST_SEED), as the literature scores binarized MNIST.
For each model:

  NADE, PixelCNN   −log p(x), exact, averaged over the test set (or --test-images), beside the
                   published figures (NADE 88.9 nats, Larochelle & Murray 2011; PixelCNN 81.3,
                   van den Oord et al. 2016); the time to score one image (pixel_nll: log p(x)
                   and the per-pixel map in one pass; target ≤ 50 ms), and to sample 16 images
                   pixel by pixel (784 sequential draws). For PixelCNN the sampling cost per
                   row pass with three crops (the whole image, rows 0…r, the band of the
                   receptive field r−R…r), which fill() chooses between.
  the VAE          its ELBO and importance-weighted bound log (1/k) Σ p(x, z_i)/q(z_i|x)
                   (models/autoencoder/iwae.py) for k in --ks, on --vae-images images (k =
                   1,000 decodes a thousand latents per image: slow on a CPU). Its decoder is a
                   Bernoulli, so it scores the same binarized images; the shipped VAE was
                   trained on grey images, which it treats as Bernoulli means. When its
                   checkpoint trained on test digits (the first 8,000 of t10k, before issue 13)
                   the images come from the last 2,000, which it never saw, and it says so.

Figures are printed with the checkpoint's training cost (steps, epochs, and wall time when the
checkpoint records one). A missing checkpoint is skipped with a line saying so.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import _common

CHECKPOINTS = _common.ROOT / "checkpoints"
PUBLISHED = {"nade": 88.9, "pixelcnn": 81.3}


def extra(p) -> None:
    p.add_argument("--nade", default=str(CHECKPOINTS / "mnist-nade"))
    p.add_argument("--pixelcnn", default=str(CHECKPOINTS / "mnist-pixelcnn"))
    p.add_argument("--vae", default=str(CHECKPOINTS / "mnist-vae-2d"))
    p.add_argument("--test-images", type=int, default=10000,
                   help="how many binarized test digits the exact models score (default all)")
    p.add_argument("--vae-images", type=int, default=200,
                   help="test digits for the VAE's bounds (default 200: k = 1,000 is slow)")
    p.add_argument("--ks", default="1,10,100,1000", help="importance samples (default 1,10,100,1000)")
    p.add_argument("--no-crops", action="store_true", help="skip PixelCNN's crop comparison")


def median_time(fn, reps: int, cpu: bool = False):
    """Median wall time of `reps` calls; with cpu=True also the median CPU time of this
    process (on a busy machine the wall time measures the other programs as much)."""
    times, cpus = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    wall = _common.percentile(times, 50)
    return (wall, _common.percentile(cpus, 50)) if cpu else wall


def training_cost(meta: dict) -> str:
    wall = meta.get("train_wall_s")
    words = f"{meta.get('steps', '?')} steps, {meta.get('epochs', '?')} epochs"
    return words + (f", {wall / 60:.1f} min of training" if wall else "")


def exact_model(name: str, folder: str, test, vae_subset, args) -> dict | None:
    import numpy as np

    from models.checkpoint import load_checkpoint
    from models.likelihood.api import bits_per_dim

    if not Path(folder).is_dir():
        print(f"{name}: no checkpoint at {folder}; skipped")
        return None
    model = load_checkpoint(folder)
    t0 = time.perf_counter()
    nll = -model.log_prob(test)
    took = time.perf_counter() - t0
    mean = float(nll.mean())
    print(f"RESULT {name} test NLL {mean:.2f} nats ({float(bits_per_dim(mean, 784)):.4f} bits/dim)"
          f" ± {nll.std() / math.sqrt(len(nll)):.2f} (s.e.) on {len(test):,} binarized test "
          f"digits; published {PUBLISHED[name]} nats; {model.parameter_count:,} weights; "
          f"{training_cost(model.meta)}; scored in {took:.1f} s")
    one = test[:1]
    model.pixel_nll(one)                                   # warm-up
    score, cpu = median_time(lambda: model.pixel_nll(one), 30, cpu=True)
    print(f"RESULT {name} score one image (log p(x) and the per-pixel map, one pass): "
          f"{score * 1000:.1f} ms median of 30, {cpu * 1000:.1f} ms of CPU "
          f"(target ≤ 50 ms: {_common.verdict(score <= 0.05)})")
    t0 = time.perf_counter()
    model.sample(16, generator=0)
    print(f"RESULT {name} sample 16 images (784 sequential pixels): "
          f"{time.perf_counter() - t0:.2f} s")
    if name == "pixelcnn" and not args.no_crops:
        crops(model)
    return {"subset": float(-model.log_prob(vae_subset).mean()) if len(vae_subset) else None}


def crops(model) -> None:
    """Per-pixel pass cost of PixelCNN sampling: fill() runs one pass per pixel on rows
    top…bottom; 28 passes per row, so a row's cost is 28 × one pass."""
    import torch

    s, rows = model.size, model.module.receptive_rows()
    x = torch.zeros(16, 1, s, s)
    totals = {}
    with torch.inference_mode():
        for crop in ("full", "rows", "band"):
            total = 0.0
            for r in range(s):
                top = 0 if crop in ("full", "rows") else max(0, r - rows)
                bottom = s if crop == "full" else r + 1
                total += s * median_time(lambda: model.module(x[:, :, top:bottom]), 1)
            totals[crop] = total
    print(f"RESULT pixelcnn sampling 16 images, estimated from one pass per row × 28: whole image "
          f"{totals['full']:.1f} s, rows 0…r {totals['rows']:.1f} s, band r−{rows}…r "
          f"{totals['band']:.1f} s ({totals['full'] / totals['band']:.1f}× less than the whole "
          "image; all three draw the same pixels, tests/test_likelihood_exact.py)")


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")
    print(_common.machine_line())
    import numpy as np
    import torch

    from models.autoencoder.iwae import elbo, iwae_bound
    from models.checkpoint import load_checkpoint
    from models.data import load_dataset
    from models.likelihood.binarize import TEST_SEED, binarize_fixed

    ds = load_dataset(args.data, download=False)
    binary = binarize_fixed(ds.test.images, TEST_SEED)
    test = binary[:args.test_images]
    print(f"data: {ds.source}; {len(ds.test):,} test digits binarized with seed {TEST_SEED}")

    vae = load_checkpoint(args.vae) if Path(args.vae).is_dir() else None
    vae_rows = np.arange(min(args.vae_images, len(binary)))
    if vae is not None:
        record = vae.meta.get("dataset", {})
        # before issue 13 the VAE trained on "t10k-* only: first 8,000 train, last 2,000 held out"
        if "t10k-* only" in str(record.get("split", "")) and len(binary) >= 2000:
            vae_rows = np.arange(len(binary) - 2000, len(binary))[:args.vae_images]
            print(f"the VAE trained on {record.get('split')}: its images are the last 2,000 "
                  "test digits, which it never saw")
    vae_subset = binary[vae_rows]

    subset = {}
    for name in ("nade", "pixelcnn"):
        out = exact_model(name, getattr(args, name), test, vae_subset, args)
        if out is not None:
            subset[name] = out["subset"]

    if vae is None:
        print(f"vae: no checkpoint at {args.vae}; skipped")
        return 0
    ks = [int(k) for k in args.ks.split(",")]
    x = torch.from_numpy(vae_subset.astype(np.float32)[:, None])
    g = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        e = torch.cat([elbo(vae.module, x[i:i + 50], 100, g) for i in range(0, len(x), 50)])
    print(f"RESULT vae ELBO {-float(e.mean()):.2f} nats (−ELBO, 100 draws per image) on "
          f"{len(x)} binarized test digits; {training_cost(vae.meta)}")
    for k in ks:
        t0 = time.perf_counter()
        b = torch.cat([iwae_bound(vae.module, x[i:i + 10], k, g) for i in range(0, len(x), 10)])
        print(f"RESULT vae IWAE k={k}: {-float(b.mean()):.2f} nats (−L_k) on the same "
              f"{len(x)} digits, {time.perf_counter() - t0:.1f} s")
    for name, value in subset.items():
        print(f"RESULT {name} on the same {len(x)} digits: {value:.2f} nats (exact)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
