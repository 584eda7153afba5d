"""The unpaired trainer's jobs, run on JobRunner's thread: checking a user's folders, and
training a CycleGAN or a UNIT.

Everything that leaves a job is numpy or plain Python. The trainer's models stay on the job's
thread: a Snapshot, and every preview (about every 2 s), become a TrainedWeights event whose
weights and checkpoint meta are read there, between steps; when the job is stopped (closed at a
yield) the weights of its last finished step are left in a JobBox for the GUI to pick up.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


from models.data import DataError, load_dataset, read_folder
from models.events import Snapshot, Status
from models.translation.cyclegan_training import CycleGANTrainer, TranslationPreview
from models.translation.domains import (DigitDomains, FolderDomains, LandscapeDomains,
                                        UnpairedData)
from models.translation.unit_training import UNITTrainer

from ...trained_weights import JobBox, TrainedWeights
from .train_form import CYCLEGAN, DIGITS, FOLDER, configs_from

SAMPLE_MNIST = Path(__file__).resolve().parents[3] / "assets" / "datasets" / "mnist-sample"


@dataclass(frozen=True)
class FoldersChecked:
    """A user's folders read by the folder rule: the data, ready to train on."""
    key: tuple
    data: UnpairedData


class _Loaded:
    """Domains already read (by the folder check): the trainer's `load()` returns them."""

    def __init__(self, data: UnpairedData):
        self.data = data

    def load(self):
        return self.data
        yield                       # a generator, as every domain source's load()


def folder_key(values: dict) -> tuple:
    """What a folder check depends on: the folders and the size they are cut to."""
    return (values["folder"], values["folder_a"], values["folder_b"], int(values["size"]))


def folder_domains(values: dict) -> FolderDomains:
    """DomainError (a ValueError) when the folders are not there."""
    if values["folder"]:
        return FolderDomains(values["folder"], int(values["size"]))
    return FolderDomains(a=values["folder_a"] or None, b=values["folder_b"] or None,
                         size=int(values["size"]))


def check_folders_job(values: dict):
    """Read both folders by the rule; a DomainError says which folder and why."""
    domains = folder_domains(values)
    yield Status(f"Checking {domains.a.name}/ and {domains.b.name}/…")
    data = yield from domains.load()
    return FoldersChecked(folder_key(values), data)


def load_digits(data_dir: str | None):
    """MNIST from the app's data folder (never downloaded here), else the bundled sample.
    Returns (dataset, what it is in words, source for the checkpoint's meta)."""
    try:
        ds = load_dataset("mnist", data_dir)
        return ds, f"MNIST from the data folder ({len(ds.train):,} training digits)", "data folder"
    except DataError:
        ds = read_folder(SAMPLE_MNIST, "mnist")
        return ds, (f"MNIST not found in the data folder: using the bundled sample "
                    f"assets/datasets/mnist-sample ({len(ds.train):,} training digits)"), \
            "mnist-sample"


def _meta(trainer, step: int, extra: dict, stopped: bool = False) -> dict:
    meta = trainer.checkpoint_meta()
    meta["steps"] = step
    meta["stopped_early"] = stopped
    meta["dataset"] = {**meta.get("dataset", {}), **extra}
    return meta


def _weights(trainer, extra: dict, stopped: bool = False) -> TrainedWeights:
    step = trainer.steps_done
    return TrainedWeights(step, trainer.state_numpy(), _meta(trainer, step, extra, stopped))


def training_job(values: dict, device: str, data_dir: str | None, box: JobBox,
                 checked: FoldersChecked | None = None):
    """The generator the JobRunner drives: data, trainer and run, all on the job's thread."""
    kind, model_config, train_config = configs_from(values)
    extra: dict = {}
    if values["domains"] == DIGITS:
        yield Status("Reading the MNIST digits…")
        ds, text, source = load_digits(data_dir)
        yield Status(text)
        extra["digits"] = source
        domains = DigitDomains(ds, rgb_a=kind == CYCLEGAN, seed=int(values["seed"]),
                               limit=2 * int(values["train_images"]))
    elif values["domains"] == FOLDER:
        domains = _Loaded(checked.data) if checked is not None else folder_domains(values)
    else:
        domains = LandscapeDomains(train_config.train_images, model_config.size,
                                   train_config.seed, train_config.preview_images)
    trainer_class = CycleGANTrainer if kind == CYCLEGAN else UNITTrainer
    trainer = trainer_class(model_config, train_config, device, domains=domains)
    yield Status(f"Loading the domains; training on {trainer.device}…")
    run = trainer.run()
    try:
        while True:
            try:
                ev = next(run)
            except StopIteration as stop:
                result = stop.value
                break
            if isinstance(ev, Snapshot):
                ev = TrainedWeights(ev.step, ev.state, _meta(trainer, ev.step, extra))
            yield ev
            if isinstance(ev, TranslationPreview) and trainer.steps_done < train_config.steps:
                # a snapshot with every preview, so the Translate view follows the training
                yield _weights(trainer, extra)
    except GeneratorExit:         # stopped: keep the last finished step, if there was one
        if trainer.steps_done:
            box.final = _weights(trainer, extra, stopped=True)
        raise
    finally:
        run.close()
    box.final = _weights(trainer, extra)
    return result
