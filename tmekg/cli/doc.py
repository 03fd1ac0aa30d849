"""Generate the CLI reference (``docs/cli.md``) from the commands' own help text.

The reference is built from the click command tree behind the typer app (names, arguments, options,
defaults and help strings), not from rendered terminal output, so it does not depend on the terminal
width or on rich's formatting. A test regenerates it and compares with the checked-in file.

    python -m tmekg.cli.doc > docs/cli.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import typer.main

from tmekg.cli import app

HEADER = """# CLI reference

Generated from the commands' help text by `python -m tmekg.cli.doc > docs/cli.md`; a test checks that
this file matches the code. Every command also answers `--help`.
"""


def reference() -> str:
    """The whole reference as Markdown."""
    root = typer.main.get_command(app)
    return "\n".join([HEADER, *_section(root, ["tmekg"])]).rstrip() + "\n"


def _section(command: Any, path: list[str]) -> Iterator[str]:
    name = " ".join(path)
    yield f"## `{name}`\n"
    if command.help:
        yield _clean(command.help) + "\n"
    params = [p for p in command.params if p.name not in ("help",) and not getattr(p, "hidden", False)]
    arguments = [p for p in params if p.param_type_name == "argument"]
    options = [p for p in params if p.param_type_name == "option"]
    usage = " ".join(
        [name, *(f"[{o}]" for o in ["OPTIONS"] if options), *(a.name.upper() for a in arguments)]
    )
    yield f"Usage: `{usage}`\n"
    if params:
        yield "| parameter | help | default |\n|---|---|---|"
        for param in params:
            yield f"| {_names(param)} | {_help(param)} | {_default(param)} |"
        yield ""
    for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            yield from _section(sub, [*path, sub_name])


def _names(param: Any) -> str:
    if param.param_type_name == "argument":
        return f"`{param.name.upper()}`"
    return ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])


def _help(param: Any) -> str:
    return _clean(getattr(param, "help", None) or "").replace("|", "\\|")


def _default(param: Any) -> str:
    default = param.default
    if default is None or default is False or callable(default) or getattr(param, "is_flag", False):
        return ""
    if isinstance(default, (list, tuple)):
        return ", ".join(map(str, default)) if default else ""
    return f"`{default}`"


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


if __name__ == "__main__":
    sys.stdout.write(reference())
