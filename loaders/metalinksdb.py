"""Loader for MetalinksDB (saezlab): metabolite–protein links and enzyme production/degradation.

Files (in the source folder, ``.gz`` variants read transparently):

``DB_F_0.4.5.csv``
    Comma-separated with a UTF-8 BOM. Text fields are JSON-style quoted (the value keeps its own
    double quotes, tripled in the file), UniProt ids carry a ``uniprot:``
    prefix, missing values are ``null`` and location columns hold JSON lists. One row per
    metabolite–protein link with ``a.mode`` (binding, activation, inhibition, pred_bind) and
    ``type(a)`` (the resource the link came from, e.g. ``StitchMetaboliteReceptor``).
``PD_0.3.0.csv``
    ``,HMDB,GENE,direction``: an enzyme is ``producing`` or ``degrading`` a metabolite.

Records: Metabolite nodes ``HMDB:…`` (xref ``PUBCHEM.COMPOUND``), Gene nodes ``HGNC.SYMBOL:…``
(xref ``UNIPROT``, roles receptor/transporter/enzyme), and edges ``activates`` / ``inhibits`` /
``binds`` (metabolite → gene, score = ``a.combined_score`` / 1000), ``transports`` (gene →
metabolite, for transporter-type links) and ``produces`` / ``degrades`` (gene → metabolite).
Rows repeating an already emitted link are merged into it (highest score kept) and counted.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

from tmekg.io import optional, read_table, resolve
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "metalinksdb"
LINKS = "DB_F_0.4.5.csv"
ENZYMES = "PD_0.3.0.csv"
LINK_COLUMNS = ("HMDB", "a.mode", "metabolite", "Symbol", "Uniprot", "type(a)", "pubchem")
ENZYME_COLUMNS = ("HMDB", "GENE", "direction")
MODE_PREDICATES = {"activation": "activates", "inhibition": "inhibits"}
ENZYME_PREDICATES = {"producing": "produces", "degrading": "degrades"}
DIRECTIONS = {"import": "import", "uptake": "import", "export": "export", "efflux": "export"}
_NULL = {"", "null", "none", "nan", "na"}


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield MetalinksDB nodes (metabolites, then genes) followed by edges."""
    from tmekg.loaders import get_source

    graph = _Collector(get_source(SOURCE).version)
    _read_links(resolve(directory / LINKS), graph, report)
    enzymes = optional(directory / ENZYMES)
    if enzymes is not None:
        _read_enzymes(enzymes, graph, report)
    yield from graph.records()


def clean(value: str | None) -> str | None:
    """Strip JSON-style quotes and whitespace; ``null``/empty become ``None``.

    >>> clean('"HMDB0000538"'), clean("null"), clean(' 5957 ')
    ('HMDB0000538', None, '5957')
    """
    if value is None:
        return None
    text = value.strip().strip('"').strip()
    return None if text.lower() in _NULL else text


@functools.cache
def hmdb_id(text: str | None) -> str | None:
    """``HMDB:HMDB0000538`` for a valid HMDB accession, else ``None``."""
    from tmekg.ids import normalize

    curie = normalize(text, default_prefix="HMDB") if text else None
    return curie if curie and _valid(curie, "Metabolite") else None


@functools.cache
def gene_id(symbol: str | None) -> str | None:
    """``HGNC.SYMBOL:<symbol>`` if the symbol is well formed, else ``None``."""
    curie = f"HGNC.SYMBOL:{symbol}" if symbol else None
    return curie if curie and _valid(curie, "Gene") else None


def _valid(curie: str, category: str) -> bool:
    from tmekg.ids import is_valid

    return is_valid(curie, category)


