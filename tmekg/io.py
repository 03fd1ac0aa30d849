"""Reading source files: transparent gzip, BOM stripping, bounded lines and located errors.

Every text file is read line by line from its bytes (:class:`TextLines`), so a byte that is not UTF-8
is reported with its real line and column, a UTF-16 file is recognised by its byte-order mark, a line
longer than :data:`MAX_LINE_BYTES` is an error before it is held in memory, and a directory, an
unreadable or a damaged gzip file is one :class:`LoaderError` naming the file. Rows read per file
are kept in a :func:`file_ledger` (the build report's "rows read vs expected").
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import gzip
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from tmekg.errors import LoaderError

MAX_LINE_BYTES = 16 * 1024 * 1024  # longest line (and csv field) a source file may have: 16 MiB
_UTF16_BOMS = {b"\xff\xfe": "UTF-16 little-endian", b"\xfe\xff": "UTF-16 big-endian"}
_LEDGER: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar("tmekg_ledger", default=None)


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


# -- the ledger of rows read ---------------------------------------------------------------------------
@contextlib.contextmanager
def file_ledger() -> Iterator[dict[str, int]]:
    """Collect ``{file path: data rows read}`` for every file read to its end inside the block
    (nested ledgers pass their entries up on exit).

    >>> with file_ledger() as rows:
    ...     pass
    >>> rows
    {}
    """
    ledger: dict[str, int] = {}
    token = _LEDGER.set(ledger)
    try:
        yield ledger
    finally:
        _LEDGER.reset(token)
        outer = _LEDGER.get()
        if outer is not None:  # a ledger inside another one: the outer one sees its files too
            outer.update(ledger)


def note_rows(path: str | Path, rows: int) -> None:
    """Record that ``path`` was read to its end with ``rows`` data rows (no-op outside a ledger)."""
    ledger = _LEDGER.get()
    if ledger is not None:
        ledger[str(path)] = rows


# -- opening -------------------------------------------------------------------------------------------
def open_binary(path: str | Path) -> IO[bytes]:
    """The bytes of ``path`` (or ``path.gz``), decompressed if gzipped; OS errors become one line."""
    p = resolve(path)
    try:
        return gzip.open(p, "rb") if p.suffix == ".gz" else open(p, "rb")
    except OSError as exc:
        raise LoaderError(os_problem(exc), path=p) from None


def os_problem(exc: OSError) -> str:
    """A short reason for an :class:`OSError` met while reading (directory, permission, ...).

    >>> os_problem(IsADirectoryError(21, "Is a directory"))
    'is a directory, expected a file'
    """
    if isinstance(exc, IsADirectoryError):
        return "is a directory, expected a file"
    if isinstance(exc, PermissionError):
        return "permission denied (cannot read the file)"
    if isinstance(exc, gzip.BadGzipFile):
        return f"not a gzip file ({exc})"
    return f"cannot read ({exc.strerror or exc})"


def open_text(path: str | Path) -> TextLines:
    """Open a text file, gzip-compressed or not, as UTF-8 lines (a UTF-8 BOM is stripped).

    Bytes that are not UTF-8, UTF-16 files, NUL bytes, over-long lines and damaged gzip streams raise
    :class:`LoaderError` naming the file and the line (see :class:`TextLines`).
    """
    p = resolve(path)
    return TextLines(open_binary(p), p, MAX_LINE_BYTES)


def read_bytes(path: str | Path) -> bytes:
    """Whole file content, decompressed if gzipped (noted in the ledger as 1 row, 0 if blank)."""
    p = resolve(path)
    try:
        data = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise LoaderError(f"corrupt gzip file ({exc})", path=p) from exc
    except OSError as exc:
        raise LoaderError(os_problem(exc), path=p) from None
    note_rows(p, 1 if data.strip() else 0)  # one document (XML): the ledger only tells empty files apart
    return data


class TextLines:
    """UTF-8 lines of a binary stream, each decoded on its own so errors name the real line.

    ``line`` is the number of the last line returned; ``ended_with_newline`` says whether it had a line
    terminator (a file cut mid-line has none); ``rows`` counts lines that are neither blank nor start
    with ``#`` / ``!`` (comment and header conventions of the line formats), noted in the ledger at EOF.

    >>> import io
    >>> lines = TextLines(io.BytesIO(b"a\\tb\\n1\\t\\xe9\\n"), Path("x.tsv"))
    >>> lines.readline()
    'a\\tb\\n'
    >>> lines.readline()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tmekg.errors.LoaderError: x.tsv:2: not valid UTF-8: byte 0xe9 at column 3 (...)
    """

    def __init__(self, raw: IO[bytes], path: Path, limit: int | None = None) -> None:
        self.raw, self.path, self.limit = raw, path, limit or MAX_LINE_BYTES
        self.line, self.rows, self.ended_with_newline, self.eof = 0, 0, True, False

    def __enter__(self) -> TextLines:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        text = self.readline()
        if not text:
            raise StopIteration
        return text

    def close(self) -> None:
        """Close the underlying stream."""
        self.raw.close()

    def read(self) -> str:
        """The rest of the file (line by line, with the same checks)."""
        return "".join(self)

    def readline(self) -> str:
        """The next line with its terminator, ``""`` at the end of the file."""
        chunk = self._next_bytes()
        if not chunk:
            if not self.eof:
                self.eof = True
                note_rows(self.path, self.rows)
            return ""
        self.line += 1
        self.ended_with_newline = chunk.endswith(b"\n")
        text = self._decode(self._checked(chunk))
        if text.strip() and text[0] not in "#!":
            self.rows += 1
        return text

    def _next_bytes(self) -> bytes:
        try:
            chunk = self.raw.readline(self.limit + 1)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise LoaderError(f"truncated or corrupt gzip file ({exc})", self.path, self.line + 1) from None
        except OSError as exc:
            raise LoaderError(os_problem(exc), self.path, self.line + 1) from None
        if len(chunk) > self.limit:
            raise LoaderError(
                f"line longer than {self.limit // 2**20} MiB (not a text table, or a damaged file)",
                self.path,
                self.line + 1,
            )
        return chunk

    def _checked(self, chunk: bytes) -> bytes:
        if self.line == 1:
            for bom, name in _UTF16_BOMS.items():
                if chunk.startswith(bom):
                    raise LoaderError(f"{name} text, not UTF-8: save the file as UTF-8", self.path, 1)
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
        if b"\x00" in chunk:
            column = chunk.index(b"\x00") + 1
            hint = "UTF-16 text or a binary file? save as UTF-8 text"
            raise LoaderError(f"NUL byte at column {column} ({hint})", self.path, self.line)
        return chunk

    def _decode(self, chunk: bytes) -> str:
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = chunk[exc.start]
            column = len(chunk[: exc.start].decode("utf-8", errors="replace")) + 1
            hint = "Latin-1 / Windows text? save the file as UTF-8" if byte >= 0x80 else exc.reason
            raise LoaderError(
                f"not valid UTF-8: byte 0x{byte:02x} at column {column} ({hint})", self.path, self.line
            ) from None


# -- delimited tables ----------------------------------------------------------------------------------
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
    Human-GEM's ``metabolites.tsv`` has) and pads them with ``""``, except a last line without line
    end (a file cut mid-line). Raises :class:`LoaderError` for an empty file, missing required columns,
    rows with the wrong number of fields, a quoted field left open at the end of the file, fields over
    :data:`MAX_LINE_BYTES`, or bytes that are not valid text; each error names file, line and field.
    The number of data rows is noted in the :func:`file_ledger`.
    """
    p = resolve(path)
    csv.field_size_limit(MAX_LINE_BYTES)
    with open_text(p) as handle:
        lines = _uncommented(handle, comment)
        options: dict[str, Any] = {"quoting": csv.QUOTE_MINIMAL, "strict": True} if quoted else {}
        reader = csv.reader(lines, delimiter=delimiter, **({"quoting": csv.QUOTE_NONE} | options))
        header = _header(reader, handle, p, required, delimiter)
        rows = 0
        while (row := _next_row(reader, handle, p)) is not None:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            row = _fitted(row, header, handle, p, pad_short)
            rows += 1
            yield handle.line, dict(zip(header, row, strict=True))
        note_rows(p, rows)


