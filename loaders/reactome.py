"""Loader for the Reactome flat files (https://reactome.org/download-data), Homo sapiens only.

Files (tab-separated, no header line):

- ``ReactomePathways.txt``: stable id, name, species -> ``Pathway`` nodes ``REACT:R-HSA-...``;
- ``ChEBI2Reactome_All_Levels.txt`` / ``UniProt2Reactome_All_Levels.txt``: source id, pathway stable
  id, URL, pathway name, evidence code, species -> ``Metabolite`` ``CHEBI:<n>`` / ``Gene``
  ``UNIPROT:<accession>`` (isoform suffix dropped) nodes with ``in_pathway`` edges;
- ``ReactomePathwaysRelation.txt``: parent, child. The schema has no pathway -> pathway predicate,
  so these rows are counted in the report (reason ``pathway hierarchy not representable``).

The mapping files carry no entity names: metabolites and genes are named by their CURIE (other
sources, merged by the builder, supply names). Rows of other species are counted as skipped.

Examples
--------
>>> from tmekg.model import LoadReport
>>> records = list(load(Path("reactome"), LoadReport("reactome")))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from tmekg.errors import LoaderError
from tmekg.io import open_text, optional, resolve
from tmekg.loaders.sbml import to_curie
from tmekg.model import Edge, LoadReport, Node, Provenance, props

SOURCE = "reactome"
SPECIES = "Homo sapiens"
PATHWAYS = ("ReactomePathways.txt", ("stable_id", "name", "species"))
RELATIONS = ("ReactomePathwaysRelation.txt", ("parent", "child"))
MAPPING_COLUMNS = ("source_id", "pathway_id", "url", "pathway_name", "evidence", "species")
MAPPINGS = (
    ("ChEBI2Reactome_All_Levels.txt", "chebi", "Metabolite"),
    ("UniProt2Reactome_All_Levels.txt", "uniprot", "Gene"),
)


def load(directory: Path, report: LoadReport) -> Iterator[Node | Edge]:
    """Yield pathway nodes, then each mapping file's entity nodes and ``in_pathway`` edges.

    Parameters
    ----------
    directory
        The source folder (same layout as ``shared/data/reactome``).
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
    seen: set[str] = set()
    yield from _pathways(resolve(directory / PATHWAYS[0]), version, seen, report)
    for name, db, category in MAPPINGS:
        path = optional(directory / name)
        if path is not None:
            yield from _mapping(path, db, category, version, seen, report)
    path = optional(directory / RELATIONS[0])
    if path is not None:
        _relations(path, report)


def rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` of a header-less TSV with exactly ``columns`` fields per line.

    Raises :class:`LoaderError` naming file, line and the first missing field for short lines.
    """
    with open_text(path) as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        try:
            for fields in reader:
                if not fields or not any(f.strip() for f in fields):
                    continue
                if len(fields) < len(columns):
                    raise LoaderError(
                        f"expected {len(columns)} tab-separated fields, found {len(fields)}",
                        path=path,
                        line=reader.line_num,
                        field=columns[len(fields)],
                    )
                yield reader.line_num, dict(zip(columns, (f.strip() for f in fields), strict=False))
        except (UnicodeDecodeError, OSError, EOFError) as exc:
            raise LoaderError(f"unreadable file ({exc})", path=path, line=reader.line_num + 1) from None


def _prov(version: str, path: Path, line: int) -> tuple[Provenance, ...]:
    return (Provenance(SOURCE, version, record=f"{path.name.removesuffix('.gz')}:{line}"),)


def _pathway_node(curie: str, name: str, version: str, path: Path, line: int) -> Node:
    return Node(
        curie,
        "Pathway",
        name or curie,
        properties=props(database="Reactome"),
        provenance=_prov(version, path, line),
    )


def _human(row: dict[str, str], report: LoadReport, path: Path, line: int) -> bool:
    if row["species"] == SPECIES:
        return True
    report.skip("non-human row (species filter)", f"{path.name}:{line} {row['species']}")
    return False


def _pathways(path: Path, version: str, seen: set[str], report: LoadReport) -> Iterator[Node]:
    for line, row in rows(path, PATHWAYS[1]):
        report.rows += 1
        if not _human(row, report, path, line):
            continue
        curie = to_curie("reactome", row["stable_id"], report)
        if curie is None:
            continue
        if curie not in seen:
            seen.add(curie)
            yield _pathway_node(curie, row["name"], version, path, line)


def _mapping(
    path: Path, db: str, category: str, version: str, seen: set[str], report: LoadReport
) -> Iterator[Node | Edge]:
    edges: set[tuple[str, str]] = set()
    for line, row in rows(path, MAPPING_COLUMNS):
        report.rows += 1
        if not _human(row, report, path, line):
            continue
        pathway = to_curie("reactome", row["pathway_id"], report)
        value = row["source_id"].split("-")[0] if db == "uniprot" else row["source_id"]
        entity = to_curie(db, value, report)
        if pathway is None or entity is None:
            report.skip("unusable identifier", f"{path.name}:{line} {row['source_id']} {row['pathway_id']}")
            continue
        if pathway not in seen:
            seen.add(pathway)
            yield _pathway_node(pathway, row["pathway_name"], version, path, line)
        if entity not in seen:
            seen.add(entity)
            yield Node(entity, category, entity, provenance=_prov(version, path, line))
        if (entity, pathway) not in edges:
            edges.add((entity, pathway))
            yield Edge(entity, "in_pathway", pathway, _prov(version, path, line))


def _relations(path: Path, report: LoadReport) -> None:
    """Count hierarchy rows: the schema has no pathway -> pathway predicate to hold them."""
    for line, row in rows(path, RELATIONS[1]):
        report.rows += 1
        if not row["parent"].startswith("R-HSA-"):
            report.skip("non-human row (species filter)", f"{path.name}:{line} {row['parent']}")
            continue
        report.skip("pathway hierarchy not representable", f"{row['parent']} -> {row['child']}")
