"""The pix2pix Train view, driven through its real JobRunner thread with a tiny U-Net."""
from __future__ import annotations

import numpy as np
import pytest

from models import load_checkpoint
from models.pix2pix.landscapes import CLASSES, render_label_map
from models.pix2pix.api import Pix2PixModel

TINY = {"dataset": "landscapes", "size": 64, "width": 8, "pairs": 16, "epochs": 1,
        "batch_size": 8, "objective": "l1+cgan", "patch": 16, "seed": 3}


@pytest.fixture
def view(qtbot, one_torch_thread):
    from playground.panels.pix2pix.train_view import TrainView
    v = TrainView(device="cpu")
    qtbot.addWidget(v)
    v.form.set_values(TINY)
    yield v
    assert v.shutdown()


def _train(qtbot, view, trained: list) -> None:
    view.modelTrained.connect(lambda state, meta: trained.append((state, meta)))
    with qtbot.waitSignal(view.runner.finished, timeout=60000):
        assert view.start()
    qtbot.waitUntil(lambda: not view.busy(), timeout=60000)


def test_training_runs_shows_previews_curves_and_hands_out_a_model(qtbot, view, messages):
    trained: list = []
    _train(qtbot, view, trained)
    assert not messages

    # 16 pairs / batch 8 → 2 steps, one point per step on each of the four curves
    for name in ("G_GAN", "G_L1", "D_real", "D_fake"):
        assert view.charts.point_count(name) == 2
    assert view.charts.series("G_L1").x == [1.0, 2.0]
    assert all(np.isfinite(view.charts.series("G_L1").y))
    assert view.form.progress.value() == view.form.progress.maximum()

    # the previews show real pictures: coloured label maps, G's output and the target photo
    assert view.preview.step == 2
    for row in view.preview.views:
        for cell in row:
            img = cell.image()
            assert img is not None and img.shape == (64, 64, 3)
            assert img.std() > 1.0                  # not a blank square
    inputs = np.stack([c.image() for c in view.preview.views[0]])
    palette = {c.colour for c in CLASSES}
    assert {tuple(p) for p in inputs.reshape(-1, 3)} <= palette
    assert not np.array_equal(view.preview.views[1][0].image(), view.preview.views[2][0].image())

    # modelTrained carries numpy weights and a meta that rebuild a working translator
    assert trained
    state, meta = trained[-1]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    assert meta["family"] == "pix2pix" and meta["steps"] == 2 and not meta["stopped_early"]
    model = Pix2PixModel.from_state(state, meta)
    out = model.translate(render_label_map(11, 64), seed=0)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8 and out.std() > 0
    assert view.last.step == 2


def test_save_checkpoint_and_export_preview(qtbot, view, messages, tmp_path):
    assert not view.save_checkpoint(str(tmp_path / "none"))      # nothing trained yet
    assert messages and messages[-1][0] == "information"
    _train(qtbot, view, [])
    assert view.save_checkpoint(str(tmp_path / "ckpt"))
    loaded = load_checkpoint(tmp_path / "ckpt")
    assert loaded.family == "pix2pix" and loaded.meta["steps"] == 2
    assert loaded.config.width == 8 and loaded.config.size == 64
    label = render_label_map(5, 64)
    expected = Pix2PixModel.from_state(view.last.state, view.last.meta).translate(label, seed=1)
    assert np.array_equal(loaded.translate(label, seed=1), expected)

    from PIL import Image
    assert view.export_preview(str(tmp_path / "preview.png"))
    png = np.asarray(Image.open(tmp_path / "preview.png"))
    assert png.shape == (3 * 64 + 4, 4 * 64 + 6, 3)
    assert np.array_equal(png[64 + 2:128 + 2, :64], view.preview.views[1][0].image())


def test_stop_mid_run_keeps_a_usable_model_or_none(qtbot, view, messages):
    view.form.set_values({"pairs": 200, "epochs": 5})     # 125 steps: far more than we wait for
    trained: list = []
    view.modelTrained.connect(lambda s, m: trained.append((s, m)))
    assert view.start()
    qtbot.waitUntil(lambda: view.charts.point_count("G_L1") >= 1, timeout=60000)
    assert not view.form.start_btn.isEnabled() and view.form.stop_btn.isEnabled()
    with qtbot.waitSignal(view.runner.finished, timeout=60000) as blocker:
        view.stop()
    assert blocker.args == [None]
    assert not messages
    assert view.form.start_btn.isEnabled() and view.form.width.isEnabled()
    assert trained, "a stopped run that finished a step hands out its generator"
    state, meta = trained[-1]
    assert meta["stopped_early"] and 1 <= meta["steps"] < 125
    out = Pix2PixModel.from_state(state, meta).translate(render_label_map(2, 64))
    assert out.shape == (64, 64, 3)


def test_a_bad_folder_is_an_error_dialog_not_a_crash(qtbot, view, messages, tmp_path):
    (tmp_path / "data" / "train").mkdir(parents=True)     # the split folder is empty
    view.form.folder = str(tmp_path / "data")
    view.form.set_values({"dataset": "folder"})
    with qtbot.waitSignal(view.runner.failed, timeout=60000):
        assert view.start()
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    kind, title, text = messages[-1]
    assert kind == "warning" and title == "Training failed"
    assert "empty" in text and "train" in text
    assert view.last is None and not view.busy()
    assert view.form.start_btn.isEnabled()
    assert not view.save_checkpoint(str(tmp_path / "x"))


