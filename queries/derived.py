"""Per-snapshot derived tables, computed once and cached on disk beside the permutation nulls.

Some tables the scorer needs are pure functions of one store snapshot and of the code computing them,
yet cost a second of CPU to derive on every call: the therapeutic mask and the drugs of each gene
(parsed from ~28k full ``targets`` edge records, which also means hashing the 91 MB ``edges.jsonl``)
and the reaction groups. They are kept as JSON under a content hash of exactly what they depend on::

    STORE/snap-<sha>/derived/<name>-<sha256 of key>.json  (fallback: $TMEKG_CACHE_DIR or ~/.cache/tmekg)

The key holds the snapshot folder name (itself the snapshot's content hash), the table's parameters,
the tmekg version and the SHA-256 of the source files of the code computing it, so a rebuild (a new
snapshot folder) or a code change makes a fresh table. Files are written to a temporary name and moved
into place with ``os.replace``; an unreadable, partial or mismatching file is ignored and rebuilt.
Like the nulls, these caches are not part of the snapshot's content hash or manifest.

Examples
--------
>>> mask = cached_table(kg, "therapeutic_mask", {}, [scoring_module], compute)   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

FORMAT = "tmekg-derived-1"  # bump when the file layout changes


def derived_dirs(kg: Any) -> list[Path]:
    """Where derived tables of this graph are kept: the snapshot's ``derived/`` folder, then a user cache
    (empty for a graph that is not a store snapshot)."""
    path = getattr(kg, "path", None)
    if path is None:
        return []
    home = os.environ.get("TMEKG_CACHE_DIR") or Path.home() / ".cache" / "tmekg"
    return [Path(path) / "derived", Path(home) / "derived" / Path(path).name]


def table_key(kg: Any, name: str, params: Mapping[str, Any], modules: Iterable[ModuleType]) -> str:
    """Content hash of what a derived table depends on: snapshot, name, parameters, tmekg and code."""
    from tmekg import __version__

    code = {m.__name__: _source_hash(m) for m in modules}
    parts = {
        "format": FORMAT,
        "tmekg": __version__,
        "snapshot": Path(kg.path).name,
        "name": name,
        "params": params,
        "code": code,
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _source_hash(module: ModuleType) -> str:
    """SHA-256 of a module's source file (any edit of the computing code makes new tables)."""
    path = getattr(module, "__file__", None)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if path else module.__name__


def cached_table(
    kg: Any,
    name: str,
    params: Mapping[str, Any],
    modules: Iterable[ModuleType],
    compute: Callable[[], Any],
) -> Any:
    """The JSON value of a derived table: read from the cache, or computed by ``compute`` and saved.

    ``compute`` must return a JSON value (dicts keep their order); the caller converts it back.
    """
    folders = derived_dirs(kg)
    if not folders:
        return compute()
    key = table_key(kg, name, params, modules)
    filename = f"{name}-{key}.json"
    for folder in folders:
        found = load_table(folder / filename, key)
        if found is not None:
            return found[0]
    value = compute()
    for folder in folders:  # the snapshot folder first; a read-only store falls back to the user cache
        try:
            save_table(folder / filename, key, value)
            break
        except OSError:
            continue
    return value


def load_table(path: Path, key: str) -> tuple[Any] | None:
    """``(value,)`` of the table at ``path`` if it is complete and was made for ``key``; else None."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != key or "value" not in doc:
        return None
    return (doc["value"],)


def save_table(path: Path, key: str, value: Any) -> None:
    """Write ``{"key", "value"}`` atomically (temporary file, fsync, ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", suffix=".json", delete=False)  # noqa: SIM115
    try:
        with handle:
            handle.write(json.dumps({"key": key, "value": value}, separators=(",", ":")).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
