"""Metabolite identity from ChEBI: one node per metabolite as biologists count them.

ChEBI gives every protonation state, zwitterion, tautomer and stereo form its own id (kynurenine
CHEBI:28683, L-kynurenine CHEBI:16946, L-kynurenine zwitterion CHEBI:57959); sources pick any of them.
The rules (``docs/identifiers.md``, "Protonation, charge and stereo forms"):

1. **Species** (:class:`ChebiForms`). ChEBI terms are one species when ChEBI's definition names the
   other term as the one this term is the conjugate acid/base, zwitterion, tautomer or (de)protonated
   form of ("A ... that is the conjugate base of X", "Zwitterionic form of X", "obtained by
   deprotonation of the carboxy group of X"), when the label is "X zwitterion", or when the labels
   differ only by acid/base naming (:func:`acid_base_key`; not for monoatomic ions: iron(2+) and
   iron(3+) are redox states, not protonation states).
2. **Stereo forms.** A term whose direct ``is_a`` parent is the stereo-unspecified term and whose label
   or definition gives its configuration ("L-kynurenine", "The L-enantiomer of argininium(1+)", "An
   optically active form of lactate having (S)-configuration") is the stereo form (generic species,
   descriptor). Forms with the same generic species and descriptor are one metabolite (L-argininium(1+)
   and L-arginine); two descriptors (enantiomers) never merge.
3. **Generic to dominant.** A node that is only the stereo-unspecified species merges into the one
   stereo form present in the graph, or into the form carrying at least twice the edges of every other
   present form; otherwise it stays apart (reported).
4. **Local names.** A node with a local ``TMEKG:`` id and no ChEBI id (CellPhoneDB's ``Adenosine``) is
   looked up by exact ChEBI label, then follows rules 1-3.

:func:`metabolite_links` applies these to the Metabolite nodes of a build and returns the node pairs
to merge plus a report (which rule joined how many nodes, with examples).

Examples
--------
>>> acid_base_key("(S)-lactic acid") == acid_base_key("(S)-lactate")
True
>>> acid_base_key("L-glutamate(1-)") == acid_base_key("L-glutamic acid")
True
>>> acid_base_key("(R)-lactate") == acid_base_key("(S)-lactate")
False
>>> plain("Zwitterionic form of <small>L</small>-&alpha;-alanine")
'Zwitterionic form of L-alpha-alanine'
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tmekg.unionfind import UnionFind

if TYPE_CHECKING:
    from tmekg.build import GraphBuilder
    from tmekg.loaders.ontologies import ChebiTerm

_CHARGE = re.compile(r"\(\d*[+-]\)$")
_RULES = (
    (re.compile(r"ic acid$"), "ate"),
    (re.compile(r"ous acid$"), "ite"),
    (re.compile(r"inium$"), "ine"),
)
MONOATOMIC_ION = "CHEBI:24867"

SPECIES_DEFINITION = "ChEBI definition: conjugate acid/base, zwitterion, tautomer or charge form"
SPECIES_LABEL = "ChEBI labels: acid/base naming (-ic acid/-ate, charge suffix)"
SAME_STEREO = "same stereo form of one generic species (e.g. L-argininium(1+) and L-arginine)"
GENERIC_ONLY = "stereo-unspecified term -> the only stereo form present"
GENERIC_DOMINANT = "stereo-unspecified term -> the dominant stereo form (>= 2x the edges of any other)"
NAME_MAPPED = "local id named exactly like a ChEBI term (e.g. CellPhoneDB 'Adenosine')"

_TAGS = re.compile(r"<[^>]+>")
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ω": "omega", "−": "-"}
_SPECIES_WORDS = re.compile(
    r"conjugate (?:acid|base)|zwitterion|protonation|protons? |tautomer|"
    r"\b(?:mono|di|tri|tetra|penta|hexa|poly)?(?:anion|cation) of\b",
    re.I,
)
_BEFORE_OF = {
    "acid",
    "base",
    "form",
    "forms",
    "tautomer",
    "anion",
    "cation",
    "dianion",
    "trianion",
    "tetraanion",
    "dication",
    "zwitterion",
    "group",
    "groups",
    "function",
    "functions",
    "oh",
    "nh",
    "moiety",
    "residue",
    "nitrogen",
    "nitrogens",
    "atom",
    "atoms",
    "position",
    "positions",
    "species",
    "deprotonation",
    "protonation",
}
_LOCANT = re.compile(r"^(?:\d[\w',-]{0,5}|[A-Z]-?\d{1,2}'?)$")
HUB = 10
GROUP = "CHEBI:24433"
_OF = re.compile(r"\bof\s+")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_BOUNDARY = re.compile(
    r"[,;:]\s|\.\s|\.$|\s\((?:according|major)|\s(?:arising|obtained|resulting|results|formed|that|which|"
    r"in which|having|with|and|by|where|major|at|on|via|in)\b"
)
_CURIE = re.compile(r"^CHEBI:\d+$")
_ZWITTERION_LABEL = re.compile(r"^(.+) zwitterion$")
_STEREO_PREFIX = re.compile(r"^(L|D|\((?:\d*[RS],?)+\)|\([+-]\))-(.+)$")
_DESCRIPTOR = r"\(?(L|D|R|S)\)?"
_STEREO_WORDS = re.compile(r"enantiomer|isomer|configuration")
_ENANTIOMER_OF = re.compile(rf"{_DESCRIPTOR}-(?:\([+-]\)-)?(?:enantiomer|isomer) of (?:the )?")
_FORM_HAVING = re.compile(rf"form of (.+?) having (?:the )?{_DESCRIPTOR}[- ]configuration")
_A_NAME_HAVING = re.compile(rf"^An? (.+?) (?:that has|having|with) (?:the )?{_DESCRIPTOR}[- ]configuration")


def clean_text(text: str | None) -> str:
    """Drop HTML markup and entities: ``PGE<sub>2</sub>`` -> ``PGE2``, ``&alpha;`` -> ``α``.

    >>> clean_text("PGF<sub>2&alpha;</sub>"), clean_text(" Ca<sup>2+</sup> ")
    ('PGF2α', 'Ca2+')
    """
    return html.unescape(_TAGS.sub("", text or "")).strip()


def plain(text: str) -> str:
    """ChEBI definition text without HTML tags and with Greek letters spelled as in labels."""
    text = clean_text(text)
    for letter, word in _GREEK.items():
        text = text.replace(letter, word)
    return " ".join(text.split())


def acid_base_key(label: str) -> str:
    """A key shared by the acid and base names of one metabolite."""
    text = label.strip().lower()
    if text.endswith(")"):
        text = _CHARGE.sub("", text).strip()
    if text.endswith(("acid", "ium")):
        for pattern, replacement in _RULES:
            text = pattern.sub(replacement, text)
    return text


class ChebiForms:
    """ChEBI terms grouped into species (rule 1) and species into stereo forms (rule 2).

    Parameters
    ----------
    terms
        ChEBI id -> :class:`~tmekg.loaders.ontologies.ChebiTerm` (label, definition, direct parents,
        deprecated). Default: the full ChEBI shipped by ``cellxgene-ontology-guide``.
    """

    def __init__(self, terms: Mapping[str, ChebiTerm] | None = None) -> None:
        if terms is None:
            from tmekg.loaders.ontologies import chebi_terms

            terms = chebi_terms()
        self.terms = terms
        self._ancestor_cache: dict[str, frozenset[str]] = {}
        self._species = UnionFind()
        self._by_label_only = UnionFind()
        self._scan()
        self.partners = self._definition_partners()
        for curie, partner in sorted(self.partners.items()):
            self._species.union(curie, partner)
        self._join_by_label()
        self._stereo_terms = self._find_stereo_terms()
        self._join_generics()
        self._members: dict[str, list[str]] | None = None

    def _scan(self) -> None:
        """One pass over all terms: label index, acid/base label keys, and the terms whose definition or
        label may state a species relation or a configuration."""
        seen: dict[str, str | None] = {}
        self._label_key: dict[str, str] = {}
        self._label_groups: dict[str, list[str]] = defaultdict(list)
        self._species_texts: list[str] = []
        self._stereo_texts: list[str] = []
        for curie, label, description, deprecated in _texts(self.terms):
            if deprecated or not label:
                continue
            lower = label.lower()
            seen[lower] = curie if lower not in seen else None
            if not (_CHARGE.search(label) and MONOATOMIC_ION in self.ancestors(curie)):
                self._label_key[curie] = key = acid_base_key(label)
                self._label_groups[key].append(curie)
            if label.endswith(" zwitterion") or _SPECIES_WORDS.search(description):
                self._species_texts.append(curie)
            if _STEREO_PREFIX.match(label) or _STEREO_WORDS.search(description):
                self._stereo_texts.append(curie)
        self.by_label = {text: curie for text, curie in seen.items() if curie}

    def _definition_partners(self) -> dict[str, str]:
        """Term -> the term its definition names it a form of.

        Skipped in favour of the next name: hubs (a group or class named first by more than :data:`HUB`
        definitions, e.g. "phosphate" in "deprotonation of the phosphate and diphosphate OH groups of
        X"), and a name that contradicts the term's own label when that label already names another
        term by the acid/base naming rule (ChEBI's "thiamine(1+) triphosphate(4-)" is defined as a
        "Trianion of thiamine(1+) diphosphate"; its label says triphosphate).
        """
        candidates = {curie: self.species_candidates(curie) for curie in self._species_texts}
        named = Counter(found[0] for found in candidates.values() if found)
        hubs = {c for c, n in named.items() if n > HUB}
        partners = {}
        for curie, found in sorted(candidates.items()):
            partner = next((c for c in found if c not in hubs and self._label_agrees(curie, c)), None)
            if partner:
                partners[curie] = partner
        return partners

    def _label_agrees(self, curie: str, partner: str) -> bool:
        key = self._label_key.get(curie)
        if key is None or len(self._label_groups.get(key, ())) < 2:
            return True
        return self._label_key.get(partner) == key

    def _join_by_label(self) -> None:
        for members in self._label_groups.values():
            first, *rest = sorted(members)
            for other in rest:
                self._species.union(first, other)
                self._by_label_only.union(first, other)

    def _find_stereo_terms(self) -> dict[str, tuple[str, str]]:
        """Term -> (stereo-unspecified parent, descriptor) for every stereo form in ChEBI."""
        found = {}
        for curie in self._stereo_texts:
            stereo = self._term_stereo(curie)
            if stereo:
                found[curie] = stereo
        return found

    def _join_generics(self) -> None:
        """Generic species whose stereo forms are one species with one descriptor are one species
        (L-argininate is the L form of argininate, L-arginine of arginine, and L-argininate and
        L-arginine are one species: so argininate and arginine are)."""
        by_species: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for curie, (parent, descriptor) in sorted(self._stereo_terms.items()):
            by_species[self.species(curie)].add((parent, descriptor))
        for forms in by_species.values():
            if len({d for _, d in forms}) == 1 and len(forms) > 1:
                first, *rest = sorted(p for p, _ in forms)
                for other in rest:
                    self._species.union(first, other)

    def ancestors(self, curie: str) -> frozenset[str]:
        """All ``is_a`` ancestors of a term (walked from the direct parents)."""
        cached = self._ancestor_cache.get(curie)
        if cached is None:
            parents = self.terms[curie].parents if curie in self.terms else ()
            cached = frozenset(parents).union(*(self.ancestors(p) for p in parents))
            self._ancestor_cache[curie] = cached
        return cached

    def resolve_name(self, text: str) -> str | None:
        """The ChEBI id whose label is ``text`` (case-insensitive; None if absent or ambiguous)."""
        text = text.strip()
        if _CURIE.match(text):
            return text if text in self.terms else None
        return self.by_label.get(text.lower())

    def species_candidates(self, curie: str) -> list[str]:
        """Terms ChEBI names as the one ``curie`` is a charge/zwitterion/tautomer form of, in order.

        From the label ("X zwitterion") or the definition: after a protonation word ("conjugate base",
        "zwitterion", "deprotonation", "tautomer", "anion of"), every "of X" whose preceding word says
        what X is a form of ("base of", "form of", "group of", "groups of", "position 5 of") and
        whose X is exactly a ChEBI label. Groups (``CHEBI:24433``) and ``is_a`` relatives of the term
        are never its partner.
        """
        term = self.terms[curie]
        if term.deprecated:
            return []
        match = _ZWITTERION_LABEL.match(term.label)
        found = [self.resolve_name(match.group(1))] if match else []
        found += self._named_in_definition(plain(term.description))
        if not any(found):
            return []
        relatives = self.ancestors(curie)
        return [
            c
            for c in dict.fromkeys(f for f in found if f)
            if c != curie
            and c not in relatives
            and curie not in self.ancestors(c)
            and GROUP not in self.ancestors(c)
        ]

    def _named_in_definition(self, text: str) -> list[str]:
        keyword = _SPECIES_WORDS.search(text)
        if keyword is None:
            return []
        found = []
        for of in _OF.finditer(text, keyword.start()):
            before = text[: of.start()].split()
            if not before or not (before[-1].lower() in _BEFORE_OF or _LOCANT.match(before[-1])):
                continue
            rest = _ARTICLE.sub("", text[of.end() :])
            ends = sorted({m.start() for m in _BOUNDARY.finditer(rest)} | {len(rest)})
            found.extend(t for t in (self.resolve_name(rest[:end].rstrip(". ")) for end in ends[:8]) if t)
        return found

    def species(self, curie: str) -> str:
        """The species representative of a term (smallest id of its species group)."""
        return self._species.find(curie)

    def members(self, species: str) -> list[str]:
        """All terms of a species, sorted."""
        if self._members is None:
            self._members = defaultdict(list)
            for curie in sorted(self.terms):
                self._members[self.species(curie)].append(curie)
        return self._members.get(species, [species])

    def same_by_label_only(self, a: str, b: str) -> bool:
        """True if two terms are one species through acid/base label naming alone."""
        return self._by_label_only.find(a) == self._by_label_only.find(b)

    def stereo_form(self, curie: str) -> tuple[str, str] | None:
        """(species of the stereo-unspecified parent, descriptor) if the species of ``curie`` is a
        stereo form (any of its terms is); None if it is none, or several (a ChEBI inconsistency)."""
        found = {
            (self.species(stereo[0]), stereo[1])
            for member in self.members(self.species(curie))
            if (stereo := self._stereo_terms.get(member))
        }
        return found.pop() if len(found) == 1 else None

    def term_stereo(self, curie: str) -> tuple[str, str] | None:
        """(species of the stereo-unspecified parent, descriptor) of this one term, if it is a stereo form."""
        found = self._stereo_terms.get(curie)
        return (self.species(found[0]), found[1]) if found else None

    def _term_stereo(self, curie: str) -> tuple[str, str] | None:
        term = self.terms[curie]
        for parent in term.parents:
            generic = self.terms.get(parent)
            if generic is None or not generic.label:
                continue
            descriptor = stereo_descriptor(term, generic.label)
            if descriptor:
                return parent, descriptor
        return None


@functools.cache
def default_forms() -> ChebiForms:
    """The species/stereo index over the full bundled ChEBI (built once per process, ~5 s)."""
    return ChebiForms()


def _texts(terms: Mapping[str, ChebiTerm]) -> Iterable[tuple[str, str, str, bool]]:
    """(id, label, definition, deprecated) of every term; fast for the bundled table."""
    texts = getattr(terms, "texts", None)
    if texts is not None:
        return texts()
    return ((c, t.label, t.description, t.deprecated) for c, t in terms.items())


def stereo_descriptor(term: ChebiTerm, generic_label: str) -> str | None:
    """The configuration (``L``, ``D``, ``S``, ``R``, ``2S``, ``+``...) if ``term`` is a stereo form of
    the term labelled ``generic_label``, read from its label or its definition; else None.

    >>> from tmekg.loaders.ontologies import ChebiTerm
    >>> stereo_descriptor(ChebiTerm("L-kynurenine"), "kynurenine")
    'L'
    >>> s_form = ChebiTerm("x", "An optically active form of lactate having (S)-configuration.")
    >>> stereo_descriptor(s_form, "lactate")
    'S'
    >>> stereo_descriptor(ChebiTerm("kynurenic acid"), "kynurenine") is None
    True
    """
    match = _STEREO_PREFIX.match(term.label)
    if match and match.group(2).lower() == generic_label.lower():
        return match.group(1).strip("()")
    text, name = plain(term.description), generic_label.lower()
    found = _ENANTIOMER_OF.search(text)
    if found:
        tail = text[found.end() :].lower()
        end = tail[len(name) : len(name) + 1]
        if tail.startswith(name) and not (end.isalnum() or end == "-"):
            return found.group(1)
    for pattern in (_FORM_HAVING, _A_NAME_HAVING):
        found = pattern.search(text)
        if found and found.group(1).lower() == name:
            return found.group(2)
    return None


@dataclass
class MetaboliteLinks:
    """Node pairs to merge and the report of why (rule -> counts and examples)."""

    links: list[tuple[str, str]] = field(default_factory=list)
    joined: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    kept_apart: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    name_mapped: list[str] = field(default_factory=list)

    def report(self, examples: int = 5) -> dict[str, Any]:
        """JSON-ready: per rule the number of nodes joined and a few examples."""
        return {
            "rules": {
                rule: {"nodes_joined": len(items), "examples": items[:examples]}
                for rule, items in sorted(self.joined.items())
            },
            "name_mapped": {"nodes": len(self.name_mapped), "examples": self.name_mapped[:examples]},
            "generic_kept_apart": {"nodes": len(self.kept_apart), "examples": self.kept_apart[:examples]},
            "enantiomer_links_refused": {"links": len(self.refused), "examples": self.refused[:examples]},
        }


@dataclass
class _Node:
    id: str
    name: str
    degree: int
    chebi: tuple[str, ...]
    species: frozenset[str]
    stereo: tuple[str, str] | None
    configurations: frozenset[tuple[str, str]] = frozenset()
    mapped: bool = False


def builder_links(builder: GraphBuilder, forms: ChebiForms | None = None) -> MetaboliteLinks:
    """:func:`metabolite_links` over the Metabolite nodes added to a builder (before it merges)."""
    counts = builder.edge_counts()
    identifiers = builder.identifiers("Metabolite")
    names = builder.node_names("Metabolite")
    degree = {i: sum(counts.get(x, 0) for x in ids) for i, ids in identifiers.items()}
    return metabolite_links(identifiers, names, degree.get, forms)


def metabolite_links(
    identifiers: Mapping[str, Iterable[str]],
    names: Mapping[str, Iterable[str]] | None = None,
    degree: Callable[[str], int] | None = None,
    forms: ChebiForms | None = None,
) -> MetaboliteLinks:
    """Pairs of Metabolite node ids that are one metabolite by the module's rules, with a report.

    Parameters
    ----------
    identifiers
        Node id -> its ids and cross-references (``GraphBuilder.identifiers("Metabolite")``).
    names
        Node id -> its name and synonyms; a node with a local ``TMEKG:`` id and no ChEBI id is looked up
        by exact ChEBI label (CellPhoneDB's ``Adenosine``).
    degree
        Node id -> number of edges naming it (decides the dominant stereo form); default 0.
    forms
        The ChEBI species/stereo index (default: full ChEBI, offline).
    """
    forms = forms or default_forms()
    result = MetaboliteLinks()
    nodes = [
        _describe(i, ids, (names or {}).get(i, ()), degree, forms, result)
        for i, ids in sorted(identifiers.items())
    ]
    nodes = [n for n in nodes if n.chebi]
    joiner = _Joiner(result, {n.id: n for n in nodes})
    _link_species(nodes, forms, joiner)
    _link_stereo(nodes, joiner)
    _link_generic(nodes, joiner)
    return result


def _describe(
    node_id: str,
    ids: Iterable[str],
    names: Iterable[str],
    degree: Callable[[str], int] | None,
    forms: ChebiForms,
    result: MetaboliteLinks,
) -> _Node:
    chebi = tuple(sorted(i for i in set(ids) if i.startswith("CHEBI:") and i in forms.terms))
    names = tuple(names)
    mapped = False
    if not chebi and node_id.startswith("TMEKG:"):
        term = next((t for t in map(forms.resolve_name, names) if t), None)
        if term:
            chebi, mapped = (term,), True
            result.name_mapped.append(f"{node_id} ({names[0]}) -> {term} ({forms.terms[term].label})")
    stereo = {s for s in map(forms.stereo_form, chebi) if s}
    configurations = stereo | {s for s in map(forms.term_stereo, chebi) if s}
    return _Node(
        id=node_id,
        name=names[0] if names else node_id,
        degree=(degree(node_id) or 0) if degree else 0,
        chebi=chebi,
        species=frozenset(forms.species(c) for c in chebi),
        stereo=stereo.pop() if len(stereo) == 1 else None,
        configurations=frozenset(configurations),
        mapped=mapped,
    )


class _Joiner:
    """Accepts links in order, refusing any that would put two enantiomers in one node."""

    def __init__(self, result: MetaboliteLinks, nodes: Mapping[str, _Node]) -> None:
        self.result = result
        self.nodes = nodes
        self.uf = UnionFind()
        self.forms = {n.id: set(n.configurations) for n in nodes.values()}

    def join(self, a: str, b: str, rule: str) -> None:
        ra, rb = self.uf.find(a), self.uf.find(b)
        if ra == rb:
            return
        merged = self.forms[ra] | self.forms[rb]
        generics = [g for g, _ in merged]
        if len(generics) != len(set(generics)):
            self.result.refused.append(f"{self._say(a)} + {self._say(b)}: {sorted(d for _, d in merged)}")
            return
        self.uf.union(ra, rb)
        self.forms[self.uf.find(ra)] = merged
        self.result.links.append((a, b))
        self.result.joined[rule].append(f"{self._say(b)} -> {self._say(a)}")

    def _say(self, node_id: str) -> str:
        node = self.nodes[node_id]
        return f"{node.id} ({node.name})"


def _link_species(nodes: list[_Node], forms: ChebiForms, joiner: _Joiner) -> None:
    by_species: dict[str, list[_Node]] = defaultdict(list)
    for node in nodes:
        for species in sorted(node.species):
            by_species[species].append(node)
    for members in by_species.values():
        first = members[0]
        for other in members[1:]:
            joiner.join(first.id, other.id, _species_rule(first, other, forms))


def _species_rule(a: _Node, b: _Node, forms: ChebiForms) -> str:
    if a.mapped or b.mapped:
        return NAME_MAPPED
    if any(x == y or forms.same_by_label_only(x, y) for x in a.chebi for y in b.chebi):
        return SPECIES_LABEL
    return SPECIES_DEFINITION


def _link_stereo(nodes: list[_Node], joiner: _Joiner) -> None:
    by_form: dict[tuple[str, str], list[_Node]] = defaultdict(list)
    for node in nodes:
        if node.stereo:
            by_form[node.stereo].append(node)
    for members in by_form.values():
        for other in members[1:]:
            joiner.join(members[0].id, other.id, SAME_STEREO)


def _link_generic(nodes: list[_Node], joiner: _Joiner) -> None:
    """Stereo-unspecified nodes -> the only, or the dominant, stereo form present."""
    forms: dict[str, dict[str, list[_Node]]] = defaultdict(lambda: defaultdict(list))
    for node in nodes:
        if node.stereo:
            forms[node.stereo[0]][node.stereo[1]].append(node)
    for node in nodes:
        generic = next((s for s in sorted(node.species) if s in forms), None)
        if node.stereo or generic is None:
            continue
        weights = sorted(
            ((sum(n.degree for n in members), descriptor) for descriptor, members in forms[generic].items()),
            key=lambda wd: (-wd[0], wd[1]),
        )
        target = forms[generic][weights[0][1]][0]
        if len(weights) == 1:
            joiner.join(target.id, node.id, GENERIC_ONLY)
        elif weights[0][0] >= 2 * weights[1][0] and weights[0][0] > 0:
            joiner.join(target.id, node.id, GENERIC_DOMINANT)
        else:
            shown = ", ".join(f"{d}: {w} edges" for w, d in weights)
            joiner.result.kept_apart.append(f"{node.id} ({node.name}): {shown}")
