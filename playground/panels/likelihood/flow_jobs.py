"""Training in the Flows 2-D tab: a Flow2DTrainer on the JobRunner, its curve and progress,
and its weight snapshots shown as the "Trained here" model.

Mixed into FlowView. The job alone touches the trainer while it runs; the view sees only the
numpy weight snapshots the job yields, loaded into a RealNVPModel of its own, so the density
and the warped plane it draws never read a module that is being optimised. When the job has
ended (finished, stopped or diverged) the trainer is idle and the view reads its last weights.
"""
from __future__ import annotations

import time

import numpy as np
import torch
from PySide6.QtWidgets import QMessageBox

from models.checkpoint import CheckpointError
from models.events import Snapshot, Status, Step
from models.likelihood.flow_api import RealNVPModel
from models.likelihood.flow_data import MIN_POINTS
from models.likelihood.flow_training import Flow2DTrainConfig, Flow2DTrainer
from models.likelihood.realnvp import RealNVPConfig

from ...worker import build_then_run
from ..model_source import TRAINED

PROGRESS_S = 0.1        # a Step (curve point, progress bar) at most this often
# Each snapshot redraws the density and the warp on the GUI thread (≈ 0.1 s here): twice a
# second looks live and leaves the GUI free.
SNAPSHOT_S = 0.5


class FlowTrainingMixin:
    """Uses the view's `controls`, `runner`, `points` and the ModelSource methods."""

    def start_training(self) -> None:
        if self.runner.busy:
            return
        if self.points is None:
            QMessageBox.warning(self, "Nothing to learn",
                                f"There are no points to learn: {self.data_problem} Add at "
                                f"least {MIN_POINTS} points (click on the plot) or choose "
                                "another shape.")
            return
        v = self.controls.values()
        try:
            config = RealNVPConfig(kind="2d", layers=v["couplings"], hidden=v["hidden"])
            train = Flow2DTrainConfig(steps=v["steps"], batch_size=v["batch"], lr=v["lr"],
                                      seed=v["seed"], progress_every_s=PROGRESS_S,
                                      snapshot_every_s=SNAPSHOT_S)
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return
        self._save_settings()
        self.controls.chart.clear_data()
        self.controls.block.begin("Building the flow…")
        self._trainer = None
        self._show_trained_next = True
        self._train_started = time.perf_counter()
        points, name = np.array(self.points, np.float32), self.data_name()
        # The flow's MLPs are tiny: it trains on the CPU whatever the app's device (a GPU's
        # launch overheads cost more than these layers), and the trainer is built on the
        # job's thread (its optimiser may be the process's first, seconds of imports).
        self.runner.start(_one_thread(lambda: build_then_run(
            lambda: Flow2DTrainer(points, config, train, "cpu", data_name=name),
            lambda trainer: setattr(self, "_trainer", trainer), "Building the flow…")))

    def _training_state(self, state: str) -> None:
        self.controls.set_state(state)
        self._update_editing()

    def _on_train_events(self, events: list) -> None:
        snapshot = None
        for ev in events:
            if isinstance(ev, Step):
                self.controls.show_step(ev)
                self.controls.chart.add(ev.step, {"NLL": ev.losses["nll"]})
            elif isinstance(ev, Snapshot):
                snapshot = ev                  # only the newest one is worth drawing
            elif isinstance(ev, Status):
                self.controls.status.setText(ev.message)
        self.controls.chart.redraw()
        if snapshot is not None and self._trainer is not None:
            self._show_trained(self._snapshot_model(snapshot.state, snapshot.step), live=True)

    def _snapshot_model(self, state: dict, step: int) -> RealNVPModel:
        trainer = self._trainer
        model = RealNVPModel(trainer.model_config, self._trained_meta(trainer, step))
        model.load_state(state, "the training run")
        return model

    @staticmethod
    def _trained_meta(trainer: Flow2DTrainer, step: int) -> dict:
        return {"data": trainer.data_name, "points": len(trainer.points),
                "training": trainer.config.to_dict(), "steps": int(step)}

    def _show_trained(self, model: RealNVPModel, live: bool) -> None:
        self.set_trained_model(model, live=live)
        if self._show_trained_next:            # a new run: show it once, then leave the
            self._show_trained_next = False    # choice to the user
            if self.current_key() != TRAINED:
                self.select_model(TRAINED)

    def _on_train_finished(self, result) -> None:
        trainer = self._trainer
        if trainer is None:
            return
        secs = time.perf_counter() - self._train_started
        if trainer.steps_done == 0:
            self.remove_model(TRAINED)
            self.controls.status.setText("Stopped before the first step: nothing was learned.")
            return
        try:
            state, meta = trainer.checkpoint(result)   # with the NLL of training and fresh points
            model = RealNVPModel.from_state(state, meta, "the training run")
        except (CheckpointError, ValueError):
            model = self._snapshot_model(trainer.state_numpy(), trainer.steps_done)
        self._show_trained(model, live=False)
        done = "Stopped" if result is None else "Trained"
        # the flow's −log p on fresh points is on the model's info line, on the data below
        self.controls.status.setText(f"{done} after {trainer.steps_done:,} steps in "
                                     f"{secs:.1f} s.")
        self.message.emit(f"Flows 2-D: {done.lower()} after {trainer.steps_done:,} steps; "
                          "the model is “Trained here”")

    def _on_train_failed(self, message: str) -> None:
        trainer = self._trainer
        kept = ""
        if trainer is not None and trainer.steps_done > 0:
            # a diverged step changed no weight: the trainer holds the last good ones
            self._show_trained(self._snapshot_model(trainer.state_numpy(), trainer.steps_done),
                               live=False)
            kept = f"\n\n“Trained here” keeps the weights of step {trainer.steps_done:,}."
        self.controls.status.setText("Training failed: " + message)
        QMessageBox.warning(self, "Training stopped", message + kept)


def _one_thread(factory):
    """The job's torch work on one thread: for MLPs this small, OpenMP's hand-offs between
    threads cost more than the maths."""
    def start():
        torch.set_num_threads(1)
        return factory()
    return start
