"""2-D GAN mode coverage: modes covered and high-quality samples, with and without the tips.

    .venv/bin/python benchmarks/gan2d_modes.py [--steps 5000] [--seeds 3] [--samples 2500]
        [--datasets 8gaussians,25gaussians] [--threads 1]

For each setting below and each dataset it trains the lab's default MLPs (G and D: 3 hidden
layers of 128, 2-D Gaussian noise, batch 256) for --steps steps ("both" steps: k D updates,
then one G update) with seeds 0..--seeds−1, then draws --samples fresh samples and reports
the standard metrics of the 2-D GAN papers (VEEGAN, PacGAN):

  modes covered   modes holding at least a fifth of a fair share of the samples (PacGAN's
                  20 of 2,500 for 25 modes) among the high-quality ones nearest to them;
  high quality    the share of samples within 3σ (σ = 0.05) of their nearest mode;
  JS              the binned Jensen–Shannon divergence (bits, 64×64 bins) to the real data;

as the mean over seeds, with the spread (sd, and the per-seed values).
"""
from __future__ import annotations

import _common

STEP_NOTE = "one step = k D updates + 1 G update"


def settings():
    from models.gan.losses import LabelTricks
    from models.gan.toy2d import GAN2DConfig
    from models.gan.toy2d_train import GAN2DTrainConfig
    base = GAN2DConfig()
    tips = dict(lr_d=2e-3, lr_g=5e-4, tricks=LabelTricks(smoothing=0.1, noise=0.05))
    return [
        ("minimax, no tips", base, GAN2DTrainConfig(loss="minimax")),
        ("non-saturating, no tips", base, GAN2DTrainConfig()),
        ("non-saturating + tips", GAN2DConfig(d_dropout=0.2), GAN2DTrainConfig(**tips)),
        # the one tip that cost least in a one-seed sweep of each tip on its own (25 Gaussians)
        ("non-saturating + label smoothing 0.1", base,
         GAN2DTrainConfig(tricks=LabelTricks(smoothing=0.1))),
        ("WGAN-GP (k = 5, λ = 0.1)", base, GAN2DTrainConfig(loss="wgan-gp", k_d=5, gp_weight=0.1)),
        # the tips are remedies for a D that wins: a harder game where it does
        ("hard: minimax, D 5× faster and 2× wider", GAN2DConfig(d_width=256),
         GAN2DTrainConfig(loss="minimax", lr_d=5e-3)),
        ("hard + tips (smoothing 0.1, noisy labels 0.05, D dropout 0.2)",
         GAN2DConfig(d_width=256, d_dropout=0.2),
         GAN2DTrainConfig(loss="minimax", lr_d=5e-3, tricks=LabelTricks(smoothing=0.1, noise=0.05))),
    ]


def describe(model, train) -> str:
    t = train.tricks
    parts = [train.loss, f"k={train.k_d}", f"lr_d={train.lr_d:g}", f"lr_g={train.lr_g:g}"]
    if t.active:
        parts.append(f"label smoothing {t.smoothing:g}, label noise {t.noise:g}, flips {t.flip:g}")
    if model.d_dropout:
        parts.append(f"D dropout {model.d_dropout:g}")
    if train.loss == "wgan-gp":
        parts.append(f"λ={train.gp_weight:g}")
    return ", ".join(parts)


def run_one(data: str, model, train, steps: int, samples: int, points: int):
    import time

    import torch

    from models.gan.toy2d import MODE_STD, make_points, mode_centres, mode_metrics, sample_noise
    from models.gan.toy2d_train import GAN2DTrainer

    trainer = GAN2DTrainer(make_points(data, points, seed=train.seed), model, train)
    start = time.perf_counter()
    for _ in range(steps):
        trainer.step()
    seconds = time.perf_counter() - start
    gen = torch.Generator().manual_seed(10_000 + train.seed)
    z = sample_noise(samples, model.noise_dim, model.noise, gen)
    fake = trainer.fake(z)
    m = mode_metrics(fake, mode_centres(data), MODE_STD[data])
    js = trainer.divergences()["JS"]
    return m.modes_covered, m.total_modes, m.high_quality, js, seconds


def js_floor(data: str, points: int, seed: int = 0) -> float:
    """JS between the training points and 4,096 fresh real points: what a perfect G scores."""
    from models.gan.toy2d import binned_divergences, make_points
    return binned_divergences(make_points(data, points, seed), make_points(data, 4096, 777))["JS"]