def test_invalid_choices_are_refused_before_starting(qtbot, view, messages):
    view.form.set_values({"size": 64, "objective": "cgan", "patch": 286})
    assert not view.start()
    assert messages and "does not fit" in messages[-1][2]
    assert not view.busy()


def test_settings_persist_and_inputs_follow_the_choices(qtbot, settings_file):
    from playground.panels.pix2pix.train_form import DEFAULTS, TrainForm
    form = TrainForm()
    qtbot.addWidget(form)
    assert form.values() == DEFAULTS
    assert form.patch.isEnabled() and not form.direction.isEnabled()
    form.objective.setCurrentIndex(form.objective.findData("l1"))
    assert not form.patch.isEnabled()                     # L1 alone has no discriminator
    form.lam.setValue(42.5)
    form.width.setValue(16)
    form.seed.setValue(9)
    form.size.setCurrentIndex(form.size.findData(128))
    assert settings_file.exists()

    again = TrainForm()
    qtbot.addWidget(again)
    v = again.values()
    assert (v["objective"], v["lam"], v["width"], v["seed"], v["size"]) == ("l1", 42.5, 16, 9, 128)
    assert not again.patch.isEnabled()
    again.size.setCurrentIndex(again.size.findData(64))
    item_286 = again.patch.model().item(again.patch.findData(286))
    assert not item_286.isEnabled()                      # no output left on 64 px
    # hand-edited settings: what is not a number is ignored, not clamped to a limit
    again.set_values({"lam": float("nan"), "width": "many", "epochs": 3})
    v = again.values()
    assert (v["lam"], v["width"], v["epochs"]) == (42.5, 16, 3)


def test_nan_losses_fail_with_a_dialog_and_keep_the_last_snapshot(qtbot, view, messages,
                                                                  monkeypatch):
    import torch

    from models.live import LiveBudget
    from models.pix2pix.training import Pix2PixTrainer
    monkeypatch.setattr(LiveBudget, "due", lambda self, kind: True)   # a snapshot every step
    real_step = Pix2PixTrainer._step

    def step(self, a, b, *nets):
        if self.steps_done == 2:                  # the third step's loss is NaN
            self._check(torch.tensor(float("nan")), "G")
        return real_step(self, a, b, *nets)
    monkeypatch.setattr(Pix2PixTrainer, "_step", step)
    view.form.set_values({"pairs": 32})           # 4 steps planned
    with qtbot.waitSignal(view.runner.failed, timeout=60000):
        assert view.start()
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    kind, title, text = messages[-1]
    assert (kind, title) == ("warning", "Training failed")
    assert "nan" in text.lower() and "step 2" in text
    assert view.last is not None and view.last.step == 2
    out = Pix2PixModel.from_state(view.last.state, view.last.meta).translate(render_label_map(1, 64))
    assert out.shape == (64, 64, 3)
    assert view.charts.point_count("G_L1") == 2


def test_chart_history_is_bounded_but_spans_the_run(qtbot):
    from playground.curve_chart import MAX_POINTS
    from playground.panels.pix2pix.train_live import LossCharts
    charts = LossCharts()
    qtbot.addWidget(charts)
    for step in range(1, 3 * MAX_POINTS + 1):
        charts.add(step, {"G_L1": 1.0 / step, "D_real": 0.7})
    charts.redraw()
    s = charts.series("G_L1")
    assert MAX_POINTS // 2 <= len(s.x) <= MAX_POINTS
    assert s.x[0] == 1 and s.x[-1] > 2.9 * MAX_POINTS
    assert all(a < b for a, b in zip(s.x, s.x[1:]))
    assert s.s[-1] < s.s[0]                       # the running mean follows the falling loss
    assert charts.point_count("G_GAN") == 0       # a loss never reported draws nothing
    x, _ = charts.l1.curves["G_L1"][1].getData()
    assert len(x) == len(s.x)


def test_ctrl_p_pauses_and_resumes_and_ctrl_period_stops(qtbot, view, messages):
    """The keys of every training form (playground.keys): Ctrl+P, Ctrl+P, Ctrl+."""
    from PySide6.QtCore import Qt
    ctrl = Qt.KeyboardModifier.ControlModifier
    view.form.set_values({"pairs": 32, "epochs": 50})
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=2000)
    view.setFocus()
    assert view.start()
    qtbot.waitUntil(lambda: view.charts.point_count("G_L1") >= 1, timeout=60000)
    qtbot.keyClick(view, Qt.Key.Key_P, ctrl)
    qtbot.waitUntil(lambda: view.runner.paused, timeout=30000)
    # the job pauses on its own thread; the form learns of it from queued signals: the button
    # says Resume as soon as the pause is asked ("pausing"), the progress bar once it is paused
    qtbot.waitUntil(lambda: view.form.progress.format().endswith("· paused"), timeout=30000)
    assert view.form.pause_btn.text() == "Resume"
    qtbot.keyClick(view, Qt.Key.Key_P, ctrl)
    qtbot.waitUntil(lambda: not view.runner.paused, timeout=30000)
    with qtbot.waitSignal(view.runner.finished, timeout=60000):
        qtbot.keyClick(view, Qt.Key.Key_Period, ctrl)
    assert not view.busy() and not messages
