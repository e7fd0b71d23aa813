"""The survey service as scoring reads it: a survey's result, through its HTTP API."""

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated

import httpx
from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from services.kit.problems import Problem


class SurveyNotFound(Problem):
    status, title, type = 404, "Survey not found", "/problems/survey-not-found"


class UpstreamUnavailable(Problem):
    status, title, type = 503, "Service unavailable", "/problems/service-unavailable"


class SurveyResult(BaseModel):
    """The fields of a survey's results that scoring records (a copy of the survey contract)."""

    survey_id: uuid.UUID
    n: int
    satisfaction: Decimal | None
    satisfaction_percent: str | None = None


class SurveyClient:
    """Typed calls to the survey service; failures become problems, never a silent absence."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def result(self, survey_id: uuid.UUID, request_id: str | None) -> SurveyResult:
        """Return a survey's current result, or raise SurveyNotFound / UpstreamUnavailable."""
        headers = {"x-request-id": request_id} if request_id else {}
        try:
            response = await self.client.get(f"/surveys/{survey_id}/results", headers=headers)
        except httpx.HTTPError as error:
            raise UpstreamUnavailable(f"The survey service is not reachable ({error!r})") from None
        if response.status_code == 404:
            raise SurveyNotFound(f"No survey {survey_id}")
        if response.status_code != 200:
            raise UpstreamUnavailable(f"The survey service answered {response.status_code}")
        try:
            return SurveyResult.model_validate_json(response.content)
        except (ValidationError, InvalidOperation):
            raise UpstreamUnavailable(
                "The survey service sent a result scoring cannot read"
            ) from None


async def survey_client(request: Request) -> SurveyClient:  # async: a def runs in a thread
    """Return the survey client opened in the lifespan."""
    return SurveyClient(request.state.survey)


SurveyClientDep = Annotated[SurveyClient, Depends(survey_client)]
