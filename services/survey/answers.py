"""Answer sheets checked against their questionnaire: issues per question, rows, a digest."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from services.kit.texts import CONTROL
from services.survey import questionnaire as q

HUNDREDTHS = 100
HeaderValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


def _plausible(moment: datetime) -> datetime:
    if not 1970 <= moment.year <= 2100:  # also keeps time-zone arithmetic in range
        raise ValueError("give a time between 1970 and 2100")
    return moment


Moment = Annotated[datetime, AfterValidator(_plausible)]


def _answer(value: Any) -> int | str:
    # One check with one message at the answer's own path: a union of StrictInt and a bounded
    # StrictStr names its members instead (body.answers.q1.int, ….constrained-str).
    if type(value) is int or (type(value) is str and len(value) <= q.MAX_TEXT):
        return value
    most = f"give whole points, a label, an option or text of at most {q.MAX_TEXT} characters"
    raise PydanticCustomError("answer", most)


# Any answer to any question: the question itself may allow less (checked in check()).
Answer = Annotated[
    int | str,
    PlainValidator(_answer),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": q.MAX_TEXT}]}),
]


class SheetIn(BaseModel):
    """One answer sheet as a client sends it; `id` is generated on the client, once per sheet."""

    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID = Field(description="Generated on the device; a retry sends the same id")
    answers: dict[str, Answer] = Field(
        max_length=200,
        description="By question code: a level label, points, an option or free text",
    )
    header: dict[str, HeaderValue] = Field(default_factory=dict, max_length=20)
    group: str | None = Field(
        default=None, min_length=1, max_length=100, description="Respondent group"
    )
    answered_at: Moment | None = Field(default=None, description="When it was filled in")
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


LIKERT, SCORED, CHOICE, TEXT = range(4)


@dataclass(frozen=True)
class Slot:
    """How to read the answer to one question: its position, kind, labels and limit."""

    index: int
    kind: int
    labels: dict[str, tuple[int, int]]  # Likert: (level, value ×100); choice: (option, 0)
    limit: int  # scored: most points; text: most characters
    question: q.Question


@dataclass(frozen=True)
class Compiled:
    """A questionnaire prepared for checking many sheets quickly."""

    questionnaire: q.Questionnaire
    slots: dict[str, Slot]
    required: frozenset[str]
    header: dict[str, q.HeaderField]
    header_rules: bool  # some header field is required or is a date


def _slot(index: int, question: q.Question) -> Slot:
    if isinstance(question, q.LikertQuestion):
        labels = {
            level.label: (position, int(level.value * HUNDREDTHS))
            for position, level in enumerate(question.levels)
        }
        return Slot(index, LIKERT, labels, 0, question)
    if isinstance(question, q.ScoredQuestion):
        return Slot(index, SCORED, {}, question.max_points, question)
    if isinstance(question, q.ChoiceQuestion):
        options = {label: (position, 0) for position, label in enumerate(question.options)}
        return Slot(index, CHOICE, options, 0, question)
    return Slot(index, TEXT, {}, question.max_length, question)


def compile_questionnaire(questionnaire: q.Questionnaire) -> Compiled:
    """Index a questionnaire by question code and answer label."""
    return Compiled(
        questionnaire=questionnaire,
        slots={
            question.code: _slot(i, question) for i, question in enumerate(questionnaire.questions)
        },
        required=frozenset(qq.code for qq in questionnaire.questions if qq.required),
        header={field.code: field for field in questionnaire.header},
        header_rules=any(f.required or f.kind == "date" for f in questionnaire.header),
    )


def _expected(slot: Slot) -> str:
    """Say what a question accepts, for an answer it does not."""
    question = slot.question
    if isinstance(question, q.LikertQuestion):
        return "choose one of: " + "、".join(level.label for level in question.levels)
    if isinstance(question, q.ScoredQuestion):
        return f"give whole points from 0 to {question.max_points}"
    if isinstance(question, q.ChoiceQuestion):
        return "choose one of: " + "、".join(question.options)
    return f"give text of at most {slot.limit} characters, without control characters"


def _read(slot: Slot, value: int | str) -> tuple[int, int] | None:
    """Return (level, scale value ×100) of a valid answer, or None."""
    kind = slot.kind
    if kind == SCORED:
        if type(value) is int and 0 <= value <= slot.limit:
            return value, value * HUNDREDTHS
        return None
    if type(value) is not str:
        return None
    if kind == TEXT:
        return (0, 0) if len(value) <= slot.limit and not CONTROL.search(value) else None
    return slot.labels.get(value)


def _header_issues(form: Compiled, header: dict[str, str], prefix: str) -> list[q.Issue]:
    issues = [
        q.Issue(f"{prefix}.header.{code}", "no such header field")
        for code in header
        if code not in form.header
    ]
    for code, field in form.header.items():
        value = header.get(code, "")
        if CONTROL.search(value):
            issues.append(q.Issue(f"{prefix}.header.{code}", "text may not contain controls"))
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
    issues = _header_issues(form, sheet.header, prefix) if sheet.header or form.header_rules else []
    if sheet.group is not None and groups and sheet.group not in groups:
        issues.append(q.Issue(f"{prefix}.group", "choose one of: " + "、".join(groups)))
    if sheet.answered_at is not None and sheet.answered_at.tzinfo is None:
        issues.append(q.Issue(f"{prefix}.answered_at", "give a time zone, e.g. +08:00"))
    given: list[tuple[int, int, str, int | str]] = []  # (position, level, code, answer)
    total = items = 0
    for code, value in sheet.answers.items():
        slot = form.slots.get(code)
        if slot is None:
            issues.append(q.Issue(f"{prefix}.answers.{code}", "no such question"))
            continue
        if type(value) is str and not value.strip():
            continue  # an empty text box is no answer
        read = _read(slot, value)
        if read is None:
            issues.append(q.Issue(f"{prefix}.answers.{code}", _expected(slot)))
            continue
        given.append((slot.index, read[0], code, value))
        if slot.kind <= SCORED:  # Likert and scored items make up the scale
            total += read[1]
            items += 1
    refused = {i.path for i in issues}
    missing = form.required.difference(code for _, _, code, _ in given)
    for code in sorted(missing, key=lambda one: form.slots[one].index):
        if f"{prefix}.answers.{code}" not in refused:
            issues.append(q.Issue(f"{prefix}.answers.{code}", "an answer is required"))
    if issues:
        return issues
    given.sort()
    body = canonical(sheet, {code: value for _, _, code, value in given})
    # canonical() fixes the order of every key, so the text is the same for the same sheet.
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    rows = [(position, level) for position, level, _, _ in given]
    return Checked(rows, total, items, body, encoded, hashlib.sha256(encoded.encode()).digest())
