"""The 2-D lab's game loop: the trainer, the jobs that play it, and what their events draw.

Mixed into Lab2DView. One GAN2DTrainer at a time; while a job (`lab_job` to play,
`one_step_job` for single steps) runs on the JobRunner only that job touches it, and the GUI
hands changes over through the job's LabControls. Between jobs (paused) the GUI may use the
trainer directly, e.g. to redraw a layer that was just switched on.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch
from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QMessageBox

from models.gan.diagnostics import Monitor, mean_pairwise_distance
from models.gan.losses import LOSS_NAMES
from models.gan.toy2d import MODE_STD, mode_centres, mode_metrics
from models.gan.toy2d_train import (GAN2DTrainer, LabControls, Picture, Progress, lab_job,
                                    one_step_job)

from ... import keys
from .lab_plot import help_text

HEALTH_EVERY_S = 0.5
# A fresh G needs a few hundred steps to spread over the 25-grid (a second or two here), and
# the diagnosis is about modes G misses, not how tightly it hits them: a mode counts as
# reached within 3·(3σ) of its centre, where the quality metric takes 3σ.
HEALTH_WARMUP = 1000
REACH = 3.0
# The picture's price (benchmarks/gan2d_speed.py): a picture with every layer costs the job
# about 1.7 training steps and the GUI ~15 ms to draw. 20 pictures a second still look live;
# at most a fifth of the job's time goes to them; D's map at 48² (bilinearly smoothed on
# screen) costs half of 64².
PICTURE_HZ = 20
PICTURE_BUDGET = 0.2
FIELD_SIZE = 48        # how often the collapse test looks at G's fixed-z points
SPEED_SMOOTHING = 0.8


class LabJobsMixin:
    """Uses the view's controls (`self.controls`), plot, charts, banner, runner and points."""

    # ------------------------------------------------------------------ trainer
    def _init_game(self) -> None:
        self.trainer: GAN2DTrainer | None = None
        self.lab_controls = LabControls(layers=self.controls.layers())
        self.monitor = Monitor()
        self._job = None             # "play" or "step" while the runner is busy
        self._queued: list[str] = []
        self._stopping = False       # waiting for a job to end: nothing new may start
        self._needs_picture = False
        self._rate = 0.0
        self._last_health = -math.inf
        self._health_ref = math.nan
        self._centres = None
        self._divergence: dict | None = None
        self._hidden_picture: Picture | None = None
        self.picture: Picture | None = None

    def new_trainer(self, reason: str | None = None) -> bool:
        """Stop any job and start afresh: new random G and D, empty charts."""
        self._stop_and_wait()
        self._queued.clear()
        self.charts.clear_data()
        self.banner.clear_all()
        self.picture = None
        self.plot.set_fake(None)
        self.plot.set_arrows(None, None)
        self.plot.set_manifold(None)
        self.plot.set_caption("")
        if self.points is None:
            self.trainer = None
            self.controls.set_speed(0, None)
            return False
        try:
            trainer = GAN2DTrainer(self.points, self.controls.model_config(),
                                   self.controls.train_config(), "cpu")
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot build the GAN", str(exc))
            self.trainer = None
            return False
        self._adopt(trainer)
        if reason:
            self.controls.status.setText(reason)
            self.message.emit(reason)
        return True

    def _adopt(self, trainer: GAN2DTrainer) -> None:
        """Make `trainer` the lab's (no job may be running)."""
        self.trainer = trainer
        self.lab_controls = LabControls(layers=self.controls.layers(), extent=self.plot.extent,
                                        field_size=FIELD_SIZE)
        cfg = trainer.config
        self.monitor = Monitor(cfg.loss, cfg.tricks, warmup=HEALTH_WARMUP)
        self._last_health = -math.inf
        self._rate = 0.0
        self._divergence = None
        self._loss_changed(cfg.loss)
        self.controls.set_speed(trainer.steps_done, None)
        self._refresh_picture()

    def _stop_and_wait(self, timeout_s: float = 10.0) -> bool:
        """Stop the running job and let its last events arrive; True once idle."""
        if not self.runner.busy:
            return True
        self._queued.clear()
        self.runner.stop()
        deadline = time.perf_counter() + timeout_s
        self._stopping = True
        try:
            while self.runner.busy and time.perf_counter() < deadline:
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
                time.sleep(0.001)
        finally:
            self._stopping = False
        return not self.runner.busy

    def _refresh_picture(self) -> None:
        """A picture made here, on the GUI thread: only while no job runs."""
        if self.trainer is None or self.runner.busy:
            self._needs_picture = self.trainer is not None
            return
        self._needs_picture = False
        self._show_picture(self.lab_controls.picture(self.trainer))
        self.controls.set_speed(self.trainer.steps_done, None)

    # ------------------------------------------------------------------ playing
    def toggle_play(self) -> None:
        if self.runner.busy:
            if self._job == "play":
                self.runner.stop()          # pause: the trainer keeps its state
            return
        self.play()

    def play(self) -> None:
        if self.runner.busy or self._stopping or not self._ensure_trainer():
            return
        trainer, controls = self.trainer, self.lab_controls
        self._job = "play"
        self.controls.set_running(True)
        self.runner.start(_one_thread(lambda: lab_job(
            trainer, controls, picture_every_s=1 / PICTURE_HZ, picture_budget=PICTURE_BUDGET)))

    def pause(self) -> None:
        if self.runner.busy and self._job == "play":
            self.runner.stop()

    def step(self, kind: str = "both") -> None:
        """One step of both players, or of D or G alone. Queued while another step runs."""
        if self.runner.busy:
            if self._job == "step" and len(self._queued) < 2:
                self._queued.append(kind)
            return
        if self._stopping or not self._ensure_trainer():
            return
        trainer, controls = self.trainer, self.lab_controls
        self._job = "step"
        self.runner.start(_one_thread(lambda: one_step_job(trainer, kind, controls)))

    def reset(self) -> None:
        self.new_trainer(f"New random G and D: press Play ({keys.PLAY.native()}).")

    def _ensure_trainer(self) -> bool:
        if self.trainer is not None:
            return True
        if self.points is None:
            QMessageBox.information(self, "Nothing to learn",
                                    "Draw the distribution first: click and drag on the plot.")
            return False
        return self.new_trainer()

    def _on_state(self, state: str) -> None:
        if state != "idle":
            return
        self._job = None
        self.controls.set_running(False)
        self.charts.redraw(force=True)
        if self._stopping:
            return                          # the caller decides what comes next
        if self._queued:
            self.step(self._queued.pop(0))
            return
        self._show_current()

    def _show_current(self) -> None:
        """After a job: a paused job is closed between two pictures, so show where it stopped."""
        stale = self.trainer is not None and (self.picture is None
                                              or self.picture.step != self.trainer.steps_done)
        if stale or self._needs_picture:
            self._refresh_picture()
        self.controls.set_speed(self.steps_done, None)

    def _on_failed(self, message: str) -> None:
        self._queued.clear()
        self.controls.status.setText("Training stopped: " + message)
        QMessageBox.warning(self, "Training stopped", message)

    # ------------------------------------------------------------------ live changes
    def _rules_changed(self) -> None:
        """Loss, k, rates, optimisers, batch, tricks, dropout: applied between two steps."""
        try:
            cfg = self.controls.train_config()
        except ValueError as exc:
            QMessageBox.warning(self, "Invalid setting", str(exc))
            return
        self._save_settings()
        if self.trainer is None:
            return
        old = self.trainer.config if not self.runner.busy else self._live_config
        self.lab_controls.set_config(cfg)
        self.lab_controls.set_dropout(self.controls.values()["d_dropout"])
        self._live_config = cfg
        if cfg.loss != old.loss or cfg.tricks != old.tricks:
            self.monitor.reset(cfg.loss, cfg.tricks)
            self.banner.clear_all()
        if cfg.loss != old.loss:
            self._loss_changed(cfg.loss)
            self.message.emit(f"Loss: {LOSS_NAMES.get(cfg.loss, cfg.loss)}, from the next step "
                              "on; G and D keep their weights")
        if not self.runner.busy:
            self.lab_controls.apply(self.trainer)
            self._refresh_picture()

    def _loss_changed(self, loss: str) -> None:
        self._live_config = self.controls.train_config()
        self.charts.set_loss(loss)
        self.plot.set_critic(loss == "wgan-gp")
        self.help.setText(help_text(loss))

    def _layers_changed(self) -> None:
        layers = self.controls.layers()
        for name, box in self.controls.layer_boxes.items():
            self.plot.set_layer_visible(name, box.isChecked())
        self.lab_controls.set_layers(layers)
        self._save_settings()
        if not self.runner.busy:
            self._refresh_picture()
        elif self._job == "step":
            self._needs_picture = True

    def _points_changed(self) -> None:
        """New real data for the current G and D (the job picks it up between steps)."""
        self._health_ref = math.nan
        if self.points is None:
            return
        if self.trainer is None:
            self.new_trainer()
            return
        self.lab_controls.set_points(self.points)
        if not self.runner.busy:
            self.lab_controls.apply(self.trainer)
            self._refresh_picture()

    # ------------------------------------------------------------------ events
    def _on_events(self, events: list) -> None:
        picture = None
        diagnoses = []
        for ev in events:
            if isinstance(ev, Progress):
                for stats in ev.stats:
                    self.charts.add_stats(stats)
                    diagnoses += self.monitor.add_d_loss(stats.step, stats.losses.get("D", math.nan))
                self.charts.add_divergence(ev.step, ev.divergence)
                if ev.divergence:
                    self._divergence = ev.divergence
                if ev.steps_per_s > 0:
                    self._rate = ev.steps_per_s if not self._rate else \
                        SPEED_SMOOTHING * self._rate + (1 - SPEED_SMOOTHING) * ev.steps_per_s
                self.steps_done = ev.step
            elif isinstance(ev, Picture):
                picture = ev
        if picture is not None:
            diagnoses += self._health(picture)
            if self.isVisible():
                self._show_picture(picture)
            else:
                self._hidden_picture = picture      # another tab is in front: draw it later
        if self.isVisible():
            self.charts.redraw()
        self.controls.set_speed(self.steps_done, self._rate if self._job == "play" else None)
        for d in diagnoses:
            self.banner.show_diagnosis(d)
            if d.active:
                self.message.emit(f"{d.title} at step {d.step:,}: {d.evidence}")

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        pending, self._hidden_picture = getattr(self, "_hidden_picture", None), None
        if pending is not None and (self.picture is None or pending.step >= self.picture.step):
            self._show_picture(pending)
        self.charts.redraw(force=True)

    def _show_picture(self, pic: Picture) -> None:
        self.picture = pic
        self.steps_done = pic.step
        plot = self.plot
        # hidden items are not fed: a layer switched on is drawn from the next picture
        if plot.layer_visible("fake"):
            plot.set_fake(pic.fake)
        plot.set_field(pic.field)
        plot.set_arrows(pic.fake if pic.arrows is not None else None, pic.arrows)
        plot.set_manifold(pic.manifold)
        caption = f"step {pic.step:,}"
        div = self._divergence
        if div and pic.step:
            caption += f" · JS {div['JS']:.3f} bits"
        self.plot.set_caption(caption)

    def _health(self, pic: Picture) -> list:
        """The collapse test on G's fixed-z points, at most every HEALTH_EVERY_S."""
        now = time.perf_counter()
        if now - self._last_health < HEALTH_EVERY_S or self.points is None:
            return []
        self._last_health = now
        if not math.isfinite(self._health_ref):
            self._health_ref = mean_pairwise_distance(pic.real, 256)
            name = self.controls.values()["dataset"]
            self._centres = (mode_centres(name), MODE_STD[name]) if name in MODE_STD else None
        fake = pic.fake[np.isfinite(pic.fake).all(1)]
        if len(fake) < 2 or not self._health_ref > 0:
            return []
        diversity = mean_pairwise_distance(fake, 256) / self._health_ref
        if self._centres is None:
            return self.monitor.add_health(pic.step, diversity)
        centres, std = self._centres
        m = mode_metrics(fake, centres, REACH * std)
        # the monitor's "entropy" test takes any 0..1 figure; here it is the modes reached
        words = (f"only {m.modes_covered} of the {m.total_modes} modes receive G's samples "
                 f"(threshold {self.monitor.entropy:.2f} of them)")
        return self.monitor.add_health(pic.step, diversity, m.modes_covered / m.total_modes, words)


def _one_thread(factory):
    """These MLPs are tiny: OpenMP's hand-offs between two threads cost more than the maths."""
    def start():
        torch.set_num_threads(1)
        return factory()
    return start
