"""Checkpoints: a folder with model.safetensors (weights) and config.json (everything else).

The JSON is also embedded in the safetensors header, and that copy is the one loading
trusts: the weights file is written first, in one atomic rename, so even a save interrupted
before config.json is replaced leaves a folder whose weights and configuration agree.
config.json is the readable copy, and the configuration of weights made elsewhere.
Loading validates everything before a single weight is used and never unpickles anything.
"""
from __future__ import annotations

import json
import math
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .files import _reason, check_regular, read_bounded

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
FORMAT_VERSION = 1
_META_KEY = "playground"
# Our headers are a few kB (names, shapes, the configuration); safetensors' own cap is 100 MB.
MAX_HEADER_BYTES = 16 * 2**20
MAX_CONFIG_BYTES = 2**20


class CheckpointError(Exception):
    """A checkpoint could not be saved or loaded. The message names the file and the problem."""


def _app_version() -> str:
    from . import __version__
    return __version__


# An interrupted save (a kill, a power cut) leaves its temp file behind; the next save into
# the folder removes those of our own naming. Only ones this old: a temp file younger than
# that may belong to a save still running in another process.
STALE_TEMP_S = 60.0


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def _remove_stale_temps(path: Path) -> None:
    now = time.time()
    for old in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if now - old.lstat().st_mtime > STALE_TEMP_S and old.is_file():
                old.unlink()
        except OSError:
            pass           # gone already, or not ours to remove: the save goes on


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync it, then rename over the target.

    The temp file is created with mode 0666 less the user's umask, like any file the user
    saves (tempfile.mkstemp would make it 0600, and the rename would keep that)."""
    _remove_stale_temps(path)
    tmp = _temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
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
    if head[8:9] == b"{":
        # a safetensors header follows its 8-byte length; that length may itself begin with
        # the pickle marker (0x80, then a byte ≤ 5: any length 384 + 256·k, k < 5, …)
        return
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
    try:
        if path.is_dir():
            weights = path / WEIGHTS
            if not weights.exists():
                # a run's train_state.safetensors (models/train_state.py) holds no model
                found = sorted(p.name for p in path.glob("*.safetensors")
                               if p.name != "train_state.safetensors")
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
    except OSError as exc:       # a name too long, a folder we may not list
        raise CheckpointError(f"{path}: cannot read ({_reason(exc)}).") from exc


# safetensors' names for the dtypes a checkpoint may hold, and numpy's
_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "I64": "int64", "I32": "int32",
           "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}


@dataclass(frozen=True)
class TensorInfo:
    """One tensor as the safetensors header describes it: read before any weight is."""
    dtype: np.dtype
    shape: tuple[int, ...]
    start: int            # byte offsets into the data that follows the header
    end: int


def _json(text: str | bytes, source) -> object:
    """json.loads whose every failure is a CheckpointError naming `source`: invalid JSON,
    bad UTF-8, and nesting deep enough to exhaust Python's recursion (RecursionError)."""
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise CheckpointError(f"{source}: the JSON is nested too deeply to be a checkpoint's.") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise CheckpointError(f"{source}: the configuration is not valid JSON ({exc}).") from exc


def read_header(weights: Path) -> tuple[dict[str, TensorInfo], str | None]:
    """The tensors a safetensors file declares, and its embedded configuration text, read from
    the header alone (bounded) and checked against the file's size: a header that does not
    add up is refused before anything is allocated for it."""
    size = check_regular(weights, CheckpointError)
    try:
        with open(weights, "rb") as f:
            head = f.read(16)
            _sniff_pickle(weights, head)
            if len(head) < 8:
                raise CheckpointError(f"{weights}: file is empty or truncated ({len(head)} bytes).")
            header_len = int.from_bytes(head[:8], "little")
            if header_len <= 0 or 8 + header_len > size:
                raise CheckpointError(f"{weights}: not a safetensors file, or truncated "
                                      f"(header claims {header_len} bytes, file has {size}).")
            if header_len > MAX_HEADER_BYTES:
                raise CheckpointError(f"{weights}: its header claims {header_len:,} bytes; a "
                                      f"checkpoint's is at most {MAX_HEADER_BYTES:,}.")
            f.seek(8)
            raw = f.read(header_len)
    except OSError as exc:
        raise CheckpointError(f"{weights}: cannot read ({_reason(exc)}).") from exc
    header = _json(raw, weights)
    if not isinstance(header, dict):
        raise CheckpointError(f"{weights}: not a safetensors file (its header is not a table).")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{weights}: its safetensors metadata is not a table.")
    embedded = metadata.get(_META_KEY)
    if embedded is not None and not isinstance(embedded, str):
        raise CheckpointError(f"{weights}: its embedded configuration is not text.")
    tensors, data_len = {}, size - 8 - header_len
    for name, entry in header.items():
        tensors[name] = info = _tensor_info(name, entry, weights)
        if info.end > data_len:
            raise CheckpointError(f"{weights}: weight {name!r} lies past the end of the file "
                                  "(truncated?).")
    # safetensors lays tensors end to end with no gaps: their sizes must add up to the data
    spans = sorted((i.start, i.end) for i in tensors.values())
    covered = 0
    for start, end in spans:
        if start != covered:
            raise CheckpointError(f"{weights}: weights overlap or leave gaps in the file.")
        covered = end
    if covered != data_len:
        raise CheckpointError(f"{weights}: the header accounts for {covered:,} bytes of "
                              f"weights, the file holds {data_len:,}.")
    return tensors, embedded


