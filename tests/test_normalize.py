"""Acid/base rule: ChEBI acid and conjugate-base forms of one metabolite become one node."""

from __future__ import annotations

from tmekg.build import GraphBuilder
from tmekg.model import Node, Provenance
from tmekg.normalize import acid_base_key, acid_base_links

LABELS = {
    "CHEBI:422": "(S)-lactic acid",
    "CHEBI:16651": "(S)-lactate",
    "CHEBI:341": "(R)-lactate",
    "CHEBI:29985": "L-glutamate(1-)",
    "CHEBI:16015": "L-glutamic acid",
}


def test_keys() -> None:
    assert acid_base_key("(S)-lactic acid") == acid_base_key("(S)-lactate") == "(s)-lactate"
    assert acid_base_key("L-glutamate(1-)") == acid_base_key("L-glutamic acid")
    assert acid_base_key("nitrous acid") == acid_base_key("nitrite")
    assert acid_base_key("(R)-lactate") != acid_base_key("(S)-lactate")


def test_links_join_acid_and_base_nodes_only() -> None:
    ids = {
        "CHEBI:422": {"CHEBI:422"},
        "CHEBI:16651": {"CHEBI:16651"},
        "CHEBI:341": {"CHEBI:341"},
        "HMDB:HMDB0000148": {"HMDB:HMDB0000148", "CHEBI:16015"},
        "CHEBI:29985": {"CHEBI:29985"},
    }
    links = acid_base_links(ids, LABELS.get)
    assert sorted(links) == [("CHEBI:16651", "CHEBI:422"), ("CHEBI:29985", "HMDB:HMDB0000148")]


def test_builder_merges_linked_nodes() -> None:
    prov = (Provenance("s", "1"),)
    builder = GraphBuilder()
    builder.add(Node("CHEBI:422", "Metabolite", "(S)-lactic acid", provenance=prov), "gem")
    builder.add(Node("CHEBI:16651", "Metabolite", "Lactate", provenance=prov), "wp")
    graph = builder.build(links=acid_base_links(builder.identifiers("Metabolite"), LABELS.get))
    assert [n.id for n in graph.nodes] == ["CHEBI:422"]
    assert graph.aliases["CHEBI:16651"] == "CHEBI:422"
