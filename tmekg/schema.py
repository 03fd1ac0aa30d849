"""The graph schema (``schema/tmekg.yaml``): loading, self-validation, and record validation.

The schema is data. This module turns it into small typed objects and checks records against it;
no other module spells category or predicate names as literals.

Examples
--------
>>> s = load_schema()
>>> s.predicates["transports"].sign_of({"direction": "export"})
1
>>> s.check_curie("CHEBI:16335", "Metabolite")
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tmekg.errors import SchemaError
from tmekg.model import Edge, Node

PROPERTY_TYPES = ("str", "int", "float", "bool", "enum", "list")
_CURIE = re.compile(r"^([A-Za-z][A-Za-z0-9_.]*):(.+)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0/C1 control characters (NUL, ESC, BEL, CSI...)


@dataclass(frozen=True)
class PropertySpec:
    """One declared property: type, optional enum values, bounds, whether required."""

    name: str
    type: str
    values: tuple[str, ...] = ()
    required: bool = False
    min: float | None = None
    max: float | None = None

    def check(self, value: Any, where: str, rule: str = "") -> None:
        """Raise :class:`SchemaError` if ``value`` does not fit this property."""
        rule = rule or f"property '{self.name}' is {self.type}"
        ok = {
            "str": lambda v: isinstance(v, str),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
            "bool": lambda v: isinstance(v, bool),
            "enum": lambda v: isinstance(v, str) and v in self.values,
            "list": lambda v: isinstance(v, tuple) and all(isinstance(x, str) for x in v),
        }[self.type](value)
        if ok and self.type == "list" and self.values:
            ok = all(x in self.values for x in value)
        if ok and self.min is not None and value < self.min:
            ok = False
        if ok and self.max is not None and value > self.max:
            ok = False
        if not ok:
            allowed = f" (allowed: {', '.join(self.values)})" if self.values else ""
            bounds = f" in [{self.min}, {self.max}]" if self.min is not None or self.max is not None else ""
            expected = f"{self.type}{bounds}{allowed}"
            raise SchemaError(
                f"bad value {value!r} for property '{self.name}' (expected {expected})", where, rule
            )


@dataclass(frozen=True)
class Category:
    """A node category with its Biolink class, allowed id prefixes and properties."""

    name: str
    biolink: str
    id_prefixes: tuple[str, ...]
    properties: Mapping[str, PropertySpec]
    merge_on: tuple[str, ...] = ()
    distinct_on: tuple[str, ...] = ()
    bridge_on: tuple[str, ...] = ()
    abbrev: str = ""
    description: str = ""

    def preference(self, curie: str) -> int:
        """Rank of the id's prefix in ``id_prefixes`` (0 = preferred); unknown prefixes rank last."""
        prefix = curie.split(":", 1)[0]
        return self.id_prefixes.index(prefix) if prefix in self.id_prefixes else len(self.id_prefixes)


@dataclass(frozen=True)
class Predicate:
    """A relationship type: endpoints, sign, identity properties and Biolink mapping."""

    name: str
    biolink: str
    subject: tuple[str, ...]
    object: tuple[str, ...]
    properties: Mapping[str, PropertySpec]
    sign: int = 0
    sign_from: str | None = None
    sign_map: Mapping[str, int] = field(default_factory=dict)
    identity: tuple[str, ...] = ()
    biolink_qualifiers: Mapping[str, str] = field(default_factory=dict)
    same_category: bool = False
    abbrev: str = ""
    description: str = ""

    def sign_of(self, properties: Mapping[str, Any]) -> int:
        """The edge's sign: fixed by the predicate or derived from a property (``sign_from``)."""
        if self.sign_from is None:
            return self.sign
        return self.sign_map.get(properties.get(self.sign_from), 0)