def _tensor_info(name: str, entry, weights: Path) -> TensorInfo:
    bad = CheckpointError(f"{weights}: weight {name!r} has a malformed header entry.")
    if not isinstance(entry, dict):
        raise bad
    dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in _DTYPES:
        raise CheckpointError(f"{weights}: weight {name!r} has type {dtype!r}, which the app "
                              f"does not read (it reads {', '.join(_DTYPES)}).")
    ints = lambda v: isinstance(v, list) and all(  # noqa: E731
        isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v)
    if not (ints(shape) and len(shape) <= 8 and ints(offsets) and len(offsets) == 2):
        raise bad
    start, end = offsets
    np_dtype = np.dtype(_DTYPES[dtype])
    if end - start != math.prod(shape) * np_dtype.itemsize:
        raise CheckpointError(f"{weights}: weight {name!r} claims shape {tuple(shape)} but "
                              f"{end - start} bytes.")
    return TensorInfo(np_dtype, tuple(shape), start, end)


def read_tensors(weights: Path, names) -> dict[str, np.ndarray]:
    """The named tensors (which the header said are there), checked to be finite."""
    from safetensors import safe_open
    try:
        with safe_open(str(weights), framework="numpy") as f:
            state = {k: f.get_tensor(k) for k in names}
    except Exception as exc:  # safetensors raises its own error types, and OSError
        raise CheckpointError(f"{weights}: not a valid safetensors file ({exc}).") from exc
    for k, v in state.items():
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            raise CheckpointError(f"{weights}: weight {k!r} contains NaN or infinite values.")
    return state


def open_checkpoint(path: str | os.PathLike) -> tuple[Path, dict[str, TensorInfo], dict]:
    """(weights file, its tensors' header, metadata): everything but the weights themselves."""
    weights, config = resolve_paths(path)
    tensors, embedded = read_header(weights)
    return weights, tensors, _read_meta(config, embedded, weights)


def read_meta(path: str | os.PathLike) -> dict:
    """A checkpoint's metadata (family, config, …), checked, without reading a weight."""
    return open_checkpoint(path)[2]


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read weights and metadata, checking the file format and that weights are finite."""
    weights, tensors, meta = open_checkpoint(path)
    return read_tensors(weights, tensors), meta


def _read_meta(config: Path | None, embedded: str | None, weights: Path) -> dict:
    source, text = (weights, embedded) if embedded is not None else (config, None)
    if text is None and config is not None:
        text = read_bounded(config, MAX_CONFIG_BYTES, CheckpointError, "configuration file")
    if text is None:
        raise CheckpointError(f"{weights}: no {CONFIG} beside it and no metadata inside it, "
                              "so it is not a Generative Playground checkpoint.")
    meta = _json(text, source)
    if not isinstance(meta, dict) or "family" not in meta or "config" not in meta:
        raise CheckpointError(f"{source}: not a Generative Playground checkpoint "
                              "(no 'family' or 'config' entry).")
    _check_common_meta(meta, source)
    return meta


def _check_common_meta(meta: dict, source) -> None:
    """Entries every family reads (with .get) must have the type they are read as."""
    if not isinstance(meta["family"], str):
        raise CheckpointError(f"{source}: 'family' is {meta['family']!r}, not a name.")
    if not isinstance(meta["config"], dict):
        raise CheckpointError(f"{source}: bad configuration: 'config' is a "
                              f"{type(meta['config']).__name__}, not a table of settings.")
    steps = meta.get("steps", 0)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise CheckpointError(f"{source}: 'steps' is {steps!r}, not a count of steps.")
    if "dataset" in meta:            # read as meta.get("dataset", {}).get(...): null fails too
        dataset = meta["dataset"]
        if not isinstance(dataset, dict):
            raise CheckpointError(f"{source}: 'dataset' is a {type(dataset).__name__}, not a "
                                  "table (name, classes, …).")
        classes = dataset.get("classes")
        if classes is not None and not (isinstance(classes, list)
                                        and all(isinstance(c, str) for c in classes)):
            raise CheckpointError(f"{source}: 'dataset.classes' is not a list of names.")
        if dataset.get("name") is not None and not isinstance(dataset["name"], str):
            raise CheckpointError(f"{source}: 'dataset.name' is not a name.")


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


def _family_class(meta: dict, path):
    """The inference class of the checkpoint's family, as the family registry declares it."""
    from .family import checkpoint_families, load

    known = checkpoint_families()
    family = meta["family"]
    if family not in known:
        raise CheckpointError(f"{path}: family {family!r} is not one this version can load "
                              f"(it knows: {', '.join(sorted(known))}).")
    return load(known[family][1])


def load_checkpoint(path: str | os.PathLike):
    """Load any checkpoint the app writes; returns the family's inference object.

    The header and configuration are checked against each other before a weight is read
    or a module allocated (see WeightsMixin.from_checkpoint)."""
    weights, tensors, meta = open_checkpoint(path)
    return _family_class(meta, path).from_checkpoint(weights, tensors, meta, source=str(path))


def inspect_checkpoint(path: str | os.PathLike) -> dict:
    """A checkpoint's metadata, once its configuration, metadata and header agree: everything
    load_checkpoint checks except the weights' values, without reading a weight. For asking
    "which panel opens this?" without moving to one that would then refuse it."""
    _weights, tensors, meta = open_checkpoint(path)
    cls = _family_class(meta, path)
    config = cls.config_from_meta(meta, path)
    cls.check_meta(meta, config, path)
    check_state(tensors, cls.expected_for(config, path), path)
    return meta
