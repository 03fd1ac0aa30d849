"""Loader for Human-GEM (SysBioChalmers), the human genome-scale metabolic model.

Reads ``Human-GEM.xlsx`` (RAVEN spreadsheet export; sheets ``METS``, ``GENES``, ``RXNS``) and, when
present, the annotation tables ``metabolites.tsv``, ``genes.tsv`` and ``reactions.tsv`` (their
cross-references are added to those of the spreadsheet's MIRIAM columns; gene full names come from
``genes.tsv``). Without the spreadsheet, the SBML export ``Human-GEM.xml`` is read instead.

Records (built by :func:`tmekg.loaders.gem.records`): Metabolite nodes collapsed over compartments
(``MAM00001c``/``MAM00001e`` -> one node; ``CHEBI:`` id when known, else ``METATLAS:MAM00001``),
Gene nodes, Reaction nodes ``METATLAS:MAR...``, subsystem Pathway nodes
``TMEKG:pathway.hgem.<slug>`` and the edges ``has_input``/``has_output`` (compartment letter, e.g.
``c``, and stoichiometry), ``catalyzes`` (rule_role from the parsed gene rule), ``in_pathway`` and
``transports`` (extracellular <-> cytosol). Reaction PMIDs (column ``REFERENCE``) become evidence.

Examples
--------
>>> from tmekg.model import LoadReport
>>> records = list(load(Path("../shared/data/human-gem"), LoadReport("human-gem")))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError
from tmekg.io import note_rows, optional, read_table, resolve
from tmekg.loaders.gem import GemGene, GemMetabolite, GemModel, GemReaction, Participant, records
from tmekg.loaders.sbml import gene_xref, miriam_curies, read_sbml, to_curie
from tmekg.model import Edge, LoadReport, Node

SOURCE = "human-gem"
TAG, DATABASE = "hgem", "Human-GEM"
XLSX, SBML = "Human-GEM.xlsx", "Human-GEM.xml"
METS_COLUMNS = ("ID", "NAME", "MIRIAM", "COMPOSITION", "COMPARTMENT", "REPLACEMENT ID")
GENES_COLUMNS = ("NAME", "MIRIAM", "SHORT NAME")
RXNS_COLUMNS = ("ID", "NAME", "EQUATION", "EC-NUMBER", "GENE ASSOCIATION", "SUBSYSTEM", "MIRIAM", "REFERENCE")
MET_TSV = {
    "metKEGGID": "kegg.compound",
    "metHMDBID": "hmdb",
    "metChEBIID": "chebi",
    "metPubChemID": "pubchem.compound",
    "metLipidMapsID": "lipidmaps",
    "metMetaNetXID": "metanetx.chemical",
}
GENE_TSV = {"geneUniProtID": "uniprot", "geneEntrezID": "ncbigene"}
RXN_TSV = {
    "rxnKEGGID": "kegg.reaction",
    "rxnREACTOMEID": "reactome",
    "rxnRheaID": "rhea",
    "rxnRheaMasterID": "rhea",
}
REACTION_XREFS = ("RHEA", "KEGG.REACTION", "REACT")
_MAM_COMP = re.compile(r"^(MAM\d+)([a-z]+)$")
_ARROW = re.compile(r"(?:^|\s+)(<=>|=>)(?:\s+|$)")
_COEF = re.compile(r"^(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(.+)$")
_PMID = re.compile(r"PMID:\s*(\d+)")


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield the records of a Human-GEM folder (spreadsheet, else SBML).

    Parameters
    ----------
    directory
        The source folder (same layout as ``shared/data/human-gem``).
    report
        Receives the row count and the skipped rows with their reasons.

    Yields
    ------
    Node | Edge
        Schema-valid records, in a deterministic order.

    Raises
    ------
    LoaderError
        For missing or malformed files, naming the file, line and field.
    """
    from tmekg.loaders import get_source

    version = get_source(SOURCE).version
    if (directory / XLSX).exists():
        model = read_xlsx(directory, report)
    elif optional(directory / SBML) is not None:
        model = read_sbml(resolve(directory / SBML), TAG, DATABASE, report)
    else:
        raise LoaderError(f"neither {XLSX} nor {SBML}(.gz) found", path=directory)
    yield from records(model, SOURCE, version, report)


