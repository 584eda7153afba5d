"""Training speed of the 2-D GAN lab with its live picture, against the same loop without UI.

    .venv/bin/python benchmarks/gan2d_speed.py [--seconds 10] [--reps 3] [--data-set 8gaussians]

All variants train the lab's default game from the same seed: 10,000 points of the ring of
8 Gaussians, G and D 3×128 MLPs, noise dim 2, non-saturating loss, Adam 1e-3 for both,
k = 1, batch 256, on the CPU with one torch thread (as the lab's job runs).

  bare        a fresh GAN2DTrainer and `trainer.step()` in a plain loop on the main thread;
              steps/s = steps done in --seconds after a 1 s warm-up.
  lab, all    the Lab2DView (offscreen, 1400×860, pyqtgraph configured as the app does,
              the GUI thread on one torch thread as MainWindow sets it) playing with every
              layer on: real and generated points, D's heat map, G's arrows and the z-grid,
              plus the three charts and the diagnostics. The job makes at most 20 pictures
              a second within a fifth of its time (lab_jobs.py: PICTURE_HZ, PICTURE_BUDGET),
              D's map at 48×48. Play is pressed after Reset; the
              event loop runs for 1 s of warm-up and then --seconds, and steps/s is read off
              the view's own step counter (the steps its Progress events reported).
  lab, off    the same with every layer off: the job then makes only the fixed-z points the
              diagnostics need, and the GUI draws nothing on the plot.

Runs alternate (bare, all, off, bare, …) to spread drift; medians and ratios are printed, and
the all/bare ratio of each round (its three runs share whatever else the machine is doing).
Target (issue 4): lab-with-picture / bare ≥ 0.5, i.e. the picture must not halve training.
Also reported: pictures drawn per second, and how busy the GUI thread was (the share of
wall time spent handling events and painting, measured around the view's event handler and
the plot's paints).
"""
from __future__ import annotations

import statistics
import time

import _common

TARGET = 0.5
WARMUP_S = 1.0


def bare(points, seconds: float) -> float:
    import torch

    from models.gan.toy2d_train import GAN2DTrainer
    torch.set_num_threads(1)
    trainer = GAN2DTrainer(points)
    end = time.perf_counter() + WARMUP_S
    while time.perf_counter() < end:
        trainer.step()
    start, n = time.perf_counter(), trainer.steps_done
    while time.perf_counter() - start < seconds:
        trainer.step()
    return (trainer.steps_done - n) / (time.perf_counter() - start)


def lab(app, view, layers_on: bool, seconds: float, busy: dict) -> tuple[float, float]:
    """(steps/s, pictures/s) of the view playing for `seconds` after a warm-up."""
    from PySide6.QtCore import QEventLoop, QTimer

    for box in view.controls.layer_boxes.values():
        box.setChecked(layers_on)
    view.reset()
    app.processEvents()
    loop = QEventLoop()
    marks = {}

    def mark(name):
        marks[name] = (time.perf_counter(), view.steps_done, busy["pictures"], busy["gui_s"])
        if name == "end":
            view.pause()
            loop.quit()

    QTimer.singleShot(0, view.play)
    QTimer.singleShot(int(WARMUP_S * 1000), lambda: mark("start"))
    QTimer.singleShot(int((WARMUP_S + seconds) * 1000), lambda: mark("end"))
    loop.exec()
    view._stop_and_wait()
    (t0, s0, p0, g0), (t1, s1, p1, g1) = marks["start"], marks["end"]
    wall = t1 - t0
    busy["share"].append((g1 - g0) / wall)
    return (s1 - s0) / wall, (p1 - p0) / wall


