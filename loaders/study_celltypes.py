"""Cluster label -> cell type maps for the study-output loaders (``celltype_map.yaml`` layout).

Labels match exactly, then ignoring case and punctuation; a label that is itself a CellType CURIE
maps to itself. See ``loaders/celltype_map.yaml`` for the shipped maps.

>>> m = CellTypeMap({"SPP1.TAM": CellTypeRef("TMEKG:celltype.SPP1_TAM", "SPP1+ TAM")})
>>> m.get("SPP1+ TAM").id, m.get("CL:0000625").id
('TMEKG:celltype.SPP1_TAM', 'CL:0000625')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tmekg.errors import LoaderError
from tmekg.schema import load_schema

MAP_FILE = "celltype_map.yaml"
_SCHEMA = load_schema()
CELLTYPE = _SCHEMA.category("CellType").name
_KEY = re.compile(r"[^a-z0-9]+")


def label_key(label: str) -> str:
    """Case- and punctuation-insensitive key of a cluster label (``SPP1.TAM`` == ``SPP1+ TAM``)."""
    return _KEY.sub("", str(label).lower())


@dataclass(frozen=True)
class CellTypeRef:
    """The cell type a cluster label maps to."""

    id: str
    name: str


@dataclass
class CellTypeMap:
    """Cluster label -> cell type, matched exactly, then ignoring case and punctuation.

    A label that is itself a CellType CURIE (``CL:0000625``) maps to itself.
    """

    entries: dict[str, CellTypeRef]
    study: str | None = None
    origin: str = "<map>"

    def __post_init__(self) -> None:
        self._keys = {label_key(k): v for k, v in self.entries.items()}

    def get(self, label: str) -> CellTypeRef | None:
        """The cell type of ``label``, or ``None`` when the map does not know it."""
        label = str(label).strip()
        hit = self.entries.get(label) or self._keys.get(label_key(label))
        if hit is None and _is_celltype_curie(label):
            hit = CellTypeRef(label, label)
        return hit


def _is_celltype_curie(text: str) -> bool:
    try:
        _SCHEMA.check_curie(text, CELLTYPE)
    except Exception:
        return False
    return True


def default_map_path() -> Path:
    """The shipped ``celltype_map.yaml``."""
    return Path(str(resources.files("tmekg.loaders") / MAP_FILE))


def load_celltype_map(
    name: str | None = None, path: str | Path | None = None, study: str | None = None
) -> CellTypeMap:
    """Read one named map from a YAML map file (default: the shipped one), or a 2-3 column TSV.

    YAML layout: ``maps: {<name>: {study: <id>, clusters: {<label>: {id: <curie>, name: <text>}}}}``
    (a bare ``<label>: <curie>`` also works). Without ``name``, the map whose ``study`` is ``study``
    (or the only map of the file) is used. A TSV has columns ``label, id[, name]``.
    """
    source = Path(path) if path else default_map_path()
    if source.suffix in (".tsv", ".txt"):
        return _tsv_map(source)
    try:
        doc = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LoaderError(f"cannot read cell-type map ({exc})", path=source) from None
    if not isinstance(doc, dict):
        raise LoaderError("a cell-type map file must be a mapping with 'maps'", path=source)
    maps = doc.get("maps") or {}
    if name is None:
        for_study = [k for k, v in maps.items() if study and (v or {}).get("study") == study]
        name = for_study[0] if for_study else (next(iter(maps)) if len(maps) == 1 else None)
    if name is None:
        raise LoaderError(
            f"choose a cell-type map with --map-name (known: {', '.join(sorted(maps))})", path=source
        )
    if name not in maps:
        raise LoaderError(f"no map named '{name}' (known: {', '.join(sorted(maps))})", path=source)
    spec = maps[name]
    entries = {str(k): _ref(v, source, str(k)) for k, v in (spec.get("clusters") or {}).items()}
    return CellTypeMap(entries, spec.get("study"), f"{source}#{name}")


def _ref(value: Any, source: Path, label: str) -> CellTypeRef:
    raw = value if isinstance(value, dict) else {"id": value}
    curie = str(raw.get("id", "")).strip()
    if not _is_celltype_curie(curie):
        raise LoaderError(f"label '{label}': '{curie}' is not a CellType id (CL: or TMEKG:)", path=source)
    return CellTypeRef(curie, str(raw.get("name") or curie))


def _tsv_map(source: Path) -> CellTypeMap:
    from tmekg.io import read_table

    entries = {}
    for line, row in read_table(source, "\t", required=("label", "id")):
        try:
            entries[row["label"].strip()] = _ref(
                {"id": row["id"], "name": row.get("name")}, source, row["label"]
            )
        except LoaderError as exc:
            raise LoaderError(str(exc).split(": ", 1)[-1], path=source, line=line, field="id") from None
    return CellTypeMap(entries, None, str(source))
