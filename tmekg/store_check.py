"""Reading a store snapshot safely: the manifest, per-file checksums and array shapes.

Every file of a snapshot is listed in its ``manifest.json`` with its size and SHA-256. Opening a
store (:class:`tmekg.graph.KnowledgeGraph`) checks

* on open: the manifest's form, every file's size, and the SHA-256 of every file but ``edges.jsonl``
  (``nodes.jsonl``, the ``edge_*.npy`` arrays and the small extra files: about 27 MB of the full
  store), then the dtype and shape of each array against the manifest's edge count, the range of the
  node rows and that the byte offsets end at the size of ``edges.jsonl``;
* lazily: the SHA-256 of ``edges.jsonl`` (the largest file, about 90 MB) on the first access to a full
  edge record; readers of extra files (grades, conflicts, gene table) check them again when they read
  them (:func:`snapshot_file`);
* all of it and more with :func:`verify` (``tmekg stats --verify``): every checksum, the snapshot's
  content hash against its folder name, and every node and edge record parsed.

Damage is reported as :class:`tmekg.errors.StoreError` ``store damaged: <file>: <what>; run `tmekg
build``` instead of a ``JSONDecodeError`` or a numpy "pickled data" traceback. Arrays are loaded with
``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.errors import StoreError

if TYPE_CHECKING:
    import numpy as np

FORMAT = "tmekg-store"
FORMAT_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
ARRAY_SPECS = {  # name -> (dtype, extra length over the edge count, row width or None)
    "edge_index": ("int32", 0, 3),
    "edge_offsets": ("int64", 1, None),
    "edge_sign": ("int8", 0, None),
    "edge_score": ("float32", 0, None),
    "edge_unverified": ("bool", 0, None),
}


def damaged(path: Path, what: str) -> StoreError:
    """The one error for a damaged snapshot file."""
    return StoreError(f"store damaged: {path}: {what}; run `tmekg build` to rebuild the store")


def describe_os_error(exc: OSError) -> str:
    """``'No space left on device: /path'`` from an OSError (its text if it has no strerror)."""
    if exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def snapshot_dir(root: str | Path) -> Path:
    """The live snapshot directory of the store at ``root``."""
    root = Path(root)
    current = root / CURRENT
    try:
        name = current.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise StoreError(f"no tmekg store at {root} (run `tmekg build` first, or pass --store)") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = describe_os_error(exc) if isinstance(exc, OSError) else "not text"
        raise StoreError(f"cannot read the store at {root}: {reason}") from None
    if not name.startswith("snap-") or "/" in name or not (root / name / MANIFEST).is_file():
        raise damaged(current, f"names no snapshot in {root} ({name[:40]!r})")
    return root / name


def read_manifest(snapshot: Path) -> dict[str, Any]:
    """Read and check a snapshot manifest: format, version, and each listed file's presence and size."""
    path = snapshot / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {describe_os_error(exc)}") from None
    except ValueError as exc:
        raise damaged(path, f"not a JSON manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise damaged(path, "not a JSON object")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"{snapshot} is not a tmekg store of format version {FORMAT_VERSION} "
            f"(found {manifest.get('format')} {manifest.get('format_version')}); rebuild with `tmekg build`"
        )
    _check_manifest_form(manifest, path)
    for name, info in manifest["files"].items():
        file = snapshot / name
        if not file.is_file():
            raise damaged(file, "missing")
        if file.stat().st_size != info["bytes"]:
            raise damaged(file, f"{file.stat().st_size} bytes, the manifest says {info['bytes']}")
    return manifest


def _check_manifest_form(manifest: dict[str, Any], path: Path) -> None:
    files = manifest.get("files")
    ok = isinstance(files, dict) and all(
        isinstance(i, dict) and isinstance(i.get("bytes"), int) and isinstance(i.get("sha256"), str)
        for i in files.values()
    )
    ok = ok and isinstance(manifest.get("counts"), dict) and isinstance(manifest.get("predicates"), list)
    ok = ok and isinstance(manifest["counts"].get("edges"), int) and "/" not in "".join(files)
    if not ok:
        raise damaged(path, "files, counts or predicates missing or malformed")


def check_digest(path: Path, data: bytes | Any, manifest: dict[str, Any]) -> None:
    """Raise :func:`damaged` unless ``data`` (bytes or a buffer) matches the manifest's SHA-256."""
    info = manifest["files"].get(path.name)
    if info is None:
        raise damaged(path, "not listed in the manifest")
    if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
        raise damaged(path, "content does not match its SHA-256 in the manifest")


def checked_bytes(snapshot: Path, name: str, manifest: dict[str, Any]) -> bytes:
    """A snapshot file's bytes after checking them against the manifest."""
    path = snapshot / name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {describe_os_error(exc)}") from None
    check_digest(path, data, manifest)
    return data


