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
