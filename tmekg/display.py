"""Display subgraphs for the interactive HTML export: the whole graph, around a node, crosstalk, explanations.

A display graph is a small, separate selection of node and edge records (plus a sign, an optional
weight and label per edge); building one never changes the analysis graph. Styling is data:
:data:`DISPLAY` maps every schema category to a colour, shape and size, every sign and crosstalk mode
to an edge colour, and names the predicates the crosstalk view uses (checked against the schema).

Examples
--------
>>> import tmekg
>>> kg = tmekg.open()                                        # doctest: +SKIP
>>> view = around(kg, "NT5E", depth=1)                       # doctest: +SKIP
>>> view.title, view.focus                                   # doctest: +SKIP
('Neighbourhood of NT5E (1 hop)', ('HGNC.SYMBOL:NT5E',))
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tmekg.errors import NotFoundError, TmekgError
from tmekg.model import Edge, Node
from tmekg.schema import load_schema

if TYPE_CHECKING:
    import numpy as np

    from tmekg.graph import KnowledgeGraph

#: Largest display graph exported without ``--force`` (browsers stay responsive up to about here).
MAX_NODES = 2000

#: Display configuration (data, not code). A test checks that every schema category, every sign and
#: every crosstalk mode is covered, and that the named predicates exist in the schema.
DISPLAY: dict[str, Any] = {
    "categories": {  # Okabe-Ito based, colour-blind safe; labels sit below these shapes
        # emphasis 0-1: how much labels grow in large views, so the hubs stay readable zoomed out
        "CellType": {"color": "#0072B2", "shape": "dot", "size": 22, "emphasis": 1.0},
        "Metabolite": {"color": "#E69F00", "shape": "diamond", "size": 15, "emphasis": 0.6},
        "Gene": {"color": "#56B4E9", "shape": "square", "size": 11, "emphasis": 0.0},
        "Reaction": {"color": "#9E9E9E", "shape": "triangle", "size": 10, "emphasis": 0.0},
        "Pathway": {"color": "#F0E442", "shape": "hexagon", "size": 13, "emphasis": 0.3},
        "Drug": {"color": "#CC79A7", "shape": "star", "size": 17, "emphasis": 0.4},
        "ImmuneEffect": {"color": "#D55E00", "shape": "triangleDown", "size": 17, "emphasis": 1.0},
        "Context": {"color": "#8C6D31", "shape": "hexagon", "size": 11, "emphasis": 0.0},
        "Study": {"color": "#666666", "shape": "square", "size": 9, "emphasis": 0.0},
    },
    "signs": {  # edge colour and arrow head by schema sign
        1: {"color": "#1A9850", "arrow": "arrow", "label": "increases / produces (+1)"},
        -1: {"color": "#D73027", "arrow": "bar", "label": "decreases / consumes (\u22121)"},
        0: {"color": "#9A9A9A", "arrow": "arrow", "label": "unsigned (0)"},
    },
    "modes": {  # crosstalk edges: colour by mode, labelled by metabolite
        "supply": {"color": "#7B3294", "dashes": False, "label": "crosstalk: supply"},
        "depletion": {"color": "#B35806", "dashes": True, "label": "crosstalk: depletion (competition)"},
    },
    "views": {"crosstalk": "crosstalk", "supply": "secretes", "uptake": "takes_up"},
    "links": {"PMID": "https://pubmed.ncbi.nlm.nih.gov/{}/", "DOI": "https://doi.org/{}"},
}


class DisplayError(TmekgError):
    """A display graph cannot be built (too large, nothing to show, unknown endpoints)."""


@dataclass(frozen=True)
class DisplayEdge:
    """One edge as drawn: the record, its sign, an optional weight (width), mode and label."""

    edge: Edge
    sign: int
    weight: float | None = None
    mode: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class DisplayGraph:
    """A self-contained selection to draw: nodes, edges, title, caption and focus node ids."""

    nodes: tuple[Node, ...]
    edges: tuple[DisplayEdge, ...]
    title: str
    caption: str
    focus: tuple[str, ...] = ()


def check_size(count: int, max_nodes: int = MAX_NODES, force: bool = False, hint: str = "") -> None:
    """Refuse display graphs above ``max_nodes`` nodes unless ``force`` is set.

    >>> check_size(10, max_nodes=100)
    """
    if count > max_nodes and not force:
        raise DisplayError(
            f"the display graph has {count} nodes, more than the limit of {max_nodes} that a browser "
            f"shows comfortably; {hint or 'focus it with --around NODE --depth 1'}, raise --max-nodes, "
            "or pass --force"
        )


def whole_graph(kg: KnowledgeGraph, max_nodes: int = MAX_NODES, force: bool = False) -> DisplayGraph:
    """Every node and edge of the graph (guarded by ``max_nodes``)."""
    import numpy as np

    check_size(len(kg), max_nodes, force)
    edges = _display_edges(kg, np.arange(kg.edge_count))
    title = "tmekg knowledge graph"
    return DisplayGraph(tuple(kg.nodes), edges, title, _caption(len(kg), len(edges), "the whole graph"))


def around(
    kg: KnowledgeGraph, node: str, depth: int = 1, max_nodes: int = MAX_NODES, force: bool = False
) -> DisplayGraph:
    """Nodes within ``depth`` hops of ``node`` (id, xref, name or synonym) and the edges between them.

    Same selection as :meth:`KnowledgeGraph.neighbourhood`, computed on the edge arrays so that the
    size guard fires before any edge record is read.
    """
    start = kg.resolve(node)
    seen, edge_rows = _ball(kg, kg.row(start.id), depth, max_nodes, force)
    nodes = tuple(kg.nodes[int(r)] for r in seen)
    edges = _display_edges(kg, edge_rows)
    title = f"Neighbourhood of {start.name} ({depth} hop{'s' if depth != 1 else ''})"
    what = f"everything within {depth} hop(s) of {start.name} ({start.id})"
    return DisplayGraph(nodes, edges, title, _caption(len(nodes), len(edges), what), (start.id,))


def _ball(
    kg: KnowledgeGraph, start: int, depth: int, max_nodes: int, force: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Breadth-first ball on the edge arrays: (sorted node rows, edge rows traversed inside the ball)."""
    import numpy as np

    ends = np.asarray(kg.edge_index[:, :2])
    seen = np.zeros(len(kg), dtype=bool)
    inner = np.zeros(len(kg), dtype=bool)
    seen[start] = True
    frontier = seen.copy()
    for _ in range(max(depth, 0)):
        touched = frontier[ends[:, 0]] | frontier[ends[:, 1]]
        inner |= frontier
        reached = np.zeros(len(kg), dtype=bool)
        reached[ends[touched].ravel()] = True
        frontier = reached & ~seen
        seen |= reached
        check_size(int(seen.sum()), max_nodes, force, "use a smaller --depth")
    keep = seen[ends[:, 0]] & seen[ends[:, 1]] & (inner[ends[:, 0]] | inner[ends[:, 1]])
    return np.flatnonzero(seen), np.flatnonzero(keep)


