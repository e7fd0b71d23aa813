"""Every service's migrations reach head on an empty database and match its models exactly."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect

from services.kit import db, migrations
from services.report.models import ReportModel
from services.scoring.models import ScoringModel
from services.survey.models import SurveyModel

SERVICES = {
    "scoring": ScoringModel.metadata,
    "survey": SurveyModel.metadata,
    "report": ReportModel.metadata,
}


def _ini(service: str) -> Path:
    return Path(__file__).parents[1] / "services" / service / "alembic.ini"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_migrations_reach_head_with_no_drift_and_go_back(service: str, database_url: str) -> None:
    metadata: MetaData = SERVICES[service]
    migrations.upgrade(_ini(service), database_url)
    engine = create_engine(db.sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": f"alembic_version_{service}"}
            )
            assert context.get_current_revision() is not None
            assert compare_metadata(context, metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert tables == set(metadata.tables) | {f"alembic_version_{service}"}
        migrations.downgrade(_ini(service), database_url, "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {f"alembic_version_{service}"}
    finally:
        engine.dispose()


def test_gateway_migrations_reach_head_with_no_drift_and_go_back(database_url: str) -> None:
    from gateway.models import GatewayModel

    ini = Path(__file__).parents[1] / "gateway" / "alembic.ini"
    migrations.upgrade(ini, database_url)
    engine = create_engine(db.sync_url(database_url))
    try:
        with engine.connect() as connection:
            opts = {"version_table": "alembic_version_gateway"}
            context = MigrationContext.configure(connection, opts=opts)
            assert context.get_current_revision() is not None
            assert compare_metadata(context, GatewayModel.metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert tables == set(GatewayModel.metadata.tables) | {"alembic_version_gateway"}
        migrations.downgrade(ini, database_url, "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version_gateway"}
    finally:
        engine.dispose()
