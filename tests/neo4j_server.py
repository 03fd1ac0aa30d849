"""A throwaway ArcadeDB server speaking Bolt and Neo4j-5 Cypher, for the neo4j tests and benchmark.

ArcadeDB (PyPI ``arcadedb-embedded``, bundles its own JRE) runs in a child process started from this
file, so that stopping it mid-load is a real server stop and a JVM problem cannot take pytest down.
The child writes a ready file once ``create_database`` has returned (the Bolt port opens earlier,
before the database exists) and stops when its stdin closes, so it never outlives its parent.

Examples
--------
>>> server = ArcadeDBProcess(Path("/tmp/arcade"))          # doctest: +SKIP
>>> server.start(); server.config().uri                     # doctest: +SKIP
'bolt://127.0.0.1:40123'
>>> server.stop()                                          # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tmekg.cypher import Neo4jConfig, run_cypher
from tmekg.graph import KnowledgeGraph
from tmekg.sinks.neo4j_model import node_labels

USER = "root"
PASSWORD = "tmekg-test-only-password"  # a throwaway loopback server; never a real credential
DATABASE = "neo4j"
_PASSWORD_ENV = "TMEKG_ARCADEDB_ROOT_PASSWORD"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def available() -> str | None:
    """``None`` if ArcadeDB can be started here, else the reason it cannot."""
    if importlib.util.find_spec("arcadedb_embedded") is None:
        return "the arcadedb-embedded package is not installed (pip install arcadedb-embedded)"
    return None


class ArcadeDBProcess:
    """Start, stop and restart one ArcadeDB server (same folder and ports) in a child process."""

    def __init__(self, root: Path, timeout: float = 120.0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.http_port, self.bolt_port = free_port(), free_port()
        self.timeout = timeout
        self.log = self.root / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None

    def config(self, **kwargs: object) -> Neo4jConfig:
        """Connection settings for this server."""
        return Neo4jConfig(f"bolt://127.0.0.1:{self.bolt_port}", USER, PASSWORD, DATABASE, **kwargs)  # type: ignore[arg-type]

    def start(self) -> None:
        """Start the server and wait until the database exists; raises RuntimeError with the log tail."""
        reason = available()
        if reason:
            raise RuntimeError(reason)
        ready = self.root / "READY"
        ready.unlink(missing_ok=True)
        command = [sys.executable, __file__, "--root", str(self.root / "server"), "--ready", str(ready)]
        command += ["--http-port", str(self.http_port), "--bolt-port", str(self.bolt_port)]
        with open(self.log, "ab") as log:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,  # ArcadeDB writes ./log/ in its working directory
                env={**os.environ, _PASSWORD_ENV: PASSWORD},
            )
        deadline = time.monotonic() + self.timeout
        while not ready.exists():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"ArcadeDB did not start; last log lines:\n{self.tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (close its stdin; kill it if it does not exit in time)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> None:
        """Stop, then start again on the same folder and ports (the data survives)."""
        self.stop()
        self.start()

    def tail(self, lines: int = 15) -> str:
        """The last lines of the server log."""
        if not self.log.exists():
            return "(no log)"
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join([line for line in text if not line.lstrip().startswith("at ")][-lines:])


# -- helpers for the tests ----------------------------------------------------------------------------

TEST_LABELS = ("TmekgTestUnrelated", "TmekgTestWrite")


@dataclass
class Server:
    """A Bolt server for the tests: its settings and, for ArcadeDB, the process (to stop it)."""

    config: Neo4jConfig
    process: ArcadeDBProcess | None


def clean(config: Neo4jConfig) -> None:
    for label in ("TmekgNode", *TEST_LABELS):
        run_cypher(f"MATCH (n:{label}) DETACH DELETE n", config=config, write=True)


def db_counts(config: Neo4jConfig) -> dict[str, int]:
    rows = run_cypher(
        "MATCH (n:TmekgNode) UNWIND labels(n) AS label RETURN label, count(*) AS c", config=config
    ).rows
    out = {r["label"]: r["c"] for r in rows}
    rows = run_cypher(
        "MATCH (:TmekgNode)-[r]->(:TmekgNode) RETURN type(r) AS t, count(r) AS c", config=config
    ).rows
    return out | {r["t"]: r["c"] for r in rows}


def store_counts(kg: KnowledgeGraph) -> dict[str, int]:
    labels = Counter(label for n in kg.nodes for label in node_labels(n))
    return dict(labels) | dict(Counter(e.predicate.upper() for e in kg.edges()))


def _serve(args: argparse.Namespace) -> None:
    from arcadedb_embedded.server import ArcadeDBServer

    server = ArcadeDBServer(
        root_path=args.root,
        root_password=os.environ[_PASSWORD_ENV],
        config={
            "host": "127.0.0.1",
            "http_port": args.http_port,
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": args.bolt_port,
        },
    )
    server.start()
    server.create_database(DATABASE)  # idempotent: opens the database after a restart
    Path(args.ready).write_text("ready\n", encoding="utf-8")
    sys.stdin.buffer.read()  # the parent closes our stdin to stop us (or dies)
    server.stop()
    sys.stdout.flush()
    os._exit(0)  # skip JVM teardown from Python's atexit


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Run ArcadeDB with the Bolt plugin until stdin closes.")
    parser.add_argument("--root", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--bolt-port", type=int, required=True)
    _serve(parser.parse_args())
