"""Study outputs in a store: register a study file, rebuild the store with it, list and remove.

A store keeps the study files it was built with in ``STORE/studies.json`` (path, format, study id,
cell-type map, options). :func:`load_study` adds or replaces one entry and rebuilds the store with
``tmekg.pipeline.build_store(..., extra=[(source, records), ...])``: every registered study is
re-read, so studies accumulate. Gene symbols and metabolite names in the files are resolved with an
index of the current store's nodes (ids, cross-references, names, synonyms) when there is one.

Examples
--------
>>> spec = StudySpec(path="markers.csv", format="seurat", study_id="DOI:10.1038/s41467-023-40895-6",
...                  map_name="oh2023")
>>> result = load_study(spec, store="/tmp/tmekg-demo")          # doctest: +SKIP
>>> result.reports["seurat markers.csv"]["rows"]                # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tmekg.config import store_path
from tmekg.errors import TmekgError
from tmekg.model import Edge, Node

REGISTRY = "studies.json"
FORMATS = {
    "seurat": ("study_markers", "load_seurat"),
    "scanpy": ("study_markers", "load_scanpy"),
    "pseudobulk": ("pseudobulk", "load"),
    "anndata": ("study_anndata", "load"),
    "bulk-purity": ("study_bulk_purity", "load"),
    "mebocost": ("mebocost_results", "load"),
    "liana": ("liana_results", "load"),
    "cellphonedb": ("cellphonedb_results", "load"),
    "compass": ("compass", "load"),
    "scfea": ("scfea", "load"),
}
# formats without cluster labels: no cell-type map is needed unless one is given
MAPLESS = frozenset({"bulk-purity"})


@dataclass
class StudySpec:
    """One study output file and how to read it."""

    path: str
    format: str
    study_id: str
    map_name: str | None = None
    map_file: str | None = None
    name: str | None = None
    alpha: float = 0.05
    options: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None  # of the file's content when it was registered (None in older registries)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise TmekgError(f"unknown study format '{self.format}' (use one of: {', '.join(FORMATS)})")
        from tmekg.schema import load_schema

        load_schema().check_curie(self.study_id, load_schema().category("Study").name, "--study-id")
        self.path = str(Path(self.path).expanduser().resolve())

    @property
    def label(self) -> str:
        """Short label used in reports: ``<format> <file name>``."""
        return f"{self.format} {Path(self.path).name}"

    def same_file(self, other: StudySpec) -> bool:
        """True if both specs read the same data: the same resolved path (symlinks, ``./x`` and ``x``,
        hard links), or files with identical content (a copy under another name) in the same format.
        """
        if self.format != other.format:
            return False
        if self.path == other.path or (self.sha256 and self.sha256 == other.sha256):
            return True
        try:
            return os.path.samefile(self.path, other.path)
        except OSError:
            return False


@dataclass
class StudyLoadResult:
    """The rebuild summary and each study file's load report."""

    build: Any
    reports: dict[str, dict[str, Any]]
    studies: list[StudySpec]


