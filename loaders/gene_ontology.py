"""Loader for the Gene Ontology: ``go-basic.obo`` and ``goa_human.gaf`` (GAF 2.x), the immune layer.

What it yields (rules and worked examples in ``docs/immune-layer.md``):

- one ``ImmuneEffect`` node per effect of ``tmekg/kb/immune_effects.yaml`` (GO terms as xrefs), its
  ``CellType`` nodes and ``occurs_in`` edges;
- signed gene -> effect edges derived with GO's own semantics. For each effect, the terms it stands for
  and their ``is_a`` / ``part_of`` descendants are its *participation* terms; a term that
  ``positively_regulates`` (``negatively_regulates``) a participation term, and every ``is_a`` /
  ``part_of`` descendant of such a term, gives ``increases`` (``decreases``); ``regulates`` (no sign)
  and participation give the unsigned ``involved_in``, which carries no sign into the score. A GAF
  qualifier ``acts_upstream_of(_or_within)_positive_effect`` / ``..._negative_effect`` multiplies the sign
  (+1 / -1) and turns a participation term into a signed one. The term -> effect closure is computed
  once over the ontology, not per gene;
- ``Gene`` nodes ``HGNC.SYMBOL:<column 3>`` with the column-1 database id (``NCBIGENE`` / ``UNIPROT``) as
  xref, for the genes that get an edge, and for every gene with molecular-function annotations the
  property ``function_class`` (receptor, channel, transporter...: :mod:`tmekg.loaders.go_function`).

``NOT`` annotations never give an edge and cancel the same gene's annotations to that term and to its
``is_a`` / ``part_of`` descendants. Each edge keeps its GO terms and evidence codes (properties) and one
provenance per supporting GAF row (``record`` = ``goa_human.gaf:<line>``, evidence = the row's PMIDs/DOIs,
score = the weight of the row's evidence class). The OBO reader is a small own reader: on the real
file it is 4-10x faster than ``obonet`` / ``pronto`` (numbers in ``docs/immune-layer.md``).

Examples
--------
>>> from tmekg.model import LoadReport
>>> records = list(load(Path("gene-ontology"), LoadReport("gene-ontology")))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import open_text, resolve
from tmekg.kb.immune_effects import EffectSpec, EffectsTable, load_effects
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "gene-ontology"
OBO_FILE = "go-basic.obo"
GAF_FILE = "goa_human.gaf"
HIERARCHY = ("is_a", "part_of")
# Bioconductor's GO.db (from which ../shared/data rebuilds go-basic.obo) puts an artificial root "all"
# above the three namespace roots; links to it mean nothing and are dropped (other dangling links: error).
PSEUDO_ROOTS = frozenset({"all"})
REGULATION_SIGN = {"positively_regulates": 1, "negatively_regulates": -1, "regulates": 0}
GAF_COLUMNS = (
    "DB",
    "DB Object ID",
    "DB Object Symbol",
    "Qualifier",
    "GO ID",
    "DB:Reference",
    "Evidence Code",
    "With (or) From",
    "Aspect",
    "DB Object Name",
    "DB Object Synonym",
    "DB Object Type",
    "Taxon",
    "Date",
    "Assigned By",
    "Annotation Extension",
    "Gene Product Form ID",
)
GAF_REQUIRED = 15  # columns 16-17 are optional in GAF 2.x
GENE_DB = {"UniProtKB": "UNIPROT", "NCBIGene": "NCBIGENE"}
HUMAN = "taxon:9606"
PROCESS = "P"
ASPECTS = ("P", "F", "C")
QUALIFIER_SIGN = {"positive_effect": 1, "negative_effect": -1}
EVIDENCE_PREFIXES = ("PMID:", "DOI:")
_GO_ID = re.compile(r"^GO:\d{7}$")
GENE_CATEGORY, EFFECT_CATEGORY, CELL_CATEGORY = "Gene", "ImmuneEffect", "CellType"
OCCURS_IN, INCREASES, DECREASES, INVOLVED_IN = "occurs_in", "increases", "decreases", "involved_in"
PREDICATE_OF_SIGN = {1: INCREASES, -1: DECREASES, 0: INVOLVED_IN}


# -- OBO ------------------------------------------------------------------------------------------------
@dataclass
class Term:
    """One GO term: name, namespace and its outgoing is_a / relationship links (target, relation)."""

    id: str
    name: str = ""
    namespace: str = ""
    links: list[tuple[str, str, int]] = field(default_factory=list)  # (relation, target, line)
    obsolete: bool = False


@dataclass
class Ontology:
    """The terms of an OBO file, with alternative ids mapped to their primary id."""

    path: str
    version: str
    terms: dict[str, Term]
    alt_ids: dict[str, str]

    def primary(self, term_id: str) -> str | None:
        """The current id of ``term_id`` (itself, or the term listing it as ``alt_id``), else ``None``."""
        if term_id in self.terms:
            return term_id
        return self.alt_ids.get(term_id)

    def children(self, relations: Iterable[str]) -> dict[str, list[str]]:
        """Parent -> children over the given relations (``is_a`` and/or relationship names)."""
        wanted = set(relations)
        out: dict[str, list[str]] = defaultdict(list)
        for term in self.terms.values():
            for relation, target, _ in term.links:
                if relation in wanted:
                    out[target].append(term.id)
        return out


def read_obo(path: str | Path) -> Ontology:
    """Read an OBO 1.2/1.4 file: ``[Term]`` stanzas with id, name, namespace, is_a, relationship, alt_id.

    Obsolete terms are kept (flagged) so that ids can be resolved but never link anywhere; ``[Typedef]``
    and other stanzas are skipped.

    Raises
    ------
    LoaderError
        For a stanza without id, an ``is_a`` / ``relationship`` line without target, or a link to a term the
        file does not define (dangling), naming the file, line and field.
    """
    p = resolve(path)
    terms: dict[str, Term] = {}
    alt_ids: dict[str, str] = {}
    header: dict[str, str] = {}
    current: Term | None = None
    in_term = False
    with open_text(p) as handle:
        for number, raw in enumerate(_decoded(handle, p), start=1):
            line = raw.strip()
            if not line or line.startswith("!"):
                continue
            if line.startswith("["):
                current = _close(current, terms, p, number)
                in_term = line == "[Term]"
                continue
            tag, colon, value = line.partition(":")
            if not colon:
                raise LoaderError("not an OBO 'tag: value' line (truncated file?)", path=p, line=number)
            value = _strip_comment(value)
            if not in_term:
                if current is None and not terms:
                    header.setdefault(tag, value)
                continue
            current = _term_line(current, tag, value, alt_ids, p, number)
        if not handle.ended_with_newline:  # OBO writers end every line: a cut file does not
            raise LoaderError("the file ends mid-line (truncated OBO file?)", path=p, line=handle.line)
    _close(current, terms, p, None)
    if not terms:
        raise LoaderError("no [Term] stanza (empty, header-only or truncated OBO file)", path=p)
    _check_links(terms, alt_ids, p)
    return Ontology(str(p), header.get("data-version", ""), terms, alt_ids)


def _decoded(handle: Iterable[str], path: Path) -> Iterator[str]:
    number = 0
    try:
        for number, line in enumerate(handle, start=1):  # noqa: B007
            yield line
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise LoaderError(f"unreadable file ({exc})", path=path, line=number + 1) from None


def _strip_comment(value: str) -> str:
    value = value.strip()
    if value.startswith('"'):
        return value
    return value.split(" ! ", 1)[0].split(" {", 1)[0].strip()


def _term_line(
    current: Term | None, tag: str, value: str, alt_ids: dict[str, str], path: Path, line: int
) -> Term | None:
    if tag == "id":
        if current is not None and current.id:
            raise LoaderError("second 'id' in one [Term] stanza", path=path, line=line, field="id")
        return Term(value)
    if current is None:
        raise LoaderError(f"'{tag}' before the stanza's 'id'", path=path, line=line, field="id")
    if tag == "name":
        current.name = value
    elif tag == "namespace":
        current.namespace = value
    elif tag == "is_obsolete":
        current.obsolete = value == "true"
    elif tag == "alt_id":
        alt_ids[value] = current.id
    elif tag in ("is_a", "relationship"):
        link = _link(tag, value, path, line)
        if link[1] not in PSEUDO_ROOTS:
            current.links.append(link)
    return current


def _link(tag: str, value: str, path: Path, line: int) -> tuple[str, str, int]:
    parts = value.split()
    if tag == "is_a":
        if len(parts) != 1:
            raise LoaderError(f"is_a needs one term id, found {value!r}", path=path, line=line, field="is_a")
        return ("is_a", parts[0], line)
    if len(parts) != 2:
        raise LoaderError(
            f"relationship needs a relation and a term id, found {value!r}",
            path=path,
            line=line,
            field="relationship",
        )
    return (parts[0], parts[1], line)


def _close(current: Term | None, terms: dict[str, Term], path: Path, line: int | None) -> None:
    if current is None:
        return None
    if current.id in terms:
        raise LoaderError(f"term {current.id} defined twice", path=path, line=line, field="id")
    terms[current.id] = current
    return None


def _check_links(terms: Mapping[str, Term], alt_ids: Mapping[str, str], path: Path) -> None:
    for term in terms.values():
        for relation, target, line in term.links:
            if target not in terms and target not in alt_ids:
                where = "is_a" if relation == "is_a" else "relationship"
                raise LoaderError(
                    f"{term.id} {relation} {target}, a term this file does not define (dangling)",
                    path=path,
                    line=line,
                    field=where,
                )


# -- closure: GO term -> (effect, sign) ----------------------------------------------------------------------
@dataclass(frozen=True)
class Link:
    """How annotating a gene to one GO term bears on one effect: sign (+1, -1, 0) and via which rule."""

    effect: str
    sign: int
    rule: str  # participation | positive regulation | negative regulation | regulation


def effect_closure(ontology: Ontology, effects: Iterable[EffectSpec]) -> tuple[dict[str, list[Link]], int]:
    """Map every GO term that bears on an effect to its links, computed once over the ontology.

    Returns the mapping and the number of (term, effect) pairs dropped as ambiguous (a term below both a
    positive and a negative regulator of the same effect).
    """
    down = ontology.children(HIERARCHY)
    regulators: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for term in ontology.terms.values():
        for relation, target, _ in term.links:
            if relation in REGULATION_SIGN:
                regulators[ontology.primary(target) or target].append((term.id, REGULATION_SIGN[relation]))
    cache: dict[str, frozenset[str]] = {}
    out: dict[str, list[Link]] = defaultdict(list)
    ambiguous = 0
    for effect in effects:
        starts = [t for t in (ontology.primary(g) for g in effect.go) if t]
        participation = _descendants(starts, down, cache)
        signs: dict[str, set[int]] = defaultdict(set)
        for target in participation:
            for regulator, sign in regulators.get(target, ()):
                for term in _descendants([regulator], down, cache):
                    signs[term].add(sign)
        for term in participation:
            signs.setdefault(term, set())
        for term, found in signs.items():
            link = _link_of(effect.id, found, term in participation)
            if link is None:
                ambiguous += 1
            else:
                out[term].append(link)
    return dict(out), ambiguous


def _link_of(effect: str, signs: set[int], participates: bool) -> Link | None:
    if 1 in signs and -1 in signs:
        return None
    if 1 in signs:
        return Link(effect, 1, "positive regulation")
    if -1 in signs:
        return Link(effect, -1, "negative regulation")
    return Link(effect, 0, "participation" if participates else "regulation")


def _descendants(
    starts: Iterable[str], down: Mapping[str, list[str]], cache: dict[str, frozenset[str]]
) -> frozenset[str]:
    """Terms at or below ``starts`` over is_a / part_of (memoised per start term)."""
    out: set[str] = set()
    for start in starts:
        if start not in cache:
            seen, stack = {start}, [start]
            while stack:
                for child in down.get(stack.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
            cache[start] = frozenset(seen)
        out |= cache[start]
    return frozenset(out)


# -- GAF ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Annotation:
    """One GAF row, reduced to what the immune layer uses."""

    line: int
    db: str
    object_id: str
    symbol: str
    qualifiers: tuple[str, ...]
    go: str
    references: tuple[str, ...]
    evidence: str
    aspect: str
    name: str
    synonyms: tuple[str, ...]
    taxon: str

    @property
    def negated(self) -> bool:
        """Whether the row says the gene product is NOT involved (``NOT`` qualifier)."""
        return "NOT" in self.qualifiers

    @property
    def sign(self) -> int:
        """+1 / -1 for ``..._positive_effect`` / ``..._negative_effect`` qualifiers, else +1 (no change)."""
        for qualifier in self.qualifiers:
            for suffix, sign in QUALIFIER_SIGN.items():
                if qualifier.endswith(suffix):
                    return sign
        return 1


def read_gaf(path: str | Path) -> Iterator[Annotation]:
    """Yield the annotation rows of a GAF 2.x file (comment lines ``!`` skipped).

    Raises
    ------
    LoaderError
        For a GAF version other than 2.x, a truncated line (fewer than 15 tab-separated columns; the
        first missing column is named), a malformed GO id or an unknown aspect, naming file and line.
    """
    p = resolve(path)
    with open_text(p) as handle:
        for number, raw in enumerate(_decoded(handle, p), start=1):
            line = raw.rstrip("\r\n")
            if line.startswith("!"):
                _check_version(line, p, number)
                continue
            if not line.strip():
                continue
            yield _annotation(line.split("\t"), p, number)


def _check_version(line: str, path: Path, number: int) -> None:
    if line.lower().startswith("!gaf-version:"):
        version = line.split(":", 1)[1].strip()
        if not version.startswith("2."):
            raise LoaderError(
                f"GAF version {version!r} is not supported (expected 2.x)",
                path=path,
                line=number,
                field="gaf-version",
            )


def _annotation(cols: list[str], path: Path, number: int) -> Annotation:
    if len(cols) < GAF_REQUIRED:
        raise LoaderError(
            f"truncated line: {len(cols)} tab-separated columns, GAF 2.x needs at least {GAF_REQUIRED}",
            path=path,
            line=number,
            field=GAF_COLUMNS[len(cols)],
        )
    go, aspect = cols[4].strip(), cols[8].strip()
    if not _GO_ID.match(go):
        raise LoaderError(f"{go!r} is not a GO id", path=path, line=number, field=GAF_COLUMNS[4])
    if aspect not in ASPECTS:
        raise LoaderError(f"aspect {aspect!r} not in P, F, C", path=path, line=number, field=GAF_COLUMNS[8])
    refs = tuple(r for r in cols[5].split("|") if r.startswith(EVIDENCE_PREFIXES))
    return Annotation(
        number,
        cols[0].strip(),
        cols[1].strip(),
        cols[2].strip(),
        tuple(q for q in cols[3].strip().split("|") if q),
        go,
        refs,
        cols[6].strip(),
        aspect,
        cols[9].strip(),
        tuple(s for s in cols[10].split("|") if s.strip()),
        cols[12].split("|")[0].strip(),
    )


# -- gene -> effect edges ---------------------------------------------------------------------------------
@dataclass
class _EdgeAcc:
    """What one (gene, predicate, effect) edge has gathered from GAF rows."""

    terms: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    rows: list[tuple[int, float, str, tuple[str, ...]]] = field(default_factory=list)


@dataclass
class _Gene:
    symbol: str
    name: str = ""
    xrefs: set[str] = field(default_factory=set)
    synonyms: set[str] = field(default_factory=set)


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield effect and cell-type nodes, ``occurs_in`` edges, then gene nodes and gene -> effect edges.

    Parameters
    ----------
    directory
        The source folder (layout of ``shared/data/gene-ontology``: ``go-basic.obo``, ``goa_human.gaf``,
        each plain or gzipped).
    report
        Receives the GAF row count and the rows not used, by reason.

    Raises
    ------
    LoaderError
        For missing or malformed files (file, line, field).
    """
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    table = load_effects()
    ontology = read_obo(directory / OBO_FILE)
    _check_effect_terms(table, ontology, report)
    yield from effect_records(table, version)
    closure, ambiguous = effect_closure(ontology, table.effects)
    if ambiguous:
        report.skip(
            "GO term below both a positive and a negative regulator of one effect", f"{ambiguous} pairs"
        )
    gaf = resolve(directory / GAF_FILE)
    from tmekg.loaders.go_function import FunctionTap, function_spec

    functions = FunctionTap(ontology, function_spec(), report)  # molecular-function classes, same pass
    edges, genes = _collect(functions(read_gaf(gaf)), ontology, closure, table, report)
    yield from _gene_records(edges, genes, gaf, version)
    yield from functions.records(version, gaf.name.removesuffix(".gz"))


