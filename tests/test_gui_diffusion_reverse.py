"""GUI tests of the reverse-process view, with tiny randomly initialised U-Nets (T = 50).

Nothing here depends on sample quality: the checks compare arrays computed from the same
seed, count frames, and spy on what reaches the sampler.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import Qt

from models import load_checkpoint
from models.diffusion import DiffusionConfig, DiffusionModel
from models.imaging import tile

pytestmark = pytest.mark.gui

T = 50
WAIT_MS = 60_000


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(autouse=True)
def no_pretrained(tmp_path, monkeypatch):
    """The shipped checkpoints may or may not exist yet; these tests never use them."""
    monkeypatch.setattr("playground.panels.diffusion.model_source.CHECKPOINTS",
                        tmp_path / "no-checkpoints")


def _tiny(num_classes: int, seed: int) -> DiffusionModel:
    torch.manual_seed(seed)
    model = DiffusionModel(DiffusionConfig(channels=(8, 8, 8), timesteps=T, num_classes=num_classes))
    # the U-Net starts by predicting ε̂ = 0 everywhere; give it an output that depends on x, t, y
    torch.nn.init.normal_(model.module.conv_out.weight, std=0.2)
    return model


@pytest.fixture(scope="module")
def tiny_paths(tmp_path_factory, one_torch_thread):
    root = tmp_path_factory.mktemp("tiny-ddpm")
    _tiny(0, 1).save(root / "uncond")
    _tiny(10, 2).save(root / "cond")
    return {"uncond": str(root / "uncond"), "cond": str(root / "cond")}


@pytest.fixture
def view(qtbot, messages, one_torch_thread):
    from playground.panels.diffusion.reverse_view import ReverseView
    v = ReverseView(device="cpu")
    qtbot.addWidget(v)
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.shutdown()
    qtbot.waitUntil(lambda: not v.runner.busy and not v.train_runner.busy, timeout=5000)


def _wait(qtbot, view):
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=WAIT_MS)


def _sample(qtbot, view, **controls) -> np.ndarray:
    """Set the sampling controls through their widgets, run a chain, return the final frame."""
    c = view.controls
    if "sampler" in controls:
        c.sampler.setCurrentIndex(c.sampler.findData(controls["sampler"]))
    for key, widget in (("steps", c.steps), ("eta", c.eta), ("n", c.count), ("seed", c.seed),
                        ("guidance", c.guidance)):
        if key in controls:
            widget.setValue(controls[key])
    if "label" in controls:
        c.label.setCurrentIndex(c.label.findData(controls["label"]))
    qtbot.mouseClick(c.sample_btn, Qt.MouseButton.LeftButton)
    _wait(qtbot, view)
    rec = view.chain.record
    assert rec is not None and rec.complete
    return rec.x_t[-1].copy()


# --------------------------------------------------------------------------- models

def test_a_missing_pretrained_model_is_explained_and_sampling_waits(view, tiny_paths):
    assert view.banner.isVisible()
    assert "not available" in view.banner.text() and "Train" in view.banner.text()
    assert not view.controls.sample_btn.isEnabled()
    assert not view.save_btn.isEnabled()
    assert view.open_checkpoint(tiny_paths["uncond"])
    assert not view.banner.isVisible()
    assert view.controls.sample_btn.isEnabled()
    assert "Opened" in view.model_box.currentText()


def test_a_corrupt_checkpoint_shows_an_error_and_keeps_the_model(view, tiny_paths, tmp_path,
                                                                 messages):
    assert view.open_checkpoint(tiny_paths["uncond"])
    before_key, before = view.current_key(), view.current_model()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    assert view.open_checkpoint(str(bad)) is False
    assert messages and messages[-1][0] == "warning" and "bad" in messages[-1][2]
    assert view.current_key() == before_key and view.current_model() is before
    assert view.model_box.count() == 3     # two pretrained entries and the tiny model


def test_save_writes_a_checkpoint_that_loads_back(view, tiny_paths, tmp_path):
    assert view.open_checkpoint(tiny_paths["cond"])
    assert view.save_checkpoint(str(tmp_path / "copy"))
    again = load_checkpoint(tmp_path / "copy")
    original = view.current_model().state_numpy()
    assert again.conditional
    assert all(np.array_equal(v, again.state_numpy()[k]) for k, v in original.items())


# --------------------------------------------------------------------------- the chain

def test_play_advances_the_reverse_chain(view, qtbot, tiny_paths):
    assert view.open_checkpoint(tiny_paths["uncond"])
    _sample(qtbot, view, sampler="ddim", steps=12, n=4, seed=3)
    bar, rec = view.chain.bar, view.chain.record
    assert len(rec) == 13 and bar.count() == 13
    assert bar.index() == 12                       # live display followed the chain to its end
    bar.set_index(0)
    first_x, first_x0 = view.chain.x_view.image().copy(), view.chain.x0_view.image().copy()
    assert np.array_equal(first_x, tile(rec.x_t[0], 2, pad=1, fill=255))
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)
    assert bar.playing
    qtbot.waitUntil(lambda: bar.index() >= 6, timeout=5000)
    i = bar.index()
    shown = view.chain.x_view.image()
    assert np.array_equal(shown, tile(rec.x_t[i], 2, pad=1, fill=255))
    assert not np.array_equal(shown, first_x)
    assert not np.array_equal(view.chain.x0_view.image(), first_x0)
    qtbot.waitUntil(lambda: not bar.playing, timeout=5000)   # it stops at the last frame
    assert bar.index() == 12
    assert "step 12 / 12" in bar.position.text() and "t = 0" in bar.position.text()
    # keyboard: Left / Right step, Space plays, with the focus anywhere in the chain view
    bar.slider.setFocus()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Left)
    assert bar.index() == 11
    bar.set_index(2)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    assert bar.index() == 3
    view.activateWindow()
    view.chain.x_view.setFocus()                   # the image views hand the focus on
    qtbot.waitUntil(bar.slider.hasFocus, timeout=2000)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Space)
    assert bar.playing
    qtbot.keyClick(bar.slider, Qt.Key.Key_Space)
    assert not bar.playing
    bar.set_index(3)
    # one image, large
    view.chain.show_box.setCurrentIndex(view.chain.show_box.findData(1))
    assert np.array_equal(view.chain.x_view.image(), rec.x_t[3][1])


def test_ddim_steps_and_eta_change_what_is_computed(view, qtbot, tiny_paths, monkeypatch):
    assert view.open_checkpoint(tiny_paths["uncond"])
    calls = []
    original = DiffusionModel.sample_chain

    def spy(self, *args, **kwargs):
        calls.append((args, kwargs))
        return original(self, *args, **kwargs)
    monkeypatch.setattr(DiffusionModel, "sample_chain", spy)

    a = _sample(qtbot, view, sampler="ddim", steps=5, eta=0.0, n=3, seed=7)
    assert len(view.chain.record) == 6
    assert calls[-1][0][1:3] == (5, 0.0) and calls[-1][0][6] == "ddim"
    b = _sample(qtbot, view, steps=20)
    assert len(view.chain.record) == 21
    assert not np.array_equal(a, b)
    again = _sample(qtbot, view, steps=5)
    assert np.array_equal(a, again)                # η = 0: the same seed gives the same images
    noisy = _sample(qtbot, view, steps=5, eta=1.0)
    assert calls[-1][0][2] == 1.0
    assert np.abs(noisy.astype(int) - a.astype(int)).mean() > 1.0
    # DDPM: S and η do not apply; the chain has all T steps
    ddpm = _sample(qtbot, view, sampler="ddpm")
    assert not view.controls.steps.isEnabled() and not view.controls.eta.isEnabled()
    assert "DDPM always runs" in view.controls.steps.toolTip()
    assert len(view.chain.record) == T + 1 and calls[-1][0][6] == "ddpm"
    assert not np.array_equal(ddpm, a)


def test_stop_keeps_the_frames_so_far(view, qtbot, tiny_paths):
    assert view.open_checkpoint(tiny_paths["uncond"])
    c = view.controls
    c.sampler.setCurrentIndex(c.sampler.findData("ddpm"))
    c.count.setValue(64)
    assert view.sample()
    assert c.stop_btn.isEnabled() and not c.sample_btn.isEnabled()
    qtbot.waitUntil(lambda: view.chain.record is not None and len(view.chain.record) >= 3,
                    timeout=WAIT_MS)
    qtbot.mouseClick(c.stop_btn, Qt.MouseButton.LeftButton)
    _wait(qtbot, view)
    rec = view.chain.record
    assert not rec.complete and 3 <= len(rec) <= T + 1
    assert "stopped after" in view.chain.title.text()
    assert view.chain.bar.count() == len(rec)
    assert c.sample_btn.isEnabled() and not c.stop_btn.isEnabled()


def test_a_failing_job_becomes_a_message(view, qtbot, tiny_paths, messages, monkeypatch):
    assert view.open_checkpoint(tiny_paths["uncond"])

    def broken(self, *args, **kwargs):
        raise RuntimeError("out of memory (simulated)")
        yield
    monkeypatch.setattr(DiffusionModel, "sample_chain", broken)
    assert view.sample()
    _wait(qtbot, view)
    assert messages[-1][:2] == ("warning", "Sampling failed")
    assert "out of memory" in messages[-1][2]
    assert view.controls.sample_btn.isEnabled() and view.controls.status.text() == "Failed."


# --------------------------------------------------------------------------- class and guidance

def test_class_and_guidance_controls_reach_the_sampler(view, qtbot, tiny_paths, monkeypatch):
    import models.diffusion.sampling as sampling
    seen = []
    original = sampling.guided_eps

    def spy(model, x, t, labels, guidance, num_classes):
        seen.append((None if labels is None else labels.cpu().numpy().copy(), guidance))
        return original(model, x, t, labels, guidance, num_classes)
    monkeypatch.setattr(sampling, "guided_eps", spy)

    c = view.controls
    assert view.open_checkpoint(tiny_paths["uncond"])
    assert not c.label.isEnabled() and not c.guidance.isEnabled()
    assert not c.guidance_btn.isEnabled() and "unconditional" in c.guidance.toolTip()

    assert view.open_checkpoint(tiny_paths["cond"])
    assert c.label.isEnabled() and c.guidance.isEnabled() and c.guidance_btn.isEnabled()
    w0 = _sample(qtbot, view, sampler="ddim", steps=4, n=5, seed=11, label=3, guidance=0.0)
    assert all(np.array_equal(lab, np.full(5, 3)) and g == 0.0 for lab, g in seen)
    seen.clear()
    w = _sample(qtbot, view, guidance=2.5)
    assert len(seen) == 4 and all(np.array_equal(lab, np.full(5, 3)) and g == 2.5
                                  for lab, g in seen)
    assert not np.array_equal(w, w0)
    seen.clear()
    other = _sample(qtbot, view, label=7)
    assert all(np.array_equal(lab, np.full(5, 7)) for lab, _ in seen)
    assert not np.array_equal(other, w)
    seen.clear()
    _sample(qtbot, view, label="each")
    assert np.array_equal(seen[0][0], np.arange(5) % 10)
    seen.clear()
    _sample(qtbot, view, label=None)
    assert not c.guidance.isEnabled() and "needs a class" in c.guidance.toolTip()
    assert all(lab is None for lab, _ in seen)


def test_guidance_grid_rows_share_noise_and_differ_by_w(view, qtbot, tiny_paths):
    assert view.open_checkpoint(tiny_paths["cond"])
    c = view.controls
    c.sampler.setCurrentIndex(c.sampler.findData("ddim"))
    c.steps.setValue(4)
    c.label.setCurrentIndex(c.label.findData(5))
    view.guidance_view.scales.setText("0, 4")
    view.guidance_view.columns.setValue(3)
    qtbot.mouseClick(c.guidance_btn, Qt.MouseButton.LeftButton)
    _wait(qtbot, view)
    r = view.guidance_view.result
    assert r is not None and r.rows.shape == (2, 3, 28, 28)
    assert r.scales == (0.0, 4.0) and np.array_equal(r.labels, [5, 5, 5])
    assert not np.allclose(r.rows[0], r.rows[1])
    # row w = 0 is the plain conditional model from the same noise
    model = view.current_model()
    plain = model.sample(x_T=model.noise(3, seed=c.seed.value()), steps=4, label=5)
    np.testing.assert_allclose(r.rows[0], plain, atol=1e-5)
    view.guidance_view.scales.setText("0, eleven")
    assert view.guidance_grid() is False


def test_guidance_grid_each_class_shows_all_classes_and_spread_within_them(view, qtbot,
                                                                          tiny_paths):
    from models.metrics import within_class_spread
    assert view.open_checkpoint(tiny_paths["cond"])
    c = view.controls
    c.sampler.setCurrentIndex(c.sampler.findData("ddim"))
    c.steps.setValue(2)
    c.label.setCurrentIndex(c.label.findData("each"))
    view.guidance_view.scales.setText("0, 3")
    view.guidance_view.columns.setValue(2)
    qtbot.mouseClick(c.guidance_btn, Qt.MouseButton.LeftButton)
    _wait(qtbot, view)
    r = view.guidance_view.result
    # every one of the ten classes, twice, laid out one column per class
    assert r.rows.shape == (2, 20, 28, 28) and r.columns == 10
    assert np.array_equal(r.labels, np.tile(np.arange(10), 2))
    assert r.row_grid(0).shape == (2 * 29 - 1, 10 * 29 - 1)
    for row, div in zip(r.rows, r.diversity):
        assert div == pytest.approx(within_class_spread(row, r.labels))
    label = view.guidance_view._row_widgets[0][0].text()
    assert "spread within" in label and f"{r.diversity[0]:.2f}" in label
    assert "one column per class" in view.guidance_view.info.text()
    exported = view.guidance_view.export_image()
    assert exported.shape == (2 * r.row_grid(0).shape[0] + 6, r.row_grid(0).shape[1])


# --------------------------------------------------------------------------- same noise

def test_ddpm_and_ddim_from_the_same_noise_with_wall_times(view, qtbot, tiny_paths):
    assert view.open_checkpoint(tiny_paths["uncond"])
    c = view.controls
    c.steps.setValue(6)
    c.count.setValue(4)
    c.seed.setValue(21)
    qtbot.mouseClick(c.compare_btn, Qt.MouseButton.LeftButton)
    _wait(qtbot, view)
    r = view.compare_view.result
    assert r is not None and r.ddpm.shape == r.ddim.shape == (4, 28, 28)
    assert r.ddpm_steps == T and r.ddim_steps == 6 and r.ddpm_s > 0 and r.ddim_s > 0
    model = view.current_model()
    x_T = model.noise(4, seed=21)
    ddpm = model.sample(x_T=x_T, sampler="ddpm", generator=torch.Generator().manual_seed(22))
    ddim = model.sample(x_T=x_T, steps=6)
    np.testing.assert_allclose(r.ddpm, ddpm, atol=1e-5)
    np.testing.assert_allclose(r.ddim, ddim, atol=1e-5)
    np.testing.assert_array_equal(view.compare_view.noise_view.image(),
                                  tile((x_T[:, 0].clamp(-1, 1).numpy() + 1) / 2, 2, pad=1))
    assert view.compare_view.ddpm_view.image() is not None
    assert view.compare_view.ddim_view.image() is not None
    assert f"{T} steps" in view.compare_view.ddpm_label.text()
    assert " s" in view.compare_view.ddpm_label.text() and " s" in view.compare_view.ddim_label.text()
    # the headline is the count of network evaluations, T against S, not a ratio of wall times
    assert (r.ddpm_evals, r.ddim_evals) == (T, 6)
    assert f"{T} evaluations" in view.compare_view.ddpm_label.text()
    assert "6 evaluations" in view.compare_view.ddim_label.text()
    summary = view.compare_view.summary.text()
    assert summary.startswith(f"DDIM used 6 network evaluations vs DDPM's {T}: {T / 6:.1f}× fewer")
    assert "faster" not in summary and "per evaluation" in summary
    assert "ms per evaluation" in view.compare_view.ddpm_view._caption


def test_guided_comparison_counts_two_evaluations_per_step(view, qtbot, tiny_paths):
    assert view.open_checkpoint(tiny_paths["cond"])
    c = view.controls
    c.steps.setValue(5)
    c.count.setValue(2)
    c.label.setCurrentIndex(c.label.findData(3))
    c.guidance.setValue(2.0)
    qtbot.mouseClick(c.compare_btn, Qt.MouseButton.LeftButton)
    _wait(qtbot, view)
    r = view.compare_view.result
    assert (r.ddpm_evals, r.ddim_evals) == (2 * T, 10)
    assert "doubled batch" in view.compare_view.summary.text()


def test_steps_tooltip_names_the_last_timestep_the_code_visits(view, tiny_paths):
    from playground.panels.diffusion.jobs import SampleParams, chain_timesteps
    assert view.open_checkpoint(tiny_paths["uncond"])
    c = view.controls
    c.sampler.setCurrentIndex(c.sampler.findData("ddim"))
    c.steps.setValue(5)
    ts = chain_timesteps(view.current_model(), SampleParams(steps=5))
    assert ts == (50, 40, 30, 20, 10)
    assert f"t = {', '.join(map(str, ts))}, then x₀" in c.steps.toolTip()
    assert "t = 1." not in c.steps.toolTip()


# --------------------------------------------------------------------------- export, settings

def test_export_gif_and_png(view, qtbot, tiny_paths, tmp_path):
    assert view.open_checkpoint(tiny_paths["uncond"])
    _sample(qtbot, view, sampler="ddim", steps=8, n=4, seed=0)
    gif, png = tmp_path / "chain.gif", tmp_path / "final.png"
    assert view.export_gif(str(gif), fps=20)
    _wait(qtbot, view)
    with Image.open(gif) as im:
        assert im.n_frames >= 9          # PIL merges the identical held frames
        im.seek(0)
        first = np.asarray(im.convert("L"))
        im.seek(8)
        last = np.asarray(im.convert("L"))
    assert first.shape[1] > 2 * first.shape[0]        # x_t and x̂_0 side by side
    assert not np.array_equal(first, last)
    assert view.export_png("chain", str(png))
    with Image.open(png) as im:
        assert im.size == (3 * 57, 3 * 57)              # a 2×2 grid with a 1-pixel gap, ×3


def test_sampling_settings_persist(qtbot, tiny_paths, messages, one_torch_thread):
    from playground.panels.diffusion.reverse_view import ReverseView
    first = ReverseView(device="cpu")
    qtbot.addWidget(first)
    assert first.open_checkpoint(tiny_paths["cond"])
    c = first.controls
    c.steps.setValue(7)
    c.eta.setValue(0.35)
    c.count.setValue(9)
    c.seed.setValue(1234)
    c.label.setCurrentIndex(c.label.findData(4))
    c.guidance.setValue(4.5)
    first.shutdown()
    second = ReverseView(device="cpu")
    qtbot.addWidget(second)
    assert second.open_checkpoint(tiny_paths["cond"])
    p = second.controls.params()
    assert (p.steps, p.eta, p.n, p.seed, p.label, p.guidance) == (7, 0.35, 9, 1234, 4, 4.5)
    second.shutdown()


# --------------------------------------------------------------------------- training

def test_live_training_draws_loss_and_samples_and_becomes_trained_here(view, qtbot, small_mnist):
    pane = view.training
    pane.set_values({"channels": [8, 8, 8], "timesteps": T, "epochs": 1, "batch_size": 256,
                     "samples_every_steps": 1, "conditional": True, "schedule": "cosine"})
    assert view.start_training(dataset=small_mnist)
    assert view.tabs.currentWidget() is pane
    qtbot.waitUntil(lambda: not view.train_runner.busy, timeout=WAIT_MS)
    assert pane.curve.point_count() == 2                    # 512 images / 256 per batch
    assert np.isfinite(pane.curve.series["smoothed"].y).all() and pane.curve.series["smoothed"].y[0] > 0
    assert pane.curve.point_count("held-out (EMA)") == 1                 # one epoch, one held-out point
    assert pane.samples.image() is not None and "step 2" in pane.samples._caption
    assert view.current_key() == "trained" and view.model_box.currentText() == "Trained here"
    model = view.current_model()
    assert model.conditional and model.config.schedule == "cosine" and model.meta["steps"] == 2
    ema = view._trainer.state_numpy()
    assert all(np.array_equal(v, model.state_numpy()[k]) for k, v in ema.items())
    assert view.controls.sample_btn.isEnabled() and view.controls.guidance_btn.isEnabled()
    assert "Finished" in pane.status.text()


def test_empty_guidance_view_keeps_its_text_and_controls_at_the_top(qtbot):
    """Before any grid (or with an unconditional model) the rows are empty; the blank space
    belongs below the controls, not spread between the note, the scales and the message."""
    from playground.panels.diffusion.guidance_view import GuidanceView

    gv = GuidanceView()
    qtbot.addWidget(gv)
    gv.clear("This model is unconditional.")
    gv.resize(1000, 700)
    gv.show()
    qtbot.waitExposed(gv)
    # the scales bar sits right under the note, the message right under the bar
    assert gv.scales.geometry().top() < 200
    assert gv.info.geometry().bottom() < 300
