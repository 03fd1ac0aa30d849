"""One exclusive, re-entrant lock per store directory, taken before any work that writes the store.

``tmekg build``, ``tmekg study load`` and ``tmekg study remove`` take the lock before they read a
single source file and hold it until the new snapshot is live and the study registry
(``STORE/studies.json``) is written. A second writer is refused at once with a message naming the
process that holds the lock (pid, command, start time), instead of after a full load. Readers take no
lock: a snapshot is immutable and ``CURRENT`` is switched atomically.

The lock is an advisory ``flock`` on ``STORE/.lock`` (released by the kernel when the holder dies, so
``kill -9`` never leaves a stale lock). Within one process the lock is re-entrant: ``load_study``
holds it and calls ``build_store``, which asks for it again.

Examples
--------
>>> import tempfile
>>> root = tempfile.mkdtemp()
>>> with store_lock(root, "doctest"):
...     with store_lock(root, "nested"):  # the same process may take it again
...         pass
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tmekg.errors import StoreError

LOCK_FILE = ".lock"
_held: dict[tuple[int, str], int] = {}  # (pid, resolved store path) -> nesting depth


@contextlib.contextmanager
def store_lock(root: str | Path, action: str = "tmekg") -> Iterator[None]:
    """Hold the exclusive write lock of the store at ``root`` (created if needed).

    Parameters
    ----------
    root
        Store directory.
    action
        What the holder does (``"tmekg build"``, ``"tmekg study load"``), shown to a refused writer.

    Raises
    ------
    StoreError
        Another process holds the lock, or the store directory cannot be written.
    """
    root = Path(root)
    key = (os.getpid(), str(root.resolve()))
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    with _locked_file(root, action):
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]


@contextlib.contextmanager
def _locked_file(root: Path, action: str) -> Iterator[None]:
    import fcntl

    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise StoreError(f"cannot write the store at {root}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"another tmekg process is writing the store at {root} ({_holder(handle)}); "
                "nothing was changed: run again when it has finished"
            ) from None
        _describe(handle, action)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)  # an idle store's lock file is empty: a failed run changes no byte
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _describe(handle: IO[str], action: str) -> None:
    """Write who holds the lock into the lock file (best effort: a full disk must not stop a build)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    with contextlib.suppress(OSError):
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, {action}, since {stamp}\n")
        handle.flush()


def _holder(handle: IO[str]) -> str:
    """The holder's description from the lock file, or a generic one."""
    with contextlib.suppress(OSError, ValueError):
        handle.seek(0)
        text = handle.read().strip()
        if text:
            return text.splitlines()[0][:200]
    return "holder unknown"
