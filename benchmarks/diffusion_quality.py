"""Diffusion sample quality against speed: the DDIM paper's Table 1 for our MNIST DDPM.

    .venv/bin/python benchmarks/diffusion_quality.py [--checkpoint checkpoints/mnist-ddpm]
        [--n 1000] [--batch 250] [--steps 10,20,50,100] [--ddim-full] [--quick]

For DDIM at S = 10, 20, 50, 100 steps with η = 0 and η = 1, and DDPM ancestral sampling over
all T steps (σ_t² = β_t, the DDIM paper's σ̂ row), it draws N images from one fixed set of
x_T (the same noise for every configuration), takes the 128 penultimate features of the
shipped classifier (checkpoints/mnist-classifier), and gives the Fréchet distance between
their Gaussian fit and that of the held-out digits (by default the 10,000 test digits of
../shared/datasets/mnist-full), with the wall time.

References printed first: the distance of all the training digits to the held-out ones,
and of N training digits (the estimate is biased upwards at small N: this is the floor a
perfect sampler would reach with N samples).

These distances use the project's classifier features, not Inception: compare them with
each other, not with published FIDs. DDIM at S = T costs twice the DDPM row (η = 0 and 1), so
it runs only with --ddim-full. Sampling runs in fp32, as the app does; --precision bf16
runs the U-Net under bf16 autocast (faster on CPUs with AMX/AVX-512 BF16).
"""
from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import _common

DEFAULT_CHECKPOINT = _common.ROOT / "checkpoints" / "mnist-ddpm"
DEFAULT_CLASSIFIER = _common.ROOT / "checkpoints" / "mnist-classifier"


def add_common_args(p) -> None:
    p.add_argument("--classifier", default=str(DEFAULT_CLASSIFIER),
                   help="classifier checkpoint for the features (default: the shipped one)")
    p.add_argument("--batch", type=int, default=250, help="images per sampling batch (default 250)")
    p.add_argument("--seed", type=int, default=0, help="seed of x_T and of the sampler's noise")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32",
                   help="fp32 (what the app samples with) or bf16 autocast for the U-Net")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--save-grids", default=None, metavar="DIR",
                   help="write the first 100 samples of each configuration as a PNG grid here")


def load_or_exit(path: str, family: str):
    """Load a checkpoint, or exit with a message saying how to make it."""
    from models import CheckpointError, load_checkpoint
    try:
        model = load_checkpoint(path)
    except CheckpointError as exc:
        hint = {"classifier": "scripts/train_checkpoints.py --only classifier",
                "diffusion": "scripts/train_checkpoints.py --only ddpm ddpm-cond"}[family]
        raise SystemExit(f"error: {exc}\nBuild it with: .venv/bin/python {hint}") from None
    if model.family != family:
        raise SystemExit(f"error: {path} is a {model.family} checkpoint, not a {family} one")
    return model


