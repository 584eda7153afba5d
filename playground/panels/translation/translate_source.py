"""Where the Translate and Shared latent views get their translators: the shipped CycleGANs and
UNIT, checkpoints opened with File → Open, and the Train view's run ("Trained here").

Each model is described from its checkpoint metadata alone: its two domains (by the data it
trained on), the cycle weight λ and the steps, so the picker's tooltips say what each entry is.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from models.translation.api import CycleGANModel, UNITModel

from .. import CHECKPOINTS
from ..model_source import ModelSource, training_facts

PRETRAINED = {
    "landscapes": ("Shipped · CycleGAN landscapes (summer ↔ winter)", "landscapes-cyclegan"),
    "landscapes-nocycle": ("Shipped · CycleGAN landscapes, no cycle loss",
                           "landscapes-cyclegan-nocycle"),
    "digits": ("Shipped · CycleGAN digits (MNIST ↔ textured)", "digits-cyclegan"),
    "digits-unit": ("Shipped · UNIT digits (MNIST ↔ textured)", "digits-unit"),
}

LANDSCAPES, DIGITS, OTHER = "landscapes", "digits", "other"


def data_kind(model) -> str:
    """Which held-out examples fit the model: "landscapes", "digits" or "other" (a user's
    folders, or metadata that does not say). UNIT is always the digits."""
    if isinstance(model, UNITModel):
        return DIGITS
    dataset = model.meta.get("dataset")
    name = dataset.get("name") if isinstance(dataset, dict) else None
    if name == "landscapes-unpaired":
        return LANDSCAPES
    if name == "digits-textured":
        return DIGITS
    return OTHER


def domain_names(model) -> tuple[str, str]:
    """The names of domains A and B as the direction switch writes them."""
    kind = data_kind(model)
    if kind == LANDSCAPES:
        return "summer", "winter"
    if kind == DIGITS:
        return "MNIST", "textured"
    dataset = model.meta.get("dataset")
    name = dataset.get("name") if isinstance(dataset, dict) else None
    if isinstance(name, str) and name.startswith("folders ") and " ↔ " in name:
        a, b = name[len("folders "):].split(" ↔ ", 1)
        return a[:30] or "A", b[:30] or "B"
    return "A", "B"


def model_size(model) -> int:
    """The side of the pictures the model takes."""
    return 28 if isinstance(model, UNITModel) else int(model.config.size)


def grey_side(model, direction: str) -> bool:
    """Whether the input of `direction` is a grey image (UNIT's MNIST side)."""
    return isinstance(model, UNITModel) and model.config.channels_a == 1 and direction == "AtoB"


def describe(model) -> str:
    a, b = domain_names(model)
    training = model.meta.get("training") if isinstance(model.meta.get("training"), dict) else {}
    if isinstance(model, UNITModel):
        c = model.config
        parts = [f"UNIT · {a} ↔ {b} · 28×28",
                 f"shared latent {c.latent}×7×7, width {c.width}"]
        if isinstance(training.get("cycle"), (int, float)):
            parts.append(f"cycle λ₃ = {training['cycle']:g}")
    else:
        c = model.config
        lam = model.cycle_weight
        parts = [f"CycleGAN · {a} ↔ {b} · {c.size}×{c.size}",
                 f"ResNet width {c.width}, {c.blocks} blocks",
                 f"cycle λ = {lam:g}" + (" (no cycle loss)" if lam == 0 else "")]
    return " · ".join(parts + training_facts(model.meta))


def model_from_state(state: dict[str, np.ndarray], meta: dict):
    """A translator from the Train view's weights, by meta["family"]; ValueError otherwise."""
    family = meta.get("family")
    if family == "cyclegan":
        return CycleGANModel.from_state(state, meta)
    if family == "unit":
        return UNITModel.from_state(state, meta)
    raise ValueError(f"a {family!r} model is not a translator")


class TranslatorSource(ModelSource):
    """The picker of the Translate and Shared latent views (each with its own settings_key)."""
    model_class = (CycleGANModel, UNITModel)
    model_kind = "a CycleGAN or UNIT translator"
    pretrained = PRETRAINED
    default_model = "landscapes"
    open_title = "Open CycleGAN or UNIT checkpoint"
    save_name = "my-translator"
    train_hint = "Train one in the <b>Train</b> tab (<code>playground train cyclegan</code> " \
                 "or <code>unit</code> makes the shipped ones)"
    checkpoints_root: Path = CHECKPOINTS       # tests point it at a temporary folder

    def checkpoints_dir(self) -> Path:
        return self.checkpoints_root

    def describe(self, model) -> str:
        return describe(model)

    def _training_now(self) -> bool:
        return getattr(self, "_live", False)

    def _refresh_model_list(self) -> None:
        super()._refresh_model_list()
        # every entry's tooltip says what it is, or why it is missing
        for i in range(self.model_box.count()):
            key = self.model_box.itemData(i)
            model = self.models.get(key)
            text = describe(model) if model is not None else \
                f"Not available: {self.errors.get(key, 'no checkpoint')}"
            self.model_box.setItemData(i, text, Qt.ItemDataRole.ToolTipRole)

    def set_trained(self, state: dict[str, np.ndarray], meta: dict, live: bool) -> None:
        """The Train view's run: a snapshot while it trains (live), then the final weights."""
        try:
            model = model_from_state(state, meta)
        except (ValueError, KeyError, TypeError) as exc:
            self.message.emit(f"The trained model cannot be shown here: {exc}")
            return
        self._live = bool(live)
        self.set_trained_model(model, live)