@dataclass(frozen=True)
class Schema:
    """The loaded, self-consistent schema."""

    version: str
    biolink_version: str
    prefixes: Mapping[str, str]
    patterns: Mapping[str, re.Pattern[str]]
    local_prefix: str
    evidence_prefixes: tuple[str, ...]
    categories: Mapping[str, Category]
    predicates: Mapping[str, Predicate]

    def category(self, name: str, where: str = "") -> Category:
        """Look up a category or raise a :class:`SchemaError`."""
        try:
            return self.categories[name]
        except KeyError:
            raise SchemaError(
                f"unknown category '{name}' (known: {', '.join(self.categories)})", where, "categories"
            ) from None

    def predicate(self, name: str, where: str = "") -> Predicate:
        """Look up a predicate or raise a :class:`SchemaError`."""
        try:
            return self.predicates[name]
        except KeyError:
            raise SchemaError(
                f"unknown predicate '{name}' (known: {', '.join(self.predicates)})", where, "predicates"
            ) from None

    def check_curie(self, curie: str, category: str | None = None, where: str = "") -> None:
        """Check that ``curie`` is a well-formed CURIE with a known prefix (allowed for ``category``)."""
        match = _CURIE.match(curie or "")
        if match and _CONTROL.search(curie):
            raise SchemaError(f"{curie!r} contains a control character", where or curie, "CURIE syntax")
        if not match:
            raise SchemaError(f"'{curie}' is not a CURIE (PREFIX:local)", where or curie, "CURIE syntax")
        prefix, local = match.groups()
        if prefix not in self.prefixes:
            raise SchemaError(f"unknown prefix '{prefix}' in '{curie}'", where or curie, "prefixes")
        if not self.patterns[prefix].match(local):
            raise SchemaError(
                f"'{curie}' does not match the {prefix} pattern {self.patterns[prefix].pattern}",
                where or curie,
                f"prefixes.{prefix}.pattern",
            )
        if category is not None:
            allowed = self.category(category, where).id_prefixes
            if prefix not in allowed:
                raise SchemaError(
                    f"prefix '{prefix}' is not allowed for {category} ids (allowed: {', '.join(allowed)})",
                    where or curie,
                    f"categories.{category}.id_prefixes",
                )

    def validate_node(self, node: Node) -> None:
        """Raise :class:`SchemaError` naming the node and the rule it breaks."""
        where = f"node {node.id}"
        cat = self.category(node.category, where)
        self.check_curie(node.id, node.category, where)
        if not node.name:
            raise SchemaError("node has no name", where, "nodes need a name")
        for xref in node.xrefs:
            self.check_curie(xref, None, f"{where} xref")
        _check_properties(cat.properties, dict(node.properties), where, f"categories.{cat.name}")

    def validate_edge(self, edge: Edge, categories: Mapping[str, str] | None = None) -> None:
        """Check predicate, properties, provenance and (given node categories) the endpoints."""
        where = f"edge {edge.subject} -{edge.predicate}-> {edge.object}"
        pred = self.predicate(edge.predicate, where)
        _check_properties(pred.properties, dict(edge.properties), where, f"predicates.{pred.name}")
        if not edge.provenance:
            raise SchemaError("edge has no provenance", where, "every edge carries provenance")
        for prov in edge.provenance:
            for item in prov.evidence:
                self.check_curie(item, None, f"{where} evidence")
                if item.split(":", 1)[0] not in self.evidence_prefixes:
                    raise SchemaError(
                        f"evidence '{item}' is not a publication CURIE",
                        where,
                        f"evidence_prefixes {list(self.evidence_prefixes)}",
                    )
        if categories is not None:
            self._check_endpoints(pred, edge, categories, where)

    def _check_endpoints(
        self, pred: Predicate, edge: Edge, categories: Mapping[str, str], where: str
    ) -> None:
        for end, allowed in (("subject", pred.subject), ("object", pred.object)):
            node_id = getattr(edge, end)
            cat = categories.get(node_id)
            if cat is None:
                raise SchemaError(f"unknown {end} id '{node_id}'", where, "edge endpoints must be nodes")
            if cat not in allowed:
                raise SchemaError(
                    f"{end} '{node_id}' is a {cat}, but {pred.name} needs {' or '.join(allowed)}",
                    where,
                    f"predicates.{pred.name}.{end}",
                )
        if pred.same_category and categories[edge.subject] != categories[edge.object]:
            raise SchemaError("subject and object differ in category", where, f"predicates.{pred.name}")

    def edge_sign(self, edge: Edge) -> int:
        """Sign of an edge: +1, -1 or 0."""
        return self.predicates[edge.predicate].sign_of(dict(edge.properties))


def _check_properties(
    specs: Mapping[str, PropertySpec], values: Mapping[str, Any], where: str, rule: str
) -> None:
    for key, value in values.items():
        if key not in specs:
            known = ", ".join(specs) or "none"
            raise SchemaError(f"unknown property '{key}' (declared: {known})", where, rule + ".properties")
        specs[key].check(value, where, rule + ".properties")
    for spec in specs.values():
        if spec.required and spec.name not in values:
            raise SchemaError(f"missing required property '{spec.name}'", where, rule + ".properties")


def schema_path() -> Path:
    """Path of the installed ``tmekg.yaml`` (package data ``tmekg._schema``)."""
    try:
        return Path(str(resources.files("tmekg._schema") / "tmekg.yaml"))
    except ModuleNotFoundError:  # running from a source tree without installation
        return Path(__file__).resolve().parent.parent / "schema" / "tmekg.yaml"


@functools.cache
def load_schema(path: str | Path | None = None) -> Schema:
    """Load and self-validate the schema (cached per path)."""
    source = Path(path) if path else schema_path()
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SchemaError(f"cannot read schema {source}: {exc}") from exc
    return parse_schema(raw, str(source))


