"""Full build from ../shared/data: HPA immune-cell expression on CL CellType nodes, immunotherapy classes."""

from __future__ import annotations

from collections import Counter

import pytest

from tmekg.loaders.hpa_blood import cell_type_map

pytestmark = pytest.mark.shared_data


def test_every_hpa_cell_type_is_a_cl_node_of_the_graph(full_build) -> None:
    _, kg = full_build
    mapping = cell_type_map()
    for label, term in mapping.ids.items():
        if label in mapping.mixtures:
            continue
        node = kg.node(term)
        assert node.category == "CellType" and term.startswith("CL:"), label
        assert any(p.source == "hpa-blood" for p in node.provenance), label
    # the HPA subtypes hang off the KB's broader nodes
    parents = {(e.subject, e.object) for e in kg.edges("subclass_of")}
    assert ("CL:0000909", "CL:0000625") in parents and ("CL:0000895", "CL:0000624") in parents


def test_expressed_in_counts(full_build) -> None:
    result, kg = full_build
    hpa = [e for e in kg.edges("expressed_in") if any(p.source == "hpa-blood" for p in e.provenance)]
    report = result.sources["hpa-blood"]["build"]
    loaded = report["edges_in"] - len(cell_type_map().parents) - 2  # less the 19 subclass_of links
    assert report["edges_dangling"] == 0
    # every expressed_in record is in the graph: alone, or merged into an equal edge (same gene after
    # the gene identity authority, same cell type)
    assert loaded - report["edges_merged"] <= len(hpa) <= loaded
    assert len(hpa) > 180_000  # nTPM >= 1 over 18 cell types of 19,670 genes
    per_cell = Counter(e.object for e in hpa)
    assert set(per_cell) == {t for label, t in cell_type_map().ids.items() if label != "total PBMC"}
    assert all(e.prop("value") >= 1.0 and e.prop("statistic") == "nTPM" for e in hpa)
    # receptors, not only top markers: checkpoints on Tregs, the adenosine receptor on NK cells
    pairs = {(e.subject, e.object) for e in hpa}
    for gene, cell in [("PDCD1", "CL:0000815"), ("CTLA4", "CL:0000815"), ("ADORA2A", "CL:0000623")]:
        assert (f"HGNC.SYMBOL:{gene}", cell) in pairs, (gene, cell)


def test_drugs_join_immunotherapy_classes_by_targets(full_build) -> None:
    result, kg = full_build
    classes = Counter(n.prop("immunotherapy_class") for n in kg.nodes if n.prop("immunotherapy_class"))
    report = result.sources["immunotherapy-classes"]["build"]["loader"]
    assert dict(classes) == report["drugs"]
    assert sum(report["assigned"].values()) >= 1  # public sources add members beyond the KB's
    targets = {(e.subject, e.object) for e in kg.edges("targets")}
    for node in kg.nodes:
        step = [p for p in node.provenance if p.source == "immunotherapy-classes"]
        if step:  # assigned by the rule: the drug targets the gene its record names
            gene = step[0].record.split()[1]
            assert (node.id, f"HGNC.SYMBOL:{gene}") in targets, node.id
    by_name: dict[str, set] = {}
    for n in kg.nodes:
        if n.category == "Drug":
            by_name.setdefault(n.name, set()).add(n.prop("immunotherapy_class"))
    assert by_name["nivolumab"] == {"anti-PD-1"} and by_name["atezolizumab"] == {"anti-PD-L1"}
    assert by_name["ipilimumab"] == {"anti-CTLA-4"}
    assert by_name["PD1-PDL-inhibitor-1"] == {None}  # a small molecule is not an anti-PD-L1 antibody


def test_the_rule_reproduces_the_curated_classes(full_build) -> None:
    """Stripped of every class, the drugs get the KB's classes back from their targets alone; only a
    personalised vaccine without a target gene (autogene cevumeran) needs the KB's explicit class."""
    import dataclasses

    from tmekg.kb.immunotherapy_classes import CLASS_PROPERTY, assign
    from tmekg.model import props

    _, kg = full_build
    nodes = list(kg.nodes)
    stripped = [
        dataclasses.replace(n, properties=props({k: v for k, v in n.properties if k != CLASS_PROPERTY}))
        if n.category == "Drug"
        else n
        for n in nodes
    ]
    again, _ = assign(stripped, kg.edges("targets"))
    before = {n.id: n.prop(CLASS_PROPERTY) for n in nodes if n.category == "Drug"}
    after = {n.id: n.prop(CLASS_PROPERTY) for n in again if n.category == "Drug"}
    differs = {kg.node(i).name: (before[i], after[i]) for i in before if before[i] != after[i]}
    assert differs == {"autogene cevumeran": ("cancer-vaccine", None)}
