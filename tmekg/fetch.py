"""Download the public source files into the data cache (``tmekg fetch SOURCE|all``).

What to download is data: ``loaders/downloads.yaml`` pins, per source, each publisher file's URL,
size and SHA-256. Files land in ``<data dir>/<source folder>/<name>`` (the layout of
``../shared/data``; the data dir is :func:`tmekg.config.data_dir`). Only the standard library is used.

How one file is fetched:

1. If ``<name>`` is already there with the pinned size and SHA-256 (or the gzipped copy named in
   ``local_copy`` is there with its pinned checksum), it is reported ``cached`` and nothing is sent.
2. Otherwise the bytes stream into ``<name>.part``. A ``.part`` left by an interrupted run is resumed
   with an HTTP ``Range`` header; a server that ignores ``Range`` (answers 200), or answers with another
   range, or 416, makes the download restart from zero.
3. Transient errors (connection failures, time-outs, truncated bodies, HTTP 408/425/429/5xx) are
   retried ``retries`` times with exponential back-off, resuming from the ``.part``. When they persist
   the host is unreachable: :class:`FetchError` ``cannot reach <host>: ...; download the files yourself
   into <dir>`` stops the whole fetch.
4. The size and SHA-256 are checked before ``os.replace`` moves the ``.part`` into place; a mismatch
   deletes the ``.part`` and the file is ``failed`` (never retried: the bytes are wrong, not late).

A failed file that the source's loader requires (``required`` in ``sources.yaml``; every file of a
source unknown to the registry) makes :func:`fetch` raise :class:`FetchError` after the other files were
tried; other failures are only listed in the :class:`FetchResult`. Each source folder gets a
``.tmekg-source.json`` (version, licence, repository, commit and the fetched files with URL, size and
SHA-256).

Base-URL override (``base_url_override`` or ``$TMEKG_FETCH_BASE_URL``): every file URL becomes
``<override without trailing '/'>/<source folder>/<name>`` (each path segment percent-encoded), so a
plain static server over a directory laid out like ``../shared/data`` (or a mirror) can stand in for the
publishers; the pinned sizes and checksums still apply.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

from tmekg import __version__
from tmekg.config import data_dir
from tmekg.errors import TmekgError

BASE_URL_ENV = "TMEKG_FETCH_BASE_URL"
METADATA_NAME = ".tmekg-source.json"
PART_SUFFIX = ".part"
CHUNK_SIZE = 1 << 20
BACKOFF_SECONDS = 1.0
"""First retry delay; it doubles on each further retry (tests set it to 0)."""
USER_AGENT = f"tmekg/{__version__} (python-urllib)"
TRANSIENT_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})

Status = Literal["downloaded", "cached", "failed"]
Progress = Callable[[str, int, int], None]
"""``progress(label, done_bytes, total_bytes)``; ``label`` is ``"<source>/<name>"``."""


class FetchError(TmekgError):
    """A fetch could not complete; ``result`` holds what was done before the error (may be ``None``)."""

    def __init__(self, message: str, result: FetchResult | None = None) -> None:
        super().__init__(message)
        self.result = result


# --------------------------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class LocalCopy:
    """A gzipped copy of a file as kept in ``../shared/data`` (name, size and SHA-256 of the ``.gz``)."""

    name: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class FileSpec:
    """One pinned publisher file."""

    name: str
    url: str
    bytes: int
    sha256: str
    local_copy: LocalCopy | None = None
    unverified_url: bool = False


@dataclass(frozen=True)
class SourceDownloads:
    """The pinned files of one source and where they go."""

    name: str
    folder: str
    version: str
    licence: str
    repository: str
    commit: str
    files: tuple[FileSpec, ...]
    required: tuple[str, ...] | None = None
    """Loader-required name patterns (``None``: every file is required)."""

    def is_required(self, name: str) -> bool:
        """Whether the loader needs ``name`` (glob patterns of ``sources.yaml``)."""
        if self.required is None:
            return True
        return any(fnmatch.fnmatch(name.removesuffix(".gz"), pat) for pat in self.required)


@dataclass(frozen=True)
class DownloadsSpec:
    """The whole downloads file: fetchable sources and the ones users must supply themselves."""

    sources: dict[str, SourceDownloads]
    manual: dict[str, dict[str, str]]
    path: str


def _require(raw: dict[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] in (None, ""):
        raise TmekgError(f"{where}: missing '{key}'")
    return raw[key]


def _safe_name(name: str, where: str) -> str:
    pure = PurePosixPath(name)
    if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
        raise TmekgError(f"{where}: unsafe file name '{name}'")
    return name


def _parse_file(raw: dict[str, Any], where: str) -> FileSpec:
    name = _safe_name(str(_require(raw, "name", where)), where)
    where = f"{where} file {name}"
    size, sha = _require(raw, "bytes", where), str(_require(raw, "sha256", where)).lower()
    if not isinstance(size, int) or size < 0:
        raise TmekgError(f"{where}: 'bytes' must be a non-negative integer")
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise TmekgError(f"{where}: 'sha256' must be 64 hex digits")
    copy = raw.get("local_copy")
    local = None
    if copy:
        cwhere = f"{where} local_copy"
        local = LocalCopy(
            _safe_name(str(_require(copy, "name", cwhere)), cwhere),
            int(_require(copy, "bytes", cwhere)),
            str(_require(copy, "sha256", cwhere)).lower(),
        )
    return FileSpec(name, str(_require(raw, "url", where)), size, sha, local, bool(raw.get("unverified_url")))


def _parse_source(name: str, raw: dict[str, Any], path: str) -> SourceDownloads:
    from tmekg.loaders import registry

    where = f"{path}: source {name}"
    known = registry().get(name)
    folder = raw.get("folder") or (known.folder if known and known.folder else name)
    files = tuple(_parse_file(f, where) for f in _require(raw, "files", where))
    return SourceDownloads(
        name=name,
        folder=_safe_name(str(folder), where),
        version=str(raw.get("version") or (known.version if known else "")),
        licence=str(raw.get("licence") or (known.licence if known else "")),
        repository=str(raw.get("repository", "")),
        commit=str(raw.get("commit", "")),
        files=files,
        required=known.required if known else None,
    )


def parse_downloads(text: str, path: str = "downloads.yaml") -> DownloadsSpec:
    """Parse and check a downloads YAML document.

    Parameters
    ----------
    text
        The YAML text (``sources:`` mapping and optional ``manual:`` mapping).
    path
        Name used in error messages.

    Returns
    -------
    DownloadsSpec
        The parsed spec.

    Raises
    ------
    TmekgError
        On malformed YAML or a malformed entry.
    """
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise TmekgError(f"{path}: not valid YAML ({exc})") from None
    sources = {str(n): _parse_source(str(n), s, path) for n, s in (raw.get("sources") or {}).items()}
    manual = {
        str(n): {str(k): str(v) for k, v in (m or {}).items()} for n, m in (raw.get("manual") or {}).items()
    }
    return DownloadsSpec(sources=sources, manual=manual, path=path)


@functools.cache
def _packaged_downloads() -> DownloadsSpec:
    res = resources.files("tmekg.loaders").joinpath("downloads.yaml")
    return parse_downloads(res.read_text(encoding="utf-8"), "loaders/downloads.yaml")


def load_downloads(path: str | Path | None = None) -> DownloadsSpec:
    """The packaged ``loaders/downloads.yaml``, or the downloads file at ``path``."""
    if path is None:
        return _packaged_downloads()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TmekgError(f"cannot read downloads file {path}: {exc.strerror or exc}") from None
    return parse_downloads(text, str(path))


def fetchable_sources(downloads: str | Path | None = None) -> list[str]:
    """Names accepted by :func:`fetch` besides ``all``."""
    return list(load_downloads(downloads).sources)


# ------------------------------------------------------------------------------------------- result


@dataclass(frozen=True)
class FetchedFile:
    """Outcome for one file: where it is, its size and SHA-256, and how it got there."""

    source: str
    name: str
    path: Path
    bytes: int
    sha256: str
    status: Status
    url: str
    required: bool = True
    error: str | None = None


@dataclass
class FetchResult:
    """Every file a :func:`fetch` call handled, in order."""

    directory: Path
    files: list[FetchedFile] = field(default_factory=list)

    def with_status(self, status: Status) -> list[FetchedFile]:
        """The files with the given status."""
        return [f for f in self.files if f.status == status]

    @property
    def downloaded(self) -> list[FetchedFile]:
        """Files downloaded by this call."""
        return self.with_status("downloaded")

    @property
    def cached(self) -> list[FetchedFile]:
        """Files already present with the pinned checksum."""
        return self.with_status("cached")

    @property
    def failed(self) -> list[FetchedFile]:
        """Files that could not be fetched (``error`` says why)."""
        return self.with_status("failed")

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failed

    def summary(self) -> str:
        """One line: counts per status and the data directory."""
        return (
            f"{len(self.downloaded)} downloaded, {len(self.cached)} cached, "
            f"{len(self.failed)} failed in {self.directory}"
        )


# ------------------------------------------------------------------------------------------ network


class _Unreachable(Exception):
    """Transient errors persisted after every retry."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.host = urllib.parse.urlsplit(url).netloc or url
        self.reason = reason


