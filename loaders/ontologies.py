"""Cell Ontology (CL) and ChEBI look-ups that name and classify nodes, offline.

The ontologies ship inside the PyPI package ``cellxgene-ontology-guide`` (imported lazily, only when a
look-up is made). This source adds no nodes of its own: :func:`load` yields nothing, so the graph is
not flooded with every ontology term. Instead :func:`enrich` fills in what other sources left out:

* a node whose name is missing or only an identifier (e.g. ``HMDB0015532``) gets the ontology label;
* the ontology label and synonyms are added as synonyms where absent;
* optionally (``map_names=True``) a node with a local ``TMEKG:`` id gets the term whose label equals
  its name as a cross-reference, so that it can merge with other sources.

A node is looked up by its id, or else by its first cross-reference in the ontology of its category
(CellType → ``CL``, Metabolite → ``CHEBI``). :func:`label`, :func:`synonyms`, :func:`ancestors` and
:func:`id_by_label` answer single questions (``None`` / empty for unknown or unsupported ids).

Examples
--------
>>> label("CL:0000057")  # doctest: +SKIP
'fibroblast'
>>> "CHEBI:22260" in ancestors("CHEBI:16335")  # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from tmekg.errors import TmekgError
from tmekg.model import Edge, LoadReport, Node, Provenance

SOURCE = "ontologies"
SUPPORTED = ("CL", "CHEBI")
CATEGORY_ONTOLOGY = {"CellType": "CL", "Metabolite": "CHEBI"}
_ID_LIKE = re.compile(r"^(HMDB\d{5,7}|CHEBI[:_]\d+|CL[:_]\d{7}|[A-Z][A-Z0-9.]*:\S+)$")


@functools.cache
def parser() -> Any:
    """The shared ``OntologyParser`` (imported on first use)."""
    try:
        from cellxgene_ontology_guide.ontology_parser import OntologyParser
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise TmekgError(
            "ontology look-ups need the package cellxgene-ontology-guide "
            "(pip install cellxgene-ontology-guide)"
        ) from exc
    return OntologyParser()


def version(prefix: str = "CL") -> str:
    """Release of the bundled ontology (``CL`` or ``CHEBI``)."""
    info = parser().cxg_schema.supported_ontologies.get(prefix, {})
    return str(info.get("version", "unknown"))


def _supported(curie: str | None) -> bool:
    return bool(curie) and curie.split(":", 1)[0] in SUPPORTED


def label(curie: str) -> str | None:
    """The term's label, or ``None`` for unknown or unsupported ids."""
    if not _supported(curie):
        return None
    try:
        return parser().get_term_label(curie)
    except (KeyError, ValueError):
        return None


def synonyms(curie: str) -> tuple[str, ...]:
    """The term's synonyms (ChEBI terms carry none in the bundled files)."""
    if not _supported(curie):
        return ()
    try:
        return tuple(parser().get_term_synonyms(curie))
    except (KeyError, ValueError):
        return ()


def ancestors(curie: str) -> tuple[str, ...]:
    """All ``is_a`` / ``part_of`` ancestors of a term, sorted (empty for unknown ids)."""
    if not _supported(curie):
        return ()
    try:
        return tuple(sorted(parser().get_term_ancestors(curie)))
    except (KeyError, ValueError):
        return ()


def id_by_label(text: str, prefix: str = "CHEBI") -> str | None:
    """Term id whose label equals ``text`` (case-insensitive), e.g. ``histamine`` -> ``CHEBI:18295``."""
    return _label_index(prefix).get(text.strip().lower()) if prefix in SUPPORTED else None


@functools.cache
def _label_index(prefix: str) -> dict[str, str]:
    mapping = parser().get_term_label_to_id_map(prefix)
    index: dict[str, str] = {}
    for term_label, term_id in sorted(mapping.items()):
        index.setdefault(term_label.lower(), term_id)
    return index


class ChebiTerm(NamedTuple):
    """What the metabolite identity rules read from one ChEBI term (:mod:`tmekg.normalize`).

    ``parents`` are the direct ``is_a`` parents (distance 1 in the bundled ancestor table).
    """

    label: str
    description: str = ""
    parents: tuple[str, ...] = ()
    deprecated: bool = False


@functools.cache
def chebi_terms() -> ChebiTable:
    """Every ChEBI term of the bundled release: label, definition, direct parents, deprecation.

    The bundle has no ChEBI synonyms and no ``is_conjugate_acid_of`` / ``is_tautomer_of`` relations;
    :mod:`tmekg.normalize` reads those from the definitions ("the conjugate base of X").
    """
    return ChebiTable(parser().cxg_schema.ontology("CHEBI"))


