"""Reading source files: transparent gzip, BOM stripping, and located decoding errors."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tmekg.errors import LoaderError


def resolve(path: str | Path) -> Path:
    """Return ``path`` or, if only ``path.gz`` exists, that; raise :class:`LoaderError` if neither.

    >>> resolve("/nonexistent/x.tsv")
    Traceback (most recent call last):
    ...
    tmekg.errors.LoaderError: /nonexistent/x.tsv: file not found (also looked for /nonexistent/x.tsv.gz)
    """
    p = Path(path)
    if p.exists():
        return p
    gz = p.with_name(p.name + ".gz")
    if gz.exists():
        return gz
    raise LoaderError(f"file not found (also looked for {gz})", path=p)


def optional(path: str | Path) -> Path | None:
    """Like :func:`resolve` (``path`` or ``path.gz``), but ``None`` when neither exists.

    >>> optional("/nonexistent/x.tsv") is None
    True
    """
    try:
        return resolve(path)
    except LoaderError:
        return None


def files_with_suffix(directory: str | Path, suffix: str, what: str = "") -> list[Path]:
    """Every ``*<suffix>`` or ``*<suffix>.gz`` file of ``directory``, sorted by name without ``.gz``.

    A file present both plain and gzipped counts once. Raises :class:`LoaderError` when there is
    none (``what`` names the kind of file in the message).

    >>> files_with_suffix("/nonexistent", ".gpml")
    Traceback (most recent call last):
    ...
    tmekg.errors.LoaderError: /nonexistent: no *.gpml files found
    """
    folder = Path(directory)
    found = {
        p.name.removesuffix(".gz"): p
        for p in folder.glob(f"*{suffix}*")
        if p.name.endswith((suffix, suffix + ".gz"))
    }
    if not found:
        raise LoaderError(f"no *{suffix} {what + ' ' if what else ''}files found", path=folder)
    return [found[name] for name in sorted(found)]


def packaged_yaml(package: str, name: str) -> Any:
    """A YAML data file shipped inside ``package``, parsed.

    >>> packaged_yaml("tmekg.queries", "scoring.yaml")["node_damping"]  # doctest: +SKIP
    0.5
    """
    from importlib import resources

    import yaml

    return yaml.safe_load(resources.files(package).joinpath(name).read_text(encoding="utf-8"))


def open_text(path: str | Path, encoding: str = "utf-8-sig") -> IO[str]:
    """Open a text file, gzip-compressed or not, stripping a UTF-8 BOM.

    Decoding errors are raised as :class:`LoaderError` naming the file and line when read through
    :func:`read_lines` or :func:`read_table`.
    """
    p = resolve(path)
    raw: IO[bytes] = gzip.open(p, "rb") if p.suffix == ".gz" else open(p, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding=encoding, newline="")


def read_bytes(path: str | Path) -> bytes:
    """Whole file content, decompressed if gzipped."""
    p = resolve(path)
    if p.suffix == ".gz":
        try:
            return gzip.decompress(p.read_bytes())
        except (OSError, EOFError) as exc:
            raise LoaderError(f"corrupt gzip file ({exc})", path=p) from exc
    return p.read_bytes()


def read_table(
    path: str | Path,
    delimiter: str = "\t",
    required: tuple[str, ...] = (),
    comment: str | None = None,
    quoted: bool = True,
    pad_short: bool = False,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row_dict)`` from a delimited file with a header.

    Lines starting with ``comment`` (if given) are skipped; ``quoted=False`` reads quote characters
    literally (plain TSV); ``pad_short=True`` accepts rows that lack trailing empty fields (as
    Human-GEM's ``metabolites.tsv`` has) and pads them with ``""``. Raises :class:`LoaderError` for an empty
    file, missing required columns, rows with the wrong number of fields, or bytes that are not valid
    text; each error names file, line and field.
    """
    p = resolve(path)
    with open_text(p) as handle:
        position = [0]
        lines = _checked_lines(handle, p, position, comment)
        reader = csv.reader(
            lines, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
        )
        try:
            header = next(reader)
        except StopIteration:
            raise LoaderError("empty file (no header line)", path=p, line=1) from None
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            hint = "" if delimiter in "".join(header) or len(header) > 1 else " (wrong delimiter?)"
            raise LoaderError(
                f"missing column(s) {', '.join(missing)}{hint}; found {header[:12]}",
                path=p,
                line=position[0],
                field=missing[0],
            )
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if pad_short and len(row) < len(header):
                row = row + [""] * (len(header) - len(row))
            if len(row) != len(header):
                raise LoaderError(
                    f"expected {len(header)} fields, found {len(row)} (truncated line or wrong delimiter?)",
                    path=p,
                    line=position[0],
                )
            yield position[0], dict(zip(header, row, strict=True))


def _checked_lines(handle: IO[str], path: Path, position: list[int], comment: str | None) -> Iterator[str]:
    """Yield lines, keeping the current physical line number in ``position[0]``."""
    line_no = 0
    while True:
        try:
            line = handle.readline()
        except UnicodeDecodeError as exc:
            raise LoaderError(f"not valid UTF-8 text ({exc.reason})", path=path, line=line_no + 1) from None
        except (OSError, EOFError) as exc:
            raise LoaderError(f"unreadable or truncated file ({exc})", path=path, line=line_no + 1) from None
        if not line:
            return
        line_no += 1
        position[0] = line_no
        if comment and line.startswith(comment):
            continue
        yield line
