"""The embedded default store: an on-disk, atomically replaced, deterministic snapshot of the graph.

Layout of a store directory::

    STORE/
      CURRENT                   name of the live snapshot (replaced atomically with os.replace)
      snap-<sha256[:16]>/       one immutable snapshot, named by the hash of its content
        manifest.json           format, schema version, sources (version, licence, counts), file sha256
        nodes.jsonl             one JSON object per node, sorted by id
        edges.jsonl             one JSON object per edge (properties and full provenance), sorted
        edge_index.npy          int32 (n, 3): subject row, object row, predicate code
        edge_offsets.npy        int64 (n + 1): byte offsets of each edge in edges.jsonl
        edge_sign.npy           int8 (n): +1 / -1 / 0 from the schema
        edge_score.npy          float32 (n): best provenance score; NaN when a provenance has none (a
                                source that asserts the edge without a score asserts it at the
                                scoring default, which is at least any source score in [0, 1])
        edge_unverified.npy     bool (n): no provenance entry of the edge is verified
        edge_contexts.json      {edge row: [Context ids]} for the edges that hold only in some contexts
        gene_authority.tsv.gz   only when built with the ncbi-gene source: the gene table of tmekg.genes

A build writes a complete new snapshot into a temporary directory, fsyncs it, renames it into
place and only then switches ``CURRENT``; a failed or interrupted build leaves the previous snapshot
live. Opening reads the small node table and memory-maps the edge arrays, so a store with a million
edges opens in well under a second; full edge records are parsed lazily.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from tmekg import __version__
from tmekg.build import BuiltGraph
from tmekg.errors import StoreError
from tmekg.model import Edge, Node, Provenance
from tmekg.schema import Schema, load_schema
from tmekg.store_check import (  # noqa: F401 (re-exported)
    CURRENT,
    FORMAT,
    FORMAT_VERSION,
    content_hash,
    describe_os_error,
    read_manifest,
    snapshot_dir,
    verify,
)
from tmekg.store_lock import store_lock

ARRAYS = ("edge_index", "edge_offsets", "edge_sign", "edge_score", "edge_unverified")


def dumps(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept (deterministic bytes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def node_to_dict(node: Node) -> dict[str, Any]:
    """JSON-ready form of a node."""
    out: dict[str, Any] = {"id": node.id, "category": node.category, "name": node.name}
    if node.synonyms:
        out["synonyms"] = list(node.synonyms)
    if node.xrefs:
        out["xrefs"] = list(node.xrefs)
    if node.properties:
        out["properties"] = _props_to_dict(node.properties)
    if node.provenance:
        out["provenance"] = [p.to_dict() for p in node.provenance]
    return out


def node_from_dict(data: Mapping[str, Any]) -> Node:
    """Inverse of :func:`node_to_dict`."""
    return Node(
        id=data["id"],
        category=data["category"],
        name=data["name"],
        synonyms=tuple(data.get("synonyms", ())),
        xrefs=tuple(data.get("xrefs", ())),
        properties=_props_from_dict(data.get("properties", {})),
        provenance=tuple(Provenance.from_dict(p) for p in data.get("provenance", ())),
    )


def edge_to_dict(edge: Edge) -> dict[str, Any]:
    """JSON-ready form of an edge."""
    out: dict[str, Any] = {"subject": edge.subject, "predicate": edge.predicate, "object": edge.object}
    if edge.properties:
        out["properties"] = _props_to_dict(edge.properties)
    out["provenance"] = [p.to_dict() for p in edge.provenance]
    return out


def edge_from_dict(data: Mapping[str, Any]) -> Edge:
    """Inverse of :func:`edge_to_dict`."""
    return Edge(
        subject=data["subject"],
        predicate=data["predicate"],
        object=data["object"],
        provenance=tuple(Provenance.from_dict(p) for p in data["provenance"]),
        properties=_props_from_dict(data.get("properties", {})),
    )


def _props_to_dict(items: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in items}


def _props_from_dict(data: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in data.items()))


# -- writing -----------------------------------------------------------------------------------
def _edge_score(edge: Edge) -> float:
    """The best provenance score, NaN (the scoring default) if any provenance is unscored.

    A curated fact merged with a weaker scored row (e.g. an IEA Gene Ontology annotation) keeps the
    default weight instead of taking the weaker row's score.
    """
    scores = [p.score for p in edge.provenance]
    if not scores or any(s is None for s in scores):
        return float("nan")
    return float(max(scores))


def write_store(
    graph: BuiltGraph,
    root: str | Path,
    sources: Mapping[str, Mapping[str, Any]] | None = None,
    schema: Schema | None = None,
    files: Mapping[str, bytes] | None = None,
    build: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``graph`` as a new snapshot of the store at ``root`` and make it live atomically.

    Parameters
    ----------
    graph
        The merged graph from :mod:`tmekg.build`.
    root
        Store directory (created if needed).
    sources
        Per-source metadata for the manifest (version, licence, description).
    files
        Extra files for the snapshot (name -> bytes, e.g. the gene authority table); they are listed
        in the manifest with their checksums like the graph files.
    build
        How the store was built (data directory, curated KB folder, per-source folders), kept in the
        manifest under ``build`` so that a rebuild (``tmekg study load``) can reuse it.

    Returns
    -------
    Path
        The live snapshot directory.
    """
    schema = schema or load_schema()
    root = Path(root)
    with store_lock(root, "writing the store"):
        try:
            final = _new_snapshot(graph, root, sources or {}, schema, files or {}, build)
        except OSError as exc:
            raise StoreError(
                f"cannot write the store at {root}: {describe_os_error(exc)}; "
                "nothing was changed (the previous snapshot is still live)"
            ) from None
        _remove_stale(root, keep=final.name)
    return final


