"""tmekg.render: control characters from the store never reach the terminal; JSON keeps the exact data."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tmekg.build import BuiltGraph
from tmekg.cli import app
from tmekg.graph import KnowledgeGraph
from tmekg.pipeline import build_store
from tmekg.render import dumps_json, emit, terminal_safe
from tmekg.store import write_store

runner = CliRunner()
# OSC 8 hyperlink, BEL, clear screen, 8-bit CSI, right-to-left override, rich markup, CR, NUL, DEL
HOSTILE = "NT5E\x1b]8;;http://evil\x07click\x1b]8;;\x07\x1b[2J\x9b31m\u202eevil[red]x\rY\x00\x7f"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("hostile") / "store"
    build_store(store=store, kb=Path(__file__).parent / "fixtures" / "kb_small")
    with KnowledgeGraph.open(store) as kg:
        nodes = tuple(
            dataclasses.replace(n, name=HOSTILE, synonyms=("CD73\x1b[5m",))
            if n.id == "HGNC.SYMBOL:NT5E"
            else n
            for n in kg.nodes
        )
        edges = tuple(kg.edges())
    write_store(BuiltGraph(nodes, edges, {}, {}), store)
    return store


@pytest.mark.parametrize("command", [["show", "HGNC.SYMBOL:NT5E"], ["search", "NT5E"]])
@pytest.mark.parametrize("fmt", ["table", "tsv", "json"])
def test_no_raw_control_character_reaches_the_terminal(
    hostile_store: Path, command: list[str], fmt: str
) -> None:
    result = runner.invoke(app, [*command, "--store", str(hostile_store), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert not RAW.findall(result.output), RAW.findall(result.output)
    if fmt == "json":
        doc = json.loads(result.output)
        names = [doc["node"]["name"]] if command[0] == "show" else [h["name"] for h in doc]
        assert HOSTILE in names  # the data is kept exactly
    else:
        assert "\\x1b]8;;http://evil\\x07click" in result.output
        assert "\\u202eevil[red]x\\x0dY" in result.output


def test_error_messages_escape_what_they_quote(hostile_store: Path) -> None:
    result = runner.invoke(app, ["show", "nope\x1b[2J\x07", "--store", str(hostile_store)])
    assert result.exit_code == 1
    assert result.output.startswith("error: no node matches 'nope\\x1b[2J\\x07'")
    assert not RAW.findall(result.output)


def test_table_prints_markup_literally_and_escapes_title() -> None:
    out = io.StringIO()
    emit([{"name": "[bold red]x[/]\x1b[31m"}], ["name"], "table", title="t\x07", out=out)
    assert "[bold red]x[/]\\x1b[31m" in out.getvalue() and "t\\x07" in out.getvalue()
    assert not RAW.findall(out.getvalue())


def test_helpers_by_hand() -> None:
    assert terminal_safe("a\tb\nc\x1b\x9b\u2066") == "a\tb\nc\\x1b\\x9b\\u2066"
    assert dumps_json(["\x1b\x85\u202e"]) == '["\\u001b\\u0085\\u202e"]'
    assert json.loads(dumps_json(["\x1b\x85\u202e é"])) == ["\x1b\x85\u202e é"]
