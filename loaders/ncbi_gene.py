"""NCBI Gene ``gene_info`` and UniProt ``idmapping.dat``: the human gene identity authority.

Files (``../shared/data/ncbi-gene``, or the publishers' downloads):

- ``Homo_sapiens.gene_info[.gz]``: NCBI's 16-column ``gene_info`` layout, header line starting with
  ``#tax_id``, ``-`` for empty. Used columns: ``GeneID``, ``Symbol`` (for human genes the HGNC approved
  symbol), ``Synonyms`` (aliases and previous symbols, ``|``-separated), ``dbXrefs`` (``Ensembl:ENSG…``
  entries), ``description`` and ``type_of_gene``.
- ``HUMAN_9606_idmapping.dat[.gz]`` (optional): UniProt's three-column ``idmapping.dat`` layout
  (accession, id type, id); the ``GeneID`` rows link accessions to NCBI genes.

This source yields no graph records: the genes are not knowledge about the tumour microenvironment, and
77k unlinked Gene nodes would only dilute the graph. The build reads it through :func:`read_genes` /
:func:`read_idmapping` (called by :mod:`tmekg.genes`) to give every Gene node of the other sources one NCBI
gene identity. A malformed line raises :class:`tmekg.errors.LoaderError` naming file, line and field.

Examples
--------
>>> rows = read_genes(Path("Homo_sapiens.gene_info.gz"))     # doctest: +SKIP
>>> rows[0].gene_id, rows[0].symbol, rows[0].ensembl          # doctest: +SKIP
('1', 'A1BG', ('ENSG00000121410',))
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import open_text, optional, resolve
from tmekg.model import Edge, LoadReport, Node

GENE_INFO = "Homo_sapiens.gene_info"
IDMAPPING = "HUMAN_9606_idmapping.dat"
COLUMNS = ("GeneID", "Symbol", "Synonyms", "dbXrefs", "chromosome", "description", "type_of_gene")
AUTHORITY_SYMBOL = "Symbol_from_nomenclature_authority"
MITOCHONDRION = "MT"
HUMAN = "9606"
ENSEMBL_XREF = "Ensembl:"


@dataclass(frozen=True, slots=True)
class GeneRow:
    """One ``gene_info`` line: an NCBI gene with its approved symbol, aliases and Ensembl genes."""

    gene_id: str
    symbol: str
    aliases: tuple[str, ...]
    ensembl: tuple[str, ...]
    description: str
    type_of_gene: str


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Check and count the gene table; yields no records (the build uses :mod:`tmekg.genes`)."""
    report.rows = len(read_genes(resolve(directory / GENE_INFO)))
    yield from ()


def read_genes(path: Path) -> list[GeneRow]:
    """Every human gene of a ``gene_info`` file, in file order.

    Raises
    ------
    LoaderError
        A missing header column, a line with the wrong number of fields, a non-numeric GeneID, an empty
        symbol, a duplicated GeneID or a non-human tax_id (file, line and field named).
    """
    with open_text(path) as handle:
        header = handle.readline().rstrip("\r\n").lstrip("#").split("\t")
        where = _column_positions(header, path)
        width = len(header)
        rows, seen = [], set()
        for line_no, line in enumerate(handle, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != width:
                raise LoaderError(
                    f"{len(fields)} fields, expected {width}", path, line_no, _field(header, fields)
                )
            row = _gene_row(fields, where, path, line_no)
            if row.gene_id in seen:
                raise LoaderError(f"GeneID {row.gene_id} appears twice", path, line_no, "GeneID")
            seen.add(row.gene_id)
            rows.append(row)
    if not rows:
        raise LoaderError("no genes", path)
    return rows


def _column_positions(header: list[str], path: Path) -> dict[str, int]:
    missing = [c for c in ("tax_id", *COLUMNS) if c not in header]
    if missing:
        raise LoaderError(f"not a gene_info header (missing {', '.join(missing)})", path, 1, missing[0])
    wanted = ("tax_id", *COLUMNS, *([AUTHORITY_SYMBOL] if AUTHORITY_SYMBOL in header else []))
    return {c: header.index(c) for c in wanted}


def _field(header: list[str], fields: list[str]) -> str:
    """The first column a short line lacks, or the last one for a long line."""
    return header[len(fields)] if len(fields) < len(header) else header[-1]


def _gene_row(fields: list[str], where: dict[str, int], path: Path, line_no: int) -> GeneRow:
    tax, gene_id, symbol = fields[where["tax_id"]], fields[where["GeneID"]], fields[where["Symbol"]]
    if tax != HUMAN:
        raise LoaderError(f"tax_id {tax!r} is not human ({HUMAN})", path, line_no, "tax_id")
    if not gene_id.isdigit():
        raise LoaderError(f"GeneID {gene_id!r} is not a number", path, line_no, "GeneID")
    if symbol in ("", "-"):
        raise LoaderError("empty symbol", path, line_no, "Symbol")
    xrefs, aliases = _items(fields[where["dbXrefs"]]), _items(fields[where["Synonyms"]])
    approved = _approved_symbol(symbol, aliases, fields, where)
    return GeneRow(
        gene_id=gene_id,
        symbol=approved,
        aliases=aliases if approved == symbol else (symbol, *aliases),
        ensembl=tuple(x[len(ENSEMBL_XREF) :] for x in xrefs if x.startswith(ENSEMBL_XREF)),
        description=_value(fields[where["description"]]),
        type_of_gene=_value(fields[where["type_of_gene"]]),
    )


def _approved_symbol(symbol: str, aliases: tuple[str, ...], fields: list[str], where: dict[str, int]) -> str:
    """The HGNC approved symbol: the nomenclature-authority column when filled; else NCBI's Symbol,
    except for mitochondrially encoded genes, whose HGNC symbols are ``MT-`` plus NCBI's ``MT…`` alias
    (``ND5`` with alias ``MTND5`` is ``MT-ND5``, ``TRNC`` with ``MTTC`` is ``MT-TC``)."""
    official = _value(fields[where[AUTHORITY_SYMBOL]]) if AUTHORITY_SYMBOL in where else ""
    if official:
        return official
    if fields[where["chromosome"]] == MITOCHONDRION and not symbol.startswith("MT-"):
        mt = [a for a in aliases if a.startswith(MITOCHONDRION) and len(a) > 2]
        if len(mt) == 1:
            return f"MT-{mt[0][2:]}"
    return symbol


def _items(text: str) -> tuple[str, ...]:
    return () if text in ("", "-") else tuple(t for t in text.split("|") if t)


def _value(text: str) -> str:
    return "" if text == "-" else text


def read_idmapping(directory: Path) -> list[tuple[str, str]]:
    """``(UniProt accession, GeneID)`` pairs from ``idmapping.dat`` (empty when the file is absent).

    Raises
    ------
    LoaderError
        A line without exactly three tab-separated fields, or a ``GeneID`` line with a non-numeric GeneID
        (other id types are skipped unsplit, which keeps the full download fast).
    """
    path = optional(directory / IDMAPPING)
    if path is None:
        return []
    pairs = []
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.count("\t") != 2 and line.strip():  # every row: accession, id type, id
                raise LoaderError("expected 3 tab-separated fields (truncated line?)", path, line_no)
            if "\tGeneID\t" not in line:  # the full download has ~100 other id types: skip them unsplit
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) != 3 or not fields[2].isdigit():
                text = f"a GeneID row needs 3 fields and a numeric id, got {fields[1:]!r}"
                raise LoaderError(text, path, line_no, "id")
            pairs.append((fields[0], fields[2]))
    return pairs
