"""Making documents: one entry point for every kind and format, run in a worker thread."""

import hashlib
import re
from pathlib import Path
from typing import Literal

from services.report.data import ReportData
from services.report.render import custom

Kind = Literal["report", "notice"]
Format = Literal["docx", "pdf", "html", "md"]
MEDIA_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}
TITLES: dict[str, str] = {"report": "绩效评价报告", "notice": "绩效评价结果反馈告知书"}
ASCII_NAMES: dict[str, str] = {"report": "evaluation-report", "notice": "result-notice"}
HERE = Path(__file__).parent


def _layout_sha256() -> str:
    """Hash the built-in layout (Jinja files, CSS and the code that draws documents)."""
    digest = hashlib.sha256()
    files = [*sorted((HERE.parent / "layouts").iterdir()), *sorted(HERE.glob("*.py"))]
    for path in [*files, HERE.parent / "chart.py", HERE.parent / "data.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


LAYOUT_SHA256 = _layout_sha256()  # part of the cache key: a new layout makes new documents


def filename(project_name: str, kind: str, fmt: str) -> str:
    """Return the Chinese file name of a document, without characters file systems refuse."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", project_name).strip() or "项目"
    return f"{safe}{TITLES[kind]}.{fmt}"


def make(kind: str, fmt: str, data: ReportData, template: bytes | None = None) -> bytes:
    """Make one document (blocking, CPU-bound: call it from a worker thread)."""
    # Imported on the first document, not at start: matplotlib and WeasyPrint take ~50 MB
    # that an idle service (or one that only serves stored documents) never needs.
    from services.report.render import notice_docx, pages, pdf, report_docx

    if template is not None:
        return custom.render(template, data)
    if fmt == "html":
        return pages.html(kind, data).encode()
    if fmt == "md":
        return pages.markdown(kind, data).encode()
    if fmt == "pdf":
        return pdf.pdf(kind, data)
    if kind == "notice":
        return notice_docx.notice_docx(data)
    return report_docx.report_docx(data)
