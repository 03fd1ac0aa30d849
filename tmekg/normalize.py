"""Identifier normalisation that needs an ontology: one node for a metabolite's acid and base forms.

ChEBI gives an acid and its conjugate base separate ids ((S)-lactic acid CHEBI:422, (S)-lactate
CHEBI:16651); sources pick either. The rule (``docs/identifiers.md``): two Metabolite nodes whose
ChEBI labels differ only by acid/base naming are one metabolite. Labels are compared after

* dropping a trailing charge such as ``(1-)``, ``(2+)``;
* turning ``... -ic acid`` into ``... -ate`` and ``... -ous acid`` into ``... -ite``.

Stereo descriptors are kept, so (S)-lactate never merges with (R)-lactate or with the generic lactate.

Examples
--------
>>> acid_base_key("(S)-lactic acid") == acid_base_key("(S)-lactate")
True
>>> acid_base_key("L-glutamate(1-)") == acid_base_key("L-glutamic acid")
True
>>> acid_base_key("(R)-lactate") == acid_base_key("(S)-lactate")
False
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

_CHARGE = re.compile(r"\(\d*[+-]\)$")
_RULES = ((re.compile(r"ic acid$"), "ate"), (re.compile(r"ous acid$"), "ite"))


def acid_base_key(label: str) -> str:
    """A key shared by the acid and base names of one metabolite."""
    text = _CHARGE.sub("", label.strip().lower()).strip()
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def acid_base_links(
    identifiers: Mapping[str, Iterable[str]], label: Callable[[str], str | None] | None = None
) -> list[tuple[str, str]]:
    """Pairs of node ids whose ChEBI terms share an :func:`acid_base_key`.

    ``identifiers`` maps each Metabolite node id to its ids and cross-references; ``label`` looks up a
    ChEBI label (default: the offline ontology shipped by ``cellxgene-ontology-guide``).
    """
    if label is None:
        from tmekg.loaders.ontologies import label as ontology_label

        label = ontology_label
    by_key: dict[str, set[str]] = {}
    for node_id, ids in sorted(identifiers.items()):
        for curie in sorted(i for i in ids if i.startswith("CHEBI:")):
            term_label = label(curie)
            if term_label:
                by_key.setdefault(acid_base_key(term_label), set()).add(node_id)
    links = []
    for members in by_key.values():
        ordered = sorted(members)
        links.extend((ordered[0], other) for other in ordered[1:])
    return links
