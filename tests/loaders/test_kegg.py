"""Tests of the KEGG KGML loader (a hand-written fixture in the KGML format)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from record_checks import unique_nodes

from tmekg.errors import LoaderError
from tmekg.loaders import kegg
from tmekg.model import Edge, LoadReport, Node


def run(directory: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("kegg")
    return list(kegg.load(directory, report)), report


def test_fixture(fixtures: Path) -> None:
    records, report = run(fixtures / "kegg")
    nodes = unique_nodes(records)
    assert Counter(n.category for n in nodes.values()) == {
        "Pathway": 1,
        "Metabolite": 3,
        "Gene": 5,
        "Reaction": 2,
    }
    assert Counter(e.predicate for e in records if isinstance(e, Edge)) == {
        "in_pathway": 10,
        "has_input": 2,
        "has_output": 2,
        "catalyzes": 5,
    }
    pathway = nodes["KEGG.PATHWAY:hsa00010"]
    assert (pathway.name, pathway.prop("database")) == ("Glycolysis / Gluconeogenesis", "KEGG")
    assert nodes["NCBIGENE:3098"].name == "HK1" and nodes["NCBIGENE:3098"].xrefs == ()
    assert nodes["NCBIGENE:3099"].name == "hsa:3099"
    assert nodes["NCBIGENE:2821"].prop("roles") == ("enzyme",)
    assert "KEGG.COMPOUND:C00031" in nodes
    r00771 = nodes["KEGG.REACTION:R00771"]
    assert r00771.prop("reversible") is True and r00771.prop("equation") == "C00092 <=> C00085"
    triples = {
        (e.subject, e.predicate, e.object, e.prop("rule_role")) for e in records if isinstance(e, Edge)
    }
    assert {
        ("KEGG.REACTION:R00299", "has_input", "KEGG.COMPOUND:C00031", None),
        ("KEGG.REACTION:R00299", "has_output", "KEGG.COMPOUND:C00092", None),
        ("NCBIGENE:3098", "catalyzes", "KEGG.REACTION:R00299", "isozyme"),
        ("NCBIGENE:80201", "catalyzes", "KEGG.REACTION:R00299", "isozyme"),
        ("NCBIGENE:2821", "catalyzes", "KEGG.REACTION:R00771", "sole"),
    } <= triples
    assert report.rows == 10
    assert report.skipped == {
        "entry type not represented (map)": 1,
        "entry type not represented (ortholog)": 1,
        "relation not representable (ECrel)": 1,
    }


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "kegg")[0] == run(fixtures / "kegg")[0]


def test_non_human_pathway(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "kegg" / "hsa00010.xml").read_text()
    (tmp_path / "mmu00010.xml").write_text(text.replace('org="hsa"', 'org="mmu"'))
    records, report = run(tmp_path)
    assert records == [] and report.skipped == {"non-human KGML pathway": 1}


def test_bad_inputs(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="no"):
        run(tmp_path)
    text = (fixtures / "kegg" / "hsa00010.xml").read_text()
    (tmp_path / "hsa00010.xml").write_text(text.replace('name="path:hsa00010"', 'id="hsa00010"'))
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert (Path(info.value.path).name, info.value.line, info.value.field) == ("hsa00010.xml", 1, "name")
    (tmp_path / "hsa00010.xml").write_text(text[:900])
    with pytest.raises(LoaderError, match="malformed KGML"):
        run(tmp_path)