def precision_context(precision: str):
    import torch
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def sample_batched(model, n: int, *, batch: int, seed: int, steps: int, eta: float = 0.0,
                   sampler: str = "ddim", labels=None, guidance: float = 0.0,
                   precision: str = "fp32", progress: str | None = None):
    """n images (N×28×28 in [0, 1]) and the wall time; x_T depends only on seed and n.

    With `progress`, a line per finished batch goes to stderr (long rows take many minutes).
    """
    import numpy as np
    import torch

    x_T = torch.randn((n, 1, 28, 28), generator=torch.Generator().manual_seed(seed))
    noise = torch.Generator().manual_seed(seed + 1)
    out = []
    start = time.perf_counter()
    for i in range(0, n, batch):
        with precision_context(precision):
            out.append(model.sample(x_T=x_T[i:i + batch], steps=steps, eta=eta, sampler=sampler,
                                    label=None if labels is None else labels[i:i + batch],
                                    guidance=guidance, generator=noise))
        if progress:
            print(f"  {progress}: {min(i + batch, n)}/{n} images, "
                  f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return np.concatenate(out), time.perf_counter() - start


def save_grid(images, directory: str | None, name: str) -> None:
    if directory is None:
        return
    from models.imaging import save_png, tile
    Path(directory).mkdir(parents=True, exist_ok=True)
    save_png(tile(images[:100], ncols=10, pad=1), Path(directory) / f"{name}.png", scale=2)


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown_table(title: str, columns: list[int], rows: dict[str, dict[int, float]],
                   digits: int) -> str:
    lines = [f"**{title}**", "", "| | S = " + " | ".join(str(c) for c in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for name, cells in rows.items():
        lines.append(f"| {name} | " + " | ".join(fmt(cells.get(c), digits) for c in columns) + " |")
    return "\n".join(lines)


def main() -> int:
    def extra(p):
        p.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT),
                       help="diffusion checkpoint (default: checkpoints/mnist-ddpm)")
        p.add_argument("--n", type=int, default=1000, help="samples per configuration (default 1000)")
        p.add_argument("--steps", default="10,20,50,100", help="DDIM step counts S")
        p.add_argument("--etas", default="0,1", help="DDIM η values")
        p.add_argument("--no-ddpm", action="store_true", help="skip the DDPM (σ̂) row")
        p.add_argument("--ddim-full", action="store_true", help="also DDIM with S = T")
        p.add_argument("--quick", action="store_true",
                       help="a try-out: N = 200, S = 10 and 50, no DDPM row")
        add_common_args(p)
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")
    if args.quick:
        args.n, args.steps, args.no_ddpm, args.ddim_full = min(args.n, 200), "10,50", True, False

    import numpy as np
    import torch

    from models.data import load_dataset
    from models.frechet import frechet_distance, gaussian_stats

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.n < 2 or args.batch < 1:
        raise SystemExit("error: --n must be at least 2 and --batch at least 1")
    print(_common.machine_line())
    model = load_or_exit(args.checkpoint, "diffusion")
    clf = load_or_exit(args.classifier, "classifier")
    if model.conditional:
        print("note: a conditional model; sampled without labels (its unconditional mode)")
    T = model.config.timesteps
    steps = sorted({int(s) for s in args.steps.split(",") if s.strip()})
    etas = [float(e) for e in args.etas.split(",") if e.strip()]
    too_many = [s for s in steps if not 1 <= s <= T]
    if too_many:
        print(f"note: skipping S = {too_many}: S must be in 1..T = {T}")
        steps = [s for s in steps if 1 <= s <= T]
    ds = load_dataset(args.data)
    print(f"data: {ds.source}")
    print(f"model: {args.checkpoint} ({model.config.schedule} schedule, T = {T}, "
          f"channels {list(model.config.channels)}, trained {model.meta.get('epochs', '?')} epochs)")
    print(f"features: {args.classifier} (held-out accuracy "
          f"{clf.meta.get('metrics', {}).get('test_accuracy', float('nan')):.2%}, "
          f"{clf.feature_dim}-D penultimate activations)")
    print(f"N = {args.n} samples per configuration, batches of {args.batch}, seed {args.seed}, "
          f"{args.precision}, torch threads {torch.get_num_threads()}")

    ref = gaussian_stats(clf.features(ds.test.images))
    floor_all = frechet_distance(*gaussian_stats(clf.features(ds.train.images)), *ref)
    pick = np.random.default_rng(args.seed).choice(len(ds.train), min(args.n, len(ds.train)), replace=False)
    floor_n = frechet_distance(*gaussian_stats(clf.features(ds.train.images[pick])), *ref)
    print(f"RESULT reference: Fréchet distance, {len(ds.train)} training digits vs "
          f"{len(ds.test)} held-out = {floor_all:.3f}")
    print(f"RESULT reference: Fréchet distance, {len(pick)} training digits vs held-out = "
          f"{floor_n:.3f} (the floor at this N)")

    configs = [(f"η = {eta:.1f}", s, eta, "ddim") for eta in etas for s in steps]
    if args.ddim_full and T not in steps:
        configs += [(f"η = {eta:.1f}", T, eta, "ddim") for eta in etas]
    if not args.no_ddpm:
        configs.append((f"DDPM (σ̂, σ² = β_t, {T} steps)", T, 1.0, "ddpm"))
    work = [s for _, s, _, _ in configs]
    done_work, start = 0, time.perf_counter()
    fd: dict[str, dict[int, float]] = {}
    wall: dict[str, dict[int, float]] = {}
    for row, s, eta, sampler in configs:
        name = f"{sampler}-S{s}-eta{eta:g}" if sampler == "ddim" else f"ddpm-{s}"
        images, seconds = sample_batched(model, args.n, batch=args.batch, seed=args.seed, steps=s,
                                         eta=eta, sampler=sampler, precision=args.precision,
                                         progress=name if s * args.n > 100_000 else None)
        feats = clf.features(images)
        d = frechet_distance(*gaussian_stats(feats), *ref)
        conf = float(clf.probs(images).max(1).mean())
        fd.setdefault(row, {})[s] = d
        wall.setdefault(row, {})[s] = seconds
        done_work += s
        elapsed = time.perf_counter() - start
        eta_s = elapsed * (sum(work) - done_work) / done_work
        save_grid(images, args.save_grids, name)
        print(f"RESULT {name}: Fréchet distance = {d:.3f}, wall = {seconds:.1f} s for {args.n} "
              f"images ({1000 * seconds / args.n:.1f} ms/image), classifier confidence "
              f"{conf:.3f}   [about {duration(eta_s)} left]", flush=True)

    columns = sorted({s for _, s, _, _ in configs} | {T})
    print()
    print(markdown_table(f"Fréchet distance to the held-out digits (classifier features, N = {args.n}; "
                         f"real-data floor at this N: {floor_n:.2f})", columns, fd, 2))
    print()
    print(markdown_table(f"Wall time (s) for {args.n} images ({args.precision}, "
                         f"{torch.get_num_threads()} threads)", columns, wall, 1))
    if T not in steps and not args.ddim_full:
        print(f"\nDDIM at S = {T} is “–”: it costs as much as the DDPM row for each η; "
              "run with --ddim-full to include it.")
    print("DDPM uses all T steps by definition, so its row has no entries at S < T.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
