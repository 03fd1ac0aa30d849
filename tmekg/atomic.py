"""Output files written whole or not at all: a temporary file in the same folder, fsync, rename.

Every export (HTML, KGX, neo4j-admin import files, reports, figures) writes through
:func:`atomic_open`. A full disk, a denied permission or an interrupt leaves the previous file (if
any) untouched and no temporary file behind; disk and permission failures become one
:class:`WriteError` naming the file and the reason.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "x.tsv"
>>> with atomic_open(out) as handle:
...     _ = handle.write("a\\tb\\n")
>>> out.read_text()
'a\\tb\\n'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tmekg.errors import TmekgError


class WriteError(TmekgError):
    """An output file cannot be written (disk full, permission denied, not a folder...)."""


def os_reason(exc: OSError) -> str:
    """``'No space left on device'`` (the OS text, else the exception's)."""
    return exc.strerror or str(exc) or type(exc).__name__


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` for writing; on success fsync it and rename it to ``path``.

    Parameters
    ----------
    path
        The file to create or replace (its folder is created if needed).
    mode
        ``"w"`` (text; ``encoding`` defaults to UTF-8) or ``"wb"``.
    **kwargs
        Passed to :func:`open` (``encoding``, ``newline``, ``buffering``).

    Raises
    ------
    WriteError
        The folder or file cannot be written; nothing was written to ``path``.
    """
    path = Path(path)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if any(p.exists() and not p.is_dir() for p in path.parents):
        raise WriteError(f"cannot write {path}: {_first_file(path)} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise WriteError(f"cannot write {path}: {os_reason(exc)} (nothing was written)") from None
    except BaseException:
        _discard(tmp)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`atomic_open`."""
    with atomic_open(path) as handle:
        handle.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; see :func:`atomic_open`."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def _first_file(path: Path) -> Path:
    return next(p for p in reversed(path.parents) if p.exists() and not p.is_dir())


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
