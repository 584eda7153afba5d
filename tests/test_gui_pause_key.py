"""Ctrl+P pauses a real training job and Ctrl+P again resumes it, in every training view
(their one TrainBlock: autoencoder, diffusion reverse process and 2-D particles, GAN digits;
pix2pix's test_pix2pix_train_view presses it too).

The bug this guards: QAbstractButton.setText("Resume") replaced the button's Ctrl+P with the
text's (empty) mnemonic, so after the first pause the key did nothing.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui_helpers import SMALL_FOLDER_IMAGES, write_idx_folder

pytestmark = pytest.mark.gui

WAIT_MS = 60_000


@pytest.fixture(autouse=True)
def no_shipped(tmp_path, monkeypatch):
    """Never read the shipped checkpoints (they may not exist; these tests do not need them)."""
    monkeypatch.setattr("playground.panels.gan.digits_source.CHECKPOINTS", tmp_path / "none")
    monkeypatch.setattr("playground.panels.diffusion.model_source.CHECKPOINTS", tmp_path / "none")
    monkeypatch.setattr("playground.torch_threads._job_threads", 1)


def _show(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(1400, 860)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()         # Ctrl+P is a window shortcut: the window must be active
    qtbot.waitUntil(widget.isActiveWindow, timeout=2000)
    return widget


def _ctrl_p_pauses_then_resumes(qtbot, window, runner, button) -> None:
    """Press Ctrl+P twice on the running job: paused (button says Resume), then running."""
    ctrl = Qt.KeyboardModifier.ControlModifier
    assert runner.busy and not runner.paused
    with qtbot.waitSignal(runner.stateChanged, timeout=5000,
                          check_params_cb=lambda s: s == "paused"):
        qtbot.keyClick(window, Qt.Key.Key_P, ctrl)
    assert runner.paused
    qtbot.waitUntil(lambda: button.text() == "Resume", timeout=2000)
    with qtbot.waitSignal(runner.stateChanged, timeout=5000,
                          check_params_cb=lambda s: s == "running"):
        qtbot.keyClick(window, Qt.Key.Key_P, ctrl)
    assert not runner.paused
    qtbot.waitUntil(lambda: button.text() == "Pause", timeout=2000)
    # and the key still works for a second round
    with qtbot.waitSignal(runner.stateChanged, timeout=5000,
                          check_params_cb=lambda s: s == "paused"):
        qtbot.keyClick(window, Qt.Key.Key_P, ctrl)
    runner.stop()
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)


def test_ctrl_p_in_the_autoencoder_panel(qtbot, messages, tmp_path, mnist, one_torch_thread):
    from playground.panels.autoencoder.panel import AutoencoderPanel
    folder = write_idx_folder(tmp_path / "idx", mnist.train.images[:SMALL_FOLDER_IMAGES],
                              mnist.train.labels[:SMALL_FOLDER_IMAGES].astype(np.uint8))
    panel = _show(qtbot, AutoencoderPanel(device="cpu"))
    panel.training.set_values({"kind": "vae", "arch": "mlp", "latent_dim": 2, "epochs": 50,
                               "dataset": str(folder), "batch_size": 64})
    qtbot.mouseClick(panel.training.train_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.training.curves.point_count() > 1, timeout=WAIT_MS)
    try:
        _ctrl_p_pauses_then_resumes(qtbot, panel, panel.runner, panel.training.pause_btn)
    finally:
        assert panel.shutdown()


def test_ctrl_p_in_the_diffusion_train_tab(qtbot, messages, small_mnist, one_torch_thread):
    from playground.panels.diffusion.reverse_view import ReverseView
    view = _show(qtbot, ReverseView(device="cpu"))
    view.training.set_values({"channels": [8, 8, 8], "timesteps": 50, "epochs": 100,
                              "batch_size": 64, "samples_every_steps": 100_000})
    assert view.start_training(dataset=small_mnist)
    qtbot.waitUntil(lambda: view.training.curve.point_count() > 1, timeout=WAIT_MS)
    try:
        _ctrl_p_pauses_then_resumes(qtbot, view, view.train_runner, view.training.pause_btn)
    finally:
        assert view.shutdown()


def test_ctrl_p_in_the_gan_digits_train_tab(qtbot, messages, small_mnist, one_torch_thread):
    from playground.panels.gan.digits_view import DigitsView
    view = _show(qtbot, DigitsView(device="cpu"))
    c = view.train_controls
    for w, v in ((c.epochs, 100), (c.noise_dim, 8), (c.g_width, 8), (c.tips.d_width, 8)):
        w.setValue(v)
    assert view.start_training(dataset=small_mnist)
    qtbot.waitUntil(lambda: view.live.losses.point_count("D") > 1, timeout=WAIT_MS)
    try:
        _ctrl_p_pauses_then_resumes(qtbot, view, view.train_runner, c.pause_btn)
    finally:
        assert view.shutdown()




def test_ctrl_p_in_the_toy2d_particles(qtbot, messages, one_torch_thread):
    """The 2-D particle view's training block has Pause now too, with the same key."""
    from playground.panels.diffusion.toy2d_view import Toy2DView
    view = _show(qtbot, Toy2DView(device="cpu"))
    view.controls.set_values({"timesteps": 20, "train_steps": 50_000, "particles": 300})
    view.controls.modelSettingsChanged.emit()
    qtbot.mouseClick(view.controls.train_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.controls.progress.value() > 0, timeout=WAIT_MS)
    try:
        _ctrl_p_pauses_then_resumes(qtbot, view, view.runner, view.controls.pause_btn)
        # the stopped run's weights are sampled at once: let the particles finish first
        qtbot.waitUntil(lambda: not view.path_runner.busy, timeout=WAIT_MS)
    finally:
        assert view.shutdown()


