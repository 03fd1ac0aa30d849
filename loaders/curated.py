"""Loader for the curated knowledge-base TSV format (``*.nodes.tsv`` / ``*.edges.tsv``).

The format is described in ``docs/curation.md``. Every value is checked against the schema while
reading, so errors name the file, line and field. Property values are typed by the schema's
property declarations (``int``, ``float``, ``bool``, ``list``...).

Examples
--------
>>> from pathlib import Path
>>> records = list(load(Path("tmekg/kb/pdac")))  # doctest: +SKIP
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError, SchemaError
from tmekg.grades import VALUES
from tmekg.io import read_table
from tmekg.model import Edge, LoadReport, Node, Provenance, props
from tmekg.schema import PropertySpec, Schema, load_schema

SOURCE = "tmekg-curated"
NODE_COLUMNS = ("id", "category", "name", "synonyms", "xrefs", "properties", "evidence", "status", "comment")
EDGE_COLUMNS = ("subject", "predicate", "object", "properties", "evidence", "context", "status", "comment")
STATUSES = ("verified", "unverified")
#: Optional edge columns (after ``comment``, read by header): the evidence grade and the source's sentence.
#: A grade column takes one of the values of tmekg.grades.VALUES (empty = not graded); ``quote`` is free text.
GRADE_VALUES: Mapping[str, tuple[str, ...]] = VALUES
OPTIONAL_EDGE_COLUMNS = ("quote", *GRADE_VALUES)
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0/C1 controls except tab and newline


def kb_files(directory: Path) -> list[Path]:
    """The KB files of a directory: nodes files first, each kind sorted by name."""
    nodes = sorted(directory.glob("*.nodes.tsv"))
    edges = sorted(directory.glob("*.edges.tsv"))
    if not nodes:
        raise LoaderError("no *.nodes.tsv files found", path=directory)
    return nodes + edges


def default_directory() -> Path:
    """The curated PDAC KB shipped inside the package."""
    return Path(str(resources.files("tmekg.kb") / "pdac"))


def load(directory: Path | None, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield every node, then every edge, of a curated KB directory (default: the shipped KB)."""
    from tmekg.loaders import get_source

    schema = load_schema()
    version = get_source(SOURCE).version
    for path in kb_files(directory or default_directory()):
        for record in read_file(path, version, schema):
            report.rows += 1
            yield record


ErrorHandler = Callable[[LoaderError], None]


def read_file(
    path: Path, version: str = "dev", schema: Schema | None = None, on_error: ErrorHandler | None = None
) -> Iterator[Node | Edge]:
    """Yield the records of one KB file, picking the reader by suffix.

    By default the first bad row raises :class:`LoaderError`; with ``on_error`` every bad row is
    passed to the handler and reading goes on (``tmekg validate`` lists all problems this way).
    """
    schema = schema or load_schema()
    if path.name.endswith(".nodes.tsv"):
        columns, parse = NODE_COLUMNS, _node_from_row
    elif path.name.endswith(".edges.tsv"):
        columns, parse = EDGE_COLUMNS, _edge_from_row
    else:
        raise LoaderError("KB files must end in .nodes.tsv or .edges.tsv", path=path)
    for line, row in read_table(path, "\t", required=columns, comment="#", quoted=False):
        try:
            yield parse(row, _locator(path, line), f"{path.name}:{line}", version, schema)
        except LoaderError as exc:
            if on_error is None:
                raise
            on_error(exc)


def _node_from_row(row: dict[str, str], fail: Any, record: str, version: str, schema: Schema) -> Node:
    category = _guard(fail, "category", lambda: schema.category(row["category"]).name)
    node_id = _nfc(row["id"])
    _guard(fail, "id", lambda: schema.check_curie(node_id, category))
    if not row["name"].strip():
        raise fail("name", "empty name")
    for field in ("name", "synonyms"):
        _no_control(row[field], field, fail)
    spec = schema.categories[category].properties
    node = Node(
        id=node_id,
        category=category,
        name=row["name"].strip(),
        synonyms=_split(row["synonyms"]),
        xrefs=_curies(row["xrefs"], schema, fail, "xrefs"),
        properties=_guard(fail, "properties", lambda: parse_properties(row["properties"], spec)),
        provenance=(_provenance(row, record, version, schema, fail, required=False),),
    )
    _guard(fail, "properties", lambda: schema.validate_node(node))
    return node


