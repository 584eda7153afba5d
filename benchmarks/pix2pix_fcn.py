"""pix2pix FCN-scores: the paper's Tables 1 and 2 (loss, discriminator receptive field) for labels → photo.

    .venv/bin/python benchmarks/pix2pix_fcn.py [--epochs 6] [--pairs 2000] [--width 32]
        [--eval 500] [--only l1,cgan,...] [--with-286] [--cache DIR] [--threads N] [--quick]

Isola et al. (2017, §4.2, Tables 1–2) judge a labels → photo generator by segmenting what it
makes with a segmenter trained on real photos and scoring that segmentation against the
label map the image was made from: per-pixel accuracy, per-class accuracy and class IoU
(models/pix2pix/fcn_score.py). Here the "real photos" are the procedural landscapes'
`render_photo`, and the segmenter is the project's own (models/pix2pix/segmentation.py).

Protocol. Every generator variant trains with the same settings through
`Pix2PixTrainer`: class-map input, 64 px, a depth-6 U-Net of --width channels, batch 8,
Adam 2e-4, training seed s (--seeds, default 0: weights, shuffling, and the --pairs
landscapes of seeds s…); they differ only in the objective
(L1, cGAN, L1+cGAN, λ = 100) and the PatchGAN's receptive field (1, 16, 70, optionally 286).
The segmenter trains on photos of seeds 1,000,000… ; evaluation uses --eval further maps of
seeds 2,000,000… Generated images come from `translate(maps, noise=True, seed=…)`
(dropout on, as in the paper; seeded per chunk of 250 maps, so reruns agree). With several
--seeds the tables show means, and a last table the spread. "Ground truth" segments the
real rendered photos of the same maps: the ceiling the segmenter allows. One confusion
matrix per row, over all its pixels.

Trained generators and the segmenter are cached in --cache (keyed by their settings), so a
rerun only evaluates. A full run trains five generators of about 1,500 steps each (longer
than the other benchmarks: tens of minutes on 2 CPU cores; run it in the background, e.g.
`nohup … > fcn.log &`). --quick is a smoke run of a minute or two.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import _common
from diffusion_quality import duration

DEFAULT_CACHE = _common.ROOT / "benchmarks" / ".cache" / "pix2pix_fcn"
SEGMENTER_SEED, EVAL_SEED, SIZE, DEPTH = 1_000_000, 2_000_000, 64, 6
# key → (objective, PatchGAN receptive field)
VARIANTS = {"l1": ("l1", 70), "cgan": ("cgan", 70), "l1+cgan": ("l1+cgan", 70),
            "patch1": ("l1+cgan", 1), "patch16": ("l1+cgan", 16), "patch286": ("l1+cgan", 286)}
COLUMNS = ("Per-pixel acc.", "Per-class acc.", "Class IOU")
_KEYS = ("per_pixel_acc", "per_class_acc", "class_iou")
TRUTH = "truth"


# --------------------------------------------------------------------------- tables

def build_tables(results: dict[str, dict | None], with_286: bool = False) -> list[dict]:
    """The paper's two tables from score dicts keyed by variant (and TRUTH); a missing or None
    entry gives a row of None. Each table: title, header (first column), columns, rows as
    (label, (per-pixel, per-class, IoU))."""
    def row(label: str, key: str) -> tuple[str, tuple]:
        r = results.get(key)
        return label, tuple(None if r is None else r.get(k) for k in _KEYS)

    t1 = [row("L1", "l1"), row("cGAN", "cgan"), row("L1+cGAN", "l1+cgan"), row("Ground truth", TRUTH)]
    fields = [("1×1", "patch1"), ("16×16", "patch16"), ("70×70", "l1+cgan")]
    if with_286:
        fields.append(("286×286", "patch286"))
    t2 = [row(label, key) for label, key in fields] + [row("Ground truth", TRUTH)]
    return [{"title": "Table 1: FCN-scores for different losses (70×70 PatchGAN), labels → photo",
             "header": "Loss", "columns": COLUMNS, "rows": t1},
            {"title": "Table 2: FCN-scores for different receptive field sizes of the "
                      "discriminator (L1+cGAN), labels → photo",
             "header": "Discriminator receptive field", "columns": COLUMNS, "rows": t2}]


def fmt(value) -> str:
    # three decimals, not the paper's two: on the landscapes every score sits near 1
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def markdown(table: dict) -> str:
    lines = [f"**{table['title']}**", "",
             f"| {table['header']} | " + " | ".join(table["columns"]) + " |",
             "|---|" + "---:|" * len(table["columns"])]
    lines += [f"| {label} | " + " | ".join(fmt(v) for v in values) + " |"
              for label, values in table["rows"]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- training (cached)

def _drive(job, desc: str, on_step=None):
    """Run a training generator to its end under a tqdm bar; returns its return value."""
    from tqdm import tqdm

    from models.events import Step
    bar = None
    try:
        while True:
            try:
                event = next(job)
            except StopIteration as done:
                return done.value
            if isinstance(event, Step):
                if bar is None:
                    bar = tqdm(total=event.total_steps, desc=desc, unit="step", file=sys.stderr,
                               dynamic_ncols=True, mininterval=1.0)
                bar.update(1)
                if event.step % 10 == 0 or event.step == event.total_steps:
                    bar.set_postfix({k: f"{v:.3g}" for k, v in event.losses.items()}, refresh=False)
    finally:
        if bar is not None:
            bar.close()


def segmenter_cached(args):
    from models import CheckpointError
    from models.pix2pix.segmentation import load_segmenter, train_segmenter
    folder = Path(args.cache) / f"segmenter-n{args.seg_pairs}-e{args.seg_epochs}-seed{SEGMENTER_SEED}"
    if (folder / "model.safetensors").exists():
        try:
            seg = load_segmenter(folder)
            print(f"segmenter: reusing {folder} (trained in {duration(seg.meta.get('train_seconds', 0))})",
                  flush=True)
            return seg, None
        except CheckpointError as exc:
            print(f"note: ignoring the cached segmenter ({exc}); training again")
    print(f"segmenter: training on {args.seg_pairs} rendered photos (seeds {SEGMENTER_SEED:,}…) "
          f"for {args.seg_epochs} epochs; cached in {folder}", flush=True)
    start = time.perf_counter()
    seg = _drive(train_segmenter(size=SIZE, pairs=args.seg_pairs, epochs=args.seg_epochs,
                                 seed=SEGMENTER_SEED, device=args.device), "segmenter")
    seconds = time.perf_counter() - start
    seg.save(folder)
    return seg, seconds


def variant_cached(key: str, args, seed: int = 0) -> dict:
    """Train variant `key` with the shared protocol from training seed `seed` (weights,
    shuffling and the landscapes seed…seed + pairs), or load it from the cache."""
    from models import CheckpointError, load_checkpoint
    from models.pix2pix.api import Pix2PixConfig, Pix2PixModel
    from models.pix2pix.training import Pix2PixTrainConfig, Pix2PixTrainer
    objective, patch = VARIANTS[key]
    name = f"{objective}-patch{patch}-w{args.width}-n{args.pairs}-e{args.epochs}-seed{seed}"
    folder = Path(args.cache) / name
    record = folder / "run.json"
    if record.exists():
        try:
            run = json.loads(record.read_text())
            run["model"] = load_checkpoint(folder / "model")
            run["cached"] = True
            return run
        except (OSError, ValueError, KeyError, CheckpointError) as exc:
            print(f"note: ignoring the cache in {folder} ({exc}); training again")
    if key not in args.only:
        return {"model": None}
    mc = Pix2PixConfig("classes", size=SIZE, depth=DEPTH, width=args.width)
    problem = _discriminator_problem(patch, mc.in_channels + 3)
    if problem:
        print(f"{key}: cannot train, the {patch}×{patch} PatchGAN does not fit a {SIZE} px image "
              f"({problem}); its row stays empty")
        return {"model": None, "told": True}
    tc = Pix2PixTrainConfig(objective=objective, patch=patch, epochs=args.epochs, batch_size=8,
                            seed=seed, preview_every_s=math.inf, snapshot_every_s=math.inf)
    trainer = Pix2PixTrainer(mc, tc, pairs=args.pairs, device=args.device)
    start = time.perf_counter()
    result = _drive(trainer.run(), key if seed == 0 else f"{key} seed {seed}")
    train_s = time.perf_counter() - start
    model = Pix2PixModel.from_state(*trainer.checkpoint(result))
    model.save(folder / "model")
    run = {"key": key, "seed": seed, "objective": objective, "patch": patch, "steps": result.steps,
           "train_s": train_s, "training": tc.to_dict(), "config": mc.to_dict()}
    record.write_text(json.dumps(run, indent=2, default=str) + "\n")
    return {**run, "model": model, "cached": False}


def _discriminator_problem(patch: int, channels: int) -> str | None:
    """Why this PatchGAN cannot score a SIZE-pixel pair (286 has more strided layers than
    64 px has halvings), or None."""
    import torch

    from models.pix2pix.networks import build_discriminator
    try:
        with torch.no_grad():
            build_discriminator(patch, channels).eval()(torch.zeros(1, channels, SIZE, SIZE))
    except RuntimeError as exc:
        return str(exc).splitlines()[0]
    return None


# --------------------------------------------------------------------------- evaluation

def translate_all(model, maps, chunk: int = 250):
    """All maps through the generator with dropout on, each chunk's masks from its own seed,
    so a rerun gives the same pictures."""
    import numpy as np
    out = [model.translate(maps[i:i + chunk], noise=True, seed=i)
           for i in range(0, len(maps), chunk)]
    return np.concatenate(out)


def gradient_energy(images) -> float:
    """Mean absolute difference between neighbouring pixels (both directions, all channels),
    in 0–255 units: blur lowers it, noise raises it. The paper's point about L1 alone is
    blur, which the FCN-score cannot see when the classes stay recognisable."""
    import numpy as np
    x = np.asarray(images, np.float32)
    return float((np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=2)).mean()) / 2)


def save_grid(path: str, maps, photos, generated: dict[str, object], n: int = 8) -> None:
    """Columns: label map, real photo, then each variant's output, for the first n maps."""
    import numpy as np
    from PIL import Image

    from models.pix2pix.landscapes import colourise
    cols = [np.stack([colourise(m) for m in maps[:n]]), photos[:n]] + [g[:n] for g in generated.values()]
    rows = [np.concatenate([c[i] for c in cols], axis=1) for i in range(min(n, len(maps)))]
    Image.fromarray(np.concatenate(rows, axis=0)).resize(
        (rows[0].shape[1] * 2, len(rows) * rows[0].shape[0] * 2), Image.NEAREST).save(path)
    print(f"grid: {path} (columns: labels, real photo, {', '.join(generated)})")


