"""Speed on a busy computer: idle, then with one core kept busy by another program.

    .venv/bin/python benchmarks/busy_core.py [--data DIR] [--rounds 1] [--threads N] [--env NAME=VALUE]

Two workloads, as a job of the app runs them:
  ddim  the shipped checkpoints/mnist-ddpm, DDIM-20 (η = 0) for 16 images (`model.sample`),
        median of --reps timed runs after one warm-up run;
  vae   a conv VAE (latent 2) training epoch on the 8000 training digits, batch 128, Adam
        (`AutoencoderTrainer.run()`, end-of-epoch test evaluation included); a 2-epoch job,
        the second epoch timed.

Two thread policies, each in a fresh process:
  defaults  torch's defaults: OMP_WAIT_POLICY, GOMP_SPINCOUNT and KMP_BLOCKTIME removed from
            the environment, `playground` never imported, torch's own thread count;
  playground  what the app and `playground train` do (playground/torch_threads.py): the main
            thread reserves the cores as MainWindow does, the work runs on a separate thread
            that calls use_job_threads() as JobRunner's jobs do, and between a job's events it
            uses as many threads as there are cores other processes leave free
            (adapt_job_threads, from /proc/stat; the child reports the counts it used).

Two machine states: idle (whatever else is running), and busy: one more process spinning a
plain Python loop (BUSY_LOOP), started before the child and killed after it.

Figures: for each policy, busy/idle per workload (goal with the playground policy ≤ 2.0;
about 2 is ideal on two cores, where the busy loop takes one of them); and the idle cost,
playground idle / defaults idle (goal ≤ 1.10). Each child prints its CPU time too: threads
that spin show up there. A child that runs past --timeout is stopped and reported as such.
What-ifs: --threads N forces the thread count (no adapting); --env NAME=VALUE runs the
playground children with that setting (e.g. OMP_WAIT_POLICY=PASSIVE, OpenMP threads that sleep
at once instead of spinning), to try another policy without editing the code.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import _common

POLICIES = ("defaults", "playground")
STATES = ("idle", "busy")
WORKLOADS = ("ddim", "vae")
WAIT_VARS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")
# a plain Python loop keeping one core busy; it ends on its own if this script dies first
BUSY_LOOP = ("import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n"
             "    for _ in range(1_000_000):\n        pass\n")
RATIO_GOAL = 2.0
IDLE_COST_GOAL = 1.10


def child(policy: str, data: str, reps: int, threads: int | None) -> dict:
    """Runs in the fresh process: the two workloads under `policy`; returns the figures."""
    import threading

    import torch

    from models import load_checkpoint, load_dataset
    from models.autoencoder.nets import AEConfig
    from models.events import EpochEnd
    from models.autoencoder.training import AutoencoderTrainer, TrainConfig

    out: dict = {"wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)")}
    used: set[int] = set()

    def between():
        """What the app's worker and the CLI do between two events of a job: look at the free
        cores again (at most once a second)."""
        if policy == "playground" and not threads:
            from playground.torch_threads import adapt_job_threads
            adapt_job_threads()
        used.add(torch.get_num_threads())

    def work():
        if threads:
            torch.set_num_threads(threads)
        model = load_checkpoint(_common.ROOT / "checkpoints" / "mnist-ddpm")
        runs = []
        for run in range(reps + 1):                      # the first run is a warm-up
            gen = torch.Generator().manual_seed(run)
            between()       # the app's sampling job yields a frame per step: 20 per run
            start = time.perf_counter()
            model.sample(16, steps=20, eta=0.0, generator=gen)
            if run:
                runs.append(time.perf_counter() - start)
        out["ddim"] = statistics.median(runs)
        out["ddim_runs"] = runs
        ds = load_dataset(data)
        trainer = AutoencoderTrainer(AEConfig(kind="vae", arch="conv", latent_dim=2),
                                     TrainConfig(epochs=2, batch_size=128, seed=0), ds, "cpu")
        stamps = [time.perf_counter()]
        for event in trainer.run():
            between()
            if isinstance(event, EpochEnd):
                stamps.append(time.perf_counter())
        out["vae"] = stamps[2] - stamps[1]

    cpu0 = time.process_time()
    if policy == "playground":
        from playground.torch_threads import reserve_cores_for_jobs, use_job_threads
        reserve_cores_for_jobs()                    # the GUI thread, as MainWindow does

        def job():
            use_job_threads()                       # as JobRunner's worker does
            work()
        thread = threading.Thread(target=job)
        thread.start()
        thread.join()
    else:
        work()
    out["cpu_s"] = time.process_time() - cpu0
    out["threads"] = "/".join(str(n) for n in sorted(used))
    return out


def run_child(policy: str, state: str, args) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in WAIT_VARS}
    if policy == "playground":
        env.update(args.env)        # what-if settings: the playground keeps a user's choice
    cmd = [sys.executable, __file__, "--child", policy, "--data", args.data, "--reps", str(args.reps)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    hog = subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) if state == "busy" else None
    start = time.perf_counter()
    try:
        if hog is not None:
            time.sleep(0.3)                         # let it take its core
        load = _common.load_line()
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return {"timeout": True, "load": load, "wall": time.perf_counter() - start}
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("CHILD ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{policy}/{state} run failed:\n{proc.stderr[-3000:]}")
    got = json.loads(lines[-1][len("CHILD "):])
    got["load"] = load
    return got


def main() -> int:
    def extra(p):
        p.add_argument("--rounds", type=int, default=1,
                       help="repeat the four runs this many times; medians (default 1)")
        p.add_argument("--reps", type=int, default=3, help="timed DDIM-20 runs per child (default 3)")
        p.add_argument("--threads", type=int, default=None,
                       help="what-if: force this many intra-op threads in both policies")
        p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                       help="what-if: run the playground children with this in the environment "
                            "(e.g. GOMP_SPINCOUNT=20000, which the playground then keeps); repeatable")
        p.add_argument("--timeout", type=float, default=90.0,
                       help="seconds before a child is stopped (default 90)")
        p.add_argument("--child", choices=POLICIES, default=None, help=argparse_hidden())
    args = _common.parse_args(__doc__.splitlines()[0], extra)

    if args.child:
        print("CHILD " + json.dumps(child(args.child, args.data, args.reps, args.threads)), flush=True)
        return 0

    try:
        args.env = dict(item.split("=", 1) for item in args.env)
    except ValueError:
        raise SystemExit(f"--env takes NAME=VALUE, not {args.env}")
    print(_common.machine_line())
    if args.env:
        print(f"what-if: the playground children run with {args.env} in their environment")
    mine = {k: os.environ[k] for k in WAIT_VARS if k in os.environ}
    if mine:
        print(f"note: your environment sets {mine}; the children run without it, to compare "
              "torch's defaults with the playground's own choice")
    t_all = time.perf_counter()
    results = {(p, s): [] for p in POLICIES for s in STATES}
    for rnd in range(1, args.rounds + 1):
        # The two policies next to each other in each state, first one then the other in
        # turn from round to round: a slow drift in the machine's speed (a VM's host, the
        # wake of the busy runs) then hits both policies alike.
        order = POLICIES if rnd % 2 else POLICIES[::-1]
        for state in STATES:
            for policy in order:
                got = run_child(policy, state, args)
                results[policy, state].append(got)
                if got.get("timeout"):
                    print(f"  round {rnd} {policy:10s} {state}: did not finish in {args.timeout:.0f} s; "
                          f"{got['load']}", flush=True)
                    continue
                print(f"  round {rnd} {policy:10s} {state}: DDIM-20 {got['ddim']:.2f} s "
                      f"(runs {', '.join(f'{x:.2f}' for x in got['ddim_runs'])}), "
                      f"VAE epoch {got['vae']:.2f} s, CPU time {got['cpu_s']:.1f} s, "
                      f"{got['threads']} threads, OMP_WAIT_POLICY={got['wait_policy']}; "
                      f"{got['load']}", flush=True)
    print(f"total benchmark time {time.perf_counter() - t_all:.0f} s; now {_common.load_line()}")
    print()

    def med(policy, state, work) -> tuple[float, bool]:
        """The median seconds, and whether it is only a lower bound (a run hit --timeout)."""
        runs = results[policy, state]
        vals = [args.timeout if r.get("timeout") else r[work] for r in runs]
        return statistics.median(vals), any(r.get("timeout") for r in runs)

    def seconds(value: tuple[float, bool]) -> str:
        return f"{'≥ ' if value[1] else ''}{value[0]:.2f} s"

    def ratio(num: tuple[float, bool], den: tuple[float, bool], goal: float | None) -> str:
        """num/den; a bound when a run timed out, with a verdict only where it is decided."""
        r = num[0] / den[0]
        if num[1] and den[1]:
            return "unknown (runs on both sides hit --timeout)"
        text = f"{'≥ ' if num[1] else '≤ ' if den[1] else ''}{r:.2f}"
        if goal is not None:
            if num[1] and r > goal:
                text += f"; {_common.verdict(False)} (≤ {goal:g})"
            elif den[1] and r <= goal:
                text += f"; {_common.verdict(True)} (≤ {goal:g})"
            elif not (num[1] or den[1]):
                text += f"; {_common.verdict(r <= goal)} (≤ {goal:g})"
            else:
                text += f"; undecided (≤ {goal:g}): a run hit --timeout"
        return text

    names = {"ddim": "DDIM-20, 16 images", "vae": "conv-VAE epoch"}
    for work in WORKLOADS:
        for policy in POLICIES:
            idle, busy = med(policy, "idle", work), med(policy, "busy", work)
            goal = RATIO_GOAL if policy == "playground" else None
            print(f"RESULT busy_core {names[work]}, {policy}: idle {seconds(idle)}, "
                  f"busy {seconds(busy)}, busy/idle = {ratio(busy, idle, goal)}")
        cost = ratio(med("playground", "idle", work), med("defaults", "idle", work), IDLE_COST_GOAL)
        gain = ratio(med("defaults", "busy", work), med("playground", "busy", work), None)
        print(f"RESULT busy_core {names[work]}, idle cost (playground idle / defaults idle) = {cost}")
        print(f"RESULT busy_core {names[work]}, busy: defaults / playground = {gain} "
              "(how many times faster the playground policy is with a core busy)")
    if any(r.get("timeout") for rs in results.values() for r in rs):
        print(f"(a run stopped at --timeout counts as {args.timeout:.0f} s for each workload: "
              "figures with it are bounds, marked ≥ or ≤)")
    return 0


def argparse_hidden():
    import argparse
    return argparse.SUPPRESS


if __name__ == "__main__":
    raise SystemExit(main())
