"""Events for webhooks, derived from successful forwarded responses.

The gateway sees every change made through it, so an event needs no change in the services:
`POST /api/v1/scoring/evaluations/{id}/finalize` answered 200 is "evaluation.finalized". An
event that happens without a request (a report job finishing, a survey reaching its closing
time) is posted by its service to the gateway's `POST /internal/events`, signed with the
internal secret as the service itself (services.kit.identity.Identity.service):

    {"type": "report.ready", "org_id": "<owner organisation>", "data": {"report_id": "…"}}
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from services.kit.models import utcnow

EventName = Literal["evaluation.finalized", "report.ready", "survey.closed"]
EVENTS: dict[str, str] = {
    "evaluation.finalized": "scoring:read",
    "report.ready": "reports:read",
    "survey.closed": "survey:manage",
}


@dataclass(frozen=True)
class Event:
    """Something that happened to data of an organisation."""

    type: str
    org_id: str | None
    data: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    at: datetime = field(default_factory=utcnow)

    def payload(self) -> dict[str, Any]:
        """Return the JSON body a receiver gets."""
        return {
            "id": str(self.id),
            "type": self.type,
            "created_at": self.at.isoformat(),
            "org_id": self.org_id,
            "data": self.data,
        }


def _finalized(match: re.Match[str], body: dict[str, Any]) -> dict[str, Any] | None:
    result = body.get("result") or {}
    return {
        "evaluation_id": match["id"],
        "project_id": body.get("project_id"),
        "status": body.get("status"),
        "total": result.get("total"),
        "grade": result.get("grade"),
    }


def _closed(match: re.Match[str], body: dict[str, Any]) -> dict[str, Any] | None:
    if body.get("status") != "closed":
        return None
    return {"survey_id": match["id"], "closes_at": body.get("closes_at")}


# (segment, method, path pattern, status, event, data from the response body)
ROUTES = (
    ("scoring", "POST", re.compile(r"/evaluations/(?P<id>[^/]+)/finalize\Z"), 200,
     "evaluation.finalized", _finalized),
    ("survey", "PATCH", re.compile(r"/surveys/(?P<id>[^/?]+)\Z"), 200, "survey.closed", _closed),
)  # fmt: skip
WATCHED = frozenset((segment, method) for segment, method, *_ in ROUTES)


def derive(
    segment: str, method: str, path: str, status: int, body: bytes, org_id: str | None
) -> Event | None:
    """Return the event a forwarded exchange stands for, if any."""
    for seg, verb, pattern, wanted, kind, data_of in ROUTES:
        if seg != segment or verb != method or status != wanted:
            continue
        match = pattern.match(path)
        if match is None:
            continue
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        data = data_of(match, parsed if isinstance(parsed, dict) else {})
        return None if data is None else Event(kind, org_id, data)
    return None
