"""Helpers for the study-output and crosstalk tests.

``build_store_with_extra`` is ``tmekg.pipeline.build_store`` plus the ``extra`` parameter that
``tmekg.studies`` needs (extra ``(source name, records)`` pairs merged after the planned sources).
Tests install it with :func:`ensure_extra` only while the real ``build_store`` lacks ``extra``.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tmekg import pipeline
from tmekg.model import Edge, LoadReport, Node


def supports_extra() -> bool:
    """True once ``tmekg.pipeline.build_store`` accepts ``extra``."""
    return "extra" in inspect.signature(pipeline.build_store).parameters


def build_store_with_extra(
    store: str | Path | None = None,
    sources: Iterable[str] | None = None,
    data: str | Path | None = None,
    kb: str | Path | None = None,
    paths: dict[str, str | Path] | None = None,
    progress: Any = None,
    extra: Sequence[tuple[str, Iterable[Node | Edge]]] = (),
) -> pipeline.BuildResult:
    """The proposed ``build_store`` (identical to the shipped one but for the ``extra`` loop)."""
    from tmekg.build import GraphBuilder
    from tmekg.config import store_path
    from tmekg.loaders import get_source
    from tmekg.store import read_manifest, write_store

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    plan = pipeline.plan_sources(sources, data, kb, paths)
    builder = GraphBuilder(strict=False)
    reports: dict[str, LoadReport] = {}
    timings: dict[str, float] = {}
    for name, folder in plan.use:
        t0 = time.perf_counter()
        spec = get_source(name)
        reports[name] = LoadReport(name)
        builder.add_all(spec.loader()(folder, reports[name]), name, strict=name == pipeline.CURATED)
        timings[name] = round(time.perf_counter() - t0, 3)
    for name, records in extra:  # <- the proposed addition
        t0 = time.perf_counter()
        say(f"loading {name}")
        builder.add_all(records, name)
        timings[name] = round(time.perf_counter() - t0, 3)
    graph = builder.build()
    for name, report in reports.items():
        graph.sources[name].loader = report.to_dict()
    meta = {
        name: {"version": get_source(name).version, "licence": get_source(name).licence}
        for name, _ in plan.use
    }
    root = store_path(store)
    snapshot = write_store(graph, root, meta)
    manifest = read_manifest(snapshot)
    for name, seconds in timings.items():
        manifest["sources"].setdefault(name, {})["seconds"] = seconds
    return pipeline.BuildResult(
        store=root,
        snapshot=snapshot,
        counts=manifest["counts"],
        sources=manifest["sources"],
        skipped=plan.skipped,
        seconds=round(time.perf_counter() - started, 3),
    )


def ensure_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Install :func:`build_store_with_extra` while the pipeline lacks ``extra``."""
    if not supports_extra():
        monkeypatch.setattr(pipeline, "build_store", build_store_with_extra)


def run_loader(load: Any, path: Path, ctx: Any) -> tuple[list[Node | Edge], Any]:
    """Run a study loader and check every record against the schema (endpoints must be yielded)."""
    from tmekg.loaders.study_common import StudyReport
    from tmekg.schema import load_schema

    schema, report = load_schema(), StudyReport(ctx.source)
    records = list(load(path, report, ctx))
    categories = {r.id: r.category for r in records if isinstance(r, Node)}
    for record in records:
        if isinstance(record, Node):
            schema.validate_node(record)
        else:
            schema.validate_edge(record, categories)
    return records, report


def counts(records: list[Node | Edge]) -> dict[str, int]:
    """Records per category / predicate."""
    from collections import Counter

    return dict(Counter(r.category if isinstance(r, Node) else r.predicate for r in records))


def edge_map(records: list[Node | Edge]) -> dict[tuple[str, str, str], Edge]:
    """Edges by (subject, predicate, object)."""
    return {(r.subject, r.predicate, r.object): r for r in records if isinstance(r, Edge)}


def demo_context(fixtures: Path, study: str = "TMEKG:study.demo", **kwargs: Any) -> Any:
    """A context with the fixture map ``demo``."""
    from tmekg.loaders.study_common import StudyContext, load_celltype_map

    return StudyContext(study, load_celltype_map("demo", fixtures / "study" / "celltype_map.yaml"), **kwargs)