def test_space_plays_and_pauses_the_morph_while_its_slider_has_the_focus(qtbot, messages):
    """The morph's Play button flips its text; Space (Play / pause on every playback bar)
    toggles it while its slider has the focus, and elsewhere in the panel leaves it alone."""
    from playground.panels.autoencoder.panel import AutoencoderPanel
    panel = _show(qtbot, AutoencoderPanel(device="cpu"))
    panel.tools.setCurrentWidget(panel.morph_tool)
    play = panel.morph_tool.play_btn
    slider = panel.morph_tool.slider
    try:
        slider.setFocus()
        qtbot.waitUntil(slider.hasFocus, timeout=2000)
        for playing in (True, False, True):
            qtbot.keyClick(slider, Qt.Key.Key_Space)
            qtbot.waitUntil(lambda: play.isChecked() == playing, timeout=2000)
            assert ("Pause" if playing else "Play") in play.text()
        play.setChecked(False)
        explore = panel.modes.buttons()[0]      # outside the morph tool Space is not its key:
        explore.setFocus()                      # it presses the focused button, as in any app
        qtbot.waitUntil(explore.hasFocus, timeout=2000)
        qtbot.keyClick(explore, Qt.Key.Key_Space)
        qtbot.wait(50)
        assert not play.isChecked() and explore.isChecked()
    finally:
        panel.shutdown()


def test_ctrl_shift_p_plays_and_pauses_the_morph(qtbot, messages):
    """Play / pause's other key, anywhere in the view, survives the button's text flips.
    (A button's shortcut clicks it through animateClick, a moment later: hence the waits.)"""
    from playground.panels.autoencoder.panel import AutoencoderPanel
    panel = _show(qtbot, AutoencoderPanel(device="cpu"))
    panel.tools.setCurrentWidget(panel.morph_tool)
    play = panel.morph_tool.play_btn
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    try:
        for playing in (True, False, True):
            qtbot.keyClick(panel, Qt.Key.Key_P, keys)
            qtbot.waitUntil(lambda: play.isChecked() == playing, timeout=2000)
            assert ("Pause" if playing else "Play") in play.text()
    finally:
        panel.shutdown()
