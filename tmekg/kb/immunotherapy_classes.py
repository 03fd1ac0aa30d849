"""Immunotherapy classes as data, and the build step that puts drugs from any source into them.

``immunotherapy_classes.yaml`` (shipped with the package, validated on load by :func:`load_table`)
says, per class, which genes its agents act on and how (anti-PD-1: PDCD1, blocked; CD40 agonist: CD40,
activated; CAR-T: any antigen, ``car_antigen``), and which drug modalities qualify. After the merge,
:func:`assign` gives every Drug node whose ``targets`` edges (from any loaded source) satisfy a class's
rule the ``immunotherapy_class`` property, with a provenance entry naming the gene, action and sources
that put it there. A class already set by a source (the curated KB) is kept. Rules and measured counts:
``docs/immunotherapy-classes.md``.

Examples
--------
>>> table = load_table()
>>> table.classes[0].name, sorted(table.classes[0].genes), sorted(table.classes[0].actions)[:2]
('anti-PD-1', ['PDCD1'], ['antagonist', 'blocking_antibody'])
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tmekg.errors import TmekgError
from tmekg.model import Edge, Node, Provenance, props

STEP = "immunotherapy-classes"
TABLE = "immunotherapy_classes.yaml"
ANY_GENE = "*"
CLASS_PROPERTY = "immunotherapy_class"
STATUSES = ("verified", "unverified")
VAGUE_ACTIONS = ("binder", "other")  # say that a drug binds, not how it acts


class ClassTableError(TmekgError):
    """The immunotherapy class table is malformed (the message names the field)."""

    def __init__(self, field_path: str, message: str) -> None:
        self.field = field_path
        super().__init__(f"{TABLE}: field '{field_path}': {message}")


@dataclass(frozen=True)
class ImmunotherapyClass:
    """One class: the genes its agents act on (``None`` = any gene), the qualifying actions and modalities."""

    name: str
    genes: frozenset[str] | None
    actions: frozenset[str]
    modalities: frozenset[str]
    evidence: tuple[str, ...]
    status: str
    binding_antibody: bool = False

    def admits(self, symbol: str, action: str, modality: str | None = None) -> bool:
        """True if a ``targets`` edge to ``symbol`` with ``action`` is this class's mechanism (with
        ``binding_antibody``, an antibody whose only stated action on the gene is ``binder`` counts too)."""
        if self.genes is not None and symbol not in self.genes:
            return False
        return action in self.actions or (
            self.binding_antibody and modality == "antibody" and action == "binder"
        )


@dataclass(frozen=True)
class ClassTable:
    """The validated table, classes in priority order."""

    version: str
    classes: tuple[ImmunotherapyClass, ...]
    mechanism_words: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> ImmunotherapyClass:
        """A class by name."""
        return next(c for c in self.classes if c.name == name)


@functools.cache
def load_table() -> ClassTable:
    """The shipped table, validated against the schema."""
    from tmekg.io import packaged_yaml

    return parse_table(packaged_yaml("tmekg.kb", TABLE))


def parse_table(raw: Mapping[str, Any]) -> ClassTable:
    """Validate a table document; raises :class:`ClassTableError` naming the offending field."""
    from tmekg.schema import load_schema

    schema = load_schema()
    drug = schema.categories["Drug"].properties
    allowed = list(drug[CLASS_PROPERTY].values)
    how = _how(raw.get("how"), set(schema.predicates["targets"].properties["action"].values))
    classes = raw.get("classes")
    if not isinstance(classes, Mapping) or not classes:
        raise ClassTableError("classes", "a mapping of class name -> rule is required")
    extra, missing = sorted(set(classes) - set(allowed)), [c for c in allowed if c not in classes]
    if extra or missing:
        raise ClassTableError(
            "classes",
            f"must cover exactly the schema's Drug.{CLASS_PROPERTY} values (not in schema: {extra}; "
            f"missing: {missing})",
        )
    modalities = set(drug["modality"].values)
    parsed = tuple(_class(str(n), spec, how, modalities) for n, spec in classes.items())
    words = {str(k): str(v) for k, v in (raw.get("mechanism_words") or {}).items()}
    actions = set(schema.predicates["targets"].properties["action"].values)
    bad = sorted(v for v in words.values() if v not in actions)
    if bad:
        raise ClassTableError("mechanism_words", f"not schema targets actions: {bad}")
    return ClassTable(version=str(raw.get("version", "")), classes=parsed, mechanism_words=words)


def _how(raw: Any, actions: set[str]) -> dict[str, frozenset[str]]:
    if not isinstance(raw, Mapping) or not raw:
        raise ClassTableError("how", "a mapping of mode -> list of targets actions is required")
    out = {}
    for mode, values in raw.items():
        unknown = sorted(set(values or ()) - actions)
        if not values or unknown:
            raise ClassTableError(f"how.{mode}", f"needs schema targets actions (unknown: {unknown})")
        out[str(mode)] = frozenset(values)
    return out


def _class(name: str, spec: Any, how: dict[str, frozenset[str]], modalities: set[str]) -> ImmunotherapyClass:
    where = f"classes.{name}"
    if not isinstance(spec, Mapping):
        raise ClassTableError(where, "must be a mapping")
    if spec.get("how") not in how:
        raise ClassTableError(f"{where}.how", f"'{spec.get('how')}' is not one of {sorted(how)}")
    bad = sorted(set(spec.get("modalities") or ()) - modalities)
    if not spec.get("modalities") or bad:
        raise ClassTableError(f"{where}.modalities", f"needs Drug.modality values (unknown: {bad})")
    status = spec.get("status", "verified")
    if status not in STATUSES:
        raise ClassTableError(f"{where}.status", f"'{status}' is not one of {list(STATUSES)}")
    return ImmunotherapyClass(
        name=name,
        genes=_genes(spec.get("acts_on"), f"{where}.acts_on"),
        actions=how[spec["how"]],
        modalities=frozenset(spec["modalities"]),
        evidence=_evidence(spec.get("evidence"), status, f"{where}.evidence"),
        status=status,
        binding_antibody=bool(spec.get("binding_antibody", False)),
    )


def _genes(raw: Any, where: str) -> frozenset[str] | None:
    from tmekg.ids import is_valid

    symbols = [str(s) for s in raw or ()]
    if not symbols:
        raise ClassTableError(where, f"list the genes (HGNC symbols) or '{ANY_GENE}'")
    if symbols == [ANY_GENE]:
        return None
    bad = [s for s in symbols if not is_valid(f"HGNC.SYMBOL:{s}", "Gene")]
    if bad:
        raise ClassTableError(where, f"not gene symbols: {bad}")
    return frozenset(symbols)


def _evidence(raw: Any, status: str, where: str) -> tuple[str, ...]:
    from tmekg.ids import is_valid

    items = tuple(str(e) for e in raw or ())
    if not items and status == "verified":
        raise ClassTableError(where, "a verified class needs a PMID or DOI (else mark it unverified)")
    bad = [e for e in items if e.split(":", 1)[0] not in ("PMID", "DOI") or not is_valid(e)]
    if bad:
        raise ClassTableError(where, f"not PMID/DOI CURIEs: {bad}")
    return items


# -- the build step ------------------------------------------------------------------------------


@dataclass
class ClassReport:
    """Per class: drugs in it, and how they got there; drugs matching several classes; disagreements."""

    drugs: dict[str, int] = field(default_factory=dict)
    from_sources: dict[str, int] = field(default_factory=dict)
    assigned: dict[str, int] = field(default_factory=dict)
    ambiguous: list[str] = field(default_factory=list)
    disagree: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for the build report."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v}


def assign(
    nodes: Iterable[Node], edges: Iterable[Edge], table: ClassTable | None = None
) -> tuple[list[Node], ClassReport]:
    """Nodes with ``immunotherapy_class`` set on every Drug whose ``targets`` edges satisfy a class."""
    table = table or load_table()
    nodes = list(nodes)
    symbols = _symbols(nodes)
    targets = _targets_by_drug(edges, symbols)
    report = ClassReport()
    out = []
    for node in nodes:
        if node.category == "Drug":
            node = _classified(node, targets.get(node.id, []), table, report)
            if node.prop(CLASS_PROPERTY):
                name = node.prop(CLASS_PROPERTY)
                report.drugs[name] = report.drugs.get(name, 0) + 1
        out.append(node)
    return out, report


def _symbols(nodes: list[Node]) -> dict[str, str]:
    """Gene node id -> approved symbol (from the ``HGNC.SYMBOL`` id or cross-reference)."""
    out = {}
    for node in nodes:
        if node.category != "Gene":
            continue
        curie = next((c for c in (node.id, *node.xrefs) if c.startswith("HGNC.SYMBOL:")), None)
        out[node.id] = curie.split(":", 1)[1] if curie else node.name
    return out


def _targets_by_drug(edges: Iterable[Edge], symbols: dict[str, str]) -> dict[str, list[tuple[str, str, str]]]:
    """Drug id -> (symbol, action, sources) of its therapeutic ``targets`` edges."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for edge in edges:
        if edge.predicate != "targets" or edge.prop("therapeutic", True) is False:
            continue
        sources = ",".join(sorted({p.source for p in edge.provenance}))
        symbol = symbols.get(edge.object, edge.object)
        out.setdefault(edge.subject, []).append((symbol, str(edge.prop("action", "other")), sources))
    return out


