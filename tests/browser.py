"""Headless Chromium for tests: open a page, read back what it drew, take a screenshot.

No extra dependencies: the page itself writes its counts into the hidden ``#tmekg-status`` element once
the network is drawn (see ``tmekg.sinks.html_page``), Chromium runs with a virtual-time budget so that
timers and animation frames (the layout) run to completion, and ``--dump-dom`` prints the DOM then.
Chromium is the Debian package ``chromium``; tests skip without it locally and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def chromium() -> str | None:
    """Path of a Chromium binary ($TMEKG_CHROMIUM, else chromium / chromium-browser on PATH)."""
    explicit = os.environ.get("TMEKG_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """The Chromium path; skip the test when it is missing, except under CI=true where that fails."""
    path = chromium()
    if path:
        return path
    reason = "chromium not found (Debian: apt-get install -y chromium; or set TMEKG_CHROMIUM)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; the browser tests must run in CI")
    pytest.skip(reason)


def _run(args: list[str], timeout: int) -> str:
    with tempfile.TemporaryDirectory(prefix="tmekg-chromium-") as profile:
        cmd = [require_chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise AssertionError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


class _Status(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id") == "tmekg-status":
            self.attrs = {k: v or "" for k, v in found.items()}


def page_status(page: Path, fragment: str = "", budget_ms: int = 60_000, attempts: int = 3) -> dict[str, str]:
    """The ``data-*`` attributes of ``#tmekg-status`` after the page has drawn its network.

    Keys drop the ``data-`` prefix (``state``, ``nodes``, ``edges``, ``drawn-nodes``, ...). Retries
    when the network had not finished drawing (a cold browser start can be slow).
    """
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    status: dict[str, str] = {}
    for _ in range(attempts):
        parser = _Status()
        parser.feed(_run([f"--virtual-time-budget={budget_ms}", "--dump-dom", url], timeout=180))
        status = {k.removeprefix("data-"): v for k, v in parser.attrs.items()}
        if status.get("state") == "ready":
            break
    return status


def screenshot(page: Path, name: str, size: tuple[int, int] = (1400, 1000), budget_ms: int = 60_000) -> Path:
    """Save a PNG screenshot of ``page`` as ``artifacts/<name>`` and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / name
    out.unlink(missing_ok=True)
    _run(
        [
            f"--virtual-time-budget={budget_ms}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={out}",
            page.resolve().as_uri(),
        ],
        timeout=180,
    )
    return out


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file (from its IHDR chunk)."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
