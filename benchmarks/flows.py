"""RealNVP's figures (issue 14, section 3): bits/dim on dequantized MNIST test digits, the 2-D
flow's test log-likelihood on two moons, and the time to score and to sample.

    .venv/bin/python benchmarks/flows.py [--image DIR] [--flow2d DIR] [--data DIR]
        [--train-epochs 1] [--train-images 0] [--steps 10000]

Image flow: the checkpoint in --image (kind "image"), or, without one, a flow trained here
by FlowImageTrainer on --data's training split (the default config of `playground train
realnvp --image`: 8 checkerboard couplings, 32 channels; --train-epochs epochs on the first
--train-images digits, 0 = all). Its bits/dim is measured on every held-out digit of --data
(mnist-full: the official 10,000 test digits), each dequantized once with a fixed seed:
bpd = −(log p_x(x) − 784 log 256) / (784 ln 2), the figure the literature reports (RealNVP's
paper: 1.06 on MNIST with a far larger multi-scale model; Glow 1.05).

2-D flow: the checkpoint in --flow2d, or one trained here on 20,000 moons points for --steps
steps (the shipped recipe's settings); its mean −log p on 10,000 fresh moons points (a seed
the training never saw), in nats. For scale: the standardised Gaussian a fresh flow is scores
about 2.4 nats there.

Timing (CPU, one torch thread, medians): scoring one drawn digit (log_prob of a 1×28×28
image, what the panel does per stroke), sampling 16 digits, and for the 2-D flow scoring
10,000 points, sampling 10,000, the 200×200 density grid and the warped plane of 1,000 points.
"""
from __future__ import annotations

import math
import statistics
import time

import _common


def extra(p) -> None:
    p.add_argument("--image", default=None, help="an image RealNVP checkpoint (default: train one)")
    p.add_argument("--flow2d", default=None, help="a 2-D RealNVP checkpoint (default: train one)")
    p.add_argument("--train-epochs", type=int, default=1, help="epochs when training (default 1)")
    p.add_argument("--train-images", type=int, default=0,
                   help="train on the first N training digits (default 0: all)")
    p.add_argument("--steps", type=int, default=10_000, help="2-D training steps (default 10000)")
    p.add_argument("--reps", type=int, default=20, help="timing repetitions (default 20)")


def timed(fn, reps: int) -> float:
    fn()                                        # warm-up
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def train(trainer, show_epochs: bool = True) -> float:
    t0 = time.perf_counter()
    for event in trainer.run():
        if show_epochs and type(event).__name__ == "EpochEnd":
            print(f"  epoch {event.epoch}: train {event.train_losses}, test {event.test_losses}",
                  flush=True)
    return time.perf_counter() - t0


def image_flow(args, ds):
    from models.checkpoint import load_checkpoint
    from models.data import Dataset, Split
    from models.likelihood.flow_api import RealNVPModel
    from models.likelihood.flow_cli import DEFAULTS
    from models.likelihood.flow_training import FlowImageTrainConfig, FlowImageTrainer
    from models.likelihood.realnvp import RealNVPConfig

    if args.image:
        return load_checkpoint(args.image), f"checkpoint {args.image}"
    layers, hidden, depth, batch, lr = DEFAULTS["image"]
    n = args.train_images or len(ds.train)
    sub = Dataset(ds.name, ds.classes, Split(ds.train.images[:n], ds.train.labels[:n]),
                  Split(ds.test.images[:1000], ds.test.labels[:1000]), ds.source)
    config = RealNVPConfig(kind="image", layers=layers, hidden=hidden, depth=depth)
    trainer = FlowImageTrainer(config, FlowImageTrainConfig(epochs=args.train_epochs,
                                                            batch_size=batch, lr=lr), sub, "cpu")
    params = sum(p.numel() for p in trainer.flow.parameters())
    print(f"training an image flow ({layers} couplings, {hidden} channels, {params:,} weights) "
          f"on {n:,} digits for {args.train_epochs} epoch(s)…", flush=True)
    seconds = train(trainer)
    print(f"RESULT image flow training: {trainer.steps_done} steps in {seconds:.0f} s "
          f"({trainer.steps_done / seconds:.2f} steps/s, batch {batch}) "
          f"{_common.load_line()}")
    return RealNVPModel.from_trainer(trainer), (f"trained here: {n:,} digits × "
                                                f"{args.train_epochs} epoch(s), {seconds:.0f} s")


