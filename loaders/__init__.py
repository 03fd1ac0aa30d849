"""Source loaders (installed as ``tmekg.loaders``).

Each loader module turns one source's files into typed :class:`tmekg.model.Node` /
:class:`tmekg.model.Edge` records. Loaders import only ``tmekg.model``, ``tmekg.io``,
``tmekg.errors``, ``tmekg.ids``, ``tmekg.schema`` and parsing libraries: never a sink.

Every loader module exposes::

    def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]

``directory`` is the source's folder (the layout of ``../shared/data``); unusable rows are counted
with ``report.skip(reason, example)``, malformed files raise :class:`tmekg.errors.LoaderError`.
The registry of sources (names, folders, files, versions, licences) is data: ``sources.yaml``.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tmekg.errors import TmekgError
from tmekg.io import packaged_yaml
from tmekg.model import Edge, LoadReport, Node

LoadFn = Callable[[Path, LoadReport], Iterator[Node | Edge]]


@dataclass(frozen=True)
class SourceSpec:
    """One source: where its files live and how to load them."""

    name: str
    module: str
    folder: str | None
    version: str
    licence: str
    description: str
    files: tuple[str, ...]
    required: tuple[str, ...]
    # a complete file: name -> {rows: in the pinned release, min_rows} (tmekg.completeness)
    expect: dict[str, dict[str, int]] = field(default_factory=dict, hash=False, compare=False)

    def loader(self) -> LoadFn:
        """Import the loader module lazily and return its ``load`` function."""
        return importlib.import_module(f"{__name__}.{self.module}").load

    def missing(self, directory: Path) -> list[str]:
        """Required files (or glob patterns) absent from ``directory`` (a ``.gz`` copy counts)."""
        if not directory.is_dir():
            return [f"folder {directory}"]
        names = [p.name.removesuffix(".gz") for p in directory.iterdir()]
        return [pat for pat in self.required if not fnmatch.filter(names, pat)]


@functools.cache
def registry() -> dict[str, SourceSpec]:
    """All known sources, in merge-priority order."""
    raw: dict[str, Any] = packaged_yaml(__name__, "sources.yaml")["sources"]
    return {
        name: SourceSpec(
            name=name,
            module=spec["module"],
            folder=spec.get("folder"),
            version=str(spec["version"]),
            licence=spec["licence"],
            description=spec.get("description", ""),
            files=tuple(spec.get("files", ())),
            required=tuple(spec.get("required", ())),
            expect=dict(spec.get("expect") or {}),
        )
        for name, spec in raw.items()
    }


def get_source(name: str) -> SourceSpec:
    """Look up a source by name or raise a :class:`TmekgError` listing the known ones."""
    try:
        return registry()[name]
    except KeyError:
        raise TmekgError(f"unknown source '{name}' (known: {', '.join(registry())})") from None
