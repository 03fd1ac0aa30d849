"""CSV files for ``neo4j-admin database import full``: one node file per category, one per relationship type.

The files hold exactly what ``tmekg neo4j load`` writes over Bolt (same labels, types, keys and
properties, from :mod:`tmekg.sinks.neo4j`), with typed headers (``id:ID``, ``:LABEL``,
``xrefs:string[]``, ``max_phase:int``, ``:START_ID``, ``:END_ID``, ``:TYPE``). Arrays use ``;`` as
delimiter; a ``;`` inside an array element (which neo4j-admin cannot escape) becomes ``,`` and is
counted. Fields are quoted RFC-4180 style when needed (``"`` doubled), which is what neo4j-admin 5
reads by default; empty cells are absent properties. A README.md with the exact command is written too.

Examples
--------
>>> result = export_neo4j_import("neo4j-import")                # doctest: +SKIP
>>> result.summary()                                            # doctest: +SKIP
'wrote 22 CSV files (260 nodes, 534 relationships) and README.md to neo4j-import'
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.atomic import atomic_open, write_text
from tmekg.schema import PropertySpec, Schema, load_schema
from tmekg.sinks.neo4j import schema_statements
from tmekg.sinks.neo4j_model import (
    EDGE_FIELDS,
    NODE_FIELDS,
    node_labels,
    node_properties,
    record_properties,
    rel_type,
)

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph

ARRAY_DELIMITER = ";"
FIXED_TYPES = {
    "id": "string",
    "sign": "int",
    "score": "double",
    "scores": "double[]",
    "synonyms": "string[]",
    "xrefs": "string[]",
    "accessions": "string[]",
    "sources": "string[]",
    "versions": "string[]",
    "records": "string[]",
    "statuses": "string[]",
    "studies": "string[]",
    "evidence": "string[]",
    "contexts": "string[]",
    "provenance_evidence": "string[]",
    "provenance_contexts": "string[]",
}
SPEC_TYPES = {"str": "string", "enum": "string", "int": "int", "float": "double", "bool": "boolean"}
SPEC_TYPES["list"] = "string[]"
NODE_COLUMNS = (*NODE_FIELDS[1:], "sources", "evidence")


@dataclass
class ImportExport:
    """What was written: files with their row counts, and values that needed changing."""

    folder: Path
    files: dict[str, int] = field(default_factory=dict)
    nodes: int = 0
    relationships: int = 0
    altered_values: int = 0
    multiline: bool = False

    def summary(self) -> str:
        """One line for the CLI."""
        text = (
            f"wrote {len(self.files)} CSV files ({self.nodes} nodes, {self.relationships} relationships) "
            f"and README.md to {self.folder}"
        )
        if self.altered_values:
            text += f"; {self.altered_values} array element(s) had ';' replaced by ','"
        return text


def column_type(name: str, specs: dict[str, PropertySpec]) -> str:
    """neo4j-admin type of a property column."""
    if name in FIXED_TYPES:
        return FIXED_TYPES[name]
    spec = specs.get(name.removeprefix("property_")) or specs.get(name)
    return SPEC_TYPES[spec.type] if spec is not None else "string"


def header(columns: list[str], specs: dict[str, PropertySpec]) -> list[str]:
    """Typed header cells (``string`` columns stay untyped)."""
    out = []
    for name in columns:
        kind = column_type(name, specs)
        out.append(name if kind == "string" else f"{name}:{kind}")
    return out


def cell(value: Any, result: ImportExport) -> str:
    """One CSV cell: arrays joined with ``;``, booleans lower-case, NaN as Java reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, (list, tuple)):
        parts = []
        for item in value:
            text = cell(item, result)
            if ARRAY_DELIMITER in text:
                result.altered_values += 1
                text = text.replace(ARRAY_DELIMITER, ",")
            parts.append(text)
        return ARRAY_DELIMITER.join(parts)
    text = str(value)
    if "\n" in text or "\r" in text:
        result.multiline = True
    return text


def export_neo4j_import(folder: str | Path, store: str | Path | None = None) -> ImportExport:
    """Write the neo4j-admin import files and README.md for a store (default store unless given)."""
    from tmekg.graph import KnowledgeGraph

    with KnowledgeGraph.open(store) as kg:
        return write_neo4j_import(kg, folder)


