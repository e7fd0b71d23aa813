"""Answer sheets checked against their questionnaire: issues per question, rows, a digest."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints

from services.survey import questionnaire as q

HUNDREDTHS = 100
HeaderValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class SheetIn(BaseModel):
    """One answer sheet as a client sends it; `id` is generated on the client, once per sheet."""

    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID = Field(description="Generated on the device; a retry sends the same id")
    answers: dict[str, StrictInt | StrictStr] = Field(
        max_length=200,
        description="By question code: a level label, points, an option or free text",
    )
    header: dict[str, HeaderValue] = Field(default_factory=dict, max_length=20)
    group: str | None = Field(
        default=None, min_length=1, max_length=100, description="Respondent group"
    )
    answered_at: datetime | None = Field(default=None, description="When it was filled in")
    invitation: str | None = Field(default=None, max_length=100, description="Single-use token")


@dataclass(frozen=True)
class Checked:
    """A valid sheet ready to store: its answer rows, its scale score and its digest."""

    rows: list[tuple[int, int]]  # (question position, level / points / option index)
    score_total: int  # sum of scale answers, in hundredths of a point or of a percent
    score_items: int
    body: dict[str, Any]
    encoded: str  # the body as canonical JSON: hashed, and stored as is
    digest: bytes


@dataclass(frozen=True)
class Compiled:
    """A questionnaire prepared for checking many sheets quickly."""

    questionnaire: q.Questionnaire
    positions: dict[str, int]
    likert_values: dict[int, dict[str, tuple[int, int]]]  # label -> (level index, value ×100)
    options: dict[int, dict[str, int]]
    header: dict[str, q.HeaderField]


def compile_questionnaire(questionnaire: q.Questionnaire) -> Compiled:
    """Index a questionnaire by code and label."""
    likert: dict[int, dict[str, tuple[int, int]]] = {}
    options: dict[int, dict[str, int]] = {}
    for index, question in enumerate(questionnaire.questions):
        if isinstance(question, q.LikertQuestion):
            likert[index] = {
                level.label: (position, int(level.value * HUNDREDTHS))
                for position, level in enumerate(question.levels)
            }
        elif isinstance(question, q.ChoiceQuestion):
            options[index] = {label: position for position, label in enumerate(question.options)}
    return Compiled(
        questionnaire=questionnaire,
        positions={question.code: i for i, question in enumerate(questionnaire.questions)},
        likert_values=likert,
        options=options,
        header={field.code: field for field in questionnaire.header},
    )


def _answer(form: Compiled, index: int, value: int | str) -> tuple[int, int | None, str | None]:
    """Return (level, scale value ×100 or None, error or None) for one answer."""
    question = form.questionnaire.questions[index]
    if isinstance(question, q.LikertQuestion):
        found = form.likert_values[index].get(value) if isinstance(value, str) else None
        if found is None:
            labels = "、".join(level.label for level in question.levels)
            return 0, None, f"choose one of: {labels}"
        return found[0], found[1], None
    if isinstance(question, q.ScoredQuestion):
        if not isinstance(value, int) or not 0 <= value <= question.max_points:
            return 0, None, f"give whole points from 0 to {question.max_points}"
        return value, value * HUNDREDTHS, None
    if isinstance(question, q.ChoiceQuestion):
        option = form.options[index].get(value) if isinstance(value, str) else None
        if option is None:
            return 0, None, "choose one of: " + "、".join(question.options)
        return option, None, None
    if not isinstance(value, str) or len(value) > question.max_length or "\x00" in value:
        return 0, None, f"give text of at most {question.max_length} characters, without NUL"
    return 0, None, None


def _header_issues(form: Compiled, header: dict[str, str], prefix: str) -> list[q.Issue]:
    issues = [
        q.Issue(f"{prefix}.header.{code}", "no such header field")
        for code in header
        if code not in form.header
    ]
    for code, field in form.header.items():
        value = header.get(code, "")
        if "\x00" in value:
            issues.append(q.Issue(f"{prefix}.header.{code}", "text may not contain NUL"))
        if field.required and not value:
            issues.append(q.Issue(f"{prefix}.header.{code}", f"{field.label} is required"))
        if value and field.kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                issues.append(q.Issue(f"{prefix}.header.{code}", "give a date as YYYY-MM-DD"))
    return issues


def canonical(sheet: SheetIn, answers: dict[str, int | str]) -> dict[str, Any]:
    """Return the body that is stored and hashed, without the token: answers stay anonymous."""
    answered = sheet.answered_at.astimezone(UTC).isoformat() if sheet.answered_at else None
    header = {code: value for code, value in sorted(sheet.header.items()) if value}
    return {"answers": answers, "header": header, "group": sheet.group, "answered_at": answered}


def check(
    form: Compiled, sheet: SheetIn, groups: list[str], prefix: str = "body"
) -> Checked | list[q.Issue]:
    """Check a sheet against its questionnaire; return what to store or every issue found."""
    issues = _header_issues(form, sheet.header, prefix)
    if sheet.group is not None and groups and sheet.group not in groups:
        issues.append(q.Issue(f"{prefix}.group", "choose one of: " + "、".join(groups)))
    if sheet.answered_at is not None and sheet.answered_at.tzinfo is None:
        issues.append(q.Issue(f"{prefix}.answered_at", "give a time zone, e.g. +08:00"))
    rows: list[tuple[int, int]] = []
    total = items = 0
    kept: dict[str, int | str] = {}
    for code, value in sheet.answers.items():
        index = form.positions.get(code)
        if index is None:
            issues.append(q.Issue(f"{prefix}.answers.{code}", "no such question"))
            continue
        if isinstance(value, str) and not value.strip():
            continue  # an empty text box is no answer
        level, scale, error = _answer(form, index, value)
        if error is not None:
            issues.append(q.Issue(f"{prefix}.answers.{code}", error))
            continue
        rows.append((index, level))
        kept[code] = value
        if scale is not None:
            total += scale
            items += 1
    for question in form.questionnaire.questions:
        if question.required and question.code not in kept:
            if not any(i.path == f"{prefix}.answers.{question.code}" for i in issues):
                issues.append(q.Issue(f"{prefix}.answers.{question.code}", "an answer is required"))
    if issues:
        return issues
    rows.sort()
    ordered = {code: kept[code] for code in sorted(kept, key=form.positions.__getitem__)}
    body = canonical(sheet, ordered)
    # canonical() fixes the order of every key, so the text is the same for the same sheet.
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Checked(rows, total, items, body, encoded, hashlib.sha256(encoded.encode()).digest())
