"""Autoencoders and VAEs for 28×28 images: the networks (nets), the inference face (api)
and the training job (training).

    from models.autoencoder import AEConfig, AutoencoderModel

The names below are imported on first use, so listing the families (which imports
models.autoencoder.family, and so this package) loads no network code.
"""
import importlib

_WHERE = {"AutoencoderModel": "api", "AEConfig": "nets", "Autoencoder": "nets",
          "build_model": "nets"}
__all__ = ["AEConfig", "Autoencoder", "AutoencoderModel", "build_model"]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
