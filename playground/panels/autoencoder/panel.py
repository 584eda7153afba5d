"""The autoencoder panel: train AEs and VAEs live and explore their latent spaces."""
from __future__ import annotations


import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models.data import read_folder, to_float
from models.events import CodeStats, DatasetReady, Preview
from models.autoencoder.training import AutoencoderTrainer

from ... import keys
from ... import settings as app_settings
from ...latent_plot import LatentPlot
from ...widgets import ImageView
from ...worker import JobRunner
from .codes_tool import CodesTool
from .collapse_tool import CollapseTool
from .compare import CompareView
from .levels_tool import LevelsTool
from .live_training import HYPERPARAMETERS, LiveTrainingMixin
from .morph import MorphTool
from .slow_decode import SlowDecoder
from .source import CHECKPOINTS, ROOT, AutoencoderSource, dataset_name
from .space import LatentSpace
from .tools import AttributeTool, GridTool, SampleTool
from .training_view import TrainingView, curve_kind

# held-out images of each dataset a shipped model was trained on, bundled so that the plot
# has real data before any download (scripts/train_checkpoints.py writes them)
SAMPLES = {name: ROOT / "assets" / "datasets" / f"{name}-sample"
           for name in ("mnist", "fashion-mnist")}
SAMPLE_DATA = SAMPLES["mnist"]
PRIOR_CLOUD = app_settings.Setting("autoencoder/prior_cloud", True, app_settings.boolean)
PRIOR_CLOUD_DRAWS = 1000
SLOW_DECODER = ("off for a PixelCNN decoder: it draws each image pixel by pixel, seconds "
                "apiece; click the plot or use Sample")
__all__ = ["AutoencoderPanel", "CHECKPOINTS", "SAMPLES", "load_sample_images"]


