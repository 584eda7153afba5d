"""Where the likelihood views' autoregressive model comes from: the shipped NADE and PixelCNN,
the one trained in the Train tab (a snapshot while it trains, then the result), and checkpoints
opened from disk. One bar above the Sample, Complete, Score and Train tabs; every view that uses
the model listens to `modelChanged`.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from models.likelihood.api import AutoregressiveModel

from ..model_source import ModelSource, training_facts

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
PRETRAINED = {"pixelcnn": ("Shipped · PixelCNN (binarized MNIST)", "mnist-pixelcnn"),
              "nade": ("Shipped · NADE (binarized MNIST)", "mnist-nade")}


def describe(model: AutoregressiveModel) -> str:
    c, m = model.config, model.meta
    if model.family == "nade":
        parts = [f"NADE, H = {c.hidden}"]
    else:
        parts = [f"PixelCNN{' gated' if c.gated else ''}, {c.channels} channels × {c.layers} blocks"]
    parts.append(f"{c.size}×{c.size} binary pixels")
    parts.append(f"{model.parameter_count:,} weights")
    parts += training_facts(m)
    nll = m.get("metrics", {}).get("test_nll") if isinstance(m.get("metrics"), dict) else None
    if isinstance(nll, (int, float)) and not isinstance(nll, bool) and nll == nll:
        parts.append(f"test NLL {nll:.1f} nats")
    return " · ".join(parts)


class ModelBar(QWidget, ModelSource):
    """The picker, Open…, Save…, the info line and the banner, as one widget."""
    message = Signal(str)
    modelChanged = Signal(object)       # the AutoregressiveModel shown, or None
    model_class = AutoregressiveModel
    model_kind = "an autoregressive model (NADE or PixelCNN)"
    pretrained = PRETRAINED
    default_model = "pixelcnn"
    settings_key = "likelihood/"
    open_title = "Open NADE or PixelCNN checkpoint"
    save_name = "my-pixelcnn"
    train_hint = "Train one in the <b>Train</b> tab"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.training = False             # set by the Train tab while it runs
        bar = self._build_model_bar(
            "The model every tab here uses: the shipped NADE or PixelCNN, the one trained in "
            "the Train tab, or a checkpoint you opened",
            "Open a NADE or PixelCNN checkpoint folder (config.json + weights.safetensors)",
            "Save the selected model as a checkpoint folder")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        self.open_btn.clicked.connect(lambda: self.open_checkpoint())
        self.save_btn.clicked.connect(lambda: self.save_checkpoint())
        self.model_box.currentIndexChanged.connect(
            lambda _i: self.select_model(self.current_key()))
        self._init_models()

    def checkpoints_dir(self) -> Path:
        return CHECKPOINTS

    def describe(self, model) -> str:
        return describe(model)

    def _training_now(self) -> bool:
        return self.training

    def _model_shown(self, key, model) -> None:
        self.modelChanged.emit(model)
