"""Training throughput of the app's job against a bare PyTorch loop on the same work.

    .venv/bin/python benchmarks/overhead.py [--data DIR] [--reps 2] [--no-runner]

All variants train the same model (conv VAE, latent 2, hidden 256) from the same seed on the
same data (the 8000 training images of the shared MNIST, float32 on the CPU), batch 128,
Adam lr 1e-3, loss models.autoencoder.nets.loss_terms with β = 1, and the same shuffling and noise
generators, so they compute the same weights. Each run does 4 epochs; the first is a warm-up
and is discarded, throughput = 3 × 8000 images / time of epochs 2–4.

  bare    a plain loop: randperm (seeded seed + epoch, as the job), index, loss_terms,
          zero_grad, backward, step.
  app     AutoencoderTrainer.run() driven by a plain `for` loop that throws every event away,
          i.e. everything the job itself does: per-step Step events with float() losses,
          live previews (every 0.5 s) and snapshots (weights + 2000 codes, every 1.5 s), the
          end-of-epoch test evaluation.
  runner  the same job through playground.worker.JobRunner in a QApplication (offscreen):
          a superqt WorkerBase on a pool thread, events handed over through a deque and delivered at 30 Hz to
          the GUI thread, which drops the events; the GUI thread keeps one torch thread and
          the job's thread gets the cores, as in the app (playground.torch_threads).
  bare-thread  the bare loop on a plain Python thread after the main thread has touched torch,
          without that thread policy: shows what the policy is for.

Each run is a fresh process, so no variant inherits another's torch thread state.

Epoch boundaries are stamped where they happen (bare: after the last step of the epoch;
app/runner: when the job yields EpochEnd, on the job's own thread), so the job's end-of-epoch
evaluation is part of its epoch, as a user waits for it.

Runs alternate (bare, app, runner, bare-thread, bare, app, …) to spread drift: at least
--reps rounds, more (up to --max-reps) while the elapsed time is under --budget seconds. The
median of each is reported with the ratios to bare. Target: app/bare ≥ 0.95 (runner/bare is
what the GUI's Train button actually gets, so it is held to the same target).
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import statistics
import time

import _common

TARGET_RATIO = 0.95
EPOCHS = 4          # 1 warm-up + 3 timed
WARMUP = 1
BATCH, LR, BETA, SEED = 128, 1e-3, 1.0, 0


def argparse_hidden():
    return argparse.SUPPRESS   # internal: run one variant in this process and print its figures


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--reps", type=int, default=2, help="runs of each variant, at least (default 2)"),
        p.add_argument("--max-reps", type=int, default=5),
        p.add_argument("--budget", type=float, default=90.0,
                       help="after --reps rounds, start another round only while the elapsed "
                            "time is under this many seconds (default 90)"),
        p.add_argument("--no-runner", action="store_true", help="skip the JobRunner variant"),
        p.add_argument("--no-thread", action="store_true", help="skip the bare-thread variant"),
        p.add_argument("--one", default=None, help=argparse_hidden())))
    _common.offscreen()
    _common.isolate_settings()

    import numpy as np
    import torch

    from models.autoencoder.nets import AEConfig, build_model, loss_terms
    from models.data import load_dataset, to_float
    from models.events import EpochEnd
    from models.autoencoder.training import AutoencoderTrainer, TrainConfig

    if args.one is None:
        print(_common.machine_line())
    ds = load_dataset(args.data)
    n = len(ds.train)
    if args.one is None:
        print(f"data: {ds.source}; train {n}, held out {len(ds.test)}")
    model_cfg = AEConfig(kind="vae", arch="conv", latent_dim=2)
    dev = torch.device("cpu")
    train_x = torch.from_numpy(to_float(ds.train.images)).to(dev)
    timed_images = (EPOCHS - WARMUP) * n

    def throughput(stamps: list[float]) -> float:
        # stamps[e] = when epoch e+1 ended; the timed span runs from the end of the warm-up
        # epoch to the end of the last one
        return timed_images / (stamps[EPOCHS - 1] - stamps[WARMUP - 1])

    def run_bare():
        torch.manual_seed(SEED)
        model = build_model(model_cfg).to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        noise = torch.Generator(device=dev).manual_seed(SEED + 1)
        steps = math.ceil(n / BATCH)
        model.train()
        stamps, last = [], None
        for epoch in range(1, EPOCHS + 1):
            # the job's order: epoch e shuffles from seed + e (DistributedSampler's rule,
            # which lets a run resume mid-epoch), so both variants do the same computation
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(SEED + epoch)).to(dev)
            for b in range(steps):
                batch = train_x[perm[b * BATCH:(b + 1) * BATCH]]
                terms = loss_terms(model, batch, BETA, noise)
                opt.zero_grad(set_to_none=True)
                terms["loss"].backward()
                opt.step()
                last = terms["loss"]
            stamps.append(time.perf_counter())
        return throughput(stamps), float(last.detach())

    def make_trainer():
        tcfg = TrainConfig(epochs=EPOCHS, batch_size=BATCH, lr=LR, beta=BETA, seed=SEED)
        return AutoencoderTrainer(model_cfg, tcfg, ds, device="cpu")

    def stamped(job, stamps: list[float], last: dict, cost: dict | None = None):
        """Pass the job's events through, stamping each EpochEnd on the job's own thread.

        `cost` collects, per event type, the time the job spent producing those events
        (from resuming the generator to its next yield), counted after the warm-up epoch.
        """
        ev, t = None, time.perf_counter()
        try:
            ev = next(job)
            while True:
                now = time.perf_counter()
                if cost is not None and WARMUP <= len(stamps) < EPOCHS:
                    name = type(ev).__name__
                    cost[name] = cost.get(name, 0.0) + now - t
                if isinstance(ev, EpochEnd):
                    stamps.append(now)
                elif hasattr(ev, "losses"):
                    last["loss"] = ev.losses["loss"]
                yield ev
                t = time.perf_counter()
                ev = job.send(None)
        except StopIteration as stop:
            return stop.value

    app_cost: dict[str, float] = {}
    app_timed: list[float] = []

    def run_app():
        trainer = make_trainer()
        stamps, last, cost = [], {}, {}
        events = 0
        for _ in stamped(trainer.run(), stamps, last, cost):
            events += 1
        for k, v in cost.items():
            app_cost[k] = app_cost.get(k, 0.0) + v
        app_timed.append(stamps[EPOCHS - 1] - stamps[WARMUP - 1])
        return throughput(stamps), last["loss"], events

    app = None
    if args.one == "runner":
        # As the app does: MainWindow reserves the cores for jobs before the GUI thread uses
        # torch, then the GUI thread decodes (clicks) while the job trains on a pool thread.
        from PySide6.QtWidgets import QApplication
        app = QApplication.instance() or QApplication([])
        _common.guard_none_refcount()
        from playground.torch_threads import reserve_cores_for_jobs
        from playground.worker import JobRunner
        reserve_cores_for_jobs()
        with torch.no_grad():
            build_model(model_cfg).decode(torch.zeros(1, 2))

    def run_runner():
        runner = JobRunner()
        trainer = make_trainer()
        stamps, last = [], {}
        got = {"events": 0, "result": None, "failed": None}

        def on_events(evs):
            got["events"] += len(evs)

        def on_finished(result):
            got["result"] = result
            app.quit()

        def on_failed(msg):
            got["failed"] = msg
            app.quit()
        runner.events.connect(on_events)
        runner.finished.connect(on_finished)
        runner.failed.connect(on_failed)
        runner.start(lambda: stamped(trainer.run(), stamps, last))
        app.exec()
        from PySide6.QtCore import QThreadPool
        QThreadPool.globalInstance().waitForDone()   # the pool thread is still leaving run()
        app.processEvents()
        if got["failed"] or got["result"] is None:
            raise RuntimeError(f"JobRunner run did not finish: {got}")
        runner.deleteLater()
        return throughput(stamps), last["loss"], got["events"]

    def run_bare_thread():
        import threading
        box = {}

        with torch.no_grad():   # the main thread touches torch first, with no thread policy
            build_model(model_cfg).decode(torch.zeros(1, 2))

        def target():
            box["out"] = run_bare()
        th = threading.Thread(target=target)
        th.start()
        th.join()
        return box["out"]

    functions = {"bare": run_bare, "app": run_app, "runner": run_runner,
                 "bare-thread": run_bare_thread}
    if args.one is not None:
        out = functions[args.one]()
        print("ONE " + json.dumps({"out": list(out), "cost": app_cost, "timed": app_timed}))
        return 0

    # Every run is a fresh process, so no run inherits another's torch thread state.
    def in_child(name):
        def run():
            proc = subprocess.run([sys.executable, __file__, "--one", name, "--data", args.data],
                                  capture_output=True, text=True)
            line = [ln for ln in proc.stdout.splitlines() if ln.startswith("ONE ")]
            if proc.returncode or not line:
                raise RuntimeError(f"{name} run failed:\n{proc.stderr[-3000:]}")
            got = json.loads(line[-1][4:])
            for k, v in got["cost"].items():
                app_cost[k] = app_cost.get(k, 0.0) + v
            app_timed.extend(got["timed"])
            return got["out"]
        return run

    names = ["bare", "app"] + ([] if args.no_runner else ["runner"]) + \
        ([] if args.no_thread else ["bare-thread"])
    variants = [(name, in_child(name)) for name in names]
    results = {name: [] for name, _ in variants}
    final_loss = {name: [] for name, _ in variants}
    t_all = time.perf_counter()
    rep = 0
    while rep < args.reps or (rep < args.max_reps and time.perf_counter() - t_all < args.budget):
        rep += 1
        for name, fn in variants:
            out = fn()
            results[name].append(out[0])
            final_loss[name].append(out[1])
            extra = f", {out[2]} events" if len(out) > 2 else ""
            print(f"  rep {rep} {name:11s}: {out[0]:8.0f} images/s (last step loss {out[1]:.4f}{extra}); "
                  f"{_common.load_line()}", flush=True)
    print(f"total benchmark time {time.perf_counter() - t_all:.0f} s")

    med = {k: statistics.median(v) for k, v in results.items()}
    same = all(np.allclose(final_loss[k], final_loss["bare"], rtol=1e-4) for k in final_loss)
    print(f"same computation check (last-step loss equal across variants): "
          f"{'yes' if same else 'NO: ' + str(final_loss)}")
    print()
    for k, v in med.items():
        print(f"RESULT overhead {k} throughput median = {v:.0f} images/s "
              f"(runs: {', '.join(f'{x:.0f}' for x in results[k])})")
    total = sum(app_timed)
    what = {"Step": "training steps", "EpochEnd": "end-of-epoch test evaluation",
            "Snapshot": "snapshots (weights + 2000 codes)", "Preview": "previews"}
    parts = ", ".join(f"{what.get(k, k)} {v / total:.1%}"
                      for k, v in sorted(app_cost.items(), key=lambda kv: -kv[1]))
    other = 1 - sum(app_cost.values()) / total
    print(f"app job's time in the timed epochs (all reps), by the event it was producing: {parts}; "
          f"the consuming loop {other:.1%}")
    r = med["app"] / med["bare"]
    print(f"RESULT overhead ratio app/bare = {r:.3f}  (target ≥ {TARGET_RATIO}: "
          f"{_common.verdict(r >= TARGET_RATIO)})")
    if "runner" in med:
        r2 = med["runner"] / med["bare"]
        print(f"RESULT overhead ratio runner/bare = {r2:.3f}  (target ≥ {TARGET_RATIO}: "
              f"{_common.verdict(r2 >= TARGET_RATIO)})")
    if "bare-thread" in med:
        r3 = med["bare-thread"] / med["bare"]
        print(f"RESULT overhead ratio bare-thread/bare = {r3:.3f}  (no target: the same loop on a "
              "thread whose process did not reserve the cores, i.e. without playground.torch_threads)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
