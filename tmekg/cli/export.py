"""``tmekg export html|rdf|kgx`` and ``tmekg sparql``: thin commands over :mod:`tmekg.sinks`.

Registered in :mod:`tmekg.cli` with ``app.add_typer(export_app, name="export")`` and
``app.command("sparql")(sparql)``. Heavy libraries (rdflib, numpy, pyvis' assets) load inside commands.
"""

from pathlib import Path
from typing import Annotated

import typer

from tmekg.cli.common import StoreOpt
from tmekg.cli.common import domain_errors as _errors
from tmekg.cli.common import spinner as _spinner
from tmekg.errors import TmekgError

export_app = typer.Typer(
    help="Export the graph: interactive HTML, RDF (Turtle / JSON-LD / N-Triples) or KGX TSV.",
    no_args_is_help=True,
)


@export_app.command("html")
@_errors
def html(
    out: Annotated[Path, typer.Argument(help="HTML file to write (one self-contained file).")],
    around: Annotated[str | None, typer.Option("--around", help="Focus: node id, name or synonym.")] = None,
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, max=4, help="Hops around --around.")] = 1,
    crosstalk: Annotated[
        bool, typer.Option("--crosstalk", help="Focus: cell-cell crosstalk and secretes / takes_up edges.")
    ] = False,
    combination: Annotated[
        tuple[str, str] | None,
        typer.Option("--combination", help="Focus: explanation of TARGET CLASS, e.g. NT5E anti-PD-1."),
    ] = None,
    sender: Annotated[str | None, typer.Option("--sender", help="Crosstalk sender cell type.")] = None,
    receiver: Annotated[str | None, typer.Option("--receiver", help="Crosstalk receiver cell type.")] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Page title (default: from the focus).")
    ] = None,
    caption: Annotated[str | None, typer.Option("--caption", help="Caption under the title.")] = None,
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", min=1, help="Refuse larger views unless --force.")
    ] = 2000,
    force: Annotated[bool, typer.Option("--force", help="Export even above --max-nodes.")] = False,
    store: StoreOpt = None,
) -> None:
    """Write an interactive, offline HTML view of the graph (whole, --around a node, or --crosstalk).

    Example: tmekg export html nt5e.html --around NT5E --depth 2
    """
    if combination:
        from tmekg.reports import combination_html

        with _spinner("scoring and drawing the combination"):
            summary = combination_html(out, combination[0], combination[1], store=store)
        typer.echo(summary)
        return
    from tmekg.sinks.html import export_html

    with _spinner("building the view"):
        result = export_html(
            out,
            store=store,
            around=around,
            depth=depth,
            crosstalk=crosstalk,
            sender=sender,
            receiver=receiver,
            max_nodes=max_nodes,
            force=force,
            title=title,
            caption=caption,
        )
    typer.echo(result.summary())


@export_app.command("rdf")
@_errors
def rdf(
    out: Annotated[Path, typer.Argument(help="RDF file to write.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="turtle, json-ld or nt.")] = "turtle",
    store: StoreOpt = None,
) -> None:
    """Export the graph as RDF: Biolink-typed resources, direct triples, reified provenance.

    Example: tmekg export rdf tmekg.ttl --format turtle
    """
    from tmekg.sinks.rdf import export_rdf

    with _spinner(f"writing {fmt} RDF"):
        result = export_rdf(out, fmt, store)
    typer.echo(result.summary())


@export_app.command("kgx")
@_errors
def kgx(
    folder: Annotated[Path, typer.Argument(help="Folder for nodes.tsv and edges.tsv.")],
    store: StoreOpt = None,
) -> None:
    """Export the graph as KGX TSV (nodes.tsv / edges.tsv, Biolink categories and predicates).

    Example: tmekg export kgx kgx-out/
    """
    from tmekg.sinks.kgx import export_kgx

    with _spinner("writing KGX TSV"):
        result = export_kgx(folder, store)
    typer.echo(result.summary())


@_errors
def sparql(
    query: Annotated[str | None, typer.Argument(help="SPARQL SELECT or ASK query text.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the query from this file.")] = None,
    rdf_file: Annotated[
        Path | None,
        typer.Option("--rdf", help="Query this RDF export (default: the store's SPARQL index, built once)."),
    ] = None,
    rdf_format: Annotated[
        str | None, typer.Option("--rdf-format", help="Format of --rdf (default: from its suffix).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output format: table, tsv or json.")] = "table",
    store: StoreOpt = None,
) -> None:
    """Run a read-only SPARQL query over the store or an RDF export (prefixes biolink:, tmekg:, rdf:,
    rdfs:, skos: declared). The store's index is built on the first query after a build (1.5-2 min
    of CPU on the full data) and reused.

    Example: tmekg sparql 'SELECT ?m WHERE { ?m tmekg:category "Metabolite" } LIMIT 5'
    """
    from tmekg.render import FORMATS, emit
    from tmekg.sparql import check_read_only, run_sparql

    if fmt not in FORMATS:
        raise TmekgError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    if (query is None) == (file is None):
        raise TmekgError("give a query or --file (one of them)")
    if file is not None:
        try:
            query = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise TmekgError(f"cannot read {file}: {exc.strerror}") from None
    check_read_only(str(query))
    if rdf_file is None:
        _ensure_sparql_index(store)
    with _spinner(f"loading {rdf_file}" if rdf_file else "querying"):
        columns, rows = run_sparql(str(query), rdf=rdf_file, rdf_format=rdf_format, store=store)
    emit(rows, columns, fmt, title=f"{len(rows)} row(s)")


def _ensure_sparql_index(store: Path | None) -> None:
    from tmekg.sparql import ensure_index, index_ready

    if not index_ready(store):
        note = "building the store's SPARQL index (once per build; 2-4 minutes on the full data)"
        typer.echo(note, err=True)
        with _spinner("indexing"):
            ensure_index(store)
