"""SPARQL over the store through an on-disk Oxigraph index, or over an RDF file.

``tmekg sparql`` without ``--rdf`` queries an Oxigraph store (``pyoxigraph``: RocksDB with SPO / POS /
OSP indexes and a SPARQL 1.1 engine in Rust) bulk-loaded from the streamed N-Triples of the export
(:mod:`tmekg.sinks.rdf_stream`), so it holds exactly the triples of ``tmekg export rdf``. The index lives
in the store snapshot (``<snapshot>/rdf.oxigraph/``; snapshots are named by their content hash, so a
rebuild that changes anything makes a new snapshot and the old index goes with the old snapshot). A
stamp file records :data:`INDEX_VERSION`; bump it when the RDF vocabulary changes. A snapshot that
cannot be written to (a read-only store) gets its index in the user cache directory instead, under the
snapshot's name. The index is built once, into a temporary folder that is renamed when complete, and
opened read-only afterwards: queries never write, and SPARQL Update is refused.

With ``--rdf FILE`` the file is bulk-loaded into an in-memory Oxigraph store (Turtle, N-Triples or
JSON-LD), which is minutes faster than rdflib's parser on the full export.

Examples
--------
>>> run_sparql('SELECT ?m WHERE { ?m tmekg:category "Metabolite" } LIMIT 1')  # doctest: +SKIP
(['m'], [{'m': 'CHEBI:10002'}])
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tmekg.sinks.rdf_stream import NAMESPACES, XSD, RdfError, blocks, nt_term

if TYPE_CHECKING:
    import pyoxigraph

    from tmekg.graph import KnowledgeGraph

#: Version of the index layout and RDF vocabulary; an index with another stamp is rebuilt.
INDEX_VERSION = 1
INDEX_NAME = "rdf.oxigraph"
STAMP = "tmekg-index.json"
CHUNK_BYTES = 64 << 20  # N-Triples handed to Oxigraph's bulk loader at a time
_UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_OX_FORMATS = {"nt": "N_TRIPLES", "turtle": "TURTLE", "json-ld": "JSON_LD"}
_INTEGER = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger")}
_FLOAT = {XSD + t for t in ("double", "float", "decimal")}


def check_read_only(query: str) -> None:
    """Refuse SPARQL Update requests (queries here only read).

    >>> check_read_only("PREFIX x: <http://x/>\\nINSERT DATA { x:a x:b x:c }")
    Traceback (most recent call last):
    ...
    tmekg.sinks.rdf_stream.RdfError: SPARQL Update (INSERT) is not allowed: tmekg sparql only reads ...
    """
    text = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    match = _UPDATE.match(text)
    if match:
        raise RdfError(
            f"SPARQL Update ({match.group(1).upper()}) is not allowed: tmekg sparql only reads "
            "(use SELECT or ASK; change the graph by rebuilding the store)"
        )


# -- the index -----------------------------------------------------------------------------------
def _cache_root() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tmekg", appauthor=False)) / "sparql-index"


def index_candidates(snapshot: Path) -> list[Path]:
    """Where the index of a snapshot may be: inside it, else in the user cache under its name."""
    return [snapshot / INDEX_NAME, _cache_root() / snapshot.resolve().name]


def _stamp(snapshot: Path) -> dict[str, Any]:
    return {"index_version": INDEX_VERSION, "snapshot": snapshot.resolve().name}


def find_index(snapshot: Path) -> Path | None:
    """The folder of a complete, current index of ``snapshot``, or ``None``."""
    return next((f for f in index_candidates(snapshot) if _is_current(f, snapshot)), None)


def _is_current(folder: Path, snapshot: Path) -> bool:
    try:
        return json.loads((folder / STAMP).read_text(encoding="utf-8")) == _stamp(snapshot)
    except (OSError, ValueError):
        return False


def index_ready(store: str | Path | None = None) -> bool:
    """Whether the store's live snapshot has a current index (cheap: reads no graph)."""
    from tmekg.config import store_path
    from tmekg.store import snapshot_dir

    return find_index(snapshot_dir(store_path(store))) is not None


def ensure_index(store: str | Path | None = None) -> Path:
    """The index folder of a store's live snapshot, built first if missing or stale."""
    from tmekg.config import store_path
    from tmekg.graph import KnowledgeGraph
    from tmekg.store import snapshot_dir

    found = find_index(snapshot_dir(store_path(store)))
    if found is not None:
        return found
    with KnowledgeGraph.open(store) as kg:
        return find_index(kg.path) or build_index(kg)


def build_index(kg: KnowledgeGraph) -> Path:
    """Bulk-load the export of ``kg`` into a new Oxigraph store beside (or for) its snapshot."""
    errors = []
    for folder in index_candidates(kg.path):
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
        except OSError as exc:
            errors.append(f"{folder.parent}: {exc.strerror}")
            continue
        return _fill(kg, tmp, folder)
    raise RdfError("cannot write a SPARQL index: " + "; ".join(errors))


