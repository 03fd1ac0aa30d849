"""Tests of the shared GEM record builder (gene rules) and the SBML reader (cobra models)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import cobra
import pytest
from record_checks import unique_nodes

from tmekg.errors import LoaderError
from tmekg.loaders import human_gem, sbml
from tmekg.loaders.gene_rules import parse_rule, rule_roles
from tmekg.model import Edge, LoadReport, Node

COBRA_DATA = Path(os.path.dirname(cobra.__file__)) / "data"


@pytest.mark.parametrize(
    ("rule", "roles"),
    [
        ("", {}),
        ("G1", {"G1": "sole"}),
        ("(G1)", {"G1": "sole"}),
        ("G1 or G2", {"G1": "isozyme", "G2": "isozyme"}),
        ("G1 and G2", {"G1": "complex_subunit", "G2": "complex_subunit"}),
        ("G1 or G2 and G3", {"G1": "isozyme", "G2": "complex_subunit", "G3": "complex_subunit"}),
        (
            "(G1 and G2) or (G1 and G3)",
            {"G1": "complex_subunit", "G2": "complex_subunit", "G3": "complex_subunit"},
        ),
        (
            "G1 or (G2 and (G3 or G4))",
            {"G1": "isozyme", "G2": "complex_subunit", "G3": "complex_subunit", "G4": "complex_subunit"},
        ),
        ("G1 OR G2 AND G3", {"G1": "isozyme", "G2": "complex_subunit", "G3": "complex_subunit"}),
        ("((G1) or G2)", {"G1": "isozyme", "G2": "isozyme"}),
    ],
)
def test_rule_roles(rule: str, roles: dict[str, str]) -> None:
    assert rule_roles(parse_rule(rule)) == roles


def test_rule_tree_precedence() -> None:
    assert parse_rule("A or B and C") == ("or", ("A", ("and", ("B", "C"))))
    assert parse_rule("(A or B) and C") == ("and", (("or", ("A", "B")), "C"))


@pytest.mark.parametrize("rule", ["(G1 or G2", "G1 or", "and G1", "G1 G2", "G1 or ()", "G1)"])
def test_bad_rules_raise(rule: str) -> None:
    with pytest.raises(ValueError):
        parse_rule(rule)


def load_cobra_file(name: str) -> tuple[list[Node | Edge], LoadReport]:
    report = LoadReport("sbml")
    return list(sbml.load_file(COBRA_DATA / name, report, "human-gem", "test")), report


def test_mini_cobra() -> None:
    records, report = load_cobra_file("mini_cobra.xml")
    nodes = unique_nodes(records)
    # 23 species in c/e collapse to 19 metabolites; genes are bare b-numbers: no usable id
    assert Counter(n.category for n in nodes.values()) == {"Metabolite": 19, "Reaction": 18}
    assert report.skipped["gene without usable identifier"] == 29
    assert report.rows == 23 + 29 + 18
    glucose = nodes["KEGG.COMPOUND:C00031"]  # glc__D_e has no ChEBI/HMDB annotation
    assert glucose.name == "D-Glucose"
    exchange = [
        e for e in records if isinstance(e, Edge) and e.subject == "TMEKG:reaction.mini_textbook.EX_glc__D_e"
    ]
    assert [(e.predicate, e.object, e.prop("compartment")) for e in exchange] == [
        ("has_input", "KEGG.COMPOUND:C00031", "e")
    ]
    pfk = nodes["TMEKG:reaction.mini_textbook.PFK"]
    assert pfk.prop("reversible") is False and pfk.prop("gene_rule") == "b3916 or b1723"
    assert pfk.prop("equation") == (
        "D-Fructose 6-phosphate[c] + ATP[c] => ADP[c] + D-Fructose 1,6-bisphosphate[c] + H+[c]"
    )
    assert nodes["TMEKG:reaction.mini_textbook.ENO"].prop("reversible") is True
    atp = nodes["CHEBI:40938"]  # first ChEBI id of the annotation; only one ChEBI/HMDB id is kept
    assert atp.xrefs == ("HMDB:HMDB0000538", "KEGG.COMPOUND:C00002")


def human_like_model() -> cobra.Model:
    """A three-reaction model with Human-GEM ids and annotations."""
    model = cobra.Model("HumanGEM_excerpt", name="Human-GEM excerpt")
    mets = {}
    for key, name, comp, ann in [
        ("MAM01965c", "glucose", "c", {"chebi": "CHEBI:4167", "hmdb": "HMDB0000122"}),
        ("MAM01965e", "glucose", "e", {"chebi": "CHEBI:4167", "hmdb": "HMDB0000122"}),
        ("MAM02403c", "L-lactate", "c", {"chebi": "CHEBI:422"}),
        ("MAM02403e", "L-lactate", "e", {"chebi": "CHEBI:422"}),
        ("MAM01371c", "ATP", "c", {"metanetx.chemical": "MNXM3"}),
        ("MAM01285c", "ADP", "c", {"chebi": "CHEBI:16761"}),
        ("MAM01968c", "glucose-6-phosphate", "c", {"chebi": "CHEBI:4170"}),
    ]:
        mets[key] = cobra.Metabolite(key, name=name, compartment=comp)
        mets[key].annotation = ann
    model.compartments = {"c": "Cytosol", "e": "Extracellular"}
    glut = cobra.Reaction("MAR05029", lower_bound=0, upper_bound=1000)
    glut.add_metabolites({mets["MAM01965e"]: -1, mets["MAM01965c"]: 1})
    mct = cobra.Reaction("MAR06019", lower_bound=-1000, upper_bound=0)  # written backwards: export
    mct.add_metabolites({mets["MAM02403e"]: -1, mets["MAM02403c"]: 1})
    hex_ = cobra.Reaction("MAR04394", name="hexokinase", lower_bound=0, upper_bound=1000)
    hex_.add_metabolites(
        {mets["MAM01371c"]: -1, mets["MAM01965c"]: -1, mets["MAM01285c"]: 1, mets["MAM01968c"]: 1}
    )
    hex_.annotation = {"ec-code": ["2.7.1.1"], "rhea": "17825", "pubmed": "7061426"}
    model.add_reactions([glut, mct, hex_])
    glut.gene_reaction_rule = "ENSG00000117394"
    mct.gene_reaction_rule = "(ENSG00000141526 and ENSG00000172270) or ENSG00000155380"
    hex_.gene_reaction_rule = "ENSG00000156515"
    model.genes.get_by_id("ENSG00000117394").annotation = {"hgnc.symbol": "SLC2A1", "ncbigene": "6513"}
    model.genes.get_by_id("ENSG00000141526").annotation = {"hgnc.symbol": "SLC16A3", "uniprot": "O15427"}
    model.genes.get_by_id("ENSG00000156515").annotation = {"hgnc.symbol": "HK1"}
    model.add_groups(
        [
            cobra.core.Group("g1", name="Transport reactions", members=[glut, mct]),
            cobra.core.Group("g2", name="Glycolysis / Gluconeogenesis", members=[hex_]),
        ]
    )
    return model


def test_human_gem_sbml_fallback(tmp_path: Path) -> None:
    cobra.io.write_sbml_model(human_like_model(), str(tmp_path / "Human-GEM.xml"))
    report = LoadReport("human-gem")
    records = list(human_gem.load(tmp_path, report))
    nodes = unique_nodes(records)
    assert Counter(n.category for n in nodes.values()) == {
        "Metabolite": 5,
        "Gene": 5,
        "Reaction": 3,
        "Pathway": 2,
    }
    assert "METATLAS:MAM01371" in nodes  # no ChEBI: the Metabolic Atlas id wins over MetaNetX
    assert {"ENSEMBL:ENSG00000172270", "ENSEMBL:ENSG00000155380"} <= set(nodes)
    assert nodes["TMEKG:pathway.hgem.transport_reactions"].prop("database") == "Human-GEM"
    transports = {
        (e.subject, e.object, e.prop("direction"))
        for e in records
        if isinstance(e, Edge) and e.predicate == "transports"
    }
    assert transports == {
        ("HGNC.SYMBOL:SLC2A1", "CHEBI:4167", "import"),
        ("HGNC.SYMBOL:SLC16A3", "CHEBI:422", "export"),
        ("ENSEMBL:ENSG00000172270", "CHEBI:422", "export"),
        ("ENSEMBL:ENSG00000155380", "CHEBI:422", "export"),
    }
    roles = {
        (e.subject, e.object): e.prop("rule_role")
        for e in records
        if isinstance(e, Edge) and e.predicate == "catalyzes"
    }
    assert roles[("HGNC.SYMBOL:SLC16A3", "METATLAS:MAR06019")] == "complex_subunit"
    assert roles[("ENSEMBL:ENSG00000155380", "METATLAS:MAR06019")] == "isozyme"
    hexokinase = nodes["METATLAS:MAR04394"]
    assert hexokinase.prop("ec") == ("2.7.1.1",) and hexokinase.xrefs == ("RHEA:17825",)
    assert hexokinase.provenance[0].evidence == ("PMID:7061426",)
    assert nodes["HGNC.SYMBOL:HK1"].prop("roles") == ("enzyme",)


def test_bad_sbml(tmp_path: Path) -> None:
    (tmp_path / "Human-GEM.xml").write_text("<notsbml/>")
    with pytest.raises(LoaderError, match="not an SBML document"):
        list(human_gem.load(tmp_path, LoadReport("human-gem")))


@pytest.mark.slow
def test_ijo1366() -> None:
    records, report = load_cobra_file("iJO1366.xml.gz")
    nodes = unique_nodes(records)
    counts = Counter(n.category for n in nodes.values())
    assert counts["Reaction"] == 2583 and counts["Gene"] == 1366 and counts["Pathway"] == 37
    assert report.skipped["gene without usable identifier"] == 1  # s0001 (spontaneous)
    assert nodes["NCBIGENE:946313"].name == "b1377"


def test_latin1_byte_in_utf8_sbml_is_located(tmp_path: Path) -> None:
    path = tmp_path / "m.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<sbml>\n<model name="caf\xe9"/>\n</sbml>\n')
    with pytest.raises(LoaderError, match=r"m\.xml:3: not valid UTF-8 text"):
        sbml.read_sbml(path)
