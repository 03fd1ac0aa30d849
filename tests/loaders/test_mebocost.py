"""MEBOCOST loader: sensors (PMIDs), HMDB enzyme reactions and annotation; bad input; real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from record_checks import counts, validated

from tmekg.errors import LoaderError
from tmekg.loaders.mebocost import SENSORS, load, pmids, split
from tmekg.model import Edge, LoadReport, Node


def run(folder: Path) -> tuple[list[Node | Edge], LoadReport]:
    """Load a folder and check every record against the schema (edge endpoints must be yielded)."""
    report = LoadReport("mebocost")
    return validated(list(load(folder, report))), report


def edges(records: list[Node | Edge]) -> dict[tuple[str, str, str], Edge]:
    return {(r.subject, r.predicate, r.object): r for r in records if isinstance(r, Edge)}


def test_helpers() -> None:
    assert split("Arginine; L-Arginine; Arginine") == ["Arginine", "L-Arginine"]
    assert pmids("33209975; Recon2; https://en.wikipedia.org/wiki/X; 30728759, 31259764") == (
        "PMID:33209975",
        "PMID:30728759",
        "PMID:31259764",
    )


def test_fixture_records(fixtures: Path) -> None:
    records, report = run(fixtures / "mebocost")
    assert counts(records) == {
        "Metabolite": 6,
        "Gene": 13,
        "transports": 1,
        "binds": 3,
        "degrades": 2,
        "produces": 9,
    }
    assert report.rows == 16
    assert report.skipped == {
        "annotation: invalid HMDB id": 1,
        "sensors: duplicate pair": 1,
        "sensors: invalid or missing annotation": 1,
        "reactions: no new link (gene–metabolite pairs already seen)": 1,
        "reactions: invalid or missing gene": 1,
    }
    nodes = {r.id: r for r in records if isinstance(r, Node)}
    adenosine = nodes["HMDB:HMDB0000050"]
    assert adenosine.name == "Adenosine" and adenosine.xrefs == ("KEGG.COMPOUND:C00212",)
    assert "Ado" in adenosine.synonyms and not any("brand" in s.lower() for s in adenosine.synonyms)
    assert adenosine.prop("metabolite_class") == "Purine nucleosides"
    assert nodes["HMDB:HMDB0000190"].name == "L-Lactic acid"  # not in the annotation: sensor name
    assert nodes["HMDB:HMDB0003450"].name == "(-)-trans-Carveol"  # reaction-table name
    assert nodes["HGNC.SYMBOL:PPARA"].prop("roles") == ("nuclear_receptor",)
    assert nodes["HGNC.SYMBOL:ABCA1"].prop("roles") == ("transporter",)
    assert nodes["HGNC.SYMBOL:NT5E"].prop("roles") == ("enzyme",)
    found = edges(records)
    transport = found[("HGNC.SYMBOL:ABCA1", "transports", "HMDB:HMDB0006247")]
    assert transport.prop("direction") == "bidirectional"
    assert transport.provenance[0].evidence == ("PMID:16611739",)
    lactate = found[("HMDB:HMDB0000190", "binds", "HGNC.SYMBOL:HCAR1")]
    assert lactate.provenance[0].evidence == ("PMID:30728759", "PMID:31259764")
    assert len(found[("HMDB:HMDB0000050", "binds", "HGNC.SYMBOL:ADORA2A")].provenance[0].evidence) == 7
    assert ("HGNC.SYMBOL:CYP2C19", "degrades", "HMDB:HMDB0003375") in found
    assert ("HGNC.SYMBOL:CYP2C9", "produces", "HMDB:HMDB0003450") in found
    assert ("HGNC.SYMBOL:NT5C3", "produces", "HMDB:HMDB0000050") in found


def test_sensor_table_alone(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "mebocost" / SENSORS, tmp_path)
    records, report = run(tmp_path)
    assert counts(records) == {"Metabolite": 4, "Gene": 4, "transports": 1, "binds": 3}
    assert report.rows == 6


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "mebocost")[0] == run(fixtures / "mebocost")[0]


def test_missing_column_is_located(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "mebocost" / SENSORS).read_text(encoding="utf-8")
    (tmp_path / SENSORS).write_text(text.replace("\tEvidence\t", "\tReferences\t", 1), encoding="utf-8")
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert info.value.path.endswith(SENSORS)
    assert (info.value.line, info.value.field) == (1, "Evidence")


@pytest.mark.shared_data
def test_full_data(shared_data: Path) -> None:
    records, report = run(shared_data / "mebocost")
    assert counts(records) == {
        "Metabolite": 772,
        "Gene": 2311,
        "transports": 226,
        "binds": 206,
        "degrades": 4726,
        "produces": 4467,
    }
    assert report.rows == 1244 + 432 + 6881
    assert report.skipped == {
        "annotation: invalid HMDB id": 4,
        "reactions: no new link (gene–metabolite pairs already seen)": 2818,
    }
    found = edges(records)
    assert (
        "PMID:33209975"
        in found[("HGNC.SYMBOL:SLC7A1", "transports", "HMDB:HMDB0000517")].provenance[0].evidence
    )
