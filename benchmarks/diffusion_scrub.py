"""Scrubbing the forward process: a mouse drag on the t slider, one pointer move every 16 ms.

    .venv/bin/python benchmarks/diffusion_scrub.py [--schedules linear,cosine,quadratic]
        [--T 1000] [--moves 200] [--interval-ms 16] [--drive mouse|setvalue]

The main window opens on Qt's offscreen platform at 1500×900 on Diffusion → Forward process,
as the app shows it, and settles: the stepping-vs-jumping moments job (a pool thread) must
finish before a scrub starts, so the scrub competes only with what the slider itself costs.

For every schedule the slider is dragged like a user does it: QTest.mousePress on the handle
(through the window-system path, so the slider grabs the mouse), then --moves pointer moves
across the groove from t = 0 to t = T and --moves back to 0, each at its own due time
(start + k × interval; a late one is sent at once, like queued pointer events), with the event
loop running in between, then the release. `--drive setvalue` calls slider.setValue in the
same steps instead. A short warm-up drag comes first and is not counted.

Measured for every move, by perf_counter:
  per-move cost  from just before the move is sent to the end of the next paintEvent of the
                 x_t image (instrumented by wrapping its paintEvent): the handler
                 (valueChanged → x_t, histogram, plot markers) plus the event loop's repaint.
  handler        the synchronous part alone (the move's mouse event until it returns).
  window settled from the move to the end of the last repaint of the main window (its
                 UpdateRequests, by wrapping its event()) before the next move: when everything
                 the move changed (histogram, plots, labels) is on screen.
  GUI work       the handler plus the time spent in those repaints: what one move costs the
                 GUI thread. Window repaints that cover most of the window are counted too.
and for the whole drag a precise 5 ms single-shot QTimer, re-armed whenever it fires: its
lateness (fired − armed − 5 ms) and the longest gap between two firings (the longest stall).

Checked for every move: the shown image changed (and, if not, whether the slider's value did
not change either: the pointer stayed within one value), the image is exactly x_t for the
slider's t (the closed form with the view's ε), and the move was painted before the next one.

Targets: per-move p95 ≤ 16 ms (one frame at 60 Hz); no stall > 50 ms.
"""
from __future__ import annotations

import time

import _common

