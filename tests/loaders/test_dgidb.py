"""DGIdb loader: DGIdb 4 and 5 interactions.tsv layouts, claim merging, bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from record_checks import counts, validated

from tmekg.errors import LoaderError
from tmekg.loaders.dgidb import drug_curie, load
from tmekg.model import Edge, LoadReport, Node


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    """Load a folder and check every record against the schema (edge endpoints must be yielded)."""
    report = LoadReport("dgidb")
    return validated(list(load(folder, report))), report


def edges(records: list[Node | Edge]) -> dict[tuple[str, str], Edge]:
    return {(r.subject, r.object): r for r in records if isinstance(r, Edge)}


def test_drug_curie() -> None:
    assert drug_curie("chembl:CHEMBL941") == "CHEMBL.COMPOUND:CHEMBL941"
    assert drug_curie("CHEMBL941") == "CHEMBL.COMPOUND:CHEMBL941"  # DGIdb 3 drug_chembl_id
    assert drug_curie("drugbank:DB00619") == "DRUGBANK:DB00619"
    assert drug_curie("rxcui:711942") is None
    assert drug_curie("") is None


def test_dgidb4_fixture(fixtures: Path) -> None:
    records, report = run(fixtures / "dgidb")
    assert counts(records) == {"Drug": 6, "Gene": 6, "targets": 6}
    assert report.rows == 10
    assert report.skipped == {"missing or invalid gene symbol": 1, "missing or invalid drug id and name": 1}
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    assert nodes["CHEMBL.COMPOUND:CHEMBL941"].name == "imatinib"
    assert nodes["HGNC.SYMBOL:ABL1"].xrefs == ("NCBIGENE:25",)
    assert nodes["TMEKG:drug.oleclumab"].prop("modality") == "antibody"  # no concept id: local id
    assert "TMEKG:drug.eltrombopag" in nodes  # rxcui has no schema prefix
    found = edges(records)
    imatinib = found[("CHEMBL.COMPOUND:CHEMBL941", "HGNC.SYMBOL:ABL1")]
    assert imatinib.prop("action") == "inhibitor"
    assert imatinib.provenance[0].evidence == ("PMID:11423618", "PMID:12200353")  # merged from line 4
    assert imatinib.provenance[0].record == "interactions.tsv:3"
    assert imatinib.provenance[0].score == 3.05
    aripiprazole = found[("CHEMBL.COMPOUND:CHEMBL1112", "HGNC.SYMBOL:HTR2A")]
    assert aripiprazole.prop("action") == "other"  # partial agonist vs antagonist claims
    pembrolizumab = found[("CHEMBL.COMPOUND:CHEMBL3137343", "HGNC.SYMBOL:PDCD1")]
    assert pembrolizumab.prop("action") == "blocking_antibody"  # "inhibitor,antibody"
    assert found[("TMEKG:drug.oleclumab", "HGNC.SYMBOL:NT5E")].prop("action") == "other"  # no type given


def test_dgidb5_fixture(fixtures: Path) -> None:
    records, report = run(fixtures / "dgidb" / "v5")
    assert counts(records) == {"Drug": 3, "Gene": 3, "targets": 3}
    assert report.rows == 3 and report.skipped == {}
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    assert nodes["CHEMBL.COMPOUND:CHEMBL3137343"].prop("max_phase") == 4  # approved
    assert nodes["TMEKG:drug.ciforadenant"].prop("max_phase") is None
    assert nodes["HGNC.SYMBOL:NT5E"].xrefs == ("HGNC:8021",)
    found = edges(records)
    assert found[("TMEKG:drug.ciforadenant", "HGNC.SYMBOL:ADORA2A")].prop("action") == "antagonist"
    assert found[("TMEKG:drug.oleclumab", "HGNC.SYMBOL:NT5E")].prop("action") == "blocking_antibody"


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "dgidb")[0] == run(fixtures / "dgidb")[0]


def test_missing_column_is_located(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "dgidb" / "interactions.tsv").read_text(encoding="utf-8")
    (tmp_path / "interactions.tsv").write_text(
        text.replace("\tdrug_concept_id\t", "\tdrug\t", 1), encoding="utf-8"
    )
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path.endswith("interactions.tsv")
    assert (info.value.line, info.value.field) == (1, "drug_concept_id")


def test_wrong_delimiter_is_reported(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "dgidb" / "interactions.tsv").read_text(encoding="utf-8")
    (tmp_path / "interactions.tsv").write_text(text.replace("\t", ","), encoding="utf-8")
    with pytest.raises(LoaderError, match="wrong delimiter"):
        run(tmp_path)


def test_gzipped_file(fixtures: Path, tmp_path: Path) -> None:
    data = (fixtures / "dgidb" / "interactions.tsv").read_bytes()
    (tmp_path / "interactions.tsv.gz").write_bytes(gzip.compress(data))
    records, _ = run(tmp_path)
    assert counts(records)["targets"] == 6
