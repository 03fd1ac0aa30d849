"""Interactive HTML export: display subgraphs, styling data, safety, offline page, and a real browser.

The browser tests open each page in headless Chromium (``tests/browser.py``), read back how many nodes
and edges vis-network drew, compare with the export, and save screenshots to ``artifacts/``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from browser import page_status, png_size, screenshot
from typer.testing import CliRunner

from tmekg import display
from tmekg.build import build_records
from tmekg.cli.export import export_app
from tmekg.display import DISPLAY, DisplayEdge, DisplayError, DisplayGraph
from tmekg.graph import KnowledgeGraph
from tmekg.model import Edge, Node, Provenance, props
from tmekg.pipeline import CURATED, build_store
from tmekg.schema import load_schema
from tmekg.sinks import html as html_sink
from tmekg.sinks.html_page import legend_html
from tmekg.store import write_store

runner = CliRunner()
XSS = "<img src=x onerror=\"document.title='pwned'\"></script><script>document.title='pwned2'</script>"
CAF, PDAC, CD8, MAC = "TMEKG:cell.caf", "TMEKG:cell.pdac", "CL:0000625", "CL:0000235"
LAC, GLN, ADO = "CHEBI:422", "CHEBI:18050", "CHEBI:16335"


def _edge(s: str, p: str, o: str, score: float | None = None, **properties: object) -> Edge:
    prov = Provenance("tmekg-test", "1", ("PMID:111", "DOI:10.1000/abc"), score=score)
    return Edge(s, p, o, (prov,), props(properties))


def crosstalk_records() -> list[Node | Edge]:
    """Five cell types (one unconnected), four metabolites (one named hostile), three crosstalk edges."""
    cell = {"compartment": "stromal"}
    nodes = [
        Node(CAF, "CellType", "cancer-associated fibroblast", properties=props(cell)),
        Node(PDAC, "CellType", "PDAC cell", properties=props(compartment="neoplastic")),
        Node(CD8, "CellType", "CD8 T cell", properties=props(compartment="immune")),
        Node(MAC, "CellType", "macrophage", properties=props(compartment="immune")),
        Node("CL:0000236", "CellType", "B cell", properties=props(compartment="immune")),
        Node(LAC, "Metabolite", "lactate"),
        Node(GLN, "Metabolite", "glutamine"),
        Node(ADO, "Metabolite", "adenosine"),
        Node("TMEKG:xss", "Metabolite", XSS),
    ]
    edges = [
        _edge(CAF, "crosstalk", PDAC, 0.9, metabolite=LAC, mode="supply", p_value=0.01),
        _edge(PDAC, "crosstalk", CD8, 0.3, metabolite=GLN, mode="depletion"),
        _edge(CAF, "crosstalk", MAC, metabolite=ADO, mode="supply"),
        _edge(CAF, "secretes", LAC),
        _edge(CAF, "secretes", ADO),
        _edge(CAF, "secretes", "TMEKG:xss"),
        _edge(PDAC, "takes_up", LAC),
        _edge(PDAC, "takes_up", GLN),
        _edge(CD8, "takes_up", GLN),
        _edge(MAC, "takes_up", LAC),
    ]
    return [*nodes, *edges]


@pytest.fixture(scope="module")
def talk_kg(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("crosstalk") / "store"
    write_store(build_records([("tmekg-test", crosstalk_records())], strict=True), root)
    with KnowledgeGraph.open(root) as kg:
        yield kg


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory, fixtures: Path) -> Path:
    root = tmp_path_factory.mktemp("small") / "store"
    build_store(store=root, sources=[CURATED], kb=fixtures / "kb_small")
    return root


@pytest.fixture(scope="module")
def curated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("curated") / "store"
    build_store(store=root, sources=[CURATED])
    return root


def page_data(text: str) -> dict:
    """The JSON payload the page hands to vis-network."""
    return json.loads(re.search(r"var DATA = (\{.*?\});\n", text).group(1))


# -- display config and subgraphs ---------------------------------------------------------------
def test_display_config_covers_the_schema() -> None:
    schema = load_schema()
    assert set(DISPLAY["categories"]) == set(schema.categories)
    for style in DISPLAY["categories"].values():
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", style["color"]) and style["size"] > 0
        assert f'"{style["shape"]}"' in Path(html_sink.__file__).with_name("html_page.py").read_text()
    assert len({(s["color"], s["shape"]) for s in DISPLAY["categories"].values()}) == len(schema.categories)
    assert set(DISPLAY["signs"]) == {-1, 0, 1}
    signs = {p.sign for p in schema.predicates.values()} | {
        v for p in schema.predicates.values() for v in p.sign_map.values()
    }
    assert signs <= set(DISPLAY["signs"])
    talk = schema.predicate(DISPLAY["views"]["crosstalk"])
    assert set(DISPLAY["modes"]) == set(talk.properties["mode"].values)
    assert "metabolite" in talk.properties and talk.subject == talk.object
    for role in ("supply", "uptake"):
        exchange = schema.predicate(DISPLAY["views"][role])
        assert exchange.subject == talk.subject
    assert schema.predicate(DISPLAY["views"]["supply"]).sign == 1
    assert schema.predicate(DISPLAY["views"]["uptake"]).sign == -1


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_around_selects_the_neighbourhood(small_store: Path, depth: int) -> None:
    with KnowledgeGraph.open(small_store) as kg:
        view = display.around(kg, "CD73", depth)
        nodes, edges = kg.neighbourhood("HGNC.SYMBOL:NT5E", depth)
        assert [n.id for n in view.nodes] == [n.id for n in nodes]
        assert sorted(d.edge.key() for d in view.edges) == sorted(e.key() for e in edges)
        assert view.focus == ("HGNC.SYMBOL:NT5E",) and "NT5E" in view.title
    assert len(view.edges) == {0: 0, 1: 2, 2: 4}[depth]


def test_size_guard_refuses_large_views_unless_forced(small_store: Path, tmp_path: Path) -> None:
    with KnowledgeGraph.open(small_store) as kg:
        with pytest.raises(DisplayError, match="5 nodes, more than the limit of 3"):
            display.around(kg, "NT5E", 2, max_nodes=3)
        assert len(display.around(kg, "NT5E", 2, max_nodes=3, force=True).nodes) == 5
        with pytest.raises(DisplayError, match="--force"):
            display.whole_graph(kg, max_nodes=5)
    out = tmp_path / "all.html"
    args = ["html", str(out), "--store", str(small_store), "--max-nodes", "5"]
    refused = runner.invoke(export_app, args)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1 and "--force" in refused.output
    assert not out.exists()
    forced = runner.invoke(export_app, [*args, "--force"])
    assert forced.exit_code == 0 and "6 nodes, 5 edges" in forced.output and out.exists()
    both = runner.invoke(export_app, [*args, "--around", "NT5E", "--sender", "CD8 T cell"])
    assert both.exit_code == 1 and "choose one focus" in both.output


def test_crosstalk_views(talk_kg: KnowledgeGraph) -> None:
    def shown(view: DisplayGraph) -> set[tuple[str, str, str]]:
        return {(d.edge.subject, d.edge.predicate, d.edge.object) for d in view.edges}

    everything = display.crosstalk(talk_kg)
    assert len(everything.edges) == 10 and len(everything.nodes) == 8
    caf = display.crosstalk(talk_kg, sender="cancer-associated fibroblast")
    assert shown(caf) == {
        (CAF, "crosstalk", PDAC),
        (CAF, "crosstalk", MAC),
        (CAF, "secretes", LAC),
        (CAF, "secretes", ADO),
        (CAF, "secretes", "TMEKG:xss"),
        (PDAC, "takes_up", LAC),
        (MAC, "takes_up", LAC),
    }
    labels = {(d.edge.object, d.mode, d.label) for d in caf.edges if d.mode}
    assert labels == {(PDAC, "supply", "lactate"), (MAC, "supply", "adenosine")}
    pair = display.crosstalk(talk_kg, sender="PDAC cell", receiver="CD8 T cell")
    assert shown(pair) == {
        (PDAC, "crosstalk", CD8),
        (PDAC, "takes_up", LAC),
        (PDAC, "takes_up", GLN),
        (CD8, "takes_up", GLN),
    }
    assert [d.mode for d in pair.edges if d.mode] == ["depletion"] and pair.focus == (PDAC, CD8)
    to_mac = display.crosstalk(talk_kg, receiver="macrophage")
    assert shown(to_mac) == {
        (CAF, "crosstalk", MAC),
        (MAC, "takes_up", LAC),
        (CAF, "secretes", LAC),
        (PDAC, "takes_up", LAC),
    }
    with pytest.raises(DisplayError, match="not a CellType"):
        display.crosstalk(talk_kg, sender="lactate")
    unrelated = display.crosstalk(talk_kg, sender="CD8 T cell", receiver="macrophage")
    assert shown(unrelated) == {(CD8, "takes_up", GLN), (MAC, "takes_up", LAC)}  # their own edges only
    with pytest.raises(DisplayError, match="no crosstalk"):
        display.crosstalk(talk_kg, sender="B cell")


def test_crosstalk_view_of_the_curated_kb_uses_secretes_and_takes_up(curated_store: Path) -> None:
    with KnowledgeGraph.open(curated_store) as kg:
        view = display.crosstalk(
            kg, sender="cancer-associated fibroblast", receiver="CD8-positive, alpha-beta T cell"
        )
    predicates = {d.edge.predicate for d in view.edges}
    assert predicates <= {"secretes", "takes_up", "crosstalk"} and {"secretes", "takes_up"} <= predicates
    names = {n.name for n in view.nodes}
    assert "acetic acid" in names  # CAFs secrete acetate, CD8 T cells take it up


# -- page content -------------------------------------------------------------------------------
def test_page_styles_edges_by_sign_mode_and_weight(talk_kg: KnowledgeGraph, tmp_path: Path) -> None:
    view = display.crosstalk(talk_kg)
    result = html_sink.write_html(view, tmp_path / "talk.html")
    assert (result.nodes, result.edges, result.physics) == (8, 10, True)
    data = page_data(result.path.read_text(encoding="utf-8"))
    by_pair = {(e["from"], e["to"]): e for e in data["edges"]}
    secretes, takes_up = by_pair[(CAF, LAC)], by_pair[(PDAC, GLN)]
    assert secretes["color"]["color"] == DISPLAY["signs"][1]["color"]
    assert takes_up["color"]["color"] == DISPLAY["signs"][-1]["color"]
    assert takes_up["arrows"]["to"]["type"] == "bar" and secretes["arrows"]["to"]["type"] == "arrow"
    supply, depletion = by_pair[(CAF, PDAC)], by_pair[(PDAC, CD8)]
    assert supply["color"]["color"] == DISPLAY["modes"]["supply"]["color"] and supply["label"] == "lactate"
    assert depletion["dashes"] is True and depletion["label"] == "glutamine"
    assert (supply["width"], depletion["width"], secretes["width"]) == (
        7.0,
        1.0,
        1.5,
    )  # scores 0.9 / 0.3 / none
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[CAF]["shape"] == DISPLAY["categories"]["CellType"]["shape"]
    assert nodes[LAC]["color"]["background"] == DISPLAY["categories"]["Metabolite"]["color"]
    legend = legend_html(view)
    assert "CellType" in legend and "crosstalk: supply" in legend and "secretes" in legend


def test_tooltips_carry_sources_evidence_links_and_stay_text(talk_kg: KnowledgeGraph, tmp_path: Path) -> None:
    text = html_sink.write_html(display.crosstalk(talk_kg), tmp_path / "t.html").path.read_text("utf-8")
    assert "<img src=x" not in text and "</script><script>document" not in text
    data = page_data(text)
    hostile = next(n for n in data["nodes"] if n["id"] == "TMEKG:xss")
    assert hostile["tip"][0] == [None, [[XSS, None]]]  # the exact text, shown as text by the page
    edge = next(e for e in data["edges"] if (e["from"], e["to"]) == (CAF, PDAC))
    rows = {row[0]: row[1] for row in edge["tip"]}
    assert rows["source"] == [["tmekg-test 1", None]]
    assert rows["evidence"] == [
        ["PMID:111", "https://pubmed.ncbi.nlm.nih.gov/111/"],
        ["DOI:10.1000/abc", "https://doi.org/10.1000/abc"],
    ]
    assert rows["metabolite"] == [[LAC, None]] and rows["sign"] == [["0", None]]
    caf = next(n for n in data["nodes"] if n["id"] == CAF)
    assert dict((r[0], r[1]) for r in caf["tip"])["id"] == [[CAF, "https://w3id.org/tmekg/cell.caf"]]
    assert "innerHTML" not in text.split("var DATA = ")[1]
    assert html_sink.script_json({"a": "</script><!--&"}) == '{"a":"\\u003c/script\\u003e\\u003c!--\\u0026"}'


def test_page_is_self_contained_and_writes_only_the_output(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    result = runner.invoke(export_app, ["html", "out.html", "--around", "NT5E", "--store", str(small_store)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in work.iterdir()) == ["out.html"]
    text = (work / "out.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", text, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text)
    js, css = html_sink.vis_assets()
    assert js in text and css in text and "sourceMappingURL" not in text
    assert "<title>Neighbourhood of NT5E (1 hop)</title>" in text


def test_combination_html_draws_weights_and_leaves_inputs_alone(small_store: Path, tmp_path: Path) -> None:
    node_ids = ["HGNC.SYMBOL:NT5E", "TMEKG:effect.cd8_effector_function"]
    edges = [
        ("HGNC.SYMBOL:NT5E", "produces", "CHEBI:16335"),
        ("CHEBI:16335", "decreases", "TMEKG:effect.cd8_effector_function"),
    ]
    weights = [0.2, 0.8]
    before = (list(node_ids), list(edges), list(weights))
    with KnowledgeGraph.open(small_store) as kg:
        count = kg.edge_count
        result = html_sink.combination_html(
            kg, node_ids, edges, weights, tmp_path / "why.html", focus=["NT5E"], caption="test"
        )
        assert kg.edge_count == count and len(kg.nx.edges) == count
        with pytest.raises(DisplayError, match="no edge"):
            display.explanation(kg, [], [("CHEBI:16335", "produces", "HGNC.SYMBOL:NT5E")])
        with pytest.raises(DisplayError, match="2 weights for 1 edges"):
            display.explanation(kg, [], edges[:1], [1.0, 2.0])
    assert (node_ids, edges, weights) == before
    assert (result.nodes, result.edges) == (3, 2)
    data = page_data(result.path.read_text(encoding="utf-8"))
    assert [e["width"] for e in data["edges"]] == [1.0, 7.0]
    assert [n["borderWidth"] for n in data["nodes"] if n["id"] == "HGNC.SYMBOL:NT5E"] == [4]


def synthetic_view(n: int) -> DisplayGraph:
    """A ring-of-stars display graph with ``n`` nodes and about ``2 n`` edges (no store needed)."""
    prov = (Provenance("synthetic", "1"),)
    categories = ["Gene", "Reaction", "Metabolite"]
    nodes = tuple(Node(f"TMEKG:n{i}", categories[i % 3], f"node {i}") for i in range(n))
    edges = []
    for i in range(n):
        for j in ((i + 1) % n, (i * 7 + 3) % n):
            if j != i:
                edges.append(DisplayEdge(Edge(nodes[i].id, "in_pathway", nodes[j].id, prov), (i % 3) - 1))
    return DisplayGraph(nodes, tuple(edges), f"{n} synthetic nodes", "layout test")


def test_large_views_get_a_precomputed_layout_without_physics(tmp_path: Path) -> None:
    view = synthetic_view(html_sink.PHYSICS_MAX_NODES + 100)
    result = html_sink.write_html(view, tmp_path / "big.html")
    assert not result.physics
    data = page_data(result.path.read_text(encoding="utf-8"))
    assert data["options"]["physics"] is False and data["options"]["edges"]["smooth"] is False
    xy = [(n["x"], n["y"]) for n in data["nodes"]]
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in xy) and len(set(xy)) == len(xy)
    small = html_sink.write_html(synthetic_view(50), tmp_path / "small.html")
    options = page_data(small.path.read_text(encoding="utf-8"))["options"]
    assert small.physics and options["physics"]["stabilization"]["iterations"] <= 300


# -- in a real browser --------------------------------------------------------------------------
def assert_drawn(status: dict[str, str], nodes: int, edges: int) -> None:
    assert status.get("state") == "ready", status
    assert int(status["nodes"]) == int(status["drawn-nodes"]) == int(status["positioned"]) == nodes
    assert int(status["edges"]) == int(status["drawn-edges"]) == edges
    assert status["resources"] == "0" and status["images"] == "0"


def test_browser_draws_the_crosstalk_view(talk_kg: KnowledgeGraph, tmp_path: Path) -> None:
    result = html_sink.write_html(display.crosstalk(talk_kg), tmp_path / "crosstalk.html")
    assert_drawn(page_status(result.path), result.nodes, result.edges)
    status = page_status(result.path, fragment="TMEKG:xss")
    assert status["title"] == "Metabolic crosstalk: all cell types"
    assert XSS in status["details"] and status["images"] == "0"
    assert png_size(screenshot(result.path, "html_crosstalk_fixture.png")) == (1400, 1000)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("html_curated_nt5e.png", ["--around", "NT5E", "--depth", "1"]),
        ("html_curated_crosstalk_caf.png", ["--crosstalk", "--sender", "cancer-associated fibroblast"]),
        ("html_curated_all.png", []),
    ],
)
def test_browser_draws_curated_views(curated_store: Path, tmp_path: Path, name: str, args: list[str]) -> None:
    out = tmp_path / "view.html"
    result = runner.invoke(export_app, ["html", str(out), *args, "--store", str(curated_store)])
    assert result.exit_code == 0, result.output
    nodes, edges = (int(x) for x in re.search(r"(\d+) nodes, (\d+) edges", result.output).groups())
    assert_drawn(page_status(out), nodes, edges)
    assert png_size(screenshot(out, name)) == (1400, 1000)


def test_browser_draws_two_thousand_nodes(tmp_path: Path) -> None:
    result = html_sink.write_html(synthetic_view(2000), tmp_path / "large.html")
    assert not result.physics
    assert_drawn(page_status(result.path), 2000, result.edges)
    assert png_size(screenshot(result.path, "html_synthetic_2000.png")) == (1400, 1000)