def instrument(view) -> dict:
    """Count pictures and time the GUI thread's work for the view (events and plot paints)."""
    busy = {"pictures": 0, "gui_s": 0.0, "share": []}
    on_events, show = view._on_events, view._show_picture

    def timed_events(events):
        t = time.perf_counter()
        on_events(events)
        busy["gui_s"] += time.perf_counter() - t

    def counted_show(pic):
        busy["pictures"] += 1
        show(pic)
    view.runner.events.disconnect(view._on_events)
    view._on_events = timed_events
    view.runner.events.connect(timed_events)
    view._show_picture = counted_show
    for widget in [view.plot.plot, *view.charts.charts()]:
        original = widget.paintEvent

        def timed_paint(event, original=original):
            t = time.perf_counter()
            original(event)
            busy["gui_s"] += time.perf_counter() - t
        widget.paintEvent = timed_paint
    return busy


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--seconds", type=float, default=10.0, help="timed seconds per run"),
        p.add_argument("--reps", type=int, default=3, help="rounds of (bare, all, off)"),
        p.add_argument("--data-set", default="8gaussians")), needs_data=False)
    _common.offscreen()
    _common.isolate_settings()

    from models.gan.toy2d import make_points
    from playground import settings
    from playground.panels.gan.lab_controls import DEFAULTS
    from playground.panels.gan.lab_view import SETTINGS_KEY, TRAIN_POINTS, Lab2DView

    app = _common.gui_app()
    settings.set_json(SETTINGS_KEY, {**DEFAULTS, "dataset": args.data_set})
    view = Lab2DView(device="cpu")
    view.resize(1400, 860)
    view.show()
    app.processEvents()
    busy = instrument(view)
    points = make_points(args.data_set, TRAIN_POINTS, seed=0)
    print(f"game: {args.data_set}, {TRAIN_POINTS:,} points, G {view.trainer.model_config}, "
          f"train {view.trainer.config}; {args.seconds:g} s per run after {WARMUP_S:g} s warm-up")

    results = {"bare": [], "all": [], "off": []}
    pictures = {"all": [], "off": []}
    shares = {"all": [], "off": []}
    for r in range(args.reps):
        results["bare"].append(bare(points, args.seconds))
        line = f"round {r + 1}: bare {results['bare'][-1]:.1f} steps/s"
        for name, on in (("all", True), ("off", False)):
            rate, pics = lab(app, view, on, args.seconds, busy)
            results[name].append(rate)
            pictures[name].append(pics)
            shares[name].append(busy["share"][-1])
            line += f"; lab {name} {rate:.1f} steps/s ({pics:.1f} pictures/s)"
        print(f"{line}; {_common.load_line()}", flush=True)

    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"\n{_common.load_line()}")
    print(f"RESULT gan2d_speed bare trainer.step() loop: {med['bare']:.1f} steps/s "
          f"(median of {args.reps}: {', '.join(f'{x:.1f}' for x in results['bare'])})")
    for name, label in (("all", "every layer on"), ("off", "every layer off")):
        print(f"RESULT gan2d_speed lab playing, {label}: {med[name]:.1f} steps/s "
              f"({', '.join(f'{x:.1f}' for x in results[name])}); "
              f"{statistics.median(pictures[name]):.1f} pictures/s; GUI thread busy "
              f"{100 * statistics.median(shares[name]):.0f}% of the time")
    ratio_all, ratio_off = med["all"] / med["bare"], med["off"] / med["bare"]
    # per round too: other processes come and go, and a round's three runs share their luck
    per_round = [a / b for a, b in zip(results["all"], results["bare"])]
    print(f"RESULT gan2d_speed ratio lab(all layers)/bare = {ratio_all:.2f}, "
          f"lab(layers off)/bare = {ratio_off:.2f}; per round (all/bare): "
          f"{', '.join(f'{x:.2f}' for x in per_round)}")
    print(f"RESULT gan2d_speed verdict: with the live picture the lab trains at "
          f"{100 * ratio_all:.0f}% of the bare loop's speed (target ≥ {100 * TARGET:.0f}%: "
          f"{_common.verdict(ratio_all >= TARGET)})")
    view.shutdown()
    view.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