class ChebiTable(Mapping[str, ChebiTerm]):
    """Read-only ChEBI id -> :class:`ChebiTerm` over the bundled table (terms built on access)."""

    def __init__(self, raw: Mapping[str, Mapping[str, Any]]) -> None:
        self._raw = raw
        self._built: dict[str, ChebiTerm] = {}

    def __getitem__(self, curie: str) -> ChebiTerm:
        term = self._built.get(curie)
        if term is None:
            entry = self._raw[curie]
            term = ChebiTerm(
                label=entry.get("label") or "",
                description=entry.get("description") or "",
                parents=tuple(sorted(a for a, d in entry.get("ancestors", {}).items() if d == 1)),
                deprecated=bool(entry.get("deprecated")),
            )
            self._built[curie] = term
        return term

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def texts(self) -> Iterator[tuple[str, str, str, bool]]:
        """(id, label, definition, deprecated) of every term, without building term objects."""
        for curie, entry in self._raw.items():
            yield (
                curie,
                entry.get("label") or "",
                entry.get("description") or "",
                bool(entry.get("deprecated")),
            )


def chebi_ancestors(curie: str) -> tuple[str, ...]:
    """All ``is_a`` ancestors of a ChEBI term from the bundled table (empty for unknown ids)."""
    entry = parser().cxg_schema.ontology("CHEBI").get(curie) or {}
    return tuple(sorted(entry.get("ancestors", {})))


def load(directory: Path | None, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield nothing: ontology terms enter the graph only through :func:`enrich`."""
    del directory, report
    yield from ()


def enrich(nodes: Iterable[Node], map_names: bool = False) -> Iterator[Node]:
    """Yield the nodes, with names and synonyms filled from CL / ChEBI where they were missing.

    With ``map_names``, a node with a local ``TMEKG:`` id and no id or xref in its category's
    ontology also gets, as a cross-reference, the term whose label equals its name or a synonym
    (case-insensitive, exact): e.g. CellPhoneDB's ``TMEKG:metabolite.adenosine`` gains
    ``CHEBI:16335`` and then merges with other sources' adenosine (off by default: the build joins
    local metabolite names itself, through the charge and stereo rules of :mod:`tmekg.normalize`).
    """
    for node in nodes:
        node = _name_mapped(node) if map_names else node
        term = _term_of(node)
        yield _enriched(node, term) if term else node


def _name_mapped(node: Node) -> Node:
    prefix = CATEGORY_ONTOLOGY.get(node.category)
    if prefix is None or not node.id.startswith("TMEKG:"):
        return node
    if any(c.startswith(prefix + ":") for c in node.xrefs):
        return node
    matches = (id_by_label(text, prefix) for text in (node.name, *node.synonyms))
    term = next((t for t in matches if t), None)
    if term is None:
        return node
    provenance = (*node.provenance, Provenance(SOURCE, f"{prefix} {version(prefix)}", record=term))
    return dataclasses.replace(node, xrefs=(*node.xrefs, term), provenance=provenance)


def _term_of(node: Node) -> str | None:
    prefix = CATEGORY_ONTOLOGY.get(node.category)
    if prefix is None:
        return None
    candidates = [node.id, *node.xrefs]
    return next((c for c in candidates if c.startswith(prefix + ":") and label(c)), None)


def _enriched(node: Node, term: str) -> Node:
    term_label = label(term) or ""
    name = term_label if is_id_like(node) else node.name
    known = {s.lower() for s in (name, *node.synonyms)}
    extra = tuple(
        s
        for s in dict.fromkeys((node.name, term_label, *synonyms(term)))
        if s and s.lower() not in known and not _id_like(s, node)
    )
    if name == node.name and not extra:
        return node
    ontology = term.split(":", 1)[0]
    provenance = (*node.provenance, Provenance(SOURCE, f"{ontology} {version(ontology)}", record=term))
    return dataclasses.replace(node, name=name, synonyms=node.synonyms + extra, provenance=provenance)


def is_id_like(node: Node) -> bool:
    """True if the node's name is empty or just an identifier (its own id, an xref, or id-shaped)."""
    return _id_like(node.name, node)


def _id_like(text: str, node: Node) -> bool:
    name = text.strip()
    ids = (node.id, *node.xrefs)
    return not name or name in ids or name in {c.split(":", 1)[-1] for c in ids} or bool(_ID_LIKE.match(name))
