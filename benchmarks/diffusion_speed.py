"""Diffusion sampling speed on the CPU: one reverse step, and DDIM-50 for 16 images.

    .venv/bin/python benchmarks/diffusion_speed.py [--checkpoints A B] [--reps 40]

One reverse step = one U-Net forward (ε̂) plus one DDIM scheduler step, for a batch of 16 at
a mid-chain timestep, the median of --reps timed repetitions after a warm-up. For the
class-conditional checkpoint it is timed at w = 0 (one forward of the batch) and at w > 0
(classifier-free guidance: one forward of the batch twice over, conditional and "no label").
A bf16-autocast variant of each step is timed too, as a what-if: the app samples in fp32.

DDIM-50 for 16 images, fp32, as the app's Sample button does it, is timed --runs times per
checkpoint (median); the target is "within a few seconds" (here: ≤ 5 s). Its images are
written as PNG grids (--out) and scored by the shipped classifier, so "recognisable digits"
can be checked by eye and by number: for the conditional model, the share classified as the
requested digit; for the unconditional one, the classifier's mean confidence.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import _common
from diffusion_quality import DEFAULT_CLASSIFIER, load_or_exit, precision_context, save_grid

CHECKPOINTS = [_common.ROOT / "checkpoints" / "mnist-ddpm", _common.ROOT / "checkpoints" / "mnist-ddpm-cond"]
TARGET_S = 5.0


def time_step(model, batch: int, guidance: float, reps: int, precision: str) -> list[float]:
    """Seconds per reverse step (U-Net + scheduler), `reps` timed after a warm-up."""
    import torch

    from models.diffusion.sampling import guided_eps

    gen = torch.Generator().manual_seed(0)
    x = torch.randn((batch, 1, 28, 28), generator=gen)
    labels = torch.arange(batch) % 10 if model.conditional else None
    sched = model.scheduler
    sched.set_timesteps(50)
    t = int(sched.timesteps[len(sched.timesteps) // 2])
    times = []
    with torch.inference_mode(), precision_context(precision):
        for i in range(reps + 3):
            start = time.perf_counter()
            eps = guided_eps(model.module, x, t, labels, guidance, model.config.num_classes)
            out = sched.step(eps, t, x, eta=0.0, generator=gen)
            float(out.prev_sample[0, 0, 0, 0])     # make sure the work is done, not queued
            if i >= 3:
                times.append(time.perf_counter() - start)
    return times


def main() -> int:
    def extra(p):
        p.add_argument("--checkpoints", nargs="+", default=[str(c) for c in CHECKPOINTS],
                       help="diffusion checkpoints (default: both shipped ones)")
        p.add_argument("--classifier", default=str(DEFAULT_CLASSIFIER))
        p.add_argument("--batch", type=int, default=16)
        p.add_argument("--reps", type=int, default=40, help="timed reverse steps per figure")
        p.add_argument("--runs", type=int, default=3, help="timed DDIM-50 runs per checkpoint")
        p.add_argument("--guidance", type=float, default=3.0, help="w for the guided figures")
        p.add_argument("--threads", type=int, default=None)
        p.add_argument("--out", default="/tmp/diffusion_speed", help="folder for the PNG grids")
    args = _common.parse_args(__doc__.splitlines()[0], extra, needs_data=False)

    import numpy as np
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(_common.machine_line())
    print(f"torch threads: {torch.get_num_threads()} (intra-op), "
          f"{torch.get_num_interop_threads()} (inter-op)")
    clf = load_or_exit(args.classifier, "classifier")
    for path in args.checkpoints:
        model = load_or_exit(path, "diffusion")
        name = Path(path).name
        cfg = model.config
        print(f"\n{name}: {'class-conditional' if model.conditional else 'unconditional'}, "
              f"{cfg.schedule} schedule, T = {cfg.timesteps}, channels {list(cfg.channels)}, "
              f"{sum(p.numel() for p in model.module.parameters()):,} parameters")
        ws = [0.0, args.guidance] if model.conditional else [0.0]
        for w in ws:
            for precision in ("fp32", "bf16"):
                times = time_step(model, args.batch, w, args.reps, precision)
                what = "unguided"
                if model.conditional:
                    what = f"w = {w:g}" + (" (2× batch forward)" if w else "")
                print(f"RESULT {name} reverse step, batch {args.batch}, {what}, {precision}: "
                      f"median {1000 * statistics.median(times):.1f} ms "
                      f"(p10 {1000 * _common.percentile(times, 10):.1f}, "
                      f"p90 {1000 * _common.percentile(times, 90):.1f}, {len(times)} steps)"
                      + ("" if precision == "fp32" else "  [what-if; the app samples in fp32]"),
                      flush=True)
        for w in ws:
            labels = (np.arange(args.batch) % 10) if model.conditional else None
            runs, images = [], None
            for run in range(args.runs + 1):                 # the first run is a warm-up
                gen = torch.Generator().manual_seed(run)
                start = time.perf_counter()
                images = model.sample(args.batch, steps=50, eta=0.0, guidance=w, label=labels,
                                      generator=gen)
                if run:
                    runs.append(time.perf_counter() - start)
            wall = statistics.median(runs)
            probs = clf.probs(images)
            if model.conditional:
                score = f"classified as the requested digit: {(probs.argmax(1) == labels).mean():.0%}"
            else:
                score = (f"classifier confidence {probs.max(1).mean():.2f}, "
                         f"digits {sorted(probs.argmax(1).tolist())}")
            tag = f"w = {w:g}, " if model.conditional else ""
            save_grid(images, args.out, f"{name}-ddim50{'-w' + format(w, 'g') if model.conditional else ''}")
            print(f"RESULT {name} DDIM-50, {args.batch} images, {tag}fp32: median {wall:.2f} s "
                  f"over {len(runs)} runs (min {min(runs):.2f}, max {max(runs):.2f}); "
                  f"{_common.verdict(wall <= TARGET_S)} (≤ {TARGET_S:g} s); {score}", flush=True)
    print(f"\nsample grids: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