def main() -> int:
    def extra(p):
        p.add_argument("--epochs", type=int, default=6,
                       help="epochs per generator (default 6: 1,500 steps of batch 8 on 2,000 pairs)")
        p.add_argument("--pairs", type=int, default=2000, help="training landscapes (default 2000)")
        p.add_argument("--width", type=int, default=32, help="U-Net width (default 32)")
        p.add_argument("--eval", type=int, default=500, help="held-out maps scored (default 500)")
        p.add_argument("--seg-pairs", type=int, default=2000, help="segmenter training photos (default 2000)")
        p.add_argument("--seg-epochs", type=int, default=5, help="segmenter epochs (default 5)")
        p.add_argument("--only", default=None,
                       help=f"train only these variants, comma-separated from {','.join(VARIANTS)}; "
                            "cached others are still scored")
        p.add_argument("--with-286", action="store_true",
                       help="add the 286×286 PatchGAN row (larger than the 64 px image)")
        p.add_argument("--cache", default=str(DEFAULT_CACHE), help=f"cache folder (default {DEFAULT_CACHE})")
        p.add_argument("--threads", type=int, default=None, help="torch threads (default: all usable cores)")
        p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda", "mps"])
        p.add_argument("--checkpoint", action="append", default=[], metavar="DIR",
                       help="also score this pix2pix checkpoint (e.g. checkpoints/landscapes-pix2pix); "
                            "repeatable")
        p.add_argument("--seeds", default="0",
                       help="training seeds, comma-separated (default 0); tables show the mean")
        p.add_argument("--save-grid", default=None, metavar="PNG",
                       help="write labels | photo | each variant for 8 evaluation maps")
        p.add_argument("--quick", action="store_true",
                       help="smoke run: 64 pairs × 3 epochs (24 steps), 32 eval maps, a tiny segmenter")
    args = _common.parse_args(__doc__.splitlines()[0], extra, needs_data=False)
    if args.quick:
        args.pairs, args.epochs, args.eval, args.seg_pairs, args.seg_epochs = 64, 3, 32, 256, 2
    try:
        args.seeds = sorted({int(x) for x in args.seeds.split(",") if x.strip()})
    except ValueError:
        raise SystemExit(f"error: --seeds takes comma-separated integers, not {args.seeds!r}")
    if not args.seeds or min(args.seeds) < 0:
        raise SystemExit("error: --seeds needs at least one seed ≥ 0")
    only = [k.strip() for k in args.only.split(",") if k.strip()] if args.only else None
    if only is not None and (not only or set(only) - set(VARIANTS)):
        raise SystemExit(f"error: --only takes some of {','.join(VARIANTS)}, not {args.only!r}")
    args.with_286 = args.with_286 or "patch286" in (only or ())
    wanted = [k for k in VARIANTS if k != "patch286" or args.with_286]
    only = only or wanted
    args.only = set(only)
    if min(args.epochs, args.pairs, args.eval, args.seg_pairs, args.seg_epochs) < 1:
        raise SystemExit("error: --epochs, --pairs, --eval, --seg-pairs and --seg-epochs must be ≥ 1")

    import numpy as np
    import torch

    from models.pix2pix.fcn_score import fcn_score
    from models.pix2pix.landscapes import CLASSES, LandscapeDataset
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    torch.set_num_threads(args.threads or usable)
    print(_common.machine_line())
    steps = math.ceil(args.pairs / 8) * args.epochs
    print(f"protocol: {SIZE} px class maps, depth-{DEPTH} U-Net width {args.width}, batch 8, "
          f"{args.pairs} pairs × {args.epochs} epochs = {steps} steps per variant, λ = 100; "
          f"{args.eval} evaluation maps (seeds {EVAL_SEED:,}…); cache {args.cache}", flush=True)
    begin = time.perf_counter()

    seg, seg_s = segmenter_cached(args)
    maps, photos = LandscapeDataset(args.eval, SIZE, EVAL_SEED).batch(range(args.eval))
    results = {TRUTH: fcn_score(seg, photos, maps)}
    truth = results[TRUTH]
    trained = f", trained here in {duration(seg_s)}" if seg_s is not None else ""
    print(f"RESULT segmenter on {args.eval} held-out real photos: per-pixel accuracy "
          f"{truth['per_pixel_acc']:.2%}, per-class {truth['per_class_acc']:.2%}, class IoU "
          f"{truth['class_iou']:.2%} (its own validation accuracy "
          f"{seg.meta.get('metrics', {}).get('val_accuracy', float('nan')):.2%}{trained}); per class: "
          + ", ".join(f"{c.name} {v:.0%}" for c, v in zip(CLASSES, truth["class_acc"])
                      if not math.isnan(v)), flush=True)

    timings, generated, per_seed = [], {}, {}
    for key in wanted:
        runs = {}
        for seed in args.seeds:
            run = variant_cached(key, args, seed)
            if run["model"] is None:
                if not run.get("told"):
                    print(f"{key} seed {seed}: not scored (not in --only, nothing cached)")
                continue
            start = time.perf_counter()
            images = translate_all(run["model"], maps)
            r = fcn_score(seg, images, maps)
            eval_s = time.perf_counter() - start
            r["l1"] = float(np.abs(images.astype(np.float32) - photos.astype(np.float32)).mean() / 127.5)
            r["sharpness"] = gradient_energy(images) / gradient_energy(photos)
            runs[seed] = r
            generated.setdefault(key, images)         # the grid shows the first seed
            timings.append((f"{key} seed {seed}", run["steps"], run["train_s"], run["cached"], eval_s))
            how = "cached, trained" if run["cached"] else "trained"
            print(f"RESULT {key} seed {seed} ({run['objective']}, {run['patch']}×{run['patch']} "
                  f"PatchGAN, {run['steps']} steps, {how} in {duration(run['train_s'])}): "
                  f"per-pixel {r['per_pixel_acc']:.3f}, per-class {r['per_class_acc']:.3f}, "
                  f"class IoU {r['class_iou']:.3f}", flush=True)
        if runs:
            per_seed[key] = runs
            results[key] = {k: float(np.mean([r[k] for r in runs.values()]))
                            for k in (*_KEYS, "l1", "sharpness")}

    from models import load_checkpoint
    for folder in args.checkpoint:
        model = load_checkpoint(folder)
        key = Path(folder).name
        images = translate_all(model, maps)
        results[key] = r = fcn_score(seg, images, maps)
        generated[key] = images
        print(f"RESULT checkpoint {folder} ({model.meta.get('steps', '?')} steps): per-pixel "
              f"{r['per_pixel_acc']:.3f}, per-class {r['per_class_acc']:.3f}, class IoU "
              f"{r['class_iou']:.3f}", flush=True)
        r["l1"] = float(np.abs(images.astype(np.float32) - photos.astype(np.float32)).mean() / 127.5)
        r["sharpness"] = gradient_energy(images) / gradient_energy(photos)

    print()
    if len(args.seeds) > 1:
        print(f"Each variant's figures are the mean over training seeds {args.seeds}.\n")
    for table in build_tables(results, args.with_286):
        print(markdown(table))
        print()
    print("**Beyond the paper's tables:** L1 distance to the real photo (in [−1, 1] units, "
          "as G_L1) and sharpness (neighbour-pixel differences relative to the real photos: "
          "1 = as sharp, below 1 = blurrier)\n")
    print("| variant | L1 to the photo | sharpness |\n|---|---:|---:|")
    for key in generated:
        print(f"| {key} | {results[key]['l1']:.4f} | {results[key]['sharpness']:.3f} |")
    if any(len(runs) > 1 for runs in per_seed.values()):
        print("\nSpread over seeds (max − min of each figure):\n")
        print("| variant | seeds | per-pixel | per-class | IoU | sharpness |\n|---|---|---:|---:|---:|---:|")
        for key, runs in per_seed.items():
            spread = [max(r[k] for r in runs.values()) - min(r[k] for r in runs.values())
                      for k in (*_KEYS, "sharpness")]
            print(f"| {key} | {', '.join(map(str, runs))} | " + " | ".join(f"{v:.3f}" for v in spread) + " |")
    print()
    print("| variant | steps | train time | scoring time |\n|---|---:|---:|---:|")
    for key, n_steps, train_s, cached, eval_s in timings:
        print(f"| {key} | {n_steps} | {duration(train_s)}{' (cached)' if cached else ''} | {eval_s:.1f} s |")
    print("\nThe paper (Cityscapes, 256 px, 200 epochs) reports per-pixel accuracy 0.42 / 0.57 / 0.66 "
          "for L1 / cGAN / L1+cGAN, 0.39 / 0.65 / 0.66 / 0.42 for the 1 / 16 / 70 / 286 px "
          "PatchGANs and 0.80 for ground truth: other data, other scale; compare the ordering, "
          "not the values.")
    if args.save_grid:
        save_grid(args.save_grid, maps, photos, generated)
    print(f"total wall time {duration(time.perf_counter() - begin)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
