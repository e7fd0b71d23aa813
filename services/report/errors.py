"""Problems of the report service: what a caller can get wrong, as problem+json."""

from typing import Any

from services.kit.problems import InvalidRequest, Problem


class EvaluationNotFound(Problem):
    status, title, type = 404, "Evaluation not found", "/problems/evaluation-not-found"


class JobNotFound(Problem):
    status, title, type = 404, "Job not found", "/problems/job-not-found"


class DocumentNotFound(Problem):
    status, title, type = 404, "Document not found", "/problems/document-not-found"


class TemplateNotFound(Problem):
    status, title, type = 404, "Template not found", "/problems/template-not-found"


class EvaluationIncomplete(Problem):
    status, title, type = 409, "Evaluation not completely scored", "/problems/evaluation-incomplete"


class TemplateTooLarge(Problem):
    status, title, type = 413, "Template too large", "/problems/template-too-large"


class UnsupportedTemplate(Problem):
    status, title, type = 415, "Not a DOCX template", "/problems/unsupported-template"


class InvalidTemplate(InvalidRequest):
    """A template that cannot be used: unknown placeholders or forbidden constructs, each named."""

    type = "/problems/invalid-template"
    title = "Invalid template"

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors)


class UpstreamUnavailable(Problem):
    status, title, type = 503, "Service unavailable", "/problems/service-unavailable"


class UpstreamFailed(Problem):
    status, title, type = 502, "Upstream error", "/problems/upstream-error"
