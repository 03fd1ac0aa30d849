"""Metabolite identity rules on a tiny hand-written ChEBI: species, stereo forms, generic -> dominant."""

from __future__ import annotations

import pytest

from tmekg.build import GraphBuilder
from tmekg.loaders.ontologies import ChebiTerm
from tmekg.model import Edge, Node, Provenance
from tmekg.normalize import (
    GENERIC_DOMINANT,
    GENERIC_ONLY,
    NAME_MAPPED,
    SAME_STEREO,
    SPECIES_DEFINITION,
    SPECIES_LABEL,
    ChebiForms,
    acid_base_key,
    builder_links,
    metabolite_links,
    plain,
    stereo_descriptor,
)

T = ChebiTerm
CHEBI = {  # labels and definitions as ChEBI writes them (HTML included)
    "CHEBI:28683": T(
        "kynurenine", "A ketone that is alanine in which one of the methyl hydrogens is substituted."
    ),
    "CHEBI:16946": T(
        "L-kynurenine", "A kynurenine that has <small>L</small> configuration.", ("CHEBI:28683",)
    ),
    "CHEBI:57959": T(
        "L-kynurenine zwitterion",
        "Zwitterionic form of <small>L</small>-kynurenine arising from transfer of a proton from the carboxy "
        "to the amino group; major species at pH 7.3.",
        ("CHEBI:35238",),
    ),
    "CHEBI:35238": T("amino-acid zwitterion"),
    "CHEBI:24996": T(
        "lactate", "A hydroxy monocarboxylic acid anion that is the conjugate base of lactic acid."
    ),
    "CHEBI:16651": T(
        "(S)-lactate",
        "An optically active form of lactate having (<i>S</i>)-configuration.",
        ("CHEBI:24996",),
    ),
    "CHEBI:16004": T(
        "(R)-lactate",
        "An optically active form of lactate having (<i>R</i>)-configuration.",
        ("CHEBI:24996",),
    ),
    "CHEBI:422": T("(S)-lactic acid", "An optically active form of lactic acid.", ("CHEBI:78320",)),
    "CHEBI:78320": T("2-hydroxypropanoic acid"),
    "CHEBI:29016": T(
        "arginine", "An alpha-amino acid that is glycine substituted by a 3-guanidinopropyl group."
    ),
    "CHEBI:16467": T(
        "L-arginine",
        "An <small>L</small>-&alpha;-amino acid that is the <small>L</small>-isomer of arginine.",
        ("CHEBI:29016", "CHEBI:15705"),
    ),
    "CHEBI:15705": T("L-alpha-amino acid"),
    "CHEBI:15816": T("D-arginine", "The <small>D</small>-enantiomer of arginine.", ("CHEBI:29016",)),
    "CHEBI:32696": T("argininium(1+)"),
    "CHEBI:32682": T(
        "L-argininium(1+)", "The <small>L</small>-enantiomer of argininium(1+).", ("CHEBI:32696",)
    ),
    "CHEBI:15428": T("glycine"),
    "CHEBI:32508": T(
        "glycinate",
        "An alpha-amino-acid anion that is the conjugate base of glycine, arising from deprotonation of the "
        "carboxy group; major species at pH 7.3.",
    ),
    "CHEBI:46883": T("carboxy group", "", ("CHEBI:24433",)),
    "CHEBI:24433": T("group"),
    "CHEBI:24867": T("monoatomic ion"),
    "CHEBI:24875": T("iron cation", "", ("CHEBI:24867",)),
    "CHEBI:29033": T("iron(2+)", "", ("CHEBI:24875",)),
    "CHEBI:29034": T("iron(3+)", "", ("CHEBI:24875",)),
    "CHEBI:16335": T("adenosine"),
    "CHEBI:1": T("old adenosine", deprecated=True),
}


@pytest.fixture(scope="module")
def forms() -> ChebiForms:
    return ChebiForms(CHEBI)


def test_acid_base_keys() -> None:
    assert acid_base_key("(S)-lactic acid") == acid_base_key("(S)-lactate") == "(s)-lactate"
    assert acid_base_key("L-glutamate(1-)") == acid_base_key("L-glutamic acid")
    assert acid_base_key("nitrous acid") == acid_base_key("nitrite")
    assert acid_base_key("L-argininium(1+)") == acid_base_key("L-arginine") == "l-arginine"
    assert acid_base_key("(R)-lactate") != acid_base_key("(S)-lactate")


def test_plain_definition_text() -> None:
    assert plain("A <small>L</small>-&alpha;-amino acid  zwitterion") == "A L-alpha-amino acid zwitterion"


