"""The GAN panel's "2-D lab": a generator's points chase a real distribution in the plane,
over a heat map of what the discriminator believes.

Left: the controls. Middle: the picture in layers (real and generated points, D's output,
G's gradient arrows, G's image of a z-grid) with the diagnostics banner below it. Right:
the losses, D's mean outputs and the divergence between the two distributions.

The game itself runs as a job (lab_jobs.py); this module holds the data, the drawing, the
settings and the checkpoints.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QScrollArea,
                               QVBoxLayout, QWidget)

from models import CheckpointError, load_checkpoint
from models.diffusion.toy2d import points_from_strokes
from models.gan.toy2d import DATASETS, EXTENT, fit_to_view, load_points_file, make_points
from models.gan.toy2d_train import GAN2DTrainConfig, GAN2DTrainer

from ... import keys
from ... import settings as app_settings
from ...widgets import ask_checkpoint, save_widget_png
from ...worker import JobRunner
from .diagnosis_banner import DiagnosisBanner
from .lab_charts import LabCharts
from .lab_controls import DRAW, FILE, LabControlPanel
from .lab_jobs import LabJobsMixin
from .lab_plot import LabPlot, help_text

SETTINGS_KEY = "gan/lab"
STROKES_KEY = "gan/lab_strokes"
FILE_KEY = "gan/lab_file"
OPEN_DIR_KEY = "gan/lab_open_dir"
S = app_settings
SAVED = S.Setting(SETTINGS_KEY, {}, S.record(
    dataset=S.name, noise_dim=S.integer(), noise=S.name, g_layers=S.integer(), g_width=S.integer(),
    d_layers=S.integer(), d_width=S.integer(), d_dropout=S.number, loss=S.name, k_d=S.integer(),
    lr_d=S.number, lr_g=S.number, opt_d=S.name, opt_g=S.name, batch_size=S.integer(),
    smoothing=S.number, label_noise=S.number, flip=S.number, gp_weight=S.number,
    seed=S.integer(), layers=S.list_of(S.name, max_len=50)))
STROKES = S.Setting(STROKES_KEY, [], S.strokes, max_chars=2_000_000)
POINTS_FILE = S.Setting(FILE_KEY, "", S.path, kind="str")
OPEN_DIR = S.Setting(OPEN_DIR_KEY, "", S.path, kind="str")
TRAIN_POINTS = 10_000
SHOWN_POINTS = 1000
PLOT_MIN = 360
FIT = 0.88 * EXTENT       # loaded points wider than the square are scaled to fit this
CHECKPOINTS = Path(__file__).resolve().parents[3] / "checkpoints"


class Lab2DView(LabJobsMixin, QWidget):
    message = Signal(str)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.device = device          # the lab trains on the CPU (see set_device); kept for it
        self.data_dir = data_dir      # unused: its data is 2-D points, drawn or from a file
        self.points: np.ndarray | None = None
        self.strokes: list[list[tuple[float, float]]] = []
        self.file_points: np.ndarray | None = None
        self.file_name = ""
        self.steps_done = 0
        self._last_dataset = "8gaussians"
        self.runner = JobRunner(self)
        self._build()
        self.controls.set_values(SAVED.get())
        self._init_game()
        self.strokes = [[(float(x), float(y)) for x, y in s] for s in STROKES.get()]
        if self.controls.values()["dataset"] == FILE:
            self._reload_file()
        for name, box in self.controls.layer_boxes.items():
            self.plot.set_layer_visible(name, box.isChecked())
        self._connect()
        self._data_changed(announce=False)
        self.new_trainer()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.controls = LabControlPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.controls.minimumSizeHint().width() + 22)
        scroll.setMaximumWidth(scroll.minimumWidth() + 40)
        self.plot = LabPlot(EXTENT)
        self.plot.setMinimumSize(PLOT_MIN, PLOT_MIN)
        self.banner = DiagnosisBanner()
        self.help = QLabel(help_text(""))
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        self.help.setStyleSheet("color: #333;")
        self.charts = LabCharts()
        self.charts.setMinimumWidth(300)
        middle = QVBoxLayout()
        middle.addWidget(self.plot)
        middle.addWidget(self.banner)
        middle.addWidget(self.help)
        middle.addStretch(1)
        self.banner.changed.connect(self._fit_plot)
        self.plot.installEventFilter(self)
        lay = QHBoxLayout(self)
        lay.addWidget(scroll)
        lay.addLayout(middle, 2)
        lay.addWidget(self.charts, 1)

    def _connect(self) -> None:
        c = self.controls
        c.playRequested.connect(self.toggle_play)
        c.stepRequested.connect(self.step)
        c.resetRequested.connect(self.reset)
        c.datasetChanged.connect(lambda _: self._data_changed())
        c.loadPointsRequested.connect(lambda: self.load_points())
        c.clearDrawingRequested.connect(self.clear_drawing)
        c.architectureChanged.connect(self._architecture_changed)
        c.rulesChanged.connect(self._rules_changed)
        c.layersChanged.connect(self._layers_changed)
        c.saveImageRequested.connect(lambda: self.save_image())
        c.saveCheckpointRequested.connect(lambda: self.save_checkpoint())
        c.openCheckpointRequested.connect(lambda: self.open_checkpoint())
        self.plot.strokePoint.connect(self._stroke_point)
        self.plot.strokeFinished.connect(self._stroke_finished)
        self.runner.events.connect(self._on_events)
        self.runner.stateChanged.connect(self._on_state)
        self.runner.failed.connect(self._on_failed)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_plot()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        # the plot's width comes from the layout, after this view's own resize event
        # (only a new width: a height change alone is this method's own doing)
        if obj is self.plot and event.type() == QEvent.Type.Resize \
                and event.size().width() != event.oldSize().width():
            QTimer.singleShot(0, self, self._fit_plot)
        return False

    def _fit_plot(self) -> None:
        """A square data area (the axes are aspect-locked), unless the column is too short."""
        plot = self.plot
        extra_w = plot.width() - plot.view.width() if plot.view.width() > 0 else 120
        extra_h = plot.height() - plot.view.height() if plot.view.height() > 0 else 50
        banner = self.banner.sizeHint().height() if self.banner.isVisibleTo(self) else 0
        room = self.height() - banner - self.help.heightForWidth(plot.width()) - 40
        height = int(max(PLOT_MIN, min(plot.width() - extra_w + extra_h, room)))
        if abs(height - plot.height()) > 2:        # axis labels changing width must not loop
            plot.setFixedHeight(height)

    # ------------------------------------------------------------------ public
    def set_device(self, device: str) -> None:
        """Kept for the panel's sake: the lab's MLPs train faster on the CPU than on a GPU."""
        self.device = device

    def set_data_dir(self, folder: str | None) -> None:
        """The 2-D data is generated, drawn or loaded from a file, not read from the data folder."""

    def shutdown(self) -> bool:
        self._save_settings()
        self._queued.clear()
        return self.runner.shutdown()

    # ------------------------------------------------------------------ data
    def _save_settings(self) -> None:
        SAVED.set(self.controls.values())

    def _data_changed(self, announce: bool = True) -> None:
        name = self.controls.values()["dataset"]
        self.plot.set_strokes(self.strokes if name == DRAW else [])
        self.plot.set_draw_enabled(name == DRAW)        # also while playing: G chases each stroke
        if name == DRAW:
            try:
                self.points = points_from_strokes(self.strokes, TRAIN_POINTS, seed=0)
            except ValueError:
                self.points = None           # nothing drawn yet: the hint says what to do
        elif name == FILE:
            self.points = self.file_points
        else:
            self.points = make_points(name, TRAIN_POINTS, seed=0)
        if name != FILE:
            self._last_dataset = name
        self._show_real()
        if announce:
            self._save_settings()
            self._points_changed()
            if self.points is not None and self.trainer is not None:
                self.message.emit("New data: G and D keep their weights and chase it "
                                  "(Reset, R, to start afresh)")

    def _show_real(self) -> None:
        if self.points is None:
            self.plot.set_real(None)
            return
        n = len(self.points)
        pick = np.random.default_rng(0).choice(n, SHOWN_POINTS, replace=False) \
            if n > SHOWN_POINTS else np.arange(n)
        self.plot.set_real(self.points[np.sort(pick)])

    def load_points(self, path: str | None = None) -> bool:
        """Learn the user's points from an N×2 .npy file; on error nothing changes."""
        if path is None:
            start = POINTS_FILE.get() or str(Path.home())
            path, _ = QFileDialog.getOpenFileName(self, "Load points", start,
                                                  "NumPy arrays (*.npy);;All files (*)")
            if not path:
                return False
        try:
            points, note = _fit(load_points_file(path))
        except ValueError as exc:
            QMessageBox.warning(self, "Cannot load points", str(exc))
            return False
        self.file_points, self.file_name = points, Path(path).name
        POINTS_FILE.set(str(path))
        self.controls.add_file_item(self.file_name)
        self._data_changed()
        self.message.emit(f"Loaded {len(points):,} points from {self.file_name}{note}")
        return True

    def _reload_file(self) -> None:
        path = POINTS_FILE.get()
        try:
            self.file_points, _ = _fit(load_points_file(path))
        except ValueError:
            self.file_points = None
        if self.file_points is None:
            self.controls.set_values({"dataset": "8gaussians"})
        else:
            self.file_name = Path(path).name
            self.controls.add_file_item(self.file_name)

    # ------------------------------------------------------------------ drawing
    def _stroke_point(self, x: float, y: float, new: bool) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        if new or not self.strokes:
            self.strokes.append([(x, y)])
        else:
            last = self.strokes[-1][-1]
            if math.hypot(x - last[0], y - last[1]) < 0.02:
                return                       # mouse jitter adds nothing to the shape
            self.strokes[-1].append((x, y))
        self.plot.set_strokes(self.strokes)

    def _stroke_finished(self) -> None:
        STROKES.set(self.strokes)
        self._data_changed()
        n = sum(len(s) for s in self.strokes)
        self.message.emit(f"Drawing: {len(self.strokes)} stroke(s), {n} points; press Play ({keys.PLAY.native()})"
                          if self.points is not None else "Keep drawing: at least two points are needed")

    def clear_drawing(self) -> None:
        self.strokes = []
        STROKES.set([])
        self._data_changed()

    # ------------------------------------------------------------------ model
    def _architecture_changed(self) -> None:
        self._save_settings()
        self.new_trainer("The networks changed: G and D start afresh from random weights.")

    def save_checkpoint(self, path: str | None = None) -> bool:
        """Save G and D as a gan2d checkpoint; pauses training first."""
        from models.checkpoint import save_checkpoint
        if self.trainer is None:
            QMessageBox.information(self, "Save checkpoint", "There is no GAN to save yet.")
            return False
        if not self._stop_and_wait():
            QMessageBox.warning(self, "Save checkpoint", "Training did not pause in time; try again.")
            return False
        self._show_current()
        if path is None:
            start = OPEN_DIR.get() or str(Path.home())
            path, _ = QFileDialog.getSaveFileName(self, "Save checkpoint as folder",
                                                  str(Path(start) / "my-gan2d"))
            if not path:
                return False
        v = self.controls.values()
        data = self.file_name if v["dataset"] == FILE else v["dataset"]
        try:
            self.trainer.data_name = data
            save_checkpoint(path, *self.trainer.checkpoint())
        except (OSError, CheckpointError, ValueError) as exc:
            QMessageBox.warning(self, "Save failed", f"Could not save to {path}:\n{exc}")
            return False
        OPEN_DIR.set(str(Path(path).parent))
        self.message.emit(f"Saved {path} (G and D after {self.trainer.steps_done:,} steps)")
        return True

    def open_checkpoint(self, path: str | None = None) -> bool:
        """Continue from a gan2d checkpoint: its G, D and settings in a new trainer."""
        if path is None:
            path = ask_checkpoint(self, OPEN_DIR.get() or str(CHECKPOINTS),
                                  "Open 2-D GAN checkpoint")
            if not path:
                return False
        try:
            model = load_checkpoint(path)
            if getattr(model, "family", None) != "gan2d":
                raise CheckpointError(f"{path} holds a {getattr(model, 'family', '?')!r} model, "
                                      "not a 2-D GAN.")
            meta = model.meta
            try:
                train_config = GAN2DTrainConfig.from_dict(meta.get("train_config") or {})
            except (TypeError, ValueError):
                train_config = self.controls.train_config()
        except CheckpointError as exc:
            QMessageBox.warning(self, "Cannot open checkpoint", str(exc))
            return False
        self._stop_and_wait()
        data = meta.get("data")
        values = {**model.config.to_dict(), **_flat(train_config)}
        if data in DATASETS or data == DRAW:
            values["dataset"] = data
        self.controls.set_values(values)
        self._data_changed(announce=False)
        if self.points is None:
            self.controls.set_values({"dataset": self._last_dataset})
            self._data_changed(announce=False)
        trainer = GAN2DTrainer(self.points, model.config, train_config, "cpu")
        trainer.G.load_state_dict(model.module.G.state_dict())
        trainer.D.load_state_dict(model.module.D.state_dict())
        trainer.steps_done = int(meta.get("steps", 0) or 0)
        self._queued.clear()
        self.charts.clear_data()
        self.banner.clear_all()
        self._adopt(trainer)
        self._save_settings()
        OPEN_DIR.set(str(Path(path).parent))
        self.message.emit(f"Opened {path}: G and D after {trainer.steps_done:,} steps; press Play")
        return True

    # ------------------------------------------------------------------ export
    def save_image(self, path: str | None = None) -> bool:
        if not save_widget_png(self, self.plot, path, "gan-2d-lab.png"):
            return False
        self.message.emit(f"Saved {path}")
        return True


def _fit(points: np.ndarray) -> tuple[np.ndarray, str]:
    """Points wider than the lab's square are centred and scaled into it (and the user told)."""
    fitted, scale = fit_to_view(points, EXTENT, FIT / EXTENT)
    if scale is None:
        return points, ""
    return fitted, f" (centred and scaled by {scale:.3g} to fit the ±{EXTENT:g} square)"


def _flat(cfg: GAN2DTrainConfig) -> dict:
    """A train config as the control panel's values."""
    t = cfg.tricks
    return {"loss": cfg.loss, "k_d": cfg.k_d, "lr_d": cfg.lr_d, "lr_g": cfg.lr_g, "opt_d": cfg.opt_d,
            "opt_g": cfg.opt_g, "batch_size": cfg.batch_size, "smoothing": t.smoothing,
            "label_noise": t.noise, "flip": t.flip, "gp_weight": cfg.gp_weight, "seed": cfg.seed}

