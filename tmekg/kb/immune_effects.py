"""The immune-effect table (``tmekg/kb/immune_effects.yaml``): ImmuneEffects as data, validated on load.

Each effect has an id, a name, a polarity (the schema's ``ImmuneEffect.polarity`` values), the GO
biological-process terms it stands for and the Cell Ontology cell types where it occurs. The table also
groups GO evidence codes into evidence classes with the weight a derived gene -> effect edge gets.
The rules that turn GO annotations into edges are in ``docs/immune-layer.md``.

Examples
--------
>>> table = load_effects()                                   # doctest: +SKIP
>>> table.effect("TMEKG:effect.t_cell_activation").go        # doctest: +SKIP
('GO:0042110',)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError, SchemaError
from tmekg.schema import Schema, load_schema

EFFECT_CATEGORY = "ImmuneEffect"
CELL_CATEGORY = "CellType"
POLARITY = "polarity"
COMPARTMENT = "compartment"


@dataclass(frozen=True)
class EffectSpec:
    """One immune effect of the table."""

    id: str
    name: str
    polarity: str
    go: tuple[str, ...]
    cell_types: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class CellTypeSpec:
    """A cell type an effect occurs in (CL id, label, schema compartment)."""

    id: str
    name: str
    compartment: str


@dataclass(frozen=True)
class EffectsTable:
    """The validated table: effects, their cell types, and GO evidence-code weights."""

    path: str
    effects: tuple[EffectSpec, ...]
    cell_types: Mapping[str, CellTypeSpec]
    evidence_weight: Mapping[str, float]
    evidence_class: Mapping[str, str]
    excluded_evidence: frozenset[str]

    def effect(self, effect_id: str) -> EffectSpec:
        """The effect with this id (``KeyError`` if absent)."""
        return {e.id: e for e in self.effects}[effect_id]


def default_path() -> Path:
    """Path of the shipped table."""
    return Path(str(resources.files("tmekg.kb").joinpath("immune_effects.yaml")))


@functools.cache
def load_effects(path: str | Path | None = None) -> EffectsTable:
    """Read and validate the immune-effect table (the shipped one by default).

    Raises
    ------
    LoaderError
        Naming the file, the line of the offending effect and the field, for malformed YAML, unknown
        polarity, malformed GO/CL ids, a cell type not declared under ``cell_types``, duplicate ids or
        an evidence code in two classes.
    """
    import yaml

    p = Path(path) if path is not None else default_path()
    try:
        text = p.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        lines = _item_lines(yaml.compose(text), "effects")
    except OSError as exc:
        raise LoaderError(f"cannot read ({exc.strerror or exc})", path=p) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise LoaderError(
            f"not valid YAML ({problem})", path=p, line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("effects"), list):
        raise LoaderError("expected a mapping with an 'effects' list", path=p, field="effects")
    schema = load_schema()
    weights, classes = _evidence(raw.get("evidence_classes"), p)
    cells = _cell_types(raw.get("cell_types") or {}, schema, p)
    effects = tuple(
        _effect(item, line, schema, cells, p)
        for item, line in zip(raw["effects"], _pad(lines, len(raw["effects"])), strict=True)
    )
    _unique([e.id for e in effects], effects, p)
    excluded = frozenset(str(c) for c in raw.get("excluded_evidence") or ())
    return EffectsTable(str(p), effects, cells, weights, classes, excluded)


def _item_lines(node: Any, key: str) -> list[int]:
    """1-based start line of each item of the top-level sequence ``key`` (for error messages)."""
    if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
        return []
    for k, v in node.value:
        if getattr(k, "value", None) == key and isinstance(v.value, list):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def _pad(lines: list[int], n: int) -> list[int | None]:
    return [*lines, *([None] * (n - len(lines)))][:n]


def _evidence(raw: Any, path: Path) -> tuple[dict[str, float], dict[str, str]]:
    if not isinstance(raw, dict) or not raw:
        raise LoaderError("missing 'evidence_classes' mapping", path=path, field="evidence_classes")
    weights: dict[str, float] = {}
    classes: dict[str, str] = {}
    for name, spec in raw.items():
        weight = (spec or {}).get("weight")
        if not isinstance(weight, (int, float)) or not 0 < weight <= 1:
            raise LoaderError(f"class {name}: weight must be in (0, 1]", path=path, field="weight")
        for code in spec.get("codes") or ():
            if code in classes:
                raise LoaderError(
                    f"evidence code {code} is in two classes ({classes[code]}, {name})",
                    path=path,
                    field="codes",
                )
            weights[str(code)], classes[str(code)] = float(weight), str(name)
    return weights, classes


def _cell_types(raw: Mapping[str, Any], schema: Schema, path: Path) -> dict[str, CellTypeSpec]:
    allowed = schema.category(CELL_CATEGORY).properties[COMPARTMENT].values
    out: dict[str, CellTypeSpec] = {}
    for cid, spec in raw.items():
        _curie(schema, str(cid), CELL_CATEGORY, path, None, "cell_types")
        spec = spec or {}
        if not spec.get("name") or spec.get(COMPARTMENT) not in allowed:
            raise LoaderError(
                f"cell type {cid} needs a name and a compartment in {', '.join(allowed)}",
                path=path,
                field="cell_types",
            )
        out[str(cid)] = CellTypeSpec(str(cid), str(spec["name"]), str(spec[COMPARTMENT]))
    return out


def _effect(
    item: Any, line: int | None, schema: Schema, cells: Mapping[str, CellTypeSpec], path: Path
) -> EffectSpec:
    if not isinstance(item, dict):
        raise LoaderError("an effect must be a mapping", path=path, line=line, field="effects")
    for key in ("id", "name", POLARITY):
        if not item.get(key):
            raise LoaderError(f"effect without '{key}'", path=path, line=line, field=key)
    _curie(schema, str(item["id"]), EFFECT_CATEGORY, path, line, "id")
    polarities = schema.category(EFFECT_CATEGORY).properties[POLARITY].values
    if item[POLARITY] not in polarities:
        raise LoaderError(
            f"polarity {item[POLARITY]!r} not in {', '.join(polarities)}",
            path=path,
            line=line,
            field=POLARITY,
        )
    go = tuple(str(t) for t in item.get("go") or ())
    for term in go:
        _curie(schema, term, None, path, line, "go", prefix="GO")
    evidence = tuple(str(e) for e in item.get("evidence") or ())
    for ref in evidence:
        _curie(schema, ref, None, path, line, "evidence", prefix=schema.evidence_prefixes)
    cell_types = tuple(str(c) for c in item.get("cell_types") or ())
    unknown = [c for c in cell_types if c not in cells]
    if unknown:
        raise LoaderError(
            f"cell type(s) {', '.join(unknown)} not declared under cell_types",
            path=path,
            line=line,
            field="cell_types",
        )
    synonyms = tuple(str(s) for s in item.get("synonyms") or ())
    return EffectSpec(
        str(item["id"]), str(item["name"]), str(item[POLARITY]), go, cell_types, evidence, synonyms, line or 0
    )


def _curie(
    schema: Schema,
    curie: str,
    category: str | None,
    path: Path,
    line: int | None,
    field: str,
    prefix: str | tuple[str, ...] | None = None,
) -> None:
    try:
        schema.check_curie(curie, category)
    except SchemaError as exc:
        raise LoaderError(str(exc), path=path, line=line, field=field) from None
    wanted = (prefix,) if isinstance(prefix, str) else prefix
    if wanted and curie.split(":", 1)[0] not in wanted:
        raise LoaderError(f"{curie} is not a {'/'.join(wanted)} id", path=path, line=line, field=field)


def _unique(ids: list[str], effects: tuple[EffectSpec, ...], path: Path) -> None:
    seen: set[str] = set()
    for effect_id, effect in zip(ids, effects, strict=True):
        if effect_id in seen:
            raise LoaderError(f"duplicate effect id {effect_id}", path=path, line=effect.line, field="id")
        seen.add(effect_id)
