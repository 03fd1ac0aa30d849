"""``tmekg validate``: check a curated records file against the schema, listing every problem.

Edge endpoints are checked against the nodes declared in the file's folder (``*.nodes.tsv``) plus the
shipped knowledge base, so a user's extension file can reference curated nodes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tmekg.errors import LoaderError, SchemaError
from tmekg.model import Edge, Node
from tmekg.schema import load_schema


@dataclass
class ValidationResult:
    """Records read and problems found in one file."""

    path: Path
    records: Counter[str] = field(default_factory=Counter)
    errors: list[LoaderError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file has no problem."""
        return not self.errors


def validate_file(path: str | Path) -> ValidationResult:
    """Validate one ``*.nodes.tsv`` / ``*.edges.tsv`` file; structural errors still raise."""
    from tmekg.loaders import curated

    path = Path(path)
    schema = load_schema()
    result = ValidationResult(path)
    records = list(curated.read_file(path, schema=schema, on_error=result.errors.append))
    for record in records:
        result.records[type(record).__name__.lower() + "s"] += 1
    edges = [r for r in records if isinstance(r, Edge)]
    if edges:
        known = _known_categories(path.parent) | {r.id: r.category for r in records if isinstance(r, Node)}
        for edge in edges:
            try:
                schema.validate_edge(edge, known)
            except SchemaError as exc:
                file_line = edge.provenance[0].record or f"{path.name}:?"
                line = int(file_line.rsplit(":", 1)[1]) if file_line.rsplit(":", 1)[1].isdigit() else None
                result.errors.append(LoaderError(str(exc), path=path, line=line, field="subject/object"))
    result.errors.sort(key=lambda e: e.line or 0)
    return result


def _known_categories(folder: Path) -> dict[str, str]:
    from tmekg.loaders import curated

    known: dict[str, str] = {}
    folders = [curated.default_directory(), folder]
    for directory in dict.fromkeys(f.resolve() for f in folders if f.is_dir()):
        for nodes_file in sorted(directory.glob("*.nodes.tsv")):
            for node in curated.read_file(nodes_file, on_error=lambda _e: None):
                known[node.id] = node.category
    return known
