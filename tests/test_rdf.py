"""RDF export: IRIs, Biolink types, reified provenance, round trips in three formats, SPARQL, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import RDF, RDFS, SKOS
from typer.testing import CliRunner

from tmekg import sparql as sparql_mod
from tmekg.build import build_records
from tmekg.cli.export import export_app, sparql
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance, evidence_of, props
from tmekg.pipeline import CURATED, build_store
from tmekg.schema import load_schema
from tmekg.sinks import rdf as rdf_sink
from tmekg.sinks import rdf_stream
from tmekg.sinks.kgx import edge_id
from tmekg.store import write_store

runner = CliRunner()
BL = rdflib.Namespace(rdf_sink.BIOLINK)
TK = rdflib.Namespace(rdf_sink.TMEKG_VOCAB)
OBO = "http://purl.obolibrary.org/obo/"

# metabolites that inhibit / decrease an immune effect: Biolink predicate, direction qualifier, classes
DECREASING_METABOLITES = """
SELECT DISTINCT ?metabolite WHERE {
  ?st rdf:subject ?metabolite ; rdf:predicate biolink:affects ; rdf:object ?effect ;
      biolink:object_direction_qualifier "decreased" .
  ?metabolite a biolink:SmallMolecule .
  ?effect a biolink:BiologicalProcess ; tmekg:category "ImmuneEffect" .
}
"""


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory, fixtures: Path) -> Path:
    root = tmp_path_factory.mktemp("rdf-small") / "store"
    build_store(store=root, sources=[CURATED], kb=fixtures / "kb_small")
    return root


@pytest.fixture(scope="module")
def curated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rdf-curated") / "store"
    build_store(store=root, sources=[CURATED])
    return root


@pytest.fixture(scope="module")
def small_graph(small_store: Path) -> rdflib.Graph:
    with KnowledgeGraph.open(small_store) as kg:
        return rdf_sink.to_graph(kg)


def test_iris_come_from_the_schema_prefix_map() -> None:
    assert str(rdf_sink.iri("CHEBI:16335")) == OBO + "CHEBI_16335"
    assert str(rdf_sink.iri("CL:0000625")) == OBO + "CL_0000625"
    assert str(rdf_sink.iri("MONDO:0005184")) == OBO + "MONDO_0005184"
    assert str(rdf_sink.iri("UBERON:0001264")) == OBO + "UBERON_0001264"
    assert str(rdf_sink.iri("GO:0006955")) == OBO + "GO_0006955"
    assert str(rdf_sink.iri("PMID:2")) == load_schema().prefixes["PMID"] + "2"
    assert str(rdf_sink.iri("biolink:Drug")) == rdf_sink.BIOLINK + "Drug"
    assert str(rdf_sink.iri("DOI:10.1000/a b")) == "https://doi.org/10.1000/a%20b"
    with pytest.raises(rdf_sink.RdfError, match="NOPE"):
        rdf_sink.iri("NOPE:1")


def test_nodes_are_typed_labelled_resources(small_graph: rdflib.Graph) -> None:
    ado = URIRef(OBO + "CHEBI_16335")
    assert (ado, RDF.type, BL.SmallMolecule) in small_graph
    assert (ado, RDFS.label, Literal("adenosine")) in small_graph
    assert (ado, SKOS.altLabel, Literal("Ado")) in small_graph
    assert (ado, BL.xref, URIRef(load_schema().prefixes["HMDB"] + "HMDB0000050")) in small_graph
    assert (ado, BL.id, Literal("CHEBI:16335")) in small_graph
    cd8 = URIRef(OBO + "CL_0000625")
    assert (cd8, RDF.type, BL.Cell) in small_graph and (cd8, TK.compartment, Literal("immune")) in small_graph
    nt5e = rdf_sink.iri("HGNC.SYMBOL:NT5E")
    assert {str(o) for o in small_graph.objects(nt5e, TK.roles)} == {"enzyme"}


def test_edges_are_direct_triples_with_reified_provenance(
    small_store: Path, small_graph: rdflib.Graph
) -> None:
    ado, effect = URIRef(OBO + "CHEBI_16335"), rdf_sink.iri("TMEKG:effect.cd8_effector_function")
    assert (ado, BL.affects, effect) in small_graph
    with KnowledgeGraph.open(small_store) as kg:
        edge = next(kg.edges("decreases"))
    st = URIRef(edge_id(edge))
    expected = {
        (RDF.type, RDF.Statement),
        (RDF.subject, ado),
        (RDF.predicate, BL.affects),
        (RDF.object, effect),
        (TK.predicate, Literal("decreases")),
        (TK.sign, Literal(-1)),
        (BL.object_direction_qualifier, Literal("decreased")),
        (BL.primary_knowledge_source, URIRef(rdf_sink.INFORES_IRI + "tmekg-curated")),
        (BL.publications, rdf_sink.iri("PMID:2")),
        (BL.publications, URIRef("https://doi.org/10.1000/xyz")),
        (BL.knowledge_level, Literal("knowledge_assertion")),
        (BL.agent_type, Literal("manual_agent")),
        (TK.status, Literal("unverified")),
    }
    assert expected <= set(small_graph.predicate_objects(st))
    targets = next(small_graph.subjects(TK.predicate, Literal("targets")))
    assert (targets, TK.action, Literal("blocking_antibody")) in small_graph
    assert (targets, TK.sign, Literal(-1)) in small_graph


def counts(graph: rdflib.Graph) -> tuple[int, int, dict[str, int]]:
    """Nodes (resources with a tmekg category), edges (reified statements) and edges per tmekg predicate."""
    nodes = len(set(graph.subjects(TK.category, None)))
    statements = set(graph.subjects(RDF.type, RDF.Statement))
    per_predicate: dict[str, int] = {}
    for st in statements:
        name = str(graph.value(st, TK.predicate))
        per_predicate[name] = per_predicate.get(name, 0) + 1
    return nodes, len(statements), per_predicate


@pytest.mark.parametrize(("fmt", "suffix"), [("turtle", ".ttl"), ("json-ld", ".jsonld"), ("nt", ".nt")])
def test_round_trip_keeps_node_and_edge_counts(
    curated_store: Path, tmp_path: Path, fmt: str, suffix: str
) -> None:
    out = tmp_path / f"kg{suffix}"
    result = rdf_sink.export_rdf(out, fmt, curated_store)
    back = rdf_sink.load_rdf(out)
    assert len(back) == result.triples
    with KnowledgeGraph.open(curated_store) as kg:
        expected = kg.stats()
        direct = {(rdf_sink.iri(e.subject), rdf_sink.iri(e.object)) for e in kg.edges()}
    nodes, edges, per_predicate = counts(back)
    assert (
        (nodes, edges) == (expected["total_nodes"], expected["total_edges"]) == (result.nodes, result.edges)
    )
    assert per_predicate == expected["edges"]
    assert all(any(back.predicates(s, o)) for s, o in direct)


def test_parallel_edges_share_one_direct_triple(tmp_path: Path) -> None:
    prov = (Provenance("tmekg-test", "1", ("PMID:1",)),)
    records = [
        Node("HGNC.SYMBOL:NT5E", "Gene", "NT5E"),
        Node("CHEBI:16335", "Metabolite", "adenosine"),
        Edge("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335", prov),
        Edge("HGNC.SYMBOL:NT5E", "degrades", "CHEBI:16335", prov),
    ]
    write_store(build_records([("tmekg-test", records)], strict=True), tmp_path / "store")
    result = rdf_sink.export_rdf(tmp_path / "kg.nt", "nt", tmp_path / "store")
    back = rdf_sink.load_rdf(tmp_path / "kg.nt")
    assert len(back) == result.triples  # no duplicate lines
    subject, obj = rdf_sink.iri("HGNC.SYMBOL:NT5E"), rdf_sink.iri("CHEBI:16335")
    assert list(back.predicates(subject, obj)) == [BL.affects]
    assert counts(back)[2] == {"produces": 1, "degrades": 1}


def python_decreasing_metabolites(kg: KnowledgeGraph) -> set[str]:
    schema = load_schema()
    return {
        e.subject
        for e in kg.edges()
        if kg.node(e.subject).category == "Metabolite"
        and kg.node(e.object).category == "ImmuneEffect"
        and schema.edge_sign(e) == -1
    }


def test_sparql_matches_the_python_api(curated_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "kg.ttl"
    rdf_sink.export_rdf(out, "turtle", curated_store)
    columns, rows = rdf_sink.run_sparql(DECREASING_METABOLITES, rdf=out)
    with KnowledgeGraph.open(curated_store) as kg:
        expected = python_decreasing_metabolites(kg)
    assert columns == ["metabolite"] and len(expected) >= 5
    assert {r["metabolite"] for r in rows} == expected
    _, in_memory = rdf_sink.run_sparql(DECREASING_METABOLITES, store=curated_store)
    assert {r["metabolite"] for r in in_memory} == expected
    by_tmekg = (
        'SELECT DISTINCT ?m WHERE { ?st rdf:subject ?m ; tmekg:predicate "decreases" . '
        '?m tmekg:category "Metabolite" }'
    )
    assert {r["m"] for r in rdf_sink.run_sparql(by_tmekg, rdf=out)[1]} == expected
    assert rdf_sink.run_sparql("ASK { ?s a biolink:Cell }", rdf=out) == (["ask"], [{"ask": True}])


def test_sparql_command(small_store: Path, tmp_path: Path) -> None:
    query = tmp_path / "q.rq"
    query.write_text(DECREASING_METABOLITES, encoding="utf-8")
    result = runner.invoke(sparql_app(), ["--file", str(query), "--store", str(small_store), "-f", "tsv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["metabolite", "CHEBI:16335"]
    assert "building the store's SPARQL index" in result.stderr
    again = runner.invoke(sparql_app(), ["--file", str(query), "--store", str(small_store), "-f", "tsv"])
    assert again.stdout == result.stdout and "building" not in again.stderr  # built once, reused
    out = tmp_path / "kg.nt"
    exported = runner.invoke(export_app, ["rdf", str(out), "--format", "nt", "--store", str(small_store)])
    assert exported.exit_code == 0 and "6 nodes, 5 edges" in exported.output
    text = "SELECT ?name WHERE { ?n rdfs:label ?name ; a biolink:Drug }"
    result = runner.invoke(sparql_app(), [text, "--rdf", str(out), "-f", "json"])
    assert result.exit_code == 0 and '"name": "oleclumab"' in result.output
    bad = runner.invoke(sparql_app(), ["SELECT ?x WHERE {", "--rdf", str(out)])
    assert bad.exit_code == 1 and bad.output.startswith("error: SPARQL query failed")
    both = runner.invoke(sparql_app(), [text, "--file", str(query), "--rdf", str(out)])
    assert both.exit_code == 1 and "one of them" in both.output
    wrong = runner.invoke(export_app, ["rdf", str(out), "--format", "rdfxml", "--store", str(small_store)])
    assert wrong.exit_code == 1 and "unknown RDF format" in wrong.output


def sparql_app():
    import typer

    app = typer.Typer()
    app.command()(sparql)
    return app


def test_rdflib_is_imported_lazily() -> None:
    code = "import sys, tmekg.cli.export, tmekg.sinks.rdf, tmekg.sinks.kgx; print('rdflib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- streaming export: every format against a graph written by hand -------------------------------
PMID = "http://www.ncbi.nlm.nih.gov/pubmed/"
NT5E_IRI = "https://www.genenames.org/cgi-bin/gene_symbol_report?match=NT5E"
EXPECTED_TTL = """
@prefix biolink: <https://w3id.org/biolink/vocab/> .
@prefix tmekg: <https://w3id.org/tmekg/vocab#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
@prefix infores: <https://w3id.org/information-resource-registry/> .