def crosstalk(
    kg: KnowledgeGraph,
    sender: str | None = None,
    receiver: str | None = None,
    max_nodes: int = MAX_NODES,
    force: bool = False,
) -> DisplayGraph:
    """Cell-cell metabolic crosstalk: ``crosstalk`` edges plus the secretes / takes_up edges behind them.

    Crosstalk edges (sender -> receiver cell type, property ``metabolite``, mode supply or depletion)
    are labelled by their metabolite and coloured by mode. Secretes / takes_up edges are added where
    they link a sender to a receiver through one metabolite: supply (sender secretes, receiver takes
    up) or depletion (both take it up). Without sender and receiver every such edge is shown.
    """
    views = DISPLAY["views"]
    cell_category = load_schema().predicate(views["crosstalk"]).subject[0]
    s_row = _cell_row(kg, sender, cell_category)
    r_row = _cell_row(kg, receiver, cell_category)
    talk = [i for i in _rows_of(kg, views["crosstalk"]) if _matches(kg, i, s_row, r_row)]
    exchange = _exchange_rows(kg, s_row, r_row)
    inferred = () if talk else inferred_crosstalk(kg, s_row, r_row)
    rows = sorted(set(talk) | set(exchange))
    if not rows and not inferred:
        raise DisplayError(
            f"no crosstalk, secretes or takes_up edges for {_between(kg, s_row, r_row)}, "
            "and no study expression evidence to infer crosstalk from"
        )
    node_rows = sorted(
        {int(r) for i in rows for r in kg.edge_index[i, :2]}
        | {kg.row(x) for d in inferred for x in (d.edge.subject, d.edge.object)}
    )
    check_size(len(node_rows), max_nodes, force, "choose a --sender and/or --receiver")
    edges = tuple(_crosstalk_label(kg, d) for d in (*_display_edges(kg, rows), *inferred))
    nodes = tuple(kg.nodes[r] for r in node_rows)
    focus = tuple(kg.nodes[r].id for r in (s_row, r_row) if r is not None)
    title = f"Metabolic crosstalk: {_between(kg, s_row, r_row)}"
    talk_text = f"{len(talk)} crosstalk edge(s)" if talk else f"{len(inferred)} crosstalk row(s) inferred"
    what = (
        f"{talk_text} and {len(exchange)} secretes / takes_up edge(s) linking "
        f"{_between(kg, s_row, r_row)} through a shared metabolite"
    )
    return DisplayGraph(nodes, edges, title, _caption(len(nodes), len(edges), what), focus)


