"""The reverse process: sample a trained ε-network with DDPM or DDIM and watch every step.

Tabs: the chain animation (x_t beside x̂_0), DDPM vs DDIM from the same noise, a
classifier-free guidance grid, and live training. Sampling runs on its own JobRunner, so a
model can be sampled from its latest EMA snapshot while another runner trains it.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QMessageBox,
                               QScrollArea, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from models.diffusion.api import DiffusionModel
from models.events import Status
from models.imaging import save_png

from ... import keys
from ... import settings as app_settings
from ...widgets import ask_save_path
from ...worker import JobRunner
from .chain_view import ChainView
from .compare_view import CompareView
from .guidance_view import DEFAULT_SCALES, GuidanceView
from .jobs import (EACH_CLASS, ChainBegin, ChainDone, ChainFrame8, CompareBegin, CompareResult,
                   GuidanceResult, Progress, chain_job, compare_job, export_gif_job,
                   guidance_job)
from .model_source import KEY, ModelSourceMixin
from .reverse_live import LiveTrainingMixin
from .reverse_training import TrainingPane
from .sampling_controls import SamplingControls

SAMPLING = app_settings.Setting(KEY + "sampling", {}, app_settings.record(
    sampler=app_settings.name, steps=app_settings.integer(), eta=app_settings.number,
    n=app_settings.integer(), seed=app_settings.integer(), guidance=app_settings.number,
    label=app_settings.either(app_settings.one_of(None, EACH_CLASS), app_settings.integer())))
GUIDANCE = app_settings.Setting(KEY + "guidance", {}, app_settings.record(
    scales=app_settings.text(1000), columns=app_settings.integer()))
TAB = app_settings.Setting(KEY + "tab", 0, app_settings.integer(0, 3))
EXPORT_DIR = app_settings.Setting(KEY + "export_dir", "", app_settings.path, kind="str")


class ReverseView(ModelSourceMixin, LiveTrainingMixin, QWidget):
    message = Signal(str)

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.device, self.data_dir = device, data_dir
        self.runner = JobRunner(self)          # sampling and export
        self.train_runner = JobRunner(self)
        self._job_kind: str | None = None
        self._job_model: DiffusionModel | None = None
        self._build()
        self._connect()
        self._init_training()
        self.controls.set_values(SAMPLING.get())
        g = GUIDANCE.get()
        self.guidance_view.scales.setText(g.get("scales", DEFAULT_SCALES))
        if "columns" in g:
            self.guidance_view.columns.setValue(g["columns"])
        self._init_models()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        bar = self._build_model_bar(
            "Which ε-network to sample: a pretrained one, the one trained here, "
            "or one opened from a checkpoint",
            "Load a diffusion checkpoint folder or .safetensors file",
            "Save the selected model (e.g. the one trained here) as a checkpoint folder")

        self.controls = SamplingControls()
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(290)
        self.chain = ChainView()
        self.compare_view = CompareView()
        self.guidance_view = GuidanceView()
        self.training = TrainingPane(data_dir=lambda: self.data_dir)
        self.tabs = QTabWidget()
        for w, name, tip in ((self.chain, "Chain", "x_t and x̂₀ at every step; scrub and replay"),
                             (self.compare_view, "DDPM vs DDIM",
                              "Both samplers from the same x_T, with wall times"),
                             (self.guidance_view, "Guidance",
                              "Classifier-free guidance: rows of w, same noise"),
                             (self.training, "Train", "Train an ε-network live")):
            i = self.tabs.addTab(w, name)
            self.tabs.setTabToolTip(i, tip)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 1100])
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        self.tabs.setCurrentIndex(TAB.get())

    def _connect(self) -> None:
        self.model_box.activated.connect(lambda i: self.select_model(self.model_box.itemData(i)))
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        self.tabs.currentChanged.connect(TAB.set)
        c = self.controls
        c.sampleRequested.connect(self.sample)
        c.compareRequested.connect(self.compare)
        c.guidanceRequested.connect(self.guidance_grid)
        c.stopRequested.connect(self.runner.stop)
        self.chain.exportGifRequested.connect(lambda: self.export_gif())
        self.chain.exportPngRequested.connect(lambda: self.export_png("chain"))
        self.compare_view.exportRequested.connect(lambda: self.export_png("compare"))
        self.guidance_view.exportRequested.connect(lambda: self.export_png("guidance"))
        self.runner.events.connect(self._on_events)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.stateChanged.connect(lambda s: self.controls.set_busy(s != "idle"))

    # ------------------------------------------------------------------ sampling jobs
    def _refuse_if_busy(self) -> bool:
        if self.runner.busy:
            self.message.emit(f"Sampling is already running; stop it first ({keys.CANCEL.native()})")
        return self.runner.busy

    def _start(self, kind: str, factory, tab: QWidget | None) -> bool:
        SAMPLING.set(self.controls.values())
        self._job_kind = kind
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
        self.controls.set_status("Starting…", 0.0)
        self.runner.start(factory)
        return True

    def sample(self) -> bool:
        """Run one reverse chain with the controls' settings, recording every step."""
        if self._refuse_if_busy():
            return False
        model, params = self._model_for_job(), self.controls.params()
        if model is None:
            return False
        self._job_model = model
        self.chain.reset(f"{params.describe(model.config.timesteps)} — starting…")
        return self._start("chain", lambda: chain_job(model, params), self.chain)

    def compare(self) -> bool:
        """DDPM-T and DDIM-S from the same x_T."""
        if self._refuse_if_busy():
            return False
        model, params = self._model_for_job(), self.controls.params()
        if model is None:
            return False
        self.compare_view.clear("Sampling…")
        return self._start("compare", lambda: compare_job(model, params), self.compare_view)

    def guidance_grid(self) -> bool:
        """Rows of guidance scales over the same noise and classes."""
        if self._refuse_if_busy():
            return False
        model, params = self._model_for_job(), self.controls.params()
        if model is None or not model.conditional:
            return False
        try:
            scales = self.guidance_view.scale_values()
        except ValueError as exc:
            QMessageBox.warning(self, "Guidance scales", str(exc))
            return False
        cols = self.guidance_view.columns.value()
        GUIDANCE.set({"scales": self.guidance_view.scales.text(), "columns": cols})
        self._job_model = model
        self.guidance_view.clear("Sampling…")
        return self._start("guidance", lambda: guidance_job(model, params, scales, cols),
                           self.guidance_view)

    def _on_events(self, events: list) -> None:
        frames = []
        for ev in events:
            if isinstance(ev, ChainFrame8):
                frames.append(ev)
            elif isinstance(ev, ChainBegin):
                self.chain.begin(ev)
            elif isinstance(ev, CompareBegin):
                self.compare_view.show_noise(ev.x_T)
            elif isinstance(ev, Progress):
                self.controls.show_progress(ev.done, ev.total, ev.elapsed_s, ev.what)
            elif isinstance(ev, Status):
                self.controls.set_status(ev.message)
        if frames:
            self.chain.add_frames(frames)
            f = frames[-1]
            self.controls.show_progress(f.index, f.steps, f.elapsed_s, "Chain")

    def _on_finished(self, result) -> None:
        kind, self._job_kind = self._job_kind, None
        if result is None:
            self.controls.set_status("Stopped.")
            if kind == "chain":
                self.chain.finish(None)
            elif kind in ("compare", "guidance"):
                getattr(self, f"{kind}_view").clear("Stopped before the end.")
            return
        self.controls.set_status("Done.", 1.0)
        if isinstance(result, ChainDone):
            self.chain.finish(result)
            self.chain.bar.slider.setFocus()
        elif isinstance(result, CompareResult):
            self.compare_view.show_result(result)
        elif isinstance(result, GuidanceResult):
            model = self._job_model
            self.guidance_view.show_result(result, model.classes, model.config.timesteps)
        elif isinstance(result, Path):
            self.controls.set_status(f"Saved {result}")
            self.message.emit(f"Saved {result}")

    def _on_failed(self, message: str) -> None:
        kind, self._job_kind = self._job_kind, None
        self.controls.set_status("Failed.")
        if kind == "chain":
            self.chain.finish(None)
        QMessageBox.warning(self, "Export failed" if kind == "gif" else "Sampling failed", message)

    # ------------------------------------------------------------------ export
    def _ask_path(self, title: str, name: str, filt: str) -> str | None:
        return ask_save_path(self, EXPORT_DIR, title, name, filt)

    def export_gif(self, path: str | None = None, fps: float | None = None) -> bool:
        """Write the recorded chain (x_t | x̂_0 per frame) as a GIF, as a job."""
        rec = self.chain.record
        if rec is None or not len(rec):
            return False
        if self.runner.busy:
            QMessageBox.information(self, "Export GIF", "Wait for sampling to finish, or stop "
                                    f"it ({keys.CANCEL.native()}), then export.")
            return False
        path = path or self._ask_path("Export chain as GIF", "reverse-chain.gif", "GIF (*.gif)")
        if not path:
            return False
        x_t, x0, cols = list(rec.x_t), list(rec.x0), self.chain.columns()
        fps = fps or min(50, self.chain.bar.fps.value())
        return self._start("gif", lambda: export_gif_job(x_t, x0, cols, path, fps), None)

    def export_png(self, what: str = "chain", path: str | None = None) -> bool:
        image = {"chain": self.chain.final_grid, "compare": self.compare_view.export_image,
                 "guidance": self.guidance_view.export_image}[what]()
        if image is None:
            return False
        path = path or self._ask_path("Export PNG", f"{what}.png", "PNG (*.png)")
        if not path:
            return False
        try:
            save_png(image, path, scale=3)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")
            return False
        self.message.emit(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ window
    def set_device(self, device: str) -> None:
        self.device = device

    def set_data_dir(self, data_dir: str | None) -> None:
        self.data_dir = data_dir

    def shutdown(self) -> bool:
        self.chain.bar.pause()
        SAMPLING.set(self.controls.values())
        # both runners share Qt's global pool: ask both to stop before waiting on either
        self.runner.stop()
        self.train_runner.stop()
        return all([self.runner.shutdown(), self.train_runner.shutdown()])
