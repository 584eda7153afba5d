"""The Translation panel's Train view, driven through its real JobRunner thread with tiny
models (width 4, one residual block, 28-px digits, a handful of steps)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from models import load_checkpoint
from models.translation.api import CycleGANModel, UNITModel

TINY = {"model": "cyclegan", "domains": "digits", "size": 28, "width": 4, "blocks": 1,
        "steps": 3, "batch_size": 2, "cycle_on": True, "cycle": 10.0, "identity": 0.5,
        "train_images": 8, "unit_width": 4, "unit_latent": 4, "unit_steps": 3, "unit_batch": 2,
        "seed": 1}


@pytest.fixture
def view(qtbot, one_torch_thread):
    from playground.panels.translation.train_view import TrainView
    v = TrainView(device="cpu")
    qtbot.addWidget(v)
    v.form.set_values(TINY)
    yield v
    assert v.shutdown()


def _train(qtbot, view, trained: list | None = None) -> None:
    if trained is not None:
        view.modelTrained.connect(lambda state, meta: trained.append((state, meta)))
    with qtbot.waitSignal(view.runner.finished, timeout=120_000):
        assert view.start()
    assert not view.busy()


def _digit(mnist, i=0) -> np.ndarray:
    return mnist.test.images[i].copy()


def test_cyclegan_trains_with_curves_previews_and_loadable_snapshots(qtbot, view, messages,
                                                                      mnist):
    trained: list = []
    _train(qtbot, view, trained)
    assert not messages

    # three steps, one point each on the five CycleGAN curves; UNIT's stay empty
    for name in ("gan", "cycle", "identity", "d_a", "d_b"):
        assert view.charts.point_count(name) == 3, name
    assert view.charts.series("cycle").x == [1.0, 2.0, 3.0]
    for name in ("recon", "kl", "cycle_kl"):
        assert view.charts.point_count(name) == 0
    assert view.form.progress.value() == view.form.progress.maximum()

    # six rows of four pictures: a is a grey MNIST digit, b a textured (coloured) one
    assert view.preview.step == 3
    for row in view.preview.views:
        for cell in row:
            img = cell.image()
            assert img is not None and img.shape == (28, 28, 3) and img.dtype == np.uint8
    a = np.stack([c.image() for c in view.preview.views[0]]).astype(int)
    b = np.stack([c.image() for c in view.preview.views[3]]).astype(int)
    assert np.array_equal(a[..., 0], a[..., 1]) and np.array_equal(a[..., 1], a[..., 2])
    assert np.abs(b[..., 0] - b[..., 2]).mean() > 5
    assert view.preview.labels[1].text() == "G(a)"

    # a snapshot with the first preview (step 1) and the final weights; never step 0
    steps = [meta["steps"] for _, meta in trained]
    assert steps[0] >= 1 and steps[-1] == 3 and steps == sorted(steps)
    state, meta = trained[-1]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    assert set(k[:2] for k in state) == {"G.", "F."}
    assert meta["family"] == "cyclegan" and meta["config"]["width"] == 4
    assert meta["training"]["cycle"] == 10.0 and meta["training"]["steps"] == 3
    assert meta["dataset"]["name"] == "digits-textured" and meta["dataset"]["digits"]
    assert not meta["stopped_early"]
    model = CycleGANModel.from_state(state, meta)
    assert model.cycle_weight == 10.0
    out = model.translate(_digit(mnist))
    assert out.shape == (28, 28, 3) and out.dtype == np.uint8
    # the weights are the snapshot's: the same state translates the same way
    again = CycleGANModel.from_state(view.last.state, view.last.meta).translate(_digit(mnist))
    assert np.array_equal(out, again)
    assert view.form.save_btn.isEnabled()


def test_the_status_says_where_the_digits_came_from(qtbot, view, monkeypatch, tmp_path):
    # no MNIST in the data folder: the bundled sample, and the view says so
    monkeypatch.setenv("PLAYGROUND_DATA", str(tmp_path / "nothing-here"))
    view.set_data_dir(str(tmp_path / "nothing-here"))
    said: list = []
    view.message.connect(said.append)
    trained: list = []
    _train(qtbot, view, trained)
    assert any("mnist-sample" in s and "not found" in s for s in said)
    assert trained[-1][1]["dataset"]["digits"] == "mnist-sample"


def test_cycle_switch_off_trains_without_the_cycle_loss(qtbot, view, messages, mnist):
    form = view.form
    assert form.cycle.isEnabled() and form.identity.isEnabled()
    form.cycle_on.click()                  # as the user does; λ and λ_id go with it
    assert not form.cycle_on.isChecked()
    assert not form.cycle.isEnabled() and not form.identity.isEnabled()
    trained: list = []
    _train(qtbot, view, trained)
    assert not messages
    assert view.charts.point_count("gan") == 3 and view.charts.point_count("d_b") == 3
    assert view.charts.point_count("cycle") == 0        # no cycle term: no cycle curve
    assert view.charts.point_count("identity") == 0     # weighted relative to λ: gone too
    assert "off" in view.charts.cycle.plotItem.titleLabel.text
    assert "cycle loss off" in view.charts.cycle.note.toPlainText()
    meta = trained[-1][1]
    assert meta["training"]["cycle"] == 0.0
    assert CycleGANModel.from_state(*trained[-1]).cycle_weight == 0.0

    form.cycle_on.click()                  # back on: the next run has λ = 10 again
    from playground.panels.translation.train_form import configs_from
    assert configs_from(form.values())[2].cycle == 10.0


def test_unit_trains_and_hands_out_a_unit_model(qtbot, view, messages, mnist):
    view.form.set_values({"model": "unit"})
    assert view.form.unit_box.isVisibleTo(view.form) and not view.form.cyc_box.isVisibleTo(view.form)
    trained: list = []
    _train(qtbot, view, trained)
    assert not messages
    for name in ("gan", "recon", "cycle", "kl", "cycle_kl", "d_a", "d_b"):
        assert view.charts.point_count(name) == 3, name
    assert view.charts.point_count("identity") == 0
    assert view.preview.labels[1].text() == "a → B"
    state, meta = trained[-1]
    assert meta["family"] == "unit" and meta["config"]["latent"] == 4
    unit = UNITModel.from_state(state, meta)
    assert unit.translate(_digit(mnist)).shape == (28, 28, 3)
    assert unit.encode(_digit(mnist), "A").shape == (4 * 49,)


def test_unit_takes_only_the_digits(qtbot, settings_file):
    from playground.panels.translation.train_form import TrainForm, configs_from
    form = TrainForm()
    qtbot.addWidget(form)
    form.set_values({"domains": "landscapes"})
    form.model.setCurrentIndex(form.model.findData("unit"))
    assert form.domains.currentData() == "digits"
    assert not form.domains.model().item(form.domains.findData("landscapes")).isEnabled()
    with pytest.raises(ValueError, match="digits"):
        configs_from({**form.values(), "domains": "landscapes"})


def _images(folder, n, size=(40, 30), seed=0):
    from PIL import Image
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (*size[::-1], 3), dtype=np.uint8)).save(
            folder / f"{i:02d}.png")


def test_a_folder_with_too_few_images_is_refused_and_nothing_starts(qtbot, view, messages,
                                                                    tmp_path):
    _images(tmp_path / "pics" / "A", 3)
    _images(tmp_path / "pics" / "B", 12)
    trained: list = []
    view.modelTrained.connect(lambda s, m: trained.append(m))
    started: list = []
    view.runner.stateChanged.connect(started.append)
    view.form.set_values({"size": 32})
    with qtbot.waitSignal(view.checker.failed, timeout=60_000):
        assert view.form.choose_folder(str(tmp_path / "pics"))   # checked at once, on a worker
    assert view.form.domains.currentData() == "folder"
    assert "3 usable image" in view.form.folder_check.text() and "at least 8" in \
        view.form.folder_check.text()
    kind, title, text = messages[-1]
    assert kind == "warning" and "folders" in title and "3 usable image" in text

    # Start checks again and refuses again, before any training
    messages.clear()
    with qtbot.waitSignal(view.checker.failed, timeout=60_000):
        assert view.start()
    assert messages and "3 usable image" in messages[-1][2]
    assert started == [] and not view.busy() and trained == []
    assert view.charts.point_count("gan") == 0 and view.preview.arrays is None
    assert view.form.start_btn.isEnabled()
    assert not view.save_checkpoint(str(tmp_path / "x"))


def test_a_folder_without_a_and_b_is_refused_with_the_reason(qtbot, view, messages, tmp_path):
    _images(tmp_path / "flat", 10)
    with qtbot.waitSignal(view.checker.failed, timeout=60_000):
        view.form.choose_folder(str(tmp_path / "flat"))
    assert "A/ and B/" in messages[-1][2]
    assert not view.busy()


def test_two_good_folders_train_and_save_a_checkpoint(qtbot, view, messages, tmp_path):
    _images(tmp_path / "horses", 9, (50, 40), seed=1)
    _images(tmp_path / "zebras", 8, (32, 64), seed=2)
    view.form.set_values({"steps": 2})
    with qtbot.waitSignal(view.checker.finished, timeout=60_000):
        assert view.form.choose_two_folders(str(tmp_path / "horses"), str(tmp_path / "zebras"))
    assert view.form.size.currentData() == 64               # the folders' default size
    assert "9 A and 8 B" in view.form.folder_check.text() and "64 px" in \
        view.form.folder_check.text()
    # a new size is checked again (the pictures are cut to it): the label follows
    with qtbot.waitSignal(view.checker.finished, timeout=60_000):
        view.form.size.setCurrentIndex(view.form.size.findData(32))
    assert "32 px" in view.form.folder_check.text()
    trained: list = []
    _train(qtbot, view, trained)
    assert not messages
    assert view.preview.views[0][0].image().shape == (32, 32, 3)
    meta = trained[-1][1]
    assert meta["config"]["size"] == 32 and meta["config"]["patch"] == 34
    assert "horses" in meta["dataset"]["name"] and str(tmp_path) not in str(meta)

    assert view.save_checkpoint(str(tmp_path / "ckpt"))
    loaded = load_checkpoint(tmp_path / "ckpt")
    assert loaded.family == "cyclegan" and loaded.meta["steps"] == 2
    x = np.random.default_rng(3).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    expected = CycleGANModel.from_state(view.last.state, view.last.meta).translate(x)
    assert np.array_equal(loaded.translate(x, "AtoB"), expected)


def test_save_with_nothing_trained_says_so(qtbot, view, messages, tmp_path):
    assert not view.save_checkpoint(str(tmp_path / "none"))
    assert messages[-1][0] == "information"
    assert not (tmp_path / "none").exists()


def test_stop_mid_run_keeps_the_last_step(qtbot, view, messages, mnist):
    view.form.set_values({"steps": 5000})
    trained: list = []
    view.modelTrained.connect(lambda s, m: trained.append((s, m)))
    assert view.start()
    qtbot.waitUntil(lambda: view.charts.point_count("gan") >= 1, timeout=120_000)
    assert not view.form.start_btn.isEnabled() and view.form.stop_btn.isEnabled()
    assert not view.form.width.isEnabled()
    with qtbot.waitSignal(view.runner.finished, timeout=60_000) as blocker:
        qtbot.mouseClick(view.form.stop_btn, Qt.MouseButton.LeftButton)
    assert blocker.args == [None]
    assert not messages
    assert view.form.start_btn.isEnabled() and view.form.width.isEnabled()
    state, meta = trained[-1]
    assert meta["stopped_early"] and 1 <= meta["steps"] < 5000
    assert "Stopped" in view.form.status.text()
    assert CycleGANModel.from_state(state, meta).translate(_digit(mnist)).shape == (28, 28, 3)


def test_shutdown_mid_run_ends_the_job(qtbot, view, messages):
    view.form.set_values({"steps": 5000})
    assert view.start()
    qtbot.waitUntil(lambda: view.charts.point_count("gan") >= 1, timeout=120_000)
    assert view.shutdown()
    assert not view.busy()


def test_nan_losses_stop_training_with_a_message_and_keep_the_snapshot(qtbot, view, messages,
                                                                       monkeypatch, mnist):
    import models.translation.cyclegan_training as ct
    real, calls = ct.generator_terms, []

    def poisoned(*args, **kwargs):
        terms = real(*args, **kwargs)
        calls.append(1)
        if len(calls) >= 3:                 # steps 1 and 2 are fine, step 3 diverges
            terms["loss"] = terms["loss"] * float("nan")
        return terms
    monkeypatch.setattr(ct, "generator_terms", poisoned)
    view.form.set_values({"steps": 10})
    trained: list = []
    view.modelTrained.connect(lambda s, m: trained.append(m))
    with qtbot.waitSignal(view.runner.failed, timeout=120_000):
        assert view.start()
    kind, title, text = messages[-1]
    assert kind == "warning" and title == "Training failed"
    assert "nan" in text.lower() and "step 1" in text and "is kept" in text
    assert view.last is not None and view.last.step == 1
    assert CycleGANModel.from_state(view.last.state, view.last.meta).translate(
        _digit(mnist)).shape == (28, 28, 3)
    assert view.form.start_btn.isEnabled()


def test_export_preview_png(qtbot, view, tmp_path):
    _train(qtbot, view)
    from PIL import Image
    assert view.export_preview(str(tmp_path / "p.png"))
    png = np.asarray(Image.open(tmp_path / "p.png"))
    assert png.shape == (6 * 28 + 4 * 2 + 6, 4 * 28 + 3 * 2, 3)
    assert np.array_equal(png[28 + 2:56 + 2, :28], view.preview.views[1][0].image())
    b_top = 3 * 28 + 2 * 2 + 6
    assert np.array_equal(png[b_top:b_top + 28, 30:58], view.preview.views[3][1].image())


def test_settings_persist(qtbot, settings_file):
    from playground.panels.translation.train_form import DEFAULTS, TrainForm
    form = TrainForm()
    qtbot.addWidget(form)
    assert form.values() == DEFAULTS
    form.width.setValue(24)
    form.cycle_on.setChecked(False)
    form.domains.setCurrentIndex(form.domains.findData("digits"))
    assert form.size.currentData() == 28 and form.size.count() == 1
    again = TrainForm()
    qtbot.addWidget(again)
    v = again.values()
    assert (v["width"], v["cycle_on"], v["domains"], v["size"]) == (24, False, "digits", 28)
    # hand-edited settings: what is not valid is ignored
    again.set_values({"width": "many", "steps": float("nan"), "size": 999, "domains": "moon"})
    assert again.values()["width"] == 24 and again.values()["size"] == 28


def test_the_panel_routes_help_and_saving_to_the_train_view(qtbot, one_torch_thread, tmp_path,
                                                            messages):
    from playground.help.translation_train import PAGES as TRAIN_PAGES
    from playground.panels.translation.panel import TranslationPanel
    panel = TranslationPanel(device="cpu")
    qtbot.addWidget(panel)
    panel.views.setCurrentWidget(panel.train)
    assert panel.help_topic() == "translation-train"
    assert [p.key for p in TRAIN_PAGES] == ["translation-train"]
    assert not panel.save_checkpoint(str(tmp_path / "c"))       # nothing trained yet
    assert messages[-1][0] == "information"
    assert panel.shutdown()


def test_the_equilibrium_lines_are_the_losses_when_d_answers_one_half():
    """The dashed lines (and the help's numbers) against the model's own loss functions."""
    import torch
    from models.translation.cyclegan import (CycleGAN, CycleGANConfig, CycleWeights,
                                             discriminator_terms, generator_terms)
    from playground.panels.translation.train_live import D_EQUILIBRIUM, G_EQUILIBRIUM

    class Half(torch.nn.Module):
        def forward(self, x):
            return torch.full((len(x), 1, 3, 3), 0.5)
    m = CycleGAN(CycleGANConfig(size=16, width=4, blocks=0, critic_width=4, patch=16))
    m.D_A, m.D_B = Half(), Half()
    a, b = torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
    g = generator_terms(m, a, b, CycleWeights(cycle=0.0))
    d = discriminator_terms(m, a, b, g["fake_a"], g["fake_b"])
    assert float(g["gan"]) == pytest.approx(G_EQUILIBRIUM)
    assert float(d["d_a"]) == pytest.approx(D_EQUILIBRIUM) == float(d["d_b"])
    assert "cycle" not in g and "identity" not in g          # λ = 0: the terms are absent


def test_the_best_least_squares_d_is_p_b_over_p_b_plus_p_g():
    """The help's D* by brute force: minimise ½(D − 1)² p_B + ½ D² p_G pointwise on a grid."""
    rng = np.random.default_rng(0)
    p_b, p_g = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    grid = np.linspace(0, 1, 100_001)
    best = grid[np.argmin(0.5 * (grid[:, None] - 1) ** 2 * p_b + 0.5 * grid[:, None] ** 2 * p_g,
                          axis=0)]
    np.testing.assert_allclose(best, p_b / (p_b + p_g), atol=1e-5)


def test_the_help_page_states_the_formulas_and_renders(qtbot):
    from PySide6.QtGui import QTextDocument
    from playground.help.translation_train import PAGES
    page = PAGES[0]
    assert page.key == "translation-train"
    text = page.body
    for needed in ("(D<sub>B</sub>(b) − 1)²", "F(G(a)) − a", "G(F(b)) − b", "λ = 10",
                   "λ<sub>id</sub> = 0.5", "= 0.25", "= 0.5", "Mode collapse",
                   "content not kept", "1 for real", "0 for translations", "mnist-sample"):
        assert needed in text, needed
    doc = QTextDocument()
    doc.setHtml(text)
    assert "round trip" in doc.toPlainText()


def test_keys_start_pause_resume_and_stop(qtbot, view, messages):
    """Ctrl+T starts, Ctrl+P pauses (the button says Resume) and resumes, Ctrl+. stops."""
    view.form.set_values({"steps": 5000})
    view.resize(1280, 820)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()               # window shortcuts need an active window
    qtbot.waitUntil(view.isActiveWindow, timeout=2000)
    ctrl = Qt.KeyboardModifier.ControlModifier
    with qtbot.waitSignal(view.runner.stateChanged, check_params_cb=lambda s: s == "running"):
        qtbot.keyClick(view, Qt.Key.Key_T, ctrl)
    qtbot.waitUntil(lambda: view.charts.point_count("gan") >= 1, timeout=120_000)
    with qtbot.waitSignal(view.runner.stateChanged, check_params_cb=lambda s: s == "paused"):
        qtbot.keyClick(view, Qt.Key.Key_P, ctrl)
    assert view.form.pause_btn.text() == "Resume"
    with qtbot.waitSignal(view.runner.stateChanged, check_params_cb=lambda s: s == "running"):
        qtbot.keyClick(view, Qt.Key.Key_P, ctrl)
    with qtbot.waitSignal(view.runner.finished, timeout=60_000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Period, ctrl)
    assert blocker.args == [None] and not messages
    assert view.last is not None and view.last.meta["stopped_early"]
