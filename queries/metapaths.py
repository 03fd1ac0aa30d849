"""Metapaths over the schema: typed paths written Hetionet-style (``GpMdnE``), enumerated not hand-coded.

A metapath is a sequence of metaedges. A metaedge is one predicate between two categories, traversed
along (``forward``) or against the edge direction. Abbreviations come from the schema: categories
upper case, predicates lower case, ``<`` before a predicate marks backward traversal.

Examples
--------
>>> from tmekg.schema import load_schema
>>> mp = parse("GpMdnE", load_schema())
>>> [m.predicate for m in mp.edges], mp.categories
(['produces', 'decreases'], ('Gene', 'Metabolite', 'ImmuneEffect'))
>>> parse("GeC<oE", load_schema()).edges[1].forward
False

Every code reads in words (:func:`describe`), from one noun per category and one verb phrase per
predicate (``metapath_words.yaml``):

>>> describe(parse("GcRhoMdnE", load_schema()), load_schema())
'gene catalyses a reaction that produces a metabolite that decreases an immune effect'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tmekg.errors import TmekgError
from tmekg.io import packaged_yaml
from tmekg.schema import Schema

WORDS_FILE = "metapath_words.yaml"

_TOKEN = re.compile(r"([A-Z])|(<?)([a-z]+)")


class MetapathError(TmekgError):
    """A metapath string does not parse against the schema."""


@dataclass(frozen=True)
class MetaEdge:
    """One predicate between two categories, traversed forward (subject -> object) or backward."""

    source: str
    predicate: str
    target: str
    forward: bool = True

    def abbrev(self, schema: Schema) -> str:
        """``p`` + target letter, with ``<`` for backward traversal."""
        mark = "" if self.forward else "<"
        return f"{mark}{schema.predicates[self.predicate].abbrev}{schema.categories[self.target].abbrev}"


@dataclass(frozen=True)
class Metapath:
    """A typed path: its metaedges and its abbreviation."""

    edges: tuple[MetaEdge, ...]
    abbrev: str

    @property
    def categories(self) -> tuple[str, ...]:
        """Node categories along the path (length = number of edges + 1)."""
        return (self.edges[0].source, *(e.target for e in self.edges))

    def __len__(self) -> int:
        return len(self.edges)


def make(edges: Iterable[MetaEdge], schema: Schema) -> Metapath:
    """Build a :class:`Metapath` (and its abbreviation) from metaedges."""
    edges = tuple(edges)
    text = schema.categories[edges[0].source].abbrev + "".join(e.abbrev(schema) for e in edges)
    return Metapath(edges, text)


def metaedges(schema: Schema, predicates: Iterable[str] | None = None, both: bool = False) -> list[MetaEdge]:
    """Every (category, predicate, category) triple the schema allows, forward (and backward if ``both``)."""
    chosen = set(predicates) if predicates is not None else set(schema.predicates)
    out = []
    for name, pred in schema.predicates.items():
        if name not in chosen:
            continue
        for s in pred.subject:
            for o in pred.object:
                out.append(MetaEdge(s, name, o, True))
                if both:
                    out.append(MetaEdge(o, name, s, False))
    return out


def enumerate_metapaths(
    schema: Schema,
    source: str,
    target: str,
    max_length: int,
    allowed: Iterable[MetaEdge],
    last_predicates: Iterable[str] | None = None,
) -> list[Metapath]:
    """All metapaths from ``source`` to ``target`` of length 1..``max_length`` over ``allowed`` metaedges.

    With ``last_predicates``, the final metaedge must use one of them. Sorted by length, then name.
    """
    by_source: dict[str, list[MetaEdge]] = {}
    for edge in allowed:
        by_source.setdefault(edge.source, []).append(edge)
    last = set(last_predicates) if last_predicates is not None else None
    found = [
        make(path, schema)
        for path in _walk(by_source, (source,), (), max_length)
        if path[-1].target == target and (last is None or path[-1].predicate in last)
    ]
    return sorted(found, key=lambda m: (len(m), m.abbrev))


def _walk(
    by_source: dict[str, list[MetaEdge]], cats: tuple[str, ...], path: tuple[MetaEdge, ...], left: int
) -> Iterator[tuple[MetaEdge, ...]]:
    if path:
        yield path
    if left == 0:
        return
    for edge in by_source.get(cats[-1], ()):
        yield from _walk(by_source, (*cats, edge.target), (*path, edge), left - 1)


def parse(text: str, schema: Schema) -> Metapath:
    """Parse an abbreviation such as ``DtgGeC<oE`` into a :class:`Metapath`."""
    cats = {c.abbrev: name for name, c in schema.categories.items()}
    preds = {p.abbrev: name for name, p in schema.predicates.items()}
    tokens = [m for m in _TOKEN.finditer(text)]
    if "".join(m.group(0) for m in tokens) != text or len(tokens) < 3 or len(tokens) % 2 == 0:
        raise MetapathError(f"cannot parse metapath '{text}'")
    try:
        nodes = [cats[m.group(1)] for m in tokens[0::2]]
        steps = [(preds[m.group(3)], m.group(2) != "<") for m in tokens[1::2]]
    except (KeyError, TypeError):
        raise MetapathError(f"unknown category or predicate abbreviation in metapath '{text}'") from None
    edges = []
    for (pred, forward), s, o in zip(steps, nodes, nodes[1:], strict=False):
        subj, obj = (s, o) if forward else (o, s)
        spec = schema.predicates[pred]
        if subj not in spec.subject or obj not in spec.object:
            raise MetapathError(f"metapath '{text}': {pred} does not link {subj} to {obj}")
        edges.append(MetaEdge(s, pred, o, forward))
    return make(edges, schema)


def passes_through(
    metapath: Metapath, categories: Iterable[str] = (), predicates: Iterable[str] = ()
) -> list[str]:
    """The given categories met at an intermediate position and predicates used along ``metapath``.

    >>> from tmekg.schema import load_schema
    >>> passes_through(parse("GeCsMdnE", load_schema()), ["CellType", "Gene"])
    ['CellType']
    """
    inner = set(metapath.categories[1:-1])
    used = {e.predicate for e in metapath.edges}
    return [c for c in categories if c in inner] + [p for p in predicates if p in used]


# -- metapath codes in words ----------------------------------------------------------------------
@dataclass(frozen=True)
class Wording:
    """A noun per category, a verb phrase per predicate read forward and backward."""

    nouns: Mapping[str, str]
    forward: Mapping[str, str]
    backward: Mapping[str, str]

    def noun(self, category: str) -> str:
        """The category's noun (its schema name if the wording has none)."""
        return self.nouns.get(category, category)

    def verb(self, edge: MetaEdge) -> str:
        """The predicate's phrase in the direction the metaedge is traversed."""
        phrases = self.forward if edge.forward else self.backward
        name = edge.predicate.replace("_", " ")
        default = name if edge.forward else f"is the object of '{name}' from"
        return phrases.get(edge.predicate, default)


