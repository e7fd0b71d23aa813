"""The services the gateway runs in its own process, and the connections to remote ones."""

from contextlib import AsyncExitStack
from dataclasses import dataclass

from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from gateway import upstream
from gateway.settings import GatewaySettings
from services.report.settings import ReportSettings
from services.scoring.settings import ScoringSettings
from services.survey.settings import SurveySettings

# Public path segment -> service name. Reports are plural in URLs, as the issue asks.
SEGMENTS = {"scoring": "scoring", "survey": "survey", "reports": "report"}


@dataclass(frozen=True)
class LocalSettings:
    """Settings of the services the gateway runs in its own process (those without a URL)."""

    scoring: ScoringSettings | None = None
    survey: SurveySettings | None = None
    report: ReportSettings | None = None


def _remote_url(settings: GatewaySettings, service: str) -> str | None:
    url: str | None = getattr(settings, f"{service}_url")
    return url or None


async def _start(stack: AsyncExitStack, app: ASGIApp) -> ASGIApp:
    # Migrations run in the lifespan; a first start on PostgreSQL can take a few seconds.
    manager = LifespanManager(app, startup_timeout=120, shutdown_timeout=30)
    return (await stack.enter_async_context(manager)).app


async def open_upstreams(
    stack: AsyncExitStack, settings: GatewaySettings, local: LocalSettings
) -> dict[str, upstream.Upstream]:
    """Start the in-process services and connect to the remote ones."""
    # Each service's code is imported only when it runs here: a gateway in front of remote
    # services never loads it (the report service alone brings matplotlib and WeasyPrint).
    running: dict[str, ASGIApp] = {}
    # Started in dependency order: scoring reads survey results, report reads both.
    if _remote_url(settings, "survey") is None:
        from services.survey.main import create_app as create_survey_app

        running["survey"] = await _start(stack, create_survey_app(local.survey))
    if _remote_url(settings, "scoring") is None:
        from services.scoring.main import create_app as create_scoring_app

        scoring_app = create_scoring_app(local.scoring, peers=dict(running))
        running["scoring"] = await _start(stack, scoring_app)
    if _remote_url(settings, "report") is None:
        from services.report.main import create_app as create_report_app

        # The report service reads scoring and survey: in-process ones are handed over directly.
        report_app = create_report_app(local.report, peers=dict(running))
        running["report"] = await _start(stack, report_app)
    upstreams: dict[str, upstream.Upstream] = {}
    for segment, service in SEGMENTS.items():
        url = _remote_url(settings, service)
        if url is None:
            upstreams[segment] = upstream.AsgiUpstream(
                service, running[service], settings.timeout_s
            )
        else:
            upstreams[segment] = upstream.HttpUpstream(
                service,
                url,
                settings.timeout_s,
                settings.connect_timeout_s,
                settings.max_connections,
            )
        stack.push_async_callback(upstreams[segment].aclose)
    return upstreams
