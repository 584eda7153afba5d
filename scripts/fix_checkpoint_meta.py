"""Rewrite the shipped checkpoints' metadata so each records its dataset by name and split,
never by the absolute path of the machine that trained it. No weight changes.

Older checkpoints hold "source": "<absolute folder> (<split in words>)". This turns that into
what a run today records (models.data.Dataset.record()): "split" in words, and the folder's
name alone (train_checkpoints.py gives the dataset as a folder path). Each checkpoint is read,
its "dataset" entry rewritten, saved into the same folder (config.json and the copy embedded
in model.safetensors), read back, and every weight compared with the one before: same names,
shapes, dtypes and bytes, or the script stops with an error.

    .venv/bin/python scripts/fix_checkpoint_meta.py [checkpoint folders…]

With no arguments it rewrites every folder under checkpoints/. Running it twice changes nothing.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path, PurePosixPath, PureWindowsPath

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.checkpoint import read_checkpoint, save_checkpoint  # noqa: E402

# "<folder> (<split>)" as models.data.read_folder wrote it
_SOURCE = re.compile(r"^(?P<folder>.*?) \((?P<split>.*)\)$")


def _with_commas(text: str) -> str:
    """8000 → 8,000, as Dataset.record() words a split today."""
    return re.sub(r"\d{4,}", lambda m: f"{int(m.group()):,}", text)


def _split_words(split: str, dataset: dict) -> str:
    # the two-split wording of old, "train: train-*, test: t10k-*", in today's words
    if split == "train: train-*, test: t10k-*":
        return (f"train-* ({dataset.get('train_size', 0):,}) train, "
                f"t10k-* ({dataset.get('test_size', 0):,}) held out")
    return _with_commas(split)


def fixed_dataset(dataset: dict) -> dict:
    """The "dataset" entry without "source": its split in words and its folder's name."""
    if "source" not in dataset:
        return dataset
    out = {k: v for k, v in dataset.items() if k != "source"}
    m = _SOURCE.match(str(dataset["source"]))
    folder, split = (m.group("folder"), m.group("split")) if m else (str(dataset["source"]), "")
    out.setdefault("split", _split_words(split, dataset) if split else
                   f"{dataset.get('train_size', 0):,} train, {dataset.get('test_size', 0):,} held out")
    name = (PureWindowsPath(folder) if "\\" in folder else PurePosixPath(folder)).name
    if name:
        out.setdefault("folder", name)
    return out


def fix(folder: Path) -> bool:
    """Rewrite one checkpoint's metadata; True if it changed. Raises if a weight would."""
    state, meta = read_checkpoint(folder)
    dataset = meta.get("dataset")
    if not isinstance(dataset, dict) or "source" not in dataset:
        return False
    meta = {**meta, "dataset": fixed_dataset(dataset)}
    save_checkpoint(folder, state, meta)
    after, meta_after = read_checkpoint(folder)
    if set(after) != set(state):
        raise SystemExit(f"{folder}: the weights' names changed; restore it from git")
    for k, v in state.items():
        w = after[k]
        if w.dtype != v.dtype or w.shape != v.shape or w.tobytes() != v.tobytes():
            raise SystemExit(f"{folder}: weight {k!r} changed; restore it from git")
    assert meta_after["dataset"] == meta["dataset"], folder
    return True


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv] or sorted(p for p in (ROOT / "checkpoints").iterdir()
                                                 if (p / "model.safetensors").exists())
    for folder in folders:
        changed = fix(folder)
        print(f"{folder.name:20} {'rewritten, weights byte-identical' if changed else 'already fine'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
