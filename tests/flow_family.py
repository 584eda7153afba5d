"""The flow's stand-in family for tests written before models/likelihood/family.py and cli.py
wire RealNVP in: checkpoint family "realnvp" and the `playground train realnvp` command,
registered only while neither exists (once the likelihood family declares them, the tests
use the real ones and this registers nothing).

This module is also the stand-in's CLI module (COMMANDS, add_arguments, make_trainer).
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from models.family import Family, checkpoint_families, commands, register

COMMANDS = ("realnvp",)
HELP = {"realnvp": "RealNVP (stand-in registration for the flow tests)"}


def add_arguments(parser, command):
    from models.likelihood.flow_cli import add_flow_arguments
    add_flow_arguments(parser)


def make_trainer(args, command, load):
    from models.likelihood.flow_cli import make_flow_trainer
    return make_flow_trainer(args, load)


STAND_IN = Family(name="flows-stand-in", title="Flows", order=96,
                  checkpoints={"realnvp": "models.likelihood.flow_api:RealNVPModel"},
                  cli=__name__, help="RealNVP before the likelihood family lands")


@contextmanager
def flows_registered():
    if "realnvp" in checkpoint_families() or "realnvp" in commands():
        yield
        return
    with register(STAND_IN):
        yield


@pytest.fixture
def realnvp_family():
    with flows_registered():
        yield
