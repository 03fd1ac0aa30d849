"""Cell-resolved weights (queries/cell_weights.py) on a hand-computed graph.

Graph: target T -produces-> M -activates-> receptor R -decreases-> effect E (antitumour), E occurs in CD8
T cells (C2); C3 (effector memory CD8) is a subtype of C2. T is expressed in PDAC neoplastic cells (C1,
level 0.6); R in C3 (0.8) and in C1 (0.2). Damping 0.5, grade weights off, floor 0.25; every degree along
the mechanism path is 1, so DWPC = the product of signed weights.

* receiver: a(R, E) = max(x(R, C2) = 0, x(R, C3) = 0.8) = 0.8 -> rho = 0.25 + 0.75 x 0.8 = 0.85
* target: s(T) = x(T, C1) = 0.6, a(T, E) = 0 -> W(T, E) = 0.25 + 0.75 x 0.6 = 0.7
* GpMaGdnE(T, E) = (+1)(+1)(-1 x 0.85) = -0.85; benefit = m(T) x polarity x DWPC x W
  = (-1)(+1)(-0.85)(0.7) = 0.595; no sphere, no harm (T is not in E's cells): S(T) = 0.595.
* off (the global factor): DWPC = -1, ctx(T) = 1 (T has the highest GeC DWPC: 0.6 x 2^-0.5 against
  R's 0.2 x 2^-0.5 x 2^-0.5), factor 1 + 0.25 x 1 -> S(T) = 1.25.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tmekg.build import build_records
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance
from tmekg.queries.cell_weights import weight
from tmekg.queries.rank import explain
from tmekg.queries.scoring import Scorer, default_config
from tmekg.store import write_store

P = (Provenance("test", "1"),)
T, R, PD1 = "HGNC.SYMBOL:TT1", "HGNC.SYMBOL:RR1", "HGNC.SYMBOL:PDCD1"
M, E = "CHEBI:16335", "TMEKG:effect.e1"
C1, C2, C3 = "CL:0001064", "CL:0000625", "CL:0000913"


def _scored(level: float) -> tuple[Provenance, ...]:
    return (Provenance("test", "1", score=level),)


def records() -> list[Node | Edge]:
    return [
        Node(T, "Gene", "TT1", properties=(("roles", ("enzyme",)),), provenance=P),
        Node(R, "Gene", "RR1", properties=(("roles", ("receptor",)),), provenance=P),
        Node(PD1, "Gene", "PDCD1", properties=(("roles", ("checkpoint",)),), provenance=P),
        Node(M, "Metabolite", "adenosine", provenance=P),
        Node(E, "ImmuneEffect", "E1", properties=(("polarity", "antitumour"),), provenance=P),
        Node(
            C1, "CellType", "PDAC neoplastic cell", properties=(("compartment", "neoplastic"),), provenance=P
        ),
        Node(C2, "CellType", "CD8 T cell", properties=(("compartment", "immune"),), provenance=P),
        Node(
            C3,
            "CellType",
            "effector memory CD8 T cell",
            properties=(("compartment", "immune"),),
            provenance=P,
        ),
        Node(
            "CHEMBL.COMPOUND:CHEMBL1",
            "Drug",
            "D1",
            properties=(("immunotherapy_class", "anti-PD-1"),),
            provenance=P,
        ),
        Edge(T, "produces", M, P),
        Edge(M, "activates", R, P),
        Edge(R, "decreases", E, P),
        Edge(E, "occurs_in", C2, P),
        Edge(C3, "subclass_of", C2, P),
        Edge(T, "expressed_in", C1, _scored(0.6)),
        Edge(R, "expressed_in", C3, _scored(0.8)),
        Edge(R, "expressed_in", C1, _scored(0.2)),
        Edge("CHEMBL.COMPOUND:CHEMBL1", "targets", PD1, P, (("action", "blocking_antibody"),)),
    ]


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory):
    store: Path = tmp_path_factory.mktemp("cells") / "store"
    write_store(build_records([("test", records())]), store)
    with KnowledgeGraph.open(store) as graph:
        yield graph


def config(enabled: bool, sender_classes: tuple[str, ...] = ("neoplastic",)) -> dict:
    """The fixture measures tumour expression in neoplastic cells only: ``sender_classes`` says which
    compartments must be measured for s(T) to count (default config: neoplastic, stromal, immune)."""
    base = default_config()
    cells = {
        **base["cell_resolved"],
        "enabled": enabled,
        "floor": 0.25,
        "sender_classes": list(sender_classes),
    }
    return {**base, "damping": 0.5, "grade_weights": None, "cell_resolved": cells}


def test_weight_is_floor_plus_level() -> None:
    assert weight(np.array([0.0, 0.6, 1.0, 2.0]), 0.25).tolist() == pytest.approx([0.25, 0.7, 1.0, 1.0])


def test_levels_closure_and_weights(kg: KnowledgeGraph) -> None:
    scorer = Scorer(kg, config(True))
    cells, hm = scorer.cells, scorer.hetmat
    assert cells is not None
    t, r, e = hm.index(T), hm.index(R), hm.index(E)
    cell = {c: hm.index(c) for c in (C1, C2, C3)}
    assert cells.effect_cells[e].tolist() == [c in (C2, C3) for c in hm.ids["CellType"]]
    assert cells.acting[r, e] == pytest.approx(0.8)
    assert cells.acting[t, e] == 0.0
    assert cells.supply[t] == pytest.approx(0.6)
    assert cells.senders[cell[C1]] and not cells.senders[cell[C2]]
    assert cells.target_weight[t, e] == pytest.approx(0.7)
    factors = cells.receptor_factors()
    (row,) = [i for i, (s, o, _) in enumerate(kg.edge_index) if kg.nodes[s].id == R and kg.nodes[o].id == E]
    assert factors[row] == pytest.approx(0.85)
    assert sorted(factors.tolist()).count(1.0) == len(factors) - 1


def test_score_uses_cell_weights_instead_of_the_global_factor(kg: KnowledgeGraph) -> None:
    on, off = Scorer(kg, config(True)), Scorer(kg, config(False))
    t, k = on.hetmat.index(T), on.classes.index("anti-PD-1")
    assert "GpMaGdnE" in on.mechanism_matrices
    assert on.components().score[t, k] == pytest.approx(0.595)
    assert off.components().score[t, k] == pytest.approx(1.25)


def test_explain_names_sender_and_receiver(kg: KnowledgeGraph) -> None:
    doc = explain(kg, "TT1", "anti-PD-1", config=config(True))
    (path,) = doc["paths"]
    assert (path["sender"], path["receiver"]) == ("PDAC neoplastic cell", "effector memory CD8 T cell")
    assert doc["score"] == pytest.approx(0.595)
    assert sum(p["contribution"] for p in doc["paths"]) == pytest.approx(0.595)
    plain = explain(kg, "TT1", "anti-PD-1", config=config(False))
    assert (plain["paths"][0]["sender"], plain["paths"][0]["receiver"]) == (None, None)


def test_without_tumour_expression_the_sender_side_is_neutral(tmp_path: Path) -> None:
    """No expression in any tumour cell type (e.g. a graph without the curated KB or a study): s(T) is
    unknown, not 0, so W(T, E) = 1 and S(T) = (-1)(+1)(-0.85)(1) = 0.85 (the receiver weight stays)."""
    kept = [r for r in records() if not (isinstance(r, Edge) and r.object == C1)]
    write_store(build_records([("test", kept)]), tmp_path / "store")
    with KnowledgeGraph.open(tmp_path / "store") as graph:
        scorer = Scorer(graph, config(True))
        t, k = scorer.hetmat.index(T), scorer.classes.index("anti-PD-1")
        assert scorer.cells is not None and scorer.cells.supply.tolist() == [1.0] * len(scorer.cells.supply)
        assert scorer.components().score[t, k] == pytest.approx(0.85)


def test_sender_side_needs_every_sender_compartment_measured(kg: KnowledgeGraph, tmp_path: Path) -> None:
    """Default ``sender_classes`` (neoplastic, stromal, immune): the fixture measures only neoplastic
    cells, so a gene absent from them may still be made by CAFs or TAMs: s(T) is unknown -> neutral,
    W(T, E) = 1 and S(T) = 0.85. Adding a CAF (stromal) and a TAM observed in PDAC (immune) with any
    expression turns the sender side on: s(T) = 0.6, S(T) = 0.595 again."""
    assert default_config()["cell_resolved"]["sender_classes"] == ["neoplastic", "stromal", "immune"]
    full = config(True, ("neoplastic", "stromal", "immune"))
    scorer = Scorer(kg, full)
    t, k = scorer.hetmat.index(T), scorer.classes.index("anti-PD-1")
    assert scorer.cells is not None and scorer.cells.supply[t] == 1.0
    assert scorer.components().score[t, k] == pytest.approx(0.85)
    caf, tam, pdac = "CL:0002553", "CL:0000890", "TMEKG:context.PDAC"
    more = [
        Node(caf, "CellType", "fibroblast", properties=(("compartment", "stromal"),), provenance=P),
        Node(tam, "CellType", "macrophage", properties=(("compartment", "immune"),), provenance=P),
        Node(pdac, "Context", "PDAC", properties=(("kind", "tumour_type"),), provenance=P),
        Edge(tam, "observed_in", pdac, P),
        Edge(PD1, "expressed_in", caf, _scored(0.3)),
        Edge(PD1, "expressed_in", tam, _scored(0.3)),
    ]
    write_store(build_records([("test", records() + more)]), tmp_path / "store")
    with KnowledgeGraph.open(tmp_path / "store") as graph:
        scorer = Scorer(graph, full)
        t = scorer.hetmat.index(T)
        assert scorer.cells is not None and scorer.cells.supply[t] == pytest.approx(0.6)
        assert scorer.components().score[t, scorer.classes.index("anti-PD-1")] == pytest.approx(0.595)


def test_unknown_sender_class_is_a_config_error(kg: KnowledgeGraph) -> None:
    from tmekg.queries.scoring import ScoringError

    with pytest.raises(ScoringError, match=r"cell_resolved\.sender_classes: unknown compartment 'tumour'"):
        Scorer(kg, config(True, ("tumour",)))
