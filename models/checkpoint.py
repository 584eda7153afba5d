"""Checkpoints: a folder with model.safetensors (weights) and config.json (everything else).

The JSON is also embedded in the safetensors header, and that copy is the one loading
trusts: the weights file is written first, in one atomic rename, so even a save interrupted
before config.json is replaced leaves a folder whose weights and configuration agree.
config.json is the readable copy, and the configuration of weights made elsewhere.
Loading validates everything before a single weight is used and never unpickles anything.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
FORMAT_VERSION = 1
_META_KEY = "playground"


class CheckpointError(Exception):
    """A checkpoint could not be saved or loaded. The message names the file and the problem."""


def _app_version() -> str:
    from . import __version__
    return __version__


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync it, then rename over the target."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable; not every platform lets us open a folder
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save_checkpoint(directory: str | os.PathLike, state: dict[str, np.ndarray], meta: dict) -> Path:
    """Save weights and metadata into `directory`. `meta` needs at least "family" and "config"."""
    from safetensors.numpy import save as st_save

    if "family" not in meta or "config" not in meta:
        raise ValueError("checkpoint metadata needs 'family' and 'config'")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise CheckpointError(f"{directory} is a file: a checkpoint is saved as a folder "
                              f"({WEIGHTS} and {CONFIG}); choose another name")
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"format_version": FORMAT_VERSION, "app_version": _app_version(), **meta}
    text = json.dumps(_finite(meta), indent=2, sort_keys=True, default=_json_default,
                      allow_nan=False)
    # not np.ascontiguousarray: it turns 0-d arrays (BatchNorm's step counters) into shape (1,)
    arrays = {k: np.require(v, requirements='C') for k, v in state.items()}
    for k, v in arrays.items():
        if not np.isfinite(v).all():
            raise CheckpointError(f"refusing to save: weight {k!r} has NaN or infinite values")
    _atomic_write(directory / WEIGHTS, st_save(arrays, metadata={_META_KEY: text}))
    _atomic_write(directory / CONFIG, (text + "\n").encode())
    return directory


def _finite(o):
    """JSON has no Infinity or NaN (Python writes them, strict readers refuse them): store null."""
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if isinstance(o, (float, np.floating)) and not np.isfinite(o):
        return None
    return o


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable")


def _sniff_pickle(path: Path, head: bytes) -> None:
    if head[:2] == b"PK":
        raise CheckpointError(f"{path}: this is a zip archive (a torch.save / pickle file). "
                              "Pickles can run arbitrary code, so the app never loads them. "
                              "Convert it to safetensors with the tool that made it.")
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        raise CheckpointError(f"{path}: this is a Python pickle. Pickles can run arbitrary "
                              "code, so the app never loads them.")


def resolve_paths(path: str | os.PathLike) -> tuple[Path, Path | None]:
    """(weights file, config file or None) for a checkpoint folder or a weights file."""
    path = Path(path).expanduser()
    if path.is_dir():
        weights = path / WEIGHTS
        if not weights.exists():
            found = sorted(p.name for p in path.glob("*.safetensors"))
            if len(found) == 1:
                weights = path / found[0]
            else:
                raise CheckpointError(f"{path}: no {WEIGHTS} in this folder.")
        config = path / CONFIG
        return weights, config if config.exists() else None
    if not path.exists():
        raise CheckpointError(f"{path}: no such file or folder.")
    config = path.parent / CONFIG
    return path, config if config.exists() else None


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read weights and metadata, checking the file format and that weights are finite."""
    from safetensors import safe_open

    weights, config = resolve_paths(path)
    try:
        with open(weights, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise CheckpointError(f"{weights}: cannot read ({exc.strerror or exc}).") from exc
    _sniff_pickle(weights, head)
    if len(head) < 8:
        raise CheckpointError(f"{weights}: file is empty or truncated ({len(head)} bytes).")
    header_len = int.from_bytes(head[:8], "little")
    size = weights.stat().st_size
    if header_len <= 0 or 8 + header_len > size:
        raise CheckpointError(f"{weights}: not a safetensors file, or truncated "
                              f"(header claims {header_len} bytes, file has {size}).")
    try:
        with safe_open(str(weights), framework="numpy") as f:
            embedded = (f.metadata() or {}).get(_META_KEY)
            state = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error types, and OSError
        raise CheckpointError(f"{weights}: not a valid safetensors file ({exc}).") from exc
    meta = _read_meta(config, embedded, weights)
    for k, v in state.items():
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            raise CheckpointError(f"{weights}: weight {k!r} contains NaN or infinite values.")
    return state, meta


def _read_meta(config: Path | None, embedded: str | None, weights: Path) -> dict:
    source, text = (weights, embedded) if embedded is not None else (config, None)
    if text is None and config is not None:
        try:
            text = config.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"{config}: cannot read ({exc}).") from exc
    if text is None:
        raise CheckpointError(f"{weights}: no {CONFIG} beside it and no metadata inside it, "
                              "so it is not a Generative Playground checkpoint.")
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{source}: the configuration is not valid JSON ({exc}).") from exc
    if not isinstance(meta, dict) or "family" not in meta or "config" not in meta:
        raise CheckpointError(f"{source}: not a Generative Playground checkpoint "
                              "(no 'family' or 'config' entry).")
    return meta


def check_state(state: dict[str, np.ndarray], expected: dict[str, tuple[tuple[int, ...], np.dtype]],
                where: str | os.PathLike) -> None:
    """Compare keys, shapes and dtypes with what the model needs; say exactly what differs."""
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    problems = []
    if missing:
        problems.append(f"missing weights: {', '.join(missing[:5])}" + (" …" if len(missing) > 5 else ""))
    if extra:
        problems.append(f"unexpected weights: {', '.join(extra[:5])}" + (" …" if len(extra) > 5 else ""))
    for k in sorted(set(state) & set(expected)):
        shape, dtype = expected[k]
        if tuple(state[k].shape) != tuple(shape):
            problems.append(f"{k} has shape {tuple(state[k].shape)}, the model needs {tuple(shape)}")
        elif state[k].dtype != dtype:
            problems.append(f"{k} is {state[k].dtype}, the model needs {dtype}")
    if problems:
        raise CheckpointError(f"{where}: weights do not match the configured model: "
                              + "; ".join(problems[:6]) + ".")


def load_checkpoint(path: str | os.PathLike):
    """Load any checkpoint the app writes; returns the family's inference object."""
    state, meta = read_checkpoint(path)
    family = meta.get("family")
    if family == "autoencoder":
        from .autoencoder_api import AutoencoderModel
        return AutoencoderModel.from_state(state, meta, source=str(path))
    if family == "diffusion":
        from .diffusion.api import DiffusionModel
        return DiffusionModel.from_state(state, meta, source=str(path))
    if family == "gan":
        from .gan.api import GANModel
        return GANModel.from_state(state, meta, source=str(path))
    if family == "gan2d":
        from .gan.toy2d_api import GAN2DModel
        return GAN2DModel.from_state(state, meta, source=str(path))
    if family == "pix2pix":
        from .pix2pix.training import Pix2PixModel
        return Pix2PixModel.from_state(state, meta, source=str(path))
    if family == "classifier":
        from .classifier import ClassifierModel
        return ClassifierModel.from_state(state, meta, source=str(path))
    raise CheckpointError(f"{path}: family {family!r} is not one this version can load "
                          "(it knows: autoencoder, diffusion, gan, gan2d, pix2pix, classifier).")
