"""GUI tests of the GAN panel's Digits view, with tiny randomly initialised generators.

Nothing depends on sample quality: the checks compare the pictures with the generator run on
the same noise, spy on what reaches the sampler, and train a tiny GAN for one epoch.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from models import load_checkpoint
from models.gan.api import GANModel
from models.gan.diagnostics import REMEDIES, Diagnosis
from models.gan.losses import LabelTricks
from models.gan.nets import GANConfig, slerp
from models.gan.training import DEFAULT_CLASSIFIER, GANTrainConfig, GANTrainer
from models.imaging import tile
from models.trainer import TrainingDiverged

pytestmark = pytest.mark.gui

WAIT_MS = 60_000


@pytest.fixture(autouse=True)
def no_shipped(tmp_path, monkeypatch):
    """The shipped checkpoints may or may not exist yet; these tests never use them."""
    monkeypatch.setattr("playground.panels.gan.digits_source.CHECKPOINTS", tmp_path / "none")


def _tiny(num_classes: int, seed: int) -> GANModel:
    torch.manual_seed(seed)
    meta = {"dataset": {"name": "mnist", "classes": [str(i) for i in range(10)]}} \
        if num_classes else {}
    return GANModel(GANConfig(noise_dim=8, g_width=8, d_width=8, num_classes=num_classes),
                    meta=meta)


@pytest.fixture(scope="module")
def tiny_paths(tmp_path_factory, one_torch_thread):
    root = tmp_path_factory.mktemp("tiny-gan")
    _tiny(0, 1).save(root / "uncond")
    _tiny(10, 2).save(root / "cond")
    return {"uncond": str(root / "uncond"), "cond": str(root / "cond")}


@pytest.fixture
def view(qtbot, messages, one_torch_thread, monkeypatch):
    from playground.panels.gan.digits_view import DigitsView
    # the tiny jobs train fastest on one thread, and do not crawl on a busy machine
    monkeypatch.setattr("playground.torch_threads._job_threads", 1)
    v = DigitsView(device="cpu")
    qtbot.addWidget(v)
    v.resize(1400, 860)
    v.show()
    qtbot.waitExposed(v)
    yield v
    assert v.shutdown()


def _open(view, path: str, tab: str = "samples") -> GANModel:
    assert view.open_checkpoint(path)
    view.tabs.setCurrentIndex({"train": 0, "samples": 1, "conditional": 2}[tab])
    return view.current_model()


def _focus(qtbot, view, widget) -> None:
    view.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)


def _spy(monkeypatch, name: str) -> list[dict]:
    calls, real = [], getattr(GANModel, name)

    def spy(self, *args, **kwargs):
        calls.append({"args": args, **kwargs})
        return real(self, *args, **kwargs)
    monkeypatch.setattr(GANModel, name, spy)
    return calls


# --------------------------------------------------------------------------- sampling

def test_a_checkpoint_samples_resamples_and_repeats_its_seed(view, qtbot, tiny_paths):
    model = _open(view, tiny_paths["uncond"])
    pane = view.samples
    pane.seed.setValue(11)
    first = pane.grid.image().copy()
    # the grid is G on the seed's noise, 8 × 8
    assert np.array_equal(first, tile(model.sample(64, generator=11), 8, pad=2))
    _focus(qtbot, view, pane.grid)
    qtbot.keyClick(pane.grid, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Resample
    assert pane.seed.value() != 11
    assert not np.array_equal(pane.grid.image(), first)
    pane.seed.setValue(11)
    assert np.array_equal(pane.grid.image(), first)


def test_the_info_line_writes_the_noise_space_with_a_superscript(view, tiny_paths):
    """It read "z ∈ ℝ^8": the dimension is a superscript now."""
    from playground.panels.gan.digits_source import describe
    _open(view, tiny_paths["uncond"])
    assert "z ∈ ℝ⁸ ·" in view.info.text() and "^" not in view.info.text()
    assert "z ∈ ℝ¹²⁸ ·" in describe(GANModel(GANConfig(noise_dim=128, g_width=8, d_width=8)))


def test_truncation_reaches_the_sampler(view, tiny_paths, monkeypatch):
    _open(view, tiny_paths["uncond"])
    pane = view.samples
    plain = pane.grid.image().copy()
    calls = _spy(monkeypatch, "latent")
    pane.trunc_on.setChecked(True)
    pane.trunc.setValue(10)                            # 10 × 0.05
    assert calls and calls[-1]["truncation"] == pytest.approx(0.5)
    assert np.abs(pane.z).max() <= 0.5
    assert not np.array_equal(pane.grid.image(), plain)
    pane.trunc_on.setChecked(False)
    assert calls[-1]["truncation"] is None
    assert np.array_equal(pane.grid.image(), plain)


def test_the_class_picker_reaches_the_sampler(view, qtbot, tiny_paths, monkeypatch):
    model = _open(view, tiny_paths["cond"], "conditional")
    pane = view.conditional
    assert pane.picker_box.isEnabled() and pane.buttons[0].isChecked()
    calls = _spy(monkeypatch, "generate")
    view.tabs.setCurrentIndex(1)
    _focus(qtbot, view, view.samples.grid)
    qtbot.keyClick(view.samples.grid, Qt.Key.Key_3)    # keys 0–9 pick the class
    assert pane.label == 3 and view.samples.label == 3
    labels = np.asarray(calls[0]["args"][1])
    assert len(labels) == 64 and (labels == 3).all()
    view.tabs.setCurrentIndex(2)
    qtbot.mouseClick(pane.buttons[1 + 7], Qt.MouseButton.LeftButton)   # the "7" button
    assert pane.buttons[1 + 7].isChecked() and not pane.buttons[0].isChecked()
    view.tabs.setCurrentIndex(1)
    assert (np.asarray(calls[-1]["args"][1]) == 7).all()
    assert "7" in view.samples.class_label.text()
    # one row per class, the same z down each column
    view.tabs.setCurrentIndex(2)
    rows = pane.rows
    assert rows.shape == (10, pane.columns.value(), 28, 28)
    z = model.latent(pane.columns.value(), generator=view.samples.seed.value())
    for r in (0, 4, 9):
        assert np.allclose(rows[r], model.generate(z, r), atol=1e-5)
    assert not np.allclose(rows[0], rows[1], atol=1e-3)
    # a detour via an unconditional model keeps the pick
    cond_key = view.current_key()
    assert view.open_checkpoint(tiny_paths["uncond"]) and pane.label is None
    view.select_model(cond_key)
    assert pane.label == 7 and pane.buttons[1 + 7].isChecked()


def test_an_unconditional_model_disables_the_class_picker(view, tiny_paths):
    _open(view, tiny_paths["uncond"], "conditional")
    assert not view.conditional.picker_box.isEnabled()
    assert "unconditional" in view.conditional.note.text()
    assert view.conditional.rows is None


def test_interpolation_runs_from_g_of_a_to_g_of_b(view, qtbot, tiny_paths):
    model = _open(view, tiny_paths["uncond"])
    pane = view.samples
    grid = pane.grid
    for cell, button in ((5, Qt.MouseButton.LeftButton), (12, Qt.MouseButton.RightButton)):
        c = grid.cell_rect(cell).center()
        qtbot.mouseClick(grid, button, pos=QPoint(int(c.x()), int(c.y())))
    assert pane.ends["A"]["cell"] == 5 and pane.ends["B"]["cell"] == 12
    za, zb = pane.z[5], pane.z[12]
    assert np.array_equal(pane.ends["A"]["z"], za)
    frames = pane.frames
    assert len(frames) == pane.k.value()
    assert np.allclose(frames[0], model.generate(za)[0], atol=1e-5)
    assert np.allclose(frames[-1], model.generate(zb)[0], atol=1e-5)
    pane.t_bar.set_index(0)
    assert np.allclose(pane.big.image(), model.generate(za)[0], atol=1e-5)
    pane.t_bar.set_index(100)
    assert np.allclose(pane.big.image(), model.generate(zb)[0], atol=1e-5)
    # a new seed keeps A and B (the frames stay) but their cells no longer hold them
    seed = pane.seed.value()
    pane.seed.setValue(seed + 1)
    assert grid.marks == {} and np.array_equal(pane.frames, frames)
    pane.seed.setValue(seed)
    assert grid.marks == {"A": 5, "B": 12}


def test_linear_and_spherical_midpoints_differ(view, tiny_paths):
    model = _open(view, tiny_paths["uncond"])
    pane = view.samples
    pane.pick("A", 0)
    pane.pick("B", 1)
    za, zb = pane.z[0], pane.z[1]
    pane.t_bar.set_index(50)
    pane.mode.setCurrentIndex(pane.mode.findData("linear"))
    linear = pane.big.image().copy()
    assert np.allclose(linear, model.generate((za + zb) / 2)[0], atol=1e-5)
    pane.mode.setCurrentIndex(pane.mode.findData("slerp"))
    spherical = pane.big.image().copy()
    assert np.allclose(spherical, model.generate(slerp(za, zb, 0.5))[0], atol=1e-5)
    assert np.abs(linear - spherical).max() > 1e-3


def test_strip_and_gif_export(view, tiny_paths, tmp_path, messages):
    _open(view, tiny_paths["uncond"])
    pane = view.samples
    pane.k.setValue(5)
    assert pane.export_png(str(tmp_path / "strip.png"))
    png = Image.open(tmp_path / "strip.png")
    assert png.size == (3 * (5 * 28 + 4), 3 * 28)
    assert pane.export_gif(str(tmp_path / "morph.gif"))
    gif = Image.open(tmp_path / "morph.gif")
    assert gif.n_frames > 10
    assert not pane.export_png(str(tmp_path / "no-such-folder" / "x.png"))
    assert messages[-1][:2] == ("warning", "Export failed")


def test_settings_persist(qtbot, tiny_paths, one_torch_thread):
    from playground.panels.gan.digits_view import DigitsView
    v = DigitsView(device="cpu")
    qtbot.addWidget(v)
    assert v.open_checkpoint(tiny_paths["cond"])
    v.tabs.setCurrentIndex(2)
    v.conditional.pick(4)
    v.samples.seed.setValue(1234)
    v.samples.set_truncation(0.7)
    v.train_controls.kind.setCurrentIndex(v.train_controls.kind.findData("cgan"))
    v.train_controls.tips.checks["flip"].setChecked(True)
    v.train_controls.tips.amounts["flip"].setValue(0.1)
    assert v.shutdown()
    again = DigitsView(device="cpu")
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 2
    assert again.samples.seed.value() == 1234 and again.samples.truncation() == pytest.approx(0.7)
    values = again.train_controls.values()
    assert values["kind"] == "cgan" and values["flip_on"] and values["flip"] == pytest.approx(0.1)
    assert again.open_checkpoint(tiny_paths["cond"])
    assert again.conditional.label == 4
    assert again.shutdown()


# --------------------------------------------------------------------------- models

def test_a_bad_checkpoint_is_a_dialog_and_the_model_stays(view, tiny_paths, tmp_path, messages):
    model = _open(view, tiny_paths["uncond"])
    before = view.samples.grid.image().copy()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    assert view.open_checkpoint(str(bad)) is False
    assert messages and messages[-1][0] == "warning" and "bad" in messages[-1][2]
    assert view.current_model() is model
    assert np.array_equal(view.samples.grid.image(), before)


def test_a_missing_shipped_model_is_explained(view):
    assert view.current_model() is None
    assert view.banner.isVisible() and "not available" in view.banner.text()
    assert not view.save_btn.isEnabled()


def test_save_writes_a_checkpoint_that_loads_back(view, tiny_paths, tmp_path):
    model = _open(view, tiny_paths["cond"])
    assert view.save_checkpoint(str(tmp_path / "copy"))
    again = load_checkpoint(tmp_path / "copy")
    assert again.conditional
    assert np.array_equal(again.sample(4, label=2, generator=1),
                          model.sample(4, label=2, generator=1))


# --------------------------------------------------------------------------- training

def test_the_tips_map_to_the_training_config():
    from playground.panels.gan.digits_tips import configs_from
    mc, tc = configs_from({"kind": "cgan", "epochs": 3, "batch_size": 32, "noise_dim": 16,
                           "g_width": 24, "d_width": 12, "smoothing_on": True,
                           "smoothing": 0.2, "noise_on": False, "noise": 0.3, "flip_on": True,
                           "flip": 0.05, "dropout_on": True, "dropout": 0.4,
                           "separate_lr": True, "lr": 1e-3, "lr_d": 1e-4, "lr_g": 4e-4,
                           "k_d": 2, "loss": "minimax", "gp_weight": 5.0, "seed": 9})
    assert mc == GANConfig(noise_dim=16, g_width=24, d_width=12, num_classes=10, d_dropout=0.4)
    assert tc == GANTrainConfig(loss="minimax", epochs=3, batch_size=32, lr_g=4e-4, lr_d=1e-4,
                                k_d=2, tricks=LabelTricks(smoothing=0.2, noise=0.0, flip=0.05),
                                gp_weight=5.0, seed=9)
    # one rate for both; the Wasserstein critic has no labels to smooth
    mc, tc = configs_from({"kind": "wgan-gp", "loss": "wgan-gp", "smoothing_on": True,
                           "separate_lr": False, "lr": 3e-4, "lr_d": 1e-2})
    assert mc.num_classes == 0 and mc.d_dropout == 0
    assert tc.tricks == LabelTricks() and tc.lr_d == tc.lr_g == 3e-4
    with pytest.raises(ValueError):
        configs_from({"smoothing_on": True, "smoothing": 0.7})


def test_the_switches_produce_the_config(view, qtbot):
    from playground.panels.gan.digits_tips import configs_from
    view.tabs.setCurrentIndex(0)
    c = view.train_controls
    tips = c.tips
    tips.checks["noise"].setChecked(True)
    tips.amounts["noise"].setValue(0.15)
    tips.checks["dropout"].setChecked(True)
    tips.d_width.setValue(32)
    _, tc = configs_from(c.values())
    assert tc.tricks == LabelTricks(noise=0.15) and tc.loss == "non-saturating"
    mc, _ = configs_from(c.values())
    assert mc.d_width == 32 and mc.d_dropout == pytest.approx(0.3)
    # picking WGAN-GP sets the loss and the paper's settings, and greys out the label tricks
    c.kind.setCurrentIndex(c.kind.findData("wgan-gp"))
    assert tips.loss() == "wgan-gp" and tips.k_d.value() == 5
    assert not tips.checks["noise"].isEnabled() and tips.gp_weight.isEnabled()
    _, tc = configs_from(c.values())
    assert tc.loss == "wgan-gp" and tc.lr_d == tc.lr_g == pytest.approx(1e-4)
    assert tc.tricks == LabelTricks()
    radio = tips.loss_buttons["minimax"]     # a radio button reacts on its circle and text
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert c.kind.currentData() == "dcgan"


def _tiny_training(view, epochs: int = 1) -> None:
    c = view.train_controls
    c.epochs.setValue(epochs)
    c.noise_dim.setValue(8)
    c.g_width.setValue(8)
    c.tips.d_width.setValue(8)


def test_a_short_training_run_fills_the_live_view(view, qtbot, small_mnist):
    _tiny_training(view)
    assert view.start_training(dataset=small_mnist)
    qtbot.waitUntil(lambda: not view.train_runner.busy, timeout=WAIT_MS)
    live = view.live
    steps = len(small_mnist.train) // 64
    assert live.losses.point_count("D") == steps and live.losses.point_count("G") == steps
    assert live.outputs.point_count("D(x)") == steps
    assert live.samples.image() is not None and live.samples.image().std() > 0
    assert len(live.strip.thumbs) == 1 and live.health.point_count("diversity")
    if DEFAULT_CLASSIFIER.is_dir():         # the class histogram under the shipped classifier
        assert live.classes.hist is not None and live.classes.hist.sum() == pytest.approx(1)
    assert view.current_key() == "trained" and "Trained here" in view.model_box.currentText()
    model = view.current_model()
    assert model.meta["steps"] == steps and model.config.g_width == 8
    view.tabs.setCurrentIndex(1)
    assert view.samples.model is model and view.samples.grid.image() is not None


def test_a_diagnosis_shows_its_remedy(view):
    banner = view.live.banner
    view.tabs.setCurrentIndex(0)
    view._on_train_events([Diagnosis("overpowered", True, 420, "D's loss sat at its floor")])
    assert banner.isVisible()
    assert "overpowering" in banner.text() and REMEDIES["overpowered"] in banner.text()
    view._on_train_events([Diagnosis("overpowered", False, 520, "")])
    assert not banner.isVisible()


def test_a_collapse_card_suggests_a_conditional_gan_only_for_an_unconditional_one(
        view, qtbot, tmp_path, messages):
    """The digits have labels: conditioning on them is a remedy, unless G already is."""
    banner, c = view.live.banner, view.train_controls
    _tiny_training(view)
    for kind, suggested in (("dcgan", True), ("cgan", False)):
        c.set_values({"kind": kind, "dataset": str(tmp_path / "no-data-here")})
        assert view.start_training()                 # fails at once: no data; that is enough
        qtbot.waitUntil(lambda: not view.train_runner.busy, timeout=WAIT_MS)
        view._on_train_events([Diagnosis("collapse", True, 300, "G's digits look alike")])
        assert REMEDIES["collapse"].split(". ")[0] in banner.text()
        assert ("conditional GAN" in banner.text()) is suggested, kind
        view._on_train_events([Diagnosis("collapse", False, 400, "")])


def test_a_diverged_run_is_a_dialog_and_keeps_the_last_snapshot(view, qtbot, small_mnist,
                                                                   messages, monkeypatch):
    real_step = GANTrainer._step

    def step(self, *args):
        if self.steps_done >= 3:
            raise TrainingDiverged("D's loss became nan at step 4.")
        return real_step(self, *args)
    monkeypatch.setattr(GANTrainer, "_step", step)
    _tiny_training(view)
    assert view.start_training(dataset=small_mnist, snapshot_every_s=0.0, live_budget=1.0)
    qtbot.waitUntil(lambda: not view.train_runner.busy, timeout=WAIT_MS)
    assert messages[-1][:2] == ("warning", "Training failed") and "nan" in messages[-1][2]
    model = view.current_model()
    assert view.current_key() == "trained" and 1 <= model.meta["steps"] <= 3
    assert np.isfinite(model.sample(4, generator=0)).all()


def test_missing_data_is_a_dialog(view, qtbot, tmp_path, messages):
    _tiny_training(view)
    view.train_controls.set_values({"dataset": str(tmp_path / "no-data-here")})
    assert view.start_training()
    qtbot.waitUntil(lambda: not view.train_runner.busy, timeout=WAIT_MS)
    assert messages[-1][:2] == ("warning", "Training failed")
    assert view.train_controls.train_btn.isEnabled()


def test_shutdown_mid_training_returns_true(view, qtbot, small_mnist):
    _tiny_training(view, epochs=500)
    assert view.start_training(dataset=small_mnist)
    qtbot.waitUntil(lambda: view.live.losses.point_count("D") > 0, timeout=WAIT_MS)
    assert view.train_runner.busy
    assert view.shutdown() is True
    assert not view.train_runner.busy
