"""``tmekg build`` as a library function: choose sources, load, merge, write the store, report.

Examples
--------
>>> result = build_store(store="/tmp/tmekg-demo")          # doctest: +SKIP
>>> result.counts["nodes"]                                 # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.build import BuiltGraph, GraphBuilder, SourceReport
from tmekg.config import data_dir, store_path
from tmekg.errors import TmekgError
from tmekg.model import Edge, LoadReport, Node
from tmekg.store import write_store

if TYPE_CHECKING:
    from tmekg.genes import GeneCanon

CURATED = "tmekg-curated"
Progress = Callable[[str], None]


@dataclass
class SourcePlan:
    """Which sources a build uses, and why the others were skipped."""

    use: list[tuple[str, Path | None]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


@dataclass
class BuildResult:
    """Summary of a build: where the store is, counts, per-source report, timings."""

    store: Path
    snapshot: Path
    counts: dict[str, Any]
    sources: dict[str, Any]
    skipped: dict[str, str]
    seconds: float


def plan_sources(
    names: Iterable[str] | None = None,
    data: str | Path | None = None,
    kb: str | Path | None = None,
    paths: dict[str, str | Path] | None = None,
) -> SourcePlan:
    """Decide which sources to load.

    ``names`` is a list of source names or ``["all"]``; ``None`` means the curated KB plus every
    source found in the data directory. ``paths`` overrides a source's folder (config file).
    """
    from tmekg.loaders import get_source, registry

    root = data_dir(data)
    requested = list(names) if names else ["default"]
    explicit = [n for n in requested if n not in ("all", "default")]
    for name in explicit:
        get_source(name)  # raises on unknown names
    wanted = list(registry()) if set(requested) & {"all", "default"} else explicit
    if CURATED not in wanted and not explicit:
        wanted.insert(0, CURATED)
    plan = SourcePlan()
    for name in (n for n in registry() if n in wanted):
        spec = get_source(name)
        if spec.folder is None:  # built-in sources: the curated KB always, others when asked for
            if name == CURATED or name in explicit:
                plan.use.append((name, Path(kb) if (kb and name == CURATED) else None))
            continue
        folder = Path((paths or {}).get(name) or root / spec.folder)
        missing = spec.missing(folder)
        if missing:
            reason = f"not found in {folder}: {', '.join(missing)}"
            if name in explicit:
                raise TmekgError(f"source {name}: {reason} (run `tmekg fetch {name}` or set --data-dir)")
            plan.skipped[name] = reason
        else:
            plan.use.append((name, folder))
    return plan


def build_store(
    store: str | Path | None = None,
    sources: Iterable[str] | None = None,
    data: str | Path | None = None,
    kb: str | Path | None = None,
    paths: dict[str, str | Path] | None = None,
    progress: Progress | None = None,
    extra: Sequence[tuple[str, Iterable[Node | Edge]]] = (),
    allow_partial: bool = False,
) -> BuildResult:
    """Load the chosen sources, merge them and write the store atomically.

    ``extra`` adds ``(source name, records)`` pairs after the planned sources (study outputs loaded
    with ``tmekg study load``). Nothing is written unless every source loads and the merged graph
    validates; the previous store stays live on any error. The store's write lock is taken before
    anything is read (:mod:`tmekg.store_lock`): a second writer is refused at once. An empty,
    header-only or truncated input file is an error unless ``allow_partial`` (:mod:`tmekg.completeness`);
    the report lists rows read vs expected for every file.
    """
    from tmekg.store_lock import store_lock

    with store_lock(store_path(store), "tmekg build"):
        return _build_store(store, sources, data, kb, paths, progress, extra, allow_partial)


def _build_store(
    store: str | Path | None,
    sources: Iterable[str] | None,
    data: str | Path | None,
    kb: str | Path | None,
    paths: dict[str, str | Path] | None,
    progress: Progress | None,
    extra: Sequence[tuple[str, Iterable[Node | Edge]]],
    allow_partial: bool = False,
) -> BuildResult:
    from tmekg.completeness import check_files
    from tmekg.io import file_ledger
    from tmekg.loaders import get_source

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    plan = plan_sources(sources, data, kb, paths)
    reports: dict[str, LoadReport] = {}
    timings: dict[str, float] = {}
    checked: dict[str, dict[str, Any]] = {}  # source -> file -> rows read vs expected
    with file_ledger() as ledger:
        canon = _gene_canon(plan, reports, timings, say)
    for name in reports:  # the gene authority
        folder = dict(plan.use)[name]
        checked[name] = check_files(name, get_source(name).expect, ledger, folder, allow_partial)
    builder = GraphBuilder(strict=False, merge_on=canon.merge_on if canon else None)
    for name, folder in plan.use:
        if name in reports:  # the gene authority, read above
            continue
        t0 = time.perf_counter()
        say(f"loading {name}")
        spec = get_source(name)
        reports[name] = LoadReport(name)
        with file_ledger() as ledger:
            records: Iterable[Node | Edge] = spec.loader()(folder, reports[name])
            builder.add_all(canon.records(records, name) if canon else records, name, strict=name == CURATED)
        checked[name] = check_files(name, spec.expect, ledger, folder, allow_partial)
        timings[name] = round(time.perf_counter() - t0, 3)
    for name, extra_records in extra:
        t0 = time.perf_counter()
        say(f"loading {name}")
        with file_ledger() as ledger:
            builder.add_all(canon.records(extra_records, name) if canon else extra_records, name)
        checked[name] = check_files(name, {}, ledger, None, allow_partial)
        timings[name] = round(time.perf_counter() - t0, 3)
    say("merging")
    graph = _immunotherapy_classes(_normalised(builder))
    for name, report in reports.items():
        graph.sources.setdefault(name, SourceReport()).loader.update(report.to_dict())
    for name, files in checked.items():
        graph.sources.setdefault(name, SourceReport()).loader["files"] = files
    files = {**_gene_report(graph, canon), **_evidence_files(graph, builder)}
    meta = {
        name: {"version": get_source(name).version, "licence": get_source(name).licence}
        for name, _ in plan.use
    }
    meta.setdefault("ontologies", _ontology_meta())
    say("writing store")
    root = store_path(store)
    snapshot = write_store(graph, root, meta, files=files, build=_build_inputs(data, kb, paths))
    from tmekg.store import read_manifest

    manifest = read_manifest(snapshot)
    for name, seconds in timings.items():
        manifest["sources"].setdefault(name, {})["seconds"] = seconds
    return BuildResult(
        store=root,
        snapshot=snapshot,
        counts=manifest["counts"],
        sources=manifest["sources"],
        skipped=plan.skipped,
        seconds=round(time.perf_counter() - started, 3),
    )


def _evidence_files(graph: BuiltGraph, builder: GraphBuilder) -> dict[str, bytes]:
    """Per-edge grades and the contradictions found while merging (docs/evidence-grades.md)."""
    from tmekg.conflicts import conflict_files
    from tmekg.grades import grade_files

    return {**grade_files(graph.edges), **conflict_files(builder.conflicts, graph.edges)}


def _build_inputs(
    data: str | Path | None, kb: str | Path | None, paths: dict[str, str | Path] | None
) -> dict[str, Any]:
    """Where a build read its inputs (absolute paths), for the manifest; see :func:`built_with`."""
    return {
        "data_dir": str(data_dir(data).resolve()),
        "kb": str(Path(kb).resolve()) if kb else None,
        "paths": {name: str(Path(folder).resolve()) for name, folder in (paths or {}).items()},
    }


def built_with(manifest: dict[str, Any]) -> tuple[Path | None, Path | None, dict[str, str | Path] | None]:
    """The ``(data directory, curated KB folder, per-source folders)`` a store was built from.

    ``None`` for each one the manifest does not record (stores written before it was recorded, or the
    shipped KB).
    """
    build = manifest.get("build") or {}
    data, kb = build.get("data_dir"), build.get("kb")
    return (Path(data) if data else None, Path(kb) if kb else None, dict(build.get("paths") or {}) or None)


def _gene_canon(
    plan: SourcePlan, reports: dict[str, LoadReport], timings: dict[str, float], say: Progress
) -> GeneCanon | None:
    """Read the gene identity authority first when the plan has it (:mod:`tmekg.genes`)."""
    from tmekg.genes import AUTHORITY, GeneCanon, load_authority

    folder = dict(plan.use).get(AUTHORITY, False)
    if folder is False or folder is None:
        return None
    say(f"loading {AUTHORITY}")
    reports[AUTHORITY] = LoadReport(AUTHORITY)
    authority = load_authority(folder, reports[AUTHORITY])
    timings[AUTHORITY] = authority.parse_seconds
    return GeneCanon(authority)


def _gene_report(graph: BuiltGraph, canon: GeneCanon | None) -> dict[str, bytes]:
    """Put gene identity counts in the build report; the authority table to store with the graph."""
    from tmekg.genes import AUTHORITY, STORE_FILE

    if canon is None:
        return {}
    for name, report in canon.reports.items():
        graph.sources.setdefault(name, SourceReport()).loader["gene_identity"] = report.to_dict()
    summary = graph.sources.setdefault(AUTHORITY, SourceReport()).loader
    summary["gene_identity"] = canon.totals()
    summary["parse_seconds"] = canon.authority.parse_seconds
    return {STORE_FILE: canon.authority.to_bytes()}


def _normalised(builder: GraphBuilder) -> BuiltGraph:
    """Merge (one node per metabolite: ChEBI species and stereo rules), then name and classify nodes
    from CL / ChEBI (offline)."""
    from tmekg.loaders import gtopdb, ontologies
    from tmekg.normalize import builder_links

    identity = builder_links(builder)  # one node per metabolite (docs/identifiers.md)
    ligands = [  # GtoPdb ligands without ChEBI / CID (docs/gtopdb.md)
        *gtopdb.pubchem_links(builder.identifiers("Metabolite"), identity.links),
        *gtopdb.name_links(builder.identifiers("Drug"), builder.node_names("Drug")),
    ]
    graph = builder.build(links=[*identity.links, *ligands])
    report = graph.sources.setdefault(ontologies.SOURCE, SourceReport())
    report.loader["metabolite_identity"] = identity.report()
    graph = dataclasses.replace(graph, nodes=tuple(ontologies.enrich(graph.nodes)))
    return _drug_kinds(graph, builder)


def _drug_kinds(graph: BuiltGraph, builder: GraphBuilder) -> BuiltGraph:
    """Drug kinds, therapeutic ``targets`` edges and highest phases (:mod:`tmekg.loaders.drug_kinds`)."""
    from tmekg.loaders import drug_kinds

    phases = drug_kinds.max_phases(builder.versions("Drug"), graph.aliases)
    nodes, edges, _report = drug_kinds.classify(graph.nodes, graph.edges, phases)
    return dataclasses.replace(graph, nodes=tuple(nodes), edges=tuple(edges))


def _immunotherapy_classes(graph: BuiltGraph) -> BuiltGraph:
    """Drugs of any source join immunotherapy classes by their ``targets`` edges and action
    (:mod:`tmekg.kb.immunotherapy_classes`); the counts go to the build report."""
    from tmekg.kb import immunotherapy_classes as classes

    nodes, report = classes.assign(graph.nodes, graph.edges)
    graph.sources.setdefault(classes.STEP, SourceReport()).loader.update(report.to_dict())
    return dataclasses.replace(graph, nodes=tuple(nodes))


def _ontology_meta() -> dict[str, str]:
    """Version and licence of the ontologies used to name nodes and join acid/base forms."""
    from importlib.metadata import version

    from tmekg.loaders import get_source

    return {
        "version": f"cellxgene-ontology-guide {version('cellxgene-ontology-guide')}",
        "licence": get_source("ontologies").licence,
    }


def source_status(data: str | Path | None = None) -> list[dict[str, Any]]:
    """Each known source with version, licence and whether its files are in the data directory."""
    from tmekg.loaders import registry

    root = data_dir(data)
    rows = []
    for spec in registry().values():
        if spec.folder is None:
            status, folder = "built in", "-"
        else:
            path = root / spec.folder
            missing = spec.missing(path)
            status = "present" if not missing else f"missing: {', '.join(missing)}"
            folder = str(path)
        rows.append(
            {
                "source": spec.name,
                "version": spec.version,
                "licence": spec.licence,
                "status": status,
                "folder": folder,
            }
        )
    return rows


def _authority_name() -> str:
    from tmekg.genes import AUTHORITY

    return AUTHORITY


def coverage_rows(result: BuildResult) -> list[dict[str, Any]]:
    """One row per loaded source: rows read, records in, merged, and what could not be mapped (skipped
    rows, dangling edges, Gene records and edges dropped as ambiguous by the gene authority)."""
    rows = []
    for name, info in result.sources.items():
        build = info.get("build", {})
        loader = build.get("loader", {})
        skipped = sum(loader.get("skipped", {}).values())
        examples = [f"{reason}: {ex[0]}" for reason, ex in loader.get("examples", {}).items() if ex]
        examples += build.get("dangling_examples", [])[:1]
        genes = loader.get("gene_identity", {}) if name != _authority_name() else {}
        skipped += genes.get("genes_ambiguous_dropped", 0) + genes.get("edges_to_ambiguous_genes_dropped", 0)
        examples += [
            f"{kind}: {ex[0]}" for kind, ex in genes.get("examples", {}).items() if "ambiguous" in kind
        ]
        rows.append(
            {
                "source": name,
                "rows": loader.get("rows", 0),
                "nodes_in": build.get("nodes_in", 0),
                "edges_in": build.get("edges_in", 0),
                "merged": build.get("nodes_merged", 0) + build.get("edges_merged", 0),
                "unmapped": skipped + build.get("edges_dangling", 0),
                "examples": "; ".join(examples[:2]),
            }
        )
    return rows
