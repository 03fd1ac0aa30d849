"""CellPhoneDB loader: small-molecule proxy complexes, receptor complexes, ChEBI ids; bad input; real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from record_checks import counts, validated

from tmekg.errors import LoaderError
from tmekg.loaders.cellphonedb import ligand_names, load, slug
from tmekg.model import Edge, LoadReport, Node


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    """Load a folder and check every record against the schema (edge endpoints must be yielded)."""
    report = LoadReport("cellphonedb")
    return validated(list(load(folder, report))), report


def triples(records: list[Node | Edge], predicate: str) -> set[tuple[str, str]]:
    return {(r.subject, r.object) for r in records if isinstance(r, Edge) and r.predicate == predicate}


def test_ligand_names() -> None:
    assert ligand_names("LeukotrieneB4") == ("Leukotriene B4",)
    assert ligand_names("AldosteroneCorticosterone") == ("Aldosterone", "Corticosterone")
    assert ligand_names("Adrenaline") == ("Epinephrine",)
    assert ligand_names("Histamine") == ("Histamine",)
    assert slug("all-trans-Retinoic acid") == "all-trans-retinoic_acid"


def test_fixture_records(fixtures: Path) -> None:
    records, report = run(fixtures / "cellphonedb")
    assert counts(records) == {"Metabolite": 6, "Gene": 12, "produces": 5, "transports": 1, "binds": 8}
    assert report.rows == 16 + 7 + 8
    assert report.skipped == {
        "not a small-molecule ligand interaction": 1,
        "proxy complex whose named enzyme is not among its members": 1,
        "receptor without a gene name": 1,
    }
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    assert [n.id for n in records if isinstance(n, Node) and n.category == "Metabolite"] == [
        "TMEKG:metabolite.dehydroepiandrosterone",
        "CHEBI:15355",
        "CHEBI:16827",
        "CHEBI:28790",
        "TMEKG:metabolite.dopamine",
        "TMEKG:metabolite.adenosine",
    ]
    assert nodes["CHEBI:28790"].name == "Serotonin"  # SerotoninDopamin: one ChEBI id, paired with the first
    assert nodes["CHEBI:28790"].synonyms == ("SerotoninDopamin", "SerotoninDopamin_byDDC")
    assert nodes["TMEKG:metabolite.adenosine"].synonyms == ("Adenosine_byNT5E_and_SLC29A1",)
    chat = nodes["HGNC.SYMBOL:CHAT"]
    assert chat.prop("roles") == ("enzyme",) and chat.xrefs[0] == "UNIPROT:P28329"
    assert any(x.startswith("ENSEMBL:ENSG") for x in chat.xrefs)
    assert nodes["HGNC.SYMBOL:SLC29A1"].prop("roles") == ("transporter",)
    assert nodes["HGNC.SYMBOL:CHRNB3"].prop("roles") == ("receptor",)
    assert "HGNC.SYMBOL:UBASH3B" not in nodes  # Dehydroepiandrosterone_bySTS points at the wrong protein
    assert triples(records, "produces") == {
        ("HGNC.SYMBOL:CHAT", "CHEBI:15355"),
        ("HGNC.SYMBOL:CYP11B1", "CHEBI:16827"),
        ("HGNC.SYMBOL:DDC", "CHEBI:28790"),
        ("HGNC.SYMBOL:DDC", "TMEKG:metabolite.dopamine"),
        ("HGNC.SYMBOL:NT5E", "TMEKG:metabolite.adenosine"),
    }
    assert triples(records, "transports") == {("HGNC.SYMBOL:SLC29A1", "TMEKG:metabolite.adenosine")}
    assert triples(records, "binds") == {
        ("CHEBI:15355", "HGNC.SYMBOL:CHRM1"),
        ("CHEBI:15355", "HGNC.SYMBOL:CHRNA2"),
        ("CHEBI:15355", "HGNC.SYMBOL:CHRNB3"),
        ("TMEKG:metabolite.adenosine", "HGNC.SYMBOL:ADORA2A"),
        ("CHEBI:16827", "HGNC.SYMBOL:NR3C2"),
        ("TMEKG:metabolite.dehydroepiandrosterone", "HGNC.SYMBOL:PPARA"),
        ("CHEBI:28790", "HGNC.SYMBOL:DRD1"),
        ("TMEKG:metabolite.dopamine", "HGNC.SYMBOL:DRD1"),
    }
    cort = next(r for r in records if isinstance(r, Edge) and r.object == "HGNC.SYMBOL:NR3C2")
    assert cort.provenance[0].evidence == ("PMID:3037703",)
    assert cort.provenance[0].record == "interaction_input.csv:6"


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "cellphonedb")[0] == run(fixtures / "cellphonedb")[0]


def test_missing_column_is_located(fixtures: Path, tmp_path: Path) -> None:
    for name in ("complex_input.csv", "gene_input.csv"):
        shutil.copy(fixtures / "cellphonedb" / name, tmp_path)
    text = (fixtures / "cellphonedb" / "interaction_input.csv").read_text(encoding="utf-8")
    (tmp_path / "interaction_input.csv").write_text(
        text.replace(",partner_b,", ",partner_2,", 1), encoding="utf-8"
    )
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path.endswith("interaction_input.csv")
    assert (info.value.line, info.value.field) == (1, "partner_b")


@pytest.mark.shared_data
def test_full_data(shared_data: Path) -> None:
    records, report = run(shared_data / "cellphonedb")
    assert counts(records) == {"Metabolite": 47, "Gene": 258, "produces": 84, "transports": 35, "binds": 209}
    assert report.skipped == {
        "not a small-molecule ligand interaction": 1882,
        "proxy complex whose named enzyme is not among its members": 2,
    }
    metabolites = [r for r in records if isinstance(r, Node) and r.category == "Metabolite"]
    assert sum(m.id.startswith("CHEBI:") for m in metabolites) == 34
    assert ("CHEBI:15551", "HGNC.SYMBOL:PTGER4") in triples(records, "binds")  # PGE2 -> EP4
    assert ("HGNC.SYMBOL:NT5E", "TMEKG:metabolite.adenosine") in triples(records, "produces")
