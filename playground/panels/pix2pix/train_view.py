"""The pix2pix panel's Train view: train a U-Net generator against a PatchGAN, live.

Form on the left; on the right the preview rows (input, G(x), target) and the loss curves.
G and D live in the job's thread. Whatever leaves the job is numpy: every Snapshot
becomes a TrainedWeights event whose meta is built there too, and the final weights are
read on the job's thread as it ends, finished or stopped (a stopped job is closed at a
yield, so its weights are those of its last finished step). After a failure (e.g. NaN
losses) only the last snapshot is kept: the trainer's weights may already be damaged.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QVBoxLayout, QWidget

from models import CheckpointError
from models.events import EpochEnd, Snapshot, Status, Step
from models.pix2pix.paired import PairedFolder
from models.pix2pix.api import Pix2PixModel
from models.pix2pix.training import Pix2PixPreview, Pix2PixTrainer

from ... import settings as app_settings
from ...trained_weights import JobBox, TrainedWeights
from ...widgets import form_beside_live
from ...worker import JobRunner
from .train_form import FOLDER, TrainForm, configs_from
from .train_live import LossCharts, PreviewGrid

EXPORT_DIR_KEY = "pix2pix/train/export_dir"
EXPORT_DIR = app_settings.Setting(EXPORT_DIR_KEY, "", app_settings.path, kind="str")


def _meta(trainer: Pix2PixTrainer, values: dict, step: int, result=None,
          stopped: bool = False) -> dict:
    meta = trainer.checkpoint_meta(result)
    meta["steps"] = step
    meta["stopped_early"] = bool(stopped or meta.get("stopped_early"))
    if values["dataset"] == FOLDER:
        # the folder's name, not its path: a checkpoint must not carry this machine's folders
        meta["dataset"] = {"folder": Path(values["folder"]).name, "direction": values["direction"]}
    else:
        meta["dataset"] = {"name": "landscapes", "pairs": values["pairs"],
                           "seed": values["seed"]}
    return meta


def training_job(values: dict, device: str, box: JobBox):
    """The generator the JobRunner drives: data, trainer and run, all on the job's thread."""
    model_config, train_config = configs_from(values)
    if values["dataset"] == FOLDER:
        if not values["folder"]:
            raise ValueError("choose the dataset folder first (the one holding train/)")
        # the trainer reads each file once, skips and reports unreadable ones
        pairs = PairedFolder(values["folder"], "train", values["direction"], model_config.size)
    else:
        pairs = int(values["pairs"])
    trainer = Pix2PixTrainer(model_config, train_config, pairs, device)
    yield Status(f"Training on {trainer.device}…")
    run = trainer.run()
    try:
        while True:
            try:
                ev = next(run)
            except StopIteration as stop:
                result = stop.value
                break
            if isinstance(ev, Snapshot):
                ev = TrainedWeights(ev.step, ev.state, _meta(trainer, values, ev.step))
            yield ev
    except GeneratorExit:         # stopped: keep the last finished step, if there was one
        if trainer.steps_done:
            box.final = TrainedWeights(trainer.steps_done, trainer.state_numpy(),
                                       _meta(trainer, values, trainer.steps_done, stopped=True))
        raise
    finally:
        run.close()
    box.final = TrainedWeights(trainer.steps_done, trainer.state_numpy(),
                               _meta(trainer, values, trainer.steps_done, result))
    return result