class _FileFailed(Exception):
    """This file cannot be fetched (HTTP 404, wrong checksum, ...); others may still be."""


class _LocalError(Exception):
    """Reading or writing the cache failed (not the network's fault)."""


class _Truncated(http.client.HTTPException):
    """The body ended before the length the server announced (a transient error: resume)."""


@dataclass(frozen=True)
class _Options:
    retries: int
    timeout: float
    progress: Progress | None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return _describe(reason) if isinstance(reason, BaseException) else str(reason)
    return str(exc) or type(exc).__name__


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in TRANSIENT_HTTP
    return isinstance(exc, OSError | http.client.HTTPException)


def _sha256_file(path: Path, digest: Any = None) -> Any:
    digest = digest or hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(CHUNK_SIZE), b""):
            digest.update(block)
    return digest


def _matches(path: Path, size: int, sha256: str) -> bool:
    return path.is_file() and path.stat().st_size == size and _sha256_file(path).hexdigest() == sha256


def _local(func: Callable[..., Any], *args: Any) -> Any:
    """Run a file operation on the cache, turning OSError into :class:`_LocalError`."""
    try:
        return func(*args)
    except OSError as exc:
        raise _LocalError(
            f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": ")
        ) from None


def _request(url: str, offset: int) -> urllib.request.Request:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.Request(url, headers=headers)


