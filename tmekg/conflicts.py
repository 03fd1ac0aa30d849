"""Contradictions: opposite signs for the same (subject, predicate family, object).

Two predicates are one *family* when the schema maps them to the same Biolink predicate and
qualifiers except the direction (``object_direction_qualifier``): ``increases`` / ``decreases``
(Biolink affects), ``activates`` / ``inhibits`` (affects, aspect activity), ``ligand_activates`` /
``ligand_inhibits``. A predicate whose sign comes from a property (``targets``: the drug's action) is
its own family, so an agonist and an inhibitor row for one drug and gene contradict each other too.
``produces`` / ``degrades`` (synthesis vs degradation) and import / export are not opposites: an enzyme
can do both, a transporter can move a metabolite both ways.

The builder (:meth:`tmekg.build.GraphBuilder.build`) runs :func:`find_conflicts` over every source
row before edges merge, and keeps both sides: they stay separate edges (different predicates) or, for
a sign read from a property, the merged edge keeps the first source's value while the conflict record
keeps both. The build writes the records to ``conflicts.json`` in the snapshot (:func:`conflict_files`),
each side with its edge row, grade and provenance; :func:`read_conflicts` reads them back.

How a contested pair scores: both edges stay in the graph with their own sign and their own grade
weight, so along a path the pair contributes the grade-weighted signed sum (``net`` below): equal grades
cancel, a better-graded side wins by the difference (docs/evidence-grades.md, "Contradictions").

Examples
--------
>>> from tmekg.model import Edge, Provenance
>>> up = Edge("G", "increases", "E", (Provenance("a", "1", system="in_vivo"),))
>>> down = Edge("G", "decreases", "E", (Provenance("b", "1", system="in_vitro"),))
>>> [c["family"] for c in find_conflicts({("G", "increases", "E", ()): [(0, up)],
...                                       ("G", "decreases", "E", ()): [(1, down)]})]
['biolink:affects']
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tmekg.grades import edge_grade, grade_table
from tmekg.model import Edge, EdgeKey
from tmekg.schema import Schema, load_schema

CONFLICTS_FILE = "conflicts.json"
DIRECTION_QUALIFIER = "object_direction_qualifier"


def predicate_families(schema: Schema | None = None) -> dict[str, str]:
    """Predicate -> family name, for the predicates that carry a sign (fixed or from a property)."""
    schema = schema or load_schema()
    out = {}
    for name, spec in schema.predicates.items():
        if spec.sign_from in spec.identity:
            continue  # the sign property tells parallel facts apart (import / export): not opposites
        if spec.sign_from:
            out[name] = f"{spec.biolink} ({name}.{spec.sign_from})"
        elif spec.sign:
            quals = sorted((k, v) for k, v in spec.biolink_qualifiers.items() if k != DIRECTION_QUALIFIER)
            out[name] = spec.biolink + "".join(f" {k}={v}" for k, v in quals)
    return out


def find_conflicts(
    grouped: Mapping[EdgeKey, Sequence[tuple[int, Edge]]], schema: Schema | None = None
) -> list[dict[str, Any]]:
    """Contradictions among the builder's edge groups ({merge key: [(source rank, edge), ...]}).

    Returns one record per (subject, family, object) whose rows carry both +1 and -1, sorted, each with
    its ``sides``: one per (merge key, sign) with the predicate, identity properties, grade, grade
    weight and provenance of the rows that say it.
    """
    schema = schema or load_schema()
    families = predicate_families(schema)
    buckets: dict[tuple[str, str, str], dict[tuple[EdgeKey, int], list[Edge]]] = defaultdict(dict)
    for key, versions in grouped.items():
        family = families.get(key[1])
        if family is None:
            continue
        for _, edge in versions:
            sign = schema.edge_sign(edge)
            if sign:
                buckets[(key[0], family, key[2])].setdefault((key, sign), []).append(edge)
    out = []
    for (subject, family, obj), sides in sorted(buckets.items()):
        if {sign for _, sign in sides} == {1, -1}:
            out.append(_record(subject, family, obj, sides))
    return out


def _record(
    subject: str, family: str, obj: str, sides: Mapping[tuple[EdgeKey, int], list[Edge]]
) -> dict[str, Any]:
    table = grade_table()
    rows = []
    for (key, sign), edges in sorted(sides.items(), key=lambda kv: (-kv[0][1], kv[0][0][1])):
        provenance = [p for e in edges for p in e.provenance]
        grade = edge_grade(provenance, table)
        weight = table.weights[grade] if grade else table.ungraded_weight
        rows.append(
            {
                "sign": sign,
                "predicate": key[1],
                "identity": {k: v for k, v in key[3]},
                "properties": dict(edges[0].properties),
                "grade": grade,
                "weight": weight,
                "provenance": [p.to_dict() for p in provenance],
            }
        )
    net = sum(r["sign"] * r["weight"] for r in rows)
    return {"subject": subject, "family": family, "object": obj, "net": round(net, 6), "sides": rows}


def conflict_files(conflicts: Sequence[Mapping[str, Any]], edges: Sequence[Edge]) -> dict[str, bytes]:
    """``conflicts.json`` for the snapshot: the records with each side's edge row in ``edges``."""
    schema = load_schema()
    wanted = {(c["subject"], s["predicate"], c["object"]) for c in conflicts for s in c["sides"]}
    rows: dict[tuple[str, str, str, tuple], int] = {}
    for i, edge in enumerate(edges):
        if (edge.subject, edge.predicate, edge.object) in wanted:
            rows[edge.key(schema.predicates[edge.predicate].identity)] = i
    out = []
    for conflict in conflicts:
        sides = []
        for side in conflict["sides"]:
            ident = tuple((k, _hashable(v)) for k, v in side["identity"].items())
            row = rows.get((conflict["subject"], side["predicate"], conflict["object"], ident))
            sides.append({**side, "row": row})
        out.append({**conflict, "sides": sides})
    text = json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=list)
    return {CONFLICTS_FILE: (text + "\n").encode()}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def read_conflicts(kg: Any) -> list[dict[str, Any]] | None:
    """The conflict records of a store's graph (cached on it); ``None`` for a store built before them."""
    cache = kg.__dict__
    if "_conflicts" not in cache:
        from tmekg.store_check import parse_line, snapshot_file

        path = getattr(kg, "path", None)
        data = snapshot_file(Path(path), CONFLICTS_FILE) if path is not None else None  # checksummed
        cache["_conflicts"] = parse_line(Path(path) / CONFLICTS_FILE, 1, data) if data is not None else None
    return cache["_conflicts"]


def contested_rows(kg: Any) -> frozenset[int]:
    """Edge rows that are one side of a contradiction (empty for a store without conflict records)."""
    return frozenset(s["row"] for c in read_conflicts(kg) or () for s in c["sides"] if s["row"] is not None)


def contested_steps(kg: Any) -> frozenset[tuple[str, str, str]]:
    """(subject, predicate, object) of every contested edge: what a path step is checked against.

    Cached on the graph.
    """
    cache = kg.__dict__
    if "_contested_steps" not in cache:
        cache["_contested_steps"] = frozenset(
            (c["subject"], s["predicate"], c["object"]) for c in read_conflicts(kg) or () for s in c["sides"]
        )
    return cache["_contested_steps"]


def contested_nodes(kg: Any) -> frozenset[str]:
    """Node ids at either end of a contested edge (a quick test before checking a path's steps)."""
    cache = kg.__dict__
    if "_contested_nodes" not in cache:
        cache["_contested_nodes"] = frozenset(n for s, _, o in contested_steps(kg) for n in (s, o))
    return cache["_contested_nodes"]
