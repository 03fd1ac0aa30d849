"""The shipped curated PDAC knowledge base: validity, size minimums, citations, ontology ids."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tmekg.build import build_records
from tmekg.loaders import curated
from tmekg.model import Edge, LoadReport, Node
from tmekg.schema import load_schema
from tmekg.validate import validate_file

IMMUNOTHERAPY_CLASSES = {
    "anti-PD-1",
    "anti-PD-L1",
    "anti-CTLA-4",
    "CD40-agonist",
    "CAR-T",
    "cancer-vaccine",
    "adoptive-T-cell",
}


@pytest.fixture(scope="module")
def kb():
    records = list(curated.load(None, LoadReport("tmekg-curated")))
    builder_input = [("tmekg-curated", records)]
    graph = build_records(builder_input)  # non-strict here; strictness is checked below
    return records, graph


def test_every_kb_file_validates() -> None:
    files = curated.kb_files(curated.default_directory())
    assert len(files) >= 4
    for path in files:
        result = validate_file(path)
        assert result.ok, "\n".join(str(e) for e in result.errors[:10])


def test_no_dangling_edges(kb) -> None:
    _, graph = kb
    assert graph.sources["tmekg-curated"].edges_dangling == 0, graph.sources[
        "tmekg-curated"
    ].dangling_examples


def test_size_minimums(kb) -> None:
    _, graph = kb
    cats = Counter(n.category for n in graph.nodes)
    assert cats["CellType"] >= 15
    assert cats["Metabolite"] >= 40
    assert cats["Gene"] >= 80
    assert cats["Drug"] >= 30
    assert cats["ImmuneEffect"] >= 10
    assert len(graph.edges) >= 300
    immuno = [n for n in graph.nodes if n.category == "Drug" and n.prop("immunotherapy_class")]
    assert len(immuno) >= 10
    assert {n.prop("immunotherapy_class") for n in immuno} == IMMUNOTHERAPY_CLASSES


def test_every_edge_has_publication_evidence(kb) -> None:
    _, graph = kb
    pattern = re.compile(
        r"^(PMID:\d+|PMC:PMC\d+|DOI:10\.\d+/\S+|RHEA:\d{5,}|REACT:R-HSA-\d+|METATLAS:MAR\d{5})$"
    )
    for edge in graph.edges:
        evidence = [e for p in edge.provenance for e in p.evidence]
        assert evidence and all(pattern.match(e) for e in evidence), edge


def test_required_axes_are_present(kb) -> None:
    _, graph = kb
    genes = {n.id.split(":", 1)[1] for n in graph.nodes if n.category == "Gene"}
    for symbol in (
        "SLC16A1",
        "SLC16A3",
        "PHGDH",
        "PSAT1",
        "PSPH",
        "SHMT2",
        "GLS",
        "GLUL",
        "SLC1A5",
        "ENTPD1",
        "NT5E",
        "ADORA2A",
        "ADORA2B",
        "IDO1",
        "TDO2",
        "AHR",
        "ARG1",
        "ARG2",
        "SLC7A1",
        "PTGS2",
        "PTGER2",
        "PTGER4",
        "SLC7A11",
        "ENPP2",
        "HAS2",
        "PDCD1",
        "CD274",
        "CTLA4",
        "CD40",
    ):
        assert symbol in genes, symbol
    contexts = {n.id for n in graph.nodes if n.category == "Context"}
    assert {
        "MONDO:0005184",
        "TMEKG:context.hypoxic-core",
        "TMEKG:context.desmoplastic-stroma",
        "TMEKG:context.liver-metastasis",
    } <= contexts


def test_immune_effects_are_signed(kb) -> None:
    _, graph = kb
    signed = [e for e in graph.edges if e.predicate in ("increases", "decreases")]
    assert len(signed) >= 20
    assert {e.predicate for e in signed} == {"increases", "decreases"}


def test_ontology_ids_exist_with_expected_labels(kb) -> None:
    guide = pytest.importorskip("cellxgene_ontology_guide.ontology_parser")
    parser = guide.OntologyParser()
    records, _ = kb
    checked = 0
    for node in (r for r in records if isinstance(r, Node)):
        for curie in (node.id, *node.xrefs):
            if curie.split(":", 1)[0] in ("CL", "CHEBI", "MONDO", "UBERON"):
                assert parser.get_term_label(curie), curie  # raises for unknown ids
                checked += 1
    assert checked >= 40


def test_no_combination_outcomes_encoded(kb) -> None:
    """Drugs act on genes; only immunotherapies carry their own (single-agent) immune mechanism."""
    records, graph = kb
    drugs = {n.id: n for n in graph.nodes if n.category == "Drug"}
    for record in records:
        if isinstance(record, Edge) and record.subject in drugs:
            assert record.object not in drugs, record
            if record.predicate in ("increases", "decreases"):
                assert drugs[record.subject].prop("immunotherapy_class"), record


def test_schema_covers_kb(kb) -> None:
    records, _ = kb
    schema = load_schema()
    used = {r.predicate for r in records if isinstance(r, Edge)}
    assert used <= set(schema.predicates)