def _edge_from_row(row: dict[str, str], fail: Any, record: str, version: str, schema: Schema) -> Edge:
    predicate = _guard(fail, "predicate", lambda: schema.predicate(row["predicate"].strip()))
    subject, obj = _nfc(row["subject"]), _nfc(row["object"])
    _guard(fail, "subject", lambda: schema.check_curie(subject, None))
    _guard(fail, "object", lambda: schema.check_curie(obj, None))
    edge = Edge(
        subject=subject,
        predicate=predicate.name,
        object=obj,
        provenance=(_provenance(row, record, version, schema, fail, required=True),),
        properties=_guard(
            fail, "properties", lambda: parse_properties(row["properties"], predicate.properties)
        ),
    )
    _guard(fail, "properties", lambda: schema.validate_edge(edge))
    return edge


def parse_properties(text: str, specs: Mapping[str, PropertySpec]) -> tuple[tuple[str, Any], ...]:
    """Parse ``key=value;key=a|b`` into a typed property tuple.

    >>> from tmekg.schema import load_schema
    >>> parse_properties("max_phase=3;modality=antibody", load_schema().categories["Drug"].properties)
    (('max_phase', 3), ('modality', 'antibody'))
    """
    out: dict[str, Any] = {}
    for item in (p.strip() for p in text.split(";")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise SchemaError(f"'{item}' is not key=value")
        if key not in specs:
            raise SchemaError(f"unknown property '{key}' (declared: {', '.join(specs) or 'none'})")
        if key in out:
            raise SchemaError(f"property '{key}' given twice")
        out[key] = _typed(value, specs[key])
    return props(out)


def _typed(value: str, spec: PropertySpec) -> Any:
    if spec.type in ("int", "float") and not value.isascii():  # int("４") would be 4
        raise SchemaError(f"property '{spec.name}' must be {spec.type} in ASCII digits, got '{value}'")
    try:
        if spec.type == "int":
            return int(value)
        if spec.type == "float":
            return float(value)
    except ValueError:
        raise SchemaError(f"property '{spec.name}' must be {spec.type}, got '{value}'") from None
    if spec.type == "bool":
        low = value.lower()
        if low not in _TRUE | _FALSE:
            raise SchemaError(f"property '{spec.name}' must be true or false, got '{value}'")
        return low in _TRUE
    if spec.type == "list":
        return tuple(_split(value))
    return value


def _provenance(
    row: Mapping[str, str],
    record: str,
    version: str,
    schema: Schema,
    fail: Any,
    required: bool,
) -> Provenance:
    evidence = _curies(row["evidence"], schema, fail, "evidence")
    for item in evidence:
        if item.split(":", 1)[0] not in schema.evidence_prefixes:
            raise fail(
                "evidence", f"'{item}' is not a publication id ({', '.join(schema.evidence_prefixes)})"
            )
    if required and not evidence:
        raise fail(
            "evidence",
            f"every curated edge needs at least one citation ({', '.join(schema.evidence_prefixes)})",
        )
    status = row["status"].strip() or "verified"
    if status not in STATUSES:
        raise fail("status", f"'{status}' must be one of {', '.join(STATUSES)}")
    context = _curies(row.get("context", ""), schema, fail, "context")
    return Provenance(
        source=SOURCE,
        version=version,
        evidence=evidence,
        context=context,
        status=status,
        record=record,
        **_grade(row, fail),
    )


def _grade(row: Mapping[str, str], fail: Any) -> dict[str, str | None]:
    """The optional grade columns and quote of a row (absent column or empty cell = ``None``)."""
    out: dict[str, str | None] = {}
    for column in OPTIONAL_EDGE_COLUMNS:
        value = (row.get(column) or "").strip() or None
        allowed = GRADE_VALUES.get(column)
        if value is not None and allowed is not None and value not in allowed:
            raise fail(column, f"'{value}' must be one of {', '.join(allowed)}")
        out[column] = value
    return out


def _nfc(text: str) -> str:
    """An id as written, trimmed and NFC-normalised (the schema patterns then demand ASCII digits)."""
    return unicodedata.normalize("NFC", text.strip())


def _no_control(text: str, field: str, fail: Any) -> None:
    """Names are shown on terminals and in HTML: NUL, ESC (ANSI sequences), BEL... are refused."""
    found = _CONTROL.search(text)
    if found:
        raise fail(field, f"control character U+{ord(found.group()):04X} in {text!r}")


def _split(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in text.split("|") if p.strip()))


def _curies(text: str, schema: Schema, fail: Any, field: str) -> tuple[str, ...]:
    items = _split(text)
    for item in items:
        _guard(fail, field, lambda item=item: schema.check_curie(item, None))
    return items


def _locator(path: Path, line: int) -> Any:
    def fail(field: str, message: str) -> LoaderError:
        return LoaderError(message, path=path, line=line, field=field)

    return fail


def _guard(fail: Any, field: str, action: Any) -> Any:
    """Run ``action``; turn a :class:`SchemaError` into a located :class:`LoaderError`."""
    try:
        return action()
    except SchemaError as exc:
        raise fail(field, str(exc)) from None
