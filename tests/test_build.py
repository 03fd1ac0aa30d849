"""Builder merge rules: ids, cross-references, canonical choice, edge aggregation, strictness."""

from __future__ import annotations

import pytest

from tmekg.build import GraphBuilder, build_records
from tmekg.errors import BuildError
from tmekg.model import Edge, Node, Provenance, props


def prov(source: str, *evidence: str) -> tuple[Provenance, ...]:
    return (Provenance(source, "1", evidence=evidence),)


LACTATE_GEM = Node(
    "CHEBI:16651", "Metabolite", "(S)-lactate", xrefs=("HMDB:HMDB0000190",), provenance=prov("gem")
)
LACTIC_ACID = Node(
    "CHEBI:422", "Metabolite", "L-lactic acid", xrefs=("HMDB:HMDB0000190",), provenance=prov("mb")
)
LACTATE_HMDB = Node("HMDB:HMDB0000190", "Metabolite", "L-Lactic acid", provenance=prov("ml"))
MCT4 = Node(
    "HGNC.SYMBOL:SLC16A3", "Gene", "SLC16A3", xrefs=("ENSEMBL:ENSG00000141526",), provenance=prov("a")
)
MCT4_ENS = Node("ENSEMBL:ENSG00000141526", "Gene", "MCT4", provenance=prov("b"))


def test_chebi_and_hmdb_forms_merge_into_one_node() -> None:
    graph = build_records([("gem", [LACTATE_GEM]), ("mb", [LACTIC_ACID]), ("ml", [LACTATE_HMDB])])
    assert [n.id for n in graph.nodes] == ["CHEBI:16651"]  # CHEBI preferred; smaller rank source first
    node = graph.nodes[0]
    assert node.name == "(S)-lactate"
    assert set(node.xrefs) == {"CHEBI:422", "HMDB:HMDB0000190"}
    assert {"L-lactic acid", "L-Lactic acid"} <= set(node.synonyms)
    assert {p.source for p in node.provenance} == {"gem", "mb", "ml"}
    assert graph.aliases["HMDB:HMDB0000190"] == "CHEBI:16651"


def _met(curie: str, name: str, *xrefs: str, source: str = "a") -> Node:
    return Node(curie, "Metabolite", name, xrefs=xrefs, provenance=prov(source))


def test_bridge_ids_join_nodes_only_when_unambiguous() -> None:
    """KEGG / LIPID MAPS ids (``bridge_on``) join a ChEBI node (Human-GEM), an HMDB node (MEBOCOST) and a
    KEGG-id node (WikiPathways) of one compound, and an edge on the KEGG id follows; a KEGG id on two
    ChEBI entries (palmitoyl-CoA, pantetheine) or on two HMDB entries joins nothing."""
    kegg = "KEGG.COMPOUND:C00332"
    records = [
        ("gem", [_met("CHEBI:15345", "acetoacetyl-CoA", kegg, source="gem")]),
        ("mebo", [_met("HMDB:HMDB0001484", "Acetoacetyl-CoA", kegg, source="mebo")]),
        (
            "wp",
            [_met(kegg, "Acetoacetyl-CoA", source="wp"), _met("LIPIDMAPS:LMFA03010003", "PGE2", source="wp")],
        ),
        ("gem2", [_met("CHEBI:15551", "prostaglandin E2", "LIPIDMAPS:LMFA03010003", source="gem2")]),
        ("gem3", [_met("CHEBI:15525", "palmitoyl-CoA", "KEGG.COMPOUND:C00154", source="gem3")]),
        ("gem4", [_met("CHEBI:16753", "pantetheine", "KEGG.COMPOUND:C00154", source="gem4")]),
        ("m1", [_met("HMDB:HMDB0001269", "Methylmalonyl-CoA", "KEGG.COMPOUND:C00683", source="m1")]),
        ("m2", [_met("HMDB:HMDB0002310", "S-Methylmalonyl-CoA", "KEGG.COMPOUND:C00683", source="m2")]),
        ("m3", [_met("CHEBI:15466", "methylmalonyl-CoA", "KEGG.COMPOUND:C00683", source="m3")]),
    ]
    graph = build_records(records)
    nodes = {n.id: n for n in graph.nodes}
    assert sorted(nodes) == [
        "CHEBI:15345",
        "CHEBI:15466",
        "CHEBI:15525",
        "CHEBI:15551",
        "CHEBI:16753",
        "HMDB:HMDB0001269",
        "HMDB:HMDB0002310",
    ]
    assert nodes["CHEBI:15345"].xrefs == ("HMDB:HMDB0001484", kegg)
    assert graph.aliases[kegg] == graph.aliases["HMDB:HMDB0001484"] == "CHEBI:15345"
    assert graph.aliases["LIPIDMAPS:LMFA03010003"] == "CHEBI:15551"
    assert graph.sources["wp"].nodes_merged == 2 and graph.sources["m1"].nodes_merged == 0