def _open(url: str, part: Path, timeout: float) -> tuple[http.client.HTTPResponse, int]:
    """Open ``url``, resuming after the bytes in ``part`` when the server honours ``Range``.

    Returns the response and the offset its body starts at (0 means: rewrite ``part``).
    """
    offset = part.stat().st_size if part.exists() else 0
    try:
        resp = urllib.request.urlopen(_request(url, offset), timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code != 416 or not offset:
            raise
        exc.close()
        _local(part.unlink)  # our .part is not a prefix of this file: start again
        return urllib.request.urlopen(_request(url, 0), timeout=timeout), 0
    if not offset or resp.status != 206:
        return resp, 0  # a 200 to a Range request: the server ignored it, restart
    if resp.headers.get("Content-Range", "").startswith(f"bytes {offset}-"):
        return resp, offset
    resp.close()  # some other range: do not guess, restart
    _local(part.unlink)
    return urllib.request.urlopen(_request(url, 0), timeout=timeout), 0


def _announced_total(resp: http.client.HTTPResponse, offset: int) -> int | None:
    """The file size the server announced (Content-Range total, or offset + Content-Length)."""
    if offset:
        total = resp.headers.get("Content-Range", "").rpartition("/")[2]
        return int(total) if total.isdigit() else None
    length = resp.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def _stream(url: str, part: Path, spec: FileSpec, label: str, opts: _Options) -> tuple[int, str]:
    """One attempt: stream (the rest of) ``url`` into ``part``; return total size and SHA-256."""
    resp, offset = _open(url, part, opts.timeout)
    with resp:
        total = _announced_total(resp, offset)
        digest = _local(_sha256_file, part) if offset else hashlib.sha256()
        done, limit = offset, spec.bytes + 1  # never read more than one byte past the pinned size
        out = _local(part.open, "ab" if offset else "wb")
        with out:
            while done < limit:
                chunk = resp.read(min(CHUNK_SIZE, limit - done))
                if not chunk:
                    break
                _local(out.write, chunk)
                digest.update(chunk)
                done += len(chunk)
                if opts.progress:
                    opts.progress(label, done, spec.bytes)
    if total is not None and done < min(total, limit):
        raise _Truncated(f"connection closed after {done} of {total} bytes")
    return done, digest.hexdigest()


def _download(url: str, part: Path, spec: FileSpec, label: str, opts: _Options) -> tuple[int, str]:
    """Stream with retries and back-off; raise :class:`_Unreachable` or :class:`_FileFailed`."""
    attempt = 0
    while True:
        try:
            return _stream(url, part, spec, label, opts)
        except ValueError as exc:  # malformed URL
            raise _FileFailed(f"{label}: bad URL {url!r} ({exc})") from None
        except (OSError, http.client.HTTPException) as exc:
            if not _is_transient(exc):
                raise _FileFailed(f"{label}: {_describe(exc)} for {url}") from None
            if attempt >= opts.retries:
                raise _Unreachable(url, _describe(exc)) from None
        time.sleep(BACKOFF_SECONDS * 2**attempt)
        attempt += 1


# -------------------------------------------------------------------------------------------- fetch


def _file_url(source: SourceDownloads, spec: FileSpec, base: str | None) -> str:
    if not base:
        return spec.url
    quoted = urllib.parse.quote(f"{source.folder}/{spec.name}", safe="/")
    return f"{base.rstrip('/')}/{quoted}"


def _already_there(spec: FileSpec, folder: Path) -> tuple[Path, int, str] | None:
    target = folder / spec.name
    if _matches(target, spec.bytes, spec.sha256):
        return target, spec.bytes, spec.sha256
    copy = spec.local_copy
    if copy and _matches(folder / copy.name, copy.bytes, copy.sha256):
        return folder / copy.name, copy.bytes, copy.sha256
    return None


def _check(part: Path, spec: FileSpec, label: str, url: str, size: int, sha: str) -> str | None:
    """None when the download matches the pin, else the reason (and the ``.part`` is deleted)."""
    if size == spec.bytes and sha == spec.sha256:
        return None
    _local(lambda: part.unlink(missing_ok=True))
    got = f"more than {spec.bytes} bytes" if size > spec.bytes else f"sha256 {sha} ({size} bytes)"
    return (
        f"{label}: checksum mismatch, expected sha256 {spec.sha256} ({spec.bytes} bytes), got {got} "
        f"from {url}; the download was deleted"
    )


def _download_verified(url: str, target: Path, spec: FileSpec, label: str, opts: _Options) -> tuple[int, str]:
    """Download into ``<target>.part``, verify, and move into place; raise :class:`_FileFailed`."""
    part = target.with_name(target.name + PART_SUFFIX)
    _local(lambda: target.parent.mkdir(parents=True, exist_ok=True))
    stale = part.exists()
    if stale and part.stat().st_size > spec.bytes:
        _local(part.unlink)
        stale = False
    size, sha = _download(url, part, spec, label, opts)
    problem = _check(part, spec, label, url, size, sha)
    if problem and stale:  # the old .part may have been the bad bit: one fresh attempt
        size, sha = _download(url, part, spec, label, opts)
        problem = _check(part, spec, label, url, size, sha)
    if problem:
        raise _FileFailed(problem)
    _local(os.replace, part, target)
    return size, sha


def _fetch_file(
    source: SourceDownloads, spec: FileSpec, folder: Path, base: str | None, opts: _Options
) -> FetchedFile:
    """Fetch one file (or find it present); raise :class:`_Unreachable` or :class:`_LocalError`."""
    label = f"{source.name}/{spec.name}"
    url = _file_url(source, spec, base)
    required = source.is_required(spec.name)
    present = _local(_already_there, spec, folder)
    if present:
        path, size, sha = present
        if opts.progress:
            opts.progress(label, size, size)
        return FetchedFile(source.name, spec.name, path, size, sha, "cached", url, required)
    target = folder / spec.name
    try:
        size, sha = _download_verified(url, target, spec, label, opts)
    except _FileFailed as exc:
        return FetchedFile(source.name, spec.name, target, 0, "", "failed", url, required, str(exc))
    return FetchedFile(source.name, spec.name, target, size, sha, "downloaded", url, required)


def _write_metadata(source: SourceDownloads, folder: Path, files: list[FetchedFile]) -> None:
    meta_path = folder / METADATA_NAME
    changed = any(f.status == "downloaded" for f in files)
    if not changed and meta_path.exists():
        return
    meta = {
        "source": source.name,
        "version": source.version,
        "licence": source.licence,
        "repository": source.repository,
        "commit": source.commit,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tmekg_version": __version__,
        "files": [
            {
                "name": f.path.relative_to(folder).as_posix(),
                "url": f.url,
                "bytes": f.bytes,
                "sha256": f.sha256,
            }
            for f in files
            if f.status != "failed"
        ],
    }
    tmp = meta_path.with_name(meta_path.name + PART_SUFFIX)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, meta_path)
    except OSError as exc:
        if changed:  # a read-only folder that already holds every file is fine
            raise FetchError(f"cannot write {meta_path}: {exc.strerror or exc}") from None