def graph_index(kg: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Gene and metabolite lookup tables (text -> canonical id) from a :class:`KnowledgeGraph`.

    Gene keys: ids, xrefs, symbols (id local part), names, synonyms (case kept, plus upper case).
    Metabolite keys: ids and xrefs as given, names and synonyms lower-cased. A name shared by two
    nodes is left out (ambiguous).
    """
    from tmekg.loaders.study_common import GENE, METABOLITE

    genes: dict[str, set[str]] = {}
    metabolites: dict[str, set[str]] = {}
    for node in kg.nodes:
        if node.category == GENE:
            keys = [node.id, *node.xrefs, node.id.split(":", 1)[1], node.name, *node.synonyms]
            for key in {*keys, *(k.upper() for k in keys)}:
                genes.setdefault(key, set()).add(node.id)
        elif node.category == METABOLITE:
            for key in {node.id, *node.xrefs, *(t.lower() for t in (node.name, *node.synonyms))}:
                metabolites.setdefault(key, set()).add(node.id)
    unique = lambda table: {k: next(iter(v)) for k, v in table.items() if len(v) == 1 and k}  # noqa: E731
    return unique(genes), unique(metabolites)


def study_records(
    spec: StudySpec, index: tuple[dict, dict] | None = None
) -> tuple[str, Iterator[Node | Edge], Any]:
    """``(source name, lazy records, report)`` of one registered study file."""
    import importlib

    from tmekg.loaders.study_common import CellTypeMap, StudyContext, StudyReport, load_celltype_map

    if spec.format in MAPLESS and not (spec.map_name or spec.map_file):
        celltypes = CellTypeMap({}, spec.study_id, "<no map>")
    else:
        celltypes = load_celltype_map(spec.map_name, spec.map_file, spec.study_id)
    genes, metabolites = index or (None, None)
    ctx = StudyContext(
        spec.study_id,
        celltypes,
        genes=genes,
        metabolites=metabolites,
        alpha=spec.alpha,
        study_name=spec.name,
        options=dict(spec.options),
    )
    module, function = FORMATS[spec.format]
    loader = getattr(importlib.import_module(f"tmekg.loaders.{module}"), function)
    report = StudyReport(ctx.source)
    return ctx.source, loader(Path(spec.path), report, ctx), report


def list_studies(store: str | Path | None = None) -> list[StudySpec]:
    """The study files registered in a store."""
    path = store_path(store) / REGISTRY
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return [StudySpec(**item) for item in doc.get("studies", [])]
    except (ValueError, TypeError) as exc:
        raise TmekgError(f"cannot read {path}: {exc}") from None


def registered_extras(
    store: str | Path | None = None, index: tuple[dict, dict] | None = None
) -> list[tuple[str, Iterable[Node | Edge]]]:
    """``(source, records)`` of every registered study, for ``build_store(extra=...)``."""
    return [study_records(spec, index)[:2] for spec in list_studies(store)]


def load_study(
    spec: StudySpec,
    store: str | Path | None = None,
    sources: Iterable[str] | None = None,
    data: str | Path | None = None,
    kb: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> StudyLoadResult:
    """Register ``spec`` (replacing an entry for the same file) and rebuild the store with all studies.

    The rebuild reads the sources from where the live store was built from (data directory, curated
    KB and per-source folders recorded in its manifest) unless ``data`` or ``kb`` say otherwise. The
    previous store stays live, and the registry unchanged, if anything fails.
    """
    from tmekg.store_lock import store_lock

    root = store_path(store)
    with store_lock(root, f"tmekg study load {Path(spec.path).name}"):
        spec.sha256 = file_sha256(spec.path)
        studies = _replace_entry(list_studies(root), spec, root)
        return _rebuild(root, studies, sources, data, kb, progress)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a study's bytes (the registry's content key); unreadable -> LoaderError.

    A folder study (Compass, scFEA, CellPhoneDB output folders) hashes every file under it, each
    preceded by its relative path, in sorted order.
    """
    import hashlib

    from tmekg.errors import LoaderError

    root = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    for file in files:
        if root.is_dir():
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        try:
            with open(file, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        except OSError as exc:
            raise LoaderError(f"cannot read the study file ({exc.strerror or exc})", path=file) from None
    return digest.hexdigest()


def _replace_entry(registered: list[StudySpec], spec: StudySpec, root: Path) -> list[StudySpec]:
    """The registry with ``spec`` added, replacing its own earlier entry (same data, same study).

    The same data registered under another study id is refused: its records would count twice.
    """
    for old in registered:
        if old.same_file(spec) and old.study_id != spec.study_id:
            raise TmekgError(
                f"{spec.path} holds the same data as {old.path}, already registered as study "
                f"{old.study_id} in {root / REGISTRY}; remove it first (`tmekg study remove {old.study_id}`)"
            )
    return [s for s in registered if not s.same_file(spec)] + [spec]


def _rebuild(
    root: Path,
    studies: list[StudySpec],
    sources: Iterable[str] | None,
    data: str | Path | None,
    kb: str | Path | None,
    progress: Callable[[str], None] | None,
) -> StudyLoadResult:
    """Rebuild the store with ``studies`` and write the registry (the caller holds the store lock)."""
    from tmekg.pipeline import build_store

    index, previous, inputs = _current(root)
    sources = list(sources) if sources else previous
    loaded = [(s, *study_records(s, index)) for s in studies]
    extra = [(source, records) for _, source, records, _ in loaded]
    data, kb, paths = _inputs(inputs, data, kb)
    staged = _stage_registry(root, studies)  # a full disk fails here, before the rebuild
    try:
        result = build_store(root, sources, data, kb, paths, progress=progress, extra=extra)
        os.replace(staged, root / REGISTRY)  # a rename needs no space: store and registry agree
    finally:
        staged.unlink(missing_ok=True)
    return StudyLoadResult(result, {s.label: r.to_dict() for s, _, _, r in loaded}, studies)


def remove_study(
    study_id: str,
    store: str | Path | None = None,
    data: str | Path | None = None,
    kb: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> StudyLoadResult:
    """Unregister every file of ``study_id`` and rebuild the store without it (inputs: see load_study)."""
    from tmekg.store_lock import store_lock

    root = store_path(store)
    with store_lock(root, f"tmekg study remove {study_id}"):
        before = list_studies(root)
        studies = [s for s in before if s.study_id != study_id]
        if len(studies) == len(before):
            raise TmekgError(f"no study '{study_id}' in {root / REGISTRY} (see `tmekg study list`)")
        return _rebuild(root, studies, None, data, kb, progress)


def _inputs(
    recorded: tuple[Path | None, Path | None, dict | None], data: str | Path | None, kb: str | Path | None
) -> tuple[str | Path | None, str | Path | None, dict | None]:
    """``(data, kb, paths)`` for a rebuild: what the caller gave, else what the live store was built from.

    An explicit ``data`` directory also replaces the recorded per-source folders.
    """
    old_data, old_kb, old_paths = recorded
    if data is None:
        data, paths = old_data, old_paths
    else:
        paths = None
    return data, kb if kb is not None else old_kb, paths


def _current(root: Path) -> tuple[tuple[dict, dict] | None, list[str] | None, tuple]:
    """Index of the live store, the registry sources it was built from (``None`` if no store) and
    its build inputs (see :func:`tmekg.pipeline.built_with`)."""
    from tmekg.errors import StoreError
    from tmekg.graph import KnowledgeGraph
    from tmekg.loaders import registry

    try:
        kg = KnowledgeGraph.open(root)
    except StoreError:
        return None, None, (None, None, None)
    from tmekg.pipeline import built_with

    with kg:
        names = [name for name in kg.manifest["sources"] if name in registry()]
        return graph_index(kg), names or None, built_with(kg.manifest)


def _stage_registry(root: Path, studies: list[StudySpec]) -> Path:
    """Write the new ``studies.json`` to a temporary file (fsynced) for :func:`os.replace` later."""
    tmp = root / f".{REGISTRY}.tmp"
    doc = {"studies": [asdict(s) for s in studies]}
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(doc, indent=1, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TmekgError(f"cannot write {root / REGISTRY}: {exc.strerror or exc}") from None
    return tmp
