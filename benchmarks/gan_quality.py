"""Image-GAN sample quality: Fréchet distance and class coverage of DCGAN, cDCGAN and WGAN-GP.

    .venv/bin/python benchmarks/gan_quality.py [--dcgan checkpoints/mnist-dcgan]
        [--cgan checkpoints/mnist-cgan] [--wgan-epochs 40] [--work-dir /tmp/gan-quality]
        [--train] [--epochs 40] [--curve K] [--n 2000] [--models dcgan,cgan,wgan-gp]

For each model it draws N samples (one fixed noise seed; the conditional model cycles
through the digits 0–9, N/10 of each), takes the 128 penultimate features of the shipped
classifier (checkpoints/mnist-classifier) and gives the Fréchet distance between their
Gaussian fit and that of the held-out digits (by default the 10,000 test digits of
../shared/datasets/mnist-full). Beside it, class coverage
under the same classifier: classes covered (at least a quarter of a fair share, as the app's
health figure counts them), the normalised entropy of the class histogram (1 = all digits
equally often), the accuracy of the requested digit (conditional model) and the app's
diversity ratio (mean pairwise distance of samples over that of real digits).

Reference rows: N real training digits against the held-out ones (the floor a perfect
generator reaches at this N: the estimate is biased upwards for small N) and all of them.

Models: by default the shipped DCGAN and conditional DCGAN, and a WGAN-GP (the same DCGAN
networks, Wasserstein loss with gradient penalty, 5 critic steps, Adam 1e-4, β = (0, 0.9))
trained here for --wgan-epochs with exactly what `playground train wgan-gp` runs. Trained
models are cached in --work-dir, so a rerun does not train again. --train trains all three
from scratch for --epochs each (a like-for-like comparison); --curve K also measures the
Fréchet distance every K epochs of the runs trained here (about 2 s per point).

These distances use the project's classifier features, not Inception: compare them with each
other, not with published FIDs (Lucic et al. 2018 report Inception FID ≈ 6.8 for the
non-saturating GAN on MNIST).
"""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import _common
from diffusion_quality import duration, load_or_exit, save_grid

KINDS = ("dcgan", "cgan", "wgan-gp")
TITLES = {"dcgan": "DCGAN", "cgan": "conditional DCGAN", "wgan-gp": "WGAN-GP"}
SHIPPED = {"dcgan": _common.ROOT / "checkpoints" / "mnist-dcgan",
           "cgan": _common.ROOT / "checkpoints" / "mnist-cgan"}
DEFAULT_CLASSIFIER = _common.ROOT / "checkpoints" / "mnist-classifier"


# --------------------------------------------------------------------------- measuring

class Judge:
    """The classifier and the held-out statistics every row is measured against."""

    def __init__(self, clf, dataset, n: int, seed: int):
        import numpy as np

        from models.frechet import gaussian_stats
        self.clf, self.ds, self.n, self.seed = clf, dataset, n, seed
        self.ref = gaussian_stats(clf.features(dataset.test.images))
        rng = np.random.default_rng(seed)
        self.real_pick = rng.choice(len(dataset.train), min(n, len(dataset.train)), replace=False)
        self.real_ref = dataset.test.images[:500]

    def measure(self, images, labels=None) -> dict:
        """Figures for N×28×28 images (uint8, or float in [0, 1]); labels: the requested ones."""
        import numpy as np

        from models.data import to_float
        from models.frechet import frechet_distance, gaussian_stats
        from models.gan.diagnostics import (class_histogram, classes_covered, diversity_ratio,
                                            normalised_entropy)
        feats = self.clf.features(images)
        probs = self.clf.probs(images)
        pred = probs.argmax(1)
        hist = class_histogram(pred, probs.shape[1])
        row = {"fd": frechet_distance(*gaussian_stats(feats), *self.ref),
               "covered": classes_covered(hist), "entropy": normalised_entropy(hist),
               "confidence": float(probs.max(1).mean()),
               "diversity": diversity_ratio(to_float(images[:500]), to_float(self.real_ref)),
               "hist": hist.tolist()}
        if labels is not None:
            row["accuracy"] = float((pred == np.asarray(labels)).mean())
        return row

    def measure_model(self, model, n: int | None = None) -> tuple[dict, float]:
        import numpy as np
        n = n or self.n
        # the conditional model is asked for each digit in turn, N/K of each
        labels = np.arange(n) % model.config.num_classes if model.conditional else None
        start = time.perf_counter()
        images = model.sample(n, label=labels, generator=self.seed)
        seconds = time.perf_counter() - start
        row = self.measure(images, labels)
        row["sample_s"] = seconds
        return row, images


