"""A two-layer ladder VAE (z₂ → z₁ → x) against a one-layer VAE of the same size, on MNIST.

    .venv/bin/python benchmarks/hvae_elbo.py [--epochs 5] [--latent 16] [--top-dim 16]
        [--iw-k 100] [--iw-images 1000] [--kl-warmup STEPS] [--only vae|hvae]

Both models have the app's conv encoder and decoder (hidden 256) and z₁ of --latent (16)
dimensions; the hierarchical one (AEConfig(kind="hvae"), models/autoencoder/hierarchy.py)
adds the top layer z₂ of --top-dim dimensions (16, the app's default: z₂ as z₁) with its
bottom-up and top-down dense layers. Each is trained by
models.autoencoder.training.AutoencoderTrainer with TrainConfig's defaults (batch 64, Adam 2e-3,
β = 1, seed 0) for --epochs epochs of MNIST's 60,000 training digits (../shared/datasets/
mnist-full), as the app trains: grey images in [0, 1] as Bernoulli means, BCE summed over pixels.

Figures on the 10,000 test digits (grey, the same BCE as training): the test −ELBO
(models.autoencoder.training.evaluate at β = 1: recon + KL, one z per image, fixed seed), its
recon and KL terms (for the ladder, KL(q(z₂|x) ‖ p(z₂)) + KL(q(z₁|x,z₂) ‖ p(z₁|z₂)), each shown),
the active units of z₁ (and z₂) (Var_x E[z|x] > 0.01), the parameter count and the training wall
time. --kl-warmup ramps β from 0 to 1 over that many steps (Sønderby et al. trained their
ladder with such a warm-up; the app's default is none); --only trains one of the two. Also
the importance-weighted bound −log (1/k) Σ p(x, z)/q(z|x) with k = --iw-k on the first
--iw-images test digits (Burda et al. 2016; for the ladder z = (z₁, z₂), q(z|x) = q(z₂|x)
q(z₁|x, z₂), p(x, z) = p(x|z₁) p(z₁|z₂) p(z₂)); on grey images it is the same cross-entropy
objective tightened, not a likelihood (a likelihood needs binary pixels; see likelihood_nll.py).
"""
from __future__ import annotations

import math
import time

import _common


def extra(p) -> None:
    p.add_argument("--epochs", type=int, default=5, help="epochs (default 5)")
    p.add_argument("--latent", type=int, default=16, help="z₁ dimensions (default 16)")
    p.add_argument("--top-dim", type=int, default=16, help="the ladder's z₂ (default 16)")
    p.add_argument("--iw-k", type=int, default=100,
                   help="importance samples (default 100; 0 skips)")
    p.add_argument("--iw-images", type=int, default=1000, help="test digits for the IW bound")
    p.add_argument("--train", type=int, default=60000, help="training digits (default all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kl-warmup", type=int, default=0,
                   help="KL warm-up steps for both models (default 0: none, the app's default)")
    p.add_argument("--only", choices=("vae", "hvae"), help="train one of the two")


def ladder_log_weights(module, x, k: int, generator):
    """N×k log w = log p(x|z₁) + log p(z₁|z₂) + log p(z₂) − log q(z₂|x) − log q(z₁|x, z₂),
    (z₁, z₂) drawn from the ladder's q."""
    import torch
    import torch.nn.functional as F

    from models.autoencoder.iwae import _gaussian_log_density as log_n

    n = len(x)
    xk = x.repeat_interleave(k, 0)                       # each image k times, in a row
    q = module.infer(xk, generator)
    logits = module.decode_logits(q["z1"])
    log_px = -F.binary_cross_entropy_with_logits(
        logits.flatten(1), xk.flatten(1), reduction="none").sum(1)
    zero = torch.zeros_like(q["z2"])
    log_w = (log_px + log_n(q["z1"], q["prior_mu"], q["prior_logvar"]) + log_n(q["z2"], zero, zero)
             - log_n(q["z2"], q["mu2"], q["logvar2"]) - log_n(q["z1"], q["mu1"], q["logvar1"]))
    return log_w.reshape(n, k)


