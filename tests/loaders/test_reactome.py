"""Tests of the Reactome flat-file loader (fixtures in the published formats)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from record_checks import unique_nodes

from tmekg.errors import LoaderError
from tmekg.loaders import reactome
from tmekg.model import Edge, LoadReport, Node


def run(directory: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("reactome")
    return list(reactome.load(directory, report)), report


def test_fixture(fixtures: Path) -> None:
    records, report = run(fixtures / "reactome")
    nodes = unique_nodes(records)
    assert Counter(n.category for n in nodes.values()) == {"Pathway": 6, "Metabolite": 4, "Gene": 3}
    assert nodes["REACT:R-HSA-70171"].name == "Glycolysis"
    assert nodes["REACT:R-HSA-70171"].prop("database") == "Reactome"
    # a pathway only named in a mapping file still gets a node
    assert nodes["REACT:R-HSA-70614"].name == "Amino acid synthesis and interconversion (transamination)"
    assert "REACT:R-MMU-70171" not in nodes and "REACT:R-BTA-73843" not in nodes
    assert nodes["CHEBI:15422"].name == "CHEBI:15422"  # the mapping files carry no names
    in_pathway = {(e.subject, e.object) for e in records if isinstance(e, Edge)}
    assert in_pathway == {
        ("CHEBI:15422", "REACT:R-HSA-1430728"),
        ("CHEBI:15422", "REACT:R-HSA-70171"),
        ("CHEBI:4167", "REACT:R-HSA-70171"),
        ("CHEBI:58359", "REACT:R-HSA-8964539"),
        ("CHEBI:29985", "REACT:R-HSA-70614"),
        ("UNIPROT:O94925", "REACT:R-HSA-8964539"),
        ("UNIPROT:P19367", "REACT:R-HSA-70171"),  # the isoform row P19367-2 maps to the same edge
        ("UNIPROT:P52789", "REACT:R-HSA-70171"),
        ("UNIPROT:P52789", "REACT:R-HSA-1430728"),
    }
    assert all(e.predicate == "in_pathway" for e in records if isinstance(e, Edge))
    first = next(e for e in records if isinstance(e, Edge))
    assert first.provenance[0].record == "ChEBI2Reactome_All_Levels.txt:1"
    assert report.rows == 7 + 6 + 6 + 5
    assert report.skipped == {"non-human row (species filter)": 6, "pathway hierarchy not representable": 3}


def test_only_pathways_file(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "reactome" / "ReactomePathways.txt", tmp_path)
    records, _ = run(tmp_path)
    assert [r.id for r in unique_nodes(records).values()] == [
        "REACT:R-HSA-1430728",
        "REACT:R-HSA-70171",
        "REACT:R-HSA-70326",
        "REACT:R-HSA-71291",
        "REACT:R-HSA-8964539",
    ]


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "reactome")[0] == run(fixtures / "reactome")[0]


def test_missing_column(fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(fixtures / "reactome" / "ReactomePathways.txt", tmp_path)
    url = "https://reactome.org/PathwayBrowser/#/R-HSA-70171"
    (tmp_path / "ChEBI2Reactome_All_Levels.txt").write_text(
        f"15422\tR-HSA-70171\t{url}\tGlycolysis\tTAS\tHomo sapiens\n"
        f"4167\tR-HSA-70171\t{url}\tGlycolysis\tTAS\n"
    )
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert Path(info.value.path).name == "ChEBI2Reactome_All_Levels.txt"
    assert (info.value.line, info.value.field) == (2, "species")


def test_missing_required_file(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="file not found"):
        run(tmp_path)