def write_neo4j_import(kg: KnowledgeGraph, folder: str | Path) -> ImportExport:
    """Write the files for an open graph."""
    schema = load_schema()
    result = ImportExport(Path(folder))
    result.folder.mkdir(parents=True, exist_ok=True)
    _write_nodes(kg, schema, result)
    _write_relationships(kg, schema, result)
    write_text(result.folder / "README.md", readme(result, schema))
    return result


def _write(path: Path, head: list[str], rows: list[list[str]], result: ImportExport) -> None:
    with atomic_open(path, newline="") as handle:  # temporary file + rename: never half-written
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(head)
        writer.writerows(rows)
    result.files[path.name] = len(rows)


def _write_nodes(kg: KnowledgeGraph, schema: Schema, result: ImportExport) -> None:
    by_category: dict[str, list[Any]] = defaultdict(list)
    for node in kg.nodes:
        by_category[node.category].append(node)
    for category, nodes in sorted(by_category.items()):
        specs = dict(schema.category(category).properties)
        props = [node_properties(n, schema) for n in nodes]
        extra = sorted({k for p in props for k in p} - {"id", *NODE_COLUMNS})
        columns = [*NODE_COLUMNS, *extra]
        head = ["id:ID", ":LABEL", *header(columns, specs)]
        rows = [
            [
                p["id"],
                ARRAY_DELIMITER.join(node_labels(n, schema)),
                *(cell(p.get(c), result) for c in columns),
            ]
            for n, p in zip(nodes, props, strict=True)
        ]
        _write(result.folder / f"nodes_{category}.csv", head, rows, result)
        result.nodes += len(rows)


def _write_relationships(kg: KnowledgeGraph, schema: Schema, result: ImportExport) -> None:
    for code, predicate in enumerate(kg.predicates):
        indices = (kg.edge_index[:, 2] == code).nonzero()[0]
        if not len(indices):
            continue
        specs = dict(schema.predicate(predicate).properties)
        records = [kg.edge_record(int(i)) for i in indices]
        props = [record_properties(r, schema) for r in records]
        extra = sorted({k for p in props for k in p} - set(EDGE_FIELDS))
        columns = [*EDGE_FIELDS, *extra]
        head = [":START_ID", ":END_ID", ":TYPE", *header(columns, specs)]
        kind = rel_type(predicate)
        rows = [
            [r["subject"], r["object"], kind, *(cell(p.get(c), result) for c in columns)]
            for r, p in zip(records, props, strict=True)
        ]
        _write(result.folder / f"relationships_{kind}.csv", head, rows, result)
        result.relationships += len(rows)


def import_command(result: ImportExport, database: str = "neo4j") -> str:
    """The ``neo4j-admin database import full`` command for the written files (run inside the folder)."""
    lines = [f"neo4j-admin database import full {database}", "  --overwrite-destination"]
    lines.append(f"  --delimiter=',' --array-delimiter='{ARRAY_DELIMITER}' --quote='\"'")
    if result.multiline:
        lines.append("  --multiline-fields=true")
    for name in result.files:
        option = "--nodes" if name.startswith("nodes_") else "--relationships"
        lines.append(f"  {option}={name}")
    return " \\\n".join(lines)


def readme(result: ImportExport, schema: Schema | None = None) -> str:
    """README.md for the folder: what is in it, the import command, the constraints to create after."""
    files = "\n".join(f"| `{name}` | {rows} |" for name, rows in result.files.items())
    constraints = ";\n".join(schema_statements(schema)) + ";"
    return f"""# tmekg graph for `neo4j-admin database import full`

Written by `tmekg export neo4j-import`: {result.nodes} nodes and {result.relationships} relationships,
the same labels, relationship types, keys and properties as `tmekg neo4j load` writes over Bolt.
Every node also has the label `TmekgNode`. Arrays are `;`-separated.

| file | rows |
|---|---|
{files}

## Import (Neo4j 5)

Stop the database first (Neo4j Community: stop the server). Then, from this folder:

```bash
{import_command(result)}
```

With Docker, mount this folder (for example at `/import`), `cd /import` in the container, and run the
same command. `--overwrite-destination` replaces the database `neo4j`; drop it to import into a new one.
Start Neo4j again afterwards (`CREATE DATABASE` first on Enterprise if the name is new).

## Then create the constraints and indexes

neo4j-admin does not create them; `tmekg neo4j load` does, or run:

```cypher
{constraints}
```
"""
