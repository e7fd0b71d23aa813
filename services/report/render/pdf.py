"""PDF from the HTML layout through WeasyPrint: Noto CJK embedded, text searchable."""

import weasyprint

from services.report.data import ReportData
from services.report.render import pages


def pdf(kind: str, data: ReportData) -> bytes:
    """Return the report or notice as PDF; the same data gives the same bytes."""
    document = weasyprint.HTML(string=pages.html(kind, data, for_pdf=True))
    # WeasyPrint writes no dates unless the HTML asks; the file identifier is pinned to the
    # evaluation so that it never depends on the moment or on chance.
    content: bytes = document.write_pdf(pdf_identifier=data.evaluation_id.encode())
    return content
