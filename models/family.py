"""The family registry: each model family declares itself once, the central files iterate.

A family is a package directly under models/ with a `family.py` that holds
`FAMILY = Family(...)`: its checkpoint families and their inference classes, its
`playground train` commands, its Qt panel and tab, and how to rebuild its shipped
checkpoints. models/checkpoint.py, playground/cli.py, playground/panels and the scripts
read this registry and name no family themselves.

Everything a Family points at is a string ("module:Class", a module path), imported only
when it is used: models/ never imports Qt (the panel is just a name here), and listing the
families imports nothing but their family.py files. Tests and plugins add families at run
time with `register()` (a context manager too) and take them away with `unregister()`.
"""
from __future__ import annotations

import importlib
import pkgutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Mapping


class FamilyError(Exception):
    """Two families claim one name, or a family's declaration points at nothing."""


@dataclass(frozen=True)
class Family:
    name: str                         # folder / tab key ("gan"); the saved tab and window.<name>
    title: str                        # the tab's text
    order: int                        # place in the tab bar, smallest first
    # checkpoint family ("family" in config.json) → "module:Class" of its inference class,
    # which has from_checkpoint / config_from_meta / check_meta / expected_for (WeightsMixin)
    checkpoints: Mapping[str, str] = field(default_factory=dict)
    cli: str | None = None            # module with COMMANDS, add_arguments, make_trainer
    panel: str | None = None          # "module:Class" of its Qt panel (takes device=, data_dir=)
    rebuild: str | None = None        # "module:function" → list[Recipe] for its shipped checkpoints
    help: str = ""                    # one line: what the family is
    # kinds of image its panel takes from other panels (playground/panels: hand-off), e.g.
    # "photo/upscale"; a panel that sends one never names who receives it
    receives: tuple[str, ...] = ()

    def __post_init__(self):
        # read-only, so a frozen Family stays what it declared
        object.__setattr__(self, "checkpoints", MappingProxyType(dict(self.checkpoints)))

    __hash__ = object.__hash__        # identity: a Family is registered once, removed by itself

    def cli_module(self) -> ModuleType | None:
        return importlib.import_module(self.cli) if self.cli else None

    def commands(self) -> tuple[str, ...]:
        """The `playground train` subcommands this family adds."""
        module = self.cli_module()
        if module is None:
            return ()
        missing = [n for n in ("COMMANDS", "add_arguments", "make_trainer") if not hasattr(module, n)]
        if missing:
            raise FamilyError(f"{self.name}'s CLI module {self.cli} lacks {', '.join(missing)}")
        return tuple(module.COMMANDS)

    def recipes(self) -> list["Recipe"]:
        return list(load(self.rebuild)()) if self.rebuild else []


@dataclass(frozen=True)
class Recipe:
    """How one shipped checkpoint is rebuilt: `playground train <argv…> --out <out>`.

    `argv` starts with the command and holds no --out; a `{data}` in it becomes the dataset
    folder the script was given (the shared MNIST digits), a `{datasets}` the folder that
    holds it (../shared/datasets, for its fashion-mnist/). A checkpoint no command trains
    names a `build` function instead, "module:function" called as build(out, data)."""
    name: str                         # what `train_checkpoints.py --only` calls it
    out: str                          # folder under checkpoints/
    argv: tuple[str, ...]
    minutes: float                    # on a 2-core CPU, for the script's plan
    note: str = ""
    build: str | None = None


def load(spec: str):
    """The object a "module:attribute" string names, imported now."""
    module, _, attribute = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as exc:
        raise FamilyError(f"{spec!r} names nothing importable ({exc})") from exc


_added: list[Family] = []            # register()ed at run time, in order
_builtin: list[Family] | None = None  # found under models/, once


def _scan() -> list[Family]:
    found = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.ispkg and (Path(__file__).parent / info.name / "family.py").is_file():
            family = getattr(importlib.import_module(f"{__package__}.{info.name}.family"),
                             "FAMILY", None)
            if not isinstance(family, Family):
                raise FamilyError(f"models/{info.name}/family.py has no FAMILY = Family(...)")
            found.append(family)
    return found


def families() -> list[Family]:
    """Every family, built in and registered, in tab order."""
    global _builtin
    if _builtin is None:
        builtin = _scan()
        _check(builtin)
        _builtin = builtin
    return sorted([*_builtin, *_added], key=lambda f: (f.order, f.name))


def _check(group: list[Family], commands: bool = False) -> None:
    """FamilyError when two families share a name or a checkpoint family (and, when asked, a
    CLI command: that imports their CLI modules, so only register() and the CLI ask)."""
    for kind, names in (("name", lambda f: [f.name]),
                        ("checkpoint family", lambda f: list(f.checkpoints)),
                        *((("`playground train` command", Family.commands),) if commands else ())):
        owner: dict[str, str] = {}
        for family in group:
            for name in names(family):
                if name in owner:
                    raise FamilyError(f"families {owner[name]!r} and {family.name!r} both "
                                      f"claim the {kind} {name!r}")
                owner[name] = family.name


def register(family: Family) -> "_Registration":
    """Add a family at run time. Use as `with register(f): ...` to remove it afterwards,
    or call unregister(f). Refused (FamilyError) if it claims a name another family has."""
    if not isinstance(family, Family):
        raise TypeError(f"register() takes a Family, not {type(family).__name__}")
    _check([*families(), family], commands=True)
    _added.append(family)
    return _Registration(family)


def unregister(family: Family | str) -> None:
    """Remove a family register() added (by the object or its name); built-ins stay."""
    for added in list(_added):
        if added is family or added.name == family:
            _added.remove(added)
            return
    raise FamilyError(f"{getattr(family, 'name', family)!r} was not registered at run time")


class _Registration:
    def __init__(self, family: Family):
        self.family = family

    def __enter__(self) -> Family:
        return self.family

    def __exit__(self, *exc) -> None:
        if self.family in _added:
            unregister(self.family)


@contextmanager
def registered(*added: Family):
    """Register several families for the length of a `with` block."""
    done = []
    try:
        for family in added:
            register(family)
            done.append(family)
        yield added
    finally:
        for family in done:
            unregister(family)


def checkpoint_families() -> dict[str, tuple[Family, str]]:
    """checkpoint family name → (its Family, "module:Class" of its inference class)."""
    return {name: (family, cls) for family in families()
            for name, cls in family.checkpoints.items()}


def commands() -> dict[str, Family]:
    """`playground train` command → the family whose CLI module declares it."""
    every = families()
    _check(every, commands=True)
    return {command: family for family in every for command in family.commands()}
