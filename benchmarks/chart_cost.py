"""What a live training curve costs the GUI thread as a run grows: the shared CurveChart
(bounded series) against the two ways the panels drew before it, which kept every point.

    .venv/bin/python benchmarks/chart_cost.py [--sizes 1000 10000 100000] [--reps 15]

For each run length N (one loss value per step, noisy and falling):
  append   time to hand the chart all N values, per value (the event handler's share)
  setData  the chart's redraw() with N steps so far (after one new value): the arrays handed
           to pyqtgraph; median of --reps
  repaint  that redraw plus a full repaint of the 480×300 chart (grab()), what the panels'
           redraw timer costs the GUI thread in all; median of --reps
The "old" charts are the data paths of the charts this one replaced, kept here as references:
  old, every point, downsampled   the diffusion trainer's LossPlot: every step in lists, both
                                  curves fed whole to setData, pyqtgraph's peak downsampling
                                  and clipping on
  old, every point, plain         the autoencoder's LossCurves: every step, no downsampling
Figures depend on the machine and its load; the script prints `uptime` with them.
"""
from __future__ import annotations

import statistics
import subprocess
import time

import _common

_common.offscreen()
_common.isolate_settings()

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from playground.curve_chart import CurveChart  # noqa: E402

SIZE = (480, 300)


class _OldEveryPoint(pg.PlotWidget):
    """The replaced charts' data path: every value in lists, fed whole to setData."""

    def __init__(self, downsample: bool):
        super().__init__(background="w")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.raw = self.plot(pen=pg.mkPen("#a9c1de", width=1))
        self.smooth = self.plot(pen=pg.mkPen("#1f77b4", width=2))
        if downsample:
            for item in (self.raw, self.smooth):
                item.setDownsampling(auto=True, method="peak")
                item.setClipToView(True)
        self.steps: list[float] = []
        self.values: list[float] = []
        self.smoothed: list[float] = []
        self._mean = 0.0

    def add(self, step: float, values: dict) -> None:
        v = values["loss"]
        self.steps.append(step)
        self.values.append(v)
        k = len(self.values)
        beta = min(0.98, 1 - 5 / (k + 4))
        self._mean = beta * self._mean + (1 - beta) * v
        self.smoothed.append(self._mean)

    def redraw(self) -> None:
        x = np.asarray(self.steps, float)
        self.raw.setData(x, np.asarray(self.values, float))
        self.smooth.setData(x, np.asarray(self.smoothed, float))


def _losses(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    steps = np.arange(1, n + 1)
    return 0.05 + np.exp(-steps / (n / 5)) * (1 + 0.3 * rng.standard_normal(n))


def measure(make, n: int, reps: int) -> tuple[float, float, float, int]:
    """(append µs per value, setData ms, repaint ms, points stored) for a chart made by
    `make()` fed n values."""
    chart = make()
    chart.resize(*SIZE)
    chart.show()
    QApplication.processEvents()
    ys = _losses(n + reps).tolist()
    t = time.perf_counter()
    for i in range(n):
        chart.add(i + 1, {"loss": ys[i]})
    append_us = (time.perf_counter() - t) / n * 1e6
    data, total = [], []
    for r in range(reps):
        chart.add(n + r + 1, {"loss": ys[n + r]})
        t = time.perf_counter()
        chart.redraw()
        t1 = time.perf_counter()
        chart.grab()                        # the repaint the redraw causes
        data.append(t1 - t)
        total.append(time.perf_counter() - t)
    stored = chart.point_count() if isinstance(chart, CurveChart) else len(chart.steps)
    chart.close()
    return append_us, 1e3 * statistics.median(data), 1e3 * statistics.median(total), stored


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000]),
        p.add_argument("--reps", type=int, default=15)), needs_data=False)
    app = _common.gui_app(reserve_cores=False)  # noqa: F841 (kept alive)
    charts = {
        "CurveChart (bounded)": lambda: CurveChart("loss", "loss", {"loss": "#1f77b4"},
                                                   smooth=0.98, warmup=5),
        "old, every point, downsampled": lambda: _OldEveryPoint(downsample=True),
        "old, every point, plain": lambda: _OldEveryPoint(downsample=False),
    }
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"{'chart':32s} {'N':>8s} {'append µs/value':>16s} {'setData ms':>11s} "
          f"{'repaint ms':>11s} {'points kept':>12s}")
    for n in args.sizes:
        for name, make in charts.items():
            append_us, data_ms, total_ms, stored = measure(make, n, args.reps)
            print(f"{name:32s} {n:8,d} {append_us:16.2f} {data_ms:11.2f} {total_ms:11.2f} "
                  f"{stored:12,d}")
            print(f"RESULT chart_cost {name} N={n}: append {append_us:.2f} µs/value, "
                  f"setData {data_ms:.2f} ms, with repaint {total_ms:.2f} ms", flush=True)


if __name__ == "__main__":
    main()
