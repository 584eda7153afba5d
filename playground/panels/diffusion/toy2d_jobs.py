"""Jobs of the 2-D particle view: training the denoiser, sampling particle paths, export.

Mixed into Toy2DView. Both jobs run on JobRunners; the view keeps only numpy copies of
what they make (EMA weight snapshots, finished paths).
"""
from __future__ import annotations

import json
import time

import numpy as np
import torch
from PySide6.QtWidgets import QFileDialog, QMessageBox

from models.diffusion.toy2d import (SAMPLERS, Toy2DConfig, ToyDenoiser, distance_to_data,
                                    iter_particle_paths, make_scheduler, path_timesteps)
from models.diffusion.toy2d_train import ToyTrainConfig, ToyTrainer
from models.events import Snapshot, Status, Step

from ...worker import build_then_run
from .toy2d_controls import DRAW

SHOWN_POINTS = 1500     # the data points the plots show and the distances are measured to


class ToyJobsMixin:
    """Uses the view's controls, runners, plots and model state."""

    def start_training(self) -> None:
        if self.runner.busy:
            return
        if self.points is None:
            QMessageBox.warning(self, "Nothing to learn",
                                "Draw the distribution first: click and drag on the left plot.")
            return
        v = self.controls.values()
        self._save_settings()
        try:
            config = Toy2DConfig(schedule=v["schedule"], timesteps=v["timesteps"])
            train_config = ToyTrainConfig(steps=v["train_steps"])
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot train", str(exc))
            return
        self._clear_model()
        self.config = config
        self._setup_time()
        self.loss.clear_data()
        self.controls.block.begin("Building the model…")
        self._train_started = time.perf_counter()
        self._trainer = None
        points, device = np.array(self.points, np.float32), self.device
        # the trainer is built on the job's thread: its optimiser is the process's first, maybe
        self.runner.start(_one_thread(lambda: build_then_run(
            lambda: ToyTrainer(points, config, train_config, device),
            lambda trainer: setattr(self, "_trainer", trainer))))

    def _training_state(self, state: str) -> None:
        busy = state != "idle"
        self.controls.set_state(state)
        self.forward.set_draw_enabled(not busy and self.controls.values()["dataset"] == DRAW)
        self._frame_changed(self.playback.index())

    def _on_train_events(self, events: list) -> None:
        snapshot = None
        for ev in events:
            if isinstance(ev, Step):
                self.controls.show_step(ev)
                self.loss.add(ev.step, {"loss": ev.losses["loss"]})
            elif isinstance(ev, Snapshot):
                snapshot = ev          # only the newest matters
            elif isinstance(ev, Status):
                self.controls.status.setText(ev.message)
        self.loss.redraw()
        if snapshot is not None and self._trainer is not None:
            self._set_state(snapshot.state, self._trainer.model_config)

    def _on_train_finished(self, result) -> None:
        trainer = self._trainer
        if trainer is None:
            return
        if trainer.steps_done:
            self._set_state(trainer.state_numpy(), trainer.model_config)
        secs = time.perf_counter() - self._train_started
        done = "Stopped" if result is None else "Trained"
        self.controls.status.setText(f"{done} after {trainer.steps_done:,} steps in {secs:.1f} s · "
                                     f"loss {trainer.recent_loss:.3f}.")
        self.message.emit(f"2-D denoiser: {done.lower()} after {trainer.steps_done:,} steps")
        if self.model is not None:
            self.generate()

    def _on_train_failed(self, message: str) -> None:
        self.controls.status.setText("Training failed.")
        QMessageBox.warning(self, "Training failed", message)

    # ------------------------------------------------------------------ particles
    def new_noise(self) -> None:
        self.controls.seed.setValue(self.controls.seed.value() + 1)
        self.generate()

    def generate(self) -> None:
        """Run both samplers from one x_T on a job; the frames play when it is done."""
        if self._state is None or self.config is None:
            return
        if self.path_runner.busy:
            self._pending_generate = True
            self.path_runner.stop()
            return
        v = self.controls.values()
        self._save_settings()
        state, config, seed = self._state, self.config, v["seed"]
        x_T = np.random.default_rng(seed).standard_normal((v["particles"], 2)).astype(np.float32)
        data = self.points[:SHOWN_POINTS] if self.points is not None else None
        self._path_token += 1
        token = self._path_token

        def job():
            sched = make_scheduler(config)
            model = ToyDenoiser.from_state(state, config)
            T, out = config.timesteps, {}
            for i, sampler in enumerate(SAMPLERS):
                chain = iter_particle_paths(model, sched, x_T, sampler, seed, config)
                while True:
                    try:
                        k = next(chain)
                    except StopIteration as done:
                        out[sampler] = done.value
                        break
                    if k % 10 == 0:
                        yield Status(f"Sampling: {SAMPLERS[sampler]}", (i + k / T) / len(SAMPLERS))
            yield Status("Measuring the distance to the data", 1.0)
            dist = {k: distance_to_data(p, data) for k, p in out.items()} if data is not None else {}
            return token, x_T, out, dist

        self.message.emit(f"Sampling {len(x_T):,} particles with both samplers…")
        self.path_runner.start(_one_thread(job))

    def _on_path_events(self, events: list) -> None:
        status = [ev for ev in events if isinstance(ev, Status)]
        if status:
            self.message.emit(f"{status[-1].message} · {100 * (status[-1].fraction or 0):.0f}%")

    def _on_paths(self, result) -> None:
        if self._pending_generate:
            self._pending_generate = False
            self.generate()
            return
        if result is None or result[0] != self._path_token:
            return                     # stopped, or made by a model that is gone
        _, self.x_T, self.paths, dist = result
        self.distance.set_curves(dist.get("ddpm"), dist.get("ddim"))
        self.controls.set_have_paths(True)
        self._apply_colours()
        self.playback.set_count(self.config.timesteps + 1)
        self.message.emit(f"{len(self.x_T):,} particles from the same x_T: DDPM (middle) is "
                          f"noisy, the ODE (right) is deterministic")
        self.playback.play()

    def _on_path_failed(self, message: str) -> None:
        self._pending_generate = False
        QMessageBox.warning(self, "Sampling failed", message)

    # ------------------------------------------------------------------ export
    def save_image(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save image", "diffusion-2d.png",
                                                  "PNG images (*.png)")
            if not path:
                return False
        if not self.plots.grab().save(path, "PNG"):
            QMessageBox.warning(self, "Could not save", f"Could not write an image to {path}.")
            return False
        self.message.emit(f"Saved {path}")
        return True

    def save_paths(self, path: str | None = None) -> bool:
        if self.paths is None or self.config is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save particle paths", "diffusion-2d-paths.npz",
                                                  "NumPy archives (*.npz)")
            if not path:
                return False
        sched = make_scheduler(self.config)
        try:
            np.savez_compressed(path, x_T=self.x_T, ddpm=self.paths["ddpm"], ddim=self.paths["ddim"],
                                timesteps=path_timesteps(sched), data=self.points,
                                config=json.dumps(self.config.to_dict()))
        except OSError as exc:
            QMessageBox.warning(self, "Could not save", f"Could not write {path}: {exc}")
            return False
        self.message.emit(f"Saved paths to {path}")
        return True


def _one_thread(factory):
    """Run a job's torch work on one thread. These models are so small that OpenMP's hand-offs
    cost more than the maths: with two threads on a busy two-core machine a training step
    took 70 ms instead of 2 ms. The next job's thread count is set afresh by the runner."""
    def start():
        torch.set_num_threads(1)
        return factory()
    return start