# --------------------------------------------------------------------------- training (cached)

def train_cached(kind: str, epochs: int, args, judge: Judge) -> dict:
    """Train `kind` as `playground train` would, or reuse the run cached in --work-dir."""
    from models import CheckpointError, load_checkpoint, save_checkpoint
    from models.events import EpochEnd, Step
    from models.gan.api import GANModel
    from models.gan.cli import image_gan_job
    from playground.cli import build_parser

    folder = Path(args.work_dir).expanduser() / f"{kind}-e{epochs}-seed{args.seed}"
    record = folder / "run.json"
    if record.exists():
        try:
            run = json.loads(record.read_text())
            run["model"] = load_checkpoint(folder / "model")
            print(f"{TITLES[kind]}: reusing the run cached in {folder} "
                  f"(trained {run['epochs']} epochs in {duration(run['train_s'])})", flush=True)
            if args.curve and not run.get("curve"):
                print(f"note: that run has no --curve figures; delete {folder} to retrain with them")
            return run
        except (OSError, ValueError, KeyError, CheckpointError) as exc:
            print(f"note: ignoring the cache in {folder} ({exc}); training again")

    cli = build_parser().parse_args(["train", kind, "--dataset", args.data, "--epochs", str(epochs),
                                     "--seed", str(args.seed), "--device", args.device,
                                     "--no-download", "--out", str(folder / "model")])
    trainer, title = image_gan_job(cli, judge.ds)
    print(f"Training {title} for {epochs} epochs on {judge.ds.source} ({trainer.device}, "
          f"torch threads {_torch_threads()}); cached in {folder}", flush=True)
    curve, start, last_print = [], time.perf_counter(), 0.0
    job = trainer.run()
    while True:
        try:
            event = next(job)
        except StopIteration as stop:
            result = stop.value
            break
        if isinstance(event, Step) and time.perf_counter() - last_print > 60:
            last_print = time.perf_counter()
            spent = last_print - start
            print(f"  {kind}: step {event.step}/{event.total_steps}, epoch {event.epoch}/{event.epochs}, "
                  f"{duration(spent)} so far, about {duration(event.eta_s)} left", file=sys.stderr,
                  flush=True)
        elif isinstance(event, EpochEnd) and args.curve and (
                event.epoch % args.curve == 0 or event.epoch == event.epochs):
            # the generator is idle while the job is suspended at a yield
            paused = time.perf_counter()
            model = GANModel.from_state(trainer.state_numpy(), {"config": trainer.model_config.to_dict()})
            row, _ = judge.measure_model(model)
            curve.append({"epoch": event.epoch, "fd": row["fd"], "covered": row["covered"],
                          "entropy": row["entropy"], "accuracy": row.get("accuracy")})
            print(f"RESULT curve {kind} epoch {event.epoch}: Fréchet distance = {row['fd']:.2f}, "
                  f"classes covered {row['covered']}/10, entropy {row['entropy']:.3f}", flush=True)
            start += time.perf_counter() - paused     # measuring is not training time
    train_s = time.perf_counter() - start
    state, meta = trainer.checkpoint(result)
    save_checkpoint(folder / "model", state, meta)
    run = {"kind": kind, "epochs": epochs, "train_s": train_s, "curve": curve,
           "training": meta["training"]}
    record.write_text(json.dumps(run, indent=2, default=str) + "\n")
    run["model"] = load_checkpoint(folder / "model")
    return run