def _fetch_source(
    source: SourceDownloads, root: Path, base: str | None, opts: _Options, result: FetchResult
) -> None:
    folder = root / source.folder
    done: list[FetchedFile] = []
    for spec in source.files:
        try:
            done.append(_fetch_file(source, spec, folder, base, opts))
        except _Unreachable as exc:
            result.files.extend(done)
            with contextlib.suppress(OSError):
                folder.rmdir()  # leave no empty source folder behind (fails if not empty)
            raise FetchError(
                f"cannot reach {exc.host}: {exc.reason}; download the files yourself into {folder}", result
            ) from None
        except _LocalError as exc:
            result.files.extend(done)
            raise FetchError(f"cannot use the cache folder {folder}: {exc}", result) from None
    result.files.extend(done)
    if any(f.status != "failed" for f in done):
        _write_metadata(source, folder, done)


def _select(names: Iterable[str], spec: DownloadsSpec, root: Path) -> list[SourceDownloads]:
    from tmekg.loaders import registry

    wanted = list(dict.fromkeys(names))
    choices = f"{', '.join(spec.sources)} or 'all'"
    if not wanted:
        raise TmekgError(f"name a source to fetch: {choices}")
    if "all" in wanted:
        return list(spec.sources.values())
    for name in wanted:
        if name in spec.sources:
            continue
        if name in spec.manual:
            info = spec.manual[name]
            known = registry().get(name)
            where = root / (known.folder if known and known.folder else name)
            hint = f" ({info['homepage']})" if info.get("homepage") else ""
            reason = info.get("reason", "its files are not pinned")
            raise TmekgError(f"source '{name}' is not downloadable: {reason}; put its files in {where}{hint}")
        if name in registry():
            raise TmekgError(f"source '{name}' ships with tmekg: nothing to fetch (fetchable: {choices})")
        raise TmekgError(f"unknown source '{name}' (fetchable: {choices})")
    return [spec.sources[n] for n in wanted]


