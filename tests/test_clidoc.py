"""The CLI reference in docs/ matches the code, every command shows an example, help is lazy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

from tmekg.cli import app
from tmekg.cli.doc import reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_cli_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), "run: python -m tmekg.cli.doc > docs/cli.md"


def test_every_command_has_an_example() -> None:
    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}")

    for path, command in walk(typer.main.get_command(app), "tmekg"):
        if getattr(command, "commands", None):
            continue  # groups list their commands
        assert "Example:" in (command.help or ""), path


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, tmekg.cli\n"
        "names = ('pandas', 'neo4j', 'rdflib', 'pyvis', 'scipy', 'numpy', 'networkx')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_root_help_is_plain_click_help_without_rich() -> None:
    """`tmekg --help` must stay fast: typer's rich help would import rich and markdown-it first."""
    code = (
        "import sys\n"
        "sys.argv = ['tmekg', '--help']\n"
        "import tmekg.cli\n"
        "try:\n"
        "    tmekg.cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "names = ('rich', 'markdown_it', 'pandas', 'numpy', 'yaml')\n"
        "print('loaded:' + ','.join(m for m in names if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Commands:" in out and "profile" in out
    assert out.strip().splitlines()[-1] == "loaded:"
