"""Reaction groups: copies of one enzymatic step that count once (see docs/scoring.md).

Genome-scale models write one reaction per compartment (``AMP[c] + H2O[c] => adenosine[c] + Pi[c]``
and the same in ``e``, ``l``, ``m``) and one per lipid species of a generic step (118 Human-GEM
"steryl-ester acylhydrolase" reactions, one per cholesteryl ester). Path counts through these copies
multiply. The rule, computed once per graph from the graph itself:

1. **Compartment copies**: reactions with the same compartment-free inputs and outputs are one step
   (metabolite nodes are compartment-free, so this compares the ``has_input``/``has_output`` objects).
   The gene sets may differ between copies; participants do not, so a group never gives a gene a
   product it does not make.
2. **Variants of one step**: steps catalysed by the same (non-empty) set of genes, with the same EC
   numbers, and either the same curated name or a shared reaction-database id (Rhea, KEGG reaction)
   are one group. The gene sets must be equal (over all copies of each step), so every gene of the
   group catalyses a copy of every member step: no gene -> product path is invented.
3. **Differently named species variants**: the *core* of a group of at least two distinct steps is
   what all its steps share (steryl-ester hydrolysis: water -> cholesterol + H+). A step with the
   group's genes and EC whose inputs and outputs contain that core joins the group (Human-GEM's
   "Hydrolysis of 1-Linoleoyl-Cholesterol, Cholesterol-Ester (18:2)" joins the steryl-ester
   acylhydrolases). Same genes again, so no path is invented.

The predicates and the reaction-database prefixes are read from the ``reaction_groups`` section of
``queries/scoring.yaml``. :class:`~tmekg.queries.hetmat.HetMat` indexes the reaction category by
group; explanations and ``tmekg show`` name a group by its members' name and size.

Examples
--------
>>> kg = tmekg.open()                                          # doctest: +SKIP
>>> groups = reaction_groups(kg)                               # doctest: +SKIP
>>> groups.label(kg, "METATLAS:MAR03538")                     # doctest: +SKIP
'Steryl-ester acylhydrolase (118 reactions)'
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.errors import TmekgError
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge
from tmekg.schema import load_schema
from tmekg.unionfind import UnionFind

if TYPE_CHECKING:
    from tmekg.model import Node


@dataclass(frozen=True)
class GroupSpec:
    """Which predicates define catalysts and participants, and which xrefs name one step."""

    catalysts: str = "catalyzes"
    inputs: str = "has_input"
    outputs: str = "has_output"
    step_xrefs: tuple[str, ...] = ("RHEA", "KEGG.REACTION")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GroupSpec | None:
        """The ``reaction_groups`` section of the scoring config (None when disabled)."""
        raw = dict(config.get("reaction_groups") or {})
        if not raw.pop("enabled", True):
            return None
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            known = ", ".join(["enabled", *cls.__dataclass_fields__])
            raise TmekgError(
                f"scoring config reaction_groups: unknown key(s) {', '.join(unknown)} (known: {known})"
            )
        if "step_xrefs" in raw:
            raw["step_xrefs"] = tuple(raw["step_xrefs"])
        return cls(**raw)


@dataclass(frozen=True)
class ReactionGroup:
    """One step: its representative reaction id (first member), name and member reaction ids."""

    id: str
    name: str
    members: tuple[str, ...]

    @property
    def label(self) -> str:
        """``name`` for a single reaction, ``name (n reactions)`` for a group."""
        return self.name if len(self.members) == 1 else f"{self.name} ({len(self.members)} reactions)"


class ReactionGroups:
    """The reaction groups of one graph: every reaction node belongs to exactly one group."""

    def __init__(self, category: str, groups: list[ReactionGroup]) -> None:
        self.category = category
        self.groups = groups
        self.index = {member: i for i, g in enumerate(groups) for member in g.members}

    def __len__(self) -> int:
        return len(self.groups)

    def group(self, reaction_id: str) -> ReactionGroup | None:
        """The group of a reaction (None for a node that is not a reaction)."""
        i = self.index.get(reaction_id)
        return None if i is None else self.groups[i]

    def members(self, node_id: str) -> tuple[str, ...]:
        """The member reactions of a node's group, or the node alone."""
        group = self.group(node_id)
        return group.members if group else (node_id,)

    def key(self, node_id: str) -> str:
        """The group's id for a reaction, the node's own id otherwise."""
        group = self.group(node_id)
        return group.id if group else node_id

    def label(self, kg: KnowledgeGraph, node_id: str) -> str:
        """Display name: the group label for a reaction, the node name otherwise."""
        group = self.group(node_id)
        return group.label if group else kg.node(node_id).name

    def multiplicity(self) -> dict[str, int]:
        """Reactions, groups and the largest group size (for reports and docs)."""
        sizes = [len(g.members) for g in self.groups]
        return {"reactions": sum(sizes), "groups": len(sizes), "largest": max(sizes, default=0)}


