"""Clinical tables for ``tmekg cohort``: read, check, and match to expression samples by patient.

TCGA barcodes come at several depths (``TCGA-2L-AAQJ`` patient, ``TCGA-2L-AAQJ-01A`` sample,
``TCGA-2L-AAQJ-01A-12R-A39D-07`` aliquot); expression and clinical tables are matched on the patient
(the first three fields). Ids that are not TCGA barcodes are matched as they are. Everything that does
not match, every duplicate and every missing value is counted in :class:`Matching` (docs/cohort.md).

Examples
--------
>>> barcode_depth("TCGA-2L-AAQJ-01A-12R-A39D-07"), patient_of("TCGA-2L-AAQJ-01A")
('aliquot', 'TCGA-2L-AAQJ')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tmekg.errors import LoaderError, TmekgError

if TYPE_CHECKING:
    import pandas as pd

BARCODE = re.compile(r"^(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})(?:-(\d{2})([A-Z])?(?:-.*)?)?$", re.IGNORECASE)
ROLES = ("moffitt", "purity", "time", "status")


class CohortError(TmekgError):
    """A clinical or expression table that cannot be used for a cohort analysis."""


def barcode_depth(name: str) -> str:
    """``patient``, ``sample``, ``portion``/``analyte``, ``aliquot`` for TCGA barcodes; ``id`` otherwise."""
    if not BARCODE.match(name):
        return "id"
    parts = name.split("-")
    return {3: "patient", 4: "sample", 5: "analyte", 6: "plate", 7: "aliquot"}.get(len(parts), "barcode")


def patient_of(name: str) -> str:
    """The patient part of a TCGA barcode (upper case), or the id itself."""
    match = BARCODE.match(name.strip())
    return match.group(1).upper() if match else name.strip()


def sample_type(name: str) -> int | None:
    """The TCGA sample type code (01-09 tumour, 10-19 normal, 20-29 control), None when not given."""
    match = BARCODE.match(name.strip())
    return int(match.group(2)) if match and match.group(2) else None


@dataclass
class Clinical:
    """Per patient (index): moffitt (basal/classical/NaN), purity, time (days), event (1 death, 0 alive)."""

    path: Path
    table: pd.DataFrame
    columns: dict[str, str | None]  # role -> column used (None: absent)
    id_column: str
    depth: dict[str, int] = field(default_factory=dict)  # barcode depth -> rows
    duplicates: list[str] = field(default_factory=list)  # patients with several rows (first kept)
    status_disagrees: list[str] = field(default_factory=list)  # crosscheck column says otherwise


@dataclass
class Matching:
    """How expression samples met clinical rows: at the patient level, with every loss counted."""

    samples: dict[str, str]  # patient -> expression column used
    expression_depth: dict[str, int]
    clinical_depth: dict[str, int]
    non_tumour: list[str] = field(default_factory=list)  # expression columns of normal/control samples
    repeated: dict[str, list[str]] = field(default_factory=dict)  # patient -> further tumour samples
    expression_only: list[str] = field(default_factory=list)  # patients without a clinical row
    clinical_only: list[str] = field(default_factory=list)  # clinical patients without expression


def _depths(names: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name in names:
        out[barcode_depth(name)] = out.get(barcode_depth(name), 0) + 1
    return out


def _pick(frame: pd.DataFrame, candidates: list[str], given: str | None, role: str, path: Path) -> str | None:
    """The column for ``role``: the one given (must exist), else the first candidate present."""
    if given is not None:
        if given not in frame.columns:
            raise CohortError(
                f"{path}: no column '{given}' for {role} (columns: {', '.join(frame.columns[:8])})"
            )
        return given
    lower = {str(c).lower(): str(c) for c in frame.columns}
    for name in candidates:
        if name in frame.columns:
            return name
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def _read(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise CohortError(f"{path}: no such file")
    sep = "," if ".csv" in path.suffixes else "\t"
    try:
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise CohortError(
            f"{path}: cannot parse as a {'CSV' if sep == ',' else 'TSV'} table ({exc})"
        ) from None
    if frame.empty:
        raise CohortError(f"{path}: no rows")
    return frame


MISSING = {"", "na", "nan", "n/a", "null", "none", "not available", "[not available]", "--", "'--"}


def _number(value: str, path: Path, row: int, column: str, low: float, high: float) -> float:
    """A number in [low, high] or NaN for a missing marker; anything else is a LoaderError."""
    text = value.strip()
    if text.lower() in MISSING:
        return float("nan")
    try:
        number = float(text)
    except ValueError:
        raise LoaderError(f"'{value}' is not a number", path, row, column) from None
    if not low <= number <= high:
        raise LoaderError(f"{number:g} is outside [{low:g}, {high:g}]", path, row, column)
    return number


def _code(value: str, codes: dict[str, Any], path: Path, row: int, column: str) -> Any:
    """A coded value (case-insensitive; ``1.0`` reads as ``1``) or NaN for a missing marker."""
    text = value.strip().lower()
    if text in MISSING:
        return np.nan
    text = text[:-2] if text.endswith(".0") else text
    if text not in codes:
        raise LoaderError(f"'{value}' is not one of {', '.join(sorted(codes))}", path, row, column)
    return codes[text]


def read_clinical(
    path: str | Path, config: dict[str, Any], columns: dict[str, str | None] | None = None
) -> Clinical:
    """Read a clinical table: one row per patient with Moffitt call, purity and overall survival.

    ``config`` is the ``clinical`` section of ``cohort.yaml``; ``columns`` overrides the column of a
    role (``id``, ``moffitt``, ``purity``, ``time``, ``status``). Bad values raise a
    :class:`~tmekg.errors.LoaderError` naming file, row (1 = the header) and column.
    """
    import pandas as pd

    path, columns = Path(path), dict(columns or {})
    frame = _read(path)
    id_col = _pick(frame, config["id"], columns.get("id"), "ids", path) or str(frame.columns[0])
    used = {role: _pick(frame, config[role], columns.get(role), role, path) for role in ROLES}
    ids = [str(v).strip() for v in frame[id_col]]
    rows = _rows(frame, used, config, path)
    table = pd.DataFrame(rows, index=[patient_of(i) for i in ids])
    dups = sorted(set(table.index[table.index.duplicated()]))
    table = table[~table.index.duplicated(keep="first")]
    disagree = _status_disagreements(frame, table, ids, used.get("status"), config)
    return Clinical(path, table, used, id_col, _depths(ids), dups, disagree)


def _rows(frame: pd.DataFrame, used: dict[str, str | None], config: dict[str, Any], path: Path) -> list[dict]:
    """The parsed values of every row (NaN where a role has no column or the value is missing)."""
    moffitt = {str(k).lower(): v for k, v in config["moffitt_codes"].items()}
    status = {str(k).lower(): v for k, v in config["status_codes"].items()}
    rows = []
    for i, record in enumerate(frame.to_dict("records"), start=2):
        get = {role: (record[c] if c else "") for role, c in used.items()}
        rows.append(
            {
                "moffitt": _code(get["moffitt"], moffitt, path, i, used["moffitt"])
                if used["moffitt"]
                else np.nan,
                "purity": _number(get["purity"], path, i, str(used["purity"]), 0.0, 1.0),
                "time": _number(get["time"], path, i, str(used["time"]), 0.0, 1e5),
                "event": _code(get["status"], status, path, i, used["status"]) if used["status"] else np.nan,
            }
        )
    return rows


def _status_disagreements(
    frame: pd.DataFrame, table: pd.DataFrame, ids: list[str], used: str | None, config: dict[str, Any]
) -> list[str]:
    """Patients whose cross-check status column (e.g. GDC vital_status) differs from the status used."""
    other = config.get("crosscheck_status")
    if not other or other not in frame.columns or other == used:
        return []
    codes = {str(k).lower(): v for k, v in config["status_codes"].items()}
    out = []
    for pid, value in zip(ids, frame[other], strict=True):
        mine = table.loc[patient_of(pid), "event"]
        theirs = codes.get(str(value).strip().lower())
        if theirs is not None and mine == mine and int(mine) != theirs:
            out.append(patient_of(pid))
    return sorted(set(out))


def match_samples(expression: list[str], clinical: Clinical) -> Matching:
    """Pair expression columns with clinical patients at the patient level.

    Normal and control samples (TCGA sample type 10-29) are set aside; of several tumour samples of
    one patient the first in sorted order is used (``01A`` before ``01B``). Patients without a clinical
    row stay in the cohort (their clinical fields are empty). Raises when no patient matches.
    """
    tumours = [s for s in expression if (sample_type(s) or 1) < 10]
    by_patient: dict[str, list[str]] = {}
    for name in sorted(tumours):
        by_patient.setdefault(patient_of(name), []).append(name)
    known = set(clinical.table.index)
    samples = {p: names[0] for p, names in by_patient.items()}
    if not known & set(samples):
        raise CohortError(
            f"{clinical.path}: no patient matches an expression sample (clinical ids in column "
            f"'{clinical.id_column}', e.g. {', '.join(list(clinical.table.index[:3]))}; expression samples "
            f"e.g. {', '.join(expression[:3])})"
        )
    return Matching(
        samples=dict(sorted(samples.items())),
        expression_depth=_depths(expression),
        clinical_depth=clinical.depth,
        non_tumour=sorted(set(expression) - set(tumours)),
        repeated={p: names[1:] for p, names in by_patient.items() if len(names) > 1},
        expression_only=sorted(set(by_patient) - known),
        clinical_only=sorted(known - set(by_patient)),
    )