TARGET_P95_MS = 16.0
TARGET_STALL_MS = 50.0
TICK_MS = 5
WINDOW = (1500, 900)


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--schedules", default="linear,cosine,quadratic",
                       help="comma-separated noise schedules to scrub"),
        p.add_argument("--T", type=int, default=1000, help="number of diffusion steps T"),
        p.add_argument("--moves", type=int, default=200,
                       help="pointer moves per sweep (0 → T; the way back makes as many)"),
        p.add_argument("--interval-ms", type=float, default=16.0,
                       help="time between pointer moves (16 ms = 60 Hz)"),
        p.add_argument("--drive", choices=("mouse", "setvalue"), default="mouse",
                       help="real mouse events on the slider, or slider.setValue")), needs_data=False)
    _common.offscreen()
    _common.isolate_settings()

    import numpy as np
    from PySide6.QtCore import QEvent, QEventLoop, QPoint, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    from models.diffusion.forward import closed_form_xt, to_pixels
    from models.diffusion.schedules import SCHEDULES

    schedules = [s.strip() for s in args.schedules.split(",") if s.strip()]
    unknown = [s for s in schedules if s not in SCHEDULES]
    if unknown or not schedules:
        raise SystemExit(f"unknown schedule(s) {unknown}; choose from {', '.join(SCHEDULES)}")
    moves_per_sweep = max(1, args.moves)
    interval = args.interval_ms / 1e3

    app, win = _common.open_main_window()
    win.resize(*WINDOW)
    win.tabs.setCurrentWidget(win.diffusion)
    win.diffusion.views.setCurrentWidget(win.diffusion.forward)
    view = win.diffusion.forward
    slider, image = view.playback.slider, view.image

    def settle(min_s: float = 0.3, max_s: float = 120.0) -> float:
        """Run the event loop until the moments job (and any data load) has finished."""
        t0 = time.perf_counter()
        while True:
            app.processEvents()
            now = time.perf_counter() - t0
            busy = view.moments.busy() or view.data_runner.busy
            if (now >= min_s and not busy) or now > max_s:
                return now
            time.sleep(0.01)

    if view.T != args.T:
        view.t_max.setValue(args.T)
    settle()
    T = view.T
    if T != args.T:
        print(f"NOTE: T = {args.T} is outside the view's range; it shows T = {T}")

    # ---- instrumentation: ends of x_t paints (with the t they showed) and of window repaints
    image_paints: list[tuple[float, int]] = []
    original_paint = image.paintEvent

    def timed_paint(event):
        original_paint(event)
        image_paints.append((time.perf_counter(), slider.value()))
    image.paintEvent = timed_paint

    frames: list[tuple[float, float]] = []           # (start, end) of every window repaint
    full_paints: list[float] = []                     # window paints covering most of it
    original_event = win.event

    def timed_event(event):
        kind = event.type()
        if kind == QEvent.Type.Paint:
            r = event.rect()
            if r.width() * r.height() > 0.8 * win.width() * win.height():
                full_paints.append(time.perf_counter())
        if kind != QEvent.Type.UpdateRequest:
            return original_event(event)
        s = time.perf_counter()
        r = original_event(event)
        frames.append((s, time.perf_counter()))
        return r
    win.event = timed_event

    # ---- the probe: a precise single-shot timer, re-armed on every firing
    probe_timer = QTimer()
    probe_timer.setSingleShot(True)
    probe_timer.setTimerType(Qt.TimerType.PreciseTimer)
    probe = {"armed": 0.0, "late": [], "fired": []}

    def arm():
        probe["armed"] = time.perf_counter()
        probe_timer.start(TICK_MS)

    def fired():
        now = time.perf_counter()
        probe["late"].append((now - probe["armed"]) * 1e3 - TICK_MS)
        probe["fired"].append(now)
        arm()
    probe_timer.timeout.connect(fired)

    # A local loop, not app.exec(): Qt 6's app.quit() closes every window, and a hidden
    # window paints nothing.
    loop = QEventLoop()

    def run_loop(until_quit) -> tuple[list[float], list[float]]:
        """The event loop with the probe ticking; `until_quit` starts whatever calls loop.quit()."""
        probe["late"], probe["fired"] = [], []
        arm()
        QTimer.singleShot(0, until_quit)
        loop.exec()
        probe_timer.stop()
        if not image.isVisible():
            raise SystemExit("the x_t image is not visible any more; its paints cannot be timed")
        return probe["late"], probe["fired"]

    def slider_geometry():
        opt = QStyleOptionSlider()
        slider.initStyleOption(opt)
        style = slider.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderGroove, slider)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderHandle, slider)
        return groove, handle, groove.width() - handle.width()   # QSlider's pixel span

    def targets(n: int):
        """Pointer x (mouse) or value (setvalue) for n moves 0 → T and n moves back to 0."""
        if args.drive == "setvalue":
            fwd = [round(k * T / n) for k in range(1, n + 1)]
            return fwd + [round((n - k) * T / n) for k in range(1, n + 1)]
        _, _, span = slider_geometry()
        fwd = [round(k * span / n) for k in range(1, n + 1)]
        return fwd + [round((n - k) * span / n) for k in range(1, n + 1)]

    def drag(n: int):
        """One drag 0 → T → 0 at the set pace; returns per-move records and probe data."""
        view.set_t(0)
        app.processEvents()
        groove, handle, span = slider_geometry()
        press = handle.center()
        offset = press.x() - handle.x()        # where on the handle it was grabbed
        goals = targets(n)
        if args.drive == "mouse":
            QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press)
            app.processEvents()
        moves = []                                  # (t0, t1, value, changed, shown image)
        state = {"k": 0, "start": 0.0}
        driver = QTimer()
        driver.setSingleShot(True)
        driver.setTimerType(Qt.TimerType.PreciseTimer)

        def move():
            k = state["k"]
            before = image.image()
            t0 = time.perf_counter()
            if args.drive == "mouse":
                QTest.mouseMove(slider, QPoint(groove.x() + goals[k] + offset, press.y()))
            else:
                slider.setValue(goals[k])
            t1 = time.perf_counter()
            after = image.image()
            changed = after is not before and not np.array_equal(before, after)
            moves.append((t0, t1, slider.value(), changed, after))
            state["k"] = k + 1
            if k + 1 < len(goals):
                due = state["start"] + (k + 1) * interval
                driver.start(max(0, round((due - time.perf_counter()) * 1e3)))
            else:
                QTimer.singleShot(150, loop.quit)    # let the last move's paint land

        def begin():
            state["start"] = time.perf_counter()
            move()
        driver.timeout.connect(move)
        del image_paints[:], frames[:], full_paints[:]
        late, fired_at = run_loop(begin)
        if args.drive == "mouse":
            last = QPoint(groove.x() + goals[-1] + offset, press.y())
            QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, last)
        app.processEvents()
        return moves, list(image_paints), list(frames), list(full_paints), late, fired_at

    def analyse(moves, paints, frame_list, fulls):
        """Per move: cost to x_t painted, handler, window settled, GUI work, full repaints."""
        out = {"cost": [], "handler": [], "settled": [], "work": [], "full": [],
               "superseded": 0, "unpainted": 0}
        paint_t = np.array([p[0] for p in paints])
        f_start = np.array([f[0] for f in frame_list])
        f_end = np.array([f[1] for f in frame_list])
        fulls = np.array(fulls)
        for k, (t0, t1, value, changed, _) in enumerate(moves):
            nxt = moves[k + 1][0] if k + 1 < len(moves) else t0 + interval
            out["handler"].append((t1 - t0) * 1e3)
            i = int(np.searchsorted(paint_t, t0))
            if i < len(paints):
                out["cost"].append((paint_t[i] - t0) * 1e3)
                if changed and (paint_t[i] > nxt or paints[i][1] != value):
                    out["superseded"] += 1      # the next move came before this one was shown
            else:
                out["unpainted"] += 1
            mine = (f_start >= t0) & (f_start < nxt)
            if mine.any():
                out["settled"].append((f_end[mine].max() - t0) * 1e3)
            out["work"].append((t1 - t0 + (f_end[mine] - f_start[mine]).sum()) * 1e3)
            out["full"].append(int(((fulls >= t0) & (fulls < nxt)).sum()))
        return out

    def check_images(moves):
        """Moves that left the image as it was (and why), and images that are not x_t."""
        same_value = same_image = wrong = 0
        previous = 0
        for _, _, value, changed, shown in moves:
            if not changed:
                if value == previous:
                    same_value += 1
                else:
                    same_image += 1
            expected = to_pixels(closed_form_xt(view.x0, value, view.acp, view.noise))
            if shown is None or not np.allclose(shown, expected, atol=1e-6):
                wrong += 1
            previous = value
        return same_value, same_image, wrong

    def stats(values):
        return (_common.percentile(values, 50), _common.percentile(values, 95),
                max(values) if values else float("nan"))

    groove, handle, span = slider_geometry()
    print(f"window {win.width()}x{win.height()}, Diffusion → {win.diffusion.views.tabText(0)}; "
          f"T = {T}; slider groove {groove.width()} px, handle {handle.width()} px → {span + 1} "
          f"pointer positions for {T + 1} values of t ({(T + 1) / (span + 1):.1f} per pixel); "
          f"x_t image view {image.width()}x{image.height()} px")
    print(f"drive: {args.drive}; {moves_per_sweep} moves 0 → T and {moves_per_sweep} back, one every "
          f"{args.interval_ms:g} ms ({1e3 / args.interval_ms:.0f} Hz); probe timer {TICK_MS} ms")
    if args.drive == "mouse" and moves_per_sweep > span:
        print(f"NOTE: {moves_per_sweep} moves per sweep over {span} px: some moves land on the "
              "pixel of the previous one and cannot change t (counted apart below)")

    idle_late, _ = run_loop(lambda: QTimer.singleShot(1000, loop.quit))
    print(f"RESULT diffusion_scrub idle baseline ({len(idle_late)} ticks): lateness p99 = "
          f"{_common.percentile(idle_late, 99):.2f} ms, max = {max(idle_late):.2f} ms")

    drag(max(4, moves_per_sweep // 8))              # warm-up, not counted
    keys = ("cost", "handler", "settled", "work", "full")
    totals = {key: [] for key in keys}
    totals.update({"late": [], "stall": 0.0, "moves": 0, "same_value": 0, "same_image": 0,
                   "wrong": 0, "superseded": 0, "unpainted": 0})

    def report(label, r, late, stall, same_value, same_image, wrong, n_moves):
        p50, p95, mx = stats(r["cost"])
        print(f"RESULT diffusion_scrub {label}per-move cost (move → x_t painted) p50 = {p50:.2f} ms, "
              f"p95 = {p95:.2f} ms, max = {mx:.2f} ms")
        s50, s95, smx = stats(r["settled"])
        w50, w95, wmx = stats(r["work"])
        h50, h95, hmx = stats(r["handler"])
        print(f"RESULT diffusion_scrub {label}move → window settled p50 = {s50:.2f} ms, "
              f"p95 = {s95:.2f} ms, max = {smx:.2f} ms; GUI work per move p50 = {w50:.2f} ms, "
              f"p95 = {w95:.2f} ms, max = {wmx:.2f} ms (handler alone p50 = {h50:.2f} ms, "
              f"max = {hmx:.2f} ms); full-window repaints per move = "
              f"{np.mean(r['full']) if r['full'] else float('nan'):.2f}")
        print(f"RESULT diffusion_scrub {label}event-loop lateness p99 = "
              f"{_common.percentile(late, 99):.2f} ms, max = {max(late):.2f} ms ({len(late)} ticks); "
              f"longest stall = {stall:.1f} ms")
        print(f"RESULT diffusion_scrub {label}moves that did not change the image = "
              f"{same_value + same_image} of {n_moves} ({same_value} left t unchanged, "
              f"{same_image} changed t but not the image); images not equal to x_t = {wrong}; "
              f"superseded before being painted = {r['superseded']}, never painted = {r['unpainted']}")
        return p95

    for name in schedules:
        view.schedule_box.setCurrentIndex(view.schedule_box.findData(name))
        waited = settle()
        moves, paints, frame_list, fulls, late, fired_at = drag(moves_per_sweep)
        r = analyse(moves, paints, frame_list, fulls)
        same_value, same_image, wrong = check_images(moves)
        stall = float(np.max(np.diff(fired_at))) * 1e3 if len(fired_at) > 1 else float("nan")
        values = [m[2] for m in moves]
        duration = moves[-1][0] - moves[0][0]
        pace = np.median(np.diff([m[0] for m in moves])) * 1e3
        print(f"\n{name}: moments job settled in {waited:.2f} s; {len(moves)} moves in "
              f"{duration:.2f} s (median interval {pace:.1f} ms), t reached {max(values)} and "
              f"ended at {values[-1]}; {len(frame_list)} window repaints")
        report(f"{name} ", r, late, stall, same_value, same_image, wrong, len(moves))
        for key in keys:
            totals[key] += r[key]
        totals["late"] += late
        totals["stall"] = max(totals["stall"], stall)
        totals["moves"] += len(moves)
        for key, n in (("same_value", same_value), ("same_image", same_image), ("wrong", wrong),
                       ("superseded", r["superseded"]), ("unpainted", r["unpainted"])):
            totals[key] += n

    image.paintEvent = original_paint
    win.event = original_event
    stall = totals["stall"]
    print(f"\nall schedules ({', '.join(schedules)}), {totals['moves']} moves; {_common.load_line()}")
    p95 = report("", totals, totals["late"], stall, totals["same_value"], totals["same_image"],
                 totals["wrong"], totals["moves"])
    full = np.mean(totals["full"]) if totals["full"] else 0.0
    if full > 0.5:
        print(f"NOTE: {full:.2f} repaints of (nearly) the whole {win.width()}x{win.height()} window "
              "per move, not only of what the move changed; they are most of the GUI work above")
    ok_cost, ok_stall = p95 <= TARGET_P95_MS, stall <= TARGET_STALL_MS
    print(f"RESULT diffusion_scrub verdict: per-move p95 {p95:.2f} ms (target ≤ {TARGET_P95_MS:.0f} ms: "
          f"{_common.verdict(ok_cost)}); longest stall {stall:.1f} ms (target ≤ "
          f"{TARGET_STALL_MS:.0f} ms: {_common.verdict(ok_stall)}); overall "
          f"{_common.verdict(ok_cost and ok_stall)}")

    win.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
