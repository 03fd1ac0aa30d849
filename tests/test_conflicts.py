"""Contradictions (tests/fixtures/grades_kb): detection, storage, scoring, the contested column, CLI.

Hand computation (damping 0.5, every degree 1; grade weights A 1.0, D 0.6):

* G2 -increases-> E2 is graded A (human, clinical, PDAC), G2 -decreases-> E2 is graded D (human cell
  lines, other cancer): one contradiction (family biolink:affects), net = +1 x 1.0 - 1 x 0.6 = 0.4.
* Both edges stay and score with their own sign and weight: GupE(G2, E2) = +1.0, GdnE(G2, E2) = -0.6.
  benefit(G2, E2) = m(G2) x polarity(E2) x (1.0 - 0.6) = (-1)(+1)(0.4) = -0.4 = S(G2, anti-PD-1)
  (no sphere, context or harm). Without the D side S would be -1.0; without the A side +0.6.
* Every path of G2 rests on a contested edge: contested(G2) = 1; G1's path does not: contested(G1) = 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scoring_config import base_model_config
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.conflicts import contested_rows, find_conflicts, predicate_families, read_conflicts
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Provenance
from tmekg.pipeline import build_store
from tmekg.queries.conflicts import conflict_moves, conflict_rows
from tmekg.queries.rank import explain, make_scorer, rank

FIXTURE = Path(__file__).parent / "fixtures" / "grades_kb"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("conflicts") / "store"
    build_store(store=root, kb=FIXTURE)
    return root


@pytest.fixture(scope="module")
def kg(store: Path):
    with KnowledgeGraph.open(store) as graph:
        yield graph


@pytest.fixture(scope="module")
def config() -> dict:
    return {**base_model_config(), "damping": 0.5}


def _group(*edges: Edge) -> dict:
    out: dict = {}
    for rank_, edge in enumerate(edges):
        out.setdefault(edge.key(("direction",) if edge.predicate == "transports" else ()), []).append(
            (rank_, edge)
        )
    return out


def test_families_pair_opposite_predicates_only() -> None:
    families = predicate_families()
    assert families["increases"] == families["decreases"]
    assert families["activates"] == families["inhibits"] != families["increases"]
    assert families["produces"] != families["degrades"]  # an enzyme may make and break a metabolite
    assert "transports" not in families  # import and export are parallel facts, not opposites


def test_find_conflicts_across_rows_and_sources() -> None:
    a, b = Provenance("a", "1", species="human", system="clinical", tumour="PDAC"), Provenance("b", "1")
    found = find_conflicts(
        _group(
            Edge("G", "increases", "E", (a,)),
            Edge("G", "decreases", "E", (b,)),
            Edge("M", "activates", "R", (a,)),  # no opposite: not a conflict
            Edge("D", "targets", "R", (a,), (("action", "agonist"),)),
            Edge("D", "targets", "R", (b,), (("action", "inhibitor"),)),  # same merge key, opposite action
            Edge("T", "transports", "M", (a,), (("direction", "import"),)),
            Edge("T", "transports", "M", (b,), (("direction", "export"),)),
        )
    )
    assert [(c["subject"], c["object"]) for c in found] == [("D", "R"), ("G", "E")]
    gene = found[1]
    assert [(s["sign"], s["predicate"], s["grade"]) for s in gene["sides"]] == [
        (1, "increases", "A"),
        (-1, "decreases", None),
    ]
    assert gene["net"] == pytest.approx(1.0 - 1.0)  # an ungraded side weighs the ungraded weight, 1.0


def test_store_keeps_both_sides_with_grades(kg) -> None:
    (conflict,) = read_conflicts(kg)
    assert (conflict["subject"], conflict["object"], conflict["net"]) == (
        "HGNC.SYMBOL:G2",
        "TMEKG:effect.e2",
        0.4,
    )
    sides = {s["predicate"]: s for s in conflict["sides"]}
    assert (sides["increases"]["grade"], sides["decreases"]["grade"]) == ("A", "D")
    rows = contested_rows(kg)
    assert {kg.edge(r).predicate for r in rows} == {"increases", "decreases"}
    assert all(kg.edge(r).subject == "HGNC.SYMBOL:G2" for r in rows)


def test_contested_pair_scores_as_grade_weighted_signed_sum(kg, config) -> None:
    table = rank(kg, "anti-PD-1", permutations=0, config=config).set_index("target_symbol")
    assert table.loc["G2", "score"] == pytest.approx(-0.4)
    assert table.loc["G2", "contested"] == pytest.approx(1.0)
    assert table.loc["G1", "contested"] == pytest.approx(0.0)
    strict = rank(kg, "anti-PD-1", permutations=0, config=config, min_grade="A").set_index("target_symbol")
    assert strict.loc["G2", "score"] == pytest.approx(-1.0)  # the D side left out


def test_explain_flags_contested_paths(kg, config) -> None:
    doc = explain(kg, "G2", "anti-PD-1", config=config)
    assert doc["contested"] == pytest.approx(1.0)
    assert {p["metapath"]: p["contested"] for p in doc["paths"]} == {"GupE": True, "GdnE": True}
    assert not any(p["contested"] for p in explain(kg, "G1", "anti-PD-1", config=config)["paths"])


def test_conflict_rows_and_moves(kg, config) -> None:
    (row,) = conflict_rows(kg)
    assert (row["subject"], row["object"], row["positive_grade"], row["negative_grade"]) == (
        "G2",
        "E2",
        "A",
        "D",
    )
    assert conflict_rows(kg, source="gene-ontology") == []
    scorer = make_scorer(kg, config=config)
    (moved,) = conflict_moves(scorer, scorer.classes.index("anti-PD-1"))
    assert moved["moves"] == pytest.approx(0.4)  # |(-1.0) + 0.6|: G2's score rests on the pair
    assert moved["targets"] == [("G2", pytest.approx(-0.4))]


def test_cli_conflicts(store: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["conflicts", "--store", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert (row["subject"], row["net"]) == ("G2", 0.4)
    tsv = runner.invoke(app, ["conflicts", "--store", str(store), "--format", "tsv", "--impact", "anti-PD-1"])
    assert tsv.exit_code == 0, tsv.output
    header, line = tsv.output.strip().splitlines()
    # the CLI scores with the shipped config (cell-resolved weights): the fixture has no cell types, so no
    # expression data anywhere and both cell weights are neutral (docs/scoring.md): moves stays 0.4
    assert header.split("\t")[-2:] == ["moves", "targets"] and line.split("\t")[-2:] == ["0.4", "G2 -0.4"]
    bad = runner.invoke(app, ["rank", "--store", str(store), "--min-grade", "Z", "--permutations", "0"])
    assert bad.exit_code == 1 and "unknown grade 'Z'" in bad.output
