"""Currency metabolites and ions left out of crosstalk inference (``queries/crosstalk_currency.yaml``).

The list is data: each entry has ids and names; a metabolite of the graph is *currency* when its id is
listed or its name or a synonym equals a listed name (case-insensitive).

>>> entries = [{"name": "water", "ids": ["CHEBI:15377"], "names": ["water", "H2O"]}]
>>> sorted(Currency.from_entries(entries).names)
['h2o', 'water']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tmekg.errors import TmekgError
from tmekg.io import packaged_yaml

FILE = "crosstalk_currency.yaml"


@dataclass(frozen=True)
class Currency:
    """Listed ids and lower-cased names."""

    ids: frozenset[str]
    names: frozenset[str]

    @classmethod
    def from_entries(cls, entries: Iterable[dict[str, Any]]) -> Currency:
        """Read the ``currency`` entries (each needs ``name``; ``ids`` and ``names`` are lists)."""
        ids, names = set(), set()
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not entry.get("name"):
                raise TmekgError(f"{FILE}: entry {i + 1} needs a 'name'")
            ids.update(str(x) for x in entry.get("ids", []))
            names.update(str(x).lower() for x in [entry["name"], *entry.get("names", [])])
        return cls(frozenset(ids), frozenset(names))

    def matches(self, node: Any) -> bool:
        """Whether a Metabolite node is currency."""
        if node.id in self.ids:
            return True
        return any(str(n).lower() in self.names for n in (node.name, *node.synonyms))


def shipped() -> Currency:
    """The shipped list."""
    return Currency.from_entries(packaged_yaml("tmekg.queries", FILE)["currency"])


def currency_ids(kg: Any, metabolites: Iterable[str], currency: Currency | None = None) -> set[str]:
    """The ids among ``metabolites`` that are currency (``currency`` defaults to the shipped list)."""
    currency = currency or shipped()
    return {m for m in metabolites if currency.matches(kg.node(m))}
