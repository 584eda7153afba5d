"""The main window across panels: opening any checkpoint in its family's panel, the tab
that persists, and closing with jobs running in several panels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QThreadPool  # noqa: E402

from models.checkpoint import save_checkpoint  # noqa: E402
from models.diffusion import DiffusionConfig, DiffusionModel  # noqa: E402

pytestmark = pytest.mark.gui
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def tiny_diffusion(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt") / "tiny-cond"
    DiffusionModel(DiffusionConfig(channels=(8, 8, 8), timesteps=20, time_dim=32,
                                   num_classes=10)).save(folder)
    return folder


def test_every_family_has_a_tab(make_window):
    w = make_window()
    titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert titles == ["Autoencoders", "Diffusion", "GANs", "pix2pix", "Translation",
                      "Likelihood"]
    views = w.diffusion.views
    assert [views.tabText(i) for i in range(views.count())] == [
        "Forward process", "Reverse process", "2-D particles"]


def test_open_routes_a_checkpoint_to_its_family(make_window, tiny_diffusion, messages):
    from playground.panels.autoencoder.panel import CHECKPOINTS
    w = make_window()
    w.tabs.setCurrentWidget(w.autoencoder)
    assert w.open_checkpoint(str(tiny_diffusion)) is True
    assert w.tabs.currentWidget() is w.diffusion
    assert w.diffusion.views.currentWidget() is w.diffusion.reverse
    model = w.diffusion.reverse.current_model()
    assert model.conditional and model.config.timesteps == 20
    assert w.open_checkpoint(str(CHECKPOINTS / "mnist-ae-2d")) is True
    assert w.tabs.currentWidget() is w.autoencoder
    assert "mnist-ae-2d" in w.autoencoder.active_name()
    assert messages == []


def test_pix2pix_checkpoints_open_in_the_painter(make_window, tmp_path, messages):
    from models.pix2pix.api import Pix2PixConfig, Pix2PixModel
    w = make_window()
    w.tabs.setCurrentWidget(w.autoencoder)
    w.pix2pix.views.setCurrentWidget(w.pix2pix.train)
    folder = tmp_path / "tiny-p2p"
    Pix2PixModel(Pix2PixConfig(size=64, depth=6, width=4)).save(folder)
    assert w.open_checkpoint(str(folder)) is True
    assert w.tabs.currentWidget() is w.pix2pix
    assert w.pix2pix.views.currentWidget() is w.pix2pix.paint
    assert w.pix2pix.paint.current_model().config.width == 4
    assert messages == []


def test_gan_checkpoints_open_in_the_view_of_their_family(make_window, tmp_path, messages):
    from models.gan.nets import GANConfig
    from models.gan.toy2d import GAN2DConfig
    from models.gan.toy2d_api import GAN2DModel
    from models.gan.api import GANModel
    w = make_window()
    w.tabs.setCurrentWidget(w.autoencoder)
    image_gan = tmp_path / "tiny-cgan"
    GANModel(GANConfig(noise_dim=8, g_width=8, d_width=8, num_classes=10), meta={}).save(image_gan)
    assert w.open_checkpoint(str(image_gan)) is True
    assert w.tabs.currentWidget() is w.gan
    assert w.gan.views.currentWidget() is w.gan.digits
    model = w.gan.digits.current_model()
    assert model.conditional and model.config.noise_dim == 8
    points_gan = tmp_path / "tiny-gan2d"
    GAN2DModel(GAN2DConfig(noise_dim=3, g_width=16, d_width=16), meta={"data": "moons"}).save(points_gan)
    w.tabs.setCurrentWidget(w.diffusion)
    assert w.open_checkpoint(str(points_gan)) is True
    assert w.tabs.currentWidget() is w.gan
    assert w.gan.views.currentWidget() is w.gan.lab
    assert w.gan.lab.trainer.model_config.noise_dim == 3
    assert messages == []


def test_open_refuses_corrupt_and_foreign_checkpoints(make_window, tmp_path, messages):
    w = make_window()
    w.tabs.setCurrentWidget(w.autoencoder)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "model.safetensors").write_bytes(b"\x00not a checkpoint")
    (garbage / "config.json").write_text("{")
    assert w.open_checkpoint(str(garbage)) is False
    foreign = tmp_path / "foreign"
    save_checkpoint(foreign, {"w": np.zeros(3, np.float32)}, {"family": "flow", "config": {}})
    assert w.open_checkpoint(str(foreign)) is False
    assert [kind for kind, _, _ in messages] == ["warning", "warning"]
    assert "'flow'" in messages[1][2]
    assert w.tabs.currentWidget() is w.autoencoder     # nothing moved


def test_the_open_tab_persists(make_window):
    first = make_window()
    first.tabs.setCurrentWidget(first.diffusion)
    first.diffusion.views.setCurrentWidget(first.diffusion.toy)
    first.close()
    second = make_window()
    assert second.tabs.currentWidget() is second.diffusion
    assert second.diffusion.views.currentWidget() is second.diffusion.toy


def test_bad_saved_tabs_are_ignored(make_window, settings_file):
    from playground import settings as app_settings
    app_settings.set_str("window/tab", "no-such-panel")
    app_settings.set_json("diffusion/view", "three")
    w = make_window()
    assert w.tabs.currentWidget() is w.autoencoder
    assert w.diffusion.views.currentWidget() is w.diffusion.reverse


def test_closing_stops_jobs_in_every_panel(make_window, qtbot, small_mnist):
    w = make_window()
    w.tabs.setCurrentWidget(w.diffusion)
    rev, toy = w.diffusion.reverse, w.diffusion.toy
    rev.training.set_values({"channels": [8, 8, 8], "timesteps": 20, "epochs": 50,
                             "batch_size": 32})
    assert rev.start_training(dataset=small_mnist)
    w.diffusion.views.setCurrentWidget(toy)
    toy.start_training()
    p2p = w.pix2pix.train
    p2p.form.set_values({"dataset": "landscapes", "size": 64, "width": 8, "pairs": 64,
                         "epochs": 100, "objective": "l1+cgan", "patch": 16})
    assert p2p.start()
    painter = w.pix2pix.paint
    painter.generate()                                  # and a picture being made
    qtbot.waitUntil(lambda: rev.training.curve.point_count() > 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: p2p.charts.point_count("G_L1") > 0, timeout=WAIT_MS)
    assert rev.train_runner.busy and toy.runner.busy and p2p.busy()
    w.close()
    assert not rev.train_runner.busy and not toy.runner.busy and not p2p.busy()
    assert not painter.translator.worker._thread.is_alive()
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    w.close()                                           # a second close is harmless
    assert not rev.train_runner.busy and not toy.runner.busy


def test_only_the_shown_panel_is_built_at_start(make_window, qtbot):
    from PySide6.QtCore import Qt
    w = make_window()
    assert list(w.panels) == ["autoencoder"]
    assert w.tabs.count() == 6                                # the tab bar is complete at once
    assert w.tabs.widget(1).objectName() == "placeholder-diffusion"
    bar = w.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert list(w.panels) == ["autoencoder", "gan"]
    assert w.tabs.currentWidget() is w.panels["gan"]         # the placeholder was replaced
    assert w.tabs.widget(2) is w.panels["gan"] and w.tabs.tabText(2) == "GANs"
    assert w.tabs.widget(1).objectName() == "placeholder-diffusion"


def test_the_saved_tab_is_the_one_built(make_window):
    from playground import settings as app_settings
    app_settings.set_str("window/tab", "pix2pix")
    w = make_window()
    assert list(w.panels) == ["pix2pix"]
    assert w.tabs.currentWidget() is w.panels["pix2pix"]


def test_panels_built_later_get_the_current_device_and_data_folder(make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    w = make_window()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    w.choose_data_dir()
    w.set_device("auto")
    assert w.autoencoder.device == "auto" and w.autoencoder.data_dir == str(tmp_path)
    assert "diffusion" not in w.panels
    rev = w.diffusion.reverse                                  # built now
    assert rev.device == "auto" and rev.data_dir == str(tmp_path)
    assert w.gan.digits.device == "auto" and w.gan.digits.data_dir == str(tmp_path)


def test_the_main_window_names_no_family():
    """Panels come from the registry: adding a family touches nothing central."""
    from pathlib import Path

    from playground.panels import registry
    source = (Path(__file__).resolve().parents[1] / "playground" / "main_window.py").read_text()
    specs = registry()
    assert [s.title for s in specs] == ["Autoencoders", "Diffusion", "GANs", "pix2pix", "Translation",
                                         "Likelihood"]
    for spec in specs:
        for word in (spec.key, spec.title, *spec.families):
            assert f'"{word}"' not in source and f"'{word}'" not in source and f".{word}" not in source


def test_the_data_folder_dialog_opens_on_a_folder_that_exists(make_window, tmp_path,
                                                               monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    starts = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda parent, title, start="", *a, **k: starts.append(start) or "")
    w = make_window()
    w.data_dir = str(tmp_path)                       # the current folder, when it exists
    w.choose_data_dir()
    w.data_dir = str(tmp_path / "gone")              # a saved folder since deleted:
    monkeypatch.setenv("PLAYGROUND_DATA", str(tmp_path / "env"))
    (tmp_path / "env").mkdir()
    w.choose_data_dir()                              # the next search root that exists
    monkeypatch.delenv("PLAYGROUND_DATA")
    monkeypatch.setattr("models.data.DEFAULT_ROOT", tmp_path / "no-cache")
    w.choose_data_dir()                              # none does: home
    assert starts == [str(tmp_path), str(tmp_path / "env"), str(Path.home())]
    assert w.data_dir == str(tmp_path / "gone")      # cancelling changes nothing


def test_each_training_forms_choose_folder_dialog_opens_on_the_data_folder(
        make_window, qtbot, tmp_path, monkeypatch):
    """The "Choose folder…" dataset dialogs of the AE, diffusion and GAN forms opened on the
    working directory; they open where the Data folder dialog does now."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog
    monkeypatch.delenv("PLAYGROUND_DATA", raising=False)
    monkeypatch.setattr("models.data.DEFAULT_ROOT", tmp_path / "no-cache")
    w = make_window()
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",        # the Data folder menu
                        lambda *a, **k: str(data))
    w.choose_data_dir()
    starts = []                                                     # then every dialog cancels
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda parent, title, start="", *a, **k: starts.append(start) or "")
    forms = {"autoencoder": lambda: w.autoencoder.training,
             "diffusion": lambda: w.diffusion.reverse.training,
             "gan": lambda: w.gan.digits.train_controls}
    for family, form in forms.items():
        # the data folder, and a saved one since deleted (no other search root exists: home)
        for folder, expected in ((data, str(data)), (tmp_path / "gone", str(Path.home()))):
            w.data_dir = str(folder)
            for panel in w.panels.values():
                panel.set_data_dir(str(folder))
            combo = form().dataset
            combo.setCurrentIndex(0)
            combo.setFocus()
            qtbot.keyClick(combo, Qt.Key.Key_End)                   # the last item: Choose folder…
            assert starts[-1:] == [expected], family
            assert combo.currentIndex() == 0                        # cancelled: back to the first
    assert len(starts) == 6