def inferred_crosstalk(kg: KnowledgeGraph, s_row: int | None, r_row: int | None) -> tuple[DisplayEdge, ...]:
    """Crosstalk inferred from the store's study expression evidence, as ``tmekg crosstalk`` reports it.

    Used when the store holds no ``crosstalk`` edges for the pair (they are only stored when a study
    output carries them); empty when no study with expression evidence is loaded.
    """
    from tmekg.queries.crosstalk import CrosstalkParams, collect, infer_crosstalk, to_edges

    if not collect(kg).expression:
        return ()
    params = CrosstalkParams()
    ends = [kg.nodes[r].id if r is not None else None for r in (s_row, r_row)]
    edges = to_edges(infer_crosstalk(kg, params, *ends), params)
    return tuple(DisplayEdge(e, load_schema().edge_sign(e), e.provenance[0].score) for e in edges)


def _cell_row(kg: KnowledgeGraph, name: str | None, category: str) -> int | None:
    if name is None:
        return None
    node = kg.resolve(name)
    if node.category != category:
        raise DisplayError(f"'{name}' resolves to {node.id} ({node.category}), not a {category}")
    return kg.row(node.id)


def _rows_of(kg: KnowledgeGraph, predicate: str) -> list[int]:
    import numpy as np

    if predicate not in kg.predicates:
        return []
    code = kg.predicates.index(predicate)
    return [int(i) for i in np.flatnonzero(np.asarray(kg.edge_index[:, 2]) == code)]


def _matches(kg: KnowledgeGraph, i: int, s_row: int | None, r_row: int | None) -> bool:
    subject, obj = int(kg.edge_index[i, 0]), int(kg.edge_index[i, 1])
    return (s_row is None or subject == s_row) and (r_row is None or obj == r_row)


def _exchange_rows(kg: KnowledgeGraph, s_row: int | None, r_row: int | None) -> list[int]:
    """Secretes / takes_up edge rows of the sender and receiver cells, plus the partner edges that pair
    them with other cells through one metabolite (supply: secretes -> takes up; depletion: both take up).
    """
    supply, uptake = _rows_of(kg, DISPLAY["views"]["supply"]), _rows_of(kg, DISPLAY["views"]["uptake"])
    if s_row is None and r_row is None:
        return supply + uptake
    cell_of = {i: int(kg.edge_index[i, 0]) for i in supply + uptake}
    keep = {i for i, cell in cell_of.items() if cell in (s_row, r_row)}
    by_metabolite: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for kind, rows in (("supply", supply), ("uptake", uptake)):
        for i in rows:
            by_metabolite[int(kg.edge_index[i, 1])][kind].append(i)
    for sides in by_metabolite.values():
        for i in sides["supply"] + sides["uptake"]:
            for j in sides["uptake"]:
                a, b = cell_of[i], cell_of[j]
                if a != b and s_row in (None, a) and r_row in (None, b):
                    keep.update((i, j))
    return sorted(keep)


def _between(kg: KnowledgeGraph, s_row: int | None, r_row: int | None) -> str:
    if s_row is None and r_row is None:
        return "all cell types"
    sender = kg.nodes[s_row].name if s_row is not None else "any cell type"
    receiver = kg.nodes[r_row].name if r_row is not None else "any cell type"
    return f"{sender} \u2192 {receiver}"


