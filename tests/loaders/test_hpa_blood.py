"""HPA blood-cell expression loader: detection rule, CL mapping, gene keys, bad input, .zip, real file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from record_checks import counts, unique_nodes

from tmekg.errors import LoaderError
from tmekg.loaders import get_source
from tmekg.loaders import ontologies as cl
from tmekg.loaders.hpa_blood import FILE, cell_type_map, detection_weight, load, parse_map
from tmekg.model import Edge, LoadReport, Node

HEADER = "Gene\tGene name\tBlood cell\tnTPM\n"


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("hpa-blood")
    return list(load(folder, report)), report


def expressed(records: list[Node | Edge]) -> dict[tuple[str, str], Edge]:
    return {
        (r.subject, r.object): r for r in records if isinstance(r, Edge) and r.predicate == "expressed_in"
    }


def test_fixture_edges_follow_the_detection_rule(fixtures: Path) -> None:
    records, report = run(fixtures / "hpa-blood")
    nodes = unique_nodes(records)
    edges = expressed(records)
    # nTPM >= 1 in a cell type (not total PBMC): 0.9, 0 and 0.4 are below; 1 is exactly detected;
    # ARL17A is two Ensembl genes: the higher value (7.5, line 13) stands for the symbol.
    assert {k: e.prop("value") for k, e in edges.items()} == {
        ("HGNC.SYMBOL:PDCD1", "CL:0000909"): 12.5,
        ("HGNC.SYMBOL:PDCD1", "CL:0000815"): 3.0,
        ("HGNC.SYMBOL:CD36", "CL:0000860"): 250.0,
        ("HGNC.SYMBOL:CD36", "CL:0000623"): 1.0,
        ("ENSEMBL:ENSG00000064489", "CL:0000623"): 5.0,
        ("HGNC.SYMBOL:ARL17A", "CL:0000623"): 7.5,
    }
    arl = edges[("HGNC.SYMBOL:ARL17A", "CL:0000623")]
    assert arl.provenance[0].record == "rna_blood_cell.tsv:13"
    assert arl.prop("statistic") == "nTPM" and arl.prop("threshold") == "nTPM >= 1"
    assert edges[("HGNC.SYMBOL:CD36", "CL:0000623")].provenance[0].score == 0.1502  # log2(2)/log2(101)
    assert edges[("HGNC.SYMBOL:CD36", "CL:0000860")].provenance[0].score == 1.0  # capped at 100 nTPM
    assert arl.provenance[0].evidence == ("PMID:31857451",)
    assert report.rows == 12 and report.skipped == {"mixture of cell types, not a cell type": 2}
    assert set(nodes["HGNC.SYMBOL:ARL17A"].xrefs) == {"ENSEMBL:ENSG00000185829", "ENSEMBL:ENSG00000276047"}
    assert nodes["HGNC.SYMBOL:PDCD1"].xrefs == ("ENSEMBL:ENSG00000188389",)
    # 18 HPA types + 7 parent terms + cDC1/cDC2 under myeloid DC; 17 parent links + 2 child links
    assert counts(records) == {"Gene": 4, "CellType": 27, "expressed_in": 6, "subclass_of": 19}


def test_cell_types_hang_off_the_kb_nodes(fixtures: Path) -> None:
    records, _ = run(fixtures / "hpa-blood")
    links = {(r.subject, r.object) for r in records if isinstance(r, Edge) and r.predicate == "subclass_of"}
    assert ("CL:0000909", "CL:0000625") in links  # memory CD8 -> CD8-positive, alpha-beta T cell (KB node)
    assert ("CL:0002394", "CL:0000782") in links  # KB cDC1 -> HPA myeloid DC
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    assert nodes["CL:0000909"].synonyms == ("memory CD8 T cell",)
    assert nodes["CL:0000909"].prop("compartment") == "immune"


def test_mapping_matches_the_cell_ontology() -> None:
    """Every id is a CL term whose label is the mapped name; parents/children are CL ancestors."""
    mapping = cell_type_map()
    assert len(mapping.ids) == 19 and mapping.mixtures == {"total PBMC"}
    for term, name in mapping.names.items():
        assert cl.label(term) == name, term
    for child, parent in mapping.parents.items():
        assert parent in cl.ancestors(child), (child, parent)
    for parent, children in mapping.children.items():
        assert all(parent in cl.ancestors(c) for c in children), parent
    assert len(set(mapping.ids.values())) == len(mapping.ids)  # no two HPA types on one term


def test_map_document_is_validated() -> None:
    with pytest.raises(LoaderError, match="no CL id"):
        parse_map({"detection": {"min_value": 1}, "cell_types": {"NK cell": {"id": "TMEKG:x"}}})
    with pytest.raises(LoaderError, match=r"detection\.min_value"):
        parse_map({"cell_types": {"NK cell": {"id": "CL:0000623"}}})


def test_detection_weight() -> None:
    assert detection_weight(0.0) == 0.0
    assert detection_weight(1.0) == 0.1502
    assert detection_weight(100.0) == 1.0 and detection_weight(5000.0) == 1.0


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        ("ENSG00000188389\tPDCD1\tNK cell\thigh\n", 2, "nTPM", "not a finite non-negative number: 'high'"),
        ("ENSG00000188389\tPDCD1\tNK cell\t-1\n", 2, "nTPM", "not a finite non-negative number"),
        ("ENSG00000188389\tPDCD1\tNK cell\t2\nX\tPDCD1\tNK cell\t2\n", 3, "Gene", "not an Ensembl gene id"),
        ("ENSG00000188389\tPDCD1\tmast cell\t2\n", 2, "Blood cell", "'mast cell' is not in hpa_celltypes"),
    ],
)
def test_bad_values_name_file_line_field(
    tmp_path: Path, body: str, line: int, field: str, message: str
) -> None:
    (tmp_path / FILE).write_text(HEADER + body)
    with pytest.raises(LoaderError, match=message) as info:
        run(tmp_path)
    assert (info.value.line, info.value.field) == (line, field)
    assert info.value.path.endswith(FILE)


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / FILE).write_text("Gene\tGene name\tBlood cell\tTPM\nENSG00000188389\tPDCD1\tNK cell\t2\n")
    with pytest.raises(LoaderError, match="missing column") as info:
        run(tmp_path)
    assert (info.value.line, info.value.field) == (1, "nTPM")
    (tmp_path / FILE).unlink()
    with pytest.raises(LoaderError, match="file not found"):
        run(tmp_path)


def test_reads_hpa_zip_download_with_tpm_columns(tmp_path: Path) -> None:
    """HPA 21's own download: a .zip holding the TSV with TPM / pTPM / nTPM columns."""
    text = "Gene\tGene name\tBlood cell\tTPM\tpTPM\tnTPM\nENSG00000188389\tPDCD1\tNK cell\t9.0\t9.1\t4.2\n"
    with zipfile.ZipFile(tmp_path / f"{FILE}.zip", "w") as archive:
        archive.writestr(FILE, text)
    records, _ = run(tmp_path)
    assert {k: e.prop("value") for k, e in expressed(records).items()} == {
        ("HGNC.SYMBOL:PDCD1", "CL:0000623"): 4.2
    }
    assert not get_source("hpa-blood").missing(tmp_path)  # the .zip satisfies the registry too