def test_species_from_definitions_labels_and_zwitterions(forms: ChebiForms) -> None:
    assert forms.species("CHEBI:57959") == forms.species("CHEBI:16946")  # "Zwitterionic form of L-kynurenine"
    assert forms.species("CHEBI:16946") != forms.species("CHEBI:28683")  # stereo form is not a charge form
    assert forms.species("CHEBI:32508") == forms.species("CHEBI:15428")  # "the conjugate base of glycine"
    assert forms.species("CHEBI:422") == forms.species("CHEBI:16651")  # (S)-lactic acid / (S)-lactate
    assert forms.species("CHEBI:32682") == forms.species("CHEBI:16467")  # L-argininium(1+) / L-arginine
    assert forms.species("CHEBI:32696") == forms.species("CHEBI:29016")  # argininium(1+) / arginine
    assert forms.species("CHEBI:29033") != forms.species("CHEBI:29034")  # iron(2+) / iron(3+): redox states


def test_groups_are_never_a_species_partner(forms: ChebiForms) -> None:
    assert forms.species_candidates("CHEBI:32508") == ["CHEBI:15428"]  # not "carboxy group"


def test_stereo_forms(forms: ChebiForms) -> None:
    assert forms.stereo_form("CHEBI:16946") == (forms.species("CHEBI:28683"), "L")
    assert forms.stereo_form("CHEBI:57959") == (forms.species("CHEBI:28683"), "L")  # through its species
    assert forms.stereo_form("CHEBI:16651") == (forms.species("CHEBI:24996"), "S")
    assert forms.stereo_form("CHEBI:16004") == (forms.species("CHEBI:24996"), "R")
    assert forms.stereo_form("CHEBI:15816") == (forms.species("CHEBI:29016"), "D")
    assert forms.stereo_form("CHEBI:28683") is None
    # "An L-alpha-amino acid that is the L-isomer of arginine": a stereo form of arginine, not of its
    # other parent "L-alpha-amino acid"
    assert forms.stereo_form("CHEBI:16467") == (forms.species("CHEBI:29016"), "L")


def test_stereo_descriptor_needs_the_parent_named() -> None:
    assert stereo_descriptor(T("L-kynurenine"), "kynurenine") == "L"
    assert stereo_descriptor(T("x", "The (<i>R</i>)-enantiomer of carprofen."), "carprofen") == "R"
    assert stereo_descriptor(T("x", "The (<i>R</i>)-enantiomer of carprofen."), "carp") is None
    assert stereo_descriptor(T("kynurenic acid", "A quinolinemonocarboxylic acid."), "kynurenine") is None


def _ids(*curies: str) -> set[str]:
    return set(curies)


def test_kynurenine_three_nodes_become_one(forms: ChebiForms) -> None:
    identifiers = {
        "CHEBI:16946": _ids("CHEBI:16946", "HMDB:HMDB0000684"),
        "CHEBI:28683": _ids("CHEBI:28683"),
        "CHEBI:57959": _ids("CHEBI:57959"),
    }
    result = metabolite_links(identifiers, forms=forms)
    assert result.links == [("CHEBI:16946", "CHEBI:57959"), ("CHEBI:16946", "CHEBI:28683")]
    report = result.report()["rules"]
    assert report[SPECIES_DEFINITION]["nodes_joined"] == 1
    assert report[GENERIC_ONLY]["nodes_joined"] == 1


def test_generic_joins_the_dominant_form_and_enantiomers_stay_apart(forms: ChebiForms) -> None:
    identifiers = {"S": _ids("CHEBI:16651"), "R": _ids("CHEBI:16004"), "G": _ids("CHEBI:24996")}
    result = metabolite_links(identifiers, degree={"S": 130, "R": 18, "G": 9}.get, forms=forms)
    assert result.links == [("S", "G")]  # 130 >= 2 x 18
    assert result.report()["rules"][GENERIC_DOMINANT]["nodes_joined"] == 1


def test_generic_stays_apart_without_a_clear_dominant_form(forms: ChebiForms) -> None:
    identifiers = {"S": _ids("CHEBI:16651"), "R": _ids("CHEBI:16004"), "G": _ids("CHEBI:24996")}
    result = metabolite_links(identifiers, degree={"S": 10, "R": 8, "G": 9}.get, forms=forms)
    assert result.links == []  # 10 < 2 x 8
    assert result.kept_apart == ["G (G): S: 10 edges, R: 8 edges"]


def test_same_stereo_form_in_two_charge_states_joins(forms: ChebiForms) -> None:
    identifiers = {"A": _ids("CHEBI:16467"), "B": _ids("CHEBI:32682"), "D": _ids("CHEBI:15816")}
    result = metabolite_links(identifiers, forms=forms)
    assert result.links == [("A", "B")]  # L-arginine + L-argininium(1+); D-arginine stays apart
    assert SPECIES_LABEL in result.report()["rules"]