@functools.cache
def _raw_words() -> dict[str, Any]:
    return packaged_yaml("tmekg.queries", WORDS_FILE)


def wording(schema: Schema, raw: Mapping[str, Any] | None = None) -> Wording:
    """The shipped (or given) wording, checked against the schema.

    Raises
    ------
    MetapathError
        A category or predicate the schema does not define, or a predicate without both phrases.
    """
    raw = _raw_words() if raw is None else raw
    nouns = dict(raw.get("categories") or {})
    verbs = dict(raw.get("predicates") or {})
    for name in nouns:
        if name not in schema.categories:
            raise MetapathError(f"{WORDS_FILE}: categories.{name}: not a schema category")
    for name, phrases in verbs.items():
        if name not in schema.predicates:
            raise MetapathError(f"{WORDS_FILE}: predicates.{name}: not a schema predicate")
        if not isinstance(phrases, Mapping) or not phrases.get("forward") or not phrases.get("backward"):
            raise MetapathError(f"{WORDS_FILE}: predicates.{name}: needs a 'forward' and a 'backward' phrase")
    return Wording(
        nouns={k: str(v) for k, v in nouns.items()},
        forward={k: str(v["forward"]) for k, v in verbs.items()},
        backward={k: str(v["backward"]) for k, v in verbs.items()},
    )


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def describe(metapath: Metapath, schema: Schema, words: Wording | None = None) -> str:
    """A metapath in words: ``GpMdnE`` -> 'gene produces a metabolite that decreases an immune effect'."""
    words = words or wording(schema)
    clauses = [f"{words.verb(e)} {_article(words.noun(e.target))}" for e in metapath.edges]
    return f"{words.noun(metapath.edges[0].source)} " + " that ".join(clauses)


def legend(schema: Schema, words: Wording | None = None) -> str:
    """The abbreviations of the schema in one paragraph (categories, then predicates, forward reading)."""
    words = words or wording(schema)
    cats = sorted((c.abbrev, words.noun(name)) for name, c in schema.categories.items())
    preds = sorted((p.abbrev, _phrase(name, words)) for name, p in schema.predicates.items())
    return (
        "Metapath codes: upper case = node category ("
        + ", ".join(f"{a} {n}" for a, n in cats)
        + "); lower case = predicate ("
        + ", ".join(f"{a} {v}" for a, v in preds)
        + "); '<' = the step is read against the edge direction. Each code is spelled out in words "
        "next to it" + _example(schema, words) + "."
    )


def _phrase(predicate: str, words: Wording) -> str:
    phrase = words.forward.get(predicate, predicate.replace("_", " "))
    return phrase if phrase.replace(" ", "_") == predicate else f"{phrase} ({predicate})"


def _example(schema: Schema, words: Wording, code: str = "GcRhoMdnE") -> str:
    try:
        return f", e.g. {code} = '{describe(parse(code, schema), schema, words)}'"
    except MetapathError:
        return ""