class TrainView(QWidget):
    message = Signal(str)
    modelTrained = Signal(object, object)     # (numpy state dict, meta dict)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = data_dir      # unused: the form's Folder picks the dataset
        self.device = device
        self.runner = JobRunner(self)
        self.last: TrainedWeights | None = None     # the newest weights handed out
        self._run_weights: TrainedWeights | None = None    # of the current / latest run
        self._box: JobBox | None = None
        self._build()
        self._connect()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.form = TrainForm()
        self.preview = PreviewGrid()
        self.charts = LossCharts()
        QVBoxLayout(self).addWidget(form_beside_live(self.form, self.preview, self.charts, 420))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _connect(self) -> None:
        self.form.startRequested.connect(lambda: self.start())
        self.form.pauseRequested.connect(self.toggle_pause)
        self.form.stopRequested.connect(self.stop)
        self.preview.exportRequested.connect(lambda: self.export_preview())
        self.runner.events.connect(self._on_events)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.stateChanged.connect(self.form.set_state)

    # ------------------------------------------------------------------ public
    def set_device(self, device: str) -> None:
        """Used by the next training run."""
        self.device = device

    def busy(self) -> bool:
        return self.runner.busy

    def shutdown(self) -> bool:
        """Stop the job and wait for its thread; False if it did not end in time."""
        return self.runner.shutdown()

    def start(self) -> bool:
        """Train with the form's values; False (with a dialog) if they are not valid."""
        if self.runner.busy:
            return False
        values = self.form.values()
        try:
            configs_from(values)
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        self._box = box = JobBox()
        self._run_weights = None
        device = self.device
        self.preview.clear("Preparing the training pairs…")
        self.charts.clear()
        self.form.begin()
        self.form.set_status("Starting…")
        self.runner.start(lambda: training_job(values, device, box))
        self.message.emit("Training pix2pix: the painter uses each new snapshot of G")
        return True

    def toggle_pause(self) -> None:
        if self.runner.busy:
            self.runner.toggle_pause()

    def stop(self) -> None:
        self.runner.stop()

    def save_checkpoint(self, path: str | None = None) -> bool:
        """Save the last trained generator as a checkpoint folder."""
        if self.last is None:
            QMessageBox.information(self, "Nothing to save",
                                    "Train a generator first; then save it as a checkpoint.")
            return False
        if path is None:
            start = Path(EXPORT_DIR.get() or Path.home())
            path, _ = QFileDialog.getSaveFileName(self, "Save pix2pix checkpoint as folder",
                                                  str(start / "my-pix2pix"))
            if not path:
                return False
            EXPORT_DIR.set(str(Path(path).parent))
        try:
            Pix2PixModel.from_state(self.last.state, self.last.meta).save(path)
        except (OSError, ValueError, CheckpointError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save to {path}:\n{exc}")
            return False
        self.message.emit(f"Saved the generator of step {self.last.step:,} to {path}")
        return True

    def export_preview(self, path: str | None = None) -> bool:
        if self.preview.arrays is None:
            return False
        if path is None:
            start = Path(EXPORT_DIR.get() or Path.home())
            path, _ = QFileDialog.getSaveFileName(
                self, "Export preview", str(start / f"pix2pix-step{self.preview.step}.png"),
                "PNG images (*.png)")
            if not path:
                return False
            EXPORT_DIR.set(str(Path(path).parent))
            if not path.lower().endswith(".png"):
                path += ".png"
        try:
            self.preview.save_png(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")
            return False
        self.message.emit(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ job events
    def _on_events(self, events: list) -> None:
        weights = None
        for ev in events:
            if isinstance(ev, Step):
                self.charts.add(ev.step, ev.losses)
                self.form.show_step(ev)
            elif isinstance(ev, Pix2PixPreview):
                self.preview.show_preview(ev.step, ev.inputs, ev.outputs, ev.targets)
            elif isinstance(ev, TrainedWeights):
                weights = ev            # only the newest matters
            elif isinstance(ev, EpochEnd):
                self.message.emit(f"pix2pix epoch {ev.epoch}/{ev.epochs}: " + ", ".join(
                    f"{k} {v:.3f}" for k, v in ev.train_losses.items()))
            elif isinstance(ev, Status):
                self.form.set_status(ev.message, ev.fraction)
        self.charts.redraw()
        if weights is not None and weights.step > 0:     # step 0 is the untrained G
            self._hand_out(weights)

    def _hand_out(self, weights: TrainedWeights) -> None:
        self.last = self._run_weights = weights
        self.modelTrained.emit(weights.state, weights.meta)

    def _on_finished(self, result) -> None:
        box, self._box = self._box, None
        final = box.final if box is not None else None
        if final is not None:
            self._hand_out(final)
        if result is None:
            kept = (f"the generator of step {final.step:,} is kept" if final is not None
                    else "nothing was trained")
            self.form.set_status(f"Stopped; {kept}.")
            self.message.emit("pix2pix training stopped")
        else:
            steps = final.step if final is not None else 0
            self.form.set_status(f"Finished after {steps:,} steps. Paint a map to try G, "
                                 "or save it as a checkpoint.", 1.0)
            self.message.emit("pix2pix training finished")

    def _on_failed(self, message: str) -> None:
        self._box = None
        last = self._run_weights
        kept = (f"\n\nThe generator from step {last.step:,} (the last snapshot before the "
                "failure) is kept." if last is not None else "")
        self.form.set_status("Training failed.")
        QMessageBox.warning(self, "Training failed", message + kept)
