"""Combined expression evidence: study rows, reference atlas rows, reference profiles, detection."""

from __future__ import annotations

from typing import Any

import pytest

from tmekg.model import Edge, Provenance, props
from tmekg.queries.crosstalk_evidence import expression_evidence
from tmekg.queries.crosstalk_expression import Row, combine, combined, config, with_profiles

CD8_STATE, HPA_CD8, NEO, NK = "CL:0000794", "CL:0000909", "CL:0001064", "CL:0000623"
STUDY = "DOI:10.1/x"


def _edge(
    gene: str, celltype: str, source: str, score: float, study: str | None = None, **values: Any
) -> Edge:
    prov = Provenance(source, "1", (), score, record=f"{source}:{gene}", study=study)
    return Edge(f"HGNC.SYMBOL:{gene}", "expressed_in", celltype, (prov,), props(values))


class FakeGraph:
    """The one method the evidence readers call."""

    def __init__(self, edges: list[Edge]) -> None:
        self._edges = edges

    def edges(self, predicate: str | None = None) -> list[Edge]:
        return [e for e in self._edges if predicate in (None, e.predicate)]


@pytest.fixture
def kg() -> FakeGraph:
    return FakeGraph(
        [
            # study markers: detection = pct.1 (fraction), level = the study's weight
            _edge(
                "GZMB", CD8_STATE, "study-seurat", 0.9, STUDY, statistic="avg_log2FC", value=2.0, fraction=0.9
            ),
            _edge("LDHA", NEO, "study-seurat", 0.8, STUDY, fraction=0.8),
            _edge("LDHA", CD8_STATE, "study-seurat", 0.05, STUDY, fraction=0.05),  # below min_detection
            # reference atlas (HPA): memory CD8 is the profile of the CD8 state; NK stays its own type
            _edge("ADORA2A", HPA_CD8, "hpa-blood", 0.3, statistic="nTPM", value=7.0),
            _edge("GZMB", HPA_CD8, "hpa-blood", 0.6, statistic="nTPM", value=30.0),
            _edge("ADORA2A", NK, "hpa-blood", 0.2, statistic="nTPM", value=2.2),
            # curated facts never count
            _edge("PDCD1", CD8_STATE, "tmekg-curated", 1.0),
        ]
    )


def test_combined_rows_take_reference_profiles(kg: FakeGraph) -> None:
    ev = combined(kg, min_detection=0.1)
    assert ev.celltypes == [NK, CD8_STATE, NEO]  # sorted ids; HPA memory CD8 folded into the state
    assert ev.best[("HGNC.SYMBOL:ADORA2A", CD8_STATE)].via == HPA_CD8
    assert ev.best[("HGNC.SYMBOL:ADORA2A", CD8_STATE)].level == 0.3
    # study 0.9 beats the reference 0.6 for GZMB; LDHA in the CD8 state is below min_detection
    assert ev.best[("HGNC.SYMBOL:GZMB", CD8_STATE)].source == f"study:{STUDY}"
    assert ("HGNC.SYMBOL:LDHA", CD8_STATE) not in ev.best
    assert ("HGNC.SYMBOL:PDCD1", CD8_STATE) not in ev.best
    E, _types, genes = ev.matrix({"HGNC.SYMBOL:ADORA2A", "HGNC.SYMBOL:LDHA"})
    assert genes == ["HGNC.SYMBOL:ADORA2A", "HGNC.SYMBOL:LDHA"]
    assert E.tolist() == [[0.2, 0.0], [0.3, 0.0], [0.0, 0.8]]


def test_expression_evidence_table(kg: FakeGraph) -> None:
    table = expression_evidence(kg)
    assert list(table.columns[:5]) == ["cell_type", "gene", "level", "detection", "source"]
    assert len(table) == 4  # GZMB, ADORA2A (via HPA) in the CD8 state; LDHA in NEO; ADORA2A in NK
    row = table[(table.cell_type == CD8_STATE) & (table.gene == "HGNC.SYMBOL:ADORA2A")].iloc[0]
    assert (row.level, row.detection, row.source, row.value, row.via) == (0.3, 1.0, "hpa-blood", 7.0, HPA_CD8)
    assert HPA_CD8 not in set(table.cell_type)  # its profile lives in the study state


def test_study_only_without_reference(kg: FakeGraph) -> None:
    table = expression_evidence(kg, reference=False)
    assert sorted(zip(table.cell_type, table.gene, strict=True)) == [
        (CD8_STATE, "HGNC.SYMBOL:GZMB"),
        (NEO, "HGNC.SYMBOL:LDHA"),
    ]


def test_profiles_need_study_evidence() -> None:
    rows = [Row(HPA_CD8, "G", 0.5, 1.0, "hpa-blood")]
    out, used = with_profiles(rows, {CD8_STATE: HPA_CD8})
    assert (out, used) == (rows, set())
    assert combine(rows, 0.1)[("G", HPA_CD8)].level == 0.5


def test_shipped_profiles_point_at_hpa_types() -> None:
    from tmekg.loaders.hpa_blood import cell_type_map

    hpa = set(cell_type_map().ids.values())
    assert set(config()["expression"]["reference_profiles"].values()) <= hpa


def test_strata_separate_evidence_kinds(kg: FakeGraph) -> None:
    ev = combined(kg, min_detection=0.1)
    assert ev.celltypes == [NK, CD8_STATE, NEO]
    assert ev.strata().tolist() == ["reference", "profiled", "study"]
    assert combined(kg, reference="none").strata() is None
