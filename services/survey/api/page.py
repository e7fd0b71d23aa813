"""The answer page for phones, at the survey's public link, and its no-JavaScript form post.

The page is HTML for people, so its errors are HTML pages too (with the right status). Its form
posts to `/s/{token}/sheets`, the same public route as the JSON API: with JavaScript the page
sends JSON there itself; without, the browser posts the form and gets a page back. Paths in the
page carry the gateway's x-forwarded-prefix, so the form posts to the public path.
"""

import uuid
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from services.kit.db import SessionDep
from services.kit.problems import Problem, location
from services.survey import answers, errors, ingest, store, webform, writes
from services.survey.api.deps import NowDep, prefix
from services.survey.models import SurveyRecord
from services.survey.questionnaire import Issue, ScoredQuestion

router = APIRouter(prefix="/s/{token}", tags=["collection"])
MAX_FORM_BYTES = 256 * 1024
NOT_FOUND = webform.render_message("找不到调查", "该链接没有对应的调查，请检查链接是否完整。")
TITLES = {"scheduled": "调查尚未开始", "closed": "调查已结束"}
HTML_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/html": {}}},
    404: {
        "content": {"text/html": {"schema": {"type": "string"}}},
        "description": "No survey at this link (an HTML page)",
    },
}


def _message(problem: Problem) -> str:
    if isinstance(problem, errors.InvalidSheet):
        return "请检查标红的题目后再提交。"
    return {
        errors.SurveyClosed.type: "调查已结束，无法再提交。",
        errors.SurveyNotOpen.type: "调查尚未开始，请稍后再提交。",
        errors.InvitationUsed.type: "该邀请已经提交过答卷，每份邀请只能提交一次。",
        errors.InvitationInvalid.type: "邀请码无效，请检查链接。",
        errors.SheetConflict.type: "这份答卷已经提交过。",
    }.get(problem.type, "提交失败，请稍后再试。")


def _boxes(problem: Problem) -> dict[str, str]:
    """Map a problem's field errors to the page's question boxes, in Chinese."""
    boxes: dict[str, str] = {}
    for error in problem.extensions.get("errors", []):
        parts = str(error["path"]).split(".", 2)
        if len(parts) < 2:
            continue
        where = parts[1]
        box = {"answers": "q-", "header": "h-"}.get(where, "q-") + (
            parts[2] if where in ("answers", "header") and len(parts) == 3 else where
        )
        required = "required" in str(error["message"])
        boxes[box] = "此题为必答题。" if required else "答案无效，请重新填写。"
    return boxes


@router.get(
    "",
    response_class=HTMLResponse,
    summary="The answer page for phones (HTML)",
    responses=HTML_RESPONSES,
)
async def get_page(
    token: str,
    session: SessionDep,
    request: Request,
    now: NowDep,
    invite: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    try:
        survey = await writes.survey_by_token(session, token)
    except errors.SurveyNotFound:
        return HTMLResponse(NOT_FOUND, status_code=404)
    form = await store.form_by_id(session, survey.questionnaire_id)
    state = ingest.status(survey, now)
    if state != "open":
        return HTMLResponse(webform.render_message(form.questionnaire.name, TITLES[state]))
    page = webform.Page(form.questionnaire, token, prefix(request), survey.groups, invite)
    return HTMLResponse(webform.render_form(page))


def _sheet(fields: list[tuple[str, str]], form: answers.Compiled) -> dict[str, object]:
    """Turn posted form fields into the JSON shape of a sheet."""
    raw: dict[str, object] = {"answers": {}, "header": {}}
    scored = {qq.code for qq in form.questionnaire.questions if isinstance(qq, ScoredQuestion)}
    for name, value in fields:
        kind, _, code = name.partition(":")
        if kind == "a" and code:
            number = value.strip()
            raw["answers"][code] = int(number) if code in scored and number.isdigit() else value  # type: ignore[index]
        elif kind == "h" and code:
            raw["header"][code] = value  # type: ignore[index]
        elif name in ("id", "group", "invitation") and value:
            raw[name] = value
    return raw


async def answer_form(
    session: SessionDep,
    survey: SurveyRecord,
    form: answers.Compiled,
    body: bytes,
    request: Request,
    grace: timedelta,
    now: datetime,
) -> HTMLResponse:
    """Store a sheet posted by the answer page without JavaScript; answer with a page."""
    token = survey.public_token
    fields = parse_qsl(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))
    raw = _sheet(fields, form)
    try:
        sheet = answers.SheetIn.model_validate(raw)
    except ValidationError as error:
        issues = [Issue(location(("body", *e["loc"])), e["msg"]) for e in error.errors()]
        problem: Problem | None = ingest.invalid(issues)
    else:
        (outcome,) = await ingest.store_sheets(session, survey, form, [(0, sheet)], now, grace)
        problem = outcome.problem
    if problem is None:
        thanks = webform.render_message(form.questionnaire.name, "提交成功，感谢您的参与！", "done")
        return HTMLResponse(thanks)
    page = webform.Page(
        form.questionnaire,
        token,
        prefix(request),
        survey.groups,
        str(raw.get("invitation") or "") or None,
        sheet_id=_posted_id(raw.get("id")),  # nothing was stored: the same sheet may come back
        values=dict(fields),
        errors={**_boxes(problem), "status": _message(problem)},
    )
    return HTMLResponse(webform.render_form(page), status_code=problem.status)


def _posted_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.uuid4()
