"""Co-localisation prior between cell types from region x cell type counts (``--colocalisation FILE``).

For broad classes ``a`` and ``b`` with counts ``n[a, k]`` in regions ``k``, let ``q[a, k] = n[a, k] /
sum_k n[a, k]`` (where class ``a``'s cells sit). The co-occurrence prior is the cosine similarity of
the two profiles::

    C[a, b] = sum_k q[a, k] q[b, k] / sqrt(sum_k q[a, k]^2 * sum_k q[b, k]^2)      (in [0, 1]; C[a, a] = 1)

1 when both classes are spread over the regions in the same proportions, 0 when they never share a
region. A crosstalk row sender ``s`` -> receiver ``r`` is weighted by
``w = floor + (1 - floor) * C[class(s), class(r)]`` (``floor`` 0.5 in ``queries/crosstalk.yaml``, so
a pair that never co-occurs keeps half its score); cell types without a class get ``w = 1``. Classes
come from ``colocalisation.classes`` in ``queries/crosstalk.yaml`` (atlas states and HPA types ->
the IMC broad classes Tumor, CAF, Myeloid, CD8, CD4, Treg, B cell, CD57, Immune unassigned).

>>> import numpy as np
>>> prior = cooccurrence(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]))
>>> [round(float(x), 3) for x in prior[0]]
[1.0, 0.707, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def cooccurrence(counts: np.ndarray) -> np.ndarray:
    """``C`` (classes x classes) from counts (classes x regions); a class without cells has 0 similarity."""
    totals = counts.sum(axis=1, keepdims=True)
    q = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    norm = np.sqrt((q**2).sum(axis=1))
    dot = q @ q.T
    denom = np.outer(norm, norm)
    return np.divide(dot, denom, out=np.zeros_like(dot), where=denom > 0)


@dataclass(frozen=True)
class Colocalisation:
    """Class prior plus the cell type -> class map and the floor."""

    classes: list[str]
    prior: np.ndarray
    celltype_class: dict[str, str]
    floor: float
    path: str

    def weight(self, sender: str, receiver: str) -> float:
        """``floor + (1 - floor) * C``; 1 when either cell type has no class in the table."""
        index = {c: i for i, c in enumerate(self.classes)}
        a, b = (
            index.get(self.celltype_class.get(sender, "")),
            index.get(self.celltype_class.get(receiver, "")),
        )
        if a is None or b is None:
            return 1.0
        return float(self.floor + (1.0 - self.floor) * self.prior[a, b])

    def matrix(self, celltypes: list[str]) -> np.ndarray:
        """Weights for every (sender, receiver) pair of ``celltypes``."""
        return np.array([[self.weight(s, r) for r in celltypes] for s in celltypes])

    def unmapped(self, celltypes: list[str]) -> list[str]:
        """Cell types that get the neutral weight (no class, or a class absent from the table)."""
        known = set(self.classes)
        return [c for c in celltypes if self.celltype_class.get(c) not in known]


def load(path: str, celltypes: str = "auto", settings: dict[str, Any] | None = None) -> Colocalisation:
    """Read a count table (:func:`tmekg.loaders.colocalisation.read_counts`) and build the prior."""
    from tmekg.loaders.colocalisation import read_counts
    from tmekg.queries.crosstalk_expression import config

    settings = settings or config()["colocalisation"]
    table = read_counts(path, celltypes)
    return Colocalisation(
        table.classes,
        cooccurrence(table.counts),
        dict(settings["classes"]),
        float(settings["floor"]),
        table.path,
    )
