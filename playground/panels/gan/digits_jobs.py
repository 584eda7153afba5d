"""Live training for the digits view: start, pause, stop, and what the job yields.

G and D live in the job's thread. The view only sees copies of G's weights: every
Snapshot becomes a fresh GANModel (a new object, so the grids being drawn are
never disturbed). When the job ends the final weights are read from the trainer; when it
fails (e.g. the losses became NaN), the last snapshot is kept instead, since the trainer's
weights may already be damaged.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QMessageBox

from models.data import Dataset
from models.events import DatasetReady, EpochEnd, Snapshot, Status, Step
from models.gan.api import GANModel
from models.gan.diagnostics import Diagnosis
from models.gan.training import GANSamples, GANTrainer, Health

from ... import settings as app_settings
from ...worker import build_then_run
from ..model_source import TRAINED
from .digits_source import KEY
from .digits_tips import configs_from

TRAINING_KEY = KEY + "training"
TRAINING = app_settings.Setting(TRAINING_KEY, {}, app_settings.record(
    dataset=app_settings.path, kind=app_settings.name, epochs=app_settings.integer(),
    batch_size=app_settings.integer(), noise_dim=app_settings.integer(),
    g_width=app_settings.integer(), seed=app_settings.integer(),
    # the tips pane (digits_tips.py)
    smoothing_on=app_settings.boolean, smoothing=app_settings.number,
    noise_on=app_settings.boolean, noise=app_settings.number,
    flip_on=app_settings.boolean, flip=app_settings.number,
    dropout_on=app_settings.boolean, dropout=app_settings.number,
    d_width=app_settings.integer(), k_d=app_settings.integer(),
    separate_lr=app_settings.boolean, lr=app_settings.number, lr_d=app_settings.number,
    lr_g=app_settings.number, loss=app_settings.name, gp_weight=app_settings.number))


class TrainingMixin:
    """Mixed into DigitsView; uses its train_runner, train_controls, live view and models."""

    def _init_training(self) -> None:
        self._trainer: GANTrainer | None = None
        self._job_data: DatasetReady | None = None
        self._epoch = 0
        self._snapshot: Snapshot | None = None
        self._before_training: GANModel | None = None
        c = self.train_controls
        c.set_values(TRAINING.get())
        c.trainRequested.connect(lambda: self.start_training())
        c.pauseRequested.connect(self.toggle_training_pause)
        c.stopRequested.connect(self.train_runner.stop)
        self.train_runner.events.connect(self._on_train_events)
        self.train_runner.finished.connect(self._on_train_finished)
        self.train_runner.failed.connect(self._on_train_failed)
        self.train_runner.stateChanged.connect(c.set_state)

    @property
    def training_busy(self) -> bool:
        return self.train_runner.busy

    def start_training(self, dataset: Dataset | None = None, **train_overrides) -> bool:
        """Train a fresh GAN with the Train tab's settings (on `dataset` if given, and with
        GANTrainConfig fields overridden, e.g. in tests)."""
        if self.train_runner.busy:
            return False
        v = self.train_controls.values()
        TRAINING.set(v)
        try:
            mc, tc = configs_from(v)
            if train_overrides:
                tc = replace(tc, **train_overrides)
        except (ValueError, RuntimeError) as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return False
        self._job_data, self._epoch, self._snapshot = None, 0, None
        self._before_training = self.models.get(TRAINED)
        self.train_controls.begin()
        self.train_controls.set_status("Building the model…")
        self.live.begin(tc.loss == "wgan-gp")
        # the digits have labels: a collapse card may suggest conditioning on them, unless G is
        # conditional already
        self.live.banner.offer_labels = not mc.conditional
        self.tabs.setCurrentWidget(self.train_tab)
        self._trainer = None
        data, device, data_dir = dataset if dataset is not None else v["dataset"], self.device, self.data_dir
        self.train_runner.start(lambda: build_then_run(
            lambda: GANTrainer(mc, tc, data, device, data_dir=data_dir),
            lambda trainer: setattr(self, "_trainer", trainer)))
        self.message.emit("Training a GAN; its generator appears as “Trained here” and can be "
                          "sampled while it trains")
        return True

    def toggle_training_pause(self) -> None:
        self.train_runner.toggle_pause()

    def _on_train_events(self, events: list) -> None:
        snapshot, live, controls = None, self.live, self.train_controls
        for ev in events:
            if isinstance(ev, Step):
                self._epoch = ev.epoch
                live.losses.add(ev.step, ev.losses)
                live.outputs.add(ev.step, ev.losses)
                controls.show_step(ev)
            elif isinstance(ev, GANSamples):
                live.show_samples(ev.step, ev.images, ev.labels,
                                  self._epoch if ev.epoch_end else None)
            elif isinstance(ev, Health):
                live.show_health(ev)
            elif isinstance(ev, Diagnosis):
                live.banner.show_diagnosis(ev)
                if ev.active:
                    self.message.emit(f"GAN diagnosis at step {ev.step:,}: {ev.title}")
            elif isinstance(ev, Snapshot):
                snapshot = ev           # only the newest one matters
            elif isinstance(ev, EpochEnd):
                self.message.emit(f"Epoch {ev.epoch}/{ev.epochs}: D {ev.train_losses['D']:.3f}, "
                                  f"G {ev.train_losses['G']:.3f}")
            elif isinstance(ev, DatasetReady):
                self._job_data = ev
                live.classes.set_classes(ev.classes)
            elif isinstance(ev, Status):
                controls.set_status(ev.message, ev.fraction)
        live.redraw()
        if snapshot is not None and snapshot.step > 0:   # step 0 is the untrained network
            self._snapshot = snapshot
            self._take_weights(snapshot.state, self._live_meta(snapshot.step), live=True)

    def _live_meta(self, step: int) -> dict:
        trainer, data = self._trainer, self._job_data
        meta = {"family": "gan", "config": trainer.model_config.to_dict(),
                "training": trainer.config.to_dict(), "steps": step, "weights": "generator"}
        if data is not None:
            meta["dataset"] = data.meta()
        return meta

    def _take_weights(self, state, meta: dict, live: bool) -> None:
        try:
            model = GANModel.from_state(state, meta)
        except Exception as exc:   # a model that cannot be built must not take the view down
            self.message.emit(f"Could not use the trained weights: {exc}")
            return
        self.set_trained_model(model, live=live)

    def _finish_training(self, result, failed: bool = False) -> None:
        trainer, snap = self._trainer, self._snapshot
        if trainer is None:
            return
        if failed or trainer.steps_done == 0:
            if failed and snap is not None:
                meta = self._live_meta(snap.step)
                meta["stopped_early"] = True
                self._take_weights(snap.state, meta, live=False)
            elif self._before_training is not None:   # nothing learned: keep what was there
                self.set_trained_model(self._before_training, live=False)
            elif TRAINED in self.names:
                self.set_trained_model(self.models[TRAINED], live=False)
            return
        meta = trainer.checkpoint_meta(result)
        meta["stopped_early"] = result is None
        self._take_weights(trainer.state_numpy(), meta, live=False)

    def _on_train_finished(self, result) -> None:
        stopped = result is None
        self._finish_training(result)
        self.train_controls.set_status(
            "Stopped; the generator of the last finished step is “Trained here”." if stopped else
            "Finished; the generator is “Trained here”: explore it in the Samples & latent tab, "
            "or save it (Save…).", None if stopped else 1.0)
        self.message.emit("GAN training stopped" if stopped else "GAN training finished")

    def _on_train_failed(self, message: str) -> None:
        self._finish_training(None, failed=True)
        snap = self._snapshot
        kept = (f"\n\nThe generator from step {snap.step:,} (the last snapshot before the "
                "failure) is kept as “Trained here”." if snap is not None else "")
        self.train_controls.set_status("Training failed.")
        QMessageBox.warning(self, "Training failed", message + kept)
