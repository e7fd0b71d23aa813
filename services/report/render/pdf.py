"""PDF from the HTML layout through WeasyPrint: Noto CJK embedded, text searchable."""

import weasyprint

from services.report.data import ReportData
from services.report.render import pages

# One CJK family in the PDF: subsetting a Noto CJK face costs WeasyPrint 60–90 MB each
# (measured: serif body + sans headings peaked 180 MB over the idle process, sans alone 116).
# A user stylesheet: `!important` lets it win over the page's own serif body.
ONE_FAMILY = weasyprint.CSS(
    string='html, h1, h2, h3, h4, h5, caption, th, .cover dt { font-family: "Noto Sans CJK SC",'
    ' "Source Han Sans SC", "WenQuanYi Zen Hei", sans-serif !important; }'
)


def pdf(kind: str, data: ReportData) -> bytes:
    """Return the report or notice as PDF; the same data gives the same bytes."""
    document = weasyprint.HTML(string=pages.html(kind, data, for_pdf=True))
    # WeasyPrint writes no dates unless the HTML asks; the file identifier is pinned to the
    # evaluation so that it never depends on the moment or on chance.
    content: bytes = document.write_pdf(
        stylesheets=[ONE_FAMILY], pdf_identifier=data.evaluation_id.encode()
    )
    return content
