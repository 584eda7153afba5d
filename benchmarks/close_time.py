"""Close time: from closing the main window mid-training until the process has exited.

    .venv/bin/python benchmarks/close_time.py [--runs 3] [--data DIR]

Each run starts a fresh `python -c CHILD` (offscreen, a throw-away settings file) that runs
the app's own start_app and exec_and_exit (what playground.app.run_app runs), starts a
conv-VAE training on the shared MNIST from the Autoencoders panel as the Train button does,
and once the loss curve has 20 points prints "CLOSING" and calls
window.close(), as the title bar's close button does. The parent measures perf_counter from
reading "CLOSING" to the process's exit (Popen.wait); the child also reports when close()
returned, when app.exec() returned and when the last atexit handler ran, so the total splits
into: stopping the jobs (close), leaving the event loop, and the process's exit (the app skips
the interpreter's module teardown, which took 3–4 s after a training run: see app.py).

Target: ≤ 2 s.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

TARGET_S = 2.0

CHILD = r"""
import atexit, sys, time
atexit.register(lambda: print("ATEXIT", flush=True))   # registered first, so it runs last
from PySide6.QtCore import QTimer
from playground.app import exec_and_exit, start_app
app, window, collector = start_app("cpu")
panel = window.autoencoder
panel.training.set_values({"dataset": sys.argv[1], "epochs": 20, "kind": "vae", "arch": "conv"})
panel.start_training()

def close():
    if panel.training.curves.point_count() < 20:
        QTimer.singleShot(50, close)
        return
    print("CLOSING", flush=True)
    t0 = time.perf_counter()
    window.close()                     # as the title bar's close button does
    print(f"CLOSED {time.perf_counter() - t0:.3f} busy={panel.runner.busy}", flush=True)

QTimer.singleShot(200, close)
_exec = app.exec
app.exec = lambda: (_exec(), print("EXEC_RETURNED", flush=True))[0]
exec_and_exit(app, collector)
"""


def one_run(data: str, settings: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PLAYGROUND_SETTINGS=str(settings))
    env["PYTHONPATH"] = str(_common.ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, data], cwd=str(_common.ROOT), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    marks: dict = {}
    t_closing = None
    for line in proc.stdout:
        now = time.perf_counter()
        if line.startswith("CLOSING"):
            t_closing = now
        elif line.startswith("CLOSED") and t_closing is not None:
            marks["close() returned"] = now - t_closing
            marks["close() itself"] = float(line.split()[1])
        elif line.startswith("EXEC_RETURNED") and t_closing is not None:
            marks["event loop left"] = now - t_closing
        elif line.startswith("ATEXIT") and t_closing is not None:
            marks["atexit"] = now - t_closing
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        marks["error"] = "did not exit within 120 s of closing"
    if t_closing is not None:
        marks["exited"] = time.perf_counter() - t_closing
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if t_closing is None or proc.returncode != 0:
        marks["error"] = f"exit code {proc.returncode}: {err.strip()[-1500:]}"
    return marks


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--runs", type=int, default=3),))
    print(_common.machine_line())
    folder = Path(tempfile.mkdtemp(prefix="gp-bench-close-"))
    totals = []
    for i in range(args.runs):
        marks = one_run(args.data, folder / f"settings-{i}.ini")
        if "error" in marks:
            print(f"  run {i + 1}: FAILED: {marks['error']}")
            continue
        totals.append(marks["exited"])
        print(f"  run {i + 1}: exited {marks['exited']:.2f} s after close (close() took "
              f"{marks['close() itself']:.2f} s; event loop left at {marks.get('event loop left', float('nan')):.2f} s, "
              f"last atexit handler at {marks.get('atexit', float('nan')):.2f} s; "
              f"{_common.load_line()})", flush=True)
    if totals:
        med = statistics.median(totals)
        print(f"RESULT close_time median = {med:.2f} s  (target ≤ {TARGET_S:.0f} s: "
              f"{_common.verdict(med <= TARGET_S)})  [{len(totals)} runs: "
              f"{', '.join(f'{t:.2f}' for t in totals)}]")
    print(f"RESULT close_time failed runs = {args.runs - len(totals)} of {args.runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
