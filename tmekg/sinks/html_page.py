"""The page template of :mod:`tmekg.sinks.html`: HTML, CSS and the small script around vis-network.

Fields are written ``@@name@@`` and filled in one pass by :func:`tmekg.sinks.html.render_page`:
``title`` and ``caption`` (HTML-escaped), ``legend`` (HTML built from escaped text), ``vis_css`` and
``vis_js`` (from pyvis), ``data`` (script-safe JSON) and ``footer`` (escaped). The script builds
tooltips with DOM text nodes only, pins details on click, opens at ``#NODE-ID`` if given, and, once
the network is drawn (after stabilisation when physics is on), writes counts into the hidden
``#tmekg-status`` element: nodes and edges in the data sets, nodes and edges drawn, nodes with finite
positions, resources fetched and images in the document (both 0 for a self-contained, inert page).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from tmekg.display import DisplayGraph, legend_entries


def legend_html(view: DisplayGraph) -> str:
    """The legend panel: categories, edge signs / crosstalk modes and notes present in ``view``."""
    parts = []
    for section, rows in legend_entries(view):
        parts.append(f"<h2>{html.escape(section)}</h2>")
        for kind, style, label, count in rows:
            swatch = _node_svg(style) if kind == "node" else _edge_svg(style) if kind == "edge" else ""
            parts.append(
                f'<div class="row">{swatch}<span>{html.escape(label)}</span>'
                f'<span class="count">{html.escape(count)}</span></div>'
            )
    return "\n".join(parts)


_SHAPES = {  # 20x20 SVG bodies of vis-network shapes for the legend
    "dot": '<circle cx="10" cy="10" r="7"/>',
    "square": '<rect x="3.5" y="3.5" width="13" height="13"/>',
    "diamond": '<polygon points="10,1.5 18.5,10 10,18.5 1.5,10"/>',
    "triangle": '<polygon points="10,2 18.5,17 1.5,17"/>',
    "triangleDown": '<polygon points="1.5,3 18.5,3 10,18"/>',
    "hexagon": '<polygon points="5.5,2.2 14.5,2.2 19,10 14.5,17.8 5.5,17.8 1,10"/>',
    "star": (
        '<polygon points="10,1 12.4,7.2 19,7.3 13.8,11.4 15.6,18 10,14.2 4.4,18 6.2,11.4 1,7.3 7.6,7.2"/>'
    ),
}


def _node_svg(style: Mapping[str, Any]) -> str:
    body = _SHAPES.get(style["shape"], _SHAPES["dot"])
    fill, stroke = html.escape(style["color"]), darker(style["color"])
    return f'<svg width="20" height="20" fill="{fill}" stroke="{stroke}" stroke-width="1.5">{body}</svg>'


def _edge_svg(style: Mapping[str, Any]) -> str:
    colour = html.escape(style["color"])
    dash = ' stroke-dasharray="4 3"' if style.get("dashes") else ""
    head = (
        f'<line x1="33" y1="3" x2="33" y2="13" stroke="{colour}" stroke-width="3"/>'
        if style.get("arrow") == "bar"
        else f'<polygon points="26,3 35,8 26,13" fill="{colour}"/>'
    )
    line = f'<line x1="1" y1="8" x2="31" y2="8" stroke="{colour}" stroke-width="2.5"{dash}/>'
    return f'<svg width="36" height="16">{line}{head}</svg>'


def darker(colour: str, factor: float = 0.65) -> str:
    """A darker shade of a ``#rrggbb`` colour (borders, legend outlines)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{int(c * factor):02x}" for c in rgb)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tmekg">
<title>@@title@@</title>
<style>@@vis_css@@</style>
<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; color: #1d1d1d;
  font: 13px/1.4 "Liberation Sans", Arial, Helvetica, sans-serif; }