def _check_effect_terms(table: EffectsTable, ontology: Ontology, report: LoadReport) -> None:
    """Count the effect GO terms this GO release lacks or made obsolete (a test pins the shipped release)."""
    for effect in table.effects:
        for term in effect.go:
            primary = ontology.primary(term)
            if primary is None or ontology.terms[primary].obsolete:
                report.skip(
                    "effect GO term not current in go-basic.obo (effect keeps its other terms)",
                    f"{effect.id} {term}",
                )


#: Evidence class of the facts tmekg's own immune-effect table states (which cell types an effect occurs
#: in), as opposed to GAF annotations (``GO:<evidence code>``); see docs/evidence-grades.md.
EFFECT_TABLE_CLASS = "tmekg:immune-effect-table"


def effect_records(table: EffectsTable, version: str) -> Iterator[Node | Edge]:
    """ImmuneEffect and CellType nodes of the table and the ``occurs_in`` edges between them."""
    prov = (Provenance(SOURCE, version, record=Path(table.path).name, evidence_class=EFFECT_TABLE_CLASS),)
    used = sorted({c for e in table.effects for c in e.cell_types})
    for cid in used:
        cell = table.cell_types[cid]
        yield Node(
            cid, CELL_CATEGORY, cell.name, properties=props(compartment=cell.compartment), provenance=prov
        )
    for effect in table.effects:
        eprov = (
            Provenance(
                SOURCE,
                version,
                evidence=effect.evidence,
                status="verified" if effect.evidence or effect.go else "unverified",
                record=f"{Path(table.path).name}:{effect.line}",
                evidence_class=EFFECT_TABLE_CLASS,  # the occurs_in edges come from the table, not the GAF
            ),
        )
        yield Node(
            effect.id,
            EFFECT_CATEGORY,
            effect.name,
            synonyms=effect.synonyms,
            xrefs=effect.go,
            properties=props(polarity=effect.polarity),
            provenance=eprov,
        )
        for cid in effect.cell_types:
            yield Edge(effect.id, OCCURS_IN, cid, eprov)