def test_same_configuration_of_one_generic_species_joins() -> None:
    extra = dict(CHEBI)  # made-up names: only the definitions tie the two L forms together
    extra["CHEBI:801"] = T("fooine")
    extra["CHEBI:802"] = T("foo cation", "The conjugate acid of fooine.")
    extra["CHEBI:803"] = T("L-fooine", "", ("CHEBI:801",))
    extra["CHEBI:804"] = T("L-foo ion", "The <small>L</small>-enantiomer of foo cation.", ("CHEBI:802",))
    forms = ChebiForms(extra)
    assert forms.species("CHEBI:803") != forms.species("CHEBI:804")
    result = metabolite_links({"A": _ids("CHEBI:803"), "B": _ids("CHEBI:804")}, forms=forms)
    assert result.links == [("A", "B")]
    assert result.report()["rules"][SAME_STEREO]["nodes_joined"] == 1


def test_a_definition_that_contradicts_the_label_is_not_taken() -> None:
    typo = dict(CHEBI)  # like ChEBI's "thiamine(1+) triphosphate(4-)": "Trianion of thiamine(1+) diphosphate"
    typo["CHEBI:901"] = T("(S)-lactate(1-)", "A lactate that is the conjugate base of (R)-lactate.")
    forms = ChebiForms(typo)
    assert forms.species("CHEBI:901") == forms.species("CHEBI:16651")  # by its label
    assert forms.species("CHEBI:16651") != forms.species("CHEBI:16004")


def test_enantiomers_never_merge_even_through_a_node_holding_both(forms: ChebiForms) -> None:
    # node B already mixes (R)-lactate and (S)-lactic acid (a source's xrefs): it absorbs no (S) node
    identifiers = {"A": _ids("CHEBI:16651"), "B": _ids("CHEBI:16004", "CHEBI:422")}
    result = metabolite_links(identifiers, forms=forms)
    assert result.links == []
    assert len(result.refused) == 1


def test_local_node_named_like_a_chebi_term_joins(forms: ChebiForms) -> None:
    identifiers = {"CHEBI:16335": _ids("CHEBI:16335"), "TMEKG:metabolite.adenosine": _ids()}
    names = {"TMEKG:metabolite.adenosine": ("Adenosine",)}
    result = metabolite_links(identifiers, names, forms=forms)
    assert result.links == [("CHEBI:16335", "TMEKG:metabolite.adenosine")]
    assert result.report()["rules"][NAME_MAPPED]["nodes_joined"] == 1


def test_deprecated_labels_do_not_resolve(forms: ChebiForms) -> None:
    assert forms.resolve_name("old adenosine") is None
    assert forms.resolve_name("Adenosine") == "CHEBI:16335"


def test_builder_merges_linked_nodes_and_keeps_ids_as_xrefs(forms: ChebiForms) -> None:
    prov = (Provenance("s", "1"),)
    builder = GraphBuilder()
    builder.add(Node("CHEBI:16946", "Metabolite", "L-kynurenine", provenance=prov), "kb")
    builder.add(Node("CHEBI:57959", "Metabolite", "Kynurenine", provenance=prov), "mebocost")
    builder.add(Node("CHEBI:28683", "Metabolite", "Kynurenine", provenance=prov), "metalinks")
    builder.add(Node("HGNC.SYMBOL:IDO1", "Gene", "IDO1", provenance=prov), "kb")
    builder.add(Edge("HGNC.SYMBOL:IDO1", "produces", "CHEBI:28683", prov), "metalinks")
    identity = builder_links(builder, forms)
    graph = builder.build(links=identity.links)
    metabolites = [n for n in graph.nodes if n.category == "Metabolite"]
    assert [n.id for n in metabolites] == ["CHEBI:16946"]
    assert metabolites[0].xrefs == ("CHEBI:28683", "CHEBI:57959")
    assert graph.aliases["CHEBI:57959"] == graph.aliases["CHEBI:28683"] == "CHEBI:16946"
    assert [(e.subject, e.object) for e in graph.edges] == [("HGNC.SYMBOL:IDO1", "CHEBI:16946")]


def test_links_are_deterministic(forms: ChebiForms) -> None:
    identifiers = {"CHEBI:57959": _ids("CHEBI:57959"), "CHEBI:28683": _ids("CHEBI:28683")}
    identifiers["CHEBI:16946"] = _ids("CHEBI:16946")
    reordered = dict(reversed(list(identifiers.items())))
    assert metabolite_links(identifiers, forms=forms).links == metabolite_links(reordered, forms=forms).links
