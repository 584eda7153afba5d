"""Opening files that come from strangers: regular files only, and every read bounded.

A FIFO, a character device (/dev/zero) or a socket given where a file is expected would
hang in open() or never reach end-of-file; a path with a component over 255 bytes raises an
OSError that is no loader's concern. Every loader (checkpoints, IDX, images, points) asks
here first, so each can turn the problem into its own clean error with the file named.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def check_regular(path: str | os.PathLike, error: type[Exception] = ValueError) -> int:
    """The size of `path` if it is a regular file (links followed); otherwise `error`.

    Checked with stat before anything opens the file: opening a FIFO blocks until a writer
    comes, so the check must come first.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise error(f"{path}: cannot read (no such file).") from exc
    except OSError as exc:
        raise error(f"{path}: cannot read ({_reason(exc)}).") from exc
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{path} is a folder, not a file.")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path} is not a regular file (a pipe, device or socket); "
                    "give a file saved on disk.")
    return st.st_size


def read_bounded(path: str | os.PathLike, limit: int, error: type[Exception] = ValueError,
                 what: str = "file") -> bytes:
    """All of a regular file, refusing one larger than `limit` bytes before reading it
    (and never reading more than `limit` + 1 bytes, should it grow meanwhile)."""
    size = check_regular(path, error)
    if size > limit:
        raise error(f"{path}: {size:,} bytes is more than a {what} may hold ({limit:,}).")
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read ({_reason(exc)}).") from exc
    if len(data) > limit:
        raise error(f"{path}: more than a {what} may hold ({limit:,} bytes).")
    return data


def is_dir(path: str | os.PathLike) -> bool:
    """Path.is_dir that answers False, rather than raising, for a name too long to exist."""
    try:
        return Path(path).is_dir()
    except OSError:
        return False


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "a part of the path is longer than the 255 bytes a file name may have"
    return exc.strerror or str(exc)
