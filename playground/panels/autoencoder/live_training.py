"""Live training for the autoencoder panel: start, pause, stop, and show what the job yields.

The model being trained lives in the job's thread. The panel only ever sees copies: each
Snapshot's weights go into a separate inference model (the LatentCodes that follow it redraw
the scatter), and the final weights are copied once the worker has finished.
"""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from models.autoencoder.nets import AEConfig
from models.autoencoder.api import AutoencoderModel
from models.events import DatasetReady, EpochEnd, LatentCodes, Preview, Snapshot, Status, Step
from models.events import CodeStats
from models.latent import PlaneProjection, latent_box
from models.autoencoder.training import AutoencoderTrainer, TrainConfig

from ... import settings as app_settings
from ...worker import build_then_run
from .space import LatentSpace

HYPERPARAMETERS = app_settings.Setting("autoencoder/hyperparameters", {}, app_settings.record(
    kind=app_settings.name, arch=app_settings.name, dataset=app_settings.path,
    latent_dim=app_settings.integer(), beta=app_settings.number, lr=app_settings.number,
    batch_size=app_settings.integer(), epochs=app_settings.integer()))


class LiveTrainingMixin:
    """Mixed into AutoencoderPanel; uses its runner, training view, model list and plot."""

    def start_training(self) -> None:
        if self.runner.busy:
            return
        v = self.training.values()
        HYPERPARAMETERS.set(v)
        try:
            config = AEConfig(kind=v["kind"], arch=v["arch"], latent_dim=v["latent_dim"])
            tcfg = TrainConfig(epochs=v["epochs"], batch_size=v["batch_size"], lr=v["lr"],
                               beta=v["beta"] if v["kind"] == "vae" else 0.0)
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return
        name = f"{config.kind.upper()} · training ({config.arch}, d={config.latent_dim})"
        self._trainer = None
        self._training_name, self._job_data, self._last_step = name, None, 0
        # listed (and picked) at once, shown from the first snapshot on: the plot keeps the
        # model it had until the job has codes of its own to draw
        self.add_model(name, name, AutoencoderModel(config, {"family": "autoencoder"}),
                       select=False)
        self.model_box.blockSignals(True)
        self.model_box.setCurrentIndex(self.model_box.findData(name))
        self.model_box.blockSignals(False)
        self.training.begin(name)
        self.training.set_status("Building the model…")
        dataset, device, data_dir = v["dataset"], self.device, self.data_dir
        self.runner.start(lambda: build_then_run(
            lambda: AutoencoderTrainer(config, tcfg, dataset, device, data_dir=data_dir),
            lambda trainer: setattr(self, "_trainer", trainer)))

    def toggle_pause(self) -> None:
        self.runner.toggle_pause()

    def _on_events(self, events: list) -> None:
        snapshot = codes = None             # only the newest of each matters
        for ev in events:
            if isinstance(ev, Step):
                self._last_step = ev.step
                self.training.show_step(ev)
            elif isinstance(ev, Preview):
                self.training.show_preview(ev)
            elif isinstance(ev, Snapshot):
                snapshot = ev
            elif isinstance(ev, LatentCodes):
                codes = ev
            elif isinstance(ev, EpochEnd):
                self.training.show_epoch(ev, self._last_step)
            elif isinstance(ev, DatasetReady):
                self._job_data = ev
            elif isinstance(ev, Status):
                self.training.set_status(ev.message)
            elif isinstance(ev, CodeStats):
                self._code_stats(ev)        # the Collapse tool's live bars (panel.py)
        self.training.redraw()
        # the weights first: the codes were computed under the Snapshot just before them,
        # which is either in this batch or already applied from an earlier one
        model = self.models.get(self._training_name)
        if model is None:
            return
        if snapshot is not None:
            model.load_state(snapshot.state)
        if codes is not None:
            self._apply_codes(model, codes)

    def _apply_codes(self, model: AutoencoderModel, codes: LatentCodes) -> None:
        if self.active_name() == self._training_name and self._job_data is not None:
            data = self._job_data
            images, labels = data.images[:len(codes.latents)], codes.labels
            self.space = LatentSpace(model, images, labels, data.classes, codes.latents,
                                     PlaneProjection.fit(codes.latents), codes.scales)
            self._space_changed()

    def _finish_model(self, stopped_early: bool) -> None:
        name, trainer = self._training_name, self._trainer
        if name is None:
            return
        if trainer is None or trainer.steps_done == 0:   # nothing learned: do not list it
            self._training_name = None
            self.remove_model(name)
            return
        model = self.models[name]
        model.load_state(trainer.state_numpy())
        data = self._job_data
        final = name.replace("training", "stopped" if stopped_early else "trained")
        self.rename_model(name, final, final)
        if data is not None:
            self.display = self._displays[data.name] = (data.images, data.labels, data.classes)
        self._runs[final] = self.training.curves.state()
        self._training_name = None      # before select_model, which then shows the run's curves
        self.select_model(final)
        model.meta.update({"family": "autoencoder", "config": model.config.to_dict(),
                           "training": trainer.config.to_dict(), "steps": trainer.steps_done,
                           "dataset": data.meta() if data else {},
                           "metrics": {f"test_{k}": v for k, v in trainer.last_test_losses.items()},
                           "metrics_scope": (f"per-epoch test loss on {trainer.last_test_images:,} "
                                             "held-out images" if trainer.last_test_images else
                                             "per-epoch test loss on a subset of the held-out set"),
                           "latent_box": latent_box(self.space.latents, 0.0).tolist(),
                           "stopped_early": stopped_early})
        self.info.setText(self.describe(model))     # now with its steps and held-out loss

    def _on_finished(self, result) -> None:
        stopped = result is None
        self._finish_model(stopped)
        self.training.set_status("Stopped; the weights of the last finished step are kept."
                                 if stopped else "Finished.")
        self.message.emit("Training stopped" if stopped else "Training finished")

    def _on_failed(self, message: str) -> None:
        self._finish_model(True)
        self.training.set_status("Training failed.")
        QMessageBox.warning(self, "Training failed", message)
