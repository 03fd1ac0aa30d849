"""Neo4j commands: ``tmekg neo4j load``, ``tmekg cypher``, ``tmekg export neo4j-import``.

Thin typer commands over :mod:`tmekg.sinks.neo4j`, :mod:`tmekg.cypher` and
:mod:`tmekg.sinks.neo4j_import`. The password is read from ``NEO4J_PASSWORD`` only: there is no
option for it, and no message prints it. Registered in :mod:`tmekg.cli` as::

    app.add_typer(neo4j_app, name="neo4j")
    app.command("cypher")(cypher)
    export_app.command("neo4j-import")(export_neo4j_import)
"""

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from tmekg.cli.common import StoreOpt
from tmekg.cli.common import domain_errors as _domain_errors
from tmekg.errors import TmekgError

neo4j_app = typer.Typer(
    help=(
        "Load the graph into Neo4j 5 over Bolt and list the Cypher query library.\n\n"
        "Connection: --uri/--user/--database or NEO4J_URI, NEO4J_USERNAME, NEO4J_DATABASE; the password "
        "comes from NEO4J_PASSWORD only.\n\nExample: NEO4J_PASSWORD=... tmekg neo4j load --replace"
    ),
    no_args_is_help=True,
)

UriOpt = Annotated[
    str | None, typer.Option("--uri", help="Bolt URI ($NEO4J_URI, default bolt://localhost:7687).")
]
UserOpt = Annotated[str | None, typer.Option("--user", help="User name ($NEO4J_USERNAME, default neo4j).")]
DatabaseOpt = Annotated[
    str | None, typer.Option("--database", help="Database name ($NEO4J_DATABASE, default: the server's).")
]


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A rich progress bar on stderr, one row per kind (nodes, relationships)."""
    if quiet:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tmekg.render import console

    columns = (TextColumn("{task.description:>13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console()) as bar:
        tasks: dict[str, Any] = {}

        def update(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(kind, total=total)
            bar.update(tasks[kind], completed=done)

        yield update


@neo4j_app.command("load")
@_domain_errors
def load(
    uri: UriOpt = None,
    user: UserOpt = None,
    database: DatabaseOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="First delete every TmekgNode node (only what tmekg wrote).")
    ] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows per transaction.")] = 1000,
    store: StoreOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Load the current store into Neo4j 5 (constraints, batched MERGE, count check).

    Example: NEO4J_PASSWORD=secret tmekg neo4j load --uri bolt://localhost:7687 --replace
    """
    from tmekg.cypher import Neo4jConfig
    from tmekg.graph import KnowledgeGraph
    from tmekg.sinks.neo4j import load_graph

    config = Neo4jConfig.from_env(uri, user, database)
    with KnowledgeGraph.open(store) as kg, _progress(quiet) as progress:
        result = load_graph(kg, config, replace=replace, batch_size=batch_size, progress=progress)
    for note in result.skipped_indexes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(result.summary())


@neo4j_app.command("queries")
@_domain_errors
def queries(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, tsv or json.")] = "table",
) -> None:
    """List the Cypher query library with descriptions and default parameters.

    Example: tmekg neo4j queries
    """
    from tmekg.cypher import describe, library_queries, split_query
    from tmekg.render import emit

    rows = []
    for name, path in library_queries().items():
        _, params = split_query(path.read_text(encoding="utf-8"))
        rows.append({"name": name, "description": describe(path), "parameters": params})
    emit(rows, ["name", "description", "parameters"], _format(fmt), title="tmekg cypher --file NAME")


def _format(fmt: str) -> str:
    from tmekg.render import FORMATS

    if fmt not in FORMATS:
        raise TmekgError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    return fmt


@_domain_errors
def cypher(
    query: Annotated[str | None, typer.Argument(help="Cypher text (or use --file).")] = None,
    file: Annotated[
        str | None,
        typer.Option("--file", help="A .cypher file, or a library query name (tmekg neo4j queries)."),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="name=value, overrides the file's :param lines.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: table, tsv or json.")] = "table",
    write: Annotated[
        bool, typer.Option("--write", help="Allow writes (default: read-only transaction).")
    ] = False,
    uri: UriOpt = None,
    user: UserOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Run a Cypher query (read-only unless --write) against the configured Neo4j server.

    Example: tmekg cypher --file target_to_immune_effect --param gene=HGNC.SYMBOL:IDO1 --format tsv
    """
    from tmekg.cypher import CypherError, Neo4jConfig, parse_params, query_file, run_cypher, split_query
    from tmekg.render import emit

    _format(fmt)
    if (query is None) == (file is None):
        raise CypherError("give either a QUERY or --file FILE")
    text = query if query is not None else query_file(file or "").read_text(encoding="utf-8")
    body, defaults = split_query(text)
    params = parse_params(param or [], defaults)
    result = run_cypher(body, params, Neo4jConfig.from_env(uri, user, database), write=write)
    emit(result.rows, result.columns, fmt)
    if result.counters:
        changes = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(result.counters.items()))
        typer.echo(changes, err=True)


@_domain_errors
def export_neo4j_import(
    directory: Annotated[Path, typer.Argument(help="Folder to write the CSV files and README.md into.")],
    store: StoreOpt = None,
) -> None:
    """Write CSV files for `neo4j-admin database import full` (nodes per category, relationships per type).

    Example: tmekg export neo4j-import neo4j-import/ && cat neo4j-import/README.md
    """
    from tmekg.sinks.neo4j_import import export_neo4j_import as export

    result = export(directory, store)
    typer.echo(result.summary())


neo4j_app.command("cypher")(cypher)  # also as `tmekg neo4j cypher`
