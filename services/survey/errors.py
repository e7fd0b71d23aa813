"""Problems of the survey service: what a caller or a respondent can get wrong, as problem+json."""

from services.kit.problems import InvalidRequest, Problem
from services.survey.questionnaire import Issue


class QuestionnaireNotFound(Problem):
    status, title, type = 404, "Questionnaire not found", "/problems/questionnaire-not-found"


class TemplateNotFound(Problem):
    status, title, type = 404, "Template not found", "/problems/template-not-found"


class SurveyNotFound(Problem):
    status, title, type = 404, "Survey not found", "/problems/survey-not-found"


class SheetNotFound(Problem):
    status, title, type = 404, "Answer sheet not found", "/problems/sheet-not-found"


class SurveyNotOpen(Problem):
    status, title, type = 409, "Survey not open yet", "/problems/survey-not-open"


class SurveyClosed(Problem):
    status, title, type = 409, "Survey closed", "/problems/survey-closed"


class SheetConflict(Problem):
    status, title, type = 409, "Sheet id already used", "/problems/sheet-conflict"


class InvitationUsed(Problem):
    status, title, type = 409, "Invitation already used", "/problems/invitation-used"


class InvitationInvalid(Problem):
    status, title, type = 403, "Invitation not valid", "/problems/invitation-invalid"


class ReadOnly(Problem):
    status, title, type = 403, "Shared read-only", "/problems/read-only"


class InvalidQuestionnaire(InvalidRequest):
    """A questionnaire with problems: every one listed with its JSON path."""

    type = "/problems/invalid-questionnaire"
    title = "Invalid questionnaire"


class InvalidSheet(InvalidRequest):
    """An answer sheet with problems: one entry per question or field, with its JSON path."""

    type = "/problems/invalid-sheet"
    title = "Invalid answer sheet"


def field_errors(issues: list[Issue], prefix: str = "") -> list[dict[str, str]]:
    """Turn domain issues into the problem's `errors` list, paths prefixed into the request."""
    return [
        {"path": f"{prefix}.{issue.path}" if prefix else issue.path, "message": issue.message}
        for issue in issues
    ]