def _torch_threads() -> int:
    import torch
    return torch.get_num_threads()


# --------------------------------------------------------------------------- output

def fmt(value, digits: int = 2, pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}%}" if pct else f"{value:.{digits}f}"


def fmt_epochs(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else "–" if value is None else str(value)


def table(rows: list[dict], n: int, held: int) -> str:
    lines = [f"**Image GANs on MNIST: Fréchet distance to the {held:,} held-out digits (classifier "
             f"features) and class coverage, N = {n} samples per row**", "",
             "| model | epochs | Fréchet distance ↓ | classes covered | class entropy | "
             "label accuracy | diversity | train time | sampling time |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['name']} | {fmt_epochs(r.get('epochs'))} | {fmt(r['fd'])} | {r['covered']}/10 | "
            f"{fmt(r['entropy'], 3)} | {fmt(r.get('accuracy'), 1, pct=True)} | {fmt(r['diversity'])} | "
            f"{duration(r['train_s']) if r.get('train_s') else '–'} | "
            f"{fmt(r.get('sample_s'), 1) + ' s' if r.get('sample_s') is not None else '–'} |")
    return "\n".join(lines)


def curve_table(curves: dict[str, list[dict]]) -> str:
    epochs = sorted({p["epoch"] for c in curves.values() for p in c})
    lines = ["**Fréchet distance during training**", "",
             "| model | " + " | ".join(f"epoch {e}" for e in epochs) + " |",
             "|---|" + "---:|" * len(epochs)]
    for kind, points in curves.items():
        at = {p["epoch"]: p["fd"] for p in points}
        lines.append(f"| {TITLES[kind]} | " + " | ".join(fmt(at.get(e)) for e in epochs) + " |")
    return "\n".join(lines)


def main() -> int:
    def extra(p):
        p.add_argument("--dcgan", default=str(SHIPPED["dcgan"]), help="unconditional DCGAN checkpoint")
        p.add_argument("--cgan", default=str(SHIPPED["cgan"]), help="conditional DCGAN checkpoint")
        p.add_argument("--models", default=",".join(KINDS),
                       help="which of dcgan,cgan,wgan-gp to measure (default: all three)")
        p.add_argument("--wgan-epochs", type=int, default=40,
                       help="epochs of the WGAN-GP trained here (default 40)")
        p.add_argument("--train", action="store_true",
                       help="train all three here for --epochs each instead of using the shipped ones")
        p.add_argument("--epochs", type=int, default=40, help="epochs per model with --train (default 40)")
        p.add_argument("--work-dir", default="/tmp/gan-quality",
                       help="where runs trained here are cached (default /tmp/gan-quality)")
        p.add_argument("--curve", type=int, default=0, metavar="K",
                       help="measure the Fréchet distance every K epochs of runs trained here")
        p.add_argument("--n", type=int, default=2000, help="samples per model (default 2000)")
        p.add_argument("--seed", type=int, default=0, help="noise seed, and training seed")
        p.add_argument("--classifier", default=str(DEFAULT_CLASSIFIER),
                       help="classifier checkpoint for the features (default: the shipped one)")
        p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda", "mps"],
                       help="device for the runs trained here (default cpu)")
        p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
        p.add_argument("--save-grids", default=None, metavar="DIR",
                       help="write the first 100 samples of each model as a PNG grid here")
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")
    kinds = [k.strip() for k in args.models.split(",") if k.strip()]
    if not kinds or set(kinds) - set(KINDS):
        raise SystemExit(f"error: --models takes some of {','.join(KINDS)}, not {args.models!r}")
    if args.n < 2 or args.wgan_epochs < 1 or args.epochs < 1 or args.curve < 0:
        raise SystemExit("error: --n must be ≥ 2, --epochs and --wgan-epochs ≥ 1, --curve ≥ 0")

    import torch

    from models.data import load_dataset

    if args.threads:
        torch.set_num_threads(args.threads)
    print(_common.machine_line())
    clf = load_or_exit(args.classifier, "classifier")
    ds = load_dataset(args.data)
    print(f"data: {ds.source} ({len(ds.train)} training, {len(ds.test)} held-out digits)")
    print(f"features: {args.classifier} (held-out accuracy "
          f"{clf.meta.get('metrics', {}).get('test_accuracy', float('nan')):.2%}, "
          f"{clf.feature_dim}-D penultimate activations)")
    print(f"N = {args.n} samples per model, noise seed {args.seed}, no truncation, "
          f"torch threads {torch.get_num_threads()}", flush=True)
    judge = Judge(clf, ds, args.n, args.seed)
    begin = time.perf_counter()

    rows = []
    real = judge.measure(ds.train.images[judge.real_pick], ds.train.labels[judge.real_pick])
    rows.append({"name": f"real: {len(judge.real_pick)} training digits (floor at this N)", **real})
    everything = judge.measure(ds.train.images, ds.train.labels)
    rows.append({"name": f"real: all {len(ds.train)} training digits", **everything})
    for r in rows:
        print(f"RESULT reference {r['name']}: Fréchet distance = {r['fd']:.3f}, classes covered "
              f"{r['covered']}/10, entropy {r['entropy']:.3f}, classifier accuracy {r['accuracy']:.2%}")

    curves = {}
    for kind in kinds:
        if args.train or kind == "wgan-gp":
            run = train_cached(kind, args.epochs if args.train else args.wgan_epochs, args, judge)
            model, epochs, train_s, source = run["model"], run["epochs"], run["train_s"], "trained here"
            if run.get("curve"):
                curves[kind] = run["curve"]
        else:
            path = getattr(args, kind)
            if not Path(path).exists():
                raise SystemExit(f"error: no checkpoint at {path}. Build it with: .venv/bin/python "
                                 f"scripts/train_checkpoints.py --only {kind}, point --{kind} at one, "
                                 "or pass --train")
            model = load_or_exit(path, "gan")
            epochs, train_s, source = model.meta.get("epochs", "?"), None, path
        if model.conditional != (kind == "cgan"):
            raise SystemExit(f"error: the {kind} model is {'' if model.conditional else 'un'}conditional")
        row, images = judge.measure_model(model)
        name = f"{TITLES[kind]} ({model.meta.get('training', {}).get('loss', '?')} loss)"
        rows.append({"name": name, "epochs": epochs, "train_s": train_s, **row})
        save_grid(images, args.save_grids, kind)
        acc = f", requested-digit accuracy {row['accuracy']:.2%}" if "accuracy" in row else ""
        print(f"RESULT {kind} ({source}, {epochs} epochs): Fréchet distance = {row['fd']:.2f}, "
              f"classes covered {row['covered']}/10, entropy {row['entropy']:.3f}{acc}, "
              f"diversity {row['diversity']:.2f}, classifier confidence {row['confidence']:.3f}, "
              f"sampling {row['sample_s']:.1f} s; classes "
              + " ".join(f"{c}:{p:.0%}" for c, p in enumerate(row["hist"])), flush=True)

    print()
    print(table(rows, args.n, len(ds.test)))
    if curves:
        print()
        print(curve_table(curves))
    print("\nclasses covered: digits holding at least a quarter of a fair share (2.5 %) of the "
          "samples under the classifier; class entropy: of that histogram, over log 10; label "
          "accuracy: the classifier's verdict on the requested digit (conditional model; real "
          "rows: on the true labels); diversity: mean pairwise pixel distance of 500 samples over "
          "that of 500 held-out digits.")
    print("These Fréchet distances use the project's classifier features, not Inception: Lucic et "
          "al. (2018) report Inception FID ≈ 6.8 for the non-saturating GAN on MNIST, a different "
          "scale; only the trends compare.")
    print(f"total wall time {duration(time.perf_counter() - begin)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
