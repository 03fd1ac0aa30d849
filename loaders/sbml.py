"""SBML genome-scale metabolic models (``.xml`` / ``.xml.gz``), read with ``cobra``.

The model is converted to the neutral :class:`~tmekg.loaders.gem.GemModel` form and then to records
by :func:`tmekg.loaders.gem.records` (see that module for the records produced). Metabolites are
collapsed over compartments by stripping the compartment suffix of their ids (``glc__D_e`` ->
``glc__D``, ``MAM00001c`` -> ``MAM00001``); subsystems come from ``reaction.subsystem`` and SBML
groups; reactions that can only run backwards (bounds ``lb < 0``, ``ub <= 0``) are read the way they
run. BiGG-style annotations list many ChEBI/HMDB ids per metabolite: only the first of each is kept,
so unrelated metabolites are not chained together when the builder merges on those prefixes.

Examples
--------
>>> import cobra, os  # doctest: +SKIP
>>> path = Path(os.path.dirname(cobra.__file__)) / "data" / "mini_cobra.xml"  # doctest: +SKIP
>>> model = read_sbml(path)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tmekg.errors import LoaderError
from tmekg.ids import is_valid, normalize
from tmekg.io import read_bytes, resolve
from tmekg.loaders.gem import (
    GemGene,
    GemMetabolite,
    GemModel,
    GemReaction,
    Participant,
    records,
    slug,
)
from tmekg.model import Edge, LoadReport, Node


def to_curie(db: str, value: Any, report: LoadReport | None = None) -> str | None:
    """Canonical, schema-valid CURIE for a ``db``/``value`` pair, or ``None``.

    >>> to_curie("chebi", "CHEBI:15389"), to_curie("hgnc", "HGNC:5"), to_curie("bigg", "x")
    ('CHEBI:15389', 'HGNC:5', None)
    """
    text = str(value or "").strip()
    if not text:
        return None
    curie, valid = _curie(db, text)
    if curie is not None and not valid:
        if report is not None:
            report.skip("invalid cross-reference", f"{db}:{text}")
        return None
    return curie


@functools.lru_cache(maxsize=65536)
def _curie(db: str, text: str) -> tuple[str | None, bool]:
    if text.upper().startswith(db.upper() + ":"):
        text = text.split(":", 1)[1]
    curie = normalize(f"{db}:{text}")
    return curie, curie is not None and is_valid(curie)


def miriam_curies(
    text: str | None, report: LoadReport | None = None, ignore: tuple[str, ...] = ()
) -> list[str]:
    """CURIEs from a ``db/value;db/value`` MIRIAM string (unknown databases, and items starting with
    one of ``ignore``, are left out)."""
    out = []
    for item in (text or "").split(";"):
        item = item.strip()
        db, sep, value = item.partition("/")
        curie = to_curie(db, value, report) if sep and not item.startswith(ignore) else None
        if curie and curie not in out:
            out.append(curie)
    return out


def equation(
    inputs: list[Participant],
    outputs: list[Participant],
    names: Mapping[tuple[str, str], str],
    reversible: bool,
) -> str:
    """Human-GEM style equation text, e.g. ``2 H+[c] + O2[c] => H2O2[c]``."""

    def side(items: list[Participant]) -> str:
        return " + ".join(
            (f"{c:g} " if c != 1 else "") + f"{names.get((k, comp), k)}[{comp}]" for k, comp, c in items
        )

    return f"{side(inputs)} {'<=>' if reversible else '=>'} {side(outputs)}".strip()


def read_sbml(
    path: Path, tag: str | None = None, database: str | None = None, report: LoadReport | None = None
) -> GemModel:
    """Read an SBML file (``.xml`` or ``.xml.gz``) with cobra into a :class:`GemModel`.

    Parameters
    ----------
    path
        The SBML file.
    tag, database
        Prefix of minted ids (``TMEKG:reaction.<tag>.<id>``) and the ``database`` of subsystem
        pathways; default: derived from the model id and name.
    report
        Receives row counts and skipped cross-references.

    Raises
    ------
    LoaderError
        If the file is not SBML or cobra cannot read it.
    """
    import cobra

    path = resolve(path)
    text = _xml_text(read_bytes(path), path)
    if "<sbml" not in text[:5000]:
        raise LoaderError("not an SBML document (no <sbml> element)", path=path, line=1)
    try:
        model = cobra.io.read_sbml_model(text)
    except Exception as exc:  # cobra raises several exception types for bad SBML
        raise LoaderError(f"unreadable SBML ({type(exc).__name__}: {exc})", path=path) from None
    report = report or LoadReport("sbml")
    name = model.id or path.name.split(".")[0]
    groups = _groups(model)
    return GemModel(
        tag=tag or slug(name),
        database=database or (model.name or name),
        metabolites=_sbml_metabolites(model, path.name, report),
        genes=_sbml_genes(model, path.name, report),
        reactions=[_sbml_reaction(r, groups, path.name, report) for r in model.reactions],
    )


def _xml_text(data: bytes, path: Path) -> str:
    """The document decoded in the encoding its XML declaration names (UTF-8 by default); a byte that
    does not decode is a :class:`LoaderError` at its line, never a silent replacement character."""
    import re

    head = data[:400].removeprefix(b"\xef\xbb\xbf")
    declared = re.match(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)", head)
    codec = declared.group(1).decode("ascii") if declared else "utf-8-sig"
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", 0)
        line = data[:start].count(b"\n") + 1
        raise LoaderError(f"not valid {codec} text ({exc})", path=path, line=line) from None


def annotation_curies(
    annotation: Mapping[str, Any], report: LoadReport, single: tuple[str, ...] = ()
) -> list[str]:
    """CURIEs from a cobra annotation dict; prefixes in ``single`` keep only their first value."""
    out: list[str] = []
    for db, values in annotation.items():
        values = [values] if isinstance(values, str) else list(values)
        curies = [c for c in (to_curie(db, v, report) for v in values) if c]
        if curies and curies[0].split(":", 1)[0] in single:
            curies = curies[:1]
        out.extend(c for c in curies if c not in out)
    return out


def _strip_compartment(met_id: str, comp: str) -> str:
    for suffix in (f"[{comp}]", f"_{comp}", comp):
        if comp and met_id.endswith(suffix) and len(met_id) > len(suffix):
            return met_id[: -len(suffix)]
    return met_id


def _sbml_metabolites(model: Any, file: str, report: LoadReport) -> dict[str, GemMetabolite]:
    out: dict[str, GemMetabolite] = {}
    for met in model.metabolites:
        report.rows += 1
        key = _strip_compartment(met.id, met.compartment or "")
        if key not in out:
            # several ChEBI/HMDB ids per metabolite (BiGG style) would chain unrelated merges
            xrefs = annotation_curies(met.annotation, report, single=("CHEBI", "HMDB"))
            out[key] = GemMetabolite(key, met.name or key, met.formula or "", xrefs, f"{file}:{met.id}")
    return out


def _sbml_genes(model: Any, file: str, report: LoadReport) -> dict[str, GemGene]:
    out: dict[str, GemGene] = {}
    for gene in model.genes:
        report.rows += 1
        xrefs = annotation_curies(gene.annotation, report)
        symbol = next((x.split(":", 1)[1] for x in xrefs if x.startswith("HGNC.SYMBOL:")), "")
        xrefs = [x for x in xrefs if gene_xref(x)]
        full = gene.name if gene.name and gene.name not in (gene.id, symbol) else ""
        out[gene.id] = GemGene(gene.id, symbol, full, xrefs, f"{file}:{gene.id}")
    return out


def gene_xref(curie: str) -> bool:
    """Gene xrefs worth keeping: not the symbol (that is the id) nor transcript/protein ids."""
    return not curie.startswith("HGNC.SYMBOL:") and (
        not curie.startswith("ENSEMBL:") or curie.startswith("ENSEMBL:ENSG")
    )


def _groups(model: Any) -> dict[str, list[str]]:
    """Reaction id -> names of the SBML groups (subsystems) it belongs to."""
    groups: dict[str, list[str]] = {}
    for group in model.groups:
        for member in group.members:
            groups.setdefault(member.id, []).append(group.name or group.id)
    return groups


def _sbml_reaction(rxn: Any, groups: Mapping[str, list[str]], file: str, report: LoadReport) -> GemReaction:
    report.rows += 1
    parts = [
        (_strip_compartment(m.id, m.compartment or ""), m.compartment or "", c, m.name or m.id)
        for m, c in rxn.metabolites.items()
    ]
    inputs = [(k, comp, -c) for k, comp, c, _ in parts if c < 0]
    outputs = [(k, comp, c) for k, comp, c, _ in parts if c > 0]
    lower, upper = rxn.bounds
    if lower < 0 and upper <= 0:  # only runs backwards: read it the way it runs
        inputs, outputs = outputs, inputs
    names = {(k, comp): n for k, comp, _, n in parts}
    xrefs = annotation_curies(rxn.annotation, report)
    subsystems = [rxn.subsystem] if rxn.subsystem else []
    return GemReaction(
        key=rxn.id,
        name=rxn.name or "",
        equation=equation(inputs, outputs, names, lower < 0 < upper),
        reversible=lower < 0 < upper,
        inputs=inputs,
        outputs=outputs,
        rule=rxn.gene_reaction_rule or "",
        ec=tuple(x.split(":", 1)[1] for x in xrefs if x.startswith("EC:")),
        subsystems=tuple(dict.fromkeys(subsystems + groups.get(rxn.id, []))),
        xrefs=tuple(x for x in xrefs if x.split(":", 1)[0] in ("RHEA", "KEGG.REACTION", "REACT")),
        evidence=tuple(x for x in xrefs if x.startswith(("PMID:", "DOI:"))),
        record=f"{file}:{rxn.id}",
    )


def load_file(
    path: Path,
    report: LoadReport,
    source: str,
    version: str,
    tag: str | None = None,
    database: str | None = None,
) -> Iterator[Node | Edge]:
    """Read one SBML model and yield its records under ``source``/``version`` provenance."""
    model = read_sbml(path, tag, database, report)
    yield from records(model, source, version, report)
