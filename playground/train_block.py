"""The Train / Pause / Stop block every training form shows, with its progress bar.

One widget for every panel that trains, so the buttons, their states, their keys (from
playground.keys: Ctrl+T, Ctrl+P, Ctrl+.) and the progress (step and ETA on the bar, the epoch
on the status line) look and behave the same everywhere. The form around it keeps what differs: its settings, the
tooltips that say what a run produces, and the status line's losses and speed.

States, as JobRunner.stateChanged sends them: "idle", "running", "pausing" (asked for, not
yet in effect: the worker pauses between events) and "paused".
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from . import keys
from .widgets import format_duration, set_button_text

STATES = ("idle", "running", "pausing", "paused")
PAUSED_MARK = " · paused"


class PauseButton(QPushButton):
    """Pause / Resume, with a shortcut that survives its text.

    QAbstractButton.setText replaces the button's shortcut with the mnemonic of the new text
    (none for "Resume"), so a plain button whose text flips loses Ctrl+P at the first pause
    and the key can never resume. set_paused puts the shortcut back after every change.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Pause", parent)
        keys.bind_button(self, keys.PAUSE, "Pause or resume training")

    def set_paused(self, paused: bool) -> None:
        set_button_text(self, "Resume" if paused else "Pause")


class TrainBlock(QWidget):
    """Train, Pause and Stop in a row; below them the progress bar and a status line."""
    trainRequested = Signal()
    pauseRequested = Signal()
    stopRequested = Signal()

    def __init__(self, train_tip: str, stop_tip: str, ready: str = "Ready.",
                 train_text: str = "Train", parent: QWidget | None = None):
        super().__init__(parent)
        self.train_btn = QPushButton(train_text)
        keys.bind_button(self.train_btn, keys.TRAIN, train_tip)
        self.pause_btn = PauseButton()
        self.stop_btn = QPushButton("Stop")
        keys.bind_button(self.stop_btn, keys.STOP, stop_tip)
        self.train_btn.clicked.connect(self.trainRequested)
        self.pause_btn.clicked.connect(self.pauseRequested)
        self.stop_btn.clicked.connect(self.stopRequested)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("")
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress.setToolTip("Progress of the run: optimiser steps done and the time left "
                                 "at the pace so far (the epoch is on the line below)")
        self.status = QLabel(ready)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        for b in (self.train_btn, self.pause_btn, self.stop_btn):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(buttons)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        self.state = "idle"
        self.set_state("idle")

    def lend_to(self, form: QWidget, train_name: str = "train_btn",
                train_signal: str = "trainRequested") -> None:
        """Give the training form that holds this block the names its view and tests use for
        the block's parts (`train_name` for Train — pix2pix calls it start_btn — pause_btn,
        stop_btn, progress, status), and pass the block's requests on through the form's own
        signals (`train_signal`, pauseRequested, stopRequested)."""
        setattr(form, train_name, self.train_btn)
        form.pause_btn, form.stop_btn = self.pause_btn, self.stop_btn
        form.progress, form.status = self.progress, self.status
        self.trainRequested.connect(getattr(form, train_signal))
        self.pauseRequested.connect(form.pauseRequested)
        self.stopRequested.connect(form.stopRequested)

    # ------------------------------------------------------------------ state
    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown training state {state!r}; one of {STATES}")
        self.state = state
        busy = state != "idle"
        self.train_btn.setEnabled(not busy)
        self.pause_btn.setEnabled(busy)
        self.stop_btn.setEnabled(busy)
        # "pausing" already says Resume: the click is taken, a second one takes it back
        self.pause_btn.set_paused(state in ("paused", "pausing"))
        self._show_format(self.progress.format().removesuffix(PAUSED_MARK))

    def busy(self) -> bool:
        return self.state != "idle"

    def _show_format(self, text: str) -> None:
        # steps queued before the pause arrive after it: the mark must outlive them
        self.progress.setFormat(text + PAUSED_MARK if self.state == "paused" and text else text)

    # ------------------------------------------------------------------ progress
    def begin(self, text: str = "") -> None:
        """A run starts: an empty bar (and, if given, a status line)."""
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self._show_format("")
        if text:
            self.status.setText(text)

    def show_step(self, ev, detail: str = "") -> None:
        """A models.events.Step: the bar's fill and "step s/S · ETA m:ss" on it, and the
        status line "Epoch e/E · `detail`" (losses, speed). The epoch goes below the bar so
        that the bar's text fits the narrowest training column (pix2pix's)."""
        if ev.total_steps > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * ev.fraction))
            self._show_format(f"step {ev.step:,}/{ev.total_steps:,} · "
                              f"ETA {format_duration(ev.eta_s)}")
        else:               # a run with no set end: a busy bar and the count
            self.progress.setRange(0, 0)
            self._show_format(f"step {ev.step:,}")
        parts = [f"Epoch {ev.epoch}/{ev.epochs}"] if ev.epochs > 1 else []
        self.status.setText(" · ".join(parts + [detail] if detail else parts))

    def set_status(self, text: str, fraction: float | None = None) -> None:
        """A status line; with `fraction`, a bar that shows it as a percentage (loading)."""
        self.status.setText(text)
        if fraction is not None:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * fraction))
            self._show_format(f"{100 * fraction:.0f} %")
