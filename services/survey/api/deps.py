"""Dependencies of the survey routes: settings, the clock, and public addresses."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from services.kit.models import utcnow
from services.survey.settings import SurveySettings


async def settings(request: Request) -> SurveySettings:
    """Return the settings the app was built with."""
    found: SurveySettings = request.state.settings
    return found


async def now() -> datetime:
    """Return the current time (UTC): one reading per request."""
    return utcnow()


def public_base(request: Request) -> str:
    """Return the public address of this service: configured, or as the request reached it."""
    configured: str | None = request.state.settings.public_url
    if configured:
        return configured.rstrip("/")
    headers = request.headers
    scheme = headers.get("x-forwarded-proto", request.url.scheme)
    host = headers.get("x-forwarded-host") or headers.get("host") or request.url.netloc
    return f"{scheme}://{host}{prefix(request)}"


def prefix(request: Request) -> str:
    """Return the path before this service's own paths: the gateway's /api/v1/survey, or ''."""
    return request.headers.get("x-forwarded-prefix", "").rstrip("/")


SettingsDep = Annotated[SurveySettings, Depends(settings)]
NowDep = Annotated[datetime, Depends(now)]
