"""`tmekg stats`, `show`, `search`: look at what the store holds."""

import json
from typing import Annotated

import typer

from tmekg.cli.common import FormatOpt, StoreOpt
from tmekg.cli.common import check_format as _check_format
from tmekg.cli.common import domain_errors as _domain_errors
from tmekg.cli.common import echo as _echo
from tmekg.cli.common import echo_json as _echo_json


@_domain_errors
def stats(
    store: StoreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON document.")] = False,
    verify: Annotated[
        bool,
        typer.Option("--verify", help="Check every file's SHA-256 and parse every record first (slower)."),
    ] = False,
) -> None:
    """Counts of nodes per category, edges per predicate, and per source.

    Example: tmekg stats --json
    """
    from tmekg.explore import stats as get_stats
    from tmekg.render import emit

    if verify:
        from tmekg.config import store_path
        from tmekg.store import snapshot_dir
        from tmekg.store import verify as verify_store

        done = verify_store(snapshot_dir(store_path(store)))
        _echo(f"verified {done['snapshot']}: {done['files']} files, {done['bytes']} bytes", err=True)
    doc = get_stats(store)
    if as_json:
        _echo(json.dumps(doc, indent=2, sort_keys=True))
        return
    _echo(f"{doc['total_nodes']} nodes, {doc['total_edges']} edges")
    emit([{"category": k, "nodes": v} for k, v in doc["nodes"].items()], ["category", "nodes"])
    emit([{"predicate": k, "edges": v} for k, v in doc["edges"].items()], ["predicate", "edges"])
    rows = [{"source": k, **v} for k, v in doc["sources"].items()]
    emit(rows, ["source", "version", "nodes", "edges"])


@_domain_errors
def show(
    node: Annotated[str, typer.Argument(help="Node id (CURIE), cross-reference, name or synonym.")],
    depth: Annotated[int, typer.Option("--depth", "-d", min=0, max=3, help="Neighbourhood depth.")] = 1,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """A node with its neighbourhood and the evidence of each edge.

    Example: tmekg show NT5E --depth 1
    """
    from tmekg.explore import show as get_show
    from tmekg.render import emit

    _check_format(fmt)
    doc = get_show(node, depth, store)
    if fmt == "json":
        _echo_json(doc, indent=2)
        return
    n = doc["node"]
    if fmt == "table":
        _echo(f"{n['id']}  {n['name']}  [{n['category']}]")
        for key in ("synonyms", "xrefs", "sources", "evidence"):
            if n[key]:
                _echo(f"  {key}: {', '.join(n[key])}")
        if doc["also_named"]:
            others = ", ".join(f"{o['id']} ({o['name']}, {o['category']})" for o in doc["also_named"])
            _echo(f"  also named '{node}': {others}")
        for key, value in n["properties"].items():
            _echo(f"  {key}: {value}")
    columns = ["subject_name", "predicate", "object_name", "sign", "evidence", "sources", "context"]
    emit(doc["edges"], columns, fmt, title=f"{len(doc['edges'])} edges within {depth} hop(s)")
    for direction, rows in doc.get("crosstalk", {}).items():
        cols = ["sender_name", "metabolite_name", "receiver_name", "mode", "score", "p_value", "source"]
        emit(rows, cols, fmt, title=f"{direction} metabolic crosstalk (strongest {len(rows)})")


@_domain_errors
def search(
    text: Annotated[str, typer.Argument(help="Text to find in ids, names, synonyms and cross-references.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="Maximum hits (0 = all).")] = 20,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Only this category.")] = None,
    store: StoreOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Find nodes by name, synonym or id.

    Example: tmekg search kynurenine --category Metabolite
    """
    from tmekg.explore import search as find
    from tmekg.render import emit

    _check_format(fmt)
    hits = find(text, limit, category, store)
    emit(hits, ["id", "category", "name", "synonyms"], fmt, title=f"{len(hits)} match(es) for '{text}'")