def _collect(
    rows: Iterable[Annotation],
    ontology: Ontology,
    closure: Mapping[str, list[Link]],
    table: EffectsTable,
    report: LoadReport,
) -> tuple[dict[tuple[str, str, str], _EdgeAcc], dict[str, _Gene]]:
    kept: list[tuple[Annotation, str]] = []
    negated: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        report.rows += 1
        term = _usable(row, ontology, table, report)
        if term is None:
            continue
        if row.negated:
            negated[row.symbol].add(term)
            report.skip(
                "NOT annotation (negated; cancels the gene's annotations to the term and below)", _ex(row)
            )
        elif term in closure:
            kept.append((row, term))
    cancelled = _negated_terms(negated, ontology)
    edges: dict[tuple[str, str, str], _EdgeAcc] = defaultdict(_EdgeAcc)
    genes: dict[str, _Gene] = {}
    for row, term in kept:
        if term in cancelled.get(row.symbol, ()):
            report.skip("annotation cancelled by a NOT annotation of the same gene", _ex(row))
            continue
        _add_row(row, term, closure[term], table, edges, genes)
    return edges, genes


def _usable(row: Annotation, ontology: Ontology, table: EffectsTable, report: LoadReport) -> str | None:
    """The row's current GO term if the row can bear on an effect, else ``None`` (counted in the report)."""
    reason = None
    if row.aspect != PROCESS:
        reason = "not a biological-process annotation"
    elif row.db not in GENE_DB:
        reason = f"object database {row.db} is not a gene (UniProtKB / NCBIGene)"
    elif row.taxon != HUMAN:
        reason = "non-human taxon"
    elif row.evidence in table.excluded_evidence:
        reason = f"evidence code {row.evidence} (no biological data)"
    elif row.evidence not in table.evidence_weight:
        reason = "evidence code not in any evidence class"
    elif not row.symbol or not _SYMBOL.match(row.symbol):
        reason = "object symbol not usable as an HGNC symbol"
    if reason is None:
        term = ontology.primary(row.go)
        if term is not None and not ontology.terms[term].obsolete:
            return term
        reason = "GO term not current in go-basic.obo"
    report.skip(reason, _ex(row))
    return None