obo:CHEBI_16335 a biolink:SmallMolecule ; rdfs:label "adenosine" ; biolink:id "CHEBI:16335" ;
    tmekg:category "Metabolite" ; tmekg:immunomodulatory true .
obo:CL_0000625 a biolink:Cell ; rdfs:label "CD8-positive, alpha-beta T cell" ; biolink:id "CL:0000625" ;
    tmekg:category "CellType" ; tmekg:compartment "immune" .
<NT5E> a biolink:Gene ; rdfs:label "NT5E" ; biolink:id "HGNC.SYMBOL:NT5E" ; tmekg:category "Gene" ;
    skos:altLabel "CD73", '''say "hi"\\\\ and
bye''' ;
    biolink:xref <https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:8021> ;
    biolink:provided_by infores:tmekg-test ;
    tmekg:full_name "5'-nucleotidase ecto" ; tmekg:roles "enzyme", "other" .

<NT5E> biolink:affects obo:CHEBI_16335 ; biolink:expressed_in obo:CL_0000625 .

<PRODUCES> a rdf:Statement ; rdf:subject <NT5E> ; rdf:predicate biolink:affects ;
    rdf:object obo:CHEBI_16335 ; tmekg:predicate "produces" ; tmekg:sign 1 ;
    biolink:object_aspect_qualifier "synthesis" ; biolink:object_direction_qualifier "increased" ;
    biolink:knowledge_level "knowledge_assertion" ; biolink:agent_type "not_provided" ;
    biolink:primary_knowledge_source infores:tmekg-test ; tmekg:source infores:tmekg-test ;
    biolink:publications <https://doi.org/10.1000/a%3Cb%3E>, <PMID1> ;
    tmekg:status "verified" ; tmekg:score "0.75"^^xsd:double .
<DEGRADES> a rdf:Statement ; rdf:subject <NT5E> ; rdf:predicate biolink:affects ;
    rdf:object obo:CHEBI_16335 ; tmekg:predicate "degrades" ; tmekg:sign -1 ;
    biolink:object_aspect_qualifier "degradation" ; biolink:object_direction_qualifier "increased" ;
    biolink:knowledge_level "knowledge_assertion" ; biolink:agent_type "not_provided" ;
    biolink:primary_knowledge_source infores:tmekg-test ; tmekg:source infores:tmekg-test ;
    biolink:publications <PMID2> ; tmekg:status "verified" .
<EXPRESSED> a rdf:Statement ; rdf:subject <NT5E> ; rdf:predicate biolink:expressed_in ;
    rdf:object obo:CL_0000625 ; tmekg:predicate "expressed_in" ; tmekg:sign 0 ;
    biolink:knowledge_level "statistical_association" ; biolink:agent_type "data_analysis_pipeline" ;
    biolink:primary_knowledge_source infores:tmekg-test ; tmekg:source infores:tmekg-test ;
    tmekg:status "verified" ; tmekg:level "high" ; tmekg:statistic "logFC" ;
    tmekg:value "1.5"^^xsd:double .
"""


def tiny_records(extra: bool = False) -> list[Node | Edge]:
    """Three nodes, parallel affects edges, a statistic edge; strings that need escaping."""
    test = Provenance("tmekg-test", "1")
    records: list[Node | Edge] = [
        Node(
            "HGNC.SYMBOL:NT5E",
            "Gene",
            "NT5E",
            synonyms=("CD73", 'say "hi"\\ and\nbye'),
            xrefs=("HGNC:8021",),
            properties=props(roles=("enzyme", "other"), full_name="5'-nucleotidase ecto"),
            provenance=(test,),
        ),
        Node("CHEBI:16335", "Metabolite", "adenosine", properties=props(immunomodulatory=True)),
        Node(
            "CL:0000625",
            "CellType",
            "CD8-positive, alpha-beta T cell",
            properties=props(compartment="immune"),
        ),
        Edge("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335", (TINY_PROV,)),
        Edge("HGNC.SYMBOL:NT5E", "degrades", "CHEBI:16335", (Provenance("tmekg-test", "1", ("PMID:2",)),)),
        Edge("HGNC.SYMBOL:NT5E", "expressed_in", "CL:0000625", (test,), TINY_EXPRESSED),
    ]
    if extra:
        records.append(Node("CL:0000236", "CellType", "B cell", properties=IMMUNE))
        records.append(Edge("HGNC.SYMBOL:NT5E", "expressed_in", "CL:0000236", (test,), props(level="low")))
    return records


IMMUNE = props(compartment="immune")
TINY_PROV = Provenance("tmekg-test", "1", ("PMID:1", "DOI:10.1000/a<b>"), score=0.75)
TINY_EXPRESSED = props(level="high", statistic="logFC", value=1.5)


def build_tiny(root: Path, extra: bool = False) -> Path:
    write_store(build_records([("tmekg-test", tiny_records(extra))], strict=True), root)
    return root


def expected_tiny() -> rdflib.Graph:
    ids = {
        "PRODUCES": edge_id(Edge("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335")),
        "DEGRADES": edge_id(Edge("HGNC.SYMBOL:NT5E", "degrades", "CHEBI:16335")),
        "EXPRESSED": edge_id(Edge("HGNC.SYMBOL:NT5E", "expressed_in", "CL:0000625", (), TINY_EXPRESSED)),
        "NT5E": NT5E_IRI,
        "PMID1": PMID + "1",
        "PMID2": PMID + "2",
    }
    text = EXPECTED_TTL
    for name, value in ids.items():
        text = text.replace(f"<{name}>", f"<{value}>")
    return rdflib.Graph().parse(data=text, format="turtle")


@pytest.mark.parametrize(("fmt", "suffix"), [("nt", ".nt"), ("turtle", ".ttl"), ("json-ld", ".jsonld")])
def test_streamed_export_is_the_expected_graph(tmp_path: Path, fmt: str, suffix: str) -> None:
    store = build_tiny(tmp_path / "store")
    result = rdf_sink.export_rdf(tmp_path / f"kg{suffix}", fmt, store)
    back = rdf_sink.load_rdf(tmp_path / f"kg{suffix}")
    expected = expected_tiny()
    assert (result.nodes, result.edges, result.triples) == (3, 3, 67) == (3, 3, len(expected))
    assert to_isomorphic(back) == to_isomorphic(expected), sorted(graph_diff(back, expected)[1])
    with KnowledgeGraph.open(store) as kg:
        assert to_isomorphic(rdf_sink.to_graph(kg)) == to_isomorphic(expected)  # the in-memory path
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_blocks_of_the_first_edges(tmp_path: Path) -> None:
    store = build_tiny(tmp_path / "store")
    with KnowledgeGraph.open(store) as kg:
        subjects = [subject for subject, _ in rdf_stream.blocks(kg, max_edges=1)]
    first = edge_id(Edge("HGNC.SYMBOL:NT5E", "degrades", "CHEBI:16335"))  # edges are stored sorted
    assert subjects == [OBO + "CHEBI_16335", OBO + "CL_0000625", NT5E_IRI, NT5E_IRI, first]


def test_a_failed_export_leaves_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = build_tiny(tmp_path / "store")
    out = tmp_path / "kg.ttl"
    out.write_text("previous\n", encoding="utf-8")

    def broken(*args: object) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(rdf_stream, "statement_block", broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        rdf_sink.export_rdf(out, "turtle", store)
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.ttl", "store"]


def test_literals_follow_rdflib() -> None:
    for value in (True, False, 0, -7, 0.5, 1e-05, 1e20, float("nan"), float("inf"), "x"):
        lit = rdf_stream.literal(value)
        assert rdf_sink.rdflib_term(lit) == Literal(value), value
    with pytest.raises(rdf_sink.RdfError, match="NoneType"):
        rdf_stream.literal(None)


# -- SPARQL over the store's index --------------------------------------------------------------
COUNT_STATEMENTS = "SELECT (COUNT(?st) AS ?n) WHERE { ?st a rdf:Statement }"


def test_store_index_is_built_once_per_snapshot(tmp_path: Path) -> None:
    store = build_tiny(tmp_path / "store")
    assert sparql_mod.run_sparql(COUNT_STATEMENTS, store=store) == (["n"], [{"n": 3}])
    with KnowledgeGraph.open(store) as kg:
        first = sparql_mod.find_index(kg.path)
        assert first == kg.path / "rdf.oxigraph"
    build_tiny(tmp_path / "store", extra=True)  # a rebuild: new snapshot, the old index goes with it
    assert sparql_mod.run_sparql(COUNT_STATEMENTS, store=store) == (["n"], [{"n": 4}])
    assert not first.exists()
    with KnowledgeGraph.open(store) as kg:
        stamp = kg.path / "rdf.oxigraph" / sparql_mod.STAMP
        stamp.write_text('{"index_version": 0}', encoding="utf-8")  # an index of an older version
        assert sparql_mod.find_index(kg.path) is None
    assert sparql_mod.run_sparql(COUNT_STATEMENTS, store=store)[1] == [{"n": 4}]


def test_index_of_a_read_only_snapshot_goes_to_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = build_tiny(tmp_path / "store")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setattr(sparql_mod, "_cache_root", lambda: tmp_path / "cache")
    real = sparql_mod.index_candidates
    monkeypatch.setattr(
        sparql_mod, "index_candidates", lambda snap: [blocked / "rdf.oxigraph", real(snap)[1]]
    )
    assert sparql_mod.run_sparql(COUNT_STATEMENTS, store=store)[1] == [{"n": 3}]
    with KnowledgeGraph.open(store) as kg:
        assert sparql_mod.find_index(kg.path) == tmp_path / "cache" / kg.path.name


def test_queries_are_read_only_and_typed(small_store: Path, tmp_path: Path) -> None:
    for update in (
        "INSERT DATA { <a:x> <a:y> <a:z> }",
        "# c\nPREFIX x: <http://x/>\ndelete where { ?s ?p ?o }",
    ):
        with pytest.raises(rdf_sink.RdfError, match="not allowed: tmekg sparql only reads"):
            sparql_mod.run_sparql(update, store=small_store)
        cli = runner.invoke(sparql_app(), [update, "--store", str(small_store)])
        assert cli.exit_code == 1 and "SPARQL Update" in cli.output
    with pytest.raises(rdf_sink.RdfError, match="only SELECT and ASK"):
        sparql_mod.run_sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", store=small_store)
    query = """SELECT ?sign ?level ?drug WHERE { ?st tmekg:predicate "targets" ; tmekg:sign ?sign ;
        biolink:knowledge_level ?level ; rdf:subject ?drug }"""
    columns, rows = sparql_mod.run_sparql(query, store=small_store)
    assert columns == ["sign", "level", "drug"]
    assert rows == [{"sign": -1, "level": "knowledge_assertion", "drug": "CHEMBL.COMPOUND:CHEMBL4297584"}]
    assert sparql_mod.run_sparql("ASK { ?s a biolink:Gene }", store=small_store) == (["ask"], [{"ask": True}])
    with pytest.raises(rdf_sink.RdfError, match="no RDF file"):
        sparql_mod.run_sparql("ASK { ?s ?p ?o }", rdf=tmp_path / "missing.ttl")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(rdf_sink.RdfError, match="cannot parse"):
        sparql_mod.run_sparql("ASK { ?s ?p ?o }", rdf=bad)


@pytest.mark.shared_data
@pytest.mark.slow
def test_sparql_over_the_full_build_index_matches_the_python_api(full_build) -> None:
    """The docs' example query and a provenance query over the full build's Oxigraph index."""
    _, kg = full_build
    store = kg.path.parent
    _, rows = sparql_mod.run_sparql(DECREASING_METABOLITES, store=store)
    assert {r["metabolite"] for r in rows} == python_decreasing_metabolites(kg)
    query = """SELECT ?st ?pub WHERE { ?st tmekg:predicate "targets" ; biolink:publications ?pub }"""
    _, rows = sparql_mod.run_sparql(query, store=store)
    expected = {(edge_id(e), p) for e in kg.edges("targets") for p in evidence_of(e.provenance)}
    assert len(expected) > 1000
    assert {(r["st"], r["pub"]) for r in rows} == expected


@pytest.mark.parametrize(("fmt", "suffix"), [("nt", ".nt"), ("turtle", ".ttl"), ("json-ld", ".jsonld")])
def test_sparql_reads_every_export_format(tmp_path: Path, fmt: str, suffix: str) -> None:
    store = build_tiny(tmp_path / "store")
    out = tmp_path / f"kg{suffix}"
    rdf_sink.export_rdf(out, fmt, store)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert sparql_mod.run_sparql(count, rdf=out) == (["n"], [{"n": 67}])
    labels = sparql_mod.run_sparql("SELECT ?l WHERE { ?s skos:altLabel ?l } ORDER BY ?l", rdf=out)[1]
    assert labels == [{"l": "CD73"}, {"l": 'say "hi"\\ and\nbye'}]