def _raise_for_required(result: FetchResult) -> None:
    bad = [f for f in result.failed if f.required]
    if bad:
        details = "; ".join(f.error or f"{f.source}/{f.name}" for f in bad)
        raise FetchError(f"could not fetch {len(bad)} file(s): {details}", result)


def fetch(
    names: list[str],
    cache: Path | None = None,
    base_url_override: str | None = None,
    retries: int = 3,
    timeout: float = 30,
    progress: Progress | None = None,
    *,
    downloads: str | Path | None = None,
) -> FetchResult:
    """Download (or find already present) the pinned files of the named sources.

    Parameters
    ----------
    names
        Source names from ``loaders/downloads.yaml`` (e.g. ``["human-gem"]``), or ``["all"]``.
    cache
        The data directory (one folder per source); default :func:`tmekg.config.data_dir`
        (``$TMEKG_DATA_DIR`` or the user data dir).
    base_url_override
        Serve every file from ``<base_url_override>/<source folder>/<name>`` instead of its pinned URL
        (default ``$TMEKG_FETCH_BASE_URL``); sizes and checksums are still enforced.
    retries
        Retries per file for transient network errors (0: a single attempt).
    timeout
        Socket time-out in seconds for connecting and for each read.
    progress
        Called as ``progress("<source>/<name>", done_bytes, total_bytes)`` while downloading (and once
        for a cached file).
    downloads
        Another downloads YAML file (tests, mirrors); default the packaged one.

    Returns
    -------
    FetchResult
        One :class:`FetchedFile` per pinned file with status ``downloaded``, ``cached`` or ``failed``
        (failures only for files the loaders do not require).

    Raises
    ------
    TmekgError
        Unknown or non-downloadable source name, or a malformed downloads file.
    FetchError
        A host cannot be reached (``cannot reach <host>: ...; download the files yourself into <dir>``),
        a required file failed (e.g. checksum mismatch: expected vs got SHA-256), or the cache is not
        writable. ``.result`` holds the files handled so far.

    Examples
    --------
    >>> result = fetch(["wikipathways"])  # doctest: +SKIP
    >>> result.summary()  # doctest: +SKIP
    '55 downloaded, 0 cached, 0 failed in /home/me/.local/share/tmekg/sources'
    """
    root = data_dir(cache)
    spec = load_downloads(downloads)
    selected = _select([names] if isinstance(names, str) else names, spec, root)
    base = base_url_override or os.environ.get(BASE_URL_ENV) or None
    opts = _Options(retries=max(0, int(retries)), timeout=float(timeout), progress=progress)
    result = FetchResult(directory=root)
    for source in selected:
        _fetch_source(source, root, base, opts, result)
    _raise_for_required(result)
    return result
