"""Name resolution: ids first, then exact name or synonym (one tier, best-supported node), namesakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.build import build_records
from tmekg.explore import show
from tmekg.graph import KnowledgeGraph
from tmekg.model import Node, Provenance
from tmekg.store import write_store


def _prov(*sources: str) -> tuple[Provenance, ...]:
    return tuple(Provenance(s, "1") for s in sources)


NODES = [
    Node("CHEBI:15551", "Metabolite", "prostaglandin E2", ("PGE2",), provenance=_prov("a", "b", "c")),
    Node("HMDB:HMDB0003175", "Metabolite", "PGE2", provenance=_prov("wp")),
    Node(
        "CHEBI:16828",
        "Metabolite",
        "L-tryptophan",
        ("tryptophan",),
        ("CHEBI:27897",),
        provenance=_prov("a", "b"),
    ),
    Node("CHEMBL.COMPOUND:CHEMBL54976", "Drug", "tryptophan", provenance=_prov("hub")),
    Node("CHEBI:16977", "Metabolite", "L-alanine", ("alanine",), provenance=_prov("a")),
    Node("CHEBI:17115", "Metabolite", "L-serine", provenance=_prov("a", "b")),
]


@pytest.fixture()
def kg(tmp_path: Path):
    write_store(build_records([("test", NODES)]), tmp_path / "store")
    with KnowledgeGraph.open(tmp_path / "store") as graph:
        yield graph


def test_exact_name_and_synonym_are_one_tier_most_sources_first(kg: KnowledgeGraph) -> None:
    assert kg.resolve("PGE2").id == "CHEBI:15551"  # synonym, 3 sources, beats a 1-source name
    assert kg.resolve("tryptophan").id == "CHEBI:16828"  # the metabolite, not the same-named drug record
    assert [n.id for n in kg.search("PGE2")] == ["CHEBI:15551", "HMDB:HMDB0003175"]


def test_ids_and_aliases_come_first(kg: KnowledgeGraph) -> None:
    assert kg.resolve("CHEBI:27897").id == "CHEBI:16828"
    assert kg.resolve("HMDB0003175").id == "HMDB:HMDB0003175"


def test_substring_matches_rank_after_exact_ones(kg: KnowledgeGraph) -> None:
    assert [n.id for n in kg.search("alanine")] == ["CHEBI:16977"]
    assert kg.search("serine")[0].id == "CHEBI:17115"


def test_namesakes_are_what_resolution_passed_over(kg: KnowledgeGraph) -> None:
    assert [n.id for n in kg.namesakes("PGE2", "CHEBI:15551")] == ["HMDB:HMDB0003175"]
    assert [n.id for n in kg.namesakes("tryptophan", "CHEBI:16828")] == ["CHEMBL.COMPOUND:CHEMBL54976"]
    assert kg.namesakes("CHEBI:27897", "CHEBI:16828") == []


def test_show_lists_namesakes(tmp_path: Path) -> None:
    write_store(build_records([("test", NODES)]), tmp_path / "store")
    doc = show("PGE2", store=tmp_path / "store")
    assert doc["node"]["id"] == "CHEBI:15551"
    assert doc["also_named"] == [{"id": "HMDB:HMDB0003175", "name": "PGE2", "category": "Metabolite"}]