_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-\.@_/]*$")


def _ex(row: Annotation) -> str:
    return f"{GAF_FILE}:{row.line} {row.symbol} {row.go} {row.evidence}"


def _negated_terms(negated: Mapping[str, set[str]], ontology: Ontology) -> dict[str, frozenset[str]]:
    if not negated:
        return {}
    down = ontology.children(HIERARCHY)
    cache: dict[str, frozenset[str]] = {}
    return {symbol: _descendants(terms, down, cache) for symbol, terms in negated.items()}


def _add_row(
    row: Annotation,
    term: str,
    links: list[Link],
    table: EffectsTable,
    edges: dict[tuple[str, str, str], _EdgeAcc],
    genes: dict[str, _Gene],
) -> None:
    weight = table.evidence_weight[row.evidence]
    for link in links:
        sign = link.sign * row.sign if link.sign else (row.sign if _has_effect_qualifier(row) else 0)
        acc = edges[(row.symbol, PREDICATE_OF_SIGN[sign], link.effect)]
        acc.terms.add(term)
        acc.codes.add(row.evidence)
        acc.rules.add(link.rule)
        acc.rows.append((row.line, weight, row.evidence, row.references))
    gene = genes.setdefault(row.symbol, _Gene(row.symbol))
    gene.name = gene.name or row.name
    gene.xrefs.add(f"{GENE_DB[row.db]}:{row.object_id}")
    gene.synonyms.update(s for s in row.synonyms if s != row.symbol)


