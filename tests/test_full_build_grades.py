"""Grades and contradictions on the full build of ../shared/data (issue 16 items 2 and 3)."""

from __future__ import annotations

from collections import Counter

import pytest

from tmekg.conflicts import read_conflicts
from tmekg.grades import grade_labels, grade_table
from tmekg.queries.rank import rank

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


def test_every_edge_has_a_grade(full_build) -> None:
    _result, kg = full_build
    labels = grade_labels(kg)
    ungraded = [i for i, g in enumerate(labels) if g is None]
    examples = [kg.edge_record(i)["provenance"][0].get("record") for i in ungraded[:5]]
    assert not ungraded, f"{len(ungraded)} ungraded edges, e.g. {examples}"
    assert set(labels) <= set(grade_table().names)


def test_database_edges_carry_their_evidence_class(full_build) -> None:
    _result, kg = full_build
    classes: dict[str, Counter] = {}
    for row in range(0, kg.edge_count, 7):  # a systematic sample of the edge rows
        for prov in kg.edge_record(row)["provenance"]:
            classes.setdefault(prov["source"], Counter())[prov.get("evidence_class")] += 1
    go_classes = set(classes["gene-ontology"]) - {"tmekg:immune-effect-table"}  # occurs_in from the table
    assert go_classes and all(str(c).startswith("GO:") and c != "GO:annotation" for c in go_classes)
    assert all(str(c).startswith("GtoPdb:") for c in classes["gtopdb"])
    assert set(classes["human-gem"]) == {"Human-GEM:GPR"}
    assert {c for c in classes["metalinksdb"]} <= {
        "MetalinksDB:curated",
        "MetalinksDB:highest",
        "MetalinksDB:high",
        "MetalinksDB:medium",
        "MetalinksDB:low",
    }


def test_conflicts_are_recorded_with_both_sides(full_build) -> None:
    _result, kg = full_build
    conflicts = read_conflicts(kg)
    assert conflicts, "the full build states some facts with both signs (GO, MetalinksDB, drug actions)"
    for conflict in conflicts:
        signs = {s["sign"] for s in conflict["sides"]}
        assert signs == {1, -1} and all(s["row"] is not None for s in conflict["sides"])
        for side in conflict["sides"]:
            edge = kg.edge(side["row"])
            assert (edge.subject, edge.predicate, edge.object) == (
                conflict["subject"],
                side["predicate"],
                conflict["object"],
            )


def test_ranking_reports_contested_share(full_build) -> None:
    _result, kg = full_build
    table = rank(kg, "anti-PD-1", permutations=0, top=50)
    assert table["contested"].between(0.0, 1.0).all()