def check_other_files(snapshot: Path, manifest: dict[str, Any], done: set[str]) -> None:
    """Check the checksum of every manifest file not in ``done`` except ``edges.jsonl`` (checked lazily):
    the small extra files (contexts, grades, conflicts, gene table) cost a few milliseconds."""
    for name in manifest["files"]:
        if name not in done and name != "edges.jsonl":
            checked_bytes(snapshot, name, manifest)


def snapshot_file(snapshot: Path, name: str) -> bytes | None:
    """An optional snapshot file's bytes, checked against the manifest; ``None`` if the snapshot has none
    (stores built before the file existed). For readers of extra files (grades, conflicts)."""
    if not (snapshot / name).exists():
        return None
    return checked_bytes(snapshot, name, read_manifest(snapshot))


def array_from_bytes(path: Path, data: bytes) -> np.ndarray:
    """A ``.npy`` array from checked bytes (``allow_pickle=False``); a malformed one is store damage."""
    import io

    import numpy as np

    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise damaged(path, f"not a numpy array file ({exc})") from None


def load_arrays(snapshot: Path, manifest: dict[str, Any], edges_bytes: int) -> dict[str, np.ndarray]:
    """The memory-mapped edge arrays, each checksummed, of the dtype and shape the manifest implies."""
    import numpy as np

    n = manifest["counts"]["edges"]
    arrays = {}
    for name, (dtype, extra, width) in ARRAY_SPECS.items():
        path = snapshot / f"{name}.npy"
        checked_bytes(snapshot, path.name, manifest)
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise damaged(path, f"not a numpy array file ({exc})") from None
        shape = (n + extra, width) if width else (n + extra,)
        if array.dtype != np.dtype(dtype) or array.shape != shape:
            raise damaged(path, f"{array.dtype} {array.shape}, expected {dtype} {shape}")
        arrays[name] = array
    _check_ranges(snapshot, arrays, manifest, edges_bytes)
    return arrays


def _check_ranges(
    snapshot: Path, arrays: dict[str, np.ndarray], manifest: dict[str, Any], edges_bytes: int
) -> None:
    """Node rows and predicate codes in range; byte offsets increasing and ending at the file size."""
    import numpy as np

    index, offsets = arrays["edge_index"], arrays["edge_offsets"]
    nodes, predicates = manifest["counts"].get("nodes", 0), len(manifest["predicates"])
    rows, codes = index[:, :2], index[:, 2]
    bad_rows = len(index) and (rows.min() < 0 or rows.max() >= nodes)
    if bad_rows or (len(index) and not 0 <= codes.min() <= codes.max() < predicates):
        raise damaged(snapshot / "edge_index.npy", "node row or predicate code out of range")
    if offsets[0] != 0 or offsets[-1] != edges_bytes or np.any(np.diff(offsets) <= 0):
        raise damaged(snapshot / "edge_offsets.npy", "byte offsets do not index edges.jsonl")


def parse_line(path: Path, line_no: int, line: bytes | str) -> Any:
    """One JSON line of a snapshot file; damage names the file and line."""
    try:
        return json.loads(line)
    except ValueError as exc:
        raise damaged(path, f"line {line_no}: not a JSON record ({exc})") from None


def content_hash(folder: Path, names: list[str] | None = None) -> str:
    """SHA-256 over the names and bytes of the files of a snapshot folder (its name is the prefix).

    ``names`` limits it to the snapshot's own files (the manifest's list and the manifest), so that
    caches kept in the folder later (``nulls/`` of the rank significance) do not count.
    """
    digest = hashlib.sha256()
    paths = sorted(folder / n for n in names) if names is not None else sorted(folder.iterdir())
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def verify(snapshot: Path) -> dict[str, Any]:
    """Check everything: each file's SHA-256, the content hash against the folder name, every record.

    Returns
    -------
    dict
        ``{"snapshot", "files", "bytes", "nodes", "edges"}`` of the verified snapshot.
    """
    from tmekg.graph import KnowledgeGraph

    manifest = read_manifest(snapshot)
    for name in manifest["files"]:
        checked_bytes(snapshot, name, manifest)
    try:
        digest = content_hash(snapshot, [*manifest["files"], MANIFEST])
    except OSError as exc:
        raise StoreError(f"cannot read {snapshot}: {describe_os_error(exc)}") from None
    if not snapshot.name.startswith("snap-") or snapshot.name != f"snap-{digest[:16]}":
        raise damaged(snapshot, "the folder's content hash does not match its name (files added or changed)")
    with KnowledgeGraph(snapshot) as kg:
        kg.check_edge_records()
        return {
            "snapshot": snapshot.name,
            "files": len(manifest["files"]),
            "bytes": sum(i["bytes"] for i in manifest["files"].values()),
            "nodes": len(kg),
            "edges": kg.edge_count,
        }
