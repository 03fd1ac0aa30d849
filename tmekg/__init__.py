"""tmekg: a knowledge graph of metabolic crosstalk in the tumour microenvironment (PDAC first).

Open the embedded store in a notebook::

    import tmekg
    kg = tmekg.open()          # the default store, or tmekg.open("path/to/store")
    kg.stats()["nodes"]
    kg.nx                      # a networkx MultiDiGraph view

Heavy libraries are imported lazily so that ``import tmekg`` and ``tmekg --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from pathlib import Path

    from tmekg.graph import KnowledgeGraph


def open(store: str | Path | None = None) -> KnowledgeGraph:
    """Open a built store (default location unless ``store`` is given) as a :class:`KnowledgeGraph`."""
    from tmekg.graph import KnowledgeGraph

    return KnowledgeGraph.open(store)
