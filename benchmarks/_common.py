"""Helpers shared by the benchmark scripts: paths, arguments, machine line, percentiles.

Nothing here imports Qt or torch at module level, so each script decides when those load
(cold_start.py in particular must not pay for them in the parent).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
# speed benchmarks read the small mnist/ (the 10,000 test digits, split 8,000/2,000); quality
# benchmarks measure the shipped models on MNIST's official split in mnist-full/
DEFAULT_DATA = DATASETS / "mnist"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args(description: str, extra=None, needs_data: bool = True,
               data_default: str = "mnist", argv=None) -> argparse.Namespace:
    """The shared options; `argv` (default: the command line) lets a test call a script's main()."""
    default = DATASETS / data_default
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", default=str(default),
                   help=f"folder with the MNIST IDX files (default: {default})")
    if extra is not None:
        extra(p)
    args = p.parse_args(argv)
    args.data = str(Path(args.data).expanduser().resolve())
    if needs_data and not Path(args.data).is_dir():
        p.error(f"no data folder at {args.data}; pass --data")
    return args


def isolate_settings() -> str:
    """Point the app's QSettings at a throw-away ini so user settings are never touched."""
    path = str(Path(tempfile.mkdtemp(prefix="gp-bench-")) / "settings.ini")
    os.environ["PLAYGROUND_SETTINGS"] = path
    return path


def offscreen() -> None:
    """Must run before PySide6 is imported."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    import torch
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    return (f"machine: cpu={cpu_model()!r} cores={cores} (usable {usable}) "
            f"python={platform.python_version()} torch={torch.__version__} "
            f"torch.get_num_threads()={torch.get_num_threads()} {load_line()}{busy_warning()}")


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)    # idle + iowait
    return sum(fields), idle


def busy_warning(sample_s: float = 0.5) -> str:
    """How busy the CPUs are right now (other processes), with a warning when it matters."""
    try:
        t0, i0 = _cpu_times()
        time.sleep(sample_s)
        t1, i1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return ""
    busy = 1 - (i1 - i0) / max(1, t1 - t0)
    line = f" cpu-busy-before-start={busy:.0%}"
    if busy > 0.25:
        line += (f"\nWARNING: other processes keep the CPUs {busy:.0%} busy as the benchmark starts; "
                 "timings will be slower and noisier than on an idle machine")
    return line


def load_line() -> str:
    """The load average: other processes on this 2-core machine skew every timing here."""
    try:
        one, five, _ = os.getloadavg()
        return f"loadavg(1m,5m)={one:.2f},{five:.2f}"
    except OSError:
        return "loadavg=n/a"


def none_refs() -> int:
    return sys.getrefcount(None)


def none_leak_per_void_call(n: int = 2000) -> float:
    """References to None lost per call of a void Qt method (0 on a healthy PySide6).

    PySide6 6.12.0's abi3 wheels, on Python < 3.12 (where None is not immortal), return None
    from every void method without taking a reference to it, so each call drops None's count
    by one; when it reaches zero the interpreter aborts with
    "Fatal Python error: none_dealloc: deallocating None".
    """
    from PySide6.QtCore import QPointF
    p = QPointF()
    before = sys.getrefcount(None)
    for _ in range(n):
        p.setX(1.0)
    return (before - sys.getrefcount(None)) / n


_BALLAST = 1 << 40


def guard_none_refcount(enable: bool = True) -> str:
    """Detect the PySide6 None-refcount leak and, if asked, keep this process alive despite it.

    The workaround adds 2**40 to None's reference count (CPython < 3.12 keeps it in the
    object's first word), which is never given back, so the leak can no longer reach zero.
    It changes no timing: the leak's decrements happen either way. Returns a line to print.
    """
    import PySide6
    leak = none_leak_per_void_call()
    ident = (f"PySide6 {PySide6.__version__} on Python {platform.python_version()}: "
             f"{leak:.2f} reference(s) to None lost per void Qt call")
    if leak < 0.5:
        return f"none-refcount check: OK ({ident})"
    if sys.version_info >= (3, 12):
        return f"none-refcount check: leak present but harmless, None is immortal ({ident})"
    if not enable:
        return (f"none-refcount check: BUG ({ident}); workaround DISABLED, this process will "
                f"abort once about {none_refs():,} more void calls have been made")
    import ctypes
    ctypes.c_ssize_t.from_address(id(None)).value += _BALLAST
    return (f"none-refcount check: BUG ({ident}); without a workaround this process would abort "
            "with 'none_dealloc: deallocating None' -- workaround applied (None's refcount "
            "raised by 2**40) so the benchmark can finish")


def none_refs_lost_since(start: int) -> int:
    """How many references to None were lost since `start` (a none_refs() value)."""
    return start - sys.getrefcount(None)


def percentile(values, q: float) -> float:
    import numpy as np
    return float(np.percentile(np.asarray(values, float), q)) if len(values) else float("nan")


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def gui_app(reserve_cores: bool = True):
    """The QApplication with pyqtgraph configured as the app does it, and the GUI thread on
    one torch thread as MainWindow sets it (`reserve_cores`); prints the header."""
    from PySide6.QtWidgets import QApplication

    from playground.app import configure_pyqtgraph
    configure_pyqtgraph()
    app = QApplication.instance() or QApplication([])
    if reserve_cores:
        from playground.torch_threads import reserve_cores_for_jobs
        reserve_cores_for_jobs()
    print(machine_line())
    print(f"Qt platform: {app.platformName()}")
    print(guard_none_refcount())
    return app


def open_main_window():
    """The app's main window as `playground` opens it (CPU device), shown; prints the header."""
    app = gui_app(reserve_cores=False)      # MainWindow reserves them itself
    from playground.main_window import MainWindow

    win = MainWindow(device="cpu")
    win.show()
    app.processEvents()
    return app, win
