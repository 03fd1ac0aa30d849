"""Union-find (disjoint sets) shared by the builder, the metabolite identity rules and reaction grouping.

Each set's root is its smallest member, so results do not depend on the order of unions. Sets may carry
*distinct* keys (prefix -> value): two sets holding different values for one prefix are never joined
(the builder's guard against merging two approved gene symbols).

Examples
--------
>>> uf = UnionFind()
>>> uf.union("b", "a"), uf.find("b")
(True, 'a')
>>> uf.mark("a", "NCBIGENE", "1"); uf.mark("c", "NCBIGENE", "2")
>>> uf.union("a", "c"), uf.find("c")
(False, 'c')
"""

from __future__ import annotations

from typing import Generic, TypeVar

K = TypeVar("K", str, int)


class UnionFind(Generic[K]):
    """Disjoint sets with path compression; items are added on first use."""

    def __init__(self) -> None:
        self.parent: dict[K, K] = {}
        self.keys: dict[K, dict[str, str]] = {}

    def mark(self, item: K, prefix: str, value: str) -> None:
        """Give ``item``'s set the distinct key ``prefix`` = ``value``."""
        self.keys.setdefault(self.find(item), {})[prefix] = value

    def find(self, item: K) -> K:
        """The root (smallest member) of ``item``'s set."""
        root = self.parent.setdefault(item, item)
        while root != self.parent[root]:
            root = self.parent[root]
        while item != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: K, b: K) -> bool:
        """Join the sets of ``a`` and ``b``; ``False`` if their distinct keys forbid it."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ka, kb = self.keys.get(ra, {}), self.keys.get(rb, {})
        if any(ka[p] != kb[p] for p in ka.keys() & kb.keys()):
            return False
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        if ka or kb:
            self.keys[keep] = {**ka, **kb}
            self.keys.pop(gone, None)
        return True