_COMPARTMENT_TAG = re.compile(r"\[[A-Za-z]{1,3}\]")
_CACHE: weakref.WeakKeyDictionary[KnowledgeGraph, dict[GroupSpec, ReactionGroups]] = (
    weakref.WeakKeyDictionary()
)


def reaction_groups(kg: KnowledgeGraph, spec: GroupSpec | None = None) -> ReactionGroups:
    """The reaction groups of a graph (computed once per snapshot and spec, then cached on the graph and
    in the store: :mod:`tmekg.queries.derived`)."""
    spec = spec or default_spec()
    per_graph = _CACHE.setdefault(kg, {})
    if spec not in per_graph:
        per_graph[spec] = _stored_groups(kg, spec)
    return per_graph[spec]


def _stored_groups(kg: KnowledgeGraph, spec: GroupSpec) -> ReactionGroups:
    """:func:`compute_groups` through the store's derived-table cache (JSON: category and groups)."""
    import sys

    from tmekg import unionfind
    from tmekg.queries.derived import cached_table

    def compute() -> dict[str, Any]:
        groups = compute_groups(kg, spec)
        return {
            "category": groups.category,
            "groups": [[g.id, g.name, list(g.members)] for g in groups.groups],
        }

    params = {**asdict(spec), "category": load_schema().predicate(spec.catalysts).object[0]}
    modules = [sys.modules[__name__], unionfind]
    doc = cached_table(kg, "reaction_groups", params, modules, compute)
    return ReactionGroups(doc["category"], [ReactionGroup(i, n, tuple(m)) for i, n, m in doc["groups"]])


def default_spec() -> GroupSpec:
    """The spec of the shipped scoring config (the defaults when it has none)."""
    from tmekg.queries.scoring import default_config

    return GroupSpec.from_config(default_config()) or GroupSpec()


def compute_groups(kg: KnowledgeGraph, spec: GroupSpec) -> ReactionGroups:
    """Group the reaction nodes of ``kg`` by the three rules of the module docstring."""
    category = load_schema().predicate(spec.catalysts).object[0]
    rows = [i for i, n in enumerate(kg.nodes) if n.category == category]
    sides = _Sides(
        _ends(kg, spec.inputs, rows, of_object=False), _ends(kg, spec.outputs, rows, of_object=False)
    )
    union = UnionFind()
    _join_by(union, ((r, ("eq", *sides.of(r))) for r in rows if any(sides.of(r))))
    catalysts = _step_catalysts(rows, union, _ends(kg, spec.catalysts, rows, of_object=True))
    ec = {r: frozenset(kg.nodes[r].prop("ec") or ()) for r in rows}
    steps = {r: union.find(r) for r in rows}
    variant_keys = (
        (r, key)
        for r in rows
        if catalysts[r]
        for key in _variant_keys(kg.nodes[r], catalysts[r], ec[r], spec.step_xrefs)
    )
    _join_by(union, variant_keys)
    _join_species(union, rows, steps, {r: (catalysts[r], ec[r]) for r in rows if catalysts[r]}, sides)
    return ReactionGroups(category, _groups(kg, rows, union))


@dataclass(frozen=True)
class _Sides:
    """Compartment-free inputs and outputs per reaction row."""

    inputs: dict[int, frozenset[int]]
    outputs: dict[int, frozenset[int]]

    def of(self, row: int) -> tuple[frozenset[int], frozenset[int]]:
        return self.inputs[row], self.outputs[row]


def _step_catalysts(
    rows: list[int], union: UnionFind, genes: dict[int, frozenset[int]]
) -> dict[int, frozenset[int]]:
    """Per reaction row: the genes catalysing any compartment copy of its step."""
    per_step: dict[int, set[int]] = {}
    for r in rows:
        per_step.setdefault(union.find(r), set()).update(genes[r])
    return {r: frozenset(per_step[union.find(r)]) for r in rows}


def _join_species(
    union: UnionFind,
    rows: list[int],
    steps: dict[int, int],
    keys: dict[int, tuple[frozenset[int], frozenset[str]]],
    sides: _Sides,
) -> None:
    """Rule 3: a step with a variant group's genes and EC that holds the group's core joins it.

    The core of a group of at least two distinct steps is what all its steps share (inputs and
    outputs): for the steryl-ester hydrolases, water -> cholesterol + H+; the species-specific ester
    and fatty acid differ. A differently named species variant (``Hydrolysis of 1-Linoleoyl-Cholesterol``)
    holds that core and the same genes and EC, so it is the same step on another species.
    """
    members: dict[int, list[int]] = {}
    for r in rows:
        members.setdefault(union.find(r), []).append(r)
    cores: dict[tuple, list[tuple[int, frozenset[int], frozenset[int]]]] = {}
    for root, group in members.items():
        with_sides = [r for r in group if any(sides.of(r))]
        if len({steps[r] for r in with_sides}) < 2:
            continue
        core_in = frozenset.intersection(*(sides.inputs[r] for r in with_sides))
        core_out = frozenset.intersection(*(sides.outputs[r] for r in with_sides))
        for key in {keys[r] for r in group if r in keys} if core_in or core_out else ():
            cores.setdefault(key, []).append((root, core_in, core_out))
    for r in rows:
        for root, core_in, core_out in cores.get(keys.get(r), ()):  # type: ignore[arg-type]
            if core_in <= sides.inputs[r] and core_out <= sides.outputs[r]:
                union.union(root, r)


