"""Combination scoring on a hand-scored fixture graph (tests/fixtures/scoring_kb), damping w = 0.5.

Hand computation (every degree is 1 unless said otherwise; M-a-G has M1 out-degree 2 because M1
activates both R1 and T1):

* T1 -> E1:  GpMdnE  = (+1)(-1) = -1;  GpMaGdnE = T1-M1-R1-E1 = (+1)(2^-0.5)(+1)(-1) = -1/sqrt2
* T1 -> E2:  GpMupE  = +1;  GupE = +1;  GpMaGupE: the only walk T1-M1-T1-E2 revisits T1 -> path DWPC 0
  (the walk count would be 1/sqrt2: walks and paths differ here)
* modulation m(T1) = -1 (D2 is an inhibitor); polarity E1 = +1 (antitumour), E2 = -1 (protumour)
* benefit(T1, E1) = -1 * +1 * (-1 - 1/sqrt2) = 1 + 1/sqrt2;  benefit(T1, E2) = -1 * -1 * 2 = 2
* anti-PD-1 sphere: D1 -tg-> PD1 -e-> C1 <-o- E1 = 1, so r(E1) = 1, r(E2) = 0
* mech(T1) = (1 + 1/sqrt2)(1 + 2*1) + 2(1 + 0) = 5 + 3/sqrt2
* ctx(T1) = 1 (the only gene expressed in a neoplastic cell type); harm(T1) = 0
* S(T1) = (5 + 3/sqrt2)(1 + 0.25) = 6.25 + 3.75/sqrt2 = 8.90165...
* R1: GdnE = -1 -> benefit +1 -> S = 1 * 3 = 3
* T2: GupE = +1, default modulation -1 -> benefit -1 -> S = -3 (inhibiting what effector cells need)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scoring_config import base_model_config

from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.queries.dwpc import constrained_chain, dwpc, segment_matrices
from tmekg.queries.metapaths import parse
from tmekg.queries.paths import enumerate_paths
from tmekg.queries.rank import explain, rank
from tmekg.queries.scoring import Scorer
from tmekg.schema import load_schema

EXPECTED_T1 = 6.25 + 3.75 / math.sqrt(2)


@pytest.fixture(scope="module")
def kg(scoring_kb_graph):
    return scoring_kb_graph


@pytest.fixture(scope="module")
def config(scoring_kb_config) -> dict:
    return scoring_kb_config


def test_hand_computed_dwpc(kg, config) -> None:
    scorer = Scorer(kg, config)
    schema = load_schema()
    hm = scorer.hetmat
    t1, e1, e2 = hm.index("HGNC.SYMBOL:T1"), hm.index("TMEKG:effect.e1"), hm.index("TMEKG:effect.e2")
    assert dwpc(hm, parse("GpMdnE", schema), 0.5)[t1, e1] == pytest.approx(-1.0)
    assert dwpc(hm, parse("GpMaGdnE", schema), 0.5)[t1, e1] == pytest.approx(-1 / math.sqrt(2))
    repeat = parse("GpMaGupE", schema)
    assert dwpc(hm, repeat, 0.5)[t1, e2] == pytest.approx(0.0)
    walks = constrained_chain(segment_matrices(hm, repeat, 0.5, True), [])
    assert walks[t1, e2] == pytest.approx(1 / math.sqrt(2))  # the walk T1-M1-T1-E2 is not a path


def test_hand_computed_scores_and_signs(kg, config) -> None:
    table = rank(kg, permutations=0, config=config).set_index("target_symbol")
    assert list(table.index) == ["T1", "R1", "T2"]  # PD1 is a checkpoint, not a metabolic candidate
    assert table.loc["T1", "score"] == pytest.approx(EXPECTED_T1)
    assert table.loc["R1", "score"] == pytest.approx(3.0)
    assert table.loc["T2", "score"] == pytest.approx(-3.0)
    assert table.loc["T1", "drugs"] == "D2"
    assert table.loc["T1", "top_path"] == "T1 -> M1 -> E1"


def test_explanation_decomposes_the_score(kg, config) -> None:
    doc = explain(kg, "T1", "anti-PD-1", paths=10, config=config)
    assert doc["score"] == pytest.approx(EXPECTED_T1)
    shares = doc["metapaths"].set_index("metapath")["contribution"]
    scale = 1.25  # (1 + w_ctx * ctx)
    assert shares["GpMdnE"] == pytest.approx(3 * scale)
    assert shares["GpMaGdnE"] == pytest.approx(3 / math.sqrt(2) * scale)
    assert shares["GpMupE"] == pytest.approx(scale)
    assert shares["GupE"] == pytest.approx(scale)
    assert sum(shares) == pytest.approx(doc["score"])
    first = doc["paths"][0]
    assert first["path"] == "T1 -> M1 -> E1" and first["steps"][0]["evidence"] == ["PMID:1"]


def test_path_weights_sum_to_dwpc(kg, config) -> None:
    scorer = Scorer(kg, config)
    for abbrev, matrix in scorer.mechanism_matrices.items():
        mp = parse(abbrev, load_schema())
        coo = matrix.tocoo()
        for r, c, v in zip(coo.row, coo.col, coo.data, strict=True):
            gene, effect = scorer.hetmat.ids["Gene"][r], scorer.hetmat.ids["ImmuneEffect"][c]
            found = enumerate_paths(scorer.hetmat, mp, gene, effect, 0.5, signed=True)
            assert sum(p.weight for p in found) == pytest.approx(v)


def test_permutation_p_values_are_deterministic(kg, config) -> None:
    one = rank(kg, permutations=5, seed=3, config=config)
    two = rank(kg, permutations=5, seed=3, config=config)
    assert one.equals(two)
    assert ((one["p_value"] > 0) & (one["p_value"] <= 1)).all()


def test_context_filter_removes_context_only_facts(tmp_path: Path, fixtures: Path, config) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    for f in (fixtures / "scoring_kb").iterdir():
        (kb / f.name).write_text(f.read_text())
    nodes = kb / "g.nodes.tsv"
    nodes.write_text(
        nodes.read_text()
        + "TMEKG:context.liver-metastasis\tContext\tliver metastasis\t\t\tkind=metastatic_site\t\t\t\n"
        + "TMEKG:context.hypoxic-core\tContext\thypoxic core\t\t\tkind=niche\t\t\t\n"
    )
    edges = kb / "g.edges.tsv"
    edges.write_text(
        edges.read_text() + "HGNC.SYMBOL:T2\tdecreases\tTMEKG:effect.e2\t\tPMID:2\t"
        "TMEKG:context.liver-metastasis\tverified\t\n"
    )
    build_store(store=tmp_path / "s", kb=kb)

    def scores(context: str | None) -> dict[str, float]:
        table = rank(graph, context=context, permutations=0, config=config)
        return table.set_index("target_symbol")["score"].to_dict()

    with KnowledgeGraph.open(tmp_path / "s") as graph:
        everything, liver, hypoxic = scores(None), scores("liver-metastasis"), scores("hypoxic-core")
    # T2 -dn-> E2 (protumour) holds in liver metastases only: inhibiting T2 there loses one more
    # benefit unit, -1 * -1 * -1 * (1 + 2 * r(E2)=0) = -1, so T2 goes from -3 to -4.
    assert liver["T2"] == pytest.approx(-4.0) and everything["T2"] == pytest.approx(-4.0)
    assert hypoxic["T2"] == pytest.approx(-3.0)  # the liver-only fact is left out
    for target in ("T1", "R1"):  # no contextual fact touches them
        assert liver[target] == pytest.approx(hypoxic[target])


def test_dwpc_matches_hetmatpy(kg) -> None:
    hetnetpy = pytest.importorskip("hetnetpy.hetnet")
    degree_weight = pytest.importorskip("hetmatpy.degree_weight")
    schema = load_schema()
    scorer = Scorer(kg, {**base_model_config(), "damping": 0.4})
    graph = _to_hetnetpy(kg, schema, hetnetpy)
    for text in ("GpMdnE", "GpMaGdnE", "GpMaGupE", "GeC", "GupE"):
        mine = dwpc(scorer.hetmat, parse(text, schema), 0.4, signed=False).toarray()
        rows, cols, theirs = degree_weight.dwpc(
            graph, graph.metagraph.metapath_from_abbrev(text), damping=0.4
        )
        order_r = [scorer.hetmat.index(str(r)) for r in rows]
        order_c = [scorer.hetmat.index(str(c)) for c in cols]
        theirs = np.asarray(theirs.toarray() if hasattr(theirs, "toarray") else theirs)
        assert np.allclose(mine[np.ix_(order_r, order_c)], theirs, atol=1e-9), text


def _to_hetnetpy(kg, schema, hetnetpy):
    kinds = {name: cat.abbrev for name, cat in schema.categories.items()}
    kinds.update({name: p.abbrev for name, p in schema.predicates.items()})
    used = {(kg.node(e.subject).category, kg.node(e.object).category, e.predicate) for e in kg.edges()}
    tuples = sorted((s, o, p, "both") for s, o, p in used if s != o)
    graph = hetnetpy.Graph(hetnetpy.MetaGraph.from_edge_tuples(tuples, kinds))
    for node in kg.nodes:
        graph.add_node(node.category, node.id, name=node.name)
    for edge in kg.edges():
        cats = (kg.node(edge.subject).category, kg.node(edge.object).category)
        if cats[0] != cats[1]:
            graph.add_edge((cats[0], edge.subject), (cats[1], edge.object), edge.predicate, "both")
    return graph


def test_combination_subgraph_and_html(kg, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tmekg.cli import app
    from tmekg.queries.rank import combination_subgraph

    view = combination_subgraph(kg, "T1", "anti-PD-1", paths=5)
    edges = set(view["edges"])
    assert ("HGNC.SYMBOL:T1", "produces", "CHEBI:16335") in edges  # mechanism half
    assert ("CHEMBL.COMPOUND:CHEMBL1", "targets", "HGNC.SYMBOL:PD1") in edges  # immunotherapy half
    assert ("HGNC.SYMBOL:PD1", "expressed_in", "CL:0000625") in edges  # joined through the CD8 cells
    assert ("TMEKG:effect.e1", "occurs_in", "CL:0000625") in edges
    assert view["focus"] == ["HGNC.SYMBOL:T1", "CHEMBL.COMPOUND:CHEMBL1"]
    out = tmp_path / "why.html"
    result = CliRunner().invoke(
        app, ["export", "html", str(out), "--combination", "T1", "anti-PD-1", "--store", str(kg.path.parent)]
    )
    assert result.exit_code == 0, result.output
    assert "Why T1 + anti-PD-1?" in out.read_text()
