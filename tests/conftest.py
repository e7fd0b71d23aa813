"""Shared fixtures: every database test runs on SQLite and again on PostgreSQL."""

from collections.abc import Callable, Iterator

import pytest

from services.kit import testing

NewDatabase = Callable[[], str]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database made fresh for this test run, dropped at its end."""
    with testing.postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def new_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> NewDatabase:
    """Make empty databases on one backend: new SQLite files, or new PostgreSQL schemas."""
    if request.param == "sqlite":
        return lambda: f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    postgres: str = request.getfixturevalue("postgres_database")
    return lambda: testing.postgres_schema_url(postgres)


@pytest.fixture
def database_url(new_database: NewDatabase) -> str:
    """One empty database for a test."""
    return new_database()