def flow_2d(args):
    from models.checkpoint import load_checkpoint
    from models.likelihood.flow_api import RealNVPModel
    from models.likelihood.flow_cli import DEFAULT_POINTS, DEFAULTS
    from models.likelihood.flow_data import make_points
    from models.likelihood.flow_training import Flow2DTrainConfig, Flow2DTrainer
    from models.likelihood.realnvp import RealNVPConfig

    if args.flow2d:
        return load_checkpoint(args.flow2d), f"checkpoint {args.flow2d}"
    layers, hidden, depth, batch, lr = DEFAULTS["2d"]
    trainer = Flow2DTrainer(make_points("moons", DEFAULT_POINTS, seed=0),
                            RealNVPConfig(layers=layers, hidden=hidden, depth=depth),
                            Flow2DTrainConfig(steps=args.steps, batch_size=batch, lr=lr),
                            "cpu", data_name="moons")
    seconds = train(trainer, show_epochs=False)      # an "epoch" here is 79 steps
    print(f"RESULT 2-D flow training: {args.steps} steps in {seconds:.1f} s "
          f"({args.steps / seconds:.0f} steps/s) {_common.load_line()}")
    return RealNVPModel.from_trainer(trainer), f"trained here, {args.steps} steps"


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], extra, data_default="mnist-full")
    print(_common.machine_line(), flush=True)
    import numpy as np
    import torch

    from models.data import load_dataset
    from models.likelihood.flow_data import make_points
    torch.set_num_threads(1)
    torch.manual_seed(0)

    # ---------------------------------------------------------------- 2-D
    model, where = flow_2d(args)
    test = make_points("moons", 10_000, seed=4242)
    nll = float(-model.log_prob(test).mean())
    print(f"RESULT 2-D RealNVP ({where}): test NLL on 10,000 fresh moons points = {nll:.3f} nats")
    pts1k = torch.randn(1000, 2, generator=torch.Generator().manual_seed(1)).numpy()
    for name, fn in (("score 10,000 points", lambda: model.log_prob(test)),
                     ("sample 10,000 points", lambda: model.sample(10_000)),
                     ("density grid 200×200", lambda: model.density_grid((-2.5, 2.5),
                                                                         (-2.5, 2.5), 200)),
                     ("warped plane, 1,000 points", lambda: model.layers(pts1k))):
        print(f"RESULT 2-D {name}: {1000 * timed(fn, args.reps):.1f} ms")

    # ---------------------------------------------------------------- images
    ds = load_dataset(args.data)
    model, where = image_flow(args, ds)
    t0 = time.perf_counter()
    bpd = model.bits_per_dim(ds.test.images, torch.Generator().manual_seed(1234))
    score_all = time.perf_counter() - t0
    sem = float(bpd.std(ddof=1) / math.sqrt(len(bpd)))
    print(f"RESULT image RealNVP ({where}): {float(bpd.mean()):.3f} ± {sem:.3f} bits/dim on "
          f"{len(bpd):,} dequantized held-out digits of {ds.source} (scored in {score_all:.1f} s); "
          "published RealNVP 1.06, Glow 1.05")
    one = ds.test.images[:1]
    ms = 1000 * timed(lambda: model.log_prob(one), args.reps)
    print(f"RESULT image score one digit: {ms:.1f} ms (target ≤ 50 ms)"
          + ("" if ms <= 50 else " MISSES target"))
    ms = 1000 * timed(lambda: model.sample(16), max(3, args.reps // 4))
    print(f"RESULT image sample 16 digits: {ms:.1f} ms")
    samples = model.sample(16, torch.Generator().manual_seed(0))
    print(f"  samples: mean intensity {float(samples.mean()):.3f} "
          f"(held-out digits {float(np.asarray(ds.test.images, np.float32).mean() / 255):.3f})")
    print(f"{_common.load_line()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
