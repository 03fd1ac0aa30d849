"""Immunotherapy classes as data: table validation, class assignment by targets, a build without the KB."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tmekg.kb.immunotherapy_classes import ClassTableError, assign, load_table, parse_table
from tmekg.model import Edge, Node, Provenance, props
from tmekg.schema import load_schema


def raw_table() -> dict:
    from tmekg.io import packaged_yaml

    return copy.deepcopy(packaged_yaml("tmekg.kb", "immunotherapy_classes.yaml"))


def test_table_covers_exactly_the_schema_classes() -> None:
    table = load_table()
    schema_values = load_schema().categories["Drug"].properties["immunotherapy_class"].values
    assert [c.name for c in table.classes] == list(schema_values)
    assert table.get("anti-PD-1").genes == {"PDCD1"}
    assert table.get("CD40-agonist").admits("CD40", "agonist_antibody")
    assert not table.get("CD40-agonist").admits("CD40", "blocking_antibody")
    assert table.get("CAR-T").genes is None and table.get("CAR-T").admits("MSLN", "car_antigen")
    assert all(c.evidence for c in table.classes if c.status == "verified")


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t["classes"].pop("anti-CTLA-4"), "classes"),
        (lambda t: t["classes"].__setitem__("anti-XYZ", t["classes"]["anti-PD-1"]), "classes"),
        (lambda t: t["how"]["blocks"].append("smashes"), "how.blocks"),
        (lambda t: t["classes"]["anti-PD-1"].__setitem__("how", "tickles"), "classes.anti-PD-1.how"),
        (
            lambda t: t["classes"]["anti-PD-1"].__setitem__("modalities", ["pill"]),
            "classes.anti-PD-1.modalities",
        ),
        (lambda t: t["classes"]["anti-PD-1"].__setitem__("acts_on", ["PD 1"]), "classes.anti-PD-1.acts_on"),
        (lambda t: t["classes"]["anti-PD-1"].__setitem__("evidence", []), "classes.anti-PD-1.evidence"),
        (
            lambda t: t["classes"]["anti-PD-1"].__setitem__("evidence", ["PMC123"]),
            "classes.anti-PD-1.evidence",
        ),
        (lambda t: t["classes"]["anti-PD-1"].__setitem__("status", "maybe"), "classes.anti-PD-1.status"),
        (lambda t: t["mechanism_words"].__setitem__("zaps", "zapper"), "mechanism_words"),
    ],
)
def test_bad_tables_name_the_field(edit, field: str) -> None:
    table = raw_table()
    edit(table)
    with pytest.raises(ClassTableError) as info:
        parse_table(table)
    assert info.value.field == field


def drug(node_id: str, name: str, modality: str, **extra: str) -> Node:
    return Node(node_id, "Drug", name, properties=props(modality=modality, **extra))


def targets(drug_id: str, symbol: str, action: str, source: str = "drugcentral", **extra: object) -> Edge:
    prov = (Provenance(source, "1"),)
    return Edge(drug_id, "targets", f"HGNC.SYMBOL:{symbol}", prov, props(action=action, **extra))


def gene(symbol: str) -> Node:
    return Node(f"HGNC.SYMBOL:{symbol}", "Gene", symbol)


def test_assign_by_targets_action_and_modality() -> None:
    nodes = [
        drug("D:1", "nivolumab", "antibody"),
        drug("D:2", "PD1-PDL-inhibitor-1", "small_molecule"),  # a small molecule is not "anti-PD-L1"
        drug("D:3", "a CD40 antibody", "antibody"),  # blocks CD40: not a CD40 agonist
        drug("D:4", "CD40 agonist", "antibody"),
        drug("D:5", "bispecific", "antibody"),
        drug("D:6", "ipilimumab", "antibody", immunotherapy_class="anti-CTLA-4"),  # kept as the KB says
        drug("D:7", "CARTmeso", "cell_therapy"),
        drug("D:8", "imaging antibody", "antibody"),
        drug("D:9", "atezolizumab", "antibody"),  # GtoPdb: Antibody / Binding
        drug("D:10", "a CD40-binding antibody", "antibody"),  # binding CD40 says neither agonist nor not
        drug("D:11", "pembrolizumab", "antibody", mechanism="Programmed Death Receptor-1 Blocking Antibody"),
        *(gene(s) for s in ("PDCD1", "CD274", "CD40", "CTLA4", "LAG3", "MSLN")),
    ]
    edges = [
        targets("D:1", "PDCD1", "blocking_antibody"),
        targets("D:2", "CD274", "inhibitor", "repurposing-hub"),
        targets("D:3", "CD40", "blocking_antibody"),
        targets("D:4", "CD40", "agonist_antibody", "gtopdb"),
        targets("D:5", "LAG3", "blocking_antibody"),
        targets("D:5", "PDCD1", "blocking_antibody"),
        targets("D:6", "PDCD1", "blocking_antibody"),
        targets("D:7", "MSLN", "car_antigen", "tmekg-curated"),
        targets("D:8", "PDCD1", "blocking_antibody", therapeutic=False),
        targets("D:9", "CD274", "binder", "gtopdb"),
        targets("D:10", "CD40", "binder", "gtopdb"),
        targets("D:11", "PDCD1", "binder"),
    ]
    out, report = assign(nodes, edges)
    classes = {n.id: n.prop("immunotherapy_class") for n in out if n.category == "Drug"}
    assert classes == {
        "D:1": "anti-PD-1",
        "D:2": None,
        "D:3": None,
        "D:4": "CD40-agonist",
        "D:5": "anti-PD-1",  # first class in table order
        "D:6": "anti-CTLA-4",
        "D:7": "CAR-T",
        "D:8": None,  # the build classified that targets edge as non-therapeutic
        "D:9": "anti-PD-L1",  # binding_antibody: true for the checkpoint blockers
        "D:10": None,  # ... but not for CD40
        "D:11": "anti-PD-1",
    }
    nivolumab = next(n for n in out if n.id == "D:1")
    assert nivolumab.provenance[-1].source == "immunotherapy-classes"
    assert nivolumab.provenance[-1].record == "targets PDCD1 (blocking_antibody) from drugcentral"
    assert nivolumab.provenance[-1].evidence == ("PMID:32245016",)
    pembrolizumab = next(n for n in out if n.id == "D:11")
    assert pembrolizumab.provenance[-1].record == (
        "targets PDCD1 (blocking_antibody) from drugcentral; action from the drug's mechanism "
        "'Programmed Death Receptor-1 Blocking Antibody'"
    )
    assert report.assigned == {"anti-PD-1": 3, "anti-PD-L1": 1, "CD40-agonist": 1, "CAR-T": 1}
    assert report.from_sources == {"anti-CTLA-4": 1}
    assert report.drugs == {"anti-PD-1": 3, "anti-PD-L1": 1, "CD40-agonist": 1, "CAR-T": 1, "anti-CTLA-4": 1}
    assert report.ambiguous == ["bispecific (D:5): anti-PD-1, anti-LAG-3"]
    assert report.disagree == ["ipilimumab (D:6): anti-CTLA-4 in its source, targets say anti-PD-1"]


def test_build_without_curated_kb_has_a_class(fixtures: Path, tmp_path: Path, monkeypatch) -> None:
    """DrugCentral alone: nivolumab (PDCD1: ANTIBODY BINDING, then BLOCKER; FDA class "Programmed Death
    Receptor-1 Blocking Antibody") joins anti-PD-1 without the curated KB."""
    from tmekg.graph import KnowledgeGraph
    from tmekg.pipeline import build_store

    for var in ("TMEKG_STORE", "TMEKG_DATA_DIR", "TMEKG_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    result = build_store(
        store=tmp_path / "store", sources=["drugcentral"], paths={"drugcentral": fixtures / "drugcentral"}
    )
    assert "tmekg-curated" not in result.sources
    with KnowledgeGraph.open(tmp_path / "store") as kg:
        classed = {n.name: n.prop("immunotherapy_class") for n in kg.nodes if n.prop("immunotherapy_class")}
    assert classed == {"nivolumab": "anti-PD-1"}
    report = result.sources["immunotherapy-classes"]["build"]["loader"]
    assert report["assigned"] == {"anti-PD-1": 1}