def read_xlsx(directory: Path, report: LoadReport) -> GemModel:
    """Read the spreadsheet (plus annotation TSVs when present) into a :class:`GemModel`.

    Raises
    ------
    LoaderError
        For an unreadable workbook, a missing sheet or column (naming sheet, line 1 and the column),
        or a malformed annotation table.
    """
    path = directory / XLSX
    book = _open_book(path)
    try:
        metabolites, names = _metabolites(_sheet(book, path, "METS", METS_COLUMNS), report)
        genes = _genes(_sheet(book, path, "GENES", GENES_COLUMNS), report)
        reactions = [
            rxn
            for line, row in _sheet(book, path, "RXNS", RXNS_COLUMNS)
            if (rxn := _reaction(line, row, names, report)) is not None
        ]
    finally:
        book.close()
    _metabolite_tsv(directory, metabolites, report)
    _gene_tsv(directory, genes, report)
    _reaction_tsv(directory, reactions, report)
    return GemModel(TAG, DATABASE, metabolites, genes, reactions)


# --- spreadsheet ---------------------------------------------------------------------------------


def _open_book(path: Path) -> Any:
    import warnings
    import zipfile

    import openpyxl

    try:
        with warnings.catch_warnings():  # "Workbook contains no default style"
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise LoaderError(f"not a readable .xlsx workbook ({exc})", path=path) from None


