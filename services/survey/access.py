"""Who may read or change what: organisations own questionnaires and surveys (kit.identity).

A caller reads its own organisation's records and those shared with it; only the owning
organisation, or a service acting for itself, changes them. Respondents' routes ask nothing of
this: the survey's public token is their only credential.
"""

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.kit.identity import Identity
from services.survey import errors
from services.survey.models import QuestionnaireRecord, SurveyRecord

Owned = QuestionnaireRecord | SurveyRecord


def readable(caller: Identity, record: Owned) -> bool:
    """Tell whether the caller may read a record: its organisation's, or shared with it."""
    return caller.may_read(record.org_id) or (
        record.org_id is not None and record.org_id == caller.org_id
    )


def check_writable(caller: Identity, record: Owned) -> None:
    """Raise ReadOnly unless the caller's organisation owns the record (or a service asks)."""
    if not (caller.internal or (record.org_id is not None and record.org_id == caller.org_id)):
        raise errors.ReadOnly("This is shared with your organisation to read, not to change")


def visible(column: Any, caller: Identity) -> Any:
    """Return the SQL condition of the rows a caller may read, by their org_id column."""
    if caller.internal:
        return sa.true()
    orgs = set(caller.readable_orgs) | ({caller.org_id} if caller.org_id else set())
    return col(column).in_(orgs)