def test_canonical_id_prefers_prefix_order_over_source_order() -> None:
    graph = build_records([("b", [MCT4_ENS]), ("a", [MCT4])])
    assert [n.id for n in graph.nodes] == ["HGNC.SYMBOL:SLC16A3"]
    assert graph.nodes[0].name == "SLC16A3"  # the canonical record names the node
    assert "MCT4" in graph.nodes[0].synonyms


def test_edges_from_several_sources_keep_all_provenance() -> None:
    e1 = Edge(
        "HGNC.SYMBOL:SLC16A3", "transports", "CHEBI:16651", prov("a", "PMID:1"), props(direction="export")
    )
    e2 = Edge(
        "ENSEMBL:ENSG00000141526",
        "transports",
        "HMDB:HMDB0000190",
        prov("b", "PMID:2"),
        props(direction="export"),
    )
    e3 = Edge(
        "HGNC.SYMBOL:SLC16A3", "transports", "CHEBI:16651", prov("a", "PMID:3"), props(direction="import")
    )
    graph = build_records([("a", [MCT4, LACTATE_GEM, e1, e3]), ("b", [MCT4_ENS, LACTATE_HMDB, e2])])
    assert len(graph.edges) == 2  # import and export stay apart (identity property 'direction')
    export = next(e for e in graph.edges if e.prop("direction") == "export")
    assert (export.subject, export.object) == ("HGNC.SYMBOL:SLC16A3", "CHEBI:16651")
    assert sorted(ev for p in export.provenance for ev in p.evidence) == ["PMID:1", "PMID:2"]
    assert graph.sources["b"].edges_merged == 1


def test_dangling_edges_are_counted_not_dropped_silently() -> None:
    edge = Edge("HGNC.SYMBOL:SLC16A3", "transports", "CHEBI:9999", prov("a"), props(direction="export"))
    graph = build_records([("a", [MCT4, edge])])
    assert graph.edges == ()
    assert graph.sources["a"].edges_dangling == 1
    assert "CHEBI:9999" in graph.sources["a"].dangling_examples[0]
    builder = GraphBuilder()
    builder.add_all([MCT4, edge], "a", strict=True)
    with pytest.raises(BuildError, match="unknown node CHEBI:9999"):
        builder.build()


def test_same_id_two_categories_is_an_error() -> None:
    builder = GraphBuilder()
    builder.add(Node("TMEKG:x", "Metabolite", "x", provenance=prov("a")), "a")
    builder.add(Node("TMEKG:x", "Pathway", "x", provenance=prov("b")), "b")
    with pytest.raises(BuildError, match="different categories"):
        builder.build()


def test_wrong_endpoint_category_after_merge_is_an_error() -> None:
    bad = Edge("CHEBI:16651", "expressed_in", "HGNC.SYMBOL:SLC16A3", prov("a"))
    with pytest.raises(BuildError, match="expressed_in needs Gene"):
        build_records([("a", [MCT4, LACTATE_GEM, bad])])


def test_properties_merge_lists_and_first_scalar_wins() -> None:
    a = Node(
        "HGNC.SYMBOL:NT5E",
        "Gene",
        "NT5E",
        properties=props(roles=["enzyme"], full_name="first"),
        provenance=prov("a"),
    )
    b = Node(
        "HGNC.SYMBOL:NT5E",
        "Gene",
        "CD73",
        properties=props(roles=["receptor"], full_name="second"),
        provenance=prov("b"),
    )
    node = build_records([("a", [a]), ("b", [b])]).nodes[0]
    assert node.prop("roles") == ("enzyme", "receptor")
    assert node.prop("full_name") == "first"


def test_build_is_order_independent_within_a_source() -> None:
    records = [MCT4, LACTATE_GEM, Edge("HGNC.SYMBOL:SLC16A3", "produces", "CHEBI:16651", prov("a"))]
    one = build_records([("a", records)])
    two = build_records([("a", list(reversed(records)))])
    assert one.nodes == two.nodes and one.edges == two.edges


def test_identifier_like_names_give_way_to_real_names() -> None:
    bare = Node("HMDB:HMDB0000002", "Metabolite", "HMDB0000002", provenance=prov("a"))
    named = Node("HMDB:HMDB0000002", "Metabolite", "1,3-Diaminopropane", provenance=prov("b"))
    node = build_records([("a", [bare]), ("b", [named])]).nodes[0]
    assert node.name == "1,3-Diaminopropane"


def test_schema_error_names_source_and_input_row() -> None:
    from tmekg.errors import SchemaError

    bad = Node("DRUGCENTRAL:43 99", "Drug", "x", provenance=(Provenance("demo", "1", record="t.tsv:7"),))
    with pytest.raises(SchemaError, match=r"^source demo \(t\.tsv:7\): 'DRUGCENTRAL:43 99' does not match"):
        GraphBuilder().add(bad, "demo")
