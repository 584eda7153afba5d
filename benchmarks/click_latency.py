"""Click-to-sample latency: a real mouse press on the latent plot until the decoded image is painted.

    .venv/bin/python benchmarks/click_latency.py [--data DIR] [--clicks 200]

The GUI runs on Qt's offscreen platform with the shipped VAE selected (the window's default).
For each of N clicks at a random point inside the plot's visible view range:

  t0      perf_counter just before QTest.mousePress on the PlotWidget's viewport;
  (press) Qt → QGraphicsScene → the plot's ViewBox → pointPicked → panel.decode_at
          (decode through the model, set the image, move the cursor);
  repaint panel.image.repaint(), a synchronous paint of the image view;
  t1      the end of the first ImageView.paintEvent that starts after t0 (instrumented by
          wrapping panel.image.paintEvent).

The release is sent after t1, outside the timed part. Every click is checked: the shown image
must change, and the point the panel decoded must be the point clicked (within two pixels).

Secondary figure ("event-loop path"): the same click without the forced repaint; t1 is the end
of the image's paint when the event loop gets to it (processEvents), i.e. what the app does
without any help, including the plot's own repaint of its cursor if Qt does it first.

Target: p95 ≤ 16 ms (one frame at 60 Hz) for the primary figure.
"""
from __future__ import annotations

import time

import _common

TARGET_P95_MS = 16.0


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--clicks", type=int, default=200),
        p.add_argument("--seed", type=int, default=0)))
    _common.offscreen()
    _common.isolate_settings()

    import numpy as np
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    app, win = _common.open_main_window()
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)
    panel = win.autoencoder
    view, plot_widget, image = panel.plot.view, panel.plot.plot, panel.image
    viewport = plot_widget.viewport()
    print(f"model shown: {panel.active_name()!r}; plot viewport {viewport.width()}x{viewport.height()} px, "
          f"image view {image.width()}x{image.height()} px")

    # ---- instrumentation: end time of every image paint, and every point the panel decoded
    paint_ends: list[float] = []
    original_paint = image.paintEvent

    def timed_paint(event):
        original_paint(event)
        paint_ends.append(time.perf_counter())
    image.paintEvent = timed_paint

    picked: list[tuple[float, float]] = []
    panel.plot.pointPicked.connect(lambda x, y: picked.append((x, y)))

    rng = np.random.default_rng(args.seed)

    def random_click_target():
        (x0, x1), (y0, y1) = view.viewRange()
        # stay 2% inside the edges so a click never lands on the frame around the view box
        x = x0 + (x1 - x0) * rng.uniform(0.02, 0.98)
        y = y0 + (y1 - y0) * rng.uniform(0.02, 0.98)
        scene = view.mapViewToScene(QPointF(x, y))
        pos = plot_widget.mapFromScene(scene)
        # data units per viewport pixel, to judge whether the decoded point is the clicked one
        px = max((x1 - x0) / max(1, view.width()), (y1 - y0) / max(1, view.height()))
        return x, y, pos, px

    def one_click(force_repaint: bool):
        x, y, pos, px = random_click_target()
        before = image.image()
        before = None if before is None else before.copy()
        n_picked = len(picked)
        del paint_ends[:]
        t0 = time.perf_counter()
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        if force_repaint:
            image.repaint()
        else:
            deadline = t0 + 1.0
            while not [t for t in paint_ends if t > t0] and time.perf_counter() < deadline:
                app.processEvents()
        ends = [t for t in paint_ends if t > t0]
        t1 = ends[0] if ends else float("nan")
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        app.processEvents()                                   # let the plot repaint its cursor
        after = image.image()
        problems = []
        if len(picked) == n_picked:
            problems.append("press did not reach the panel (no pointPicked)")
        else:
            px_, py_ = picked[n_picked]
            if abs(px_ - x) > 2 * px or abs(py_ - y) > 2 * px:
                problems.append(f"decoded ({px_:.3f}, {py_:.3f}) but clicked ({x:.3f}, {y:.3f})")
        if after is None or (before is not None and np.array_equal(before, after)):
            problems.append("shown image did not change")
        if not ends:
            problems.append("image view was not painted")
        return (t1 - t0) * 1e3, problems, (x, y, pos.x(), pos.y())

    def run(force_repaint: bool, n: int, label: str):
        for _ in range(10):                                   # warm-up, not counted
            one_click(force_repaint)
        lat, failures = [], []
        for i in range(n):
            ms, problems, where = one_click(force_repaint)
            if problems:
                failures.append((i, where, problems))
            if ms == ms:                                      # not NaN
                lat.append(ms)
        print(f"{label}: {len(lat)} timed clicks, {len(failures)} failed checks")
        for i, (x, y, vx, vy), problems in failures[:10]:
            print(f"  click {i} at data ({x:.3f}, {y:.3f}) = viewport ({vx}, {vy}) px: "
                  + "; ".join(problems))
        if len(failures) > 10:
            print(f"  … {len(failures) - 10} more")
        return lat, failures

    lat, failures = run(True, args.clicks, "press + image.repaint()")
    lat2, failures2 = run(False, args.clicks, "press + event loop")

    p50, p95, mx = (_common.percentile(lat, 50), _common.percentile(lat, 95),
                    max(lat) if lat else float("nan"))
    print()
    print(f"RESULT click_latency p50 = {p50:.2f} ms")
    print(f"RESULT click_latency p95 = {p95:.2f} ms  (target ≤ {TARGET_P95_MS:.0f} ms: "
          f"{_common.verdict(p95 <= TARGET_P95_MS)})")
    print(f"RESULT click_latency max = {mx:.2f} ms")
    print(f"RESULT click_latency failed clicks = {len(failures)} of {args.clicks}")
    print(f"RESULT click_latency (event-loop path, no forced repaint) p50 = "
          f"{_common.percentile(lat2, 50):.2f} ms, p95 = {_common.percentile(lat2, 95):.2f} ms, "
          f"max = {max(lat2) if lat2 else float('nan'):.2f} ms, failed = {len(failures2)} of {args.clicks}")

    image.paintEvent = original_paint
    win.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
