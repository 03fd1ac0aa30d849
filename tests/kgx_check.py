"""Run the ``kgx`` package's TSV source and validator on a KGX export; print what they found as JSON.

Run by ``tests/test_kgx.py`` with the Python of a separate virtualenv that has ``kgx`` (its pins, e.g.
``click<8.2`` and ``linkml-runtime<1.11``, would downgrade packages of tmekg's own environment), named by
``TMEKG_TEST_KGX_PYTHON``; ``.ci/run`` makes that virtualenv. Usage::

    python tests/kgx_check.py NODES.tsv EDGES.tsv

kgx and bmt fetch the Biolink model, its predicate map and JSON-LD contexts from GitHub when first
used; they are pointed at the ``biolink-model`` package (a kgx dependency) instead, so this runs offline.
Prints ``{"nodes", "edges", "node": {id: record}, "edges_by_predicate": {...}, "errors": {...}}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def offline() -> None:
    """Point bmt's Toolkit and kgx's JSON-LD context map at the installed ``biolink-model`` package."""
    import biolink_model
    import bmt.toolkit as toolkit
    import kgx.config
    from linkml_runtime.utils.schemaview import SchemaView

    local = Path(biolink_model.__path__[0])

    def local_toolkit(self: Any, schema: Any = None, predicate_map: Any = None) -> None:
        self.view = SchemaView(str(local / "schema" / "biolink_model.yaml") if schema is None else schema)
        self.pmap = {"predicate mappings": []}  # only used to map non-Biolink predicates

    toolkit.Toolkit.__init__ = local_toolkit
    context = json.loads((local / "prefixmaps" / "biolink-model-prefix-map.json").read_text())
    kgx.config.jsonld_context_map.update({"biolink": context, "monarch_context": {}, "obo_context": {}})


def plain(value: Any) -> Any:
    """JSON-friendly copy of a kgx record value (sets and tuples as sorted lists)."""
    if isinstance(value, (set, tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def main(nodes: str, edges: str) -> dict[str, Any]:
    offline()
    from kgx.transformer import Transformer
    from kgx.validator import Validator

    validator = Validator()
    transformer = Transformer()
    transformer.transform({"filename": [nodes, edges], "format": "tsv"}, inspector=validator)
    graph = transformer.store.graph
    by_predicate: dict[str, Any] = {}
    for _, _, data in graph.edges(data=True):
        by_predicate.setdefault(str(data.get("tmekg_predicate")), plain(data))
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "node": {str(n): plain(d) for n, d in graph.nodes(data=True)},
        "edges_by_predicate": by_predicate,
        "errors": plain(validator.get_errors()),
        "biolink_version": validator.get_validation_model_version(),
    }


if __name__ == "__main__":
    json.dump(main(sys.argv[1], sys.argv[2]), sys.stdout)
