"""The Likelihood panel's "Flows 2-D" tab: a RealNVP on points in the plane.

Left: the data (two moons, rings, or points you click or load), what to show, and training.
Middle: the model picker (the shipped flow, the one trained here, or one opened), then the
picture: the flow's exact density p(x) as a heat map behind the data, and the Gaussian's
samples and a grid of lines pushed through the first k couplings, z → x, with a slider (and
Play) over k. k = 0 is the Gaussian base, k = L the data space.

The shared model bar of the other tabs (`source`) is not used: this tab has its own model.
"""
from __future__ import annotations

import math
from html import escape
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QScrollArea,
                               QVBoxLayout, QWidget)

from models import CheckpointError
from models.checkpoint import read_meta
from models.likelihood.flow_api import RealNVPModel
from models.likelihood.flow_data import (DATASET_NAMES, MIN_POINTS, check_points, load_points,
                                         make_points)

from ... import keys
from ... import settings as app_settings
from ...widgets import save_widget_png
from ...playback_bar import PlaybackBar
from ...worker import JobRunner
from ..model_source import ModelSource, shown_in
from .flow_controls import MINE, FlowControls
from .flow_jobs import FlowTrainingMixin
from .flow_plot import FlowPlot, sample_brushes

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
S = app_settings
SAVED = S.Setting("likelihood/flow_settings", {}, S.record(
    data=S.name, points=S.integer(), seed=S.integer(), density=S.boolean,
    log_density=S.boolean, samples=S.boolean, sample_count=S.integer(), grid=S.boolean,
    layer=S.integer(), couplings=S.integer(), hidden=S.integer(), steps=S.integer(),
    lr=S.number, batch=S.integer()))
MAX_SAVED_POINTS = 20_000        # "My points" kept between sessions (a loaded file may hold more)
MY_POINTS = S.Setting("likelihood/flow_points", [], S.list_of(S.point, max_len=MAX_SAVED_POINTS),
                      max_chars=1_000_000)
POINTS_DIR = S.Setting("likelihood/flow_points_dir", "", S.path, kind="str")

HALF = 2.5                 # the built-in shapes fit in the square ±2.5
SHOWN_POINTS = 2000        # data points drawn (all are trained on)
NLL_POINTS = 20_000        # the data's mean −log p is taken over at most these
DENSITY_N = 128            # the heat map's grid (scaled up smoothly on screen)
ADD_SPACING_PX = 6         # a drag adds a point every this many pixels
REMOVE_RADIUS_PX = 14      # a right click removes the points this close
GRID_LINES = np.linspace(-3.0, 3.0, 13)     # the z-grid: lines at these z₁ and z₂ …
GRID_ALONG = np.linspace(-3.5, 3.5, 71)     # … each drawn through these points
FAMILY_NAMES = {"nade": "NADE", "pixelcnn": "PixelCNN"}


def grid_z() -> np.ndarray:
    """The z-grid's points: first the lines of constant z₁, then those of constant z₂."""
    c, t = np.meshgrid(GRID_LINES, GRID_ALONG, indexing="ij")
    u = np.stack([c, t], -1)               # z₁ = c along each line
    v = np.stack([t, c], -1)               # z₂ = c
    return np.concatenate([u, v]).reshape(-1, 2).astype(np.float32)


def describe(model: RealNVPModel) -> str:
    c, m = model.config, model.meta
    weights = sum(p.numel() for p in model.module.parameters())
    parts = [f"RealNVP 2-D, {c.layers} affine couplings, MLPs {c.depth}×{c.hidden}",
             f"{weights:,} weights"]
    data = m.get("data")
    if isinstance(data, str) and data:
        parts.append(f"trained on {DATASET_NAMES.get(data, data)}")
    steps = m.get("steps")
    if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
        parts.append(f"{steps:,} steps")
    metrics = m.get("metrics") if isinstance(m.get("metrics"), dict) else {}
    for key, where in (("test_nll_nats", "fresh points"),
                       ("train_nll_nats", "its training points")):
        v = metrics.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            parts.append(f"−log p {v:.3f} nats on {where}")
            break
    return " · ".join(parts)