header { padding: 10px 18px 8px; border-bottom: 1px solid #d8d8d8; }
h1 { font-size: 21px; margin: 0 0 3px; }
.caption { margin: 0; color: #4a4a4a; max-width: 1100px; }
main { flex: 1; display: flex; min-height: 0; }
#network { flex: 1; min-width: 0; background: #ffffff; }
aside { width: 275px; padding: 4px 14px 12px; border-left: 1px solid #d8d8d8; background: #f7f7f7;
  overflow-y: auto; }
aside h2 { font-size: 13px; margin: 12px 0 5px; text-transform: uppercase; letter-spacing: .04em;
  color: #555; }
.row { display: flex; align-items: center; gap: 8px; margin: 2px 0; }
.row svg { flex: none; }
.count { margin-left: auto; color: #777; }
#details { font-size: 12px; overflow-wrap: anywhere; }
#details .hint { color: #777; }
footer { padding: 4px 18px; border-top: 1px solid #e4e4e4; color: #666; font-size: 11px; }
div.vis-tooltip { max-width: 430px; white-space: normal; font: 12px/1.35 "Liberation Sans", Arial,
  sans-serif; background: #fffef6; border: 1px solid #b8b39a; padding: 6px 8px;
  box-shadow: 2px 2px 8px rgba(0, 0, 0, .18); }
.tip-head { font-weight: bold; font-size: 13px; margin-bottom: 2px; }
.tip-key { color: #666; }
a { color: #0b62a4; }
</style></head>
<body>
<header><h1>@@title@@</h1><p class="caption">@@caption@@</p></header>
<main><div id="network"></div>
<aside>@@legend@@
<h2>Details</h2><div id="details"><span class="hint">Hover for a summary; click a node or an edge
to pin its details here (links open PubMed / DOI).</span></div></aside></main>
<footer><span id="progress"></span> @@footer@@</footer>
<div id="tmekg-status" hidden data-state="loading"></div>
<script>@@vis_js@@</script>
<script>
(function () {
  "use strict";
  var DATA = @@data@@;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function tip(rows) {  // rows: [key or null, [[text, url or null], ...]]; text stays text
    var box = el("div", "tip");
    rows.forEach(function (row, r) {
      var line = el("div", r === 0 ? "tip-head" : "tip-row");
      if (row[0]) { line.appendChild(el("span", "tip-key", row[0] + ": ")); }
      row[1].forEach(function (item, i) {
        if (i) { line.appendChild(document.createTextNode(", ")); }
        if (item[1]) {
          var a = el("a", null, item[0]);
          a.href = item[1]; a.target = "_blank"; a.rel = "noopener noreferrer";
          line.appendChild(a);
        } else { line.appendChild(document.createTextNode(item[0])); }
      });
      box.appendChild(line);
    });
    return box;
  }
  var rows = {};
  DATA.nodes.forEach(function (n) { rows["n" + n.id] = n.tip; n.title = tip(n.tip); delete n.tip; });
  DATA.edges.forEach(function (e) { rows["e" + e.id] = e.tip; e.title = tip(e.tip); delete e.tip; });
  var nodes = new vis.DataSet(DATA.nodes), edges = new vis.DataSet(DATA.edges);
  var network = new vis.Network(document.getElementById("network"), {nodes: nodes, edges: edges},
                                DATA.options);
  var details = document.getElementById("details");
  function show(key) {
    if (!rows[key]) { return; }
    details.replaceChildren(tip(rows[key]));
  }
  network.on("click", function (p) {
    if (p.nodes.length) { show("n" + p.nodes[0]); } else if (p.edges.length) { show("e" + p.edges[0]); }
  });
  var progress = document.getElementById("progress");
  network.on("stabilizationProgress", function (p) {
    progress.textContent = "laying out " + p.iterations + "/" + p.total + " \u00b7";
  });
  var stable = !DATA.physics, done = false;
  network.on("stabilizationIterationsDone", function () {
    network.setOptions({physics: false});
    progress.textContent = "";
    stable = true;
    network.fit();
  });
  function ready() {
    var wanted = decodeURIComponent(location.hash.slice(1));
    if (wanted && nodes.get(wanted)) { network.selectNodes([wanted]); show("n" + wanted); }
    var s = document.getElementById("tmekg-status"), pos = network.getPositions();
    s.dataset.nodes = nodes.length;
    s.dataset.edges = edges.length;
    s.dataset.drawnNodes = network.body.nodeIndices.length;
    s.dataset.drawnEdges = network.body.edgeIndices.length;
    s.dataset.positioned = Object.keys(pos).filter(function (k) {
      return isFinite(pos[k].x) && isFinite(pos[k].y);
    }).length;
    s.dataset.resources = performance.getEntriesByType("resource").length;
    s.dataset.images = document.images.length;
    s.dataset.title = document.title;
    s.dataset.details = details.textContent;
    s.dataset.state = "ready";
  }
  network.on("afterDrawing", function () {
    if (stable && !done) { done = true; ready(); }
  });
}());
</script>
</body></html>
"""
