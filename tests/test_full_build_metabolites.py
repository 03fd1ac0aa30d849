"""One node per metabolite on the full build: common names, ChEBI charge and stereo forms, no enantiomers."""

from __future__ import annotations

from collections import defaultdict

import pytest

# Each common name and the ChEBI / local ids that sources use for it (acid, base, zwitterion, cation,
# stereo-unspecified term): all must be one node, the one `tmekg show NAME` lands on.
FORMS = {
    "lactate": ["CHEBI:422", "CHEBI:16651", "CHEBI:24996", "HMDB:HMDB0000190"],
    "kynurenine": ["CHEBI:16946", "CHEBI:28683", "CHEBI:57959"],
    "tryptophan": ["CHEBI:16828", "CHEBI:27897", "CHEBI:57912"],
    "adenosine": ["CHEBI:16335", "TMEKG:metabolite.adenosine"],
    "glutamine": ["CHEBI:18050", "CHEBI:28300", "CHEBI:58359"],
    "arginine": ["CHEBI:16467", "CHEBI:29016", "CHEBI:32682"],
    "PGE2": ["CHEBI:15551", "CHEBI:606564", "HMDB:HMDB0001220"],
    "cholesterol": ["CHEBI:16113"],
    "alanine": ["CHEBI:16977", "CHEBI:57972"],
}
# Nodes named like a common name but not known to be that metabolite: WikiPathways WP98 labels
# HMDB0003175 "PGE2", an id that no ChEBI term or other source links to prostaglandin E2. (Synonyms are
# not checked: D-lactic acid is rightly also called "lactate"; resolution prefers the best-supported node.)
UNVERIFIED_NAMESAKES = {"HMDB:HMDB0003175"}


@pytest.fixture(scope="module")
def kg(full_build):
    return full_build[1]


@pytest.mark.parametrize("name", sorted(FORMS))
def test_common_name_resolves_to_the_node_holding_every_form(kg, name: str) -> None:
    node = kg.resolve(name)
    assert node.category == "Metabolite"
    assert {kg.node(curie).id for curie in FORMS[name]} == {node.id}, name
    assert kg.search(name, limit=1, category="Metabolite")[0].id == node.id


@pytest.mark.parametrize("name", sorted(FORMS))
def test_no_other_metabolite_is_named_so(kg, name: str) -> None:
    node = kg.resolve(name)
    namesakes = {
        n.id
        for n in kg.search(name, limit=0, category="Metabolite")
        if n.name.lower() == name.lower() and n.id != node.id
    }
    assert namesakes <= UNVERIFIED_NAMESAKES, (name, namesakes)


def test_no_node_holds_two_enantiomers(kg) -> None:
    from tmekg.normalize import default_forms

    forms = default_forms()
    clashes = []
    for node in kg.nodes:
        if node.category != "Metabolite":
            continue
        seen: dict[str, set[str]] = defaultdict(set)
        for curie in (node.id, *node.xrefs):
            stereo = forms.term_stereo(curie) if curie in forms.terms else None
            if stereo:
                seen[stereo[0]].add(stereo[1])
        clashes += [(node.id, sorted(d)) for d in seen.values() if len(d) > 1]
    assert not clashes


def test_build_report_counts_joins_per_rule(full_build) -> None:
    result, _ = full_build
    identity = result.sources["ontologies"]["build"]["loader"]["metabolite_identity"]
    rules = identity["rules"]
    assert sum(rule["nodes_joined"] for rule in rules.values()) >= 50
    assert all(rule["examples"] for rule in rules.values())
    assert identity["name_mapped"]["nodes"] >= 10  # CellPhoneDB's local small-molecule ids


def test_bridge_ids_leave_no_split_metabolite(kg) -> None:
    """WikiPathways names metabolites by KEGG / LIPID MAPS ids, MEBOCOST and MetalinksDB by HMDB ids
    without ChEBI: the schema's ``bridge_on`` ids join them to the ChEBI node that lists the same id,
    unless the id is ambiguous (carried by two nodes with ids of one prefix)."""
    from tmekg.schema import load_schema

    bridge = load_schema().category("Metabolite").bridge_on
    metabolites = [n for n in kg.nodes if n.category == "Metabolite"]
    carriers: dict[str, set[str]] = defaultdict(set)
    for node in metabolites:
        for xref in node.xrefs:
            carriers[xref].add(node.id)
    split = [
        n.id for n in metabolites if n.id.split(":", 1)[0] in bridge and len(carriers.get(n.id, ())) == 1
    ]
    assert not split
    joined = {
        "LIPIDMAPS:LMFA03010003": "CHEBI:15551",  # prostaglandin E2 (WikiPathways)
        "LIPIDMAPS:LMFA01030001": "CHEBI:15843",  # arachidonic acid (WikiPathways)
        "KEGG.COMPOUND:C00025": "CHEBI:16015",  # L-glutamate (WikiPathways)
        "HMDB:HMDB0001484": "CHEBI:15345",  # acetoacetyl-CoA (MEBOCOST / MetalinksDB) via KEGG C00332
    }
    assert {alias: kg.node(alias).id for alias in joined} == joined
    # a KEGG id on two ChEBI entries joins nothing
    assert kg.node("CHEBI:15525").id != kg.node("CHEBI:16753").id
