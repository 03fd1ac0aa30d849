"""Tests of ``tmekg.fetch`` against a real HTTP server on 127.0.0.1 (no other network traffic).

The server serves a directory made in ``tmp_path`` at test time: self-made files with a self-made
downloads spec (always run), and copies of a few real files of ``../shared/data`` checked against the
packaged ``loaders/downloads.yaml`` (skipped when the shared data folder is absent).
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import http.server
import json
import shutil
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

import tmekg.fetch as fetch_mod
from tmekg.errors import TmekgError
from tmekg.fetch import FetchError, fetch, load_downloads, parse_downloads
from tmekg.loaders import registry

SHA_HEX = set("0123456789abcdef")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------- test server


@dataclass
class ServerState:
    """What the loopback server serves and what it was asked."""

    root: Path
    honour_range: bool = True
    corrupt: set[str] = field(default_factory=set)  # URL paths answered with flipped bytes
    fail_first: dict[str, int] = field(default_factory=dict)  # URL path -> number of 503 answers
    truncate_once: set[str] = field(default_factory=set)  # URL paths cut in half once
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)

    def asked(self, path: str) -> list[str | None]:
        """The Range headers of the requests for ``path`` (None: no Range)."""
        return [rng for p, rng in self.requests if p == path]


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``state.root``; honours ``Range: bytes=N-`` when asked to; can misbehave on purpose."""

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        state: ServerState = self.server.state  # type: ignore[attr-defined]
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        rng = self.headers.get("Range")
        state.requests.append((path, rng))
        file = (state.root / path.lstrip("/")).resolve()
        if state.root.resolve() not in file.parents or not file.is_file():
            self._send(404, b"not found")
            return
        if state.fail_first.get(path, 0) > 0:
            state.fail_first[path] -= 1
            self._send(503, b"busy")
            return
        body = file.read_bytes()
        if path in state.corrupt:
            body = bytes(b ^ 0xFF for b in body)
        if path in state.truncate_once:
            state.truncate_once.discard(path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        if rng and state.honour_range and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes=") : -1])
            if start >= len(body):
                self._send(416, b"", {"Content-Range": f"bytes */{len(body)}"})
                return
            headers = {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
            self._send(206, body[start:], headers)
            return
        self._send(200, body)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxies, no back-off delays, and any request to a host other than 127.0.0.1 fails the test."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv(fetch_mod.BASE_URL_ENV, raising=False)
    monkeypatch.setattr(fetch_mod, "BACKOFF_SECONDS", 0.0)
    real_urlopen = urllib.request.urlopen

    def guarded(req: Any, *args: Any, **kwargs: Any) -> Any:
        url = req.full_url if isinstance(req, urllib.request.Request) else str(req)
        host = urllib.parse.urlsplit(url).hostname
        assert host == "127.0.0.1", f"test tried to reach {url}"
        return real_urlopen(req, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", guarded)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, ServerState]]:
    """A ThreadingHTTPServer on a free 127.0.0.1 port serving ``tmp_path/mirror``."""
    state = ServerState(root=tmp_path / "mirror")
    state.root.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    """A loopback port with nobody listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------------------- self-made spec

ALPHA = bytes((i * 7 + i // 251) % 256 for i in range(50_000))
BETA = b"id\tname\n" + b"".join(f"X{i}\tmetabolite {i}\n".encode() for i in range(2_000))


def write_spec(path: Path, source: str, files: dict[str, bytes], folder: str | None = None) -> Path:
    """A downloads YAML for ``files`` (name -> bytes) of one source; URLs point at example.invalid."""
    entry: dict[str, Any] = {
        "version": "1.0",
        "licence": "CC0-1.0",
        "repository": "https://example.invalid/demo",
        "commit": "0" * 40,
        "files": [
            {"name": n, "url": f"https://example.invalid/{n}", "bytes": len(b), "sha256": sha256(b)}
            for n, b in files.items()
        ],
    }
    if folder:
        entry["folder"] = folder
    path.write_text(yaml.safe_dump({"sources": {source: entry}}), encoding="utf-8")
    return path


@pytest.fixture()
def demo(tmp_path: Path, server: tuple[str, ServerState]) -> dict[str, Any]:
    """Source ``demo`` (folder ``demo-folder``): alpha.txt and sub/beta.tsv, served by ``server``."""
    base, state = server
    files = {"alpha.txt": ALPHA, "sub/beta.tsv": BETA}
    for name, data in files.items():
        (state.root / "demo-folder" / name).parent.mkdir(parents=True, exist_ok=True)
        (state.root / "demo-folder" / name).write_bytes(data)
    spec = write_spec(tmp_path / "downloads.yaml", "demo", files, folder="demo-folder")
    cache = tmp_path / "cache"
    return {"base": base, "state": state, "spec": spec, "cache": cache, "dir": cache / "demo-folder"}


def run(demo: dict[str, Any], **kwargs: Any) -> fetch_mod.FetchResult:
    """fetch(["demo"]) from the loopback server with short time-outs."""
    kwargs.setdefault("base_url_override", demo["base"])
    kwargs.setdefault("timeout", 5)
    return fetch(["demo"], cache=demo["cache"], downloads=demo["spec"], **kwargs)


# ------------------------------------------------------------------------------------------ tests


def test_fetch_downloads_and_verifies(demo: dict[str, Any]) -> None:
    seen: list[tuple[str, int, int]] = []
    result = run(demo, progress=lambda label, done, total: seen.append((label, done, total)))
    assert [f.status for f in result.files] == ["downloaded", "downloaded"]
    assert result.ok and result.summary().startswith("2 downloaded, 0 cached, 0 failed")
    alpha = demo["dir"] / "alpha.txt"
    assert alpha.read_bytes() == ALPHA and (demo["dir"] / "sub" / "beta.tsv").read_bytes() == BETA
    assert result.files[0].sha256 == sha256(ALPHA) and result.files[0].bytes == len(ALPHA)
    assert result.files[0].path == alpha
    assert not list(demo["cache"].rglob("*.part"))
    assert seen[-1] == ("demo/sub/beta.tsv", len(BETA), len(BETA))
    assert ("demo/alpha.txt", len(ALPHA), len(ALPHA)) in seen
    meta = json.loads((demo["dir"] / ".tmekg-source.json").read_text())
    assert meta["version"] == "1.0" and meta["licence"] == "CC0-1.0" and meta["commit"] == "0" * 40
    assert [f["name"] for f in meta["files"]] == ["alpha.txt", "sub/beta.tsv"]
    assert meta["files"][0]["sha256"] == sha256(ALPHA)
    assert meta["files"][0]["url"] == f"{demo['base']}/demo-folder/alpha.txt"


def test_second_fetch_is_cached_without_requests(demo: dict[str, Any]) -> None:
    run(demo)
    asked = len(demo["state"].requests)
    again = run(demo)
    assert [f.status for f in again.files] == ["cached", "cached"]
    assert len(demo["state"].requests) == asked
    assert again.cached[0].sha256 == sha256(ALPHA)


def test_base_url_from_environment(demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fetch_mod.BASE_URL_ENV, demo["base"] + "/")
    result = fetch(["demo"], cache=demo["cache"], downloads=demo["spec"], timeout=5)
    assert [f.status for f in result.files] == ["downloaded", "downloaded"]
    assert demo["state"].asked("/demo-folder/sub/beta.tsv") == [None]


def test_corrupted_download_is_rejected(demo: dict[str, Any]) -> None:
    demo["state"].corrupt.add("/demo-folder/alpha.txt")
    with pytest.raises(FetchError) as info:
        run(demo)
    message = str(info.value)
    bad = sha256(bytes(b ^ 0xFF for b in ALPHA))
    assert "demo/alpha.txt" in message and sha256(ALPHA) in message and bad in message
    assert "checksum mismatch" in message
    assert not (demo["dir"] / "alpha.txt").exists()
    assert not (demo["dir"] / "alpha.txt.part").exists()
    assert info.value.result is not None
    assert [f.status for f in info.value.result.files] == ["failed", "downloaded"]


def test_resume_from_partial_download(demo: dict[str, Any]) -> None:
    demo["dir"].mkdir(parents=True)
    (demo["dir"] / "alpha.txt.part").write_bytes(ALPHA[:12_345])
    result = run(demo)
    assert result.files[0].status == "downloaded"
    assert demo["state"].asked("/demo-folder/alpha.txt") == ["bytes=12345-"]
    assert (demo["dir"] / "alpha.txt").read_bytes() == ALPHA
    assert not (demo["dir"] / "alpha.txt.part").exists()


def test_server_ignoring_range_restarts(demo: dict[str, Any]) -> None:
    demo["state"].honour_range = False
    demo["dir"].mkdir(parents=True)
    (demo["dir"] / "alpha.txt.part").write_bytes(ALPHA[:1000])
    result = run(demo)
    assert result.files[0].status == "downloaded"
    assert demo["state"].asked("/demo-folder/alpha.txt") == ["bytes=1000-"]
    assert (demo["dir"] / "alpha.txt").read_bytes() == ALPHA


def test_stale_part_with_wrong_bytes_gets_one_fresh_attempt(demo: dict[str, Any]) -> None:
    demo["dir"].mkdir(parents=True)
    (demo["dir"] / "alpha.txt.part").write_bytes(b"x" * 1000)
    result = run(demo)
    assert result.files[0].status == "downloaded"
    assert demo["state"].asked("/demo-folder/alpha.txt") == ["bytes=1000-", None]
    assert (demo["dir"] / "alpha.txt").read_bytes() == ALPHA


def test_part_longer_than_file_is_discarded(demo: dict[str, Any]) -> None:
    demo["dir"].mkdir(parents=True)
    (demo["dir"] / "alpha.txt.part").write_bytes(ALPHA + b"extra")
    assert run(demo).files[0].status == "downloaded"
    assert demo["state"].asked("/demo-folder/alpha.txt") == [None]


def test_truncated_transfer_is_resumed(demo: dict[str, Any]) -> None:
    demo["state"].truncate_once.add("/demo-folder/alpha.txt")
    result = run(demo, retries=2)
    assert result.files[0].status == "downloaded"
    assert demo["state"].asked("/demo-folder/alpha.txt") == [None, f"bytes={len(ALPHA) // 2}-"]
    assert (demo["dir"] / "alpha.txt").read_bytes() == ALPHA


def test_transient_http_errors_are_retried(demo: dict[str, Any]) -> None:
    demo["state"].fail_first["/demo-folder/alpha.txt"] = 2
    result = run(demo, retries=2)
    assert result.ok
    assert len(demo["state"].asked("/demo-folder/alpha.txt")) == 3


def test_persistent_http_errors_mean_unreachable(demo: dict[str, Any]) -> None:
    demo["state"].fail_first["/demo-folder/alpha.txt"] = 10
    with pytest.raises(FetchError, match=r"cannot reach 127\.0\.0\.1:\d+: HTTP 503"):
        run(demo, retries=1)
    assert len(demo["state"].asked("/demo-folder/alpha.txt")) == 2
    assert not (demo["dir"] / "alpha.txt").exists()


def test_server_down_is_a_clear_error(demo: dict[str, Any]) -> None:
    port = free_port()
    with pytest.raises(TmekgError) as info:
        run(demo, base_url_override=f"http://127.0.0.1:{port}", retries=1, timeout=2)
    message = str(info.value)
    assert message.startswith(f"cannot reach 127.0.0.1:{port}: ")
    assert f"download the files yourself into {demo['dir']}" in message
    assert "\n" not in message
    assert not (demo["dir"] / "alpha.txt").exists()


def test_http_404_fails_the_file(demo: dict[str, Any]) -> None:
    (demo["state"].root / "demo-folder" / "alpha.txt").unlink()
    with pytest.raises(FetchError, match=r"could not fetch 1 file\(s\): demo/alpha.txt: HTTP 404"):
        run(demo)
    assert (demo["dir"] / "sub" / "beta.tsv").read_bytes() == BETA


def test_optional_file_failure_is_reported_not_raised(
    tmp_path: Path, server: tuple[str, ServerState]
) -> None:
    base, state = server
    sensors = b"HMDB\tGene\nHMDB0000050\tADORA2A\n"
    folder = registry()["mebocost"].folder
    assert folder
    (state.root / folder).mkdir()
    (state.root / folder / "met_sen_October-25-2022_14-52-47.tsv").write_bytes(sensors)
    spec = write_spec(
        tmp_path / "d.yaml",
        "mebocost",
        {"met_sen_October-25-2022_14-52-47.tsv": sensors, "LICENSE": b"BSD"},
    )
    result = fetch(["mebocost"], cache=tmp_path / "cache", base_url_override=base, downloads=spec, timeout=5)
    assert [f.status for f in result.files] == ["downloaded", "failed"]
    assert not result.ok and not result.failed[0].required
    assert "HTTP 404" in (result.failed[0].error or "")


def test_local_gz_copy_counts_as_cached(tmp_path: Path) -> None:
    raw = BETA
    packed = gzip.compress(raw, mtime=0)
    spec_path = tmp_path / "d.yaml"
    write_spec(spec_path, "demo", {"beta.tsv": raw})
    doc = yaml.safe_load(spec_path.read_text())
    copy = {"name": "beta.tsv.gz", "bytes": len(packed), "sha256": sha256(packed)}
    doc["sources"]["demo"]["files"][0]["local_copy"] = copy
    spec_path.write_text(yaml.safe_dump(doc))
    (tmp_path / "cache" / "demo").mkdir(parents=True)
    (tmp_path / "cache" / "demo" / "beta.tsv.gz").write_bytes(packed)
    result = fetch(
        ["demo"],
        cache=tmp_path / "cache",
        downloads=spec_path,
        base_url_override=f"http://127.0.0.1:{free_port()}",
        retries=0,
    )
    assert result.files[0].status == "cached"
    assert result.files[0].path.name == "beta.tsv.gz"


def test_unknown_and_unfetchable_sources(tmp_path: Path) -> None:
    with pytest.raises(TmekgError, match=r"unknown source 'no-such-source' \(fetchable: .*human-gem"):
        fetch(["no-such-source"], cache=tmp_path)
    with pytest.raises(TmekgError, match=r"source 'kegg' is not downloadable: .*put its files in"):
        fetch(["kegg"], cache=tmp_path)
    with pytest.raises(TmekgError, match=r"'tmekg-curated' ships with tmekg"):
        fetch(["tmekg-curated"], cache=tmp_path)
    with pytest.raises(TmekgError, match=r"name a source"):
        fetch([], cache=tmp_path)
    assert not list(tmp_path.iterdir())


def test_malformed_spec_is_a_clear_error(tmp_path: Path) -> None:
    bad = {"sources": {"demo": {"files": [{"name": "a.txt", "url": "https://x.invalid/a", "bytes": 3}]}}}
    with pytest.raises(TmekgError, match=r"source demo file a.txt: missing 'sha256'"):
        parse_downloads(yaml.safe_dump(bad))
    evil = {"name": "../a.txt", "url": "u", "bytes": 1, "sha256": "0" * 64}
    with pytest.raises(TmekgError, match="unsafe file name"):
        parse_downloads(yaml.safe_dump({"sources": {"demo": {"files": [evil]}}}))


# ------------------------------------------------------------------------- packaged downloads.yaml


def test_packaged_downloads_entries_are_complete() -> None:
    spec = load_downloads()
    reg = registry()
    assert spec.sources, "no sources in loaders/downloads.yaml"
    for name, source in spec.sources.items():
        assert name in reg, f"{name} is not in sources.yaml"
        assert source.folder == reg[name].folder
        assert source.version == reg[name].version and source.licence == reg[name].licence
        assert source.commit and source.repository.startswith("https://github.com/")
        repo = source.repository.removeprefix("https://github.com/")
        for f in source.files:
            assert f.url.startswith(f"https://raw.githubusercontent.com/{repo}/{source.commit}/"), f.url
            assert isinstance(f.bytes, int) and f.bytes > 0
            assert len(f.sha256) == 64 and set(f.sha256) <= SHA_HEX
        for pattern in reg[name].required:  # every loader-required file can be fetched
            assert any(fnmatch.fnmatch(f.name, pattern) for f in source.files), f"{name}: {pattern}"
    for name, spec_reg in reg.items():
        if spec_reg.folder is not None:
            assert name in spec.sources or name in spec.manual, f"{name}: neither downloadable nor manual"


@pytest.mark.shared_data
def test_packaged_checksums_match_manifest(shared_data: Path) -> None:
    manifest: dict[str, tuple[int, str]] = {}
    for line in (shared_data / "MANIFEST.tsv").read_text().splitlines()[1:]:
        path, size, digest = line.split("\t")
        manifest[path] = (int(size), digest)
    listed: set[str] = set()
    raw = yaml.safe_load(resources.files("tmekg.loaders").joinpath("downloads.yaml").read_text())
    local_only = {name: s.get("local_only", []) for name, s in raw["sources"].items()}
    for source in load_downloads().sources.values():
        for f in source.files:
            if f.local_copy is None:  # copied unmodified: same bytes as the publisher's file
                key = f"{source.folder}/{f.name}"
                assert manifest.get(key) == (f.bytes, f.sha256), key
            else:  # a gzipped copy: pinned values are of the decompressed bytes
                key = f"{source.folder}/{f.local_copy.name}"
                assert manifest.get(key) == (f.local_copy.bytes, f.local_copy.sha256), key
                data = gzip.decompress((shared_data / key).read_bytes())
                assert (len(data), sha256(data)) == (f.bytes, f.sha256), key
            listed.add(key)
        listed |= {f"{source.folder}/{n}" for n in local_only.get(source.name, ())}  # curators' own files
        shared = {k for k in manifest if k.split("/", 1)[0] == source.folder}
        assert shared <= listed, f"shared files missing from downloads.yaml: {sorted(shared - listed)}"


@pytest.mark.shared_data
def test_fetch_real_files_from_loopback_copies(
    shared_data: Path, tmp_path: Path, server: tuple[str, ServerState]
) -> None:
    base, state = server
    wanted = {
        "wikipathways": ["WP80.gpml", "WP80-info.json"],
        "mebocost": ["met_sen_October-25-2022_14-52-47.tsv", "hmdb_blood_metabolite_concentration.tsv"],
        "human-gem": ["genes.tsv"],  # shared copy is genes.tsv.gz: serve the decompressed bytes
    }
    text = resources.files("tmekg.loaders").joinpath("downloads.yaml").read_text(encoding="utf-8")
    packaged = yaml.safe_load(text)
    subset: dict[str, Any] = {"sources": {}}
    for source, names in wanted.items():
        entry = dict(packaged["sources"][source])
        entry["files"] = [f for f in entry["files"] if f["name"] in names]
        subset["sources"][source] = entry
        folder = registry()[source].folder
        assert folder
        for name in names:
            dest = state.root / folder / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if (shared_data / folder / name).exists():
                shutil.copyfile(shared_data / folder / name, dest)
            else:
                dest.write_bytes(gzip.decompress((shared_data / folder / f"{name}.gz").read_bytes()))
    spec = tmp_path / "subset.yaml"
    spec.write_text(yaml.safe_dump(subset))
    cache = tmp_path / "cache"
    result = fetch(list(wanted), cache=cache, base_url_override=base, downloads=spec, timeout=10)
    assert [f.status for f in result.files] == ["downloaded"] * 5
    for f in result.files:
        assert sha256(f.path.read_bytes()) == f.sha256
    meta = json.loads((cache / "human-gem" / ".tmekg-source.json").read_text())
    assert meta["version"] == "1.19.0" and meta["licence"] == "CC-BY-4.0"
    assert registry()["mebocost"].missing(cache / "mebocost") == []
    again = fetch(list(wanted), cache=cache, base_url_override=base, downloads=spec, timeout=10)
    assert [f.status for f in again.files] == ["cached"] * 5
