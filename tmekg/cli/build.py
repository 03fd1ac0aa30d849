"""`tmekg build`, `validate`, `sources`, `fetch`: make the graph from source files."""

import json
from pathlib import Path
from typing import Annotated

import typer

from tmekg.cli.common import FormatOpt, KbOpt, StoreOpt
from tmekg.cli.common import check_format as _check_format
from tmekg.cli.common import domain_errors as _domain_errors
from tmekg.errors import TmekgError


@_domain_errors
def build(
    store: StoreOpt = None,
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", "-s", help="Sources to include (repeat or comma-separate; 'all')."),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Folder with one sub-folder per source ($TMEKG_DATA_DIR)."),
    ] = None,
    kb: KbOpt = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="YAML config: {sources: [...], paths: {source: folder}}.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the per-source build report (JSON) here.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial", help="Build even when an input file is empty, header-only or truncated."
        ),
    ] = False,
) -> None:
    """Build the graph into the embedded store (curated PDAC KB plus cached sources).

    Example: tmekg build --data-dir ../shared/data --sources all --report build-report.json
    """
    from tmekg.config import store_path
    from tmekg.pipeline import build_store
    from tmekg.render import console
    from tmekg.store_lock import store_lock
    from tmekg.studies import registered_extras

    names, paths = _sources_from(sources, config)
    con = console(quiet=quiet)
    # the lock covers the study registry read too, and refuses a second writer before any loading
    with store_lock(store_path(store), "tmekg build"), con.status("building") as status:
        result = build_store(
            store=store,
            sources=names,
            data=data_dir,
            kb=kb,
            paths=paths,
            progress=lambda msg: status.update(msg),
            extra=registered_extras(store),  # study outputs loaded earlier with `tmekg study load`
            allow_partial=allow_partial,
        )
    if report:
        from tmekg.pipeline import coverage_rows
        from tmekg.render import emit

        doc = {"counts": result.counts, "sources": result.sources, "skipped": result.skipped}
        from tmekg.atomic import write_text

        write_text(report, json.dumps(doc, indent=2, sort_keys=True) + "\n")
        if not quiet:
            columns = ["source", "rows", "nodes_in", "edges_in", "merged", "unmapped", "examples"]
            emit(coverage_rows(result), columns, "table", title=f"coverage (full report: {report})")
    con.print(
        f"built {result.counts['nodes']} nodes, {result.counts['edges']} edges "
        f"from {len(result.sources)} source(s) in {result.seconds:.1f} s -> {result.store}"
    )
    from tmekg.completeness import warnings_of

    for line in warnings_of(result.sources):  # files short of the pinned release, or partial (allowed)
        con.print(f"  warning: {line}")
    if names:  # sources were asked for: say why each missing one was skipped
        for name, reason in result.skipped.items():
            con.print(f"  skipped {name}: {reason}")
    elif result.skipped:
        con.print(f"  {len(result.skipped)} source(s) not in the data directory (see `tmekg sources`)")


def _sources_from(
    sources: list[str] | None, config: Path | None
) -> tuple[list[str] | None, dict[str, str] | None]:
    names = [s.strip() for item in (sources or []) for s in item.split(",") if s.strip()] or None
    if config is None:
        return names, None
    import yaml

    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TmekgError(f"cannot read config {config}: {exc}") from None
    if not isinstance(doc, dict):
        raise TmekgError(f"{config}: the config must be a mapping with 'sources' and/or 'paths'")
    return names or doc.get("sources"), doc.get("paths")


@_domain_errors
def validate(
    files: Annotated[list[Path], typer.Argument(help="Curated *.nodes.tsv / *.edges.tsv files.")],
) -> None:
    """Check curated records files against the schema; list every problem.

    Example: tmekg validate my_facts.edges.tsv
    """
    from tmekg.validate import validate_file

    failed = 0
    for path in files:
        result = validate_file(path)
        counts = ", ".join(f"{v} {k}" for k, v in sorted(result.records.items())) or "no records"
        for error in result.errors:
            typer.echo(f"error: {error}", err=True)
        status = "ok" if result.ok else f"{len(result.errors)} problem(s)"
        typer.echo(f"{path}: {counts}; {status}")
        failed += not result.ok
    if failed:
        raise typer.Exit(1)


@_domain_errors
def list_sources(
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Folder with one sub-folder per source.")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List known sources with version, licence and whether their files are present.

    Example: tmekg sources --data-dir ../shared/data
    """
    from tmekg.pipeline import source_status
    from tmekg.render import emit

    _check_format(fmt)
    emit(source_status(data_dir), ["source", "version", "licence", "status", "folder"], fmt, title="sources")


@_domain_errors
def fetch(
    sources: Annotated[list[str], typer.Argument(help="Source names, or 'all'.")],
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Cache folder, one sub-folder per source.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Mirror to download from instead of the pinned URLs.")
    ] = None,
    retries: Annotated[int, typer.Option("--retries", min=0, help="Extra tries per file.")] = 3,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Download sources' official files (pinned URLs, size and sha256 checked) into the local cache.

    Example: tmekg fetch human-gem metalinksdb
    """
    from tmekg.fetch import fetch as fetch_sources
    from tmekg.render import console

    con = console(quiet=quiet)
    with con.status("fetching") as status:
        result = fetch_sources(
            sources,
            cache=data_dir,
            base_url_override=base_url,
            retries=retries,
            progress=lambda label, done, total: status.update(f"{label}: {done}/{total or '?'} bytes"),
        )
    con.print(result.summary())
    for failed in result.failed:
        con.print(f"  warning: {failed.source}/{failed.name}: {failed.error}")