def parse_schema(raw: Mapping[str, Any], origin: str = "<schema>") -> Schema:
    """Build a :class:`Schema` from its YAML mapping, raising :class:`SchemaError` on any inconsistency."""
    try:
        prefixes = {k: v["uri"] for k, v in raw["prefixes"].items()}
        # re.ASCII: \d is [0-9] and \w [A-Za-z0-9_], so full-width or other non-ASCII digits never pass
        patterns = {k: re.compile(v["pattern"], re.ASCII) for k, v in raw["prefixes"].items()}
        categories = {k: _category(k, v, prefixes, origin) for k, v in raw["categories"].items()}
        predicates = {k: _predicate(k, v, categories, origin) for k, v in raw["predicates"].items()}
        schema = Schema(
            version=str(raw["schema_version"]),
            biolink_version=str(raw.get("biolink_version", "")),
            prefixes=prefixes,
            patterns=patterns,
            local_prefix=raw["local_prefix"],
            evidence_prefixes=tuple(raw["evidence_prefixes"]),
            categories=categories,
            predicates=predicates,
        )
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise SchemaError(f"malformed schema {origin}: {type(exc).__name__} {exc}") from exc
    for prefix in (schema.local_prefix, *schema.evidence_prefixes):
        if prefix not in prefixes:
            raise SchemaError(f"prefix '{prefix}' used but not declared in {origin}")
    _check_abbreviations(schema, origin)
    return schema


def _check_abbreviations(schema: Schema, origin: str) -> None:
    """Metapath abbreviations must be present and unique (categories upper, predicates lower case)."""
    cats = [c.abbrev for c in schema.categories.values()]
    preds = [p.abbrev for p in schema.predicates.values()]
    if not all(a.isupper() for a in cats) or len(set(cats)) != len(cats):
        raise SchemaError(f"{origin}: category abbreviations must be unique upper-case letters: {cats}")
    if not all(a.islower() for a in preds) or len(set(preds)) != len(preds):
        raise SchemaError(f"{origin}: predicate abbreviations must be unique lower-case letters: {preds}")


def _props(raw: Mapping[str, Any] | None, origin: str, owner: str) -> dict[str, PropertySpec]:
    out = {}
    for name, spec in (raw or {}).items():
        if spec.get("type") not in PROPERTY_TYPES:
            raise SchemaError(f"{origin}: {owner}.{name}: type must be one of {PROPERTY_TYPES}")
        if spec["type"] == "enum" and not spec.get("values"):
            raise SchemaError(f"{origin}: {owner}.{name}: enum needs values")
        out[name] = PropertySpec(
            name=name,
            type=spec["type"],
            values=tuple(str(v) for v in spec.get("values", ())),
            required=bool(spec.get("required", False)),
            min=spec.get("min"),
            max=spec.get("max"),
        )
    return out


def _category(name: str, raw: Mapping[str, Any], prefixes: Mapping[str, str], origin: str) -> Category:
    keys = (*raw.get("merge_on", ()), *raw.get("distinct_on", ()), *raw.get("bridge_on", ()))
    for prefix in (*raw["id_prefixes"], *keys):
        if prefix not in prefixes:
            raise SchemaError(f"{origin}: category {name}: undeclared id prefix '{prefix}'")
    _check_biolink(raw["biolink"], origin, name)
    return Category(
        name=name,
        biolink=raw["biolink"],
        id_prefixes=tuple(raw["id_prefixes"]),
        properties=_props(raw.get("properties"), origin, name),
        merge_on=tuple(raw.get("merge_on", ())),
        distinct_on=tuple(raw.get("distinct_on", ())),
        bridge_on=tuple(raw.get("bridge_on", ())),
        abbrev=str(raw.get("abbrev", "")),
        description=raw.get("description", ""),
    )


def _predicate(
    name: str, raw: Mapping[str, Any], categories: Mapping[str, Category], origin: str
) -> Predicate:
    for end in ("subject", "object"):
        for cat in raw[end]:
            if cat not in categories:
                raise SchemaError(f"{origin}: predicate {name}: unknown {end} category '{cat}'")
    _check_biolink(raw["biolink"], origin, name)
    properties = _props(raw.get("properties"), origin, name)
    sign_from = raw.get("sign_from")
    if sign_from is not None and sign_from not in properties:
        raise SchemaError(f"{origin}: predicate {name}: sign_from '{sign_from}' is not a property")
    sign = int(raw.get("sign", 0))
    sign_map = {str(k): int(v) for k, v in (raw.get("sign_map") or {}).items()}
    if sign not in (-1, 0, 1) or any(v not in (-1, 0, 1) for v in sign_map.values()):
        raise SchemaError(f"{origin}: predicate {name}: signs must be -1, 0 or 1")
    for ident in raw.get("identity", ()):
        if ident not in properties:
            raise SchemaError(f"{origin}: predicate {name}: identity '{ident}' is not a property")
    return Predicate(
        name=name,
        biolink=raw["biolink"],
        subject=tuple(raw["subject"]),
        object=tuple(raw["object"]),
        properties=properties,
        sign=sign,
        sign_from=sign_from,
        sign_map=sign_map,
        identity=tuple(raw.get("identity", ())),
        biolink_qualifiers=dict(raw.get("biolink_qualifiers") or {}),
        same_category=bool(raw.get("same_category", False)),
        abbrev=str(raw.get("abbrev", "")),
        description=raw.get("description", ""),
    )


def _check_biolink(curie: str, origin: str, owner: str) -> None:
    if not isinstance(curie, str) or not curie.startswith("biolink:"):
        raise SchemaError(f"{origin}: {owner}: biolink mapping must be a biolink: CURIE, got {curie!r}")
