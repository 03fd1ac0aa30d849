"""Talking to a Neo4j 5 (or Bolt-compatible) server: connection settings, errors, and running Cypher.

Connection settings come from options or the environment (``NEO4J_URI``, ``NEO4J_USERNAME``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``); the password is read from the environment only and never
printed. Queries run in a managed READ transaction unless ``write=True``: Neo4j refuses writes there
itself, and since not every Bolt server enforces the access mode (ArcadeDB does not), the summary's
update counters are also checked and a read transaction that changed anything is rolled back.

Query files are the ones Neo4j Browser runs: ``:param name => literal`` lines first, then Cypher.
The ``:param`` lines become default parameters, overridden by ``--param name=value``.

Examples
--------
>>> parse_literal("['CHEBI:16335', 3, 2.5, true]")
['CHEBI:16335', 3, 2.5, True]
>>> split_query(":param gene => 'HGNC.SYMBOL:NT5E';\\nMATCH (g {id: $gene}) RETURN g.name")
('MATCH (g {id: $gene}) RETURN g.name', {'gene': 'HGNC.SYMBOL:NT5E'})
>>> run_cypher("RETURN 1 AS x", config=Neo4jConfig.from_env()).rows   # doctest: +SKIP
[{'x': 1}]
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tmekg.errors import TmekgError

if TYPE_CHECKING:
    from neo4j import Driver

DEFAULT_URI = "bolt://localhost:7687"
DEFAULT_USER = "neo4j"
_PARAM_LINE = re.compile(r"^:param\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?:=>|:)\s*(.+?)\s*;?\s*$")
_BROWSER_COMMAND = re.compile(r"^:(params?|use|play|help|server|style|clear|history|config|sysinfo|schema)\b")
_ACCESS_MODE = "Neo.ClientError.Statement.AccessMode"


class Neo4jError(TmekgError):
    """A Neo4j / Bolt operation failed (base class of the errors below)."""


class Neo4jConnectionError(Neo4jError):
    """The server cannot be reached, or refuses the credentials."""


class CypherError(Neo4jError):
    """The server rejected a query, or a query file / parameter is malformed."""


class ReadOnlyError(CypherError):
    """A query tried to write in a read-only transaction (nothing was changed)."""


@dataclass(frozen=True)
class Neo4jConfig:
    """Where and how to connect. The password is kept out of ``repr`` and messages.

    >>> Neo4jConfig("bolt://db:7687", "neo4j", password="secret")
    Neo4jConfig(uri='bolt://db:7687', user='neo4j', database=None, retry_seconds=30.0)
    """

    uri: str = DEFAULT_URI
    user: str = DEFAULT_USER
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    retry_seconds: float = 30.0

    def __post_init__(self) -> None:
        check_uri(self.uri)

    @classmethod
    def from_env(
        cls, uri: str | None = None, user: str | None = None, database: str | None = None, **kwargs: Any
    ) -> Neo4jConfig:
        """Options first, then ``NEO4J_URI`` / ``NEO4J_USERNAME`` / ``NEO4J_DATABASE``; password from
        ``NEO4J_PASSWORD`` only (unset = connect without authentication)."""
        env = os.environ
        return cls(
            uri=uri or env.get("NEO4J_URI") or DEFAULT_URI,
            user=user or env.get("NEO4J_USERNAME") or DEFAULT_USER,
            password=env.get("NEO4J_PASSWORD"),
            database=database or env.get("NEO4J_DATABASE") or None,
            **kwargs,
        )


URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def redact_uri(uri: str) -> str:
    """``uri`` with any user info replaced by ``***`` (safe to print).

    >>> redact_uri("bolt://neo4j:hunter2@db:7687")
    'bolt://***@db:7687'
    """
    return re.sub(r"^([^:/?#]*://)[^/?#]*@", r"\1***@", uri.strip())


def check_uri(uri: str) -> None:
    """Refuse a URI that is not Bolt, or that carries user info (a password on the command line shows
    in process lists and shell history; the password comes from ``NEO4J_PASSWORD`` only).

    >>> check_uri("http://localhost:7474")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tmekg.cypher.Neo4jConnectionError: unsupported Neo4j URI 'http://localhost:7474': use a Bolt URI ...
    """
    from urllib.parse import urlsplit

    shown = redact_uri(uri)
    try:
        parts = urlsplit(uri.strip())
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as exc:
        raise Neo4jConnectionError(f"bad Neo4j URI '{shown}': {exc}") from None
    if "@" in parts.netloc:
        raise Neo4jConnectionError(
            f"Neo4j URI '{shown}' holds a user name or password: pass the user with --user "
            "(or NEO4J_USERNAME) and the password in NEO4J_PASSWORD, never in the URI"
        )
    if parts.scheme.lower() not in URI_SCHEMES or not parts.hostname:
        raise Neo4jConnectionError(
            f"unsupported Neo4j URI '{shown}': use a Bolt URI (bolt://, neo4j://, or their +s / +ssc forms), "
            f"e.g. {DEFAULT_URI}"
        )


def connect(config: Neo4jConfig) -> Driver:
    """Open a driver and check that the server answers (errors say which URI and user failed)."""
    import neo4j
    from neo4j import exceptions

    auth = (config.user, config.password) if config.password is not None else None
    one_line_notifications()
    try:
        driver = neo4j.GraphDatabase.driver(
            config.uri,
            auth=auth,
            max_transaction_retry_time=config.retry_seconds,
            warn_notification_severity=neo4j.NotificationMinimumSeverity.OFF,  # logged in one line instead
        )
    except (ValueError, exceptions.ConfigurationError) as exc:
        raise Neo4jConnectionError(f"bad Neo4j URI '{config.uri}': {exc}") from None
    try:
        driver.verify_connectivity()
    except exceptions.AuthError:
        driver.close()
        raise Neo4jConnectionError(
            f"authentication failed for user '{config.user}' at {config.uri} "
            "(check NEO4J_USERNAME and NEO4J_PASSWORD)"
        ) from None
    except (exceptions.DriverError, exceptions.Neo4jError, OSError) as exc:
        driver.close()
        raise Neo4jConnectionError(f"cannot reach a Bolt server at {config.uri}: {_reason(exc)}") from None
    return driver


# -- server notifications ---------------------------------------------------------------------


NOTIFICATION_LOGGER = "neo4j.notifications"
_SHORT = 200


def summarise_notification(status: Any) -> str:
    """One line for a server notification (a driver ``GqlStatusObject``): codes, kind, short text.

    Never the query: the driver's own log record repeats the whole query text (20 KB for
    ``celltype_crosstalk``) for every notice.
    """
    meta = getattr(status, "_status_metadata", None) or {}  # the Neo4j code has no public accessor
    codes = " ".join(c for c in (getattr(status, "gql_status", ""), meta.get("neo4j_code")) if c)
    kind = " ".join(str(k) for k in (status.raw_severity, status.raw_classification) if k)
    text = " ".join(str(status.status_description or "").split())
    if len(text) > _SHORT:
        text = text[: _SHORT - 3].rstrip() + "..."
    return f"{codes or 'notification'}{f' ({kind})' if kind else ''}: {text}"


class _OneLineNotifications(logging.Filter):
    """Rewrites the driver's notification log records into :func:`summarise_notification` lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        status = getattr(args[0], "notification", None) if args else None
        if status is not None:
            record.msg, record.args = "Neo4j notification: %s", (summarise_notification(status),)
        return True