def _new_snapshot(
    graph: BuiltGraph,
    root: Path,
    sources: Mapping[str, Mapping[str, Any]],
    schema: Schema,
    files: Mapping[str, bytes],
    build: Mapping[str, Any] | None,
) -> Path:
    """Write a snapshot into a temporary folder, rename it into place and switch ``CURRENT`` to it."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        for name, data in files.items():
            _write_file(tmp / name, data)
        written = _write_snapshot(graph, tmp, schema)
        manifest = _manifest(graph, written, sources, schema)
        if build:
            manifest["build"] = dict(build)
        _write_file(tmp / "manifest.json", (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
        final = root / f"snap-{content_hash(tmp)[:16]}"
        if final.exists():
            shutil.rmtree(tmp)
        else:
            os.rename(tmp, final)
        _fsync_dir(root)
        _switch_current(root, final.name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _write_snapshot(graph: BuiltGraph, folder: Path, schema: Schema) -> dict[str, bytes]:
    import numpy as np

    predicates = list(schema.predicates)
    rows = {node.id: i for i, node in enumerate(graph.nodes)}
    node_bytes = "".join(dumps(node_to_dict(n)) + "\n" for n in graph.nodes).encode()
    _write_file(folder / "nodes.jsonl", node_bytes)
    n = len(graph.edges)
    index = np.zeros((n, 3), dtype=np.int32)
    offsets = np.zeros(n + 1, dtype=np.int64)
    sign = np.zeros(n, dtype=np.int8)
    score = np.full(n, np.nan, dtype=np.float32)
    unverified = np.zeros(n, dtype=np.bool_)
    contexts: dict[str, list[str]] = {}
    chunks = []
    position = 0
    for i, edge in enumerate(graph.edges):
        line = (dumps(edge_to_dict(edge)) + "\n").encode()
        chunks.append(line)
        offsets[i] = position
        position += len(line)
        index[i] = (rows[edge.subject], rows[edge.object], predicates.index(edge.predicate))
        sign[i] = schema.edge_sign(edge)
        score[i] = _edge_score(edge)
        unverified[i] = all(p.status == "unverified" for p in edge.provenance)
        if all(p.context for p in edge.provenance):  # context-free as soon as one source says so
            contexts[str(i)] = sorted({c for p in edge.provenance for c in p.context})
    offsets[n] = position
    _write_file(folder / "edges.jsonl", b"".join(chunks))
    _write_file(folder / "edge_contexts.json", (dumps(contexts) + "\n").encode())
    for name, array in zip(ARRAYS, (index, offsets, sign, score, unverified), strict=True):
        with open(folder / f"{name}.npy", "wb") as handle:
            np.save(handle, array, allow_pickle=False)
            _sync(handle)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _manifest(
    graph: BuiltGraph, files: Mapping[str, bytes], sources: Mapping[str, Mapping[str, Any]], schema: Schema
) -> dict[str, Any]:
    per_source: dict[str, Counter[str]] = {}
    for kind, records in (("nodes", graph.nodes), ("edges", graph.edges)):
        for record in records:
            for name in {p.source for p in record.provenance}:
                per_source.setdefault(name, Counter())[kind] += 1
    source_info = {}
    for name in sorted(set(per_source) | set(graph.sources)):
        info = dict(sources.get(name, {}))
        info.update(per_source.get(name, {}))
        info.setdefault("nodes", 0)
        info.setdefault("edges", 0)
        if name in graph.sources:
            info["build"] = graph.sources[name].to_dict()
        source_info[name] = info
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tmekg_version": __version__,
        "schema_version": schema.version,
        "predicates": list(schema.predicates),
        "counts": {
            "nodes": len(graph.nodes),
            "edges": len(graph.edges),
            "categories": dict(sorted(Counter(n.category for n in graph.nodes).items())),
            "predicates": dict(sorted(Counter(e.predicate for e in graph.edges).items())),
        },
        "sources": source_info,
        "files": {
            name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        },
    }


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        _sync(handle)


def _sync(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _switch_current(root: Path, name: str) -> None:
    tmp = root / f".{CURRENT}.tmp"
    _write_file(tmp, (name + "\n").encode())
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)


def _remove_stale(root: Path, keep: str) -> None:
    for path in root.iterdir():
        stale_snapshot = path.name.startswith("snap-") and path.name != keep
        if stale_snapshot or path.name.startswith(".tmp-"):
            shutil.rmtree(path, ignore_errors=True)
