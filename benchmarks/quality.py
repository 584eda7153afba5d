"""Model quality on the held-out digits: the shipped checkpoints and a fresh 10-epoch run.

    .venv/bin/python benchmarks/quality.py [--data DIR] [--epochs 10] [--models mnist|fashion]

With --models fashion: the shipped checkpoints/fashion-{vae,ae}-2d on --data (default
../shared/datasets/fashion-mnist: its 60,000 training images, the first 50,000 train and the
last 10,000 held out, as they were trained); --epochs 0 skips the fresh run.

Data: by default ../shared/datasets/mnist-full, MNIST's official split (the 60,000 train-*
digits train, the 10,000 t10k-* digits are held out), as the shipped MNIST pair was trained.
For each model:

  test loss    models.autoencoder.training.evaluate(module, held-out images, beta=1): per image,
               reconstruction = Bernoulli BCE summed over the 784 pixels, KL to N(0, I)
               (VAE only), loss = recon + KL; the VAE's z is sampled with evaluate's fixed seed;
  kNN-5        models.metrics.knn_accuracy with the training codes (encoder means) as the
               reference set and the held-out codes as queries.

Models: checkpoints/mnist-vae-2d and checkpoints/mnist-ae-2d (models.load_checkpoint), then a
fresh conv VAE (latent 2) trained for --epochs epochs on the training split with
AutoencoderTrainer and the app's defaults (β = 1, seed 0), to show what the Train button
reaches, with its training wall time (--data ../shared/datasets/mnist for the small split). The figures a checkpoint recorded when it was saved
are printed beside the recomputed ones as a consistency check.
"""
from __future__ import annotations

import time

import _common


def _data_words(dataset: dict) -> str:
    """A checkpoint's data in words: name and split (older checkpoints recorded a "source")."""
    if dataset.get("split"):
        return f"{dataset.get('name')} ({dataset['split']})"
    return str(dataset.get("source") or dataset.get("name"))


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--epochs", type=int, default=10),
        p.add_argument("--models", choices=("mnist", "fashion"), default="mnist",
                       help="which shipped pair to measure (default: mnist)")),
        data_default="mnist-full")
    if args.models == "fashion" and args.data == str((_common.DATASETS / "mnist-full").resolve()):
        args.data = str(_common.DATASETS.resolve() / "fashion-mnist")

    import torch

    from models import load_checkpoint
    from models.autoencoder.nets import AEConfig
    from models.data import load_dataset, to_float
    from models.metrics import knn_accuracy
    from models.autoencoder.training import AutoencoderTrainer, TrainConfig, encode_means, evaluate

    print(_common.machine_line())
    ds = load_dataset(args.data)
    print(f"data: {ds.source}")
    train_x = torch.from_numpy(to_float(ds.train.images))
    test_x = torch.from_numpy(to_float(ds.test.images))

    def figures(module) -> dict[str, float]:
        out = dict(evaluate(module, test_x, beta=1.0))
        train_z, test_z = encode_means(module, train_x), encode_means(module, test_x)
        out["knn5"] = knn_accuracy(train_z, ds.train.labels, test_z, ds.test.labels, k=5)
        return out

    def report(name: str, f: dict[str, float], recorded: dict | None = None, extra: str = ""):
        if "kl" in f:
            print(f"RESULT quality {name}: test loss = {f['loss']:.2f} nats/image "
                  f"(recon {f['recon']:.2f} + KL {f['kl']:.2f}), kNN-5 accuracy = {f['knn5']:.4f}{extra}")
        else:
            print(f"RESULT quality {name}: test recon loss = {f['recon']:.2f} nats/image, "
                  f"kNN-5 accuracy = {f['knn5']:.4f}{extra}")
        if recorded:
            keys = [("test_loss", "loss"), ("test_recon", "recon"), ("test_kl", "kl"),
                    ("knn5_accuracy", "knn5")]
            rows = [(k, recorded[k], f[m]) for k, m in keys if k in recorded and m in f]
            differ = [f"{k} recorded {r:.4f} vs {now:.4f} now" for k, r, now in rows
                      if abs(r - now) > 1e-4 * max(1.0, abs(r))]
            print("  recorded in the checkpoint's config.json: "
                  + ", ".join(f"{k} {r:.4f}" for k, r, _ in rows)
                  + (" -> all match" if not differ else " -> DIFFERS: " + "; ".join(differ)))

    for label, folder in ((f"pretrained VAE (checkpoints/{args.models}-vae-2d)", f"{args.models}-vae-2d"),
                          (f"pretrained AE  (checkpoints/{args.models}-ae-2d)", f"{args.models}-ae-2d")):
        model = load_checkpoint(_common.ROOT / "checkpoints" / folder)
        meta = model.meta
        cfg = model.config
        print(f"{folder}: {cfg.kind} {cfg.arch} latent {cfg.latent_dim} hidden {cfg.hidden}; "
              f"trained {meta.get('epochs')} epochs on {_data_words(meta.get('dataset', {}))}")
        report(label, figures(model.module), meta.get("metrics"))

    if args.epochs <= 0:
        print(_common.load_line())
        return 0
    print(f"training a fresh conv VAE for {args.epochs} epochs (AutoencoderTrainer, app defaults)…",
          flush=True)
    tcfg = TrainConfig(epochs=args.epochs)
    trainer = AutoencoderTrainer(AEConfig(kind="vae", arch="conv", latent_dim=2), tcfg, ds,
                                 device="cpu")
    t0 = time.perf_counter()
    gen = trainer.run()
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        result = stop.value
    wall = time.perf_counter() - t0
    f = figures(trainer.model)
    report(f"fresh conv VAE, {args.epochs} epochs", f,
           extra=f"; training wall time = {wall:.1f} s "
                 f"({args.epochs * len(ds.train) / wall:.0f} images/s incl. the job's evaluations)")
    from models.autoencoder.training import epoch_test_size
    job = result.test_losses
    size = epoch_test_size(trainer.config, len(ds.train), len(ds.test))
    print(f"  the job's own last per-epoch test losses (first {size} held-out images): "
          + ", ".join(f"{k} {v:.2f}" for k, v in job.items()) + f"; {_common.load_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