def one_line_notifications() -> None:
    """Make the ``neo4j.notifications`` logger print one line per notice (idempotent)."""
    logger = logging.getLogger(NOTIFICATION_LOGGER)
    if not any(isinstance(f, _OneLineNotifications) for f in logger.filters):
        logger.addFilter(_OneLineNotifications())


def _reason(exc: BaseException) -> str:
    """A one-line reason from a driver exception (server message without the GQL boilerplate)."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return " ".join(str(message).split())


# -- query files and parameters ---------------------------------------------------------------


def parse_literal(text: str) -> Any:
    """Parse a simple Cypher literal: string, integer, float, boolean, null, or a list of those.

    >>> parse_literal("'Crohn\\\\'s disease'"), parse_literal("-3"), parse_literal("[]")
    ("Crohn's disease", -3, [])
    """
    parser = _LiteralParser(text)
    value = parser.value()
    parser.skip_space()
    if parser.pos != len(text):
        raise CypherError(f"cannot parse parameter value {text!r} (extra text at position {parser.pos})")
    return value


class _LiteralParser:
    _NUMBER = re.compile(r"-?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")
    _WORD = re.compile(r"[A-Za-z]+")
    _ESCAPES: ClassVar[dict[str, str]] = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"'}

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def fail(self, what: str) -> CypherError:
        return CypherError(f"cannot parse parameter value {self.text!r}: {what} at position {self.pos}")

    def value(self) -> Any:
        self.skip_space()
        char = self.text[self.pos : self.pos + 1]
        if char in ("'", '"'):
            return self.string(char)
        if char == "[":
            return self.items()
        number = self._NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            raw = number.group(0)
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        word = self._WORD.match(self.text, self.pos)
        literals = {"true": True, "false": False, "null": None}
        if word and word.group(0).lower() in literals:
            self.pos = word.end()
            return literals[word.group(0).lower()]
        raise self.fail("expected a string, number, boolean, null or list")

    def string(self, quote: str) -> str:
        out, self.pos = [], self.pos + 1
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(out)
            if char == "\\" and self.pos + 1 < len(self.text):
                self.pos += 1
                char = self._ESCAPES.get(self.text[self.pos], "\\" + self.text[self.pos])
            out.append(char)
            self.pos += 1
        raise self.fail("unterminated string")

    def items(self) -> list[Any]:
        out: list[Any] = []
        self.pos += 1
        self.skip_space()
        if self.text[self.pos : self.pos + 1] == "]":
            self.pos += 1
            return out
        while True:
            out.append(self.value())
            self.skip_space()
            char = self.text[self.pos : self.pos + 1]
            self.pos += 1
            if char == "]":
                return out
            if char != ",":
                self.pos -= 1
                raise self.fail("expected ',' or ']'")


def split_query(text: str) -> tuple[str, dict[str, Any]]:
    """Separate Neo4j Browser ``:param`` lines (parsed as defaults) from the Cypher to send.

    Other Browser commands (``:use``, ``:params``, ...) are dropped; a trailing ``;`` is removed.
    """
    params: dict[str, Any] = {}
    body = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not _BROWSER_COMMAND.match(stripped):
            body.append(line)
            continue
        match = _PARAM_LINE.match(stripped)
        if re.match(r":param\b", stripped) and not match:
            raise CypherError(f"line {number}: expected ':param name => literal', got {stripped!r}")
        if match:
            try:
                params[match.group(1)] = parse_literal(match.group(2))
            except CypherError as exc:
                raise CypherError(f"line {number}: {exc}") from None
    query = "\n".join(body).strip()
    while query.endswith(";"):
        query = query[:-1].rstrip()
    return query, params


def parse_params(items: Iterable[str], defaults: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge ``name=value`` overrides into ``defaults``.

    A value is parsed as a Cypher literal when it is one (``3``, ``'x'``, ``['a', 'b']``), else taken
    as text (``gene=HGNC.SYMBOL:NT5E``); where the default is a string, unquoted text stays text.

    >>> parse_params(["k=3", "gene=NT5E", "ids=['a','b']"], {"gene": "X"})
    {'gene': 'NT5E', 'k': 3, 'ids': ['a', 'b']}
    """
    params = dict(defaults or {})
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise CypherError(f"bad --param {item!r} (expected name=value)")
        params[name] = _param_value(raw.strip(), params.get(name))
    return params


