"""Helpers for the study-output and crosstalk tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from record_checks import counts as count_records
from record_checks import validated

from tmekg.model import Edge, Node


def run_loader(load: Any, path: Path, ctx: Any) -> tuple[list[Node | Edge], Any]:
    """Run a study loader and check every record against the schema (endpoints must be yielded)."""
    from tmekg.loaders.study_common import StudyReport

    report = StudyReport(ctx.source)
    return validated(list(load(path, report, ctx))), report


def counts(records: list[Node | Edge]) -> dict[str, int]:
    """Records per category / predicate."""
    return dict(count_records(records))


def edge_map(records: list[Node | Edge]) -> dict[tuple[str, str, str], Edge]:
    """Edges by (subject, predicate, object)."""
    return {(r.subject, r.predicate, r.object): r for r in records if isinstance(r, Edge)}


def demo_context(fixtures: Path, study: str = "TMEKG:study.demo", **kwargs: Any) -> Any:
    """A context with the fixture map ``demo``."""
    from tmekg.loaders.study_common import StudyContext, load_celltype_map

    return StudyContext(study, load_celltype_map("demo", fixtures / "study" / "celltype_map.yaml"), **kwargs)


def kb_source_pseudobulk_store(fixtures: Path, root: Path, folder: str, source: str) -> Path:
    """A store of ``fixtures/<folder>``: its curated ``kb``, one public ``source`` read from the folder,
    and its ``pseudobulk.csv`` loaded as study ``TMEKG:study.demo`` (map ``demo``)."""
    from tmekg import pipeline
    from tmekg.studies import StudySpec, load_study

    data = fixtures / folder
    kb = data / "kb"
    pipeline.build_store(store=root, kb=kb, data=data, sources=["tmekg-curated", source])
    spec = StudySpec(
        path=str(data / "pseudobulk.csv"),
        format="pseudobulk",
        study_id="TMEKG:study.demo",
        map_file=str(fixtures / "study" / "celltype_map.yaml"),
        map_name="demo",
    )
    load_study(spec, root, kb=kb, data=data)
    return root
