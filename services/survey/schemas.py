"""Request and response bodies of the survey API (the tables live in models.py)."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.kit.texts import Printable
from services.survey.answers import Moment
from services.survey.ingest import Status as SurveyStatus
from services.survey.questionnaire import Method, Questionnaire
from services.survey.settings import MAX_BATCH

# A survey's name is a title line (500, as a questionnaire's); a respondent group a label (100),
# and a survey asks a handful of groups (企业, 市民, 职工…), 20 at most.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Printable
]
Group = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Printable
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), Printable]
ReviewState = Literal["accepted", "has_issues", "rejected"]


class QuestionnaireSummary(BaseModel):
    """One stored questionnaire version, without its questions."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID = Field(description="This version")
    key: uuid.UUID = Field(description="Shared by every version")
    version: int
    name: str
    created_at: datetime


class QuestionnairePublic(QuestionnaireSummary):
    """One stored questionnaire version with its questions."""

    method: Method | None = Field(description="How satisfaction is computed")
    questionnaire: Questionnaire


class QuestionnairesPublic(BaseModel):
    """The latest version of each stored questionnaire."""

    items: list[QuestionnaireSummary]


class TemplateSummary(BaseModel):
    """A built-in questionnaire."""

    name: str
    title: str
    method: Method | None
    questions: int


class TemplatesPublic(BaseModel):
    """Every built-in questionnaire."""

    items: list[TemplateSummary]


class Window(BaseModel):
    """When a survey takes answers; either end may be open."""

    opens_at: Moment | None = None
    closes_at: Moment | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        for moment in (self.opens_at, self.closes_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("give times with a time zone, e.g. 2025-06-01T08:00:00+08:00")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


class SurveyCreate(Window):
    """A questionnaire version to field, for which project or evaluation, when and to whom."""

    model_config = ConfigDict(extra="forbid")
    questionnaire_key: uuid.UUID
    version: StrictInt | None = Field(default=None, ge=1, description="The latest when left out")
    name: Name
    project_id: uuid.UUID | None = None
    evaluation_id: uuid.UUID | None = None
    target: StrictInt | None = Field(
        default=None, ge=1, le=10_000_000, description="Sample size aimed at"
    )
    groups: list[Group] = Field(default_factory=list, max_length=20, description="企业, 市民…")
    invitation_only: StrictBool = Field(
        default=False, description="Every sheet needs a single-use token"
    )


class SurveyUpdate(Window):
    """Fields of a survey that may change while it runs; the questionnaire may not."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    target: StrictInt | None = Field(default=None, ge=1, le=10_000_000)
    groups: list[Group] | None = Field(default=None, max_length=20)

    @field_validator("name", "groups", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Leave a field out to keep it; null would erase what a survey must have.
        if value is None:
            raise ValueError("leave the field out to keep it; it cannot be null")
        return value


class SurveyPublic(BaseModel):
    """A survey with its public link."""

    id: uuid.UUID
    questionnaire_id: uuid.UUID
    questionnaire_key: uuid.UUID
    version: int
    name: str
    project_id: uuid.UUID | None
    evaluation_id: uuid.UUID | None
    opens_at: datetime | None
    closes_at: datetime | None
    target: int | None
    groups: list[str]
    invitation_only: bool
    status: SurveyStatus
    public_token: str = Field(description="Unguessable; whoever has it can answer")
    link: str = Field(description="The answer page, absolute when the public address is known")
    created_at: datetime


class SurveysPublic(BaseModel):
    """Surveys, newest first."""

    items: list[SurveyPublic]


class InvitationsCreate(BaseModel):
    """How many single-use invitations to make."""

    model_config = ConfigDict(extra="forbid")
    count: StrictInt = Field(ge=1, le=10_000)


class InvitationsPublic(BaseModel):
    """New single-use invitations: shown once, only their hashes are kept."""

    tokens: list[str]
    links: list[str]
    made: int = Field(description="Invitations of this survey in all")
    used: int


class SheetReceipt(BaseModel):
    """The server's confirmation of a stored sheet; a repeat gets the first one back."""

    id: uuid.UUID
    survey_id: uuid.UUID
    received_at: datetime
    review: ReviewState


class BatchIn(BaseModel):
    """Sheets collected while a device was offline; each is checked and stored on its own."""

    model_config = ConfigDict(extra="forbid")
    sheets: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Answer sheets, each as in a single submit",
    )


class BatchItem(BaseModel):
    """A sheet of a batch not stored by it: 200 stored before, or a problem."""

    index: int = Field(description="Position of the sheet in the request")
    id: uuid.UUID | None = Field(description="The sheet's id, when it had a readable one")
    status: int = Field(description="200 stored before, else the problem's status")
    received_at: datetime | None = Field(default=None, description="When it was first stored")
    problem: dict[str, Any] | None = Field(default=None, description="Why it was not stored")


class BatchPublic(BaseModel):
    """A batch's outcome: the good sheets are stored even when others are not."""

    stored: int = Field(description="Sheets stored by this request (201), not listed in items")
    repeated: int = Field(description="Sheets stored before (200)")
    failed: int = Field(description="Sheets refused, each with its problem")
    received_at: datetime = Field(description="When this request's sheets were stored")
    items: list[BatchItem] = Field(description="Repeats and refusals, by position")


class SheetPublic(BaseModel):
    """A stored sheet with its review."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    survey_id: uuid.UUID
    respondent_group: str | None
    answered_at: datetime | None
    received_at: datetime
    review: ReviewState
    note: str | None
    reviewed_at: datetime | None
    body: dict[str, Any] = Field(description="Answers and header as stored (no invitation token)")


class SheetsPublic(BaseModel):
    """One page of a survey's sheets."""

    items: list[SheetPublic]
    total: int


class ReviewUpdate(BaseModel):
    """A reviewer's verdict on a sheet; a rejected sheet is kept but no longer counted."""

    model_config = ConfigDict(extra="forbid")
    state: ReviewState
    note: Note | None = None


class FormPublic(BaseModel):
    """What a mobile app needs to show a survey: its state and its questionnaire."""

    survey_id: uuid.UUID
    name: str
    status: SurveyStatus
    opens_at: datetime | None
    closes_at: datetime | None
    groups: list[str]
    invitation_only: bool
    questionnaire: Questionnaire