def _has_effect_qualifier(row: Annotation) -> bool:
    return any(q.endswith(tuple(QUALIFIER_SIGN)) for q in row.qualifiers)


def _gene_records(
    edges: Mapping[tuple[str, str, str], _EdgeAcc], genes: Mapping[str, _Gene], gaf: Path, version: str
) -> Iterator[Node | Edge]:
    record_name = gaf.name.removesuffix(".gz")
    for symbol in sorted(genes):
        gene = genes[symbol]
        yield Node(
            f"HGNC.SYMBOL:{symbol}",
            GENE_CATEGORY,
            symbol,
            synonyms=tuple(sorted(gene.synonyms)),
            xrefs=tuple(sorted(gene.xrefs)),
            properties=props(full_name=gene.name or None),
            provenance=(Provenance(SOURCE, version, record=record_name),),
        )
    for (symbol, predicate, effect), acc in sorted(edges.items()):
        provenance = tuple(
            Provenance(
                SOURCE,
                version,
                evidence=refs,
                score=weight,
                record=f"{record_name}:{line}",
                evidence_class=f"GO:{code}",  # the GAF evidence code (grade, issue 16)
            )
            for line, weight, code, refs in sorted(set(acc.rows))
        )
        yield Edge(
            f"HGNC.SYMBOL:{symbol}",
            predicate,
            effect,
            provenance,
            props(go_terms=sorted(acc.terms), evidence_codes=sorted(acc.codes), go_rule=sorted(acc.rules)),
        )
