"""Posterior collapse under a PixelCNN decoder, and what each remedy does, on binarized MNIST.

    .venv/bin/python benchmarks/posterior_collapse.py [--steps 500] [--latent 16]
        [--free-bits 0.25] [--warmup STEPS] [--low-beta 0.5] [--runs plain warmup ...]

Five VAEs with the same conv encoder and latent size d (--latent, 16), each trained with
models.autoencoder.training.AutoencoderTrainer for the same fixed number of optimiser steps
(--steps, batch 64, Adam 2e-3: TrainConfig's defaults), the generator closed after the last:

  plain      PixelCNN decoder (AEConfig(decoder="pixelcnn"), 32 channels, 3 blocks), β = 1
  warmup     the same, KL warm-up: β grows linearly from 0 to 1 over the first half of the steps
             (--warmup), so the second half trains on the true ELBO
  freebits   the same, free bits λ = 0.25 nats per dimension (--free-bits): 16 × 0.25 = 4 nats
             may be spent on z at no cost, more than the log 10 = 2.3 nats that name a digit's
             class, and the bound the run trains on is at most d·λ = 4 nats looser than the
             ELBO (small next to the ~90 nats of a test digit)
  beta0.5    the same, β = 0.5 (β < 1 throughout)
  conv       the plain conv decoder (factorised Bernoulli), β = 1: the reference, which cannot
             model the pixels without z and so never collapses

Data: the 60,000 MNIST training digits (../shared/datasets/mnist-full), binarized once (seed 1;
with fewer steps than one epoch no digit is seen twice, so a fixed draw is the same as drawing
afresh), in the trainer's order. The budget is in steps, not epochs, because the PixelCNN
decoder costs ~0.4 s per step of 64 on a free core: every run gets the same number.

Figures for each run, on MNIST's 10,000 test digits binarized once with seed 0
(models/likelihood/binarize.py, as likelihood_nll.py): the test −ELBO at β = 1 (recon + KL,
one z per image; an upper bound on the NLL; the Likelihood panel's PixelCNN reaches 90.1 nats
exact after 3 epochs), its recon term E_q[−log p(x|z)] and KL(q(z|x) ‖ N(0, I)) (nats), the
active units of d (Var_x E[z|x] > 0.01, models/autoencoder/stats.py), and "z swapped": the
recon term with each z replaced by a prior draw minus the recon term (≈ 0 when the decoder
ignores z; the Collapse tab's "random z" reconstruction in one number), on the first
--swap-images test digits. Plus the final training β and wall time.
"""
from __future__ import annotations

import math
import time

import _common

RUNS = ("plain", "warmup", "freebits", "beta0.5", "conv")


def extra(p) -> None:
    p.add_argument("--steps", type=int, default=500, help="optimiser steps per run (default 500)")
    p.add_argument("--latent", type=int, default=16, help="latent dimensions d (default 16)")
    p.add_argument("--free-bits", type=float, default=0.25, help="λ, nats per dimension")
    p.add_argument("--warmup", type=int, default=None, help="warm-up steps (default steps/2)")
    p.add_argument("--low-beta", type=float, default=0.5, help="β of the β<1 run (default 0.5)")
    p.add_argument("--runs", nargs="+", default=list(RUNS), choices=RUNS)
    p.add_argument("--test-images", type=int, default=10000, help="test digits scored")
    p.add_argument("--swap-images", type=int, default=2000,
                   help="test digits for the z-swapped recon (default 2000)")
    p.add_argument("--seed", type=int, default=0)


def settings(name: str, args):
    from models.autoencoder.nets import AEConfig
    from models.autoencoder.training import TrainConfig

    warmup = args.warmup if args.warmup is not None else args.steps // 2
    model = AEConfig(kind="vae", arch="conv", latent_dim=args.latent,
                     decoder="plain" if name == "conv" else "pixelcnn")
    change = {"warmup": dict(kl_warmup=warmup), "freebits": dict(free_bits=args.free_bits),
              "beta0.5": dict(beta=args.low_beta)}.get(name, {})
    # live previews and snapshots are for the GUI: pushed out of the run
    train = TrainConfig(epochs=1, seed=args.seed, preview_every_s=1e9, snapshot_every_s=1e9,
                        **change)
    return model, train


def train_steps(trainer, steps: int) -> float:
    """Drive the job until `steps` optimiser steps are done, then close it; the wall time."""
    from models.events import Step

    t0 = time.perf_counter()
    job = trainer.run()
    try:
        for event in job:
            if isinstance(event, Step) and event.step >= steps:
                break
    finally:
        job.close()
    return time.perf_counter() - t0


