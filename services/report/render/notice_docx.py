"""The result notice (绩效评价结果反馈告知书) in Word."""

from datetime import UTC, datetime

from docx.enum.text import WD_ALIGN_PARAGRAPH

from services.report.data import ReportData
from services.report.render import report_docx, word


def notice_docx(data: ReportData) -> bytes:
    """Return the result notice to the implementing unit: score, grade, problems, deadline."""
    day = datetime.fromisoformat(data.report_date_iso).replace(tzinfo=UTC)
    document = word.new_document(f"绩效评价结果反馈告知书：{data.project_name}", day)
    word.page_numbers(document.sections[0].footer.paragraphs[0])
    word.styled(document, "绩效评价结果反馈告知书", "Title")
    if data.draft:
        word.body(document, f"（{data.status_label}，非最终稿）", indent=False)
    word.body(document, f"{data.implementing_unit or '项目实施单位'}：", indent=False)
    report_docx.text(document, data.notice_opening)
    word.heading(document, "一、评价得分及等级", 1)
    word.body(document, data.conclusion)
    report_docx.level1_table(document, data, 1)
    word.heading(document, "二、存在的问题", 1)
    report_docx.text(document, data.problems)
    word.heading(document, "三、有关建议", 1)
    report_docx.text(document, data.suggestions)
    word.heading(document, "四、整改要求", 1)
    word.body(document, data.notice_requirement)
    document.add_paragraph()
    for line in (data.commissioning_unit, data.report_date):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return word.save(document)
