"""A whole system in one process: the gateway and the three services, on one backend."""

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.main import LocalSettings, create_app
from gateway.settings import GatewaySettings
from services.kit import testing
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings
from tests.conftest import NewDatabase


def local_settings(new_database: NewDatabase) -> LocalSettings:
    """Settings for three in-process services, each on its own empty database."""
    return LocalSettings(
        scoring=ScoringSettings(database_url=new_database()),
        survey=SurveySettings(database_url=new_database()),
        report=ReportSettings(database_url=new_database()),
    )


@pytest.fixture
async def gateway(new_database: NewDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an in-process gateway whose services run in the same process."""
    app = create_app(GatewaySettings(_env_file=None), local_settings(new_database))
    async with testing.started(app) as client:
        yield client
