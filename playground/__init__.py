"""Generative Playground: the Qt application."""
from models import __version__

__all__ = ["__version__"]
