"""The "2-D particles" view: diffusion on points, where every sample is visible.

Left: the forward process q(x_t) of the data with the learned score (or ε̂) as arrows, and
a slider for t. Middle and right: one cloud of particles from the same x_T run through
DDPM (a reverse SDE) and DDIM η = 0 (the probability-flow ODE), played frame by frame.

The denoiser trains on a JobRunner; the view only ever holds numpy snapshots of its EMA
weights, loaded into a model of its own. Particle paths are computed once, by a job, and
then merely played.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSlider, QVBoxLayout,
                               QWidget)

from models.diffusion.toy2d import (Toy2DConfig, ToyDenoiser, alpha_bar, eps_field, grid_points,
                                    make_points, make_scheduler, noised, points_from_strokes,
                                    score_field)
from models.diffusion.toy2d_train import ToyTrainer

from ... import keys
from ... import settings as app_settings
from ...worker import JobRunner
from ...playback_bar import PlaybackBar
from .toy2d_charts import DistancePlot, LossPlot
from .toy2d_controls import DRAW, Toy2DControls
from .toy2d_jobs import SHOWN_POINTS, ToyJobsMixin
from .toy2d_plot import ParticlePlot, PlotRow, arrow_segments, hue_groups

SETTINGS_KEY = "diffusion/toy2d"
STROKES_KEY = "diffusion/toy2d_strokes"
SAVED = app_settings.Setting(SETTINGS_KEY, {}, app_settings.record(
    dataset=app_settings.name, schedule=app_settings.name, timesteps=app_settings.integer(),
    train_steps=app_settings.integer(), particles=app_settings.integer(),
    seed=app_settings.integer(), trails=app_settings.name, arrows=app_settings.name,
    arrows_on_particles=app_settings.boolean, colour_by_start=app_settings.boolean,
    link_time=app_settings.boolean))
STROKES = app_settings.Setting(STROKES_KEY, [], app_settings.strokes, max_chars=2_000_000)
TRAIN_POINTS = 8000     # the training set; the plots show its first SHOWN_POINTS
FORWARD_SEED = 7        # one fixed ε per point, so dragging t moves the points smoothly
GRID = 21               # arrows per side
CHART_MIN_HEIGHT = 130
SDE_COLOUR, ODE_COLOUR = "#d95f02", "#1f77b4"   # when particles are not coloured by their start
HELP = ("<b>Left</b>: the data diffused to time t, q(x<sub>t</sub>), and the learned score "
        "∇log p<sub>t</sub> ≈ −ε̂/σ<sub>t</sub>: arrows point to where the data is denser. "
        "<b>Middle</b>: DDPM sampling, a discretised <i>reverse SDE</i>: every step follows the "
        "score and adds fresh noise, so paths jitter and neighbours part. "
        "<b>Right</b>: DDIM with η = 0, the <i>probability-flow ODE</i>: the same starting points "
        "x<sub>T</sub>, no noise, smooth paths; nearby starts end nearby, so the colours "
        "(the direction of x<sub>T</sub>) stay in bands. Both end on the data.")


class Toy2DView(ToyJobsMixin, QWidget):
    message = Signal(str)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.device = device
        self.points: np.ndarray | None = None
        self.strokes: list[list[tuple[float, float]]] = []
        self.config: Toy2DConfig | None = None    # of the model below
        self.model: ToyDenoiser | None = None
        self._state: dict | None = None
        self.paths: dict[str, np.ndarray] | None = None
        self.x_T: np.ndarray | None = None
        self._trainer: ToyTrainer | None = None
        self._train_started = 0.0
        self._path_token = 0
        self._pending_generate = False
        self._syncing = False
        self._field_cache: tuple | None = None
        self._sched: tuple | None = None
        self.runner = JobRunner(self)         # training
        self.path_runner = JobRunner(self)    # particle paths
        self._build()
        self._connect()
        self.controls.set_values(SAVED.get())
        self.strokes = [[(float(x), float(y)) for x, y in s] for s in STROKES.get()]
        self._data_changed(announce=False)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.controls = Toy2DControls()
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(310)
        scroll.setMaximumWidth(380)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.forward = ParticlePlot("Forward · q(x_t) and the learned score")
        self.sde = ParticlePlot("Reverse SDE · DDPM", SDE_COLOUR)
        self.ode = ParticlePlot("Probability-flow ODE · DDIM η = 0", ODE_COLOUR)
        self.forward.set_data_style((50, 90, 160, 150), 3.5)   # blue-grey, apart from the arrows
        for p in (self.sde, self.ode):
            p.set_data_style((150, 150, 150, 60), 3)
            p.view.setXLink(self.forward.view)
            p.view.setYLink(self.forward.view)
        self.t_slider = QSlider(Qt.Orientation.Horizontal)
        self.t_slider.setToolTip("Forward time t: 0 is the data, T is pure noise (Home / End)")
        self.t_label = QLabel()
        self.t_label.setMinimumWidth(140)
        self.playback = PlaybackBar(label="step", fps=30)
        self.playback.setToolTip("The reverse process, from x_T (step 0) to x_0 (step T)")
        self.loss = LossPlot()
        self.distance = DistancePlot(SDE_COLOUR, ODE_COLOUR)
        for chart in (self.loss, self.distance):
            chart.setMinimumSize(160, CHART_MIN_HEIGHT)
        self.help = QLabel(HELP)
        self.help.setWordWrap(True)
        self.help.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        # the label's height is set from its width in resizeEvent: a height-for-width item in
        # this layout made Qt overlap the bars with the (fixed-height) plot row
        policy = self.help.sizePolicy()
        policy.setHeightForWidth(False)
        self.help.setSizePolicy(policy)

        self.plots = PlotRow([self.forward, self.sde, self.ode])   # what "Save image" saves
        bars = QGridLayout()
        trow = QHBoxLayout()
        trow.addWidget(QLabel("t"))
        trow.addWidget(self.t_slider, 1)
        trow.addWidget(self.t_label)
        bars.addLayout(trow, 0, 0)
        bars.addWidget(self.playback, 0, 1, 1, 2)
        for c in range(3):
            bars.setColumnStretch(c, 1)
        charts = QHBoxLayout()
        charts.addWidget(self.loss, 1)
        charts.addWidget(self.distance, 1)
        bottom = QVBoxLayout()
        bottom.addWidget(self.help)
        bottom.addLayout(charts, 1)
        right = QVBoxLayout()
        right.addWidget(self.plots)
        right.addLayout(bars)
        right.addLayout(bottom, 1)
        lay = QHBoxLayout(self)
        lay.addWidget(scroll)
        lay.addLayout(right, 1)
        self._arrow_timer = QTimer(self, singleShot=True, interval=60)

    def _connect(self) -> None:
        c = self.controls
        c.trainRequested.connect(self.start_training)
        c.pauseRequested.connect(self.runner.toggle_pause)
        c.stopRequested.connect(self.runner.stop)
        c.generateRequested.connect(self.generate)
        c.newNoiseRequested.connect(self.new_noise)
        c.clearDrawingRequested.connect(self.clear_drawing)
        c.datasetChanged.connect(lambda _: self._data_changed())
        c.modelSettingsChanged.connect(self._model_settings_changed)
        c.displayChanged.connect(self._display_changed)
        c.saveImageRequested.connect(lambda: self.save_image())
        c.savePathsRequested.connect(lambda: self.save_paths())
        self.t_slider.valueChanged.connect(self._t_changed)
        self.playback.frameChanged.connect(self._frame_changed)
        self.forward.strokePoint.connect(self._stroke_point)
        self.forward.strokeFinished.connect(self._stroke_finished)
        self.forward.view.sigRangeChanged.connect(lambda *_: self._arrow_timer.start())
        self._arrow_timer.timeout.connect(self._refresh_arrows)
        self.runner.events.connect(self._on_train_events)
        self.runner.finished.connect(self._on_train_finished)
        self.runner.failed.connect(self._on_train_failed)
        self.runner.stateChanged.connect(self._training_state)
        self.path_runner.events.connect(self._on_path_events)
        self.path_runner.finished.connect(self._on_paths)
        self.path_runner.failed.connect(self._on_path_failed)

    def resizeEvent(self, event) -> None:  # noqa: N802
        # the layout has already given the row its new width; its height follows from that
        super().resizeEvent(event)
        width = self.plots.width()
        self.help.setFixedHeight(self.help.heightForWidth(width))
        below = self.playback.sizeHint().height() + self.help.height() + CHART_MIN_HEIGHT
        self.plots.fit(self.height() - below - 40)      # 40: margins and spacing

    # ------------------------------------------------------------------ public
    def set_device(self, device: str) -> None:
        self.device = device

    def set_data_dir(self, folder: str | None) -> None:
        """The 2-D data is generated, not loaded; kept so every view takes the same calls."""

    def shutdown(self) -> bool:
        """Stop both jobs and wait for their threads; False if one did not end in time."""
        self._save_settings()
        self.playback.pause()
        trained = self.runner.shutdown()
        sampled = self.path_runner.shutdown()
        return trained and sampled

    def timesteps(self) -> int:
        return self.controls.timesteps.value()

    def scheduler(self):
        """The scheduler of the model, or of the settings the next model will train with."""
        config = self.config
        if config is None:
            v = self.controls.values()
            config = Toy2DConfig(schedule=v["schedule"], timesteps=v["timesteps"])
        key = (config.schedule, config.timesteps)
        if self._sched is None or self._sched[0] != key:
            self._sched = (key, make_scheduler(config))
        return self._sched[1]

    # ------------------------------------------------------------------ data
    def _save_settings(self) -> None:
        SAVED.set(self.controls.values())

    def _data_changed(self, announce: bool = True) -> None:
        name = self.controls.values()["dataset"]
        drawing = name == DRAW
        self.forward.set_draw_enabled(drawing and not self.runner.busy)
        self.forward.set_strokes(self.strokes if drawing else [])
        if drawing:
            try:
                self.points = points_from_strokes(self.strokes, TRAIN_POINTS, seed=0)
            except ValueError:
                self.points = None          # nothing drawn yet: the hint says what to do
            self.t_slider.setValue(0)
        else:
            self.points = make_points(name, TRAIN_POINTS, seed=0)
        for p in (self.sde, self.ode):
            p.set_data(None if self.points is None else self.points[:SHOWN_POINTS])
        had_model = self.model is not None
        self._clear_model()
        if announce:
            self._save_settings()
            if had_model:
                self.controls.status.setText(f"The data changed: train again ({keys.TRAIN.native()}).")
        self._setup_time()

    def _stroke_point(self, x: float, y: float, new: bool) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        if new or not self.strokes:
            self.strokes.append([(x, y)])
            if self.t_slider.value() != 0:
                self.t_slider.setValue(0)
        else:
            last = self.strokes[-1][-1]
            if math.hypot(x - last[0], y - last[1]) < 0.02:
                return                       # mouse jitter adds nothing to the shape
            self.strokes[-1].append((x, y))
        self.forward.set_strokes(self.strokes)

    def _stroke_finished(self) -> None:
        STROKES.set(self.strokes)
        self._data_changed(announce=False)
        n = sum(len(s) for s in self.strokes)
        self.message.emit(f"Drawing: {len(self.strokes)} stroke(s), {n} points; "
                          f"press Train ({keys.TRAIN.native()}) to learn it" if self.points is not None
                          else "Keep drawing: at least two points are needed")

    def clear_drawing(self) -> None:
        self.strokes = []
        STROKES.set([])
        self._data_changed(announce=False)

    # ------------------------------------------------------------------ model
    def _clear_model(self) -> None:
        self.model, self._state, self.config = None, None, None
        self._field_cache = None
        self._path_token += 1
        self.paths, self.x_T = None, None
        self.distance.set_curves(None, None)
        self.controls.set_have_model(False)
        self.controls.set_have_paths(False)

    def _set_state(self, state: dict, config: Toy2DConfig) -> None:
        self._state, self.config = state, config
        self.model = ToyDenoiser.from_state(state, config)
        self._field_cache = None
        self.controls.set_have_model(True)
        self._refresh_arrows()

    def _model_settings_changed(self) -> None:
        self._save_settings()
        if self.model is not None:
            self._clear_model()
            self.controls.status.setText(f"The schedule changed: train again ({keys.TRAIN.native()}).")
        self._setup_time()

    def _apply_colours(self) -> None:
        n = 0 if self.x_T is None else len(self.x_T)
        groups = hue_groups(self.x_T) if n and self.controls.values()["colour_by_start"] else None
        for p in (self.sde, self.ode):
            p.set_groups(groups, n)

    # ------------------------------------------------------------------ time and frames
    def _setup_time(self) -> None:
        T = self.timesteps() if self.config is None else self.config.timesteps
        self.t_slider.blockSignals(True)
        self.t_slider.setRange(0, T)
        self.t_slider.blockSignals(False)
        self.playback.set_formatter(lambda k: f"step {k}/{T} · t = {T - k}" if self.paths is not None
                                    else "no particles yet", widest=f"step {T}/{T} · t = {T}")
        self.playback.set_count(T + 1 if self.paths is not None else 1)
        self._t_changed(self.t_slider.value())
        self._frame_changed(self.playback.index())

    def _display_changed(self) -> None:
        self._save_settings()
        self._apply_colours()
        self._t_changed(self.t_slider.value())
        self._frame_changed(self.playback.index())

    def _t_changed(self, s: int) -> None:
        """Slider s: 0 is the data itself, s ≥ 1 is the paper's t = s (code index s − 1)."""
        shown = None if self.points is None else self.points[:SHOWN_POINTS]
        sched = self.scheduler()
        T = sched.num_train_timesteps
        s = min(s, T)
        if shown is not None and s > 0:
            shown = noised(shown, s - 1, sched, seed=FORWARD_SEED)
        self.forward.set_data(shown)
        a = 1.0 if s == 0 else alpha_bar(sched, s - 1)
        self.t_label.setText(f"t = {s}/{T} · ᾱ_t = {a:.3f}")
        self.forward.set_caption("data x₀" if s == 0 else
                                 f"x_t ~ q(x_t | x₀),  √ᾱ_t = {math.sqrt(a):.2f}")
        self._refresh_arrows()
        if self.controls.values()["link_time"] and not self._syncing and self.paths is not None:
            self._syncing = True
            self.playback.set_index(T - s)
            self._syncing = False

    def _frame_changed(self, k: int) -> None:
        mode = self.controls.values()["trails"]
        trail = {"whole": k, "recent": 10, "off": 0}.get(mode, 0)
        T = self.config.timesteps if self.config is not None else self.timesteps()
        have = self.paths is not None and k <= T
        for p, sampler in ((self.sde, "ddpm"), (self.ode, "ddim")):
            p.show_frame(self.paths[sampler] if have else None, k, trail)
            if have:
                p.set_caption(f"step {k}/{T}")
            elif self.runner.busy:
                p.set_caption("Training… the particles run when it is done")
            elif self.model is None:
                p.set_caption(f"Train ({keys.TRAIN.native()}), then the particles play here")
            else:
                p.set_caption(f"Generate ({keys.SAMPLE.native()}) to run the particles")
        self.distance.set_step(k)
        if have and self.controls.values()["link_time"] and not self._syncing:
            self._syncing = True
            self.t_slider.setValue(T - k)
            self._syncing = False
        self._refresh_arrows()

    # ------------------------------------------------------------------ arrows
    def _field(self, t: int, kind: str):
        """Arrow segments for the field at code index t over the visible box (cached)."""
        (x0, x1), (y0, y1) = self.forward.visible_range()
        key = (t, kind, round(x0, 3), round(x1, 3), round(y0, 3), round(y1, 3))
        if self._field_cache is not None and self._field_cache[0] == key:
            return self._field_cache[1]
        grid = grid_points((x0, x1), (y0, y1), GRID)
        if kind == "score":
            vec = score_field(self.model, grid, t, self.scheduler())
        else:
            vec = eps_field(self.model, grid, t)
        segs = arrow_segments(grid, vec, min(x1 - x0, y1 - y0) / (GRID - 1))
        self._field_cache = (key, segs)
        return segs

    def _refresh_arrows(self) -> None:
        v = self.controls.values()
        if self.model is None or v["arrows"] == "off":
            for p in (self.forward, self.sde, self.ode):
                p.set_arrows(None)
            return
        T = self.config.timesteps
        s = min(self.t_slider.value(), T)
        self.forward.set_arrows(self._field(max(s - 1, 0), v["arrows"]))
        k = self.playback.index()
        on_particles = v["arrows_on_particles"] and self.paths is not None
        segs = self._field(max(T - k - 1, 0), v["arrows"]) if on_particles else None
        for p in (self.sde, self.ode):
            p.set_arrows(segs)

