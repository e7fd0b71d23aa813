"""Fixtures of the fault tests: a private PostgreSQL cluster and one system of real processes.

The processes are started once for the folder (each start costs seconds of CPU) and every
test works on its own data; the gateway is never restarted, so each test also shows that it
recovers from the faults of the tests before.
"""

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.faults import pgcluster
from tests.faults.system import ADMIN_KEY, System


@pytest.fixture(scope="session")
def private_cluster() -> Iterator[pgcluster.Cluster]:
    """A PostgreSQL cluster of our own (the shared server must never be stopped)."""
    reason = pgcluster.unavailable()
    if reason is not None:
        pytest.skip(f"fault tests need a private PostgreSQL cluster: {reason}")
    cluster = pgcluster.Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def started_system(
    private_cluster: pgcluster.Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """The gateway and the three services as processes, each on its own database."""
    system = System.make(private_cluster, tmp_path_factory.mktemp("faults"))
    try:
        # Report starts without its worker: its test wants a job to wait in the queue first.
        system.start_all(report={"REPORT_RUN_WORKER": "false"})
        ready = httpx.get(f"{system.url('gateway')}/readyz", timeout=30)
        if ready.status_code != 200:  # say so once, rather than in every test's first call
            pytest.fail(
                f"the gateway process does not reach the services: {ready.status_code} "
                f"{ready.text[:300]!r}; see {system.logs}/gateway.log"
            )
        yield system
    finally:
        system.close()


@pytest.fixture
def system(started_system: System) -> System:
    """The system with the cluster up and every process running (as an earlier test may not
    have left them)."""
    started_system.cluster.ensure_running()
    started_system.revive()
    return started_system


@pytest.fixture
async def gateway(system: System) -> AsyncIterator[httpx.AsyncClient]:
    """An admin's client of the gateway process."""
    async with httpx.AsyncClient(base_url=system.url("gateway"), timeout=30) as client:
        client.headers["x-api-key"] = ADMIN_KEY
        yield client
