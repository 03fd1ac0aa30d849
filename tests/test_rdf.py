"""RDF export: IRIs, Biolink types, reified provenance, round trips in three formats, SPARQL, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from typer.testing import CliRunner

from tmekg.build import build_records
from tmekg.cli.export import export_app, sparql
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance
from tmekg.pipeline import CURATED, build_store
from tmekg.schema import load_schema
from tmekg.sinks import rdf as rdf_sink
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
    assert result.output.splitlines() == ["metabolite", "CHEBI:16335"]
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
