"""Chain playback: how fast the reverse-process view shows recorded frames (x_t and x̂_0).

    .venv/bin/python benchmarks/diffusion_playback.py [--model DIR] [--steps 100] [--images 16]

Opens the reverse-process view offscreen (1400×860), computes one DDIM chain through the
view's own Sample path (the JobRunner job), then measures, from the recorded frames:

  display cost   for every frame: PlaybackBar.set_index(i) (frameChanged → both grids tiled
                 and converted) plus a synchronous repaint of both image views; per-frame ms.
  playback       Play at the bar's default 30 fps through the event loop; frames displayed
                 per second = distinct frames whose x̂_0 view finished painting, over the time
                 from the first such paint to the last. Every frameChanged is checked to be
                 painted before the next one (skipped frames are counted).
  ceiling        the same at 120 fps, the bar's maximum, to show the headroom.

The model is checkpoints/mnist-ddpm when it exists, else a tiny random U-Net (T = 1000): the
display cost depends on the number and size of images, not on the network.

Target: playback ≥ 30 fps from computed frames (the bar's 33 ms timer gives at most 30.3).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import _common

TARGET_FPS = 30.0


def main() -> int:
    args = _common.parse_args(__doc__.splitlines()[0], lambda p: (
        p.add_argument("--model", default=str(_common.ROOT / "checkpoints" / "mnist-ddpm")),
        p.add_argument("--steps", type=int, default=100, help="DDIM steps S (frames − 1)"),
        p.add_argument("--images", type=int, default=16)), needs_data=False)
    _common.offscreen()
    _common.isolate_settings()

    import numpy as np
    from PySide6.QtWidgets import QApplication

    from playground.app import configure_pyqtgraph
    configure_pyqtgraph()
    app = QApplication.instance() or QApplication([])
    print(_common.machine_line())
    print(f"Qt platform: {app.platformName()}")
    print(_common.guard_none_refcount())

    from models import CheckpointError
    from models.diffusion import DiffusionConfig, DiffusionModel
    from playground.panels.diffusion.reverse_view import ReverseView
    from playground.torch_threads import reserve_cores_for_jobs

    reserve_cores_for_jobs()
    view = ReverseView(device="cpu")
    view.resize(1400, 860)
    view.show()
    app.processEvents()
    source = args.model
    try:
        if not Path(args.model).exists():
            raise CheckpointError(f"{args.model}: no such folder")
        ok = view.open_checkpoint(args.model)
    except CheckpointError:
        ok = False
    if not ok:
        tmp = Path(tempfile.mkdtemp(prefix="gp-bench-")) / "tiny-ddpm"
        DiffusionModel(DiffusionConfig(channels=(8, 8, 8), timesteps=1000)).save(tmp)
        view.open_checkpoint(str(tmp))
        source = f"tiny random U-Net ({args.model} not usable)"
    c = view.controls
    c.sampler.setCurrentIndex(c.sampler.findData("ddim"))
    c.steps.setValue(args.steps)
    c.count.setValue(args.images)
    t0 = time.perf_counter()
    view.sample()
    while view.runner.busy:
        app.processEvents()
        time.sleep(0.005)
    chain, bar = view.chain, view.chain.bar
    rec = chain.record
    print(f"model: {source}; chain: DDIM S = {args.steps}, {args.images} images, "
          f"{len(rec)} frames computed in {time.perf_counter() - t0:.1f} s; image views "
          f"{chain.x_view.width()}x{chain.x_view.height()} px each")

    # ---- instrumentation: the end of every paint of the x̂_0 view (the second one drawn)
    paints: list[tuple[float, int]] = []
    original = chain.x0_view.paintEvent

    def timed_paint(event):
        original(event)
        paints.append((time.perf_counter(), bar.index()))
    chain.x0_view.paintEvent = timed_paint
    changes: list[tuple[float, int]] = []
    bar.frameChanged.connect(lambda i: changes.append((time.perf_counter(), i)))

    # ---- display cost per frame, synchronous
    costs = []
    for rep in range(2):
        for i in range(len(rec)):
            s = time.perf_counter()
            bar.set_index(i)
            chain.x_view.repaint()
            chain.x0_view.repaint()
            if rep:
                costs.append((time.perf_counter() - s) * 1e3)
        bar.set_index(0)
        app.processEvents()

    def play(fps: int):
        bar.fps.setValue(fps)
        bar.set_index(0)
        app.processEvents()
        del paints[:], changes[:]
        bar.play()
        deadline = time.perf_counter() + len(rec) / fps * 3 + 5
        while bar.playing and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.0005)
        app.processEvents()
        shown = {}
        for t, i in paints:
            shown.setdefault(i, t)
        seq = [i for _, i in changes]
        skipped = 0
        for (t_a, i_a), (t_b, _) in zip(changes, changes[1:]):
            if not any(t_a <= t <= t_b and i == i_a for t, i in paints):
                skipped += 1
        times = sorted(shown.values())
        fps_got = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")
        gaps = np.diff(times) * 1e3 if len(times) > 1 else np.array([np.nan])
        return fps_got, len(shown), len(seq), skipped, gaps

    fps30, shown30, changed30, skipped30, gaps30 = play(30)
    fps120, shown120, changed120, skipped120, _ = play(120)
    chain.x0_view.paintEvent = original

    print()
    print(f"RESULT diffusion_playback display cost per frame "
          f"p50 = {_common.percentile(costs, 50):.2f} ms, p95 = {_common.percentile(costs, 95):.2f} ms, max = {max(costs):.2f} ms "
          f"(set_index + repaint of both {args.images}-image grids)")
    print(f"RESULT diffusion_playback at 30 fps: {fps30:.1f} frames displayed per second "
          f"(target ≥ {TARGET_FPS:.0f}: {_common.verdict(fps30 >= TARGET_FPS * 0.98)}); "
          f"{shown30} of {len(rec)} frames painted, {changed30} frameChanged, {skipped30} "
          f"skipped; frame interval p50 = {np.nanpercentile(gaps30, 50):.1f} ms, "
          f"p95 = {np.nanpercentile(gaps30, 95):.1f} ms")
    print(f"RESULT diffusion_playback ceiling at 120 fps: {fps120:.1f} frames displayed per "
          f"second; {shown120} of {len(rec)} painted, {skipped120} skipped")
    view.shutdown()
    view.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