def _param_value(raw: str, default: Any) -> Any:
    if isinstance(default, str) and raw[:1] not in ("'", '"'):
        return raw
    try:
        return parse_literal(raw)
    except CypherError:
        return raw


def library_queries() -> dict[str, Path]:
    """The shipped query library (``tmekg.queries/*.cypher``), by name."""
    folder = Path(str(resources.files("tmekg.queries")))
    return {path.stem: path for path in sorted(folder.glob("*.cypher"))}


def query_file(name_or_path: str | Path) -> Path:
    """A query file by path, or a library query by name (``celltype_crosstalk``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    library = library_queries()
    found = library.get(path.name.removesuffix(".cypher"))
    if found is None:
        raise CypherError(f"no query file '{name_or_path}' (library queries: {', '.join(library)})")
    return found


def describe(path: Path) -> str:
    """The one-line description of a query file (its first ``//`` comment)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("//"):
            return line.strip().lstrip("/").strip()
    return ""


# -- running queries --------------------------------------------------------------------------


@dataclass
class CypherResult:
    """Columns, rows (plain Python values) and the server's update counters."""

    columns: list[str]
    rows: list[dict[str, Any]]
    counters: dict[str, int]
    notifications: list[str] = field(default_factory=list)  # one line each (summarise_notification)


def run_cypher(
    query: str,
    params: Mapping[str, Any] | None = None,
    config: Neo4jConfig | None = None,
    write: bool = False,
    driver: Driver | None = None,
) -> CypherResult:
    """Run one query in a managed READ transaction (WRITE with ``write=True``) and return its rows."""
    from neo4j import exceptions

    config = config or Neo4jConfig.from_env()
    own = driver is None
    driver = driver or connect(config)
    try:
        with driver.session(database=config.database) as session:
            work = session.execute_write if write else session.execute_read
            return work(_collect, query, dict(params or {}), write)
    except exceptions.ClientError as exc:
        if exc.code == _ACCESS_MODE:
            raise ReadOnlyError(_READ_ONLY) from None
        raise CypherError(f"query failed ({exc.code}): {_reason(exc)}") from None
    except exceptions.Neo4jError as exc:
        raise CypherError(f"query failed ({exc.code}): {_reason(exc)}") from None
    except exceptions.DriverError as exc:
        raise Neo4jConnectionError(f"lost the connection to {config.uri}: {_reason(exc)}") from None
    finally:
        if own:
            driver.close()


_READ_ONLY = "the query writes to the database, which a read-only run refuses; rerun with --write to allow it"


def _collect(tx: Any, query: str, params: dict[str, Any], write: bool) -> CypherResult:
    result = tx.run(query, params)
    columns = list(result.keys())
    rows = [{key: plain(record[key]) for key in columns} for record in result]
    summary = result.consume()
    counters = {k: v for k, v in vars(summary.counters).items() if isinstance(v, int) and v and k[0] != "_"}
    if not write and (summary.counters.contains_updates or summary.counters.contains_system_updates):
        raise ReadOnlyError(_READ_ONLY + " (rolled back)")  # raised inside the transaction: rollback
    notes = [summarise_notification(s) for s in summary.gql_status_objects if s.is_notification]
    return CypherResult(columns, rows, counters, notes)


def plain(value: Any) -> Any:
    """Driver values -> JSON-ready Python (nodes and relationships become property dicts)."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"type": value.type, **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return {"nodes": [plain(n) for n in value.nodes], "relationships": [plain(r) for r in value]}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