def test_gzip_copy_is_read(fixtures: Path, tmp_path: Path) -> None:
    import gzip

    data = (fixtures / "hpa-blood" / FILE).read_bytes()
    (tmp_path / f"{FILE}.gz").write_bytes(gzip.compress(data))
    assert len(expressed(run(tmp_path)[0])) == 6


@pytest.mark.shared_data
def test_real_file(shared_data: Path) -> None:
    """Every real HPA label is mapped, and the edge count equals an independent pandas count."""
    import pandas as pd

    records, report = run(shared_data / "hpa-blood")
    frame = pd.read_csv(shared_data / "hpa-blood" / f"{FILE}.gz", sep="\t", keep_default_na=False)
    assert set(frame["Blood cell"]) == set(cell_type_map().ids)
    kept = frame[(frame["Blood cell"] != "total PBMC") & (frame["nTPM"] >= 1)]
    key = kept["Gene name"].where(kept["Gene name"] != "", kept["Gene"])
    assert len(expressed(records)) == len(set(zip(key, kept["Blood cell"], strict=True)))
    assert report.rows == len(frame)
    labels = pd.read_csv(shared_data / "hpa-blood" / "labels_Blood.tsv", sep="\t")
    assert {name.replace("_", " ") for name in labels["Name"]} == set(cell_type_map().ids)


def test_fetch_explains_where_to_get_hpa_21(tmp_path: Path) -> None:
    """HPA publishes no checksums: `tmekg fetch hpa-blood` names the pinned v21 URL instead of downloading."""
    from tmekg.errors import TmekgError
    from tmekg.fetch import fetch

    with pytest.raises(
        TmekgError, match=r"not downloadable: .*v21\.proteinatlas\.org/download/rna_blood_cell"
    ):
        fetch(["hpa-blood"], cache=tmp_path)
    assert not list(tmp_path.iterdir())
