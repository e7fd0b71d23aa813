"""Word building blocks: Chinese fonts on every style, fields, tables with merged cells, and
a save that gives the same bytes for the same document."""

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

SONG, HEI, LATIN = "宋体", "黑体", "Times New Roman"
BLACK = RGBColor(0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry: fixed, so bytes repeat
ALIGN = {
    "l": WD_ALIGN_PARAGRAPH.LEFT,
    "c": WD_ALIGN_PARAGRAPH.CENTER,
    "r": WD_ALIGN_PARAGRAPH.RIGHT,
}
BODY, BODY_ID = "Body Indent", "BodyIndent"
CELL, CELL_ID, CELL_SIZE = "Table Text", "TableText", 10.5
HEADINGS = {1: (HEI, 16), 2: (HEI, 14), 3: (HEI, 12), 4: (HEI, 12)}


def set_fonts(element: object, east_asia: str, latin: str = LATIN) -> None:
    """Name the fonts of a style or run, East-Asian text included (w:eastAsia)."""
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{theme}"), None)  # a theme font would win over the names
    for slot, name in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east_asia), ("cs", latin)):
        fonts.set(qn(f"w:{slot}"), name)


def _style(document: DocxDocument, name: str, east_asia: str, size: float) -> ParagraphStyle:
    style = document.styles[name]
    assert isinstance(style, ParagraphStyle)
    style.font.size = Pt(size)
    style.font.color.rgb = BLACK
    set_fonts(style.element, east_asia)
    return style


def new_document(title: str, day: datetime) -> DocxDocument:
    """Start an A4 document with Chinese fonts on the body, headings, title and captions."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin = section.right_margin = Mm(25)
    normal = _style(document, "Normal", SONG, 12)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)
    for level, (font, size) in HEADINGS.items():
        heading = _style(document, f"Heading {level}", font, size)
        heading.font.bold = True
        heading.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        heading.paragraph_format.space_after = Pt(6 if level == 1 else 3)
    _style(document, "Title", HEI, 22).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = _style(document, "Caption", HEI, 10.5)
    caption.font.italic = False
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _added_styles(document)
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, "jixiao", "jixiao"
    properties.created = properties.modified = day
    properties.revision = 1
    update_fields_on_open(document)
    return document


def _added_styles(document: DocxDocument) -> None:
    # Paragraph styles rather than direct formatting: smaller files, and python-docx is slow
    # at setting the same properties paragraph by paragraph.
    indented = document.styles.add_style(BODY, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(indented, ParagraphStyle)
    indented.base_style = document.styles["Normal"]
    indented.paragraph_format.first_line_indent = Pt(24)
    cell = document.styles.add_style(CELL, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(cell, ParagraphStyle)
    cell.base_style = document.styles["Normal"]
    cell.font.size = Pt(10.5)
    cell.paragraph_format.line_spacing = 1.15


def styled(document: DocxDocument, text: str, style_id: str) -> Paragraph:
    """Add a paragraph in a style named by its id (fast: no lookup by name)."""
    paragraph = document.add_paragraph(text)
    paragraph._p.style = style_id
    return paragraph


def heading(document: DocxDocument, text: str, level: int) -> Paragraph:
    """Add a heading of level 1–4 (levels 1–3 go into the table of contents)."""
    return styled(document, text, f"Heading{level}")


def update_fields_on_open(document: DocxDocument) -> None:
    """Ask Word to refresh fields (the table of contents) when it opens the file."""
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _field_char(paragraph: Paragraph, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(char)


def add_field(paragraph: Paragraph, instruction: str, shown: str = "") -> None:
    """Add a field (PAGE, TOC…) with the text shown until Word computes it."""
    _field_char(paragraph, "begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    _field_char(paragraph, "separate")
    paragraph.add_run(shown)
    _field_char(paragraph, "end")


def page_numbers(paragraph: Paragraph) -> None:
    """Put 第 N 页 in a footer paragraph, N being Word's PAGE field."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("第 ")
    add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" 页")


def body(document: DocxDocument, text: str, indent: bool = True) -> Paragraph:
    """Add a body paragraph, first line indented by two characters."""
    return styled(document, text, BODY_ID if indent else "Normal")


def write(cell: _Cell, text: str, align: str = "l", bold: bool = False, size: float = 10.5) -> None:
    """Put text in a table cell: one paragraph per line, small type, vertically centred."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = text.splitlines() or [""]
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph._p.style = CELL_ID
        if align != "l":
            paragraph.alignment = ALIGN[align]
        run = paragraph.add_run(line)
        if size != CELL_SIZE:
            run.font.size = Pt(size)
        if bold:
            run.bold = True


def table(
    document: DocxDocument, headers: Sequence[str], widths_mm: Sequence[float], rows: int
) -> Table:
    """Add a bordered table with a bold header row that repeats on every page."""
    grid: Table = document.add_table(rows=rows + 1, cols=len(headers))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    for column, width in zip(grid._tbl.tblGrid.gridCol_lst, widths_mm, strict=True):
        column.w = Mm(width)
    for tr in grid._tbl.tr_lst:  # Word reads the cell widths, LibreOffice the grid's
        for tc, width in zip(tr.tc_lst, widths_mm, strict=True):
            tc.width = Mm(width)
    for cell, header in zip(cells(grid, 0), headers, strict=True):
        write(cell, header, "c", bold=True)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    return grid


def cells(grid: Table, row: int) -> list[_Cell]:
    """Return the cells of a row as stored (a merged run counts once); fast, unlike Table.cell."""
    return [_Cell(tc, grid) for tc in grid._tbl.tr_lst[row].tc_lst]


def merge_down(grid: Table, column: int, first: int, last: int, text: str) -> None:
    """Merge a column's cells from row `first` to `last` (w:vMerge) into one holding `text`."""
    rows = grid._tbl.tr_lst
    for index in range(first, last + 1):
        rows[index].tc_lst[column].vMerge = "restart" if index == first else "continue"
    write(_Cell(rows[first].tc_lst[column], grid), text, "c")


def merge_across(grid: Table, row: int, first: int, last: int, text: str) -> None:
    """Merge a row's cells from column `first` to `last` (w:gridSpan) into one holding `text`."""
    stored = grid._tbl.tr_lst[row].tc_lst
    stored[first].grid_span = last - first + 1
    for tc in stored[first + 1 : last + 1]:
        tc.getparent().remove(tc)
    write(_Cell(stored[first], grid), text, "c", bold=True)


def save(document: DocxDocument) -> bytes:
    """Return the document's bytes, every zip entry dated alike so that bytes repeat."""
    raw = io.BytesIO()
    document.save(raw)
    return normalized(raw.getvalue())


def normalized(docx: bytes) -> bytes:
    """Rewrite a DOCX package with fixed entry dates and modes (zip stores the save time)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
