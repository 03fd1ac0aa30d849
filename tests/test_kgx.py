"""KGX TSV export: columns, Biolink values, provenance, qualifiers, round trip, stable ids."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tmekg.cli.export import export_app
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Provenance, props
from tmekg.pipeline import CURATED, build_store
from tmekg.schema import load_schema
from tmekg.sinks import kgx as kgx_sink

runner = CliRunner()


@pytest.fixture(scope="module")
def small_export(tmp_path_factory: pytest.TempPathFactory, fixtures: Path) -> Path:
    root = tmp_path_factory.mktemp("kgx-small")
    build_store(store=root / "store", sources=[CURATED], kb=fixtures / "kb_small")
    result = runner.invoke(export_app, ["kgx", str(root / "out"), "--store", str(root / "store")])
    assert result.exit_code == 0, result.output
    assert "6 nodes" in result.output and "5 edges" in result.output
    return root / "out"


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_nodes_tsv(small_export: Path) -> None:
    rows = {r["id"]: r for r in read(small_export / "nodes.tsv")}
    assert len(rows) == 6
    ado = rows["CHEBI:16335"]
    assert ado["category"] == "biolink:SmallMolecule" and ado["name"] == "adenosine"
    assert ado["xref"] == "HMDB:HMDB0000050|KEGG.COMPOUND:C00212" and ado["synonym"] == "Ado"
    assert ado["provided_by"] == "infores:tmekg-curated" and ado["tmekg_category"] == "Metabolite"
    assert rows["HGNC.SYMBOL:NT5E"]["roles"] == "enzyme"
    assert rows["CHEMBL.COMPOUND:CHEMBL4297584"]["max_phase"] == "2"
    schema = load_schema()
    assert all(r["category"] == schema.categories[r["tmekg_category"]].biolink for r in rows.values())


def test_edges_tsv(small_export: Path) -> None:
    rows = read(small_export / "edges.tsv")
    header = list(rows[0])
    assert header[:4] == ["id", "subject", "predicate", "object"]
    for column in ("primary_knowledge_source", "knowledge_level", "agent_type", "publications"):
        assert column in header
    assert {"object_aspect_qualifier", "object_direction_qualifier", "tmekg_predicate", "sign"} <= set(header)
    by_predicate = {r["tmekg_predicate"]: r for r in rows}
    decreases = by_predicate["decreases"]
    assert decreases["predicate"] == "biolink:affects" and decreases["sign"] == "-1"
    assert (
        decreases["object_direction_qualifier"] == "decreased" and decreases["object_aspect_qualifier"] == ""
    )
    assert decreases["publications"] == "DOI:10.1000/xyz|PMID:2"  # sorted, as evidence_of gives them
    assert decreases["primary_knowledge_source"] == "infores:tmekg-curated"
    assert decreases["tmekg_status"] == "unverified"
    produces = by_predicate["produces"]
    assert (produces["object_aspect_qualifier"], produces["object_direction_qualifier"]) == (
        "synthesis",
        "increased",
    )
    targets = by_predicate["targets"]
    assert targets["action"] == "blocking_antibody" and targets["sign"] == "-1"
    assert targets["predicate"] == "biolink:directly_physically_interacts_with"
    assert by_predicate["expressed_in"]["level"] == "high"
    assert all(r["id"].startswith("urn:uuid:") for r in rows) and len({r["id"] for r in rows}) == 5


def test_knowledge_level_and_agent_type_are_biolink_values() -> None:
    biolink = pytest.importorskip("biolink_model")
    model = yaml.safe_load((Path(biolink.__path__[0]) / "schema" / "biolink_model.yaml").read_text())
    levels = set(model["enums"]["KnowledgeLevelEnum"]["permissible_values"])
    agents = set(model["enums"]["AgentTypeEnum"]["permissible_values"])
    curated = Provenance(CURATED, "1")
    other = Provenance("human-gem", "1")
    cases = {
        ("knowledge_assertion", "manual_agent"): Edge("a", "produces", "b", (curated,)),
        ("knowledge_assertion", "not_provided"): Edge("a", "produces", "b", (curated, other)),
        ("statistical_association", "data_analysis_pipeline"): Edge(
            "a", "expressed_in", "b", (other,), props(statistic="logFC", value=1.5)
        ),
        ("prediction", "computational_model"): Edge(
            "a", "crosstalk", "b", (other,), props(metabolite="x", mode="supply", inferred=True)
        ),
    }
    for expected, edge in cases.items():
        assert kgx_sink.knowledge_level(edge) == expected
        assert expected[0] in levels and expected[1] in agents
    for key in ("object_aspect_qualifier", "object_direction_qualifier"):
        values = {
            p.biolink_qualifiers[key]
            for p in load_schema().predicates.values()
            if key in p.biolink_qualifiers
        }
        enum = {"object_direction_qualifier": "DirectionQualifierEnum"}.get(
            key, "GeneOrGeneProductOrChemicalEntityAspectEnum"
        )
        assert values <= set(model["enums"][enum]["permissible_values"]), key


def test_round_trip_counts_match_the_store(tmp_path: Path) -> None:
    build_store(store=tmp_path / "store", sources=[CURATED])
    with KnowledgeGraph.open(tmp_path / "store") as kg:
        result = kgx_sink.write_kgx(kg, tmp_path / "out")
        stats = kg.stats()
    nodes, edges = read(tmp_path / "out" / "nodes.tsv"), read(tmp_path / "out" / "edges.tsv")
    assert (
        (len(nodes), len(edges))
        == (stats["total_nodes"], stats["total_edges"])
        == (result.nodes, result.edges)
    )
    assert Counter(r["tmekg_category"] for r in nodes) == stats["nodes"]
    assert Counter(r["tmekg_predicate"] for r in edges) == stats["edges"]
    ids = {r["id"] for r in nodes}
    assert all(r["subject"] in ids and r["object"] in ids for r in edges)
    assert len({r["id"] for r in edges}) == len(edges)
    again = kgx_sink.export_kgx(tmp_path / "again", tmp_path / "store")
    assert again.edges == result.edges
    assert (tmp_path / "again" / "edges.tsv").read_bytes() == (tmp_path / "out" / "edges.tsv").read_bytes()


def test_cells_never_break_the_tsv() -> None:
    assert kgx_sink.cell("a\tb\nc") == "a b c"
    assert kgx_sink.cell(["x|y", "z"]) == "x/y|z"
    assert (kgx_sink.cell(False), kgx_sink.cell(0.5), kgx_sink.cell(None)) == ("false", "0.5", "")


def offline_kgx_transformer():
    """kgx's Transformer, made to work offline: kgx and bmt fetch the Biolink model, its predicate map and
    JSON-LD context from GitHub at import time, so point them at the ``biolink-model`` package instead.
    """
    pytest.importorskip("kgx")
    toolkit = pytest.importorskip("bmt.toolkit")
    biolink = pytest.importorskip("biolink_model")
    import json

    import kgx.config

    local = Path(biolink.__path__[0])
    defaults = list(toolkit.Toolkit.__init__.__defaults__)
    defaults[:2] = [str(local / "schema" / "biolink_model.yaml"), {"predicate mappings": []}]
    toolkit.Toolkit.__init__.__defaults__ = tuple(defaults)
    context = json.loads((local / "prefixmaps" / "biolink-model-prefix-map.json").read_text())
    kgx.config.jsonld_context_map.update({"biolink": context, "monarch_context": {}, "obo_context": {}})
    from kgx.transformer import Transformer

    return Transformer


def test_kgx_tsv_source_reads_the_export(small_export: Path) -> None:
    """Optional (runs where the ``kgx`` package is installed): kgx's own TSV source loads the export."""
    transformer = offline_kgx_transformer()()
    files = [str(small_export / "nodes.tsv"), str(small_export / "edges.tsv")]
    transformer.transform({"filename": files, "format": "tsv"})
    graph = transformer.store.graph
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (6, 5)
    ado = graph.nodes()["CHEBI:16335"]
    assert ado["category"] == ["biolink:SmallMolecule"] and ado["xref"] == [
        "HMDB:HMDB0000050",
        "KEGG.COMPOUND:C00212",
    ]
    edge = next(data for _, _, data in graph.edges(data=True) if data["tmekg_predicate"] == "decreases")
    assert edge["publications"] == ["DOI:10.1000/xyz", "PMID:2"] and edge["predicate"] == "biolink:affects"