def _crosstalk_label(kg: KnowledgeGraph, item: DisplayEdge) -> DisplayEdge:
    if item.edge.predicate != DISPLAY["views"]["crosstalk"]:
        return item
    metabolite, mode = str(item.edge.prop("metabolite", "")), item.edge.prop("mode")
    try:
        name = kg.node(metabolite).name
    except NotFoundError:
        name = metabolite
    return DisplayEdge(item.edge, item.sign, item.weight, mode, name)


def explanation(
    kg: KnowledgeGraph,
    node_ids: Iterable[str],
    edges: Sequence[Edge | tuple[str, str, str]],
    weights: Sequence[float] | None = None,
    title: str = "Explanation",
    caption: str = "",
    focus: Iterable[str] = (),
) -> DisplayGraph:
    """A display graph for an explanation subgraph (e.g. the paths behind a combination score).

    ``edges`` are edge records or ``(subject, predicate, object)`` triples looked up in the graph
    (parallel edges with the same triple are all drawn); ``weights`` (one per edge, optional) set the
    drawn width. The inputs are only read.
    """
    if weights is not None and len(weights) != len(edges):
        raise DisplayError(f"{len(weights)} weights for {len(edges)} edges")
    schema = load_schema()
    drawn: list[DisplayEdge] = []
    for k, spec in enumerate(edges):
        weight = None if weights is None else float(weights[k])
        for edge in [spec] if isinstance(spec, Edge) else _find_edges(kg, spec):
            drawn.append(DisplayEdge(edge, schema.edge_sign(edge), weight))
    ids = {kg.resolve(n).id for n in node_ids} | {x for d in drawn for x in (d.edge.subject, d.edge.object)}
    nodes, drawn = _one_node_per_reaction_group(kg, ids, drawn)
    text = caption or _caption(len(nodes), len(drawn), "an explanation subgraph; width = weight")
    return DisplayGraph(nodes, tuple(drawn), title, text, tuple(kg.resolve(f).id for f in focus))


def _one_node_per_reaction_group(
    kg: KnowledgeGraph, ids: set[str], drawn: list[DisplayEdge]
) -> tuple[tuple[Node, ...], list[DisplayEdge]]:
    """Draw the member reactions of one reaction group as one node named by the group (and its edges once).

    A path through ``Steryl-ester acylhydrolase (124 reactions)`` would otherwise draw 124 reaction
    nodes; the group's node keeps its representative's id and record, with the group label as name.
    """
    import dataclasses

    from tmekg.queries.reaction_groups import reaction_groups

    groups = reaction_groups(kg)
    edges: dict[tuple[str, str, str], DisplayEdge] = {}
    for item in drawn:
        subject, obj = groups.key(item.edge.subject), groups.key(item.edge.object)
        edge = dataclasses.replace(item.edge, subject=subject, object=obj)
        edges.setdefault((subject, edge.predicate, obj), dataclasses.replace(item, edge=edge))
    present: dict[str, int] = {}
    for n in ids:
        present[groups.key(n)] = present.get(groups.key(n), 0) + 1
    nodes = []
    for key in sorted(present):
        node, group = kg.node(key), groups.group(key)
        if group is not None and present[key] > 1:
            node = dataclasses.replace(node, name=f"{group.name} ({present[key]} reactions)")
        nodes.append(node)
    return tuple(nodes), list(edges.values())


def _find_edges(kg: KnowledgeGraph, triple: tuple[str, str, str]) -> list[Edge]:
    import numpy as np

    subject, predicate, obj = triple
    load_schema().predicate(predicate)
    s_row, o_row = kg.row(subject), kg.row(obj)
    index = kg.edge_index
    candidates = np.flatnonzero(np.asarray(index[:, 0]) == s_row)
    rows = [int(i) for i in candidates if index[i, 1] == o_row and kg.predicates[index[i, 2]] == predicate]
    if not rows:
        raise DisplayError(f"no edge {subject} -{predicate}-> {obj} in the graph")
    return [kg.edge(i) for i in rows]


def _display_edges(kg: KnowledgeGraph, rows: Iterable[int]) -> tuple[DisplayEdge, ...]:
    import math

    out = []
    for i in rows:
        score = float(kg.edge_score[i])
        weight = None if math.isnan(score) else score
        out.append(DisplayEdge(kg.edge(int(i)), int(kg.edge_sign[i]), weight))
    return tuple(out)


