"""Neo4j URIs: only Bolt schemes; a URI with user info is refused and the password never printed."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tmekg.cli import app
from tmekg.cypher import Neo4jConfig, Neo4jConnectionError, redact_uri

runner = CliRunner()
SECRET = "Pw-s3cret"


@pytest.mark.parametrize("command", [["cypher", "RETURN 1"], ["neo4j", "load"]], ids=lambda c: c[-1])
@pytest.mark.parametrize("uri", [f"bolt://neo4j:{SECRET}@db:7687", f"neo4j+s://{SECRET}@db"])
def test_password_in_uri_is_refused_and_never_echoed(
    command: list[str], uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    result = runner.invoke(app, [*command, "--uri", uri])
    assert result.exit_code == 1, result.output
    assert SECRET not in result.output and "***@db" in result.output
    assert "NEO4J_PASSWORD" in result.output and result.output.count("\n") == 1
    monkeypatch.setenv("NEO4J_URI", uri)  # the same from the environment
    result = runner.invoke(app, command)
    assert result.exit_code == 1 and SECRET not in result.output


@pytest.mark.parametrize("uri", ["http://localhost:7474", "https://db", "localhost:7687", "bolt://"])
def test_non_bolt_uri_is_a_clear_error(uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    result = runner.invoke(app, ["cypher", "RETURN 1", "--uri", uri])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: unsupported Neo4j URI '{uri}': use a Bolt URI")
    assert "aiohttp" not in result.output and "Traceback" not in result.output


def test_bad_port_and_redaction() -> None:
    with pytest.raises(Neo4jConnectionError, match="bad Neo4j URI 'bolt://db:99999'"):
        Neo4jConfig("bolt://db:99999")
    assert redact_uri(f"bolt://u:{SECRET}@h:1/x?a=b@c") == "bolt://***@h:1/x?a=b@c"
    assert Neo4jConfig("neo4j+ssc://db.example.org:7687").uri == "neo4j+ssc://db.example.org:7687"
