"""Examples of the report API's OpenAPI document: seed 001's evaluation report as a PDF.

The evaluation is the scoring service's example (finalized at revision 7); the uploaded template
is a bureau's DOCX whose placeholders are data names of this service. Answers are built through
their response models and show the links a caller of the gateway gets (/api/v1/reports/…).
"""

from typing import Any

from pydantic import BaseModel

from services.kit import openapi
from services.kit.openapi import Example
from services.report import data
from services.report.schemas import DataNames, JobPublic, TemplatePublic, TemplatesPublic

PREFIX = "/api/v1/reports"  # the gateway's prefix, which the service puts in its links
EVALUATION = "bcaaae87-4c10-4ebb-9725-0c921b3d5c86"  # the scoring service's example
REVISION = 7  # the evaluation's revision when it was finalized
JOB = "d4bb14b2-dee7-41b2-bcf0-8f5c1c2667a3"
DOCUMENT = "7310cf40-146d-4b2e-adec-fcf756809374"
TEMPLATE = "59ed8a87-74fe-480c-8c7b-d8bd6a23d1e7"
ASKED, DONE = "2025-03-31T01:00:00Z", "2025-03-31T01:00:12Z"


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _job(done: bool) -> Any:
    """The job as queued (the 202 answer) or done, with its document."""
    document = {
        "id": DOCUMENT,
        "url": f"{PREFIX}/documents/{DOCUMENT}",
        "filename": "2024年度安全生产监管经费项目绩效评价报告.pdf",
        "media_type": "application/pdf",
        "size_bytes": 432076,
        "sha256": "464abc330f3b1943fdd53b7b0ef78bc33525f8dda57f6109a321b4ed3b744499",
        "data_sha256": "32f718f450ecfdab3638d02aa0210dae3f44112627daeca2054098b719ed13ed",
        "template_sha256": "ddf81fa515881a64c0748e767a9b5c5d54dac982ff7d0e26514890e3b829c8f6",
        "revision": REVISION,
        "created_at": "2025-03-31T01:00:11Z",
    }
    fields = {
        "id": JOB,
        "url": f"{PREFIX}/jobs/{JOB}",
        "state": "done" if done else "queued",
        "evaluation_id": EVALUATION,
        "revision": REVISION,
        "kind": "report",
        "format": "pdf",
        "template_id": None,
        "attempts": 1 if done else 0,
        "error": None,
        "document": document if done else None,
        "created_at": ASKED,
        "updated_at": DONE if done else ASKED,
        "finished_at": DONE if done else None,
    }
    return _dump(JobPublic.model_validate(fields))


def _template() -> Any:
    """A bureau's own report template: title, totals, level-1 scores, a table and the chart."""
    used = ["chart", "document_number", "grade", "indicators", "indicators[].name"]
    used += ["indicators[].reason", "indicators[].score", "level1", "level1[].name"]
    used += ["level1[].score", "title", "total"]
    fields = {
        "id": TEMPLATE,
        "name": "兴宁市财政局绩效评价报告模板",
        "kind": "report",
        "sha256": "ae3b6cbb989ede88a94384cd72dba419c32ae1b01b28043af18d08ed458e8b45",
        "size_bytes": 37467,
        "placeholders": used,
        "created_at": "2025-02-14T06:30:00Z",
    }
    return _dump(TemplatePublic.model_validate(fields))


def examples() -> dict[tuple[str, str], Example]:
    """Return every example of the report API, keyed by (method, path) as in its document."""
    template = _template()
    names = DataNames(names=data.dotted(data.names()))
    return {
        **openapi.health("report"),
        ("POST", "/evaluations/{evaluation_id}/documents"): Example(
            {"kind": "report", "format": "pdf"}, {202: _job(done=False)}
        ),
        ("GET", "/jobs/{job_id}"): Example(responses={200: _job(done=True)}),
        ("GET", "/templates/names"): Example(responses={200: _dump(names)}),
        ("POST", "/templates"): Example(responses={201: template}),
        ("GET", "/templates"): Example(
            responses={200: _dump(TemplatesPublic.model_validate({"items": [template]}))}
        ),
        ("GET", "/templates/{template_id}"): Example(responses={200: template}),
    }