def _ends(kg: KnowledgeGraph, predicate: str, rows: list[int], of_object: bool) -> dict[int, frozenset[int]]:
    """Per reaction row: the node rows at the other end of its ``predicate`` edges."""
    out: dict[int, set[int]] = {r: set() for r in rows}
    if predicate not in kg.predicates:
        return {r: frozenset() for r in rows}
    index = np.asarray(kg.edge_index)
    chosen = index[index[:, 2] == kg.predicates.index(predicate)]
    here, there = (chosen[:, 1], chosen[:, 0]) if of_object else (chosen[:, 0], chosen[:, 1])
    for a, b in zip(here.tolist(), there.tolist(), strict=True):
        if a in out:
            out[a].add(b)
    return {r: frozenset(v) for r, v in out.items()}


def _variant_keys(
    node: Node, catalysts: frozenset[int], ec: frozenset[str], prefixes: tuple[str, ...]
) -> Iterable[tuple]:
    """Keys under which two steps are variants: same genes and EC, and same name or step xref."""
    name = _curated_name(node)
    if name:
        yield ("name", catalysts, ec, name)
    for xref in node.xrefs:
        if xref.split(":", 1)[0] in prefixes:
            yield ("xref", catalysts, ec, xref)


def _curated_name(node: Node) -> str:
    """The reaction's name, casefolded; empty when the name is only its identifier."""
    name = (node.name or "").strip()
    if not name or name == node.id or name == node.id.split(":", 1)[-1]:
        return ""
    return " ".join(name.casefold().split())


def _equation_name(node: Node) -> str:
    """An unnamed reaction's equation without compartment tags (``AMP[c]`` -> ``AMP``), else its name."""
    equation = node.prop("equation")
    return " ".join(_COMPARTMENT_TAG.sub("", equation).split()) if equation else node.name


def _join_by(union: UnionFind, keyed: Iterable[tuple[int, tuple]]) -> None:
    """Union every two rows that share a key."""
    first: dict[tuple, int] = {}
    for row, key in keyed:
        union.union(first.setdefault(key, row), row)


def _groups(kg: KnowledgeGraph, rows: list[int], union: UnionFind) -> list[ReactionGroup]:
    """Groups in node order, each named by its members' most common curated name."""
    members: dict[int, list[int]] = {}
    for r in rows:
        members.setdefault(union.find(r), []).append(r)
    out = []
    for group in sorted(members.values()):
        nodes = [kg.nodes[r] for r in group]
        names = Counter(n.name for n in nodes if _curated_name(n))
        name = names.most_common(1)[0][0] if names else _equation_name(nodes[0])
        out.append(ReactionGroup(nodes[0].id, name, tuple(n.id for n in nodes)))
    return out


def edges_between(kg: KnowledgeGraph, a: str, b: str, groups: ReactionGroups | None = None) -> list[Edge]:
    """Edges between two nodes of a path, either of which may stand for a reaction group."""
    groups = groups or reaction_groups(kg)
    others = set(groups.members(b))
    out = []
    for member in groups.members(a):
        out.extend(nb.edge for nb in kg.neighbours(member) if nb.other.id in others)
    return out


def compartments(kg: KnowledgeGraph, reaction_ids: Iterable[str], spec: GroupSpec | None = None) -> list[str]:
    """The compartments of the participants of some reactions (``compartment`` edge property)."""
    spec = spec or default_spec()
    found: set[str] = set()
    for rid in reaction_ids:
        for nb in kg.neighbours(rid):
            if nb.outgoing and nb.edge.predicate in (spec.inputs, spec.outputs):
                value = nb.edge.prop("compartment")
                if value:
                    found.add(str(value))
    return sorted(found)


def label(kg: KnowledgeGraph, node_id: str) -> str:
    """Display name of a path node: ``name (n reactions)`` for a reaction group, else the node name."""
    return reaction_groups(kg).label(kg, node_id)


def path_steps(kg: KnowledgeGraph, a: str, b: str) -> list[tuple[str, list[Edge]]]:
    """The edges of one path step, one entry per predicate: ``(text, edges)``.

    A step into or out of a reaction group gathers the edges of all its member reactions, named once
    (``LIPA -catalyzes-> Steryl-ester acylhydrolase (124 reactions)``).
    """
    groups = reaction_groups(kg)
    by_text: dict[str, list[Edge]] = {}
    for edge in edges_between(kg, a, b, groups):
        subject, obj = groups.label(kg, edge.subject), groups.label(kg, edge.object)
        by_text.setdefault(f"{subject} -{edge.predicate}-> {obj}", []).append(edge)
    return list(by_text.items())