def iw_bound(module, x, k: int, seed: int, batch: int = 20) -> float:
    """Mean over the images of log (1/k) Σ w_i, in nats."""
    import torch

    from models.autoencoder.iwae import log_weights

    g = torch.Generator().manual_seed(seed)
    total = 0.0
    module.eval()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb = x[i:i + batch]
            lw = (ladder_log_weights(module, xb, k, g) if module.config.kind == "hvae"
                  else log_weights(module, xb, k, g))
            total += float((torch.logsumexp(lw, 1) - math.log(k)).sum())
    return total / len(x)


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")
    print(_common.machine_line())
    import torch

    from models.autoencoder.nets import AEConfig
    from models.autoencoder.stats import active_units
    from models.autoencoder.training import AutoencoderTrainer, TrainConfig, evaluate
    from models.data import load_dataset, to_float

    from models.data import Dataset, Split

    full = load_dataset(args.data, download=False)
    n = min(args.train, len(full.train))
    ds = Dataset(full.name, full.classes, Split(full.train.images[:n], full.train.labels[:n]),
                 full.test, full.source if n == len(full.train) else
                 f"{full.source}, first {n:,} only", split=f"{n:,} train, {len(full.test):,} test")
    test_x = torch.from_numpy(to_float(ds.test.images))[:, None]
    print(f"data: {ds.source}; {len(ds.train):,} train, {len(ds.test):,} test; "
          f"{args.epochs} epochs each")
    models = {"VAE (one layer)": AEConfig(kind="vae", arch="conv", latent_dim=args.latent),
              "ladder VAE (two layers)": AEConfig(kind="hvae", arch="conv", latent_dim=args.latent,
                                                  top_dim=args.top_dim)}
    if args.only:
        models = {k: v for k, v in models.items() if v.kind == args.only}
    rows = []
    for name, cfg in models.items():
        trainer = AutoencoderTrainer(cfg, TrainConfig(epochs=args.epochs, seed=args.seed,
                                                      kl_warmup=args.kl_warmup,
                                                      preview_every_s=1e9, snapshot_every_s=1e9),
                                     ds, device="cpu")
        t0 = time.perf_counter()
        for _ in trainer.run():
            pass
        wall = time.perf_counter() - t0
        module = trainer.model.eval()
        test = evaluate(module, test_x, beta=1.0)
        with torch.no_grad():
            if cfg.kind == "hvae":
                q = module.infer(test_x, sample=False)
                active = f"{active_units(q['mu1'].numpy())}/{cfg.latent_dim} z₁, " \
                         f"{active_units(q['mu2'].numpy())}/{cfg.top_dim} z₂"
                kl = f"{test['kl']:.2f} (z₂ {test['kl_top']:.2f} + z₁ {test['kl_bottom']:.2f})"
            else:
                active = f"{active_units(module.encode(test_x)[0].numpy())}/{cfg.latent_dim}"
                kl = f"{test['kl']:.2f}"
        iw = -iw_bound(module, test_x[:args.iw_images], args.iw_k, args.seed + 3) \
            if args.iw_k > 0 else float("nan")
        params = sum(p.numel() for p in module.parameters())
        rows.append((name, test["loss"], test["recon"], kl, active, iw, params, wall))
        print(f"RESULT {name}: test −ELBO {test['loss']:.2f} nats (recon {test['recon']:.2f}, "
              f"KL {kl}), active {active}, −IW bound (k={args.iw_k}, {args.iw_images} digits) "
              f"{iw:.2f}, {params:,} parameters, {wall:.0f} s; {_common.load_line()}", flush=True)
    print(f"\n{args.epochs} epoch(s) of {len(ds.train):,} MNIST training digits each (batch 64, "
          f"Adam 2e-3, β = 1, KL warm-up {args.kl_warmup} steps); test: the 10,000 test digits, "
          f"grey, BCE; {_common.load_line()}\n")
    print(f"| model | test −ELBO (nats) | recon | KL | active units | −IW bound k={args.iw_k} "
          f"({args.iw_images:,} digits) | parameters | train wall |")
    print("|---|---:|---:|---|---|---:|---:|---:|")
    for name, elbo, recon, kl, active, iw, params, wall in rows:
        print(f"| {name} | {elbo:.2f} | {recon:.2f} | {kl} | {active} | {iw:.2f} | {params:,} | "
              f"{wall:.0f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
