"""Generative Playground: the Qt application."""
# First, before anything loads torch: OpenMP reads its wait policy once, when torch loads it
# (see torch_threads). Every way in (the app, `playground train`, `python -m playground`)
# imports this package first.
from .torch_threads import prefer_passive_waits

prefer_passive_waits()

from models import __version__  # noqa: E402

__all__ = ["__version__"]
