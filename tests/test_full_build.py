"""The full build from every shared source: counts, coverage report, and identifier spot checks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.shared_data

METABOLITES = {  # spot check: all these ids must end in one node with edges from the three sources
    "lactate": ["CHEBI:422", "CHEBI:16651", "HMDB:HMDB0000190"],
    "adenosine": ["CHEBI:16335", "HMDB:HMDB0000050"],
    "L-kynurenine": ["CHEBI:16946", "HMDB:HMDB0000684"],
    "L-glutamine": ["CHEBI:18050", "HMDB:HMDB0000641"],
    "L-arginine": ["CHEBI:16467", "HMDB:HMDB0000517"],
    "prostaglandin E2": ["CHEBI:15551", "HMDB:HMDB0001220"],
    "L-alanine": ["CHEBI:16977", "HMDB:HMDB0000161"],
}
GENES = ["NT5E", "IDO1", "GLS", "ARG1", "SLC16A1", "SLC16A3", "ADORA2A"]


@pytest.fixture(scope="module")
def full(full_build):
    return full_build


def test_counts_meet_the_issue_minimums(full) -> None:
    _, kg = full
    stats = kg.stats()
    assert stats["nodes"]["Metabolite"] >= 4000
    assert stats["nodes"]["Gene"] >= 2800
    assert stats["nodes"]["Reaction"] >= 12000
    assert stats["nodes"]["Pathway"] >= 150
    metabolite_protein = sum(
        stats["edges"].get(p, 0) for p in ("binds", "activates", "inhibits", "transports")
    )
    assert metabolite_protein >= 10000
    assert stats["edges"]["targets"] >= 2000


def test_report_shows_coverage_per_source(full) -> None:
    result, _ = full
    for name in (
        "human-gem",
        "metalinksdb",
        "mebocost",
        "cellphonedb",
        "wikipathways",
        "drugcentral",
        "repurposing-hub",
        "tmekg-curated",
    ):
        info = result.sources[name]
        assert info["build"]["nodes_in"] + info["build"]["edges_in"] > 0, name
        assert info["licence"] and info["version"], name
    assert set(result.skipped) >= {"reactome", "kegg"}  # not in the shared data: skipped with a reason
    assert "not found" in result.skipped["kegg"]


@pytest.mark.parametrize("name", sorted(METABOLITES))
def test_metabolite_is_one_node_with_edges_from_three_sources(full, name: str) -> None:
    _, kg = full
    nodes = {kg.node(curie).id for curie in METABOLITES[name]}
    assert len(nodes) == 1, (name, nodes)
    sources = {p.source for nb in kg.neighbours(nodes.pop()) for p in nb.edge.provenance}
    assert {"human-gem", "metalinksdb", "mebocost"} <= sources, (name, sources)


@pytest.mark.parametrize("symbol", GENES)
def test_gene_is_one_node(full, symbol: str) -> None:
    _, kg = full
    node = kg.node(f"HGNC.SYMBOL:{symbol}")
    ids = [x for x in node.xrefs if x.startswith(("ENSEMBL:", "UNIPROT:", "NCBIGENE:"))]
    assert ids and all(kg.node(x).id == node.id for x in ids)
    others = [n for n in kg.search(symbol, limit=0, category="Gene") if n.name == symbol and n.id != node.id]
    assert not others
