"""Ontology look-ups (CL, ChEBI via cellxgene-ontology-guide) and node enrichment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tmekg.loaders import ontologies
from tmekg.model import LoadReport, Node, Provenance
from tmekg.schema import load_schema

pytest.importorskip("cellxgene_ontology_guide", reason="cellxgene-ontology-guide is not installed")


def test_load_yields_nothing() -> None:
    report = LoadReport("ontologies")
    assert list(ontologies.load(None, report)) == []
    assert report.rows == 0


def test_cell_ontology_lookups() -> None:
    assert ontologies.label("CL:0000057") == "fibroblast"
    assert ontologies.synonyms("CL:0000084") == ("T lymphocyte", "T-cell", "T-lymphocyte")
    assert ontologies.ancestors("CL:0000057") == ("CL:0000000", "CL:0000255", "CL:0000499", "CL:0002320")
    assert ontologies.id_by_label("Fibroblast", "CL") == "CL:0000057"
    assert ontologies.version("CL").startswith("v20")


def test_chebi_lookups() -> None:
    assert ontologies.label("CHEBI:16335") == "adenosine"
    assert "CHEBI:22260" in ontologies.ancestors("CHEBI:16335")  # a ribonucleoside
    assert ontologies.id_by_label("Histamine") == "CHEBI:18295"


def test_unknown_and_unsupported_ids() -> None:
    assert ontologies.label("CL:9999999") is None
    assert ontologies.label("HMDB:HMDB0000050") is None
    assert ontologies.synonyms("GO:0006955") == ()
    assert ontologies.ancestors("CHEBI:999999999") == ()
    assert ontologies.id_by_label("no such metabolite") is None
    assert ontologies.id_by_label("adenosine", "HMDB") is None


def test_enrich_fills_names_and_synonyms() -> None:
    prov = (Provenance("test", "1"),)
    nodes = [
        Node("HMDB:HMDB0000050", "Metabolite", "HMDB0000050", xrefs=("CHEBI:16335",), provenance=prov),
        Node("CL:0000057", "CellType", "CL:0000057", provenance=prov),
        Node("CL:0000084", "CellType", "T-cells", provenance=prov),
        Node("CHEBI:16335", "Metabolite", "Adenosine", provenance=prov),
        Node("HGNC.SYMBOL:NT5E", "Gene", "NT5E", provenance=prov),
        Node("TMEKG:celltype.icaf", "CellType", "iCAF", provenance=prov),
    ]
    enriched = list(ontologies.enrich(nodes))
    schema = load_schema()
    for node in enriched:
        schema.validate_node(node)
    assert enriched[0].name == "adenosine" and enriched[0].synonyms == ()
    assert enriched[0].provenance[-1] == Provenance(
        "ontologies", f"CHEBI {ontologies.version('CHEBI')}", record="CHEBI:16335"
    )
    assert enriched[1].name == "fibroblast"
    assert enriched[2].name == "T-cells"
    assert enriched[2].synonyms == ("T cell", "T lymphocyte", "T-cell", "T-lymphocyte")
    assert enriched[3:] == nodes[3:]  # nothing missing, no ontology, or not an ontology id


def test_enrich_maps_local_ids_by_label_on_request() -> None:
    local = Node("TMEKG:metabolite.adenosine", "Metabolite", "Adenosine", synonyms=("Adenosine_byNT5E",))
    unknown = Node("TMEKG:metabolite.x", "Metabolite", "no such metabolite")
    assert list(ontologies.enrich([local])) == [local]
    mapped, untouched = ontologies.enrich([local, unknown], map_names=True)
    assert mapped.xrefs == ("CHEBI:16335",)
    assert mapped.name == "Adenosine" and mapped.synonyms == (
        "Adenosine_byNT5E",
    )  # label differs in case only
    assert untouched == unknown


def test_enrich_is_lazy() -> None:
    def boom() -> object:
        raise AssertionError("consumed")
        yield  # pragma: no cover

    ontologies.enrich(boom())  # building the iterator reads nothing


@pytest.mark.shared_data
def test_enrich_real_cellphonedb_ligands(shared_data: Path) -> None:
    from tmekg.loaders.cellphonedb import load

    nodes = [r for r in load(shared_data / "cellphonedb", LoadReport("cellphonedb")) if isinstance(r, Node)]
    enriched = {n.id: n for n in ontologies.enrich(nodes)}
    assert len(enriched) == len(nodes)
    assert enriched["CHEBI:57406"].name == "Prostaglandin D2"
    assert "prostaglandin D2(1-)" in enriched["CHEBI:57406"].synonyms
    assert "(R)-adrenaline" in enriched["CHEBI:28918"].synonyms
    assert enriched["HGNC.SYMBOL:PTGER4"] == next(n for n in nodes if n.id == "HGNC.SYMBOL:PTGER4")
