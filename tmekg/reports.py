"""Library functions that join an analysis with a sink (kept out of both, so neither imports the other)."""

from __future__ import annotations

from pathlib import Path

from tmekg.graph import KnowledgeGraph


def combination_html(
    out: str | Path,
    target: str,
    immunotherapy: str,
    paths: int = 15,
    context: str | None = None,
    store: str | Path | None = None,
) -> str:
    """Write the interactive explanation graph of one ranked combination; return a summary line.

    Example: ``combination_html("why.html", "NT5E", "anti-PD-1")``
    """
    from tmekg.queries.rank import combination_subgraph
    from tmekg.sinks import html

    with KnowledgeGraph.open(store) as kg:
        view = combination_subgraph(kg, target, immunotherapy, paths, context)
        result = html.combination_html(
            kg,
            view["node_ids"],
            view["edges"],
            view["weights"],
            out,
            view["title"],
            view["caption"],
            view["focus"],
        )
    return result.summary()
