"""The shipped 2-D Fashion-MNIST VAE, AAE and WAE side by side: codes, reconstructions, prior fit.

    .venv/bin/python benchmarks/beyond_gaussian.py [--checkpoints DIR [DIR ...]]
        [--models fashion-vae-2d fashion-aae-2d fashion-wae-2d] [--seeds 5] [--n 2000]

Each model in --models is looked up in the --checkpoints folders in turn (default: the repo's
checkpoints/); a missing one is skipped with a line saying so. The data is Fashion-MNIST's
split as the shipped models trained on it (../shared/datasets/fashion-mnist: the first 50,000
training images train, the last 10,000 are held out). For each model:

  5-NN      the held-out codes classified by their 5 nearest training codes
            (models.metrics.knn_accuracy; codes are the encoder's means, z = f(x) for a
            deterministic encoder)
  recon     reconstruction error on the 10,000 held-out images, decoded from the posterior mean:
            the summed squared error ‖x − x̂‖² (the WAE's cost) and the binary cross-entropy
            (the VAE's and AAE's), per image, x̂ the decoder's Bernoulli means
  MMD²      models.autoencoder.mmd.mmd2_unbiased (IMQ kernel, C = 2dσ², σ² the model's prior
            variance per dimension: objectives.prior_variance; 1 for N(0, I), estimated for the
            mixture of 10) between --n held-out codes (a random subset per seed) and --n prior
            draws (model.prior_sample), and the floor: the same statistic between two
            independent sets of --n prior draws (real vs real). --seeds seeds, mean ± sd.
            For a Gaussian encoder (the VAE) the codes are also drawn z ~ q(z|x), a sample of
            the aggregate posterior q(z) = E_x q(z|x), which is what should match p(z); the
            means alone are tighter than q(z).

MMD² is an unbiased estimate (it can be slightly negative); a model whose codes fit its prior
as well as a second set of prior draws would sit at the floor, whose mean is 0.
"""
from __future__ import annotations

import statistics
from pathlib import Path

import _common

MODELS = ("fashion-vae-2d", "fashion-aae-2d", "fashion-wae-2d")


def extra(p) -> None:
    p.add_argument("--checkpoints", nargs="+", default=[str(_common.ROOT / "checkpoints")],
                   help="folders holding the checkpoints, searched in order "
                        "(default: checkpoints/)")
    p.add_argument("--models", nargs="+", default=list(MODELS))
    p.add_argument("--seeds", type=int, default=5, help="MMD repeats (default 5)")
    p.add_argument("--n", type=int, default=2000, help="codes and prior draws per MMD (2000)")


def find(name: str, folders) -> Path | None:
    for folder in folders:
        path = Path(folder) / name
        if path.is_dir():
            return path
    return None


def recon_errors(module, x, batch: int = 1000) -> tuple[float, float]:
    """(squared error, BCE) per image, decoded from the posterior mean."""
    import torch

    from models.autoencoder.objectives import bce

    sse = ce = 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = x[i:i + batch]
            logits = module.decode_logits(module.encode(xb)[0])
            sse += float((torch.sigmoid(logits) - xb).pow(2).flatten(1).sum(1).sum())
            ce += float(bce(logits, xb).sum())
    return sse / len(x), ce / len(x)


def mean_sd(values) -> str:
    return f"{statistics.mean(values):.5f} ± {statistics.stdev(values):.5f}" \
        if len(values) > 1 else f"{values[0]:.5f}"


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="fashion-mnist")
    print(_common.machine_line())
    import numpy as np
    import torch

    from models.autoencoder.mmd import mmd2_unbiased
    from models.autoencoder.objectives import prior_variance
    from models.autoencoder.training import encode_posterior
    from models.checkpoint import load_checkpoint
    from models.data import load_dataset, to_float
    from models.metrics import knn_accuracy

    ds = load_dataset(args.data, download=False)
    print(f"data: {ds.source}; {len(ds.train):,} train, {len(ds.test):,} held out")
    train_x = torch.from_numpy(to_float(ds.train.images))[:, None]
    test_x = torch.from_numpy(to_float(ds.test.images))[:, None]
    rows = []
    for name in args.models:
        path = find(name, args.checkpoints)
        if path is None:
            print(f"{name}: no checkpoint in {', '.join(args.checkpoints)}; skipped")
            continue
        model = load_checkpoint(path)
        module, cfg = model.module.eval(), model.config
        train_mu, _ = encode_posterior(module, train_x)
        test_mu, test_sigma = encode_posterior(module, test_x)
        knn = knn_accuracy(train_mu, ds.train.labels, test_mu, ds.test.labels, k=5)
        sse, ce = recon_errors(module, test_x)
        s2 = prior_variance(cfg)
        mmd_mu, mmd_z, floor = [], [], []
        for seed in range(args.seeds):
            rng = np.random.default_rng(seed)
            pick = rng.choice(len(test_mu), args.n, replace=False)
            prior = torch.from_numpy(model.prior_sample(args.n, seed=seed))
            prior2 = torch.from_numpy(model.prior_sample(args.n, seed=10_000 + seed))
            mmd_mu.append(float(mmd2_unbiased(torch.from_numpy(test_mu[pick]), prior, s2)))
            if test_sigma is not None:
                z = test_mu[pick] + test_sigma[pick] * rng.standard_normal(
                    test_mu[pick].shape).astype(np.float32)
                mmd_z.append(float(mmd2_unbiased(torch.from_numpy(z), prior, s2)))
            floor.append(float(mmd2_unbiased(prior, prior2, s2)))
        regulariser = {"vae": "KL", "aae": "critic on z", "wae": f"{cfg.regulariser.upper()}"}
        label = (f"{cfg.kind.upper()} ({regulariser.get(cfg.kind, cfg.regulariser)}, "
                 f"prior {cfg.prior}, {'Gaussian' if test_sigma is not None else 'deterministic'}"
                 " encoder)")
        rows.append((name, label, knn, sse, ce, mmd_mu, mmd_z, floor, s2))
        print(f"RESULT {name}: {label}: 5-NN {knn:.4f}, recon ‖x−x̂‖² {sse:.2f}, BCE {ce:.2f}, "
              f"MMD² codes (μ) {mean_sd(mmd_mu)}"
              + (f", codes z~q {mean_sd(mmd_z)}" if mmd_z else "")
              + f", floor {mean_sd(floor)} (σ² {s2:.3f}); {_common.load_line()}", flush=True)
    if not rows:
        print("no checkpoints found; nothing measured")
        return 0
    print(f"\nFashion-MNIST, the last {len(test_x):,} training images held out; MMD² over "
          f"{args.n:,} held-out codes vs {args.n:,} prior draws, {args.seeds} seeds, mean ± sd; "
          f"{_common.load_line()}\n")
    print("| checkpoint | model | 5-NN | ‖x − x̂‖² | BCE | MMD² codes (μ) | MMD² codes z ~ q(z|x) "
          "| MMD² floor (prior vs prior) | σ² |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, label, knn, sse, ce, mmd_mu, mmd_z, floor, s2 in rows:
        print(f"| {name} | {label} | {knn:.4f} | {sse:.2f} | {ce:.2f} | {mean_sd(mmd_mu)} | "
              f"{mean_sd(mmd_z) if mmd_z else '—'} | {mean_sd(floor)} | {s2:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