def load_sample_images(name: str = "mnist") -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The bundled held-out images of `name` ("mnist", "fashion-mnist"), with its class names."""
    ds = read_folder(SAMPLES[name], name)
    return (np.concatenate([ds.train.images, ds.test.images]),
            np.concatenate([ds.train.labels, ds.test.labels]), ds.classes)


class AutoencoderPanel(LiveTrainingMixin, AutoencoderSource, QWidget):
    message = Signal(str)   # for the status bar
    title = "Autoencoders"

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.device, self.data_dir = device, data_dir
        self.display = load_sample_images()
        # the images each dataset's models are shown with: the bundled sample, or after a run
        # here, that run's held-out images
        self._displays = {"mnist": self.display}
        self.space: LatentSpace | None = None
        self.runner = JobRunner(self)
        self._trainer: AutoencoderTrainer | None = None
        self._training_name: str | None = None
        self._job_data: DatasetReady | None = None
        self._last_step = 0
        self._runs: dict[str, dict] = {}    # model name → the loss curves of its run here
        self._built = False     # until then a model shown leaves the form's dataset alone
        self._build()
        self._connect()
        self.training.set_values(HYPERPARAMETERS.get())
        self._init_models()     # the shipped models; the last one shown, else the VAE
        self._built = True

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bar = self._build_model_bar(
            "Which model the plot and tools use: the shipped ones, the runs trained here, "
            "and checkpoints you opened",
            keys.tip("Load an autoencoder checkpoint folder or .safetensors file", keys.OPEN),
            keys.tip("Save the selected model as a checkpoint folder", keys.SAVE))
        self.model_box.setMinimumContentsLength(28)
        self.modes = QButtonGroup(self)
        bar.addSpacing(16)
        for mode, text, action, tip in (
                ("explore", "Explore", keys.EXPLORE, "Click or drag to decode"),
                ("lasso", "Lasso", keys.LASSO, "Draw around points to select them"),
                ("box", "Box", keys.RECTANGLE, "Drag a rectangle to select points")):
            b = QToolButton(text=text, checkable=True)
            keys.bind_button(b, action, tip)
            b.setProperty("mode", mode)
            self.modes.addButton(b)
            bar.addWidget(b)
            if mode == "explore":
                b.setChecked(True)
        bar.addSpacing(16)
        self.compare_btn = QPushButton("Compare AE ↔ VAE")
        self.compare_btn.setCheckable(True)
        keys.bind_button(self.compare_btn, keys.COMPARE,
                         "Show the autoencoder and the VAE side by side")
        bar.addWidget(self.compare_btn)
        self.cloud_box = QCheckBox("Prior samples")
        self.cloud_box.setToolTip(
            f"Show {PRIOR_CLOUD_DRAWS:,} draws from the model's prior p(z) as a grey cloud under "
            "the codes (AAE / WAE: the prior they match; HVAE: z₁ from z₂ ~ N(0, I)). "
            "A plain AE has none")
        self.cloud_box.setChecked(bool(PRIOR_CLOUD.get()))
        bar.addWidget(self.cloud_box)

        self.training = TrainingView(data_dir=lambda: self.data_dir)
        scroll = QScrollArea()
        scroll.setWidget(self.training)
        scroll.setWidgetResizable(True)
        # wide enough for the form beside a vertical scroll bar (in a short window), so that
        # no button is ever cut at the right edge
        scroll.setMinimumWidth(self.training.minimumSizeHint().width() + 2 * scroll.frameWidth()
                               + scroll.verticalScrollBar().sizeHint().width())
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.plot = LatentPlot()
        self.compare = CompareView()
        self.center = QStackedWidget()
        self.center.addWidget(self.plot)
        self.center.addWidget(self.compare)

        self.image = ImageView(min_side=180)
        self.slow_decoder = SlowDecoder(self)     # a PixelCNN decoder draws on a worker
        self.sample_tool, self.grid_tool = SampleTool(slow=self.slow_decoder), GridTool()
        self.attr_tool, self.morph_tool = AttributeTool(), MorphTool()
        self.codes_tool, self.collapse_tool = CodesTool(), CollapseTool()
        self.levels_tool = LevelsTool()
        self.tools = QTabWidget()
        for tool, name, tip in (
                (self.sample_tool, "Sample", "Draw codes from the prior and decode them"),
                (self.grid_tool, "Grid", "Decode a grid over the visible plane"),
                (self.attr_tool, "Attributes", "Vector arithmetic in z"),
                (self.morph_tool, "Morph", "Interpolate between two codes"),
                (self.codes_tool, "Codes", "Per-example posteriors q(z|x) against the "
                 "aggregate q(z) and the prior"),
                (self.collapse_tool, "Collapse", "KL per dimension, active units, and whether "
                 "the decoder reads z"),
                (self.levels_tool, "Levels", "Hierarchical VAE: resample the top or the "
                 "bottom level")):
            self.tools.setTabToolTip(self.tools.addTab(tool, name), tip)
        # every tool's tab stays in sight: the column keeps the width of all seven tabs
        # (with scroll arrows, Collapse and Levels hid behind them at the default width)
        self.tools.tabBar().setUsesScrollButtons(False)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.image, 2)
        rl.addWidget(self.tools, 5)

        split = QSplitter(Qt.Orientation.Horizontal)
        for w in (scroll, self.center, right):
            split.addWidget(w)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([scroll.minimumWidth(), 560, 480])
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        self._grid_timer = QTimer(self, singleShot=True, interval=120)
        self._slow_timer = QTimer(self, singleShot=True, interval=300)
        self._slow_point = (0.0, 0.0)
        self._slow_timer.timeout.connect(self._slow_decode)

    def _connect(self) -> None:
        self.model_box.currentIndexChanged.connect(
            lambda _: self.select_model(self.model_box.currentData()))
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        self.modes.buttonClicked.connect(lambda b: self.plot.set_mode(b.property("mode")))
        self.compare_btn.toggled.connect(self.show_compare)
        self.cloud_box.toggled.connect(self._cloud_toggled)
        self.plot.set_prior_cloud_visible(self.cloud_box.isChecked())
        self.plot.pointPicked.connect(self.levels_tool.pick_near)
        self.codes_tool.overlayChanged.connect(self._codes_overlay)
        self.plot.pointPicked.connect(self.decode_at)
        self.plot.selectionMade.connect(self._selection_made)
        self.plot.endpointPicked.connect(self._endpoint_picked)
        self.plot.view.sigRangeChanged.connect(lambda *_: self._follow_grid())
        self.sample_tool.pointsDrawn.connect(self._prior_drawn)
        self.grid_tool.rangeWanted.connect(self.render_grid)
        self._grid_timer.timeout.connect(self.render_grid)
        self.morph_tool.pickRequested.connect(lambda w: self.plot.set_mode(f"pick-{w}"))
        self.morph_tool.endpointsChanged.connect(self._morph_endpoints)
        self.morph_tool.frameMoved.connect(self._morph_frame)
        self.attr_tool.codeMoved.connect(self._attribute_moved)
        self.tools.currentChanged.connect(self._tool_changed)
        self.training.trainRequested.connect(self.start_training)
        self.training.pauseRequested.connect(self.toggle_pause)
        self.training.stopRequested.connect(self.runner.stop)
        self.runner.events.connect(self._on_events)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.stateChanged.connect(self.training.set_state)

    # ------------------------------------------------------------------ models
    def active_name(self) -> str:
        """The selected entry's key: its name in the list for shipped models and runs."""
        return self.current_key() or ""

    def _model_shown(self, key: str | None, model) -> None:
        """ModelSource picked `key`: the plot, the tools and the training column show it."""
        if model is None:       # a shipped checkpoint that is missing: the banner says why
            return
        self.display = self._display_for(model)
        images, labels, classes = self.display
        self.space = LatentSpace.build(model, images, labels, classes)
        self._space_changed(autorange=True)
        if not self.runner.busy:   # while training, the grid and curves show the job's instead
            x = to_float(images[:8])
            # a PixelCNN decoder would draw pixel by pixel: show p(x_i | x_<i, z) instead
            out = (model.recon_probabilities(x) if model.autoregressive
                   else model.decode(model.encode(x)))
            self.training.show_preview(Preview(0, x, out))
            run, name = self._runs.get(key), self.names.get(key, str(key))
            self.training.curves.restore(run, f"Training curves of {name}" if run else
                                         f"No training curves: {name} was not trained here.",
                                         curve_kind(model.config))
            # a fresh model trains on the data of the one the user picks (picking the Fashion
            # VAE and pressing Train trains on clothes). Not while the panel is being built
            # (the form's saved settings stand), and never over a folder the user chose.
            named = ("mnist", "fashion-mnist")
            if (self._built and dataset_name(model) in named
                    and self.training.dataset.currentText() in named):
                self.training.set_values({"dataset": dataset_name(model)})

    def _display_for(self, model) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        """Images of the dataset `model` was trained on (a Fashion-MNIST model over digits
        would show nothing of its latent space); the ones shown now for a model that does not
        say, or whose dataset has neither a bundled sample nor a run here."""
        name = dataset_name(model)
        if name not in self._displays and name in SAMPLES:
            self._displays[name] = load_sample_images(name)
        return self._displays.get(name, self.display)

    def _space_changed(self, autorange: bool = False) -> None:
        space = self.space
        self.plot.set_points(space.plane, space.labels, space.classes)
        self.plot.set_axes(space.axis_names(), space.axis_notes())
        if autorange:
            self.plot.auto_range()
            self.plot.set_prior_points(None)
            self.plot.set_selection(None)
        self._enable_tabs(space.model)     # first: a disabled tool decodes nothing
        for tool in (self.sample_tool, self.grid_tool, self.attr_tool, self.morph_tool,
                     self.codes_tool, self.collapse_tool, self.levels_tool):
            tool.set_space(space)
        self._refresh_prior_cloud()
        if self.attr_tool.base_z is not None and len(self.attr_tool.base_z) == space.model.latent_dim:
            x, y = space.to_plane(self.attr_tool.base_z)[0]
        else:
            x, y = 0.0, 0.0
        self.decode_at(float(x), float(y))
        if self.compare_btn.isChecked():
            self.show_compare(True)

    def _enable_tabs(self, model) -> None:
        """Levels needs two levels; Grid, Attributes and Morph decode dozens of codes at
        once, which a PixelCNN decoder draws pixel by pixel (seconds per image)."""
        slow = model.autoregressive
        levels = model.kind == "hvae"
        for tool, ok, why in (
                (self.levels_tool, levels, "only for a hierarchical VAE; this model has one level"),
                (self.grid_tool, not slow, SLOW_DECODER),
                (self.attr_tool, not slow, SLOW_DECODER),
                (self.morph_tool, not slow, SLOW_DECODER)):
            i = self.tools.indexOf(tool)
            self.tools.setTabEnabled(i, ok)
            tip = self.tools.tabToolTip(i).split(" (")[0]
            self.tools.setTabToolTip(i, tip if ok else f"{tip} ({why})")
        # drawn on a worker row by row, so more than a few is only a longer wait
        self.sample_tool.count.setMaximum(16 if slow else 64)

    def decode_at(self, x: float, y: float) -> None:
        """Decode a point of the plane and show it: the click-to-sample path, kept tiny."""
        if self.space is None:
            return
        z = self.space.to_latent([x, y])
        if self.space.model.autoregressive:
            # seconds per image: mark the point now, draw it once the mouse rests
            self.plot.set_cursor(x, y)
            self.image.set_caption("drawing pixel by pixel…")
            self._slow_point = (x, y)
            self._slow_timer.start()
            return
        self.slow_decoder.cancel("click")     # a slow model's drawing must not land later
        self.image.set_image(self.space.model.decode(z)[0])
        self.image.set_caption(f"z = ({x:.2f}, {y:.2f})" if self.space.projection.is_identity
                               else f"plane ({x:.2f}, {y:.2f})")
        self.plot.set_cursor(x, y)
        self.attr_tool.set_base(z[0])

    def _slow_decode(self) -> None:
        """decode_at for a PixelCNN decoder: one sample where the mouse rests, drawn on a
        worker row by row (a newer point replaces it)."""
        if self.space is None:
            return
        x, y = self._slow_point
        z = self.space.to_latent([x, y])
        where = (f"z = ({x:.2f}, {y:.2f})" if self.space.projection.is_identity
                 else f"plane ({x:.2f}, {y:.2f})")

        def progress(rows: int, images) -> None:
            if rows < 0:
                self.image.set_caption(f"could not draw: {images}")
                return
            self.image.set_image(images[0])
            self.image.set_caption(f"one sample at {where}" if rows == 28 else
                                   f"drawing pixel by pixel… row {rows}/28")

        self.slow_decoder.request("click", self.space.model, z, progress)
        self.attr_tool.set_base(z[0])

    def render_grid(self) -> None:
        if not self.tools.isTabEnabled(self.tools.indexOf(self.grid_tool)):
            return
        xr, yr = self.plot.visible_range()
        self.grid_tool.render(xr, yr)

    def _follow_grid(self) -> None:
        if self.grid_tool.follow.isChecked():
            self._grid_timer.start()

    def _selection_made(self, mask) -> None:
        self.plot.set_selection(mask)
        self.attr_tool.set_selection(mask)
        self.tools.setCurrentWidget(self.attr_tool)

    def _endpoint_picked(self, which: str, x: float, y: float) -> None:
        self.morph_tool.set_endpoint(which, self.space.to_latent([x, y])[0])
        checked = self.modes.checkedButton()
        self.plot.set_mode(checked.property("mode") if checked else "explore")

    def _morph_endpoints(self, a, b) -> None:
        if self.tools.currentWidget() is self.morph_tool:
            self.plot.set_endpoints(a, b)

    def _morph_frame(self, xy, alpha: float) -> None:
        if self.tools.currentWidget() is self.morph_tool:
            self.plot.set_morph_point(xy, alpha)

    def _attribute_moved(self, base, moved) -> None:
        if self.tools.currentWidget() is self.attr_tool:
            self.plot.set_attribute_move(base, moved)

    def _tool_changed(self) -> None:
        """Each tool's marks show only while it is open, so the plot stays readable."""
        tool = self.tools.currentWidget()
        if tool is self.morph_tool:
            self.morph_tool.refresh()
        else:
            self.morph_tool.stop()
            self.plot.set_endpoints(None, None)
            self.plot.set_morph_point(None)
        if tool is self.attr_tool:
            self.attr_tool.update_result()
        else:
            self.plot.set_attribute_move(None, None)
        self.plot.set_prior_points(self.sample_tool.points() if tool is self.sample_tool else None)
        self._codes_overlay()

    # ------------------------------------------------------------------ issue 15 views
    def _refresh_prior_cloud(self) -> None:
        """The prior's draws on the current plane (fixed seed: the same cloud per model,
        redrawn through each snapshot's projection while training)."""
        model = self.space.model if self.space is not None else None
        if model is None or not model.has_prior:
            self.plot.set_prior_cloud(None)
            return
        z = model.prior_sample(PRIOR_CLOUD_DRAWS, seed=0)
        self.plot.set_prior_cloud(self.space.projection.to_plane(z))

    def _cloud_toggled(self, on: bool) -> None:
        PRIOR_CLOUD.set(bool(on))
        self.plot.set_prior_cloud_visible(on)

    def _codes_overlay(self) -> None:
        """The Codes tool's ellipses and densities show only while it is open."""
        shown = self.tools.currentWidget() is self.codes_tool
        self.plot.set_codes_overlay(self.codes_tool.overlay if shown else None)

    def _code_stats(self, stats: CodeStats) -> None:
        """A training job's collapse figures: live bars while its model is the one shown."""
        if self._training_name is not None and self.active_name() == self._training_name:
            self.collapse_tool.show_stats(stats, live=True)

    def _prior_drawn(self, xy) -> None:
        if xy is None or self.tools.currentWidget() is self.sample_tool:
            self.plot.set_prior_points(xy)

    def show_compare(self, on: bool) -> None:
        self.center.setCurrentWidget(self.compare if on else self.plot)
        if not on:
            return
        data = dataset_name(self.models.get(self.active_name()))
        picks = {}
        for kind in ("ae", "vae"):
            names = [n for n, m in self.models.items() if m is not None and m.config.kind == kind
                     and not m.autoregressive]      # its grid would take minutes
            # the selected model, else the last of that kind trained on the same dataset
            names = [n for n in names if dataset_name(self.models[n]) == data] or names
            if names:
                name = self.active_name() if self.active_name() in names else names[-1]
                model = self.models[name]
                picks[kind] = LatentSpace.build(model, *self._display_for(model))
        self.compare.set_spaces(picks.get("ae"), picks.get("vae"))
        self.compare.render_grids()

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path: str | None = None) -> bool:
        """ModelSource's Save…, except for the run in progress: its weights are saved once
        it has finished or been stopped."""
        if self.runner.busy and self.active_name() == self._training_name:
            QMessageBox.information(self, "Save", "Stop or finish training first; then save "
                                    "its weights.")
            return False
        return super().save_checkpoint(path)

    def help_topic(self) -> str:
        """F1: the help page's section for what is on screen (see playground/help)."""
        if self.compare_btn.isChecked():
            return "autoencoder#compare"
        tab = self.tools.tabText(self.tools.currentIndex()).lower()
        # the tabs that show what the VAE's prior term cannot do live on the page about it
        page = "autoencoder-priors" if tab in ("codes", "collapse", "levels") else "autoencoder"
        return f"{page}#{tab}"

    def set_device(self, device: str) -> None:
        self.device = device

    def set_data_dir(self, data_dir: str | None) -> None:
        self.data_dir = data_dir

    def shutdown(self) -> bool:
        self.morph_tool.stop()
        self._slow_timer.stop()
        self.slow_decoder.shutdown()
        return self.runner.shutdown()
