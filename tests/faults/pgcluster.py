"""A private PostgreSQL cluster on a free loopback port, to be stopped and crashed at will.

The machine's shared server stays untouched (other tests use it): this cluster lives in a
temporary directory owned by the `postgres` user (initdb refuses root) and listens on its own
port and socket directory.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from services.kit import testing

SKIP_REASON = "no PostgreSQL server binaries (initdb, pg_ctl in /usr/lib/postgresql/*/bin)"


def binaries() -> Path | None:
    """Return the directory holding initdb and pg_ctl, newest major version first, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable() -> str | None:
    """Return why no private cluster can be made here, or None when one can."""
    if binaries() is None:
        return SKIP_REASON
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user for initdb"
    return None


class Cluster:
    """One initdb'd data directory, started and stopped with pg_ctl."""

    def __init__(self) -> None:
        bindir = binaries()
        if bindir is None:
            raise RuntimeError(SKIP_REASON)
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = testing.free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        # No fsync: an immediate stop kills the server, not the machine, so what reached the
        # kernel survives; synchronous_commit stays on, so an acknowledged commit is in the WAL.
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale", "C")  # fmt: skip
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "fsync": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = '{value}'\n" for name, value in options.items())

    def _run(self, tool: str, *args: str) -> int:
        done = subprocess.run(
            [*self._as, str(self.bindir / tool), *args], capture_output=True, check=False
        )
        if done.returncode != 0 and not (tool == "pg_ctl" and args[0] == "status"):
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {args[0]}: {done.stderr.decode(errors='replace')}{log}")
        return done.returncode

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of a database in this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server (after a crash this replays the WAL) and wait until it answers."""
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log))

    def running(self) -> bool:
        """Say whether the server runs (pg_ctl status)."""
        return self._run("pg_ctl", "status", "-D", str(self.data)) == 0

    def ensure_running(self) -> None:
        """Start the server unless it runs."""
        if not self.running():
            self.start()

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" cleanly, "immediate" like a crash (no checkpoint)."""
        self._run("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.data))

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server if it runs and remove its files."""
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