class _Collector:
    """Accumulates nodes (first-seen order) and edges (merged per subject–predicate–object)."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.metabolites: dict[str, dict] = {}
        self.genes: dict[str, dict] = {}
        self.edges: dict[tuple[str, str, str], dict] = {}

    def metabolite(self, curie: str, name: str | None, pubchem: str | None, klass: str | None) -> None:
        entry = self.metabolites.setdefault(curie, {"name": None, "xrefs": [], "class": None})
        entry["name"] = entry["name"] or name
        entry["class"] = entry["class"] or klass
        if pubchem and pubchem.isdigit() and f"PUBCHEM.COMPOUND:{pubchem}" not in entry["xrefs"]:
            entry["xrefs"].append(f"PUBCHEM.COMPOUND:{pubchem}")

    def gene(self, curie: str, role: str | None, uniprot: str | None = None) -> None:
        entry = self.genes.setdefault(curie, {"roles": [], "xrefs": []})
        if role and role not in entry["roles"]:
            entry["roles"].append(role)
        if uniprot and _valid(uniprot, None) and uniprot not in entry["xrefs"]:
            entry["xrefs"].append(uniprot)

    def edge(self, key: tuple[str, str, str], record: str, score: float | None, **prop: str) -> bool:
        """Add or merge an edge; return False if the link was already present."""
        entry = self.edges.get(key)
        if entry is None:
            self.edges[key] = {"record": record, "score": score, "props": prop}
            return True
        if score is not None and (entry["score"] is None or score > entry["score"]):
            entry["score"] = score
        return False

    def records(self) -> Iterator[Node | Edge]:
        for curie, m in self.metabolites.items():
            yield Node(
                id=curie,
                category="Metabolite",
                name=m["name"] or curie.split(":", 1)[1],
                xrefs=tuple(m["xrefs"]),
                properties=props(metabolite_class=m["class"]),
                provenance=(Provenance(SOURCE, self.version),),
            )
        for curie, g in self.genes.items():
            yield Node(
                id=curie,
                category="Gene",
                name=curie.split(":", 1)[1],
                xrefs=tuple(g["xrefs"]),
                properties=props(roles=sorted(g["roles"])),
                provenance=(Provenance(SOURCE, self.version),),
            )
        for (subject, predicate, obj), e in self.edges.items():
            prov = Provenance(SOURCE, self.version, score=e["score"], record=e["record"])
            yield Edge(subject, predicate, obj, (prov,), props(e["props"]))


def _read_links(path: Path, graph: _Collector, report: LoadReport) -> None:
    for line, row in read_table(path, ",", required=LINK_COLUMNS):
        report.rows += 1
        met, gene = hmdb_id(clean(row["HMDB"])), gene_id(clean(row["Symbol"]))
        if met is None or gene is None:
            reason = "invalid or missing HMDB id" if met is None else "invalid or missing gene symbol"
            report.skip(reason, f"{row['HMDB']} / {row['Symbol']} (line {line})")
            continue
        name, pubchem = clean(row["metabolite"]), clean(row["pubchem"])
        graph.metabolite(met, name, pubchem, clean(row.get("metabolite_subclass")))
        key, prop, role = _link(met, gene, (clean(row["a.mode"]) or "binding").lower(), clean(row["type(a)"]))
        graph.gene(gene, role, _uniprot(clean(row["Uniprot"])))
        if not graph.edge(key, f"{path.name}:{line}", _score(row.get("a.combined_score")), **prop):
            _duplicate(report, key, line)


def _link(met: str, gene: str, mode: str, kind: str | None) -> tuple[tuple[str, str, str], dict, str | None]:
    """Edge key, edge properties and gene role for one link row."""
    kind = (kind or "").lower()
    if "transporter" in kind:
        return (gene, "transports", met), {"direction": DIRECTIONS.get(mode, "bidirectional")}, "transporter"
    predicate = MODE_PREDICATES.get(mode, "binds")
    prop = {"mode": mode} if predicate == "binds" else {}
    return (met, predicate, gene), prop, "receptor" if "receptor" in kind else None


def _read_enzymes(path: Path, graph: _Collector, report: LoadReport) -> None:
    for line, row in read_table(path, ",", required=ENZYME_COLUMNS):
        report.rows += 1
        met, gene = hmdb_id(clean(row["HMDB"])), gene_id(clean(row["GENE"]))
        predicate = ENZYME_PREDICATES.get((clean(row["direction"]) or "").lower())
        if met is None or gene is None or predicate is None:
            what = "HMDB id" if met is None else "gene symbol" if gene is None else "direction"
            example = f"{row['HMDB']},{row['GENE']},{row['direction']} (line {line})"
            report.skip(f"invalid or missing {what}", example)
            continue
        graph.metabolite(met, None, None, None)
        graph.gene(gene, "enzyme")
        if not graph.edge((gene, predicate, met), f"{path.name}:{line}", None):
            _duplicate(report, (gene, predicate, met), line)


def _duplicate(report: LoadReport, key: tuple[str, str, str], line: int) -> None:
    report.skip("duplicate link (merged into an earlier row)", f"{' '.join(key)} (line {line})")


@functools.cache
def _uniprot(text: str | None) -> str | None:
    from tmekg.ids import normalize

    return normalize(text, default_prefix="UNIPROT") if text else None


def _score(text: str | None) -> float | None:
    value = clean(text)
    try:
        return round(float(value) / 1000, 3) if value is not None else None
    except ValueError:
        return None
