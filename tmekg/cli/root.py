"""The ``tmekg`` command line: thin typer commands, each calling one library function.

Domain errors (:class:`tmekg.errors.TmekgError`) become one line on stderr and exit code 1;
anything else keeps its traceback. Heavy libraries are imported inside commands.
"""

import sys
from typing import Annotated

import typer

from tmekg import __version__
from tmekg.errors import TmekgError

app = typer.Typer(
    name="tmekg",
    help=(
        "A knowledge graph of metabolic crosstalk in the tumour microenvironment (PDAC first).\n\n"
        "Example: tmekg build && tmekg stats && tmekg show NT5E"
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,  # plain click help: typer's rich help imports rich (~0.1 s) before printing
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tmekg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """A knowledge graph of metabolic crosstalk in the tumour microenvironment (PDAC first)."""


def _register_commands() -> None:
    """Every command, in the order ``--help`` lists them; each module imports only typer at start-up."""
    from tmekg.cli import browse, build, rank

    app.command()(build.build)
    app.command()(browse.stats)
    app.command()(browse.show)
    app.command()(browse.search)
    app.command()(build.validate)
    app.command("sources")(build.list_sources)
    app.command()(build.fetch)
    app.command()(rank.rank)
    app.command(
        cls=rank.WithMetapathGlossary,
        short_help="Why a combination scores as it does: components, metapaths, and top paths with evidence.",
    )(rank.explain)
    app.command("paths")(rank.find_paths)
    _register_sub_apps()


def _register_sub_apps() -> None:
    """Sub-commands that live in their own modules (each imports only typer at start-up)."""
    from tmekg.cli.crosstalk import crosstalk, study_app
    from tmekg.cli.export import export_app, sparql
    from tmekg.cli.neo4j import cypher, export_neo4j_import, neo4j_app

    export_app.command("neo4j-import")(export_neo4j_import)
    app.add_typer(export_app, name="export")
    app.add_typer(neo4j_app, name="neo4j")
    app.command("cypher")(cypher)
    from tmekg.cli.biomarkers import biomarkers, context_diff
    from tmekg.cli.profile import profile

    # short help spelled out: click cuts a docstring's first line at its first ". " ("et al. 2020")
    app.command("profile", short_help="Metabolic subtype and pathway activity scores of expression samples.")(
        profile
    )
    from tmekg.cli.cohort import cohort

    app.command("cohort")(cohort)
    app.command("biomarkers")(biomarkers)
    app.command("context-diff")(context_diff)
    app.command("sparql")(sparql)
    app.command("crosstalk")(crosstalk)
    from tmekg.cli.conflicts import conflicts

    app.command("conflicts")(conflicts)
    app.add_typer(study_app, name="study")


_register_commands()


def main() -> None:
    """Entry point of the ``tmekg`` console script."""
    try:
        app()
    except TmekgError as exc:  # raised outside a command body (e.g. in a callback)
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