def refusal(path, model) -> str:
    """Why the Flows tab will not show `model`, and where it is shown instead."""
    family = getattr(model, "family", "?")
    if family == "realnvp":
        return (f"{path} holds an image RealNVP (a flow on 28×28 digits), not a 2-D one: the "
                "Flows 2-D tab shows flows on points in the plane. No panel shows image flows "
                "yet; score or sample it in Python with models.likelihood.flow_api "
                "(log_prob, bits_per_dim, sample).")
    if family in FAMILY_NAMES:
        return (f"{path} holds a {FAMILY_NAMES[family]} model, not a 2-D RealNVP. The "
                "Likelihood panel's Sample, Complete, Score and Train tabs show it: open it "
                "with Open… in the model bar above them.")
    return f"{path} holds a {family} model, not a 2-D RealNVP." + shown_in(family)


class FlowView(FlowTrainingMixin, QWidget, ModelSource):
    message = Signal(str)
    model_class = RealNVPModel
    model_kind = "a 2-D RealNVP"
    pretrained = {"moons": ("Shipped · RealNVP (two moons)", "moons-realnvp")}
    default_model = "moons"
    settings_key = "likelihood/flow_"
    open_title = "Open RealNVP checkpoint"
    save_name = "my-flow"
    train_hint = "Train one here (Train, on the left)"

    def __init__(self, source=None, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source = source            # the autoregressive models' bar: not this tab's
        self.device = device            # kept for the panel; the flow trains on the CPU
        self.model: RealNVPModel | None = None
        self.points: np.ndarray | None = None
        self.data_problem = ""
        self.my_points = _saved_points()
        self.density: tuple | None = None        # (xlim, ylim, grid) the heat map shows
        self._sample_layers: list[np.ndarray] | None = None
        self._grid_layers: list[np.ndarray] | None = None
        self._sample_seed = 0
        self._last_added: tuple[float, float] | None = None
        self._stale = False
        self._trainer = None
        self._show_trained_next = False
        self._train_started = 0.0
        self.runner = JobRunner(self)
        self._build()
        saved = SAVED.get()
        self.controls.set_values(saved)
        self._new_z()
        self._data_changed(announce=False)
        self._init_models()             # ModelSource: the shipped flow, or the one last shown
        layer = saved.get("layer")
        if isinstance(layer, int) and 0 <= layer < self.layers_bar.count():
            self.layers_bar.set_index(layer)
        self._connect()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bar = self._build_model_bar(
            "The flow shown: the shipped RealNVP (two moons), the one trained here, or a "
            "checkpoint you opened",
            "Open a 2-D RealNVP checkpoint folder (config.json + model.safetensors)",
            "Save the selected flow as a checkpoint folder")
        self.controls = FlowControls()
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.controls.minimumSizeHint().width() + 22)
        scroll.setMaximumWidth(scroll.minimumWidth() + 60)
        self.plot = FlowPlot()
        self.plot.setMinimumSize(360, 360)
        self.layers_bar = PlaybackBar(label="k", fps=2, words=True,
                                      play_key=keys.PLAY.keys[1])
        self.layers_bar.setToolTip("k: how many couplings the Gaussian draws and the grid have "
                                   "been pushed through, in the sampling direction z → x")
        self.layers_bar.slider.setToolTip("k = 0: the Gaussian base; k = L: the data space "
                                          "(Left / Right step, Home / End)")
        direction = QLabel("Couplings applied, <b>z → x</b>:")
        direction.setToolTip("Sampling runs the flow backwards, x = f⁻¹(z): each step of k "
                             "applies one more inverse coupling to the Gaussian draws")
        self.layer_note = QLabel()
        self.layer_note.setWordWrap(True)
        self.layer_note.setStyleSheet("color: #333;")
        self.data_info = QLabel()
        self.data_info.setWordWrap(True)
        self.data_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(direction)
        row.addWidget(self.layers_bar, 1)
        middle = QVBoxLayout()
        middle.addWidget(self.plot, 1)
        middle.addLayout(row)
        middle.addWidget(self.layer_note)
        middle.addWidget(self.data_info)
        body = QHBoxLayout()
        body.addWidget(scroll)
        body.addLayout(middle, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.banner)
        lay.addLayout(body, 1)
        self._density_timer = QTimer(self, singleShot=True, interval=80)

    def _connect(self) -> None:
        c = self.controls
        self.model_box.currentIndexChanged.connect(lambda _i: self.select_model(self.current_key()))
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        c.dataChanged.connect(lambda: self._data_changed(fit=True))
        c.loadPointsRequested.connect(lambda: self.load_points())
        c.clearPointsRequested.connect(self.clear_points)
        c.displayChanged.connect(self._display_changed)
        c.newSamplesRequested.connect(self.new_samples)
        c.saveImageRequested.connect(lambda: self.save_image())
        c.trainSettingsChanged.connect(self._save_settings)
        c.trainRequested.connect(self.start_training)
        c.pauseRequested.connect(self.runner.toggle_pause)
        c.stopRequested.connect(self.runner.stop)
        self.runner.events.connect(self._on_train_events)
        self.runner.finished.connect(self._on_train_finished)
        self.runner.failed.connect(self._on_train_failed)
        self.runner.stateChanged.connect(self._training_state)
        self.layers_bar.frameChanged.connect(self._layer_changed)
        self.plot.editPoint.connect(self._edit_point)
        self.plot.editFinished.connect(self._edit_finished)
        self.plot.view.sigRangeChanged.connect(lambda *_: self._density_timer.start())
        self._density_timer.timeout.connect(self._refresh_density)

    # ------------------------------------------------------------------ the panel's calls
    def help_topic(self) -> str:
        return "likelihood-flows"

    def set_device(self, device: str) -> None:
        self.device = device

    def set_data_dir(self, data_dir: str | None) -> None:
        """The 2-D data is generated, clicked or loaded from a file, never read from there."""

    def shutdown(self) -> bool:
        self._save_settings()
        self.layers_bar.pause()
        self._density_timer.stop()
        return self.runner.shutdown()

    def accepts(self, path) -> bool:
        """Whether the checkpoint at `path` is a RealNVP (2-D or image), from its metadata."""
        try:
            return read_meta(path).get("family") == "realnvp"
        except Exception:       # noqa: BLE001  anything unreadable is simply not ours
            return False

    # ------------------------------------------------------------------ ModelSource
    def checkpoints_dir(self) -> Path:
        return CHECKPOINTS

    def describe(self, model) -> str:
        return describe(model)

    def _training_now(self) -> bool:
        return self.runner.busy

    def _checked(self, model, path):
        if isinstance(model, RealNVPModel) and model.kind == "2d":
            return model
        raise CheckpointError(refusal(path, model))

    def _model_shown(self, key, model) -> None:
        self.model = model
        L = model.config.layers if model is not None else 0
        at_end = self.layers_bar.index() >= self.layers_bar.count() - 1
        self.layers_bar.blockSignals(True)
        self.layers_bar.set_count(L + 1, keep=True)
        if at_end:
            self.layers_bar.set_index(L)
        self.layers_bar.blockSignals(False)
        self.layers_bar.set_formatter(lambda k: f"k = {k} / {L}", widest=f"k = {L} / {L}")
        if self.isVisible():
            self._refresh_model()
        else:
            self._stale = True          # another tab is in front: draw when shown

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self._refresh_model()

    def _refresh_model(self) -> None:
        self._stale = False
        self._compute_warp()
        self._refresh_density()
        self._show_layer()
        self._update_data_info()

    # ------------------------------------------------------------------ settings
    def _save_settings(self) -> None:
        SAVED.set({**self.controls.values(), "layer": self.layers_bar.index()})

    def _display_changed(self) -> None:
        self._save_settings()
        if self._z is None or len(self._z) != self.controls.sample_count.value():
            self._new_z()
            self._compute_warp()
        self._refresh_density()
        self._show_layer()

    # ------------------------------------------------------------------ data
    def data_name(self) -> str:
        choice = self.controls.values()["data"]
        return "my points" if choice == MINE else choice

    def _data_changed(self, announce: bool = True, fit: bool = True) -> None:
        v = self.controls.values()
        self.data_problem = ""
        if v["data"] == MINE:
            try:
                self.points = check_points(self.my_points, "your points")
            except ValueError as exc:
                self.points, self.data_problem = None, str(exc).replace("your points: ", "")
                if len(self.my_points) == 0:
                    self.data_problem = (f"none yet: click on the plot to add some (at least "
                                         f"{MIN_POINTS}), or load a file.")
        else:
            self.points = make_points(v["data"], v["points"], v["seed"])
        self._update_editing()
        self._show_data()
        if fit:
            self._fit_view()
        self._update_data_info()
        if announce:
            self._save_settings()

    def _shown_data(self) -> np.ndarray:
        pts = self.my_points if self.controls.values()["data"] == MINE else self.points
        if pts is None or len(pts) <= SHOWN_POINTS:
            return pts
        pick = np.random.default_rng(0).choice(len(pts), SHOWN_POINTS, replace=False)
        return pts[np.sort(pick)]

    def _show_data(self) -> None:
        self.plot.set_data(self._shown_data())

    def _fit_view(self) -> None:
        """The built-in shapes in the square ±2.5; your points centred, with a margin."""
        pts = self.my_points if self.controls.values()["data"] == MINE else None
        if pts is None or len(pts) < 2:
            self.plot.show_square(HALF)
            return
        lo, hi = pts.min(0), pts.max(0)
        half = 0.6 * float(max(hi - lo))
        if half <= 0 or (np.abs(pts).max() <= HALF * 0.95):
            self.plot.show_square(HALF)             # drawn in the default square: keep it
        else:
            self.plot.show_square(half, tuple(float(c) for c in (lo + hi) / 2))

    def _update_data_info(self) -> None:
        v = self.controls.values()
        name = DATASET_NAMES.get(v["data"], "Your points")
        if self.points is None:
            n = len(self.my_points)
            self.data_info.setText(f"<b>{name}</b>: {n} point{'s' if n != 1 else ''} · "
                                   f"<span style='color:#a33'>{escape(self.data_problem)}</span>")
            return
        text = f"<b>{name}</b>: {len(self.points):,} points"
        if len(self.points) > SHOWN_POINTS:
            text += f" ({SHOWN_POINTS:,} shown)"
        if self.model is not None:
            nll = -float(np.mean(self.model.log_prob(self.points[:NLL_POINTS])))
            over = "" if len(self.points) <= NLL_POINTS else f" (the first {NLL_POINTS:,})"
            text += (f" · mean −log p(x) of these points{over} under the flow shown: "
                     f"<b>{nll:.3f} nats</b>" if math.isfinite(nll) else
                     " · some of these points have zero density under the flow shown")
        self.data_info.setText(text)

    def _update_editing(self) -> None:
        self.plot.set_edit_enabled(self.controls.values()["data"] == MINE and not self.runner.busy)

    # ------------------------------------------------------------------ my points
    def _edit_point(self, x: float, y: float, mode: str, new: bool) -> None:
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        px = self.plot.pixel_size()
        if mode == "add":
            last = self._last_added
            if not new and last is not None and math.hypot(x - last[0], y - last[1]) \
                    < ADD_SPACING_PX * px:
                return                          # a drag leaves a trail, not a pile
            self.my_points = np.concatenate([self.my_points, [[x, y]]])
            self._last_added = (x, y)
        else:
            near = np.hypot(self.my_points[:, 0] - x, self.my_points[:, 1] - y) \
                <= REMOVE_RADIUS_PX * px
            if not near.any():
                return
            self.my_points = self.my_points[~near]
        self._show_data()

    def _edit_finished(self) -> None:
        self._last_added = None
        self._keep_points()
        self._data_changed(fit=False)
        n = len(self.my_points)
        self.message.emit(f"Your points: {n:,}; press Train ({keys.TRAIN.native()}) to fit a flow"
                          if self.points is not None else
                          f"Your points: {n}; at least {MIN_POINTS}, spread in x and y, are needed")

    def _keep_points(self) -> None:
        if len(self.my_points) <= MAX_SAVED_POINTS:
            MY_POINTS.set(np.round(self.my_points, 4).tolist())
        else:
            MY_POINTS.set([])
            self.message.emit(f"{len(self.my_points):,} points are more than the "
                              f"{MAX_SAVED_POINTS:,} kept between sessions: load the file again "
                              "next time")

    def clear_points(self) -> None:
        self.my_points = np.zeros((0, 2))
        self._keep_points()
        self._data_changed()

    def load_points(self, path: str | None = None) -> bool:
        """Your points from a .csv / .txt / .npy file; on any error a dialog says why and
        nothing changes."""
        if path is None:
            start = POINTS_DIR.get() or str(Path.home())
            path, _ = QFileDialog.getOpenFileName(
                self, "Load points", start,
                "Points (*.csv *.txt *.npy);;All files (*)")
            if not path:
                return False
        try:
            points = load_points(path)
        except (ValueError, OSError) as exc:
            QMessageBox.warning(self, "Cannot load points", str(exc))
            return False
        POINTS_DIR.set(str(Path(path).parent))
        self.my_points = points.astype(np.float64)
        self._keep_points()
        self.controls.set_values({"data": MINE})
        self._data_changed()
        self.message.emit(f"Loaded {len(points):,} points from {Path(path).name}")
        return True

    # ------------------------------------------------------------------ samples and layers
    def _new_z(self) -> None:
        n = self.controls.sample_count.value()
        self._z = np.random.default_rng(self._sample_seed).standard_normal((n, 2)) \
            .astype(np.float32)
        self._brushes = sample_brushes(self._z)

    def new_samples(self) -> None:
        self._sample_seed += 1
        self._new_z()
        self._compute_warp()
        self._show_layer()

    def _compute_warp(self) -> None:
        """The draws z and the z-grid after every number of couplings (cheap: a few ms)."""
        if self.model is None:
            self._sample_layers = self._grid_layers = None
            return
        self._sample_layers = self.model.layers(self._z)
        shape = (2, len(GRID_LINES), len(GRID_ALONG), 2)
        self._grid_layers = [g.reshape(shape) for g in self.model.layers(grid_z())]

    def _layer_changed(self, _k: int) -> None:
        self._show_layer()

    def _show_layer(self) -> None:
        k = self.layers_bar.index()
        v = self.controls.values()
        L = self.model.config.layers if self.model is not None else 0
        ready = self.model is not None and self._sample_layers is not None \
            and k < len(self._sample_layers)
        if ready and v["samples"]:
            self.plot.set_samples(self._sample_layers[k], self._brushes)
        else:
            self.plot.set_samples(None)
        if ready and v["grid"]:
            lines = self._grid_layers[k]
            self.plot.set_grid(lines[0], lines[1])
        else:
            self.plot.set_grid(None, None)
        if self.model is None:
            caption = "No flow: train one, or open a checkpoint"
            note = ""
        elif k == 0:
            caption = f"k = 0 of {L}: the Gaussian base z ~ N(0, I)"
            note = ("k = 0: the Gaussian draws and grid as they start, drawn in the data's "
                    "frame (the flow's fixed standardisation undone). Move the slider to apply "
                    "the couplings one by one.")
        elif k == L:
            caption = f"k = {L} of {L}: data space, x = f⁻¹(z) — samples of the model"
            note = (f"k = {L}: all {L} couplings applied; the coloured points are samples of "
                    "the flow, and should cover the heat map where the data is.")
        else:
            caption = f"k = {k} of {L} couplings applied, z → x"
            moved, kept = ("x₁", "x₂") if (L - k) % 2 == 0 else ("x₂", "x₁")
            note = (f"After {k} of the {L} inverse couplings. The last one moved only {moved}, "
                    f"scaled and shifted by functions of {kept}: one axis per step.")
        self.plot.set_caption(caption)
        self.layer_note.setText(note)

    # ------------------------------------------------------------------ density
    def _refresh_density(self) -> None:
        if not self.isVisible():
            self._stale = True          # drawn when the tab is shown
            return
        v = self.controls.values()
        if self.model is None or not v["density"]:
            self.density = None
            self.plot.set_density(None)
            return
        xlim, ylim = self.plot.visible_range()
        grid = self.model.density_grid(xlim, ylim, DENSITY_N)
        self.density = (xlim, ylim, grid)
        self.plot.set_density(grid, xlim, ylim, log=v["log_density"])

    # ------------------------------------------------------------------ export
    def save_image(self, path: str | None = None) -> bool:
        if not save_widget_png(self, self.plot, path, "flow-2d.png"):
            return False
        self.message.emit(f"Saved {path}")
        return True


def _saved_points() -> np.ndarray:
    pts = np.asarray(MY_POINTS.get(), np.float64).reshape(-1, 2)
    return pts[np.isfinite(pts).all(1)]
