"""A bureau's own DOCX template, filled by docxtpl inside a Jinja sandbox."""

import io
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from services.kit import archives
from services.report import data, placeholders
from services.report.data import ReportData
from services.report.render import word

PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl's
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


class NotDocx(ValueError):
    """The bytes are not a Word (DOCX) document."""


class Oversized(ValueError):
    """The DOCX package unpacks too big (a zip bomb) or has too many parts."""


def _open(content: bytes) -> DocxTemplate:
    try:
        archives.check_zip(content)
    except archives.NotZip:
        raise NotDocx("not a DOCX file (not a zip package)") from None
    except archives.Oversized as error:
        raise Oversized(f"the template is too large: {error}") from None
    template = DocxTemplate(io.BytesIO(content))
    try:
        template.init_docx()
    except Exception as exc:  # python-docx raises several kinds for a broken package
        raise NotDocx(f"not a DOCX document ({type(exc).__name__})") from None
    return template


def sources(template: DocxTemplate) -> list[str]:
    """Return every text docxtpl renders: body, headers, footers, footnotes, properties."""
    found = [template.patch_xml(template.get_xml())]
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _, part in template.get_headers_footers(uri):
            found.append(template.patch_xml(template.get_part_xml(part)))
    for part in template.docx.part.package.parts:
        if part.content_type == FOOTNOTES:
            found.append(template.patch_xml(part.blob.decode("utf-8")))
    properties = template.docx.core_properties
    found += [value for name in PROPERTIES if (value := getattr(properties, name))]
    return found


def check(content: bytes) -> placeholders.Report:
    """Check every placeholder of a template against the data names; NotDocx if unreadable."""
    return placeholders.check(sources(_open(content)), data.names())


def render(content: bytes, values: ReportData) -> bytes:
    """Fill a checked template with the data, in the sandbox, and return the DOCX bytes."""
    template = _open(content)
    context: dict[str, Any] = values.model_dump(mode="json")
    from services.report import chart  # matplotlib: loaded with the first document only

    context["chart"] = InlineImage(
        template, io.BytesIO(chart.chart(values.level1, "png")), width=Mm(150)
    )
    template.render(context, jinja_env=placeholders.environment(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return word.normalized(out.getvalue())
