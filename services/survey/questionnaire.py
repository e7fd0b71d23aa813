"""Questionnaires as data: question kinds, header fields, and the checks a definition must pass."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from services.kit.texts import Printable

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^\S+$"),
    Printable,
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Printable
]
Prose = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000), Printable]
QuestionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), Printable
]
Method = Literal["likert", "points"]
# The longest free-text answer a question may allow: a long complaint typed on a phone is a
# few hundred characters; 5000 is about three pages of Chinese.
MAX_TEXT = 5000


class Strict(BaseModel):
    """A definition part that refuses unknown members, so a typo is an error, not a default."""

    # Booleans and whole numbers of definitions are strict (StrictBool, StrictInt) too:
    # "required": 0 or "max_length": "500" is off the documented schema, so it is refused
    # rather than read as False or 500.
    model_config = ConfigDict(extra="forbid")


class Level(Strict):
    """One Likert level: its label and its value in percent (100 = fully satisfied)."""

    label: Label
    value: Decimal = Field(ge=0, le=100, decimal_places=2)


def default_levels() -> list[Level]:
    """Return the five levels of seed 001: 非常满意 … 非常不满意 = 100/75/50/25/0."""
    pairs = (("非常满意", 100), ("满意", 75), ("一般", 50), ("不满意", 25), ("非常不满意", 0))
    return [Level(label=label, value=Decimal(value)) for label, value in pairs]


class Band(Strict):
    """A labelled range of points of a scored item, bounds included (1–9 = 一般)."""

    label: Label
    low: StrictInt = Field(ge=0, le=1000)
    high: StrictInt = Field(ge=0, le=1000)


class LikertQuestion(Strict):
    """A question answered by one of several labelled levels, each worth a percentage."""

    kind: Literal["likert"] = "likert"
    code: Code
    text: QuestionText
    required: StrictBool = True
    levels: list[Level] = Field(default_factory=default_levels, min_length=2, max_length=11)


class ScoredQuestion(Strict):
    """An item scored 0 to max_points, with labelled bands (是 10, 一般 1–9, 否 0)."""

    kind: Literal["scored"] = "scored"
    code: Code
    text: QuestionText
    required: StrictBool = True
    max_points: StrictInt = Field(default=10, ge=1, le=1000)
    bands: list[Band] = Field(min_length=1, max_length=20)


class ChoiceQuestion(Strict):
    """A question answered by picking one option; it counts but is not part of the scale."""

    kind: Literal["choice"] = "choice"
    code: Code
    text: QuestionText
    required: StrictBool = True
    options: list[Label] = Field(min_length=2, max_length=50)


class TextQuestion(Strict):
    """A question answered in free text."""

    kind: Literal["text"] = "text"
    code: Code
    text: QuestionText
    required: StrictBool = False
    max_length: StrictInt = Field(default=500, ge=1, le=MAX_TEXT)


Question = Annotated[
    LikertQuestion | ScoredQuestion | ChoiceQuestion | TextQuestion, Field(discriminator="kind")
]


class HeaderField(Strict):
    """A field above the questions (企业, 职务, 姓名, 填写日期)."""

    code: Code
    label: Label
    kind: Literal["text", "date"] = "text"
    required: StrictBool = False


class Questionnaire(Strict):
    """A whole questionnaire: texts around it, header fields and questions in order."""

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Printable
    ]
    intro: Prose = ""
    signature: Prose = Field(default="", description="Who asks, and when, under the intro")
    anonymous: StrictBool = Field(
        default=True, description="可匿名填写: no header field is required"
    )
    header: list[HeaderField] = Field(default_factory=list, max_length=20)
    questions: list[Question] = Field(min_length=1, max_length=200)

    @property
    def method(self) -> Method | None:
        """Return how satisfaction is computed: Likert values, 100-point totals, or not at all."""
        if any(isinstance(q, ScoredQuestion) for q in self.questions):
            return "points"
        if any(isinstance(q, LikertQuestion) for q in self.questions):
            return "likert"
        return None

    @property
    def max_total(self) -> int:
        """Return the most points a sheet can score (100 for seed 002's form)."""
        return sum(q.max_points for q in self.questions if isinstance(q, ScoredQuestion))


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a definition or a sheet, at a JSON path."""

    path: str
    message: str


def _duplicates(values: list[str]) -> list[int]:
    seen: set[str] = set()
    repeated: list[int] = []
    for index, value in enumerate(values):
        if value in seen:
            repeated.append(index)
        seen.add(value)
    return repeated


def _band_issues(question: ScoredQuestion, path: str) -> list[Issue]:
    issues: list[Issue] = []
    covered = [0] * (question.max_points + 1)
    for index, band in enumerate(question.bands):
        if band.low > band.high or band.high > question.max_points:
            issues.append(
                Issue(
                    f"{path}.bands[{index}]", f"must satisfy 0 ≤ low ≤ high ≤ {question.max_points}"
                )
            )
            continue
        for points in range(band.low, band.high + 1):
            covered[points] += 1
    gaps = [str(p) for p, times in enumerate(covered) if times != 1]
    if gaps and not issues:
        issues.append(
            Issue(
                f"{path}.bands",
                "bands must cover every score exactly once; not: " + ", ".join(gaps),
            )
        )
    for index in _duplicates([band.label for band in question.bands]):
        issues.append(Issue(f"{path}.bands[{index}].label", "label used twice"))
    return issues


def validate(questionnaire: Questionnaire) -> list[Issue]:
    """Return every issue of a questionnaire beyond its field types (an empty list if none)."""
    issues: list[Issue] = []
    for index in _duplicates([q.code for q in questionnaire.questions]):
        issues.append(Issue(f"questions[{index}].code", "code used by an earlier question"))
    for index in _duplicates([h.code for h in questionnaire.header]):
        issues.append(Issue(f"header[{index}].code", "code used by an earlier header field"))
    if questionnaire.anonymous:
        for index, field in enumerate(questionnaire.header):
            if field.required:
                issues.append(
                    Issue(
                        f"header[{index}].required", "an anonymous questionnaire requires no field"
                    )
                )
    kinds = {q.kind for q in questionnaire.questions}
    if {"likert", "scored"} <= kinds:
        issues.append(
            Issue("questions", "mix Likert and scored items in two questionnaires: one method each")
        )
    for index, question in enumerate(questionnaire.questions):
        path = f"questions[{index}]"
        if isinstance(question, LikertQuestion):
            for dup in _duplicates([level.label for level in question.levels]):
                issues.append(Issue(f"{path}.levels[{dup}].label", "label used twice"))
        elif isinstance(question, ScoredQuestion):
            issues.extend(_band_issues(question, path))
        elif isinstance(question, ChoiceQuestion):
            for dup in _duplicates(list(question.options)):
                issues.append(Issue(f"{path}.options[{dup}]", "option listed twice"))
    return issues


def band_of(question: ScoredQuestion, points: int) -> str:
    """Return the label of the band holding these points."""
    return next(b.label for b in question.bands if b.low <= points <= b.high)
