"""Cold start: wall time from launching a fresh Python process until the main window is shown.

    .venv/bin/python benchmarks/cold_start.py [--runs 5]

Each run starts `python -c CHILD` (this venv's interpreter, offscreen platform, a throw-away
settings file). The child runs the app's own playground.app.start_app (what run_app runs):
import torch, then PySide6 and pyqtgraph, set pyqtgraph's options, create the QApplication,
import playground.main_window, build MainWindow() (only the tab on screen is built: the
Autoencoders panel loads both shipped checkpoints and encodes the bundled 2000 digits; the
other tabs are built when first shown), show() it, processEvents(), then prints "SHOWN …"
and leaves at once with os._exit(0). The parent measures perf_counter from just before Popen to the moment it
reads the "SHOWN" line. The child also reports when each phase ended (wall clock, time.time(),
relative to the parent's launch time) so the total can be broken down, and its CPU time
(time.process_time()), which a busy machine disturbs far less than the wall time.

Target: median ≤ 3 s.
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

TARGET_S = 3.0

CHILD = r"""
import time; _t = {"interp": time.time()}
import os, sys
from playground.app import start_app
app, window, collector = start_app(None, mark=lambda name: _t.__setitem__(name, time.time()))
cpu = time.process_time()
sys.stdout.write("SHOWN " + " ".join(f"{k}={v!r}" for k, v in _t.items()) + f" cpu={cpu!r}\n")
sys.stdout.flush()
os._exit(0)
"""

PHASES = (("interp", "interpreter start"), ("import_torch", "import torch"),
          ("import_qt", "import PySide6+pyqtgraph"), ("qapp", "QApplication"),
          ("import_app", "import playground.main_window"),
          ("mainwindow", "MainWindow() (builds the tab on screen only)"),
          ("shown", "show()+processEvents()"))


def one_run(settings_dir: Path, i: int) -> tuple[float, dict[str, float], str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PLAYGROUND_SETTINGS"] = str(settings_dir / f"settings-{i}.ini")
    env["PYTHONPATH"] = str(_common.ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    wall0 = time.time()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD], cwd=str(_common.ROOT), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shown, line = None, ""
    try:
        for line in proc.stdout:
            if line.startswith("SHOWN"):
                shown = time.perf_counter() - t0
                break
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    if shown is None:
        return float("nan"), {}, err.strip()[-2000:] or f"exit code {proc.returncode}"
    marks = {}
    for part in line.split()[1:]:
        k, v = part.split("=", 1)
        marks[k] = float(v) if k == "cpu" else float(v) - wall0
    return shown, marks, ""


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--runs", type=int, default=5),), needs_data=False)
    print(_common.machine_line())
    print(f"interpreter: {sys.executable}; PYTHONDONTWRITEBYTECODE="
          f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '(unset)')}")
    settings_dir = Path(tempfile.mkdtemp(prefix="gp-bench-cold-"))
    times, phases, failures = [], [], []
    for i in range(args.runs):
        t, marks, err = one_run(settings_dir, i)
        if t != t:
            failures.append(err)
            print(f"  run {i + 1}: FAILED: {err}")
            continue
        times.append(t)
        phases.append(marks)
        steps, prev = [], 0.0
        for key, _label in PHASES:
            if key in marks:
                steps.append(f"{key} +{marks[key] - prev:.2f}")
                prev = marks[key]
        print(f"  run {i + 1}: {t:.2f} s, CPU {marks['cpu']:.2f} s  ({', '.join(steps)}; "
              f"{_common.load_line()})", flush=True)
    print()
    if phases:
        prev = {}
        print("median time spent in each phase:")
        for key, label in PHASES:
            durs = []
            for m in phases:
                keys = [k for k, _ in PHASES]
                j = keys.index(key)
                start = m.get(keys[j - 1], 0.0) if j else 0.0
                if key in m:
                    durs.append(m[key] - start)
            if durs:
                print(f"  {label:45s} {statistics.median(durs):.2f} s")
    if phases:
        # CPU time of the GUI process is far less disturbed by other processes than wall time
        print(f"RESULT cold_start CPU time median = {statistics.median(m['cpu'] for m in phases):.2f} s")
    if times:
        mn, med = min(times), statistics.median(times)
        print(f"RESULT cold_start min = {mn:.2f} s")
        print(f"RESULT cold_start median = {med:.2f} s  (target ≤ {TARGET_S:.0f} s: "
              f"{_common.verdict(med <= TARGET_S)})  [{len(times)} runs: "
              f"{', '.join(f'{t:.2f}' for t in times)}]")
    print(f"RESULT cold_start failed runs = {len(failures)} of {args.runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
