"""The Translation panel's Train view: train a CycleGAN or a UNIT live.

Form on the left; on the right the round trips of held-out pictures of both domains and the
four loss charts. The networks live in the job's thread (train_job.py); what reaches this view
is numpy. A user's folders are read and checked by a first job before any training starts, so
a bad folder is refused with its reason and nothing is trained; the data read there is what the
training then uses. Each snapshot (one with every preview, about every 2 s, and the final
weights) is handed out through `modelTrained` (the Translate view takes it) and is what
`save_checkpoint` saves. After a failure (e.g. NaN losses) the last snapshot is kept: the
trainer's weights may already be damaged.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from models import CheckpointError
from models.checkpoint import save_checkpoint as write_checkpoint
from models.events import Status, Step
from models.translation.cyclegan_training import TranslationPreview

from ... import settings as app_settings
from ...widgets import ask_save_path, form_beside_live
from ...worker import JobRunner
from .train_form import FOLDER, MODELS, TrainForm, configs_from
from ...trained_weights import JobBox, TrainedWeights
from .train_job import FoldersChecked, check_folders_job, folder_key, training_job
from .train_live import LossCharts, PreviewGrid

EXPORT_DIR = app_settings.Setting("translation/train/export_dir", "", app_settings.path,
                                  kind="str")


class TrainView(QWidget):
    message = Signal(str)
    modelTrained = Signal(object, object)     # (numpy state dict, meta dict)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.device, self.data_dir = device, data_dir
        self.runner = JobRunner(self)
        self.checker = JobRunner(self)            # reads a user's folders before training
        self.last: TrainedWeights | None = None   # the newest snapshot handed out
        self._run_weights: TrainedWeights | None = None
        self._box: JobBox | None = None
        self._checked: FoldersChecked | None = None
        self._start_after_check = False
        self._check_key: tuple | None = None      # the choices the running check reads
        self._build()
        self._connect()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.form = TrainForm()
        self.preview = PreviewGrid()
        self.charts = LossCharts()
        QVBoxLayout(self).addWidget(form_beside_live(self.form, self.preview, self.charts, 440,
                                                     (520, 260)))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _connect(self) -> None:
        self.form.startRequested.connect(lambda: self.start())
        self.form.pauseRequested.connect(self.toggle_pause)
        self.form.stopRequested.connect(self.stop)
        self.form.saveRequested.connect(lambda: self.save_checkpoint())
        self.form.foldersChosen.connect(lambda: self.check_folders())
        self.form.size.currentIndexChanged.connect(self._size_changed)
        self.preview.exportRequested.connect(lambda: self.export_preview())
        self.runner.events.connect(self._on_events)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.stateChanged.connect(self._state_changed)
        self.checker.events.connect(self._on_check_events)
        self.checker.finished.connect(self._on_checked)
        self.checker.failed.connect(self._on_check_failed)

    # ------------------------------------------------------------------ public
    def receive(self, image, caption: str) -> None:
        """The Train view takes no pictures (the panel routes them to Translate)."""

    def set_device(self, device: str) -> None:
        """Used by the next training run."""
        self.device = device

    def set_data_dir(self, data_dir: str | None) -> None:
        """Where the next digits run looks for MNIST."""
        self.data_dir = data_dir

    def help_topic(self) -> str:
        return "translation-train"

    def busy(self) -> bool:
        return self.runner.busy or self.checker.busy

    def shutdown(self) -> bool:
        """Stop the jobs and wait for their threads; False if one did not end in time.
        Nothing saved is lost: checkpoints are written only by save_checkpoint."""
        self._start_after_check = False
        return all([self.checker.shutdown(), self.runner.shutdown()])

    def start(self) -> bool:
        """Train with the form's values; False (with a dialog) if they are not valid. Your
        folders are checked on a worker first; training starts once they pass."""
        if self.busy():
            return False
        values = self.form.values()
        try:
            configs_from(values)
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        if values["domains"] == FOLDER and (self._checked is None
                                            or self._checked.key != folder_key(values)):
            return self.check_folders(then_start=True)
        self._start(values)
        return True

    def _start(self, values: dict) -> None:
        kind, _, train_config = configs_from(values)
        checked = self._checked if values["domains"] == FOLDER else None
        self._box = box = JobBox()
        self._run_weights = None
        device, data_dir = self.device, self.data_dir
        cycle = kind == "unit" or train_config.cycle > 0
        self.preview.set_model(kind)
        self.preview.clear("Preparing the two domains…")
        self.charts.set_model(kind, cycle)
        self.charts.clear()
        self.form.begin()
        self.form.set_status("Starting…")
        self.runner.start(lambda: training_job(values, device, data_dir, box, checked))
        what = MODELS[kind] + ("" if cycle else " without the cycle loss")
        self.message.emit(f"Training {what}: the Translate view uses each new snapshot")

    def toggle_pause(self) -> None:
        if self.runner.busy:
            self.runner.toggle_pause()

    def stop(self) -> None:
        self._start_after_check = False
        self.checker.stop()
        self.runner.stop()

    # ------------------------------------------------------------------ folders
    def check_folders(self, then_start: bool = False) -> bool:
        """Read the chosen folders by the rule on a worker; the verdict goes to the form's
        label (and, if it fails, a message box). With `then_start`, train once they pass.
        A check already running is let finish (reading cannot be interrupted mid-folder);
        its result is then for other choices, and the folders are checked again."""
        if not self.form.has_folders() or self.runner.busy:
            return False
        self._checked = None
        self._start_after_check = self._start_after_check or then_start
        self.form.set_folder_check("Checking the folders…")
        self.form.set_status("Checking your folders…")
        self.form.start_btn.setEnabled(False)
        if not self.checker.busy:
            values = self.form.values()
            self._check_key = folder_key(values)
            self.checker.start(lambda: check_folders_job(values))
        return True

    def _size_changed(self) -> None:
        """The folders are cut to the size: check them again, so the label stays true."""
        values = self.form.values()
        if values["domains"] == FOLDER and self.form.has_folders() and not self.runner.busy \
                and (self._checked is None or self._checked.key != folder_key(values)):
            self.check_folders()

    def _stale(self) -> bool:
        """The folder choices changed while the check ran: check again instead."""
        values = self.form.values()
        if values["domains"] != FOLDER or not self.form.has_folders():
            return False
        return self._check_key != folder_key(values)

    def _on_check_events(self, events: list) -> None:
        for ev in events:
            if isinstance(ev, Status):
                self.form.set_folder_check(ev.message)

    def _on_checked(self, result) -> None:
        self.form.start_btn.setEnabled(not self.runner.busy)
        if not isinstance(result, FoldersChecked):      # stopped
            self._start_after_check = False
            self.form.set_folder_check("Not checked (stopped).")
            self.form.set_status("Ready.")
            return
        if self._stale():
            self.check_folders()
            return
        start, self._start_after_check = self._start_after_check, False
        self._checked = result
        d = result.data
        skipped = f"; {len(d.notes)} file(s) skipped (see the tooltip)" if d.notes else ""
        self.form.set_folder_check(f"✓ {len(d.train_a):,} A and {len(d.train_b):,} B images, "
                                   f"cut to {d.train_a.shape[1]} px{skipped}", ok=True)
        self.form.folder_check.setToolTip("\n".join(d.notes) if d.notes else "")
        self.form.set_status("Folders checked; starting…" if start else "Folders checked.")
        if start:
            self._start(self.form.values())

    def _on_check_failed(self, message: str) -> None:
        self.form.start_btn.setEnabled(not self.runner.busy)
        if self._stale():
            self.check_folders()
            return
        self._start_after_check = False
        self._checked = None
        self.form.set_folder_check(f"✗ {message}", ok=False)
        self.form.set_status("Your folders cannot be used; nothing was trained.")
        QMessageBox.warning(self, "Cannot use these folders", message)

    # ------------------------------------------------------------------ saving
    def save_checkpoint(self, path: str | None = None) -> bool:
        """Save the last snapshot as a checkpoint folder (asked for when `path` is None)."""
        if self.last is None:
            QMessageBox.information(self, "Nothing to save",
                                    "Train a model first; then save it as a checkpoint.")
            return False
        if path is None:
            family = self.last.meta.get("family", "cyclegan")
            path = ask_save_path(self, EXPORT_DIR, "Save the trained model as a checkpoint "
                                 "folder", f"my-{family}", "Checkpoint folders (*)")
            if not path:
                return False
        try:
            write_checkpoint(path, self.last.state, self.last.meta)
        except (OSError, ValueError, CheckpointError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save to {path}:\n{exc}")
            return False
        self.message.emit(f"Saved the model of step {self.last.step:,} to {path}")
        return True

    def export_preview(self, path: str | None = None) -> bool:
        if self.preview.arrays is None:
            return False
        if path is None:
            path = ask_save_path(self, EXPORT_DIR, "Export preview",
                                 f"{self.charts.kind}-step{self.preview.step}.png")
            if not path:
                return False
        try:
            self.preview.save_png(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")
            return False
        self.message.emit(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ job events
    def _state_changed(self, state: str) -> None:
        self.form.set_state(state)
        self.form.save_btn.setEnabled(self.last is not None)

    def _on_events(self, events: list) -> None:
        weights = None
        for ev in events:
            if isinstance(ev, Step):
                self.charts.add(ev.step, ev.losses)
                self.form.show_step(ev)
            elif isinstance(ev, TranslationPreview):
                self.preview.show_preview(ev)
            elif isinstance(ev, TrainedWeights):
                weights = ev            # only the newest matters
            elif isinstance(ev, Status):
                self.form.set_status(ev.message, ev.fraction)
                if ev.message.startswith(("MNIST", "skipped")):
                    self.message.emit(ev.message)
        self.charts.redraw()
        if weights is not None and weights.step > 0:     # step 0 is the untrained model
            self._hand_out(weights)

    def _hand_out(self, weights: TrainedWeights) -> None:
        self.last = self._run_weights = weights
        self.form.save_btn.setEnabled(True)
        self.modelTrained.emit(weights.state, weights.meta)

    def _on_finished(self, result) -> None:
        box, self._box = self._box, None
        final = box.final if box is not None else None
        if final is not None:
            self._hand_out(final)
        if result is None:
            kept = (f"the model of step {final.step:,} is kept" if final is not None
                    else "nothing was trained")
            self.form.set_status(f"Stopped; {kept}.")
            self.message.emit("Translation training stopped")
        else:
            steps = final.step if final is not None else 0
            self.form.set_status(f"Finished after {steps:,} steps. Try it in the Translate "
                                 "view, or save it as a checkpoint.", 1.0)
            self.message.emit("Translation training finished")

    def _on_failed(self, message: str) -> None:
        self._box = None
        last = self._run_weights
        kept = (f"\n\nThe model from step {last.step:,} (the last snapshot before the failure) "
                "is kept: the Translate view has it and it can be saved."
                if last is not None else "")
        self.form.set_status("Training failed" + (f"; the snapshot of step {last.step:,} is "
                                                  "kept." if last is not None else "."))
        QMessageBox.warning(self, "Training failed", message + kept)

