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
from .training_view import curve_kind

HYPERPARAMETERS = app_settings.Setting("autoencoder/hyperparameters", {}, app_settings.record(
    kind=app_settings.name, arch=app_settings.name, dataset=app_settings.path,
    latent_dim=app_settings.integer(), beta=app_settings.number, lr=app_settings.number,
    batch_size=app_settings.integer(), epochs=app_settings.integer(),
    prior=app_settings.name, stochastic=app_settings.boolean, supervised=app_settings.boolean,
    regulariser=app_settings.name, lam=app_settings.number, decoder=app_settings.name,
    kl_warmup=app_settings.integer(), free_bits=app_settings.number,
    top_dim=app_settings.integer()))
# short names of the priors, for a run's name in the list
PRIOR_SHORT = {"gaussian": "N(0, I)", "mixture10": "mixture of 10", "swiss-roll": "swiss roll",
               "square": "square", "ring": "ring", "points": "your points"}


def configs(v: dict, points=None) -> tuple[AEConfig, TrainConfig]:
    """The model and training configs of the form's values `v` (TrainingView.values()), with
    the options of other kinds left at their defaults; ValueError says what is wrong."""
    kind = v["kind"]
    matched, variational = kind in ("aae", "wae"), kind in ("vae", "hvae")
    prior = v.get("prior", "gaussian") if matched else "gaussian"
    if prior == "points" and points is None:
        raise ValueError("The \"your points\" prior has no points yet: load a file (Load "
                         "points…) or draw at least 10 (Draw).")
    config = AEConfig(
        kind=kind, arch=v["arch"], latent_dim=v["latent_dim"], prior=prior,
        prior_points=tuple(map(tuple, points)) if prior == "points" else (),
        regulariser=v.get("regulariser") if kind == "wae" else None,
        stochastic=bool(v.get("stochastic")) and matched,
        supervised=bool(v.get("supervised")) and kind == "aae" and prior == "mixture10",
        decoder=v.get("decoder", "plain") if kind == "vae" else "plain",
        top_dim=v.get("top_dim") if kind == "hvae" else None)
    tcfg = TrainConfig(epochs=v["epochs"], batch_size=v["batch_size"], lr=v["lr"],
                       beta=v["beta"] if variational else 0.0,
                       lam=v.get("lam", 10.0) if kind == "wae" else TrainConfig.lam,
                       free_bits=v.get("free_bits", 0.0) if variational else 0.0,
                       kl_warmup=v.get("kl_warmup", 0) if variational else 0)
    return config, tcfg


def run_name(config: AEConfig) -> str:
    """"AAE · training (conv, d=2, mixture of 10)": the kind and what sets it apart."""
    extra = ""
    if config.kind in ("aae", "wae"):
        extra = f", {PRIOR_SHORT.get(config.prior, config.prior)}"
        if config.kind == "wae":
            extra += ", MMD" if config.regulariser == "mmd" else ", adversarial"
    elif config.decoder == "pixelcnn":
        extra = ", PixelCNN"
    elif config.kind == "hvae":
        extra = f", z₂ {config.top_dim}-D"
    return f"{config.kind.upper()} · training ({config.arch}, d={config.latent_dim}{extra})"


class LiveTrainingMixin:
    """Mixed into AutoencoderPanel; uses its runner, training view, model list and plot."""

    def start_training(self) -> None:
        if self.runner.busy:
            return
        v = self.training.values()
        HYPERPARAMETERS.set(v)
        try:
            config, tcfg = configs(v, self.training.prior_points())
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return
        name = run_name(config)
        self._trainer = None
        self._training_name, self._job_data, self._last_step = name, None, 0
        # listed (and picked) at once, shown from the first snapshot on: the plot keeps the
        # model it had until the job has codes of its own to draw
        self.add_model(name, name, AutoencoderModel(config, {"family": "autoencoder"}),
                       select=False)
        self.model_box.blockSignals(True)
        self.model_box.setCurrentIndex(self.model_box.findData(name))
        self.model_box.blockSignals(False)
        self.training.begin(name, curve_kind(config))
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
        if final in self.names:      # the same settings again: a second entry, not a swap
            final = next(f"{final} #{i}" for i in range(2, 10_000)
                         if f"{final} #{i}" not in self.names)
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
        # a run that diverged (a NaN loss, a critic gone wild) keeps the weights of its last
        # whole step: the trainer put them back, and they are listed as a stopped run
        trainer = self._trainer
        kept = trainer is not None and trainer.steps_done > 0 and self._training_name is not None
        self._finish_model(True)
        self.training.set_status(
            f"Training failed; the weights of step {trainer.steps_done:,} are kept." if kept
            else "Training failed.")
        QMessageBox.warning(self, "Training failed", message)