def _fill(kg: KnowledgeGraph, tmp: Path, folder: Path) -> Path:
    import pyoxigraph

    try:
        store = pyoxigraph.Store(str(tmp))
        for chunk in nt_chunks(blocks(kg)):
            store.bulk_load(chunk, format=pyoxigraph.RdfFormat.N_TRIPLES)
        store.flush()
        del store  # closes RocksDB before the folder is renamed
        (tmp / STAMP).write_text(json.dumps(_stamp(kg.path)), encoding="utf-8")
        if _is_current(folder, kg.path):  # another process finished first: keep its index
            shutil.rmtree(tmp, ignore_errors=True)
            return folder
        shutil.rmtree(folder, ignore_errors=True)  # a stale index (older version) or a broken one
        os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def nt_chunks(stream: Iterator[tuple[str, list[Any]]], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """N-Triples of a block stream in chunks of about ``size`` bytes (whole lines)."""
    lines: list[str] = []
    length = 0
    for subject, pairs in stream:
        s = f"<{subject}> "
        text = "".join(f"{s}<{p}> {nt_term(o)} .\n" for p, o in pairs)
        lines.append(text)
        length += len(text)
        if length >= size:
            yield "".join(lines).encode("utf-8")
            lines, length = [], 0
    if lines:
        yield "".join(lines).encode("utf-8")


def open_index(store: str | Path | None = None) -> pyoxigraph.Store:
    """The store's Oxigraph index, opened read-only (built first when needed)."""
    import pyoxigraph

    folder = ensure_index(store)
    try:
        return pyoxigraph.Store.read_only(str(folder))
    except OSError as exc:
        hint = "delete the folder to rebuild it"
        raise RdfError(f"cannot open the SPARQL index at {folder}: {exc} ({hint})") from exc


def load_file(path: str | Path, fmt: str | None = None) -> pyoxigraph.Store:
    """An in-memory Oxigraph store holding an RDF file (format from ``fmt`` or the suffix)."""
    import pyoxigraph

    from tmekg.sinks.rdf import rdf_format_of

    source = Path(path)
    if not source.is_file():
        raise RdfError(f"no RDF file at {source}")
    rdf_format = rdf_format_of(source, fmt)
    store = pyoxigraph.Store()
    try:
        store.bulk_load(path=str(source), format=getattr(pyoxigraph.RdfFormat, _OX_FORMATS[rdf_format]))
    except (SyntaxError, ValueError, OSError) as exc:
        raise RdfError(f"cannot parse {source} as {rdf_format}: {exc}") from exc
    return store


# -- queries -------------------------------------------------------------------------------------
def run_sparql(
    query: str, rdf: str | Path | None = None, rdf_format: str | None = None, store: str | Path | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a SPARQL SELECT / ASK over an RDF file or the store's index (built on first use).

    The prefixes of :data:`tmekg.sinks.rdf_stream.NAMESPACES` are pre-declared. Returns the column
    names and one dict per row: IRIs shortened to CURIEs, numbers and booleans as Python values.
    """
    check_read_only(query)
    graph = load_file(rdf, rdf_format) if rdf is not None else open_index(store)
    return query_store(graph, query)


def query_store(graph: pyoxigraph.Store, query: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a read-only query on an Oxigraph store and convert the answer to rows."""
    import pyoxigraph

    check_read_only(query)
    try:
        result = graph.query(query, prefixes=NAMESPACES)
    except (SyntaxError, ValueError, OSError) as exc:
        raise RdfError(f"SPARQL query failed: {' '.join(str(exc).split())}") from exc
    if isinstance(result, pyoxigraph.QueryBoolean):
        return ["ask"], [{"ask": bool(result)}]
    if not isinstance(result, pyoxigraph.QuerySolutions):
        raise RdfError("only SELECT and ASK queries print a table (got CONSTRUCT or DESCRIBE)")
    columns = [v.value for v in result.variables]
    show = _Shower()
    try:
        rows = [{c: show(solution[c]) for c in columns} for solution in result]
    except (SyntaxError, ValueError, OSError) as exc:  # evaluation errors surface while iterating
        raise RdfError(f"SPARQL query failed: {' '.join(str(exc).split())}") from exc
    return columns, rows


class _Shower:
    """Oxigraph terms as table values: CURIEs for IRIs of known prefixes, Python numbers, strings."""

    def __init__(self) -> None:
        from tmekg.ids import converter

        self._converter = converter()
        self._cache: dict[str, str] = {}

    def __call__(self, term: Any) -> Any:
        import pyoxigraph

        if term is None:
            return None
        if isinstance(term, pyoxigraph.Literal):
            return _python(term.value, term.datatype.value)
        if isinstance(term, pyoxigraph.NamedNode):
            return self.curie(term.value)
        return str(term)

    def curie(self, text: str) -> str:
        cached = self._cache.get(text)
        if cached is None:
            cached = self._cache[text] = _compress(self._converter, text)
        return cached


def _compress(converter: Any, text: str) -> str:
    compressed = converter.compress(text)
    if compressed:
        return compressed
    for prefix, base in NAMESPACES.items():
        if text.startswith(base):
            return f"{prefix}:{text[len(base) :]}"
    return text


def _python(lex: str, datatype: str) -> Any:
    """The Python value of a literal (numbers and booleans typed; others their text).

    >>> _python("3", XSD + "integer"), _python("0.5", XSD + "double"), _python("true", XSD + "boolean")
    (3, 0.5, True)
    """
    try:
        if datatype in _INTEGER:
            return int(lex)
        if datatype in _FLOAT:
            return float(lex)
    except ValueError:
        return lex
    if datatype == XSD + "boolean":
        return lex in ("true", "1")
    return lex
