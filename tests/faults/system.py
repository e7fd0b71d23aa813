"""The services and the gateway as uvicorn processes on loopback, to be killed and restarted."""

import os
import signal
import socket
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from services.kit import testing
from tests.faults.pgcluster import Cluster

ROOT = Path(__file__).parents[2]
ADMIN_KEY = "jx_faults-admin-key-0123456789"
SECRET = "faults-internal-secret"  # the gateway signs identities with it; services check them
API = "/api/v1"
SERVICES = ("scoring", "survey", "report")


@dataclass
class System:
    """Processes by name ("gateway", "scoring", …), their ports, settings and logs."""

    cluster: Cluster
    logs: Path
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, dict[str, str]] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    sockets: dict[str, socket.socket] = field(default_factory=dict)
    changes: dict[str, dict[str, str]] = field(default_factory=dict)  # of the running process

    @classmethod
    def make(cls, cluster: Cluster, logs: Path) -> "System":
        """Plan the gateway and three services, each on a new database of the cluster."""
        names = ("gateway", *SERVICES)
        # Bound now and handed to uvicorn (--fd): a port merely found free could be taken by
        # another test's process during the seconds a service takes to import.
        sockets = {name: listening() for name in names}
        ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        tag = uuid.uuid4().hex[:8]
        db = {name: cluster.create_database(f"{name}_{tag}") for name in names}
        env = {
            "gateway": {
                "GATEWAY_DATABASE_URL": db["gateway"],
                "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
                **{f"GATEWAY_{name.upper()}_URL": urls[name] for name in SERVICES},
                # The clients of a test share one address and one key: no limits in the way.
                "GATEWAY_PUBLIC_RATE": "1000000/minute",
                "GATEWAY_DEFAULT_RATE": "1000000/minute",
                "GATEWAY_TIMEOUT_S": "10",
                "GATEWAY_CONNECT_TIMEOUT_S": "0.5",
                "GATEWAY_BREAKER_RESET_S": "0.5",
            },
            "scoring": {
                "SCORING_DATABASE_URL": db["scoring"],
                "SCORING_SURVEY_URL": urls["survey"],
            },
            "survey": {"SURVEY_DATABASE_URL": db["survey"]},
            "report": {
                "REPORT_DATABASE_URL": db["report"],
                "REPORT_SCORING_URL": urls["scoring"],
                "REPORT_SURVEY_URL": urls["survey"],
                "REPORT_POLL_INTERVAL_S": "0.1",
                "REPORT_LEASE_S": "2",  # a job whose process died is taken again after 2 s
            },
        }
        return cls(cluster, logs, ports, env, sockets=sockets)

    def url(self, name: str) -> str:
        """Return the base URL of a process."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def database(self, name: str) -> str:
        """Return the database URL of a service (or the gateway)."""
        return self.env[name][f"{name.upper()}_DATABASE_URL"]

    def start(self, name: str, **changes: str) -> None:
        """Start a process (its settings changed by `changes`) and wait until it is healthy."""
        app = "gateway.main:app" if name == "gateway" else f"services.{name}.main:app"
        env = {**os.environ, **self.env[name], **changes, "JIXIAO_INTERNAL_SECRET": SECRET}
        env["PYTHONUNBUFFERED"] = "1"
        sock = self.sockets.pop(name, None) or listening(self.ports[name])
        command = [sys.executable, "-m", "uvicorn", app, "--fd", str(sock.fileno())]
        command += ["--no-access-log", "--log-level", "warning"]
        with sock, (self.logs / f"{name}.log").open("ab") as log:  # the child has its own
            process = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=log, stderr=log, pass_fds=[sock.fileno()]
            )
        self.processes[name] = process
        self.changes[name] = changes
        testing.wait_healthy(f"{self.url(name)}/healthz", process, timeout_s=60)

    def start_all(self, **changes: dict[str, str]) -> None:
        """Start the gateway and the services side by side (none needs another to start)."""
        names = ("gateway", *SERVICES)
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(lambda name: self.start(name, **changes.get(name, {})), names))

    def revive(self) -> None:
        """Resume paused processes and start dead ones: the state a test begins from."""
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                os.kill(process.pid, signal.SIGCONT)
            else:
                self.start(name, **self.changes[name])

    def ensure(self, name: str, **changes: str) -> None:
        """Make the running process of this name one started with exactly these changes."""
        process = self.processes.get(name)
        if process is not None and process.poll() is None and self.changes[name] == changes:
            return
        if process is not None and process.poll() is None:
            self.kill(name)
        self.start(name, **changes)

    def kill(self, name: str) -> None:
        """Kill a process at once (SIGKILL): no shutdown code runs, as in a crash."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def close(self) -> None:
        """Stop every process still running."""
        for sock in self.sockets.values():
            sock.close()
        running = [p for p in self.processes.values() if p.poll() is None]
        for process in running:  # all at once: each may take seconds to shut down
            os.kill(process.pid, signal.SIGCONT)  # a test may have paused it
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def listening(port: int = 0) -> socket.socket:
    """Return a socket listening on loopback (on a free port unless one is given)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a killed server's port
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock
