"""Is every input file complete? Rows read vs expected, per file, for the build report.

Each file a loader reads through :mod:`tmekg.io` notes its data rows in a :func:`tmekg.io.file_ledger`.
After a source has loaded, :func:`check_files` compares them with what the source declares a complete
file to look like (``expect`` in ``loaders/sources.yaml``: ``rows`` in the pinned release, ``min_rows``
below which a file is damaged; every file read needs at least one data row) and, when the folder
carries one, with the sizes in its download manifest (``.tmekg-source.json`` written by ``tmekg fetch``,
or a ``MANIFEST.tsv`` one level up listing ``folder/file`` sizes, as ``../shared/data`` has).

An empty, header-only or short file, or one whose size differs from the manifest (truncated or modified
since download), raises :class:`PartialInputError` unless the build allows partial input
(``tmekg build --allow-partial``); a file that reads a different number of rows than the pinned release
but is otherwise sound (another release, a deliberate subset) is only reported.

Examples
--------
>>> check_files("demo", {}, {"/data/demo/t.tsv": 12}, Path("/data/demo"))["t.tsv"]
{'rows': 12, 'min_rows': 1, 'status': 'ok'}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError

FETCH_MANIFEST = ".tmekg-source.json"
DATA_MANIFEST = "MANIFEST.tsv"


class PartialInputError(LoaderError):
    """A required input file is empty, header-only, truncated or short of its declared rows."""


def check_files(
    source: str,
    expect: Mapping[str, Mapping[str, int]],
    ledger: Mapping[str, int],
    folder: Path | None = None,
    allow_partial: bool = False,
) -> dict[str, dict[str, Any]]:
    """Per file read (name relative to ``folder``): rows read, expected rows, minimum and a status.

    Raises :class:`PartialInputError` on the first problem file unless ``allow_partial``; with it the
    problem stays in the report (``status: partial``).
    """
    sizes = manifest_sizes(folder) if folder is not None else {}
    report: dict[str, dict[str, Any]] = {}
    problems: list[tuple[str, str]] = []  # (path, problem)
    for path, rows in sorted(ledger.items()):
        name = _name(Path(path), folder)
        want = expect.get(name.removesuffix(".gz"), {})
        entry: dict[str, Any] = {"rows": rows, "min_rows": int(want.get("min_rows", 1))}
        if "rows" in want:
            entry["expected"] = int(want["rows"])
        problem = _problem(entry, Path(path), sizes.get(name))
        entry["status"] = "partial" if problem else _status(entry)
        if problem:
            entry["problem"] = problem
            problems.append((path, problem))
        report[name] = entry
    if problems and not allow_partial:
        more = f" (and {len(problems) - 1} more file(s))" if len(problems) > 1 else ""
        path, problem = problems[0]
        hint = "; pass --allow-partial to build anyway"
        raise PartialInputError(f"source {source}: {problem}{more}{hint}", path)
    return report


def _name(path: Path, folder: Path | None) -> str:
    try:
        return path.relative_to(folder).as_posix() if folder is not None else path.name
    except ValueError:
        return path.name


def _problem(entry: dict[str, Any], path: Path, size: int | None) -> str | None:
    rows, least = entry["rows"], entry["min_rows"]
    if size is not None and path.exists() and path.stat().st_size != size:
        return f"{path.stat().st_size} bytes, the download manifest says {size} (truncated or modified?)"
    if rows == 0:
        return "no data rows (empty or header-only file)"
    if rows < least:
        expected = f"; the pinned release has {entry['expected']}" if "expected" in entry else ""
        return f"{rows} data row(s), a complete file has at least {least}{expected}"
    return None


def _status(entry: dict[str, Any]) -> str:
    if "expected" not in entry or entry["rows"] == entry["expected"]:
        return "ok"
    fewer = entry["rows"] < entry["expected"]
    return "fewer rows than the pinned release" if fewer else "more rows than the pinned release"


def manifest_sizes(folder: Path) -> dict[str, int]:
    """``{file name: bytes}`` from the folder's fetch manifest, else from ``../MANIFEST.tsv``.

    >>> manifest_sizes(Path("/nonexistent"))
    {}
    """
    fetched = folder / FETCH_MANIFEST
    if fetched.is_file():
        try:
            doc = json.loads(fetched.read_text(encoding="utf-8"))
            return {str(f["name"]): int(f["bytes"]) for f in doc.get("files", [])}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # an unreadable manifest checks nothing (tmekg fetch rewrites it)
    return _data_manifest(folder)


def _data_manifest(folder: Path) -> dict[str, int]:
    table = folder.parent / DATA_MANIFEST
    if not table.is_file():
        return {}
    prefix = folder.name + "/"
    sizes: dict[str, int] = {}
    try:
        for line in table.read_text(encoding="utf-8").splitlines()[1:]:
            name, _, rest = line.partition("\t")
            size = rest.split("\t", 1)[0]
            if name.startswith(prefix) and size.isdigit():
                sizes[name.removeprefix(prefix)] = int(size)
    except (OSError, UnicodeDecodeError):
        return {}
    return sizes


def warnings_of(sources: Mapping[str, Any]) -> list[str]:
    """One line per file of a build report that is partial or reads another row count than pinned."""
    out = []
    for name, info in sources.items():
        files = (info.get("build") or {}).get("loader", {}).get("files", {})
        for file, entry in files.items():
            if entry.get("status", "ok") != "ok":
                expected = f" (pinned release: {entry['expected']})" if "expected" in entry else ""
                why = entry.get("problem") or entry["status"]
                out.append(f"{name} {file}: {entry['rows']} rows read{expected}: {why}")
    return out
