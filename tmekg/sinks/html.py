"""Interactive, self-contained HTML views of display graphs (vis-network inlined; works offline).

The page inlines vis-network's JavaScript and CSS, read from the installed ``pyvis`` package
(``pyvis/templates/lib/vis-9.x/``), and nothing else: pyvis' own writer is not used because its
``cdn_resources="in_line"`` template still links Bootstrap from a CDN, and its default ``"local"``
mode copies a ``lib/`` folder into the working directory. All text reaches the page as JSON with
``<``, ``>`` and ``&`` escaped, and tooltips are built with DOM text nodes (never ``innerHTML``), so
names cannot inject markup. Up to :data:`PHYSICS_MAX_NODES` nodes, the browser lays the graph out with
bounded force-directed stabilisation and then switches physics off; larger graphs get positions
computed here (:func:`force_layout`) and no physics at all, which keeps ~2,000 nodes responsive.

Examples
--------
>>> import tmekg
>>> from tmekg.display import around
>>> kg = tmekg.open()                                           # doctest: +SKIP
>>> write_html(around(kg, "NT5E"), "nt5e.html").summary()        # doctest: +SKIP
'wrote nt5e.html: 15 nodes, 14 edges (browser physics)'
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tmekg.atomic import write_text
from tmekg.display import DISPLAY, MAX_NODES, DisplayEdge, DisplayGraph, category_style, force_layout
from tmekg.errors import TmekgError
from tmekg.model import Edge, Node
from tmekg.sinks.html_page import PAGE, darker, legend_html

if TYPE_CHECKING:
    from tmekg.graph import KnowledgeGraph

#: Above this many nodes, positions are computed in Python and browser physics is off.
PHYSICS_MAX_NODES = 500
#: Upper bound of the browser's force-directed stabilisation iterations (then physics stops).
STABILIZATION_ITERATIONS = 300


@dataclass(frozen=True)
class HtmlResult:
    """What was written: path, counts and whether the browser runs the layout physics."""

    path: Path
    nodes: int
    edges: int
    physics: bool

    def summary(self) -> str:
        """One line for the CLI."""
        layout = "browser physics" if self.physics else "precomputed layout"
        return f"wrote {self.path}: {self.nodes} nodes, {self.edges} edges ({layout})"


def export_html(
    out: str | Path,
    store: str | Path | None = None,
    around: str | None = None,
    depth: int = 1,
    crosstalk: bool = False,
    sender: str | None = None,
    receiver: str | None = None,
    max_nodes: int = MAX_NODES,
    force: bool = False,
    title: str | None = None,
    caption: str | None = None,
) -> HtmlResult:
    """``tmekg export html``: build the chosen display graph from a store and write the page."""
    from tmekg import display
    from tmekg.graph import KnowledgeGraph

    if around and (crosstalk or sender or receiver):
        raise TmekgError("choose one focus: --around, or --crosstalk with --sender / --receiver")
    with KnowledgeGraph.open(store) as kg:
        if crosstalk or sender or receiver:
            view = display.crosstalk(kg, sender, receiver, max_nodes, force)
        elif around:
            view = display.around(kg, around, depth, max_nodes, force)
        else:
            view = display.whole_graph(kg, max_nodes, force)
    if title or caption:
        view = DisplayGraph(view.nodes, view.edges, title or view.title, caption or view.caption, view.focus)
    return write_html(view, out)


def combination_html(
    kg: KnowledgeGraph,
    node_ids: Iterable[str],
    edges: Sequence[Edge | tuple[str, str, str]],
    weights: Sequence[float] | None,
    out: str | Path,
    title: str = "Why this combination?",
    caption: str = "",
    focus: Iterable[str] = (),
) -> HtmlResult:
    """Write the explanation subgraph of a combination score: edge width = per-edge weight.

    ``edges`` are edge records or ``(subject, predicate, object)`` triples, ``weights`` one number per
    edge (e.g. path contributions); ``focus`` ids (target, immunotherapy) are drawn with a bold outline.

    >>> combination_html(kg, ["HGNC.SYMBOL:NT5E"], [("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335")],
    ...                  [0.8], "why.html", focus=["HGNC.SYMBOL:NT5E"])   # doctest: +SKIP
    """
    from tmekg.display import explanation

    return write_html(explanation(kg, node_ids, edges, weights, title, caption, focus), out)


def write_html(view: DisplayGraph, out: str | Path, physics_max_nodes: int = PHYSICS_MAX_NODES) -> HtmlResult:
    """Render ``view`` into one self-contained HTML file at ``out``."""
    path = Path(out)
    physics = len(view.nodes) <= physics_max_nodes
    text = render_page(view, physics)
    write_text(path, text)  # temporary file + rename: never a half-written page
    return HtmlResult(path, len(view.nodes), len(view.edges), physics)


def render_page(view: DisplayGraph, physics: bool) -> str:
    """The complete HTML text of the page."""
    js, css = vis_assets()
    data = {
        "nodes": _nodes(view, physics),
        "edges": _edges(view, physics),
        "physics": physics,
        "options": _options(len(view.nodes), physics),
    }
    fields = {
        "title": html.escape(view.title),
        "caption": html.escape(view.caption),
        "legend": legend_html(view),
        "vis_css": css,
        "vis_js": js,
        "data": script_json(data),
        "footer": html.escape(_footer(view, physics)),
    }
    return re.sub(r"@@(\w+)@@", lambda m: fields[m.group(1)], PAGE)


def vis_assets() -> tuple[str, str]:
    """vis-network's minified JavaScript and CSS from the installed pyvis (newest vis-9.x it ships)."""
    spec = importlib.util.find_spec("pyvis")  # locate the package without importing it (IPython, jinja2)
    lib = Path(next(iter(spec.submodule_search_locations or ()), "")) / "templates" / "lib" if spec else None
    found = lib.glob("vis-9*") if lib and lib.is_dir() else ()
    folders = sorted(found, key=lambda p: _version(p.name))
    if not folders:
        raise TmekgError("pyvis does not ship vis-network 9.x (templates/lib/vis-9.*); reinstall pyvis")
    folder = folders[-1]
    js = (folder / "vis-network.min.js").read_text("utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)  # devtools would look for the map next to the page
    return js, (folder / "vis-network.css").read_text("utf-8")


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", name))


def script_json(data: Any) -> str:
    """JSON safe to embed in a ``<script>`` element (no ``</script>``, comment or entity tricks)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


# -- nodes and edges ----------------------------------------------------------------------------
def _nodes(view: DisplayGraph, physics: bool) -> list[dict[str, Any]]:
    positions = None if physics else force_layout(view)
    focus = set(view.focus)
    growth = min(max((len(view.nodes) / 50) ** 0.5, 1.0), 3.5)  # label growth in large views
    out = []
    for i, node in enumerate(view.nodes):
        style = category_style(node.category)
        item: dict[str, Any] = {
            "id": node.id,
            "label": _short(node.name, 40),
            "shape": style["shape"],
            "size": style["size"] * (1.35 if node.id in focus else 1),
            "color": _node_colour(style["color"]),
            "borderWidth": 4 if node.id in focus else 1.5,
            "font": {"size": round(14 * (1 + style["emphasis"] * (growth - 1)), 1)},
            "widthConstraint": {"maximum": round(150 * (1 + style["emphasis"] * (growth - 1)))},
            "tip": node_tip(node),
        }
        if node.id in focus:
            item["color"]["border"] = "#111111"
            item["font"]["size"] += 2
        if positions is not None:
            item["x"], item["y"] = (round(float(v), 1) for v in positions[i])
        out.append(item)
    return out


def _node_colour(colour: str) -> dict[str, Any]:
    border = darker(colour)
    return {
        "background": colour,
        "border": border,
        "highlight": {"background": colour, "border": "#000000"},
        "hover": {"background": colour, "border": "#000000"},
    }


def _edges(view: DisplayGraph, physics: bool) -> list[dict[str, Any]]:
    names = {n.id: n.name for n in view.nodes}
    widths = _widths([d.weight for d in view.edges])
    parallel: Counter[frozenset[str]] = Counter()
    out = []
    for k, item in enumerate(view.edges):
        edge = item.edge
        style = DISPLAY["modes"].get(item.mode) or DISPLAY["signs"][item.sign]
        colour = style["color"]
        arrow = DISPLAY["signs"][item.sign]["arrow"] if item.mode is None else "arrow"
        entry: dict[str, Any] = {
            "id": k,
            "from": edge.subject,
            "to": edge.object,
            "width": widths[k],
            "color": {"color": colour, "highlight": colour, "hover": colour, "opacity": 0.85},
            "arrows": {"to": {"enabled": True, "type": arrow, "scaleFactor": 0.7}},
            "dashes": bool(style.get("dashes", False)),
            "tip": edge_tip(item, names),
        }
        if item.label:
            entry["label"] = _short(item.label, 28)
        pair = frozenset((edge.subject, edge.object))
        if parallel[pair] and physics:  # fan parallel edges out instead of drawing them on top
            entry["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.18 * parallel[pair]}
        parallel[pair] += 1
        out.append(entry)
    return out


def _widths(weights: Sequence[float | None]) -> list[float]:
    """Edge widths 1.5 (no weight) or 1-7 scaled linearly between the smallest and largest weight."""
    known = [w for w in weights if w is not None]
    if not known:
        return [1.5] * len(weights)
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return [
        1.5 if w is None else round(1 + 6 * ((w - low) / span if high > low else 0.5), 2) for w in weights
    ]


# -- tooltips: rows of [key or None, [[text, url or None], ...]] rendered as DOM text by the page ---
def node_tip(node: Node) -> list[list[Any]]:
    """Tooltip rows of a node: name, category, id, synonyms, xrefs, properties, sources, evidence."""
    from tmekg.model import evidence_of

    rows: list[list[Any]] = [[None, [[node.name, None]]], ["category", [[node.category, None]]]]
    rows.append(["id", [[node.id, _iri(node.id)]]])
    _add(rows, "synonyms", [[s, None] for s in node.synonyms], limit=8)
    _add(rows, "xrefs", [[x, _iri(x)] for x in node.xrefs], limit=10)
    for key, value in node.properties:
        _add(rows, key, [[_text(value), None]])
    _add(rows, "sources", [[f"{p.source} {p.version}", None] for p in node.provenance])
    _add(rows, "evidence", [_evidence(e) for e in evidence_of(node.provenance)], limit=12)
    return rows


def edge_tip(item: DisplayEdge, names: dict[str, str]) -> list[list[Any]]:
    """Tooltip rows of an edge: the statement, sign, properties, weight and each provenance entry."""
    edge = item.edge
    subject, obj = names.get(edge.subject, edge.subject), names.get(edge.object, edge.object)
    sign = f"{item.sign:+d}" if item.sign else "0"
    rows: list[list[Any]] = [[None, [[f"{subject} \u2014{edge.predicate}\u2192 {obj}", None]]]]
    rows.append(["sign", [[sign, None]]])
    for key, value in edge.properties:
        _add(rows, key, [[_text(value), None]])
    if item.weight is not None:
        rows.append(["weight", [[f"{item.weight:.4g}", None]]])
    for p in edge.provenance:
        status = "" if p.status == "verified" else f" ({p.status})"
        rows.append(["source", [[f"{p.source} {p.version}{status}", None]]])
        _add(rows, "evidence", [_evidence(e) for e in p.evidence], limit=12)
        _add(rows, "context", [[names.get(c, c), None] for c in p.context])
        _add(rows, "record", [[p.record, None]] if p.record else [])
    return rows


def _add(rows: list[list[Any]], key: str, items: list[list[Any]], limit: int = 0) -> None:
    if not items:
        return
    if limit and len(items) > limit:
        items = [*items[:limit], [f"\u2026 {len(items) - limit} more", None]]
    rows.append([key, [[_short(text, 200), url] for text, url in items]])


def _evidence(curie: str) -> list[Any]:
    prefix, _, local = curie.partition(":")
    template = DISPLAY["links"].get(prefix)
    return [curie, _safe_url(template.format(local)) if template else _iri(curie)]


def _iri(curie: str) -> str | None:
    from tmekg.ids import converter

    try:
        return _safe_url(converter().expand(curie))
    except Exception:  # unknown prefix or malformed CURIE: show it without a link
        return None


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links reach the page."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def _text(value: Any) -> str:
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# -- layout and options -------------------------------------------------------------------------
def _options(n: int, physics: bool) -> dict[str, Any]:
    font = {"size": 14, "face": "Liberation Sans, Arial, Helvetica, sans-serif", "color": "#1d1d1d"}
    options: dict[str, Any] = {
        "nodes": {"font": {**font, "strokeWidth": 4, "strokeColor": "#ffffff"}},
        "edges": {
            "font": {**font, "size": 11, "color": "#444444", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "selectionWidth": 2,
            "smooth": {"enabled": True, "type": "continuous", "roundness": 0.25} if physics else False,
        },
        "interaction": {
            "hover": n <= PHYSICS_MAX_NODES,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": not physics,
            "hideEdgesOnZoom": not physics,
            "multiselect": True,
        },
        "layout": {"randomSeed": 7, "improvedLayout": n <= 100},
        "physics": False,
    }
    if physics:
        options["physics"] = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -120,
                "centralGravity": 0.01,
                "springLength": 150,
                "springConstant": 0.05,
                "avoidOverlap": 0.9,
            },
            "stabilization": {"enabled": True, "iterations": STABILIZATION_ITERATIONS, "updateInterval": 25},
            "minVelocity": 1.0,
        }
    return options


# -- page -----------------------------------------------------------------------------------------
def _footer(view: DisplayGraph, physics: bool) -> str:
    from tmekg import __version__
    from tmekg.schema import load_schema

    layout = (
        f"force-directed layout in the browser (at most {STABILIZATION_ITERATIONS} iterations, then frozen)"
        if physics
        else f"precomputed layout, physics off (more than {PHYSICS_MAX_NODES} nodes)"
    )
    return f"tmekg {__version__} \u00b7 schema {load_schema().version} \u00b7 {layout}"
