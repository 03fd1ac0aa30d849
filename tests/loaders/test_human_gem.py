"""Tests of the Human-GEM loader (spreadsheet path, SBML fallback, real data)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from record_checks import unique_nodes

from tmekg.errors import LoaderError
from tmekg.loaders import human_gem
from tmekg.model import Edge, LoadReport, Node


def run(directory: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("human-gem")
    return list(human_gem.load(directory, report)), report


def edges(records: list[Node | Edge], predicate: str) -> list[Edge]:
    return [r for r in records if isinstance(r, Edge) and r.predicate == predicate]


@pytest.fixture()
def fixture_records(fixtures: Path) -> tuple[list[Node | Edge], LoadReport]:
    return run(fixtures / "human-gem")


def test_fixture_counts(fixture_records: tuple[list[Node | Edge], LoadReport]) -> None:
    records, report = fixture_records
    nodes = unique_nodes(records)
    assert Counter(n.category for n in nodes.values()) == {
        "Metabolite": 11,
        "Gene": 7,
        "Pathway": 4,
        "Reaction": 7,
    }
    assert Counter(r.predicate for r in records if isinstance(r, Edge)) == {
        "has_input": 13,
        "has_output": 12,
        "catalyzes": 8,
        "in_pathway": 7,
        "transports": 3,
    }
    # METS 18 + GENES 7 + RXNS 7 + metabolites.tsv 7 + genes.tsv 7 + reactions.tsv 4
    assert report.rows == 50
    assert report.skipped == {
        "METS row without MAM id or compartment": 1,
        "unknown metabolite in equation": 1,
        "unparseable gene rule": 1,
        "metabolites.tsv id not in the model": 1,
    }


def test_fixture_metabolites(fixture_records: tuple[list[Node | Edge], LoadReport]) -> None:
    nodes = unique_nodes(fixture_records[0])
    assert sorted(i for i, n in nodes.items() if n.category == "Metabolite") == sorted(
        [
            "CHEBI:15422",
            "CHEBI:16761",
            "CHEBI:4167",
            "CHEBI:4170",
            "CHEBI:24636",
            "CHEBI:422",
            "CHEBI:15846",
            "CHEBI:16908",
            "CHEBI:32816",
            "METATLAS:MAM02357",
            "CHEBI:17029",
        ]
    )
    lactate = nodes["CHEBI:422"]  # PubChem and a 2nd MetaNetX id come from metabolites.tsv only
    assert lactate.name == "L-lactate"
    assert lactate.xrefs == (
        "METATLAS:MAM02403",
        "KEGG.COMPOUND:C00186",
        "HMDB:HMDB0000190",
        "METANETX.CHEMICAL:MNXM179",
        "PUBCHEM.COMPOUND:107689",
        "METANETX.CHEMICAL:MNXM3041",
    )
    assert lactate.prop("formula") == "C3H5O3"
    chitin = nodes["CHEBI:17029"]  # two metsNoComp with one ChEBI id -> one node
    assert (chitin.name, chitin.synonyms) == ("chitin(n-1)", ("chitin",))
    assert {"METATLAS:MAM01436", "METATLAS:MAM01437"} <= set(chitin.xrefs)
    assert "CHEBI:57945" in nodes["CHEBI:16908"].xrefs  # NADH[n] carries another ChEBI id
    assert nodes["METATLAS:MAM02357"].xrefs == ("KEGG.COMPOUND:C08241", "METANETX.CHEMICAL:MNXM95193")


def test_fixture_genes_and_reactions(fixture_records: tuple[list[Node | Edge], LoadReport]) -> None:
    records, _ = fixture_records
    nodes = unique_nodes(records)
    hk1 = nodes["HGNC.SYMBOL:HK1"]
    assert hk1.xrefs == ("ENSEMBL:ENSG00000156515", "UNIPROT:P19367", "NCBIGENE:3098")
    assert hk1.prop("roles") == ("enzyme",) and hk1.prop("full_name") == "hexokinase 1"
    assert nodes["HGNC.SYMBOL:SLC2A1"].prop("roles") == ("transporter",)
    hexokinase = nodes["METATLAS:MAR04394"]
    assert hexokinase.prop("ec") == ("2.7.1.1", "2.7.1.2") and hexokinase.prop("reversible") is False
    assert set(hexokinase.xrefs) == {"KEGG.REACTION:R00299", "RHEA:17825"}
    assert hexokinase.provenance[0].evidence == ("PMID:16906315", "PMID:7061426")
    assert hexokinase.provenance[0].record == "Human-GEM.xlsx:RXNS:2"
    assert nodes["METATLAS:MAR04388"].provenance[0].evidence == ("PMID:12042361", "PMID:17045662")
    roles = {(e.subject, e.object): e.prop("rule_role") for e in edges(records, "catalyzes")}
    assert roles == {
        ("HGNC.SYMBOL:HK1", "METATLAS:MAR04394"): "isozyme",
        ("HGNC.SYMBOL:HK2", "METATLAS:MAR04394"): "isozyme",
        ("HGNC.SYMBOL:LDHA", "METATLAS:MAR04388"): "complex_subunit",
        ("HGNC.SYMBOL:LDHB", "METATLAS:MAR04388"): "complex_subunit",
        ("HGNC.SYMBOL:LDHC", "METATLAS:MAR04388"): "isozyme",
        ("HGNC.SYMBOL:SLC2A1", "METATLAS:MAR05029"): "sole",
        ("HGNC.SYMBOL:SLC16A3", "METATLAS:MAR06019"): "sole",
        ("HGNC.SYMBOL:HK1", "METATLAS:MAR09901"): "sole",
    }
    stoich = {
        (e.object, e.prop("compartment"), e.prop("stoichiometry"))
        for e in edges(records, "has_input") + edges(records, "has_output")
        if e.subject.endswith("9901")
    }
    assert stoich == {
        ("CHEBI:15422", "c", 2.0),
        ("CHEBI:17029", "c", 1.0),
        ("METATLAS:MAM02357", "c", 1.0),
        ("CHEBI:16761", "c", 2.0),
        ("CHEBI:24636", "c", 0.5),
    }


def test_fixture_transports_and_pathways(fixture_records: tuple[list[Node | Edge], LoadReport]) -> None:
    records, _ = fixture_records
    nodes = unique_nodes(records)
    assert {(e.subject, e.object, e.prop("direction")) for e in edges(records, "transports")} == {
        ("HGNC.SYMBOL:SLC2A1", "CHEBI:4167", "bidirectional"),
        ("HGNC.SYMBOL:SLC16A3", "CHEBI:24636", "export"),
        ("HGNC.SYMBOL:SLC16A3", "CHEBI:422", "export"),
    }
    pathways = {i: n.name for i, n in nodes.items() if n.category == "Pathway"}
    assert pathways == {
        "TMEKG:pathway.hgem.glycolysis_gluconeogenesis": "Glycolysis / Gluconeogenesis",
        "TMEKG:pathway.hgem.transport_reactions": "Transport reactions",
        "TMEKG:pathway.hgem.exchange_demand_reactions": "Exchange/demand reactions",
        "TMEKG:pathway.hgem.pentose_phosphate_pathway": "Pentose phosphate pathway",
    }
    assert all(n.prop("database") == "Human-GEM" for i, n in nodes.items() if i in pathways)


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "human-gem")[0] == run(fixtures / "human-gem")[0]


def test_without_annotation_tables(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "human-gem" / "Human-GEM.xlsx", tmp_path)
    records, report = run(tmp_path)
    nodes = unique_nodes(records)
    assert "PUBCHEM.COMPOUND:107689" not in nodes["CHEBI:422"].xrefs
    assert nodes["HGNC.SYMBOL:HK1"].prop("full_name") is None
    assert report.rows == 32


def test_missing_column_names_file_line_field(fixtures: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(fixtures / "human-gem" / "Human-GEM.xlsx")
    book["RXNS"]["D1"] = "EQUATIONS"
    book.save(tmp_path / "Human-GEM.xlsx")
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path == str(tmp_path / "Human-GEM.xlsx")
    assert (info.value.line, info.value.field) == (1, "EQUATION")
    assert "sheet RXNS" in str(info.value)


def test_missing_tsv_column_and_missing_model(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match=r"neither Human-GEM\.xlsx nor Human-GEM\.xml"):
        run(tmp_path)
    shutil.copy(fixtures / "human-gem" / "Human-GEM.xlsx", tmp_path)
    (tmp_path / "metabolites.tsv").write_text('mets\tmetsNoComp\tmetKEGGID\n"MAM1c"\t"MAM1"\t"C1"\n')
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert (Path(info.value.path).name, info.value.line, info.value.field) == (
        "metabolites.tsv",
        1,
        "metHMDBID",
    )


def test_not_an_xlsx(tmp_path: Path) -> None:
    (tmp_path / "Human-GEM.xlsx").write_bytes(b"not a zip")
    with pytest.raises(LoaderError, match=r"not a readable \.xlsx"):
        run(tmp_path)


@pytest.mark.shared_data
def test_full_human_gem(shared_data: Path) -> None:
    records, report = run(shared_data / "human-gem")
    nodes = unique_nodes(records)
    counts = Counter(n.category for n in nodes.values())
    assert counts["Metabolite"] >= 4000 and counts["Gene"] >= 2800
    assert counts["Reaction"] >= 12000 and counts["Pathway"] >= 100
    assert report.rows > 40000 and set(report.skipped) <= {"invalid cross-reference"}
    atp = nodes["CHEBI:15422"]
    assert atp.name == "ATP" and {"METATLAS:MAM01371", "HMDB:HMDB0000538"} <= set(atp.xrefs)
    catalysis = {(e.subject, e.object): e.prop("rule_role") for e in edges(records, "catalyzes")}
    assert catalysis[("HGNC.SYMBOL:HK2", "METATLAS:MAR04394")] == "isozyme"
    transports = {(e.subject, e.object, e.prop("direction")) for e in edges(records, "transports")}
    assert ("HGNC.SYMBOL:SLC2A1", "CHEBI:4167", "bidirectional") in transports