def _uncommented(handle: TextLines, comment: str | None) -> Iterator[str]:
    for line in handle:
        if not (comment and line.startswith(comment)):
            yield line


def _next_row(reader: Any, handle: TextLines, path: Path) -> list[str] | None:
    """The next parsed record, ``None`` at the end; csv errors become located :class:`LoaderError`."""
    start = handle.line + 1
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        text = str(exc)
        if "unexpected end of data" in text:
            text = f"the file ends inside a quoted field opened on line {start} (truncated file?)"
        elif "field larger than field limit" in text:
            text = (
                f"field longer than {csv.field_size_limit() // 2**20} MiB (unbalanced quote or damaged file?)"
            )
        else:
            text = f"malformed delimited text ({text})"
        raise LoaderError(text, path=path, line=handle.line) from None


def _header(
    reader: Any, handle: TextLines, path: Path, required: tuple[str, ...], delimiter: str
) -> list[str]:
    found = _next_row(reader, handle, path)
    if found is None:
        raise LoaderError("empty file (no header line)", path=path, line=1)
    header = [h.strip() for h in found]
    hint = "" if delimiter in "".join(header) or len(header) > 1 else " (wrong delimiter?)"
    require_columns(header, required, path, handle.line, hint)
    return header


def require_columns(
    header: list[str], required: Iterable[str], path: Path, line: int = 1, hint: str = ""
) -> None:
    """Raise :class:`LoaderError` naming the first of ``required`` missing from ``header`` (file, line,
    field), with the other missing ones and the first 12 columns found.

    >>> require_columns(["gene", "S1"], ["gene", "S2"], Path("x.tsv"))
    Traceback (most recent call last):
    ...
    tmekg.errors.LoaderError: x.tsv:1: field 'S2': missing column(s) S2; found ['gene', 'S1']
    """
    missing = [c for c in required if c not in header]
    if missing:
        raise LoaderError(
            f"missing column(s) {', '.join(missing)}{hint}; found {header[:12]}",
            path=path,
            line=line,
            field=missing[0],
        )