def swapped_recon(module, x, seed: int) -> float:
    """Mean recon term (nats) with each image's z drawn from the prior N(0, I) instead."""
    import torch

    from models.autoencoder.objectives import bce

    g = torch.Generator().manual_seed(seed)
    total = 0.0
    module.eval()
    with torch.no_grad():
        for i in range(0, len(x), 500):
            batch = x[i:i + 500]
            z = torch.randn(len(batch), module.config.latent_dim, generator=g)
            total += float(bce(module.decode_logits(z, batch), batch).sum())
    return total / len(x)


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")
    print(_common.machine_line())
    import numpy as np
    import torch

    from models.autoencoder.stats import active_units
    from models.autoencoder.training import AutoencoderTrainer, encode_means, evaluate
    from models.data import Dataset, Split, load_dataset
    from models.likelihood.binarize import binarize_fixed

    full = load_dataset(args.data, download=False)
    # uint8 {0, 1} images ×255 so that to_float gives {0, 1}: the trainer's input is binary
    train_bin = binarize_fixed(full.train.images, seed=1) * np.uint8(255)
    test_bin = binarize_fixed(full.test.images[:args.test_images], seed=0)
    ds = Dataset(full.name, full.classes, Split(train_bin, full.train.labels),
                 Split(test_bin * np.uint8(255), full.test.labels[:args.test_images]),
                 f"{full.source}, binarized once (seed 1)", split="60,000 train / 10,000 test")
    test_x = torch.from_numpy(test_bin.astype(np.float32))[:, None]
    steps_per_epoch = math.ceil(len(ds.train) / 64)
    print(f"data: {len(ds.train):,} training digits binarized once (seed 1); "
          f"{len(test_x):,} test digits binarized once (seed 0)")
    print(f"budget: {args.steps} steps of batch 64 per run ({args.steps * 64:,} images, "
          f"{args.steps / steps_per_epoch:.2f} epochs), latent d = {args.latent}")
    if args.steps > steps_per_epoch:
        raise SystemExit("--steps must stay within one epoch (938 steps): the script closes "
                         "the job inside its first epoch")
    rows = []
    for name in args.runs:
        model_cfg, train_cfg = settings(name, args)
        trainer = AutoencoderTrainer(model_cfg, train_cfg, ds, device="cpu")
        wall = train_steps(trainer, args.steps)
        module = trainer.model
        t0 = time.perf_counter()
        test = evaluate(module, test_x, beta=1.0, batch_size=500)
        mu = encode_means(module, test_x)
        swap = swapped_recon(module, test_x[:args.swap_images], args.seed + 7)
        base = evaluate(module, test_x[:args.swap_images], beta=1.0, batch_size=500)["recon"]
        score_s = time.perf_counter() - t0
        row = dict(name=name, elbo=test["loss"], recon=test["recon"], kl=test["kl"],
                   active=active_units(mu), swap=swap - base, beta=train_cfg.beta_at(args.steps),
                   fb=train_cfg.free_bits, wall=wall)
        rows.append(row)
        print(f"RESULT {name}: test −ELBO {row['elbo']:.1f} nats (recon {row['recon']:.1f}, "
              f"KL {row['kl']:.2f}), active units {row['active']}/{args.latent}, z swapped "
              f"{row['swap']:+.2f} nats, final β {row['beta']:g}, {wall:.0f} s training, "
              f"{score_s:.0f} s scoring; {_common.load_line()}", flush=True)
    print(f"\nVAE latent {args.latent}, {args.steps} steps × 64 binarized MNIST digits each; "
          f"test: {len(test_x):,} digits binarized with seed 0; {_common.load_line()}\n")
    print("| run | decoder | remedy | test −ELBO (nats) | recon | KL (nats) | active units "
          "| z swapped (Δrecon) | train wall |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    remedy = {"plain": "none (β = 1)", "warmup": f"KL warm-up over "
              f"{args.warmup if args.warmup is not None else args.steps // 2} steps",
              "freebits": f"free bits {args.free_bits:g} nats/dim",
              "beta0.5": f"β = {args.low_beta:g}", "conv": "none (β = 1)"}
    for r in rows:
        dec = "conv" if r["name"] == "conv" else "PixelCNN"
        print(f"| {r['name']} | {dec} | {remedy[r['name']]} | {r['elbo']:.1f} | "
              f"{r['recon']:.1f} | {r['kl']:.2f} | {r['active']}/{args.latent} | "
              f"{r['swap']:+.2f} | {r['wall']:.0f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