def main() -> int:
    def extra(p):
        p.add_argument("--steps", type=int, default=5000, help="training steps per run (default 5000)")
        p.add_argument("--seeds", type=int, default=3, help="seeds per setting (default 3)")
        p.add_argument("--samples", type=int, default=2500, help="samples scored per run (default 2500)")
        p.add_argument("--points", type=int, default=20_000, help="real training points (default 20000)")
        p.add_argument("--datasets", default="8gaussians,25gaussians")
        p.add_argument("--only", default="", help="run only settings whose name contains this")
        p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = _common.parse_args(__doc__.splitlines()[0], extra, needs_data=False)

    import time
    from dataclasses import replace

    import numpy as np
    import torch

    from diffusion_quality import duration

    torch.set_num_threads(max(1, args.threads))
    print(_common.machine_line())
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    rows = [r for r in settings() if args.only.lower() in r[0].lower()]
    print(f"{args.steps} steps per run ({STEP_NOTE}), seeds 0..{args.seeds - 1}, "
          f"{args.samples} samples scored, {args.points} real points, "
          f"torch threads {torch.get_num_threads()}")
    for name, model, train in rows:
        print(f"setting {name!r}: {describe(model, train)}")

    cost = {name: train.k_d + 1 for name, _, train in rows}      # D and G updates per step
    total = len(datasets) * args.seeds * sum(cost.values())
    done, start, table = 0, time.perf_counter(), []
    floors = {data: js_floor(data, args.points) for data in datasets}
    for data in datasets:
        print(f"RESULT reference {data}: JS between the real points and 4,096 more real points "
              f"= {floors[data]:.3f} bits (the estimator's floor: a perfect G scores this)")
        for name, model, train in rows:
            runs = []
            for seed in range(args.seeds):
                runs.append(run_one(data, model, replace(train, seed=seed), args.steps,
                                    args.samples, args.points))
                done += cost[name]
                left = (time.perf_counter() - start) * (total - done) / done
                covered, k, hq, js, sec = runs[-1]
                print(f"  {data} / {name} / seed {seed}: {covered}/{k} modes, {hq:.1%} high "
                      f"quality, JS {js:.3f} bits, {sec / args.steps * 1e3:.2f} ms/step   "
                      f"[about {duration(left)} left]", flush=True)
            modes = np.array([r[0] for r in runs], float)
            hq = np.array([r[2] for r in runs]) * 100
            js = np.array([r[3] for r in runs])
            ms = np.mean([r[4] for r in runs]) / args.steps * 1e3
            k = runs[0][1]
            table.append((data, name, k, modes, hq, js, ms))
            print(f"RESULT {data} / {name}: modes {modes.mean():.1f} ± {modes.std():.1f} of {k} "
                  f"(per seed {', '.join(str(int(m)) for m in modes)}), high quality "
                  f"{hq.mean():.1f} ± {hq.std():.1f} % (per seed "
                  f"{', '.join(f'{h:.1f}' for h in hq)}), JS {js.mean():.3f} bits, "
                  f"{ms:.2f} ms/step", flush=True)

    wall = time.perf_counter() - start
    print(f"\n**2-D GAN mode coverage after {args.steps} steps, mean ± sd over {args.seeds} seeds "
          f"({args.samples} samples each; wall time {duration(wall)})**\n")
    print("| data | setting | modes covered | per seed | high-quality samples (%) | per seed "
          "| JS (bits) | ms/step |")
    print("|---|---|---:|---|---:|---|---:|---:|")
    for data, name, k, modes, hq, js, ms in table:
        print(f"| {data} | {name} | {modes.mean():.1f} ± {modes.std():.1f} / {k} | "
              f"{' '.join(str(int(m)) for m in modes)} | {hq.mean():.1f} ± {hq.std():.1f} | "
              f"{' '.join(f'{h:.0f}' for h in hq)} | {js.mean():.3f} | {ms:.2f} |")
    print("\nsettings: " + "; ".join(f"{name}: {describe(m, t)}" for name, m, t in rows))
    print("JS floor (real vs real at these sample sizes): "
          + ", ".join(f"{d} {f:.3f} bits" for d, f in floors.items()))
    print("A mode is covered when its high-quality samples are ≥ 0.2/K of all samples; high "
          "quality = within 3σ of the nearest mode (σ = 0.05). sd is the population sd over seeds.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