def _fitted(row: list[str], header: list[str], handle: TextLines, path: Path, pad_short: bool) -> list[str]:
    """``row`` with as many fields as ``header`` (short rows padded when allowed), else an error."""
    if len(row) == len(header):
        return row
    cut = not handle.ended_with_newline
    if pad_short and len(row) < len(header) and not cut:
        return row + [""] * (len(header) - len(row))
    why = "the file ends mid-line: truncated file?" if cut else "truncated line or wrong delimiter?"
    raise LoaderError(f"expected {len(header)} fields, found {len(row)} ({why})", path=path, line=handle.line)


# -- pandas tables -------------------------------------------------------------------------------------
def read_frame(path: str | Path, what: str = "table", required: Iterable[str] = (), **options: Any) -> Any:
    """``pandas.read_csv(path, **options)`` with the checks of :class:`TextLines` first.

    The file is scanned line by line (UTF-8, NUL bytes, line length, a gzip stream cut short) so a bad
    byte is reported at its line, then parsed; parser errors, an empty file and a last line cut short
    (pandas would pad it with NaN) raise :class:`LoaderError` naming the file, as does a column of
    ``required`` missing from the header (:func:`require_columns`). The rows read are noted in the
    :func:`file_ledger`. ``what`` names the kind of table in messages.
    """
    import pandas as pd

    p = resolve(path)
    scan = _scan(p) if p.suffix != ".zip" else None  # pandas reads HPA's .zip downloads itself
    try:
        frame = pd.read_csv(p, **options)
    except pd.errors.EmptyDataError:
        raise LoaderError("empty file (no header line)", path=p, line=1) from None
    except (ValueError, pd.errors.ParserError) as exc:
        raise LoaderError(f"malformed {what} ({_first_line(exc)})", path=p, line=_line_of(exc)) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise LoaderError(f"unreadable {what} ({exc})", path=p) from None
    if scan and not scan[2].ended_with_newline and scan[2].line > 1:
        _check_last_line(scan[0], scan[1], options.get("sep", options.get("delimiter", ",")), p, scan[2].line)
    require_columns([str(c) for c in frame.columns], required, p)
    note_rows(p, len(frame))
    return frame


def _scan(path: Path) -> tuple[str, str, TextLines]:
    """Read ``path`` through :class:`TextLines` (all its checks): header, last line and the reader."""
    with open_text(path) as lines:
        header = last = lines.readline()
        for last in lines:  # noqa: B007 - the scan itself is the check; the last line is kept
            pass
    if not header.strip():
        raise LoaderError("empty file (no header line)", path=path, line=1)
    return header, last, lines


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _line_of(exc: Exception) -> int | None:
    import re

    found = re.search(r"\bline (\d+)", str(exc))
    return int(found.group(1)) if found else None


def _check_last_line(header: str, last: str, sep: Any, path: Path, line: int) -> None:
    """A last line without line end that has fewer fields than the header: the file was cut."""
    if not isinstance(sep, str) or len(sep) != 1 or sep == "\\s+":
        return
    if last.count(sep) < header.count(sep):
        raise LoaderError(
            f"expected {header.count(sep) + 1} fields, found {last.count(sep) + 1} "
            "(the file ends mid-line: truncated file?)",
            path=path,
            line=line,
        )
