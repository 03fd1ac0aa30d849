"""MetalinksDB loader: published-format fixture (BOM, JSON-style quotes, null), bad input, real data."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from record_checks import counts, validated

from tmekg.errors import LoaderError
from tmekg.loaders.metalinksdb import clean, load
from tmekg.model import Edge, LoadReport, Node


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    """Load a folder and check every record against the schema (edge endpoints must be yielded)."""
    report = LoadReport("metalinksdb")
    return validated(list(load(folder, report))), report


def edge(records: list[Node | Edge], subject: str, predicate: str, obj: str) -> Edge:
    return next(
        r
        for r in records
        if isinstance(r, Edge) and (r.subject, r.predicate, r.object) == (subject, predicate, obj)
    )


def test_clean_strips_json_quotes_and_null() -> None:
    assert clean('"HMDB0000538"') == "HMDB0000538"
    assert clean("null") is None
    assert clean("") is None


def test_fixture_records(fixtures: Path) -> None:
    records, report = run(fixtures / "metalinksdb")
    assert counts(records) == {
        "Metabolite": 8,
        "Gene": 9,
        "binds": 3,
        "activates": 1,
        "inhibits": 1,
        "transports": 1,
        "produces": 2,
        "degrades": 2,
    }
    assert report.rows == 15
    assert report.skipped == {
        "duplicate link (merged into an earlier row)": 3,
        "invalid or missing HMDB id": 1,
        "invalid or missing direction": 1,
    }
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    atp = nodes["HMDB:HMDB0000538"]
    assert (atp.name, atp.xrefs) == ("Adenosine triphosphate", ("PUBCHEM.COMPOUND:5957",))
    assert atp.prop("metabolite_class") == "Purine ribonucleotides"
    assert nodes["HMDB:HMDB0015532"].name == "HMDB0015532"  # enzyme table only: no name in the source
    assert nodes["HGNC.SYMBOL:NLRP1"].xrefs == ("UNIPROT:Q9C000",)
    assert nodes["HGNC.SYMBOL:NLRP1"].prop("roles") == ("receptor",)
    assert nodes["HGNC.SYMBOL:SLC29A1"].prop("roles") == ("transporter",)
    assert nodes["HGNC.SYMBOL:ADK"].prop("roles") == ("enzyme",)
    binds = edge(records, "HMDB:HMDB0000538", "binds", "HGNC.SYMBOL:NLRP1")
    assert binds.prop("mode") == "binding"
    assert binds.provenance[0].score == 0.927  # the later duplicate row without a score does not lower it
    assert binds.provenance[0].record == "DB_F_0.4.5.csv.gz:2"
    assert edge(records, "HMDB:HMDB0015552", "binds", "HGNC.SYMBOL:ADRA1B").prop("mode") == "pred_bind"
    assert edge(records, "HMDB:HMDB0000895", "activates", "HGNC.SYMBOL:KCNA6").provenance[0].score is None
    assert edge(records, "HMDB:HMDB0014859", "inhibits", "HGNC.SYMBOL:CHRNA10").provenance[0].score == 0.8
    transport = edge(records, "HGNC.SYMBOL:SLC29A1", "transports", "HMDB:HMDB0000050")
    assert transport.prop("direction") == "bidirectional"
    assert edge(records, "HGNC.SYMBOL:NT5C1A", "produces", "HMDB:HMDB0000050")
    assert edge(records, "HGNC.SYMBOL:PCBD2", "degrades", "HMDB:HMDB0002281")


def test_plain_csv_and_optional_enzyme_table(fixtures: Path, tmp_path: Path) -> None:
    with gzip.open(fixtures / "metalinksdb" / "DB_F_0.4.5.csv.gz", "rb") as src:
        (tmp_path / "DB_F_0.4.5.csv").write_bytes(src.read())
    records, report = run(tmp_path)
    assert counts(records)["binds"] == 3 and "produces" not in counts(records)
    assert report.rows == 9


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "metalinksdb")[0] == run(fixtures / "metalinksdb")[0]


def test_missing_column_is_located(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "metalinksdb" / "DB_F_0.4.5.csv.gz", tmp_path)
    (tmp_path / "PD_0.3.0.csv").write_text(",HMDB,GENE\n0,HMDB0015532,SLC39A2\n", encoding="utf-8")
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path.endswith("PD_0.3.0.csv")
    assert (info.value.line, info.value.field) == (1, "direction")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match=r"DB_F_0\.4\.5\.csv"):
        run(tmp_path)


@pytest.mark.shared_data
def test_full_data(shared_data: Path) -> None:
    records, report = run(shared_data / "metalinksdb")
    assert counts(records) == {
        "Metabolite": 2849,
        "Gene": 4335,
        "binds": 9048,
        "activates": 1677,
        "inhibits": 724,
        "produces": 15939,
        "degrades": 12176,
    }
    metabolite_protein = sum(counts(records)[p] for p in ("binds", "activates", "inhibits", "transports"))
    assert metabolite_protein >= 10_000
    assert report.rows == 12_355 + 28_117
    assert report.skipped == {"duplicate link (merged into an earlier row)": 908}
    assert edge(records, "HMDB:HMDB0000538", "binds", "HGNC.SYMBOL:NLRP1").provenance[0].score == 0.927
