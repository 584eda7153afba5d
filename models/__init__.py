"""Generative Playground's models: pure PyTorch and numpy, no Qt.

    from models import load_checkpoint
    vae = load_checkpoint("checkpoints/mnist-vae-2d")
    images = vae.decode([[0.0, 1.0]])
"""
__version__ = "0.1.0"

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint  # noqa: E402
from .data import DataError, load_dataset  # noqa: E402

__all__ = ["load_checkpoint", "save_checkpoint", "load_dataset", "CheckpointError",
           "DataError", "__version__"]
