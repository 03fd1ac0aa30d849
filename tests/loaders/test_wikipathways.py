"""Tests of the WikiPathways GPML loader (2013a and 2021 fixtures, real data)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from record_checks import unique_nodes

from tmekg.errors import LoaderError
from tmekg.loaders import wikipathways
from tmekg.model import Edge, LoadReport, Node


def run(directory: Path) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("wikipathways")
    return list(wikipathways.load(directory, report)), report


def triples(records: list[Node | Edge], predicate: str) -> set[tuple]:
    return {
        (e.subject, e.object, *(v for _, v in e.properties))
        for e in records
        if isinstance(e, Edge) and e.predicate == predicate
    }


def test_fixture_counts(fixtures: Path) -> None:
    records, report = run(fixtures / "wikipathways")
    nodes = unique_nodes(records)
    assert Counter(n.category for n in nodes.values()) == {
        "Pathway": 2,
        "Metabolite": 9,
        "Gene": 9,
        "Reaction": 4,
    }
    assert Counter(r.predicate for r in records if isinstance(r, Edge)) == {
        "in_pathway": 23,
        "has_input": 5,
        "has_output": 5,
        "catalyzes": 6,
        "activates": 1,
        "binds": 1,
    }
    assert report.rows == 37  # 22 DataNodes + 15 Interactions
    assert report.skipped == {
        "DataNode without cross-reference": 1,
        "unmappable cross-reference (CAS)": 1,
        "pathway-link DataNode": 1,
        "conversion with an unmapped metabolite": 1,
        "catalysis of an unmapped conversion": 1,
        "interaction not represented (mim-binding)": 1,
    }


def test_fixture_2013a(fixtures: Path) -> None:
    records, _ = run(fixtures / "wikipathways")
    nodes = unique_nodes(records)
    assert nodes["WP:WP534"].name == "Glycolysis and gluconeogenesis"
    assert nodes["WP:WP534"].prop("database") == "WikiPathways"
    assert nodes["HMDB:HMDB0000122"].name == "Glucose"  # HMDB00122 padded to the 7-digit form
    assert nodes["CHEBI:15351"].name == "Acetyl-CoA"  # label line break removed
    assert nodes["HGNC.SYMBOL:HK1"].xrefs == ("NCBIGENE:3098",)
    assert nodes["HGNC.SYMBOL:HK2"].xrefs == ("ENSEMBL:ENSG00000159399",)
    assert nodes["HGNC.SYMBOL:HK1"].prop("roles") == ("enzyme",)
    assert nodes["HGNC.SYMBOL:GPI"].prop("roles") is None  # its conversion has an unmapped product
    hexokinase = nodes["TMEKG:reaction.wp.WP534.i1"]
    assert hexokinase.prop("equation") == "Glucose + ATP => Glucose-6P + ADP"
    assert hexokinase.xrefs == ("RHEA:17825",)
    assert hexokinase.provenance[0].evidence == ("PMID:22628558",)
    assert triples(records, "has_input") >= {
        ("TMEKG:reaction.wp.WP534.i1", "HMDB:HMDB0000122"),
        ("TMEKG:reaction.wp.WP534.i1", "CHEBI:15422"),  # side substrate drawn onto the anchor
    }
    assert ("TMEKG:reaction.wp.WP534.i1", "KEGG.COMPOUND:C00008") in triples(records, "has_output")
    assert {t for t in triples(records, "catalyzes") if "WP534" in t[1]} == {
        ("HGNC.SYMBOL:HK1", "TMEKG:reaction.wp.WP534.i1", "isozyme"),
        ("HGNC.SYMBOL:HK2", "TMEKG:reaction.wp.WP534.i1", "isozyme"),
        ("HGNC.SYMBOL:PDHA1", "TMEKG:reaction.wp.WP534.i7", "complex_subunit"),
        ("HGNC.SYMBOL:DLAT", "TMEKG:reaction.wp.WP534.i7", "complex_subunit"),
    }
    assert triples(records, "activates") == {("CHEBI:16335", "HGNC.SYMBOL:ADORA2A")}
    assert ("CHEBI:16335", "WP:WP534") in triples(records, "in_pathway")


def test_fixture_2021(fixtures: Path) -> None:
    records, _ = run(fixtures / "wikipathways")
    nodes = unique_nodes(records)
    assert nodes["WP:WP5285"].name == "Purinergic adenosine generation (excerpt)"
    # label "CD73" looks like a symbol: kept as id, the Ensembl id lets the builder merge with NT5E
    assert nodes["HGNC.SYMBOL:CD73"].xrefs == ("ENSEMBL:ENSG00000135318",)
    assert nodes["UNIPROT:P29275"].name == "adenosine receptor A2b"  # a name, not a symbol
    assert nodes["TMEKG:reaction.wp.WP5285.in3"].xrefs == ("REACT:R-HSA-109374",)
    assert nodes["TMEKG:reaction.wp.WP5285.in1"].provenance[0].evidence == ("PMID:17502665",)
    assert {t for t in triples(records, "catalyzes") if "WP5285" in t[1]} == {
        ("HGNC.SYMBOL:ENTPD1", "TMEKG:reaction.wp.WP5285.in1", "sole"),
        ("HGNC.SYMBOL:CD73", "TMEKG:reaction.wp.WP5285.in3", "sole"),
    }
    assert triples(records, "binds") == {("CHEBI:16335", "UNIPROT:P29275")}


def test_deterministic(fixtures: Path) -> None:
    assert run(fixtures / "wikipathways")[0] == run(fixtures / "wikipathways")[0]


def test_non_human_pathway_skipped(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "wikipathways" / "WP534.gpml").read_text(encoding="utf-8")
    (tmp_path / "WP1.gpml").write_text(text.replace('Organism="Homo sapiens"', 'Organism="Mus musculus"'))
    records, report = run(tmp_path)
    assert records == [] and report.skipped == {"non-human pathway": 1}


def test_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match=r"no \*\.gpml files"):
        run(tmp_path)
    (tmp_path / "WP9.gpml").write_text(
        '<Pathway xmlns="http://pathvisio.org/GPML/2013a" Organism="Homo sapiens">\n'
        '  <DataNode GraphId="a"\n</Pathway>\n'
    )
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert Path(info.value.path).name == "WP9.gpml" and info.value.line == 3
    (tmp_path / "WP9.gpml").write_text(
        '<Pathway xmlns="http://pathvisio.org/GPML/2013a" Organism="Homo sapiens"/>'
    )
    with pytest.raises(LoaderError) as info:
        run(tmp_path)
    assert (info.value.line, info.value.field) == (1, "Name")


@pytest.mark.shared_data
def test_full_wikipathways(shared_data: Path) -> None:
    records, report = run(shared_data / "wikipathways")
    nodes = unique_nodes(records)
    counts = Counter(n.category for n in nodes.values())
    assert counts["Pathway"] == 27 and counts["Metabolite"] > 400 and counts["Gene"] > 600
    assert counts["Reaction"] > 350
    assert nodes["WP:WP4263"].name == "Pancreatic adenocarcinoma pathway"
    catalysis = triples(records, "catalyzes")
    assert ("HGNC.SYMBOL:PFKM", "TMEKG:reaction.wp.WP534.a525b", "isozyme") in catalysis
    assert ("CHEBI:16335", "HGNC.SYMBOL:ADORA2A") in triples(records, "activates")
    assert report.rows > 3000


def test_info_json_that_is_a_directory_or_not_an_object(tmp_path: Path) -> None:
    from tmekg.loaders import gpml

    (tmp_path / "WP1-info.json").mkdir()
    with pytest.raises(LoaderError, match=r"WP1-info\.json: cannot read"):
        gpml._info(tmp_path / "WP1.gpml")
    (tmp_path / "WP1-info.json").rmdir()
    (tmp_path / "WP1-info.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(LoaderError, match=r"WP1-info\.json: malformed JSON \(expected an object\)"):
        gpml._info(tmp_path / "WP1.gpml")
