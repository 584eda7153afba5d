"""Live training for the reverse-process view: start, pause, stop, and what the job yields.

The U-Net being trained lives in the job's thread. The view only ever sees copies of its EMA
weights: every Snapshot becomes a fresh DiffusionModel (a new object each time, so a
sampling job that holds the previous one is never disturbed), and the final weights are read
from the trainer once its worker has finished.
"""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from models.data import Dataset
from models.diffusion.api import DiffusionModel
from models.diffusion.training import DiffusionTrainConfig, DiffusionTrainer, Samples
from models.diffusion.unet import DiffusionConfig
from models.events import DatasetReady, EpochEnd, Snapshot, Status, Step

from ... import settings as app_settings
from ...worker import build_then_run
from ..model_source import TRAINED

TRAINING_KEY = "diffusion/reverse/training"
TRAINING = app_settings.Setting(TRAINING_KEY, {}, app_settings.record(
    dataset=app_settings.path, conditional=app_settings.boolean, p_uncond=app_settings.number,
    schedule=app_settings.name, timesteps=app_settings.integer(),
    channels=app_settings.list_of(app_settings.integer(), max_len=8),
    epochs=app_settings.integer(), batch_size=app_settings.integer(), lr=app_settings.number,
    precision=app_settings.name, samples_every_steps=app_settings.integer()))


class LiveTrainingMixin:
    """Mixed into ReverseView; uses its train_runner, training pane and model list."""

    def _init_training(self) -> None:
        self._trainer: DiffusionTrainer | None = None
        self._job_data: DatasetReady | None = None
        self._last_step = 0
        self._before_training: DiffusionModel | None = None
        pane = self.training
        pane.set_values(TRAINING.get())
        pane.trainRequested.connect(lambda: self.start_training())
        pane.pauseRequested.connect(self.toggle_training_pause)
        pane.stopRequested.connect(self.train_runner.stop)
        self.train_runner.events.connect(self._on_train_events)
        self.train_runner.finished.connect(self._on_train_finished)
        self.train_runner.failed.connect(self._on_train_failed)
        self.train_runner.stateChanged.connect(pane.set_state)

    @property
    def training_busy(self) -> bool:
        return self.train_runner.busy

    def start_training(self, dataset: Dataset | None = None) -> bool:
        """Train a fresh model with the pane's settings (on `dataset` if given, e.g. in tests)."""
        if self.train_runner.busy:
            return False
        v = self.training.values()
        TRAINING.set(v)
        try:
            mc = DiffusionConfig(schedule=v["schedule"], timesteps=v["timesteps"],
                                 channels=tuple(v["channels"]),
                                 num_classes=10 if v["conditional"] else 0)
            tc = DiffusionTrainConfig(epochs=v["epochs"], batch_size=v["batch_size"], lr=v["lr"],
                                      p_uncond=v["p_uncond"], precision=v["precision"],
                                      samples_every_steps=int(v["samples_every_steps"]))
        except (ValueError, RuntimeError) as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        self._job_data, self._last_step = None, 0
        self._before_training = self.models.get(TRAINED)
        self.training.begin()
        self.training.set_status("Building the model…")
        self.tabs.setCurrentWidget(self.training)
        self._trainer = None
        data, device, data_dir = dataset if dataset is not None else v["dataset"], self.device, self.data_dir
        self.train_runner.start(lambda: build_then_run(
            lambda: DiffusionTrainer(mc, tc, data, device, data_dir=data_dir),
            lambda trainer: setattr(self, "_trainer", trainer)))
        self.message.emit("Training a diffusion model; its EMA weights appear as "
                          "“Trained here” and can be sampled while it trains")
        return True

    def toggle_training_pause(self) -> None:
        self.train_runner.toggle_pause()

    def _on_train_events(self, events: list) -> None:
        snapshot = None
        for ev in events:
            if isinstance(ev, Step):
                self._last_step = ev.step
                self.training.show_step(ev)
            elif isinstance(ev, Samples):
                cfg = self._trainer.config if self._trainer else DiffusionTrainConfig()
                self.training.show_samples(ev.step, ev.images, ev.labels, cfg.sample_steps,
                                           cfg.sample_guidance)
            elif isinstance(ev, Snapshot):
                snapshot = ev           # only the newest one matters
            elif isinstance(ev, EpochEnd):
                self.training.show_epoch(ev, self._last_step)
            elif isinstance(ev, DatasetReady):
                self._job_data = ev
            elif isinstance(ev, Status):
                self.training.set_status(ev.message)
        self.training.redraw()
        if snapshot is not None and snapshot.step > 0:   # step 0 is the untrained network
            self._take_weights(snapshot.state, self._live_meta(snapshot.step), live=True)

    def _live_meta(self, step: int) -> dict:
        trainer, data = self._trainer, self._job_data
        meta = {"family": "diffusion", "config": trainer.model_config.to_dict(),
                "training": trainer.config.to_dict(), "steps": step, "weights": "ema"}
        if data is not None:
            meta["dataset"] = data.meta()
        return meta

    def _take_weights(self, state, meta: dict, live: bool) -> None:
        try:
            model = DiffusionModel.from_state(state, meta)
        except Exception as exc:   # a model that cannot be built must not take the view down
            self.message.emit(f"Could not use the trained weights: {exc}")
            return
        self.set_trained_model(model, live=live)

    def _finish_training(self, result, failed: bool = False) -> None:
        trainer = self._trainer
        if trainer is None:
            return
        if trainer.steps_done == 0:      # nothing was learned: keep what was there before
            if self._before_training is not None:
                self.set_trained_model(self._before_training, live=False)
            return
        meta = trainer.checkpoint_meta(result)
        meta["stopped_early"] = result is None
        self._take_weights(trainer.state_numpy(), meta, live=False)

    def _on_train_finished(self, result) -> None:
        stopped = result is None
        self._finish_training(result)
        self.training.set_status("Stopped; the EMA weights of the last finished step are "
                                 "“Trained here”." if stopped else
                                 "Finished; the EMA weights are “Trained here”. Sample them on "
                                 "the left, or save them (Save…).")
        self.message.emit("Training stopped" if stopped else "Training finished")

    def _on_train_failed(self, message: str) -> None:
        self._finish_training(None, failed=True)
        self.training.set_status("Training failed.")
        QMessageBox.warning(self, "Training failed", message)