def _caption(nodes: int, edges: int, what: str) -> str:
    return f"{nodes} nodes and {edges} edges: {what}."


def force_layout(view: DisplayGraph, iterations: int = 50, seed: int = 7, sample: int = 1000) -> np.ndarray:
    """Fruchterman-Reingold positions in pixels, deterministic for a seed.

    Repulsion is computed against all nodes, or a fresh random sample of ``sample`` nodes per
    iteration in larger views (scaled up to match), so one iteration costs about ``n * sample``.
    """
    import numpy as np

    n = len(view.nodes)
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1.0, 1.0, (n, 2)).astype(np.float32)
    row = {node.id: i for i, node in enumerate(view.nodes)}
    pairs = np.array([(row[d.edge.subject], row[d.edge.object]) for d in view.edges], dtype=np.int64)
    src, dst = pairs.reshape(-1, 2).T
    k2 = np.float32(4.0 / max(n, 1))  # squared ideal distance in the [-1, 1] square
    for step in range(iterations):
        others = pos if n <= sample else pos[rng.choice(n, sample, replace=False)]
        scale = k2 * n / len(others)
        disp = np.empty_like(pos)
        for lo in range(0, n, 2048):  # repulsion k^2 / d along (p_i - p_j), block by block
            block = pos[lo : lo + 2048]
            dx = block[:, :1] - others[:, 0]
            dy = block[:, 1:] - others[:, 1]
            inv = 1.0 / np.maximum(dx * dx + dy * dy, 1e-6)
            disp[lo : lo + 2048, 0] = scale * (dx * inv).sum(1)
            disp[lo : lo + 2048, 1] = scale * (dy * inv).sum(1)
        delta = pos[src] - pos[dst]  # attraction d^2 / k along edges
        pull = delta * np.sqrt((delta * delta).sum(1, keepdims=True) / k2)
        np.subtract.at(disp, src, pull)
        np.add.at(disp, dst, pull)
        disp -= pos * np.float32(np.sqrt(k2 * n))  # weak gravity keeps components together
        length = np.maximum(np.sqrt((disp * disp).sum(1, keepdims=True)), 1e-9)
        pos += disp / length * np.minimum(length, 0.1 * (1 - step / iterations) + 0.005)
    pos -= pos.mean(axis=0)
    return pos / (np.abs(pos).max() or 1.0) * (60.0 * np.sqrt(n))


LegendRow = tuple[str, Mapping[str, Any], str, str]  # kind (node / edge / note), style, label, count


def legend_entries(view: DisplayGraph) -> list[tuple[str, list[LegendRow]]]:
    """Legend sections for what ``view`` shows: categories, edge signs / crosstalk modes, notes."""
    schema = load_schema()
    counts = Counter(n.category for n in view.nodes)
    order = [c for c in schema.categories if c in counts] + sorted(set(counts) - set(schema.categories))
    nodes: list[LegendRow] = [("node", category_style(c), c, str(counts[c])) for c in order]
    edges: list[LegendRow] = []
    for sign, style in DISPLAY["signs"].items():
        shown = [d for d in view.edges if d.mode is None and d.sign == sign]
        if shown:
            names = ", ".join(sorted({d.edge.predicate for d in shown}))
            edges.append(("edge", style, f"{style['label']}: {names}", str(len(shown))))
    for mode, style in DISPLAY["modes"].items():
        shown = [d for d in view.edges if d.mode == mode]
        if shown:
            edges.append(("edge", {**style, "arrow": "arrow"}, style["label"], str(len(shown))))
    notes: list[LegendRow] = []
    if any(d.weight is not None for d in view.edges):
        weights = [d.weight for d in view.edges if d.weight is not None]
        notes.append(
            ("note", {}, f"edge width \u221d score / weight ({min(weights):.3g}\u2013{max(weights):.3g})", "")
        )
    if view.focus:
        notes.append(("note", {}, "bold outline: focus node(s)", ""))
    return [("Nodes", nodes), ("Edges", edges), *([("Notes", notes)] if notes else [])]


def category_style(category: str) -> Mapping[str, Any]:
    """Colour, shape and size of a category (a neutral style for categories added later)."""
    neutral = {"color": "#BBBBBB", "shape": "dot", "size": 10, "emphasis": 0.0}
    return DISPLAY["categories"].get(category, neutral)
