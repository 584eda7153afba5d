"""The digit classifier: the benchmarks' and the GAN trainer's feature extractor for Fréchet
distances (model.py). It is a family with checkpoints but no tab and no `playground train`
command: scripts/train_checkpoints.py rebuilds it through family.py.

The names below are imported on first use, so listing the families loads no network code.
"""
import importlib

__all__ = ["ClassifierConfig", "ClassifierModel", "ClassifierNet", "ClassifierTrainConfig",
           "evaluate", "fit", "random_shift", "train_classifier"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(importlib.import_module(".model", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
