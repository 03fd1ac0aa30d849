"""Evidence grades: source defaults, rules, weights in the DWPC, --min-grade (tests/fixtures/grades_kb).

Hand computation on the fixture (damping 0.5, every degree 1; weights A 1.0, C 0.8, D 0.6):

* G1 -produces-> M1 is graded A (human, ex vivo, PDAC); M1 -decreases-> E1 is graded C (mouse, in vivo,
  other cancer). GpMdnE(G1, E1) = (+1 x 1.0)(-1 x 0.8) = -0.8 (without grade weights: -1).
* benefit(G1, E1) = m(G1) x polarity(E1) x -0.8 = (-1)(+1)(-0.8) = 0.8; no sphere, context or harm,
  so S(G1, anti-PD-1) = 0.8.
* --min-grade B keeps only A and B edges: M1 -decreases-> E1 (C) goes, so S(G1) = 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scoring_config import base_model_config

from tmekg.grades import (
    GradeError,
    edge_grade,
    fill_grades,
    fill_grades_provenance,
    grade_labels,
    grade_of,
    grade_table,
    parse_grade_table,
)
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Provenance
from tmekg.pipeline import build_store
from tmekg.queries.dwpc import dwpc
from tmekg.queries.metapaths import parse
from tmekg.queries.rank import explain, rank
from tmekg.queries.scoring import Scorer
from tmekg.schema import load_schema

FIXTURE = Path(__file__).parent / "fixtures" / "grades_kb"


@pytest.fixture(scope="module")
def kg(tmp_path_factory: pytest.TempPathFactory):
    store = tmp_path_factory.mktemp("grades") / "store"
    build_store(store=store, kb=FIXTURE)
    with KnowledgeGraph.open(store) as graph:
        yield graph


@pytest.fixture(scope="module")
def config() -> dict:
    return {**base_model_config(), "damping": 0.5}


def test_source_defaults_fill_empty_fields_only() -> None:
    gem = fill_grades_provenance(Provenance("human-gem", "1"))
    assert (gem.species, gem.system, gem.tumour, gem.evidence_class) == (
        "human",
        "database",
        "none",
        "Human-GEM:GPR",
    )
    go = fill_grades_provenance(Provenance("gene-ontology", "1", evidence_class="GO:IEA"))
    assert go.evidence_class == "GO:IEA" and grade_of(go) == "E"
    study = fill_grades_provenance(Provenance("study:PMID:31273297", "1"))
    assert study.system == "computational" and grade_of(study) == "E"
    assert fill_grades_provenance(Provenance("unknown-source", "1")) == Provenance("unknown-source", "1")


def test_score_bands_and_cited_class() -> None:
    bands = [
        fill_grades_provenance(Provenance("metalinksdb", "1", score=s)).evidence_class
        for s in (0.95, 0.8, 0.5, 0.1)
    ]
    assert bands == ["MetalinksDB:highest", "MetalinksDB:high", "MetalinksDB:medium", "MetalinksDB:low"]
    assert [
        grade_of(fill_grades_provenance(Provenance("metalinksdb", "1", score=s))) for s in (0.95, 0.8, 0.5)
    ] == [
        "C",
        "D",
        "E",
    ]
    cited = fill_grades_provenance(Provenance("mebocost", "1", evidence=("PMID:1",)))
    assert cited.evidence_class == "MEBOCOST:curated"
    assert fill_grades_provenance(Provenance("mebocost", "1")).evidence_class == "MEBOCOST:HMDB"


@pytest.mark.parametrize(
    ("fields", "grade"),
    [
        ({"species": "human", "system": "ex_vivo", "tumour": "PDAC"}, "A"),
        ({"species": "human", "system": "clinical", "tumour": "other_cancer"}, "B"),
        ({"species": "mouse", "system": "in_vivo", "tumour": "PDAC"}, "B"),
        ({"species": "mouse", "system": "in_vivo", "tumour": "other_cancer"}, "C"),
        ({"species": "human", "system": "database", "evidence_class": "GO:IDA"}, "C"),
        ({"species": "human", "system": "database", "evidence_class": "GO:IBA"}, "D"),
        ({"species": "mouse", "system": "in_vitro", "tumour": "none"}, "D"),
        ({"species": "human", "system": "computational", "tumour": "PDAC"}, "E"),
        ({"evidence_class": "curated"}, None),
    ],
)
def test_rules(fields: dict, grade: str | None) -> None:
    assert grade_of(Provenance("x", "1", **fields)) == grade


def test_edge_grade_is_the_best_entry() -> None:
    weak = Provenance("a", "1", species="mouse", system="in_vitro")
    strong = Provenance("b", "1", species="human", system="ex_vivo", tumour="PDAC")
    assert edge_grade(Edge("G", "increases", "E", (weak, strong))) == "A"
    assert edge_grade(Edge("G", "increases", "E", (weak,))) == "D"


def test_fill_grades_keeps_an_edge_without_defaults() -> None:
    edge = Edge("G", "increases", "E", (Provenance("nobody", "1"),))
    assert fill_grades(edge) is edge


def test_table_errors_name_the_field() -> None:
    with pytest.raises(GradeError, match=r"grades.A.weight"):
        parse_grade_table({"grades": {"A": {"weight": 2}}})
    with pytest.raises(GradeError, match=r"rules\[0\].when.system: unknown value 'lab'"):
        parse_grade_table(
            {"grades": {"A": {"weight": 1}}, "rules": [{"grade": "A", "when": {"system": ["lab"]}}]}
        )
    with pytest.raises(GradeError, match="unknown grade 'Z'"):
        grade_table().rank("Z")


def test_store_grades_per_row(kg) -> None:
    by_edge = {(kg.edge(i).subject, kg.edge(i).predicate): g for i, g in enumerate(grade_labels(kg))}
    assert by_edge[("HGNC.SYMBOL:G1", "produces")] == "A"
    assert by_edge[("CHEBI:16335", "decreases")] == "C"
    assert by_edge[("HGNC.SYMBOL:G2", "increases")] == "A"
    assert by_edge[("HGNC.SYMBOL:G2", "decreases")] == "D"
    assert by_edge[("CHEMBL.COMPOUND:CHEMBL1", "targets")] is None  # no grade columns: ungraded


def test_grade_weights_enter_the_dwpc(kg, config) -> None:
    mp = parse("GpMdnE", load_schema())
    graded, plain = Scorer(kg, config).hetmat, Scorer(kg, {**config, "grade_weights": None}).hetmat
    g1, e1 = graded.index("HGNC.SYMBOL:G1"), graded.index("TMEKG:effect.e1")
    assert dwpc(graded, mp, 0.5)[g1, e1] == pytest.approx(-0.8)
    assert dwpc(plain, mp, 0.5)[g1, e1] == pytest.approx(-1.0)


def test_min_grade_filters_edges(kg, config) -> None:
    full = rank(kg, "anti-PD-1", permutations=0, config=config).set_index("target_symbol")
    strict = rank(kg, "anti-PD-1", permutations=0, config=config, min_grade="B").set_index("target_symbol")
    assert full.loc["G1", "score"] == pytest.approx(0.8)
    assert strict.loc["G1", "score"] == pytest.approx(0.0)
    with pytest.raises(GradeError, match="unknown grade"):
        rank(kg, "anti-PD-1", permutations=0, config=config, min_grade="Q")


def test_explain_shows_each_steps_grade(kg, config) -> None:
    doc = explain(kg, "G1", "anti-PD-1", config=config)
    assert doc["paths"][0]["grades"] == ["A", "C"]
    assert [s["grade"] for s in doc["paths"][0]["steps"]] == ["A", "C"]


def test_min_grade_and_grade_weights_have_their_own_null(kg, config) -> None:
    from tmekg.queries.rank import make_scorer
    from tmekg.queries.significance import NullSpec, null_key

    spec = NullSpec(count=2, seed=1)
    plain = null_key(make_scorer(kg, config=config), spec)
    strict = null_key(make_scorer(kg, config=config, min_grade="B"), spec)
    reweighted = {**config, "grade_weights": {**config["grade_weights"], "C": 0.5}}
    assert len({plain, strict, null_key(make_scorer(kg, config=reweighted), spec)}) == 3
    assert null_key(make_scorer(kg, config=config, min_grade="E"), spec) != plain  # ungraded edges left out
