"""Schema: loads, is self-consistent, maps to real Biolink terms and prefixes, and rejects bad records."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from tmekg.errors import SchemaError
from tmekg.model import Edge, Node, Provenance, props
from tmekg.schema import load_schema, parse_schema, schema_path

PROV = (Provenance("test", "1", evidence=("PMID:1",)),)


@pytest.fixture(scope="module")
def schema():
    return load_schema()


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(schema_path().read_text())


def test_required_categories_and_predicates(schema) -> None:
    for cat in (
        "CellType",
        "Metabolite",
        "Gene",
        "Reaction",
        "Pathway",
        "Drug",
        "ImmuneEffect",
        "Context",
        "Study",
    ):
        assert cat in schema.categories
    for pred in (
        "catalyzes",
        "has_input",
        "has_output",
        "transports",
        "binds",
        "activates",
        "inhibits",
        "expressed_in",
        "secretes",
        "takes_up",
        "increases",
        "decreases",
        "occurs_in",
        "targets",
        "in_pathway",
        "observed_in",
    ):
        assert pred in schema.predicates


def test_signs(schema) -> None:
    assert schema.predicates["inhibits"].sign == -1
    assert schema.predicates["has_output"].sign == 1
    assert schema.predicates["transports"].sign_of({"direction": "import"}) == -1
    assert schema.predicates["targets"].sign_of({"action": "agonist_antibody"}) == 1
    assert schema.predicates["targets"].sign_of({"action": "inhibitor"}) == -1


def test_biolink_mappings_exist_in_biolink_model(schema) -> None:
    biolink = pytest.importorskip("biolink_model")
    model = yaml.safe_load((Path(biolink.__path__[0]) / "schema" / "biolink_model.yaml").read_text())

    def snake_to_space(curie: str) -> str:
        return curie.split(":", 1)[1].replace("_", " ")

    classes = {name.replace(" ", "").lower() for name in model["classes"]}
    for cat in schema.categories.values():
        assert cat.biolink.split(":", 1)[1].lower() in classes, cat.name
    for pred in schema.predicates.values():
        slot = model["slots"].get(snake_to_space(pred.biolink))
        assert slot is not None and not slot.get("deprecated"), pred.name
    aspects = model["enums"]["GeneOrGeneProductOrChemicalEntityAspectEnum"]["permissible_values"]
    for pred in schema.predicates.values():
        aspect = pred.biolink_qualifiers.get("object_aspect_qualifier")
        assert aspect is None or aspect in aspects, pred.name


def test_prefixes_agree_with_bioregistry(schema) -> None:
    bioregistry = pytest.importorskip("bioregistry")
    aliases = {"WP": "wikipathways"}  # the (and Biolink's) short form of WikiPathways ids
    for prefix, uri in schema.prefixes.items():
        if prefix == schema.local_prefix:
            continue
        normal = bioregistry.normalize_prefix(aliases.get(prefix, prefix))
        assert normal is not None, prefix
        known = bioregistry.get_resource(normal).get_uri_prefixes()
        assert uri in known or "identifiers.org" in uri, (prefix, uri)


def test_obo_prefixes_expand_to_purls(schema) -> None:
    for prefix in ("CHEBI", "CL", "UBERON", "MONDO", "GO"):
        assert schema.prefixes[prefix] == f"http://purl.obolibrary.org/obo/{prefix}_"


def test_good_records_pass(schema) -> None:
    schema.validate_node(Node("CHEBI:16335", "Metabolite", "adenosine", xrefs=("HMDB:HMDB0000050",)))
    edge = Edge("HGNC.SYMBOL:SLC16A3", "transports", "CHEBI:16651", PROV, props(direction="export"))
    schema.validate_edge(edge, {"HGNC.SYMBOL:SLC16A3": "Gene", "CHEBI:16651": "Metabolite"})


@pytest.mark.parametrize(
    ("node", "rule"),
    [
        (Node("CHEBI:16335", "Molecule", "x"), "categories"),
        (Node("HGNC.SYMBOL:NT5E", "Metabolite", "x"), "categories.Metabolite.id_prefixes"),
        (Node("CHEBI:abc", "Metabolite", "x"), "prefixes.CHEBI.pattern"),
        (Node("FOO:1", "Metabolite", "x"), "prefixes"),
        (Node("nocolon", "Metabolite", "x"), "CURIE syntax"),
        (Node("CHEBI:1", "Metabolite", ""), "nodes need a name"),
        (
            Node("CHEBI:1", "Metabolite", "x", properties=props(colour="red")),
            "categories.Metabolite.properties",
        ),
        (
            Node("CHEMBL.COMPOUND:CHEMBL1", "Drug", "x", properties=props(max_phase=7)),
            "categories.Drug.properties",
        ),
        (
            Node("CHEMBL.COMPOUND:CHEMBL1", "Drug", "x", properties=props(max_phase="3")),
            "categories.Drug.properties",
        ),
    ],
)
def test_bad_nodes_name_record_and_rule(schema, node: Node, rule: str) -> None:
    with pytest.raises(SchemaError) as info:
        schema.validate_node(node)
    assert info.value.rule == rule
    assert node.id in str(info.value)


def test_bad_edges(schema) -> None:
    cats = {"HGNC.SYMBOL:NT5E": "Gene", "CHEBI:16335": "Metabolite"}
    with pytest.raises(SchemaError, match="needs Metabolite"):
        schema.validate_edge(Edge("HGNC.SYMBOL:NT5E", "activates", "CHEBI:16335", PROV), cats)
    with pytest.raises(SchemaError, match="missing required property 'direction'"):
        schema.validate_edge(Edge("HGNC.SYMBOL:NT5E", "transports", "CHEBI:16335", PROV))
    with pytest.raises(SchemaError, match="no provenance"):
        schema.validate_edge(Edge("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335"))
    bad_evidence = (Provenance("t", "1", evidence=("CHEBI:1",)),)
    with pytest.raises(SchemaError, match="not a publication"):
        schema.validate_edge(Edge("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335", bad_evidence))
    with pytest.raises(SchemaError, match="unknown object id"):
        schema.validate_edge(Edge("HGNC.SYMBOL:NT5E", "produces", "CHEBI:1", PROV), cats)


def test_malformed_schema_is_rejected(raw: dict) -> None:
    broken = copy.deepcopy(raw)
    broken["predicates"]["binds"]["subject"] = ["Molecule"]
    with pytest.raises(SchemaError, match="unknown subject category 'Molecule'"):
        parse_schema(broken)
    broken = copy.deepcopy(raw)
    broken["predicates"]["transports"]["sign_from"] = "colour"
    with pytest.raises(SchemaError, match="sign_from"):
        parse_schema(broken)
    broken = copy.deepcopy(raw)
    broken["categories"]["Gene"]["id_prefixes"].append("NOPE")
    with pytest.raises(SchemaError, match="undeclared id prefix"):
        parse_schema(broken)
    broken = copy.deepcopy(raw)
    del broken["prefixes"]
    with pytest.raises(SchemaError, match="malformed schema"):
        parse_schema(broken)