def _sheet(
    book: Any, path: Path, name: str, required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(row number, {column: text})`` for the non-empty rows of one sheet."""
    if name not in book.sheetnames:
        raise LoaderError(f"missing sheet '{name}' (found {book.sheetnames})", path=path)
    sheet = book[name]
    sheet.reset_dimensions()  # RAVEN exports carry a wrong <dimension>; read every row
    rows = sheet.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    missing = [c for c in required if c not in header]
    if missing:
        raise LoaderError(
            f"sheet {name}: missing column(s) {', '.join(missing)}; found {header[:12]}",
            path=path,
            line=1,
            field=missing[0],
        )
    count = 0
    for number, row in enumerate(rows, start=2):
        values = dict(zip(header, (_text(v) for v in row), strict=False))
        if any(values.get(c) for c in required):
            count += 1
            yield number, values
    note_rows(f"{path}#{name}", count)  # rows read vs expected, per sheet (tmekg.completeness)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _metabolites(
    rows: Iterator[tuple[int, dict[str, str]]], report: LoadReport
) -> tuple[dict[str, GemMetabolite], dict[str, tuple[str, str]]]:
    """Compartment-free metabolites, and equation names (``ATP[c]``) -> (key, compartment)."""
    metabolites: dict[str, GemMetabolite] = {}
    names: dict[str, tuple[str, str]] = {}
    for line, row in rows:
        report.rows += 1
        comp = row["COMPARTMENT"]
        match = _MAM_COMP.match(row["REPLACEMENT ID"]) or _MAM_COMP.match(row["ID"])
        if match is None or not comp:
            report.skip("METS row without MAM id or compartment", f"{XLSX}:METS:{line} {row['ID']!r}")
            continue
        key = match.group(1)
        for label in (row["ID"], f"{row['NAME']}[{comp}]", match.group(0)):
            names.setdefault(label, (key, comp))
        xrefs = miriam_curies(row["MIRIAM"], report)
        if key not in metabolites:
            record = f"{XLSX}:METS:{line}"
            metabolites[key] = GemMetabolite(key, row["NAME"] or key, row["COMPOSITION"], [], record)
        met = metabolites[key]  # compartments may differ in annotation (NADH[n] has another ChEBI id)
        met.xrefs.extend(x for x in xrefs if x not in met.xrefs)
    return metabolites, names


def _genes(rows: Iterator[tuple[int, dict[str, str]]], report: LoadReport) -> dict[str, GemGene]:
    genes: dict[str, GemGene] = {}
    for line, row in rows:
        report.rows += 1
        curies = miriam_curies(row["MIRIAM"], report, ignore=("ensembl/ENST", "ensembl/ENSP"))
        symbols = [c.split(":", 1)[1] for c in curies if c.startswith("HGNC.SYMBOL:")]
        symbol = row["SHORT NAME"] or (symbols[0] if symbols else "")
        xrefs = [c for c in curies if gene_xref(c)]
        genes[row["NAME"]] = GemGene(row["NAME"], symbol, "", xrefs, f"{XLSX}:GENES:{line}")
    return genes


def _reaction(
    line: int, row: Mapping[str, str], names: Mapping[str, tuple[str, str]], report: LoadReport
) -> GemReaction | None:
    report.rows += 1
    key, text = row["ID"], row["EQUATION"]
    parts = _ARROW.split(text, maxsplit=1)
    if not key or len(parts) != 3:
        report.skip("RXNS row without ID or equation arrow", f"{XLSX}:RXNS:{line} {key!r}")
        return None
    where = f"{key} ({XLSX}:RXNS:{line})"
    refs = miriam_curies(row["MIRIAM"], report)
    return GemReaction(
        key=key,
        name=row["NAME"],
        equation=text,
        reversible=parts[1] == "<=>",
        inputs=_side(parts[0], names, where, report),
        outputs=_side(parts[2], names, where, report),
        rule=row["GENE ASSOCIATION"],
        ec=_split(row["EC-NUMBER"].replace("EC:", "")),
        subsystems=_split(row["SUBSYSTEM"]),
        xrefs=tuple(c for c in refs if c.split(":", 1)[0] in REACTION_XREFS),
        evidence=tuple(dict.fromkeys(f"PMID:{n}" for n in _PMID.findall(row["REFERENCE"]))),
        record=f"{XLSX}:RXNS:{line}",
    )


def _side(
    text: str, names: Mapping[str, tuple[str, str]], where: str, report: LoadReport
) -> list[Participant]:
    """Parse one side of an equation (``2 H+[c] + O2[c]``) into participants."""
    out: list[Participant] = []
    for token in (t.strip() for t in text.split(" + ")):
        if not token:
            continue
        coef, label = 1.0, token
        if token not in names and (match := _COEF.match(token)):
            coef, label = float(match.group(1)), match.group(2)
        if label not in names:
            report.skip("unknown metabolite in equation", f"{where}: {token!r}")
            continue
        key, comp = names[label]
        out.append((key, comp, coef))
    return out


def _split(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in text.split(";") if p.strip()))


# --- annotation tables ---------------------------------------------------------------------------


def _tsv(
    directory: Path, name: str, key: str, columns: Mapping[str, str], report: LoadReport
) -> Iterator[tuple[dict[str, str], list[str]]]:
    """Rows of an optional annotation table with the CURIEs of its mapped columns."""
    path = optional(directory / name)
    if path is None:
        return
    for row in _ragged_rows(path, (key, *columns)):
        report.rows += 1
        curies = [
            c for col, db in columns.items() for v in _split(row[col]) if (c := to_curie(db, v, report))
        ]
        yield row, curies


def _ragged_rows(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Rows of a quoted TSV whose lines may lack trailing empty fields (as ``metabolites.tsv`` does)."""
    for _, row in read_table(path, "\t", required=required, pad_short=True):
        if any(row.values()):
            yield row


def _metabolite_tsv(directory: Path, metabolites: dict[str, GemMetabolite], report: LoadReport) -> None:
    for row, curies in _tsv(directory, "metabolites.tsv", "metsNoComp", MET_TSV, report):
        met = metabolites.get(row["metsNoComp"])
        if met is None:
            report.skip("metabolites.tsv id not in the model", row["metsNoComp"])
            continue
        met.xrefs.extend(c for c in curies if c not in met.xrefs)


def _gene_tsv(directory: Path, genes: dict[str, GemGene], report: LoadReport) -> None:
    for row, curies in _tsv(directory, "genes.tsv", "genes", GENE_TSV, report):
        gene = genes.setdefault(row["genes"], GemGene(row["genes"], record=f"genes.tsv:{row['genes']}"))
        gene.symbol = gene.symbol or row.get("geneSymbols", "").split(";")[0].strip()
        gene.full_name = gene.full_name or row.get("geneNames", "").strip()
        symbols = row.get("geneSymbols", "").split(";")[1:] + row.get("geneAliases", "").split(";")
        gene.aliases.extend(a.strip() for a in symbols if a.strip() and a.strip() not in gene.aliases)
        gene.xrefs.extend(c for c in curies if c not in gene.xrefs)


def _reaction_tsv(directory: Path, reactions: list[GemReaction], report: LoadReport) -> None:
    index = {r.key: r for r in reactions}
    for row, curies in _tsv(directory, "reactions.tsv", "rxns", RXN_TSV, report):
        rxn = index.get(row["rxns"])
        if rxn is None:
            report.skip("reactions.tsv id not in the model", row["rxns"])
            continue
        rxn.xrefs = tuple(dict.fromkeys(rxn.xrefs + tuple(curies)))
