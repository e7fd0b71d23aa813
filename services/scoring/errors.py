"""Problems of the scoring service: what a caller can get wrong, as problem+json."""

from services.kit.problems import InvalidRequest, Problem
from services.scoring.system import Issue


class SystemNotFound(Problem):
    status, title, type = 404, "Indicator system not found", "/problems/system-not-found"


class TemplateNotFound(Problem):
    status, title, type = 404, "Template not found", "/problems/template-not-found"


class ProjectNotFound(Problem):
    status, title, type = 404, "Project not found", "/problems/project-not-found"


class EvaluationNotFound(Problem):
    status, title, type = 404, "Evaluation not found", "/problems/evaluation-not-found"


class EvaluationFinalized(Problem):
    status, title, type = 409, "Evaluation is finalized", "/problems/evaluation-finalized"


class ReadOnly(Problem):
    status, title, type = 403, "Read-only", "/problems/read-only"


class InvalidTransition(Problem):
    status, title, type = 409, "Status change not allowed", "/problems/invalid-transition"


class InvalidSystem(InvalidRequest):
    """An indicator system with problems: every one listed with its JSON path."""

    type = "/problems/invalid-system"
    title = "Invalid indicator system"


class CannotScore(InvalidRequest):
    """Facts or judgements that cannot be scored: every one listed with its path."""

    type = "/problems/cannot-score"
    title = "Cannot score"


def field_errors(issues: list[Issue], prefix: str = "") -> list[dict[str, str]]:
    """Turn domain issues into the problem's `errors` list, paths prefixed into the request."""
    return [
        {"path": f"{prefix}.{issue.path}" if prefix else issue.path, "message": issue.message}
        for issue in issues
    ]
