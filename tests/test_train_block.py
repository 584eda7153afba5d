"""The one Train / Pause / Stop block: its states, its keys, and what its progress bar says."""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from models.events import Step  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def block(qtbot):
    from playground.train_block import TrainBlock
    b = TrainBlock("Train a fresh model", "Stop and keep the weights", ready="Press Train.")
    qtbot.addWidget(b)
    return b


def _step(step, total, epoch=1, epochs=3, elapsed=10.0):
    return Step(step=step, total_steps=total, epoch=epoch, epochs=epochs, losses={"loss": 1.0},
                elapsed_s=elapsed, images_per_s=100.0)


@pytest.mark.parametrize("state, train, pause, stop, pause_text", [
    ("idle", True, False, False, "Pause"), ("running", False, True, True, "Pause"),
    ("pausing", False, True, True, "Resume"), ("paused", False, True, True, "Resume")])
def test_buttons_follow_the_state(block, state, train, pause, stop, pause_text):
    block.set_state(state)
    assert (block.train_btn.isEnabled(), block.pause_btn.isEnabled(),
            block.stop_btn.isEnabled()) == (train, pause, stop)
    assert block.pause_btn.text() == pause_text
    assert block.busy() == (state != "idle")


def test_keys_come_from_the_table_and_survive_the_renames(block):
    from playground import keys
    assert block.train_btn.shortcut().toString() == "Ctrl+T"
    assert block.stop_btn.shortcut().toString() == "Ctrl+."
    for state in ("running", "paused", "running", "paused", "idle"):
        block.set_state(state)
        assert block.pause_btn.shortcut().toString() == "Ctrl+P", state
    assert keys.action_of(block.train_btn) == keys.TRAIN.name
    assert "(Ctrl+T)" in block.train_btn.toolTip() and "(Ctrl+.)" in block.stop_btn.toolTip()


def test_unknown_state_is_refused(block):
    with pytest.raises(ValueError, match="unknown training state"):
        block.set_state("stopping")


def test_progress_shows_step_and_eta_and_the_status_the_epoch(block):
    block.set_state("running")
    block.show_step(_step(250, 1000, epoch=2, elapsed=30.0), "loss 1.0")
    assert block.progress.value() == 250
    # 250 steps in 30 s: 750 more take 90 s
    assert block.progress.format() == "step 250/1,000 · ETA 1:30"
    assert block.status.text() == "Epoch 2/3 · loss 1.0"
    block.set_state("paused")
    assert block.progress.format() == "step 250/1,000 · ETA 1:30 · paused"
    block.show_step(_step(251, 1000, epoch=2, elapsed=30.1))   # queued before the pause
    assert block.progress.format().endswith(" · paused")
    block.set_state("running")
    assert not block.progress.format().endswith("paused")


def test_a_run_without_an_end_shows_a_busy_bar_and_a_single_epoch_no_epoch(block):
    block.show_step(_step(42, 0, epochs=1))
    assert block.progress.maximum() == 0 and block.progress.format() == "step 42"
    assert block.status.text() == ""
    block.begin("Building the model…")
    assert block.progress.maximum() == 1000 and block.progress.value() == 0
    assert block.status.text() == "Building the model…"


def test_the_buttons_emit_the_blocks_signals(block, qtbot):
    block.set_state("running")
    for button, signal in ((block.pause_btn, block.pauseRequested),
                           (block.stop_btn, block.stopRequested)):
        with qtbot.waitSignal(signal, timeout=1000):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    block.set_state("idle")
    with qtbot.waitSignal(block.trainRequested, timeout=1000):
        qtbot.mouseClick(block.train_btn, Qt.MouseButton.LeftButton)


def test_lend_to_names_the_parts_on_the_form_and_passes_requests_on(qtbot):
    """A training form gets the block's parts under its own names (pix2pix: start_btn) and its
    own signals fire when the block's buttons are clicked."""
    from PySide6.QtCore import Signal
    from PySide6.QtWidgets import QWidget

    from playground.train_block import TrainBlock

    class Form(QWidget):
        startRequested = Signal()
        pauseRequested = Signal()
        stopRequested = Signal()

    form = Form()
    qtbot.addWidget(form)
    block = TrainBlock("train", "stop", parent=form)
    block.lend_to(form, "start_btn", "startRequested")
    assert (form.start_btn, form.pause_btn, form.stop_btn) == (
        block.train_btn, block.pause_btn, block.stop_btn)
    assert (form.progress, form.status) == (block.progress, block.status)
    with qtbot.waitSignal(form.startRequested, timeout=1000):
        qtbot.mouseClick(form.start_btn, Qt.MouseButton.LeftButton)
    block.set_state("running")
    with qtbot.waitSignal(form.pauseRequested, timeout=1000):
        qtbot.mouseClick(form.pause_btn, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(form.stopRequested, timeout=1000):
        qtbot.mouseClick(form.stop_btn, Qt.MouseButton.LeftButton)
