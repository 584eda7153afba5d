"""Every panel and every view inside a panel takes the same arguments, by keyword, in one
order: (device, data_dir, parent). PanelSpec.build relies on it (factory(device=, data_dir=)),
and a panel builds its views the same way, so adding a view never means guessing an order."""
from __future__ import annotations

import importlib
import inspect

import pytest

pytest.importorskip("PySide6")

from playground.panels import registry  # noqa: E402

VIEWS = ["playground.panels.diffusion.forward_view:ForwardView",
         "playground.panels.diffusion.reverse_view:ReverseView",
         "playground.panels.diffusion.toy2d_view:Toy2DView",
         "playground.panels.gan.lab_view:Lab2DView",
         "playground.panels.gan.digits_view:DigitsView",
         "playground.panels.pix2pix.paint_view:PaintView",
         "playground.panels.pix2pix.train_view:TrainView"]
FORMS = ["playground.panels.autoencoder.training_view:TrainingView",
         "playground.panels.diffusion.reverse_training:TrainingPane",
         "playground.panels.gan.digits_training:TrainControls"]


def _class(path: str):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def _params(cls) -> list[inspect.Parameter]:
    return list(inspect.signature(cls.__init__).parameters.values())[1:]


@pytest.mark.parametrize("path", [s.factory for s in registry()] + VIEWS)
def test_panels_and_views_take_device_data_dir_parent_by_keyword(path):
    params = _params(_class(path))
    assert [p.name for p in params] == ["device", "data_dir", "parent"], path
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), path
    assert [p.default for p in params] == ["auto", None, None], path


@pytest.mark.parametrize("path", FORMS)
def test_training_forms_take_data_dir_then_parent_by_keyword(path):
    """The forms have no device (their view runs the job); the rest in the same order."""
    params = _params(_class(path))
    assert [p.name for p in params] == ["data_dir", "parent"], path
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), path