def _classified(
    node: Node, targets: list[tuple[str, str, str]], table: ClassTable, report: ClassReport
) -> Node:
    matches = _matches(node, targets, table)
    current = node.prop(CLASS_PROPERTY)
    if len(matches) > 1:
        report.ambiguous.append(f"{node.name} ({node.id}): {', '.join(m[0].name for m in matches)}")
    if current:
        report.from_sources[current] = report.from_sources.get(current, 0) + 1
        if matches and current not in {m[0].name for m in matches}:
            report.disagree.append(
                f"{node.name} ({node.id}): {current} in its source, targets say {matches[0][0].name}"
            )
        return node
    if not matches:
        return node
    cls, (symbol, action, sources) = matches[0]
    report.assigned[cls.name] = report.assigned.get(cls.name, 0) + 1
    values = {**dict(node.properties), CLASS_PROPERTY: cls.name}
    prov = Provenance(
        STEP,
        table.version,
        cls.evidence,
        status=cls.status,
        record=f"targets {symbol} ({action}) from {sources}",
    )
    return dataclasses.replace(node, properties=props(values), provenance=(*node.provenance, prov))


def _matches(
    node: Node, targets: list[tuple[str, str, str]], table: ClassTable
) -> list[tuple[ImmunotherapyClass, tuple[str, str, str]]]:
    """Classes (in table order) whose rule one of the drug's targets edges satisfies, with that edge."""
    modality = node.prop("modality")
    stated = [_stated(t, node) for t in targets]
    out = []
    for cls in table.classes:
        if modality not in cls.modalities:
            continue
        hit = next((t for t in stated if cls.admits(t[0], t[1], modality)), None)
        if hit:
            out.append((cls, hit))
    return out


def _stated(target: tuple[str, str, str], node: Node) -> tuple[str, str, str]:
    """A vague action (``binder``) made definite by the drug's own mechanism text, when that names
    one (DrugCentral's FDA class "Programmed Death Receptor-1 Blocking Antibody" -> blocking_antibody)."""
    import re

    from tmekg.loaders.drugcentral import antibody_action, drug_action

    symbol, action, sources = target
    text = str(node.prop("mechanism") or "").lower()
    if action not in VAGUE_ACTIONS or not text:
        return target
    words = load_table().mechanism_words
    found = next((a for w, a in words.items() if re.search(rf"\b{re.escape(w)}\b", text)), None)
    stated = antibody_action(found or drug_action(text), node.prop("modality"))
    if stated in VAGUE_ACTIONS:
        return target
    return symbol, stated, f"{sources}; action from the drug's mechanism '{node.prop('mechanism')}'"
