"""Where the reverse-process view's models come from: the shipped U-Nets, the one trained
here, and checkpoints opened from disk.
"""
from __future__ import annotations

from pathlib import Path

from models.device import pick_device
from models.diffusion.api import DiffusionModel

from ..model_source import ModelSource, training_facts

ROOT = Path(__file__).resolve().parents[3]
CHECKPOINTS = ROOT / "checkpoints"
PRETRAINED = {"uncond": ("Pretrained · unconditional (MNIST)", "mnist-ddpm"),
              "cond": ("Pretrained · class-conditional (MNIST)", "mnist-ddpm-cond")}
KEY = "diffusion/reverse/"


def describe(model: DiffusionModel) -> str:
    c, m = model.config, model.meta
    parts = ["class-conditional" if c.conditional else "unconditional", f"{c.schedule} schedule",
             f"T = {c.timesteps}", "U-Net " + "-".join(map(str, c.channels))]
    parts += training_facts(m)
    loss = m.get("metrics", {}).get("test_simple_loss")
    if isinstance(loss, (int, float)) and loss == loss:
        parts.append(f"held-out loss {loss:.4f}")
    return " · ".join(parts)


class ModelSourceMixin(ModelSource):
    """Mixed into ReverseView; keeps its sampling controls and guidance view in step."""
    model_class = DiffusionModel
    model_kind = "a diffusion model"
    pretrained = PRETRAINED
    default_model = "uncond"
    settings_key = KEY
    open_title = "Open diffusion checkpoint"
    save_name = "my-ddpm"

    def checkpoints_dir(self) -> Path:
        return CHECKPOINTS

    def describe(self, model) -> str:
        return describe(model)

    def _training_now(self) -> bool:
        return self.training_busy

    def live_text(self) -> str:
        step = int(self.current_model().meta.get("steps", 0))
        return f"live EMA snapshot of step {step:,} (training goes on) · "

    def _model_shown(self, key, model) -> None:
        self.controls.set_model(model)
        if model is None or self.guidance_view.result is not None:
            return
        self.guidance_view.clear("" if model.conditional else
                                 "This model is unconditional: guidance needs a "
                                 "class-conditional one (pretrained, or train one with "
                                 "“Class-conditional” ticked).")

    def _model_for_job(self) -> DiffusionModel | None:
        """The selected model on the chosen device (moved once, then kept there)."""
        model = self.current_model()
        if model is None:
            return None
        try:
            dev = pick_device(self.device)
        except ValueError:
            dev = model.device
        if dev != model.device:
            model = DiffusionModel.from_state(model.state_numpy(), model.meta, device=str(dev))
            self.models[self.current_key()] = model
        return model
