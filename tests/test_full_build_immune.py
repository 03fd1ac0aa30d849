"""The immune layer in the full build (issue 13): GO-backed ImmuneEffects and signed gene -> effect edges."""

from __future__ import annotations

from collections import Counter

import pytest

from tmekg.kb.immune_effects import load_effects

pytestmark = pytest.mark.shared_data

SIGNED = ("increases", "decreases")


@pytest.fixture(scope="module")
def kg(full_build):
    return full_build[1]


def test_effects_have_go_xrefs(kg) -> None:
    effects = [n for n in kg.nodes if n.category == "ImmuneEffect"]
    with_go = [n for n in effects if any(x.startswith("GO:") for x in n.xrefs)]
    assert len(with_go) >= 40
    assert {n.id for n in effects} >= {e.id for e in load_effects().effects}


def test_curated_effects_merge_with_the_table(kg) -> None:
    """The 14 curated effects are one node each, carrying both the KB's and the table's provenance."""
    node = kg.node("TMEKG:effect.cd8_effector_function")
    assert {p.source for p in node.provenance} >= {"tmekg-curated", "gene-ontology"}
    assert "GO:0001913" in node.xrefs and node.prop("polarity") == "antitumour"
    ids = [n.id for n in kg.nodes if n.category == "ImmuneEffect"]
    assert len(ids) == len(set(ids))


def test_signed_gene_effect_edges_with_evidence_codes(kg) -> None:
    counts: Counter[str] = Counter()
    for edge in kg.edges():
        if (
            edge.predicate in SIGNED
            and edge.prop("evidence_codes")
            and kg.node(edge.subject).category == "Gene"
        ):
            counts[edge.predicate] += 1
            assert edge.prop("go_terms")
            assert all(p.score is not None for p in edge.provenance if p.source == "gene-ontology")
    assert counts["increases"] + counts["decreases"] >= 2000
    assert counts["decreases"] >= 500  # negative regulation is read, not only positive


def test_participation_edges_are_unsigned(kg) -> None:
    edges = list(kg.edges("involved_in"))
    assert len(edges) >= 1000
    assert {e.prop("go_rule") for e in edges} <= {
        ("participation",),
        ("regulation",),
        ("participation", "regulation"),
    }


def test_explain_shows_go_annotations(kg) -> None:
    """`tmekg explain` lists the GO term and evidence code of a gene -> effect step (IDO1, docs example)."""
    from tmekg.queries.rank import explain

    doc = explain(kg, "IDO1", "anti-PD-1", paths=50)
    steps = [s for p in doc["paths"] for s in p["steps"] if s["annotations"]]
    assert any("GO:0070234 (IMP)" in s["annotations"] for s in steps)
