"""The Likelihood panel: models whose log p(x) is exact, and what that lets you do.

Six tabs. Sample, Complete, Score and Train share one autoregressive model (NADE or PixelCNN),
chosen in the bar above them; Counting is the lectures' parameter-count table; Flows is a 2-D
RealNVP on toy data, with its own model and training.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ... import settings as app_settings
from .complete_view import CompleteView
from .counting_view import CountingView
from .flow_view import FlowView
from .sample_view import SampleView
from .score_view import ScoreView
from .source import ModelBar
from .train_view import TrainView

VIEWS = (  # attribute, tab text, class, uses the shared model bar, tooltip
    ("sample", "Sample", SampleView, True,
     "Watch a digit drawn pixel by pixel, with each pixel's probability and the conditional "
     "at every position"),
    ("complete", "Complete", CompleteView, True,
     "Hide part of a digit and draw several completions from the same known pixels"),
    ("score", "Score", ScoreView, True,
     "Draw or load a digit: its exact log-likelihood, which pixels surprised the model, and "
     "the VAE's bounds beside it"),
    ("counting", "Counting", CountingView, False,
     "How many parameters a distribution over n binary pixels needs, model by model"),
    ("flows", "Flows 2-D", FlowView, False,
     "A RealNVP flow on 2-D data: the exact density and the plane warped layer by layer"),
    ("train", "Train", TrainView, True,
     "Train NADE or PixelCNN live on binarized digits"),
)
VIEW = app_settings.Setting("likelihood/view", 0, app_settings.integer(0, len(VIEWS) - 1))


class LikelihoodPanel(QWidget):
    message = Signal(str)
    title = "Likelihood"
    families = ("nade", "pixelcnn", "realnvp")

    def __init__(self, *, device: str = "auto", data_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.source = ModelBar()
        self.source.message.connect(self.message)
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self._uses_bar = {}
        for attr, text, cls, uses_bar, tip in VIEWS:
            view = cls(self.source, device=device, data_dir=data_dir)
            setattr(self, attr, view)
            i = self.views.addTab(view, text)
            self.views.setTabToolTip(i, tip)
            view.message.connect(self.message)
            self._uses_bar[view] = uses_bar
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.source)
        layout.addWidget(self.views, 1)
        self.views.currentChanged.connect(self._view_changed)
        self.views.setCurrentIndex(VIEW.get())
        self._view_changed(self.views.currentIndex())

    def _view_changed(self, index: int) -> None:
        VIEW.set(index)
        self.source.setVisible(self._uses_bar.get(self.views.currentWidget(), False))

    def help_topic(self) -> str:
        """F1: the help page of the current view."""
        return self.views.currentWidget().help_topic()

    def open_checkpoint(self, path: str | None = None) -> bool:
        """A RealNVP goes to the Flows tab, NADE and PixelCNN to the shared bar."""
        if path is not None and self.flows.accepts(path):
            self.views.setCurrentWidget(self.flows)
            return self.flows.open_checkpoint(path)
        if self.views.currentWidget() is self.flows:
            return self.flows.open_checkpoint(path)
        if not self._uses_bar.get(self.views.currentWidget()):
            self.views.setCurrentWidget(self.sample)
        return self.source.open_checkpoint(path)

    def save_checkpoint(self, path: str | None = None) -> bool:
        if self.views.currentWidget() is self.flows:
            return self.flows.save_checkpoint(path)
        return self.source.save_checkpoint(path)

    def set_device(self, device: str) -> None:
        for attr, *_ in VIEWS:
            getattr(self, attr).set_device(device)

    def set_data_dir(self, data_dir: str | None) -> None:
        for attr, *_ in VIEWS:
            getattr(self, attr).set_data_dir(data_dir)

    def shutdown(self) -> bool:
        return all([getattr(self, attr).shutdown() for attr, *_ in VIEWS])
